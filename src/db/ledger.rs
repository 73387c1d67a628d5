//! The ledger of objects no file row owns (`orphan_objects`): every object the bucket may
//! hold without a file row is on it, written before the first byte is, so the sweeper can
//! find everything left behind without listing the bucket. An entry may carry a quota
//! reservation, given back when the entry goes.
//!
//! Whoever deletes an object claims its entry first (`claim`, with `sweep_after` pushed to
//! the end of the claim's lease), and only when no file row owns the key and no upload is
//! still pending or completing on it. A file row can only be born from an unclaimed entry,
//! so once claimed the object is doomed and nothing can come to own it: deleting it is
//! safe. A deleter that dies leaves its claim to run out; the sweeper then takes over.

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
    /// The user's effective quota; 0 when unlimited.
    pub quota_bytes: i64,
}

pub(super) mod sql {
    use crate::db::Statement;
    use crate::model::Id;

    /// A user's effective quota in SQL, over the row of `users`: their own (0 unlimited) or
    /// else the deployment's default `default` (NULL: unlimited); 0 when unlimited.
    pub(in crate::db) fn effective_quota(default: &str) -> String {
        format!("coalesce(users.quota_bytes, {default}, 0)")
    }

    /// Puts `object_key` on the ledger for `owner` and reserves `reserve` bytes of their
    /// quota, if it has room (the user's own quota, else `quota`, the default: NULL unlimited). The first statement returns a row
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
                &format!(
                    "INSERT INTO orphan_objects (object_key, sweep_after, owner_id, reserved_bytes) \
                     SELECT ?1, ?2, id, ?3 FROM users \
                     WHERE id = ?4 AND ({q} = 0 OR used_bytes + reserved_bytes + ?3 <= {q}) RETURNING object_key",
                    q = effective_quota("?5")
                ),
                args![object_key, sweep_after, reserve, owner, quota],
            ),
            Statement::new(
                "UPDATE users SET reserved_bytes = reserved_bytes + ?1 \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?3)",
                args![reserve, owner, object_key],
            ),
            Statement::new(
                &format!(
                    "SELECT used_bytes, reserved_bytes, {} AS quota_bytes FROM users WHERE id = ?1",
                    effective_quota("?2")
                ),
                args![owner, quota],
            ),
        ]
    }

    /// Records the bucket's multipart upload id of a ledger entry, for the sweeper to abort.
    pub fn note_multipart(object_key: &str, multipart_id: &str) -> Statement {
        Statement::new(
            "UPDATE orphan_objects SET multipart_id = ? WHERE object_key = ?",
            args![multipart_id, object_key],
        )
    }

    /// Objects no file row owns and no live upload may still become a file: the predicate
    /// every claim of an entry for deletion checks, in SQL, for the entry `?1`.
    const DELETABLE: &str = "NOT EXISTS (SELECT 1 FROM files WHERE files.object_key = ?1) \
         AND NOT EXISTS (SELECT 1 FROM uploads WHERE uploads.object_key = ?1 \
         AND uploads.state IN ('pending', 'completing'))";

    /// Claims the ledger entry of `object_key` for its creator, who failed to turn it into
    /// a file: only while nobody else has claimed it. Returns the entry when claimed.
    pub fn claim_own_orphan(object_key: &str, claim: &str, until: i64) -> Statement {
        Statement::new(
            &format!(
                "UPDATE orphan_objects SET claim = ?2, sweep_after = ?3 \
                 WHERE object_key = ?1 AND claim IS NULL AND {DELETABLE} RETURNING object_key, multipart_id"
            ),
            args![object_key, claim, until],
        )
    }

    /// The sweeper's claim of a due entry, in one transaction: a direct upload on it that
    /// expired (or whose completion's claim ran out) is aborted first; then the entry is
    /// claimed unless a file row owns the key (such an entry is simply dropped, its
    /// reservation given back) or an upload on it is still live. The second statement
    /// returns the entry when claimed.
    pub fn claim_due_orphan(object_key: &str, claim: &str, now: i64, until: i64) -> Vec<Statement> {
        const DUE: &str = "EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?1 AND sweep_after <= ?3)";
        const OWNED: &str = "EXISTS (SELECT 1 FROM files WHERE files.object_key = ?1)";
        vec![
            Statement::new(
                &format!(
                    "UPDATE uploads SET state = 'aborted', claim = ?2 WHERE object_key = ?1 \
                     AND ((state = 'pending' AND expires_at <= ?3) OR (state = 'completing' AND claimed_until <= ?3)) \
                     AND {DUE}"
                ),
                args![object_key, claim, now],
            ),
            Statement::new(
                &format!(
                    "UPDATE orphan_objects SET claim = ?2, sweep_after = ?4 \
                     WHERE object_key = ?1 AND sweep_after <= ?3 AND {DELETABLE} RETURNING object_key, multipart_id"
                ),
                args![object_key, claim, now, until],
            ),
            Statement::new(
                &format!(
                    "UPDATE users SET reserved_bytes = reserved_bytes - \
                     (SELECT reserved_bytes FROM orphan_objects WHERE object_key = ?1) \
                     WHERE id = (SELECT owner_id FROM orphan_objects WHERE object_key = ?1) AND {DUE} AND {OWNED}"
                ),
                args![object_key, claim, now],
            ),
            Statement::new(
                &format!("DELETE FROM orphan_objects WHERE object_key = ?1 AND sweep_after <= ?3 AND {OWNED}"),
                args![object_key, claim, now],
            ),
        ]
    }

    /// Puts the key of an upload streamed through the Worker back on the ledger, due now and
    /// unclaimed, when its request gave up after the sweeper took the entry (the upload
    /// outlived its grace): whatever it stored meanwhile is then swept. A held claim is
    /// dropped on purpose: only this request could ever have committed this key, and it gave
    /// up, so nothing can be born from the entry, and the deleter holding it (which may have
    /// deleted before the late bytes landed) must not drop it.
    pub fn requeue_streamed(object_key: &str, now: i64) -> Statement {
        Statement::new(
            "INSERT INTO orphan_objects (object_key, sweep_after) \
             SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.object_key = ?1) \
             ON CONFLICT (object_key) DO UPDATE SET claim = NULL, sweep_after = ?2",
            args![object_key, now],
        )
    }

    /// Claims the ledger entry of the upload that `claim` aborted, for deleting its object.
    /// Returns the entry when claimed.
    pub fn claim_aborted_upload_object(upload: &Id, claim: &str, now: i64, until: i64) -> Statement {
        Statement::new(
            "UPDATE orphan_objects SET claim = ?2, sweep_after = ?4 \
             WHERE object_key = (SELECT object_key FROM uploads WHERE id = ?1 AND claim = ?2 AND state = 'aborted') \
             AND (claim IS NULL OR sweep_after <= ?3) \
             AND NOT EXISTS (SELECT 1 FROM files WHERE files.object_key = orphan_objects.object_key) \
             RETURNING object_key, multipart_id",
            args![upload, claim, now, until],
        )
    }

    /// Gives back the quota reserved by the entry `claim` holds.
    pub fn release_reservation(object_key: &str, claim: &str) -> Statement {
        Statement::new(
            "UPDATE users SET reserved_bytes = reserved_bytes - \
             (SELECT reserved_bytes FROM orphan_objects WHERE object_key = ?1 AND claim = ?2) \
             WHERE id = (SELECT owner_id FROM orphan_objects WHERE object_key = ?1 AND claim = ?2)",
            args![object_key, claim],
        )
    }

    /// After the bucket confirmed the delete of an object `claim` holds: gives back its
    /// reservation (and its upload request's slot) and drops the entry, unless an upload
    /// URL for the key (a single PUT's, or a part's) may still be used, or was used in time
    /// by an upload that may still be storing (until its upload's `expires_at`, or the
    /// entry's `writable_until`, plus `late_write_grace` ms): then the entry stays,
    /// unclaimed, due when nothing can write the key any more, so late bytes are swept too.
    pub fn release_claimed(object_key: &str, claim: &str, now: i64, late_write_grace: i64) -> Vec<Statement> {
        // NULL (drop the entry) when no upload URL was ever issued for the key.
        const LAST_WRITE: &str =
            "((SELECT max(w) FROM (SELECT u.expires_at AS w FROM uploads u WHERE u.object_key = ?1 \
                                  UNION ALL SELECT orphan_objects.writable_until)) + ?4)";
        vec![
            release_reservation(object_key, claim),
            crate::db::requests::sql::release_slot(object_key, claim),
            Statement::new(
                &format!(
                    "UPDATE orphan_objects SET claim = NULL, reserved_bytes = 0, request_id = NULL, \
                     request_bytes = 0, sweep_after = {LAST_WRITE} \
                     WHERE object_key = ?1 AND claim = ?2 AND {LAST_WRITE} > ?3"
                ),
                args![object_key, claim, now, late_write_grace],
            ),
            Statement::new("DELETE FROM orphan_objects WHERE object_key = ?1 AND claim = ?2", args![object_key, claim]),
        ]
    }

    /// After the bucket failed to delete an object `claim` holds: its reservation (and its
    /// upload request's slot) is given back now, and the entry, still claimed (the object stays doomed), is due at once, so
    /// the next sweep claims it and tries again.
    pub fn defer_claimed(object_key: &str, claim: &str, now: i64) -> Vec<Statement> {
        vec![
            release_reservation(object_key, claim),
            crate::db::requests::sql::release_slot(object_key, claim),
            Statement::new(
                "UPDATE orphan_objects SET reserved_bytes = 0, request_id = NULL, request_bytes = 0, sweep_after = ?3 \
                 WHERE object_key = ?1 AND claim = ?2",
                args![object_key, claim, now],
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

        /// Claims the entry of an object its creator could not turn into a file.
        pub async fn claim_own_orphan(
            &self,
            object_key: &str,
            claim: &str,
            until: i64,
        ) -> Result<Option<OrphanRow>, ApiError> {
            self.run(sql::claim_own_orphan(object_key, claim, until)).await?.first()
        }

        /// Puts a streamed upload's key back on the ledger, due now (see the statement).
        pub async fn requeue_streamed(&self, object_key: &str, now: i64) -> Result<(), ApiError> {
            self.run(sql::requeue_streamed(object_key, now)).await.map(drop)
        }

        /// The sweeper's claim of a due entry (aborting an expired upload on it first).
        pub async fn claim_due_orphan(
            &self,
            object_key: &str,
            claim: &str,
            now: i64,
            until: i64,
        ) -> Result<Option<OrphanRow>, ApiError> {
            let results = self.batch(sql::claim_due_orphan(object_key, claim, now, until)).await?;
            at(&results, 1)?.first()
        }

        /// The bucket deleted the object `claim` holds: its entry goes (or waits until its
        /// key's last upload URL is dead, plus `late_write_grace` ms).
        pub async fn release_claimed(
            &self,
            object_key: &str,
            claim: &str,
            now: i64,
            late_write_grace: i64,
        ) -> Result<(), ApiError> {
            self.batch(sql::release_claimed(object_key, claim, now, late_write_grace)).await.map(drop)
        }

        /// The bucket failed to delete the object `claim` holds: the sweeper tries again.
        pub async fn defer_claimed(&self, object_key: &str, claim: &str, now: i64) -> Result<(), ApiError> {
            self.batch(sql::defer_claimed(object_key, claim, now)).await.map(drop)
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
    let mut all = vec![
        sql::note_multipart("k", "m"),
        sql::claim_own_orphan("k", "c", 1),
        sql::requeue_streamed("k", 0),
        sql::claim_aborted_upload_object(&id, "c", 0, 1),
        sql::release_reservation("k", "c"),
        sql::due_orphans(0, 10),
    ];
    all.extend(sql::reserve_object(&id, "k", 0, 1, Some(10)));
    all.extend(sql::claim_due_orphan("k", "c", 0, 1));
    all.extend(sql::release_claimed("k", "c", 0, 1));
    all.extend(sql::defer_claimed("k", "c", 0));
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
