//! The ledger of objects no file row owns (`orphan_objects`): every object the bucket may
//! hold without a file row is on it, written before the first byte is, so the sweeper can
//! find everything left behind without listing the bucket. An entry may carry a quota
//! reservation, given back when the entry goes.

use serde::Deserialize;

/// An object on the sweeper's ledger.
#[derive(Debug, Clone, Deserialize)]
pub struct OrphanRow {
    pub object_key: String,
    pub multipart_id: Option<String>,
}

/// A user's usage right after a reservation.
#[derive(Debug, Clone, Deserialize)]
pub struct Usage {
    pub used_bytes: i64,
    pub reserved_bytes: i64,
}

pub(super) mod sql {
    use crate::db::Statement;
    use crate::model::Id;

    /// Puts `object_key` on the ledger for `owner` and reserves `reserve` bytes of their
    /// quota, if it has room (`quota` NULL: unlimited). The first statement returns a row
    /// only when the reservation was made; the second applies it; the third reads the usage.
    pub fn reserve_object(
        owner: &Id,
        object_key: &str,
        sweep_after: i64,
        reserve: i64,
        quota: Option<i64>,
    ) -> Vec<Statement> {
        vec![
            Statement::new(
                "INSERT INTO orphan_objects (object_key, sweep_after, owner_id, reserved_bytes) \
                 SELECT ?1, ?2, id, ?3 FROM users \
                 WHERE id = ?4 AND (?5 IS NULL OR used_bytes + reserved_bytes + ?3 <= ?5) RETURNING object_key",
                args![object_key, sweep_after, reserve, owner, quota],
            ),
            Statement::new(
                "UPDATE users SET reserved_bytes = reserved_bytes + ?1 \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?3)",
                args![reserve, owner, object_key],
            ),
            Statement::new("SELECT used_bytes, reserved_bytes FROM users WHERE id = ?", args![owner]),
        ]
    }

    /// Records the bucket's multipart upload id of a ledger entry, for the sweeper to abort.
    pub fn note_multipart(object_key: &str, multipart_id: &str) -> Statement {
        Statement::new(
            "UPDATE orphan_objects SET multipart_id = ? WHERE object_key = ?",
            args![multipart_id, object_key],
        )
    }

    /// Gives back the quota a ledger entry reserved.
    pub fn release_reservation(object_key: &str) -> Statement {
        Statement::new(
            "UPDATE users SET reserved_bytes = reserved_bytes - \
             coalesce((SELECT reserved_bytes FROM orphan_objects WHERE object_key = ?1), 0) \
             WHERE id = (SELECT owner_id FROM orphan_objects WHERE object_key = ?1)",
            args![object_key],
        )
    }

    /// Removes a ledger entry whose object the bucket no longer holds: gives back its
    /// reservation and forgets any pending upload of it.
    pub fn release_orphan(object_key: &str) -> Vec<Statement> {
        vec![
            release_reservation(object_key),
            Statement::new("DELETE FROM uploads WHERE object_key = ?", args![object_key]),
            Statement::new("DELETE FROM orphan_objects WHERE object_key = ?", args![object_key]),
        ]
    }

    /// Hands an object the bucket failed to delete to the sweeper, due at `sweep_after`,
    /// giving its reservation back now.
    pub fn doom_object(object_key: &str, sweep_after: i64) -> Vec<Statement> {
        vec![
            release_reservation(object_key),
            Statement::new("DELETE FROM uploads WHERE object_key = ?", args![object_key]),
            Statement::new(
                "UPDATE orphan_objects SET reserved_bytes = 0, sweep_after = ? WHERE object_key = ?",
                args![sweep_after, object_key],
            ),
        ]
    }

    /// Ledger entries due for sweeping, oldest first.
    pub fn due_orphans(now: i64, limit: i64) -> Statement {
        Statement::new(
            "SELECT object_key, multipart_id FROM orphan_objects WHERE sweep_after <= ? ORDER BY sweep_after LIMIT ?",
            args![now, limit],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, OrphanRow, Usage};
    use crate::db::runner::{account_gone, at};
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Puts `object_key` on the ledger and reserves `reserve` bytes of the owner's quota;
        /// 413 `quota_exceeded` when it has no room, 401 when the account is gone.
        pub async fn reserve_object(
            &self,
            owner: &Id,
            object_key: &str,
            sweep_after: i64,
            reserve: i64,
            quota: Option<i64>,
        ) -> Result<Usage, ApiError> {
            let results =
                self.batch_as(owner, sql::reserve_object(owner, object_key, sweep_after, reserve, quota)).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::QuotaExceeded);
            }
            at(&results, 2)?.first()?.ok_or_else(account_gone)
        }

        /// Records the bucket's multipart upload id of a ledger entry.
        pub async fn note_multipart(&self, object_key: &str, multipart_id: &str) -> Result<(), ApiError> {
            self.run(sql::note_multipart(object_key, multipart_id)).await.map(drop)
        }

        /// Forgets a ledger entry whose object the bucket no longer holds.
        pub async fn release_orphan(&self, object_key: &str) -> Result<(), ApiError> {
            self.batch(sql::release_orphan(object_key)).await.map(drop)
        }

        /// Leaves an object the bucket failed to delete to the sweeper.
        pub async fn doom_object(&self, object_key: &str, sweep_after: i64) -> Result<(), ApiError> {
            self.batch(sql::doom_object(object_key, sweep_after)).await.map(drop)
        }

        /// Up to `limit` ledger entries due for sweeping.
        pub async fn due_orphans(&self, now: i64, limit: i64) -> Result<Vec<OrphanRow>, ApiError> {
            self.run(sql::due_orphans(now, limit)).await?.all()
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = crate::model::Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let mut all = vec![sql::note_multipart("k", "m"), sql::release_reservation("k"), sql::due_orphans(0, 10)];
    all.extend(sql::reserve_object(&id, "k", 0, 1, Some(10)));
    all.extend(sql::release_orphan("k"));
    all.extend(sql::doom_object("k", 0));
    all
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("ledger.rs"));
        assert_no_table_scans(&super::samples());
    }
}
