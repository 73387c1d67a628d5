//! Share links (`shares`) and their access logs (`share_accesses`): the owner's statements
//! (create, change, list, revoke, read the log) and the visitor's (find a link by the hash
//! of its token, log the visit and count the download in one transaction).

use crate::model::Id;
use serde::Deserialize;

/// A row of `shares`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ShareRow {
    pub id: String,
    pub file_id: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    /// 1 when the share has a password.
    pub protected: i64,
}

const SHARE_COLUMNS: &str =
    "id, file_id, created_at, expires_at, max_downloads, download_count, password_hash IS NOT NULL AS protected";

/// A share found by its token, with the file it shares.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedFile {
    pub share_id: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub object_key: String,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    pub password_hash: Option<String>,
}

/// One entry of a share's access log.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessRow {
    pub id: i64,
    pub at: i64,
    pub ip_hash: String,
    pub user_agent: String,
    pub outcome: String,
}

/// The values a new share row is made of.
#[derive(Debug, Clone)]
pub struct NewShare<'a> {
    pub id: &'a Id,
    pub file: &'a Id,
    pub owner: &'a Id,
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub password_hash: Option<&'a str>,
}

/// A visit to a share link, for its access log.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub ip_hash: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
}

pub(super) mod sql {
    use super::{NewShare, Visit, SHARE_COLUMNS};
    use crate::db::{SqlArg, Statement};
    use crate::model::{Id, Patch};

    /// The flag and value a statement binds for a patch: `(1, value)` to set, `(0, NULL)` to keep.
    fn bind<T>(patch: Patch<T>) -> (SqlArg, SqlArg)
    where
        SqlArg: From<T>,
    {
        match patch {
            Patch::Keep => (SqlArg::Int(0), SqlArg::Null),
            Patch::Set(value) => (SqlArg::Int(1), SqlArg::from(value)),
        }
    }

    /// A share of one of the user's files (no row when the file is not theirs).
    pub fn insert_share(share: &NewShare<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO shares (id, file_id, token_hash, created_at, expires_at, max_downloads, password_hash) \
                 SELECT ?, id, ?, ?, ?, ?, ? FROM files WHERE id = ? AND owner_id = ? RETURNING {SHARE_COLUMNS}"
            ),
            args![
                share.id,
                share.token_hash,
                share.now,
                share.expires_at,
                share.max_downloads,
                share.password_hash,
                share.file,
                share.owner
            ],
        )
    }

    /// Changes a share of one of the user's files (no row when there is no such share).
    pub fn update_share(
        owner: &Id,
        file: &Id,
        share: &Id,
        expires_at: Patch<Option<i64>>,
        max_downloads: Patch<Option<i64>>,
        password_hash: Patch<Option<&str>>,
    ) -> Statement {
        let (set_expiry, expiry) = bind(expires_at);
        let (set_limit, limit) = bind(max_downloads);
        let (set_password, password) = bind(password_hash);
        Statement::new(
            &format!(
                "UPDATE shares SET \
                 expires_at = CASE WHEN ?1 THEN ?2 ELSE expires_at END, \
                 max_downloads = CASE WHEN ?3 THEN ?4 ELSE max_downloads END, \
                 password_hash = CASE WHEN ?5 THEN ?6 ELSE password_hash END \
                 WHERE id = ?7 AND file_id = (SELECT id FROM files WHERE id = ?8 AND owner_id = ?9) \
                 RETURNING {SHARE_COLUMNS}"
            ),
            vec![set_expiry, expiry, set_limit, limit, set_password, password, share.into(), file.into(), owner.into()],
        )
    }

    /// The shares of one of the user's files, newest first.
    pub fn shares_of_file(owner: &Id, file: &Id) -> Statement {
        Statement::new(
            &format!(
                "SELECT {SHARE_COLUMNS} FROM shares WHERE file_id = \
                 (SELECT id FROM files WHERE id = ? AND owner_id = ?) ORDER BY created_at DESC, id DESC"
            ),
            args![file, owner],
        )
    }

    /// Whether a share of one of the user's files exists (a row when so).
    pub fn owns_share(owner: &Id, file: &Id, share: &Id) -> Statement {
        Statement::new(
            "SELECT s.id FROM shares s JOIN files f ON f.id = s.file_id \
             WHERE s.id = ? AND f.id = ? AND f.owner_id = ?",
            args![share, file, owner],
        )
    }

    /// Revokes a share of one of the user's files (a row when it existed), with its log.
    pub fn delete_share(owner: &Id, file: &Id, share: &Id) -> Vec<Statement> {
        const OWNED: &str = "SELECT id FROM shares WHERE id = ?1 AND file_id = \
                             (SELECT id FROM files WHERE id = ?2 AND owner_id = ?3)";
        vec![
            Statement::new(
                &format!("DELETE FROM share_accesses WHERE share_id IN ({OWNED})"),
                args![share, file, owner],
            ),
            Statement::new(
                &format!("DELETE FROM shares WHERE id IN ({OWNED}) RETURNING id"),
                args![share, file, owner],
            ),
        ]
    }

    /// A page of a share's access log, newest first, after `(at, id)` when given.
    pub fn accesses(share: &Id, after: Option<(i64, i64)>, limit: i64) -> Statement {
        let (at, id) = after.unzip();
        Statement::new(
            "SELECT id, at, ip_hash, user_agent, outcome FROM share_accesses \
             WHERE share_id = ?1 AND (?2 IS NULL OR (at, id) < (?2, ?3)) ORDER BY at DESC, id DESC LIMIT ?4",
            args![share, at, id, limit],
        )
    }

    /// The share with this token hash and the file it shares.
    pub fn shared_file(token_hash: &str) -> Statement {
        Statement::new(
            "SELECT s.id AS share_id, f.name, f.size, f.content_type, f.object_key, s.expires_at, s.max_downloads, \
             s.download_count, s.password_hash FROM shares s JOIN files f ON f.id = s.file_id WHERE s.token_hash = ?",
            args![token_hash],
        )
    }

    /// What a visit gets, as SQL: the same conditions, in the same order, as
    /// [`count_download`] and the domain's reading of a refused visit.
    const OUTCOME: &str = "CASE WHEN expires_at IS NOT NULL AND expires_at <= ?2 THEN 'expired' \
         WHEN max_downloads IS NOT NULL AND download_count >= max_downloads THEN 'limit_reached' \
         WHEN password_hash IS NOT ?3 THEN 'password_required' ELSE 'ok' END";

    /// Logs a visit to the share with this token hash, with what it gets.
    pub fn log_visit(token_hash: &str, visit: &Visit<'_>, password_hash: Option<&str>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO share_accesses (share_id, at, ip_hash, user_agent, outcome) \
                 SELECT id, ?2, ?4, ?5, {OUTCOME} FROM shares WHERE token_hash = ?1"
            ),
            args![token_hash, visit.now, password_hash, visit.ip_hash, visit.user_agent],
        )
    }

    /// Logs a visit that gave a wrong password.
    pub fn log_bad_password(share: &str, visit: &Visit<'_>) -> Statement {
        Statement::new(
            "INSERT INTO share_accesses (share_id, at, ip_hash, user_agent, outcome) VALUES (?, ?, ?, ?, 'bad_password')",
            args![share, visit.now, visit.ip_hash, visit.user_agent],
        )
    }

    /// Counts one download of a live share, atomically: no row when the share is unknown,
    /// expired, used up or protected by another password than `password_hash`, so
    /// concurrent visitors can never exceed `max_downloads`.
    pub fn count_download(token_hash: &str, now: i64, password_hash: Option<&str>) -> Statement {
        Statement::new(
            "UPDATE shares SET download_count = download_count + 1 \
             WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2) \
             AND (max_downloads IS NULL OR download_count < max_downloads) AND password_hash IS ?3 RETURNING id",
            args![token_hash, now, password_hash],
        )
    }

    /// Housekeeping: up to `limit` shares that expired before `cutoff`, with their logs.
    pub fn delete_expired_shares(cutoff: i64, limit: i64) -> Vec<Statement> {
        const DUE: &str = "SELECT id FROM shares WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2";
        vec![
            Statement::new(&format!("DELETE FROM share_accesses WHERE share_id IN ({DUE})"), args![cutoff, limit]),
            Statement::new(&format!("DELETE FROM shares WHERE id IN ({DUE}) RETURNING id"), args![cutoff, limit]),
        ]
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, AccessRow, NewShare, ShareRow, SharedFile, Visit};
    use crate::db::files::sql::owns_file;
    use crate::db::limits::{self, Counter};
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::{Id, Patch};

    impl Db {
        /// Creates a share of the user's file; 404 when the file is not theirs.
        pub async fn create_share(&self, share: NewShare<'_>) -> Result<ShareRow, ApiError> {
            let results = self.batch_as(share.owner, vec![sql::insert_share(&share)]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::FileNotFound)
        }

        /// Changes a share of the user's file.
        pub async fn update_share(
            &self,
            owner: &Id,
            file: &Id,
            share: &Id,
            expires_at: Patch<Option<i64>>,
            max_downloads: Patch<Option<i64>>,
            password_hash: Patch<Option<&str>>,
        ) -> Result<ShareRow, ApiError> {
            let update = sql::update_share(owner, file, share, expires_at, max_downloads, password_hash);
            let results = self.batch_as(owner, vec![owns_file(owner, file), update]).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::FileNotFound);
            }
            at(&results, 1)?.first()?.ok_or(ApiError::ShareNotFound)
        }

        /// The shares of the user's file, newest first; 404 when the file is not theirs.
        pub async fn shares_of_file(&self, owner: &Id, file: &Id) -> Result<Vec<ShareRow>, ApiError> {
            let results = self.batch_as(owner, vec![owns_file(owner, file), sql::shares_of_file(owner, file)]).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::FileNotFound);
            }
            at(&results, 1)?.all()
        }

        /// Revokes a share of the user's file.
        pub async fn revoke_share(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
            let mut statements = vec![owns_file(owner, file)];
            statements.extend(sql::delete_share(owner, file, share));
            let results = self.batch_as(owner, statements).await?;
            match (at(&results, 0)?.any(), at(&results, 2)?.any()) {
                (false, _) => Err(ApiError::FileNotFound),
                (true, false) => Err(ApiError::ShareNotFound),
                (true, true) => Ok(()),
            }
        }

        /// A page of the access log of a share of the user's file.
        pub async fn share_accesses(
            &self,
            owner: &Id,
            file: &Id,
            share: &Id,
            after: Option<(i64, i64)>,
            limit: i64,
        ) -> Result<Vec<AccessRow>, ApiError> {
            let statements =
                vec![owns_file(owner, file), sql::owns_share(owner, file, share), sql::accesses(share, after, limit)];
            let results = self.batch_as(owner, statements).await?;
            match (at(&results, 0)?.any(), at(&results, 1)?.any()) {
                (false, _) => Err(ApiError::FileNotFound),
                (true, false) => Err(ApiError::ShareNotFound),
                (true, true) => at(&results, 2)?.all(),
            }
        }

        /// The share with this token hash and what it shares, counting nothing.
        pub async fn shared_file(&self, token_hash: &str) -> Result<Option<SharedFile>, ApiError> {
            self.run(sql::shared_file(token_hash)).await?.first()
        }

        /// The share with this token hash, with one attempt counted against each of
        /// `attempts` (a key and its window) and the counts read back, in one transaction:
        /// before a password is judged, so however many race, each sees its own count.
        pub async fn shared_file_counting_attempt(
            &self,
            token_hash: &str,
            attempts: &[(&str, i64)],
            now: i64,
        ) -> Result<(Option<SharedFile>, Vec<Counter>), ApiError> {
            let mut statements = vec![sql::shared_file(token_hash)];
            statements.extend(attempts.iter().map(|(key, window)| limits::sql::count_attempt(key, now, *window)));
            let results = self.batch(statements).await?;
            let mut counters = Vec::with_capacity(attempts.len());
            for index in 1..=attempts.len() {
                counters.extend(at(&results, index)?.first::<Counter>()?);
            }
            Ok((at(&results, 0)?.first()?, counters))
        }

        /// One visit, in one transaction: logged, counted if the share is live and its
        /// password is `password_hash` (one the caller verified), the attempts counted
        /// against `forgive` taken back, and the share read back. Returns whether it counted.
        pub async fn visit_share(
            &self,
            token_hash: &str,
            visit: &Visit<'_>,
            password_hash: Option<&str>,
            forgive: &[&str],
        ) -> Result<(bool, Option<SharedFile>), ApiError> {
            let mut statements = vec![
                sql::log_visit(token_hash, visit, password_hash),
                sql::count_download(token_hash, visit.now, password_hash),
                sql::shared_file(token_hash),
            ];
            statements.extend(forgive.iter().map(|key| limits::sql::forgive_attempt(key)));
            let results = self.batch(statements).await?;
            Ok((at(&results, 1)?.any(), at(&results, 2)?.first()?))
        }

        /// Logs a wrong password for `share` (already counted against its limits).
        pub async fn log_bad_share_password(&self, share: &str, visit: &Visit<'_>) -> Result<(), ApiError> {
            self.run(sql::log_bad_password(share, visit)).await.map(drop)
        }

        /// Housekeeping: deletes up to `limit` shares that expired before `cutoff`, with
        /// their logs; returns how many went.
        pub async fn delete_expired_shares(&self, cutoff: i64, limit: i64) -> Result<usize, ApiError> {
            let results = self.batch(sql::delete_expired_shares(cutoff, limit)).await?;
            Ok(at(&results, 1)?.all::<serde_json::Value>()?.len())
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    use crate::model::Patch;
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let share = NewShare {
        id: &id,
        file: &id,
        owner: &id,
        token_hash: "h",
        now: 0,
        expires_at: None,
        max_downloads: None,
        password_hash: None,
    };
    let visit = Visit { ip_hash: "i", user_agent: "u", now: 0 };
    let mut all = vec![
        sql::insert_share(&share),
        sql::update_share(&id, &id, &id, Patch::Set(Some(1)), Patch::Keep, Patch::Set(None)),
        sql::shares_of_file(&id, &id),
        sql::owns_share(&id, &id, &id),
        sql::accesses(&id, Some((1, 2)), 10),
        sql::shared_file("h"),
        sql::log_visit("h", &visit, None),
        sql::log_bad_password("s", &visit),
        sql::count_download("h", 0, Some("p")),
    ];
    all.extend(sql::delete_share(&id, &id, &id));
    all.extend(sql::delete_expired_shares(0, 10));
    all
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("shares.rs"));
        assert_no_table_scans(&super::samples());
    }
}
