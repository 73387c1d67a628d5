//! Share links (`shares`) and their access logs (`share_accesses`): the owner's statements
//! (create, change, list, revoke, read the log) and the visitor's (find a link by the hash
//! of its token, log the visit and count the download in one transaction).

use crate::domain::shares::AccessLogPolicy;
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
    /// 1 while an admin has disabled the file's owner: the link answers 410 meanwhile.
    pub owner_disabled: i64,
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

/// A visit to a share link, for its access log (and the rules that keep that log bounded).
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub ip_hash: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
    pub log: AccessLogPolicy,
}

pub(super) mod sql {
    use super::{NewShare, Visit, SHARE_COLUMNS};
    use crate::db::{SqlArg, Statement};
    use crate::model::{Id, Patch};

    /// The flag and value a statement binds for a patch: `(1, value)` to set, `(0, NULL)` to keep.
    pub(in crate::db) fn bind<T>(patch: Patch<T>) -> (SqlArg, SqlArg)
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
             s.download_count, s.password_hash, u.disabled AS owner_disabled \
             FROM shares s JOIN files f ON f.id = s.file_id JOIN users u ON u.id = f.owner_id WHERE s.token_hash = ?",
            args![token_hash],
        )
    }

    /// What a visit gets, as SQL: the same conditions, in the same order, as
    /// [`count_download`] and the domain's reading of a refused visit (`?6`: the password
    /// hash the visit brings).
    const OUTCOME: &str = "CASE WHEN EXISTS (SELECT 1 FROM files f JOIN users u ON u.id = f.owner_id \
         WHERE f.id = file_id AND u.disabled = 1) THEN 'expired' \
         WHEN expires_at IS NOT NULL AND expires_at <= ?2 THEN 'expired' \
         WHEN max_downloads IS NOT NULL AND download_count >= max_downloads THEN 'limit_reached' \
         WHEN password_hash IS NOT ?6 THEN 'password_required' ELSE 'ok' END";

    /// The entry of a visit to the share with token hash `?1`, selected with its `outcome`
    /// (SQL), numbered one past the newest of its log; none when the same client got the
    /// same outcome from it within the repeat window. Arguments: `?1` token hash, `?2` now,
    /// `?3` client, `?4` user agent, `?5` repeat window. Each lookup seeks one index.
    fn log_entry(outcome: &str) -> String {
        format!(
            "INSERT INTO share_accesses (share_id, seq, at, ip_hash, user_agent, outcome) \
             SELECT s.id, coalesce((SELECT a.seq FROM share_accesses a WHERE a.share_id = s.id \
             ORDER BY a.seq DESC LIMIT 1), 0) + 1, ?2, ?3, ?4, s.outcome \
             FROM (SELECT id, {outcome} AS outcome FROM shares WHERE token_hash = ?1) s \
             WHERE NOT EXISTS (SELECT 1 FROM share_accesses r WHERE r.share_id = s.id AND r.ip_hash = ?3 \
             AND r.outcome = s.outcome AND r.at > ?2 - ?5)"
        )
    }

    fn log_entry_args(token_hash: &str, visit: &Visit<'_>) -> Vec<SqlArg> {
        args![token_hash, visit.now, visit.ip_hash, visit.user_agent, visit.log.repeat_window_millis]
    }

    /// Logs a visit to the share with this token hash, with what it gets when it brings
    /// `password_hash`, and keeps the log bounded.
    pub fn log_visit(token_hash: &str, visit: &Visit<'_>, password_hash: Option<&str>) -> Vec<Statement> {
        let mut args = log_entry_args(token_hash, visit);
        args.push(SqlArg::from(password_hash));
        vec![Statement::new(&log_entry(OUTCOME), args), trim_log(token_hash, visit.log.max_entries)]
    }

    /// Logs a visit to the share with this token hash that gave a wrong password, and
    /// keeps the log bounded.
    pub fn log_bad_password(token_hash: &str, visit: &Visit<'_>) -> Vec<Statement> {
        let entry = Statement::new(&log_entry("'bad_password'"), log_entry_args(token_hash, visit));
        vec![entry, trim_log(token_hash, visit.log.max_entries)]
    }

    /// Drops the entries of the log of the share with this token hash beyond its newest
    /// `max_entries`: one range of the log's numbers, which holds at most the one entry
    /// the visit pushed out (more only after the cap was lowered).
    pub fn trim_log(token_hash: &str, max_entries: i64) -> Statement {
        Statement::new(
            "DELETE FROM share_accesses WHERE share_id = (SELECT id FROM shares WHERE token_hash = ?1) \
             AND seq <= (SELECT a.seq FROM share_accesses a WHERE a.share_id = \
             (SELECT id FROM shares WHERE token_hash = ?1) ORDER BY a.seq DESC LIMIT 1) - ?2",
            args![token_hash, max_entries],
        )
    }

    /// Counts one download of a live share, atomically: no row when the share is unknown,
    /// its owner is disabled, expired, used up or protected by another password than `password_hash`, so
    /// concurrent visitors can never exceed `max_downloads`.
    pub fn count_download(token_hash: &str, now: i64, password_hash: Option<&str>) -> Statement {
        Statement::new(
            "UPDATE shares SET download_count = download_count + 1 \
             WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2) \
             AND (max_downloads IS NULL OR download_count < max_downloads) AND password_hash IS ?3 \
             AND NOT EXISTS (SELECT 1 FROM files f JOIN users u ON u.id = f.owner_id \
             WHERE f.id = shares.file_id AND u.disabled = 1) RETURNING id",
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
            self.first_counting_attempts(sql::shared_file(token_hash), attempts, now).await
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
            let mut statements = sql::log_visit(token_hash, visit, password_hash);
            let counted = statements.len();
            statements.push(sql::count_download(token_hash, visit.now, password_hash));
            statements.push(sql::shared_file(token_hash));
            statements.extend(forgive.iter().map(|key| limits::sql::forgive_attempt(key)));
            let results = self.batch(statements).await?;
            Ok((at(&results, counted)?.any(), at(&results, counted + 1)?.first()?))
        }

        /// Logs a wrong password for the share with this token hash (already counted
        /// against its limits).
        pub async fn log_bad_share_password(&self, token_hash: &str, visit: &Visit<'_>) -> Result<(), ApiError> {
            self.batch(sql::log_bad_password(token_hash, visit)).await.map(drop)
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
    let log = AccessLogPolicy { max_entries: 1000, repeat_window_millis: 60_000 };
    let visit = Visit { ip_hash: "i", user_agent: "u", now: 0, log };
    let mut all = vec![
        sql::insert_share(&share),
        sql::update_share(&id, &id, &id, Patch::Set(Some(1)), Patch::Keep, Patch::Set(None)),
        sql::shares_of_file(&id, &id),
        sql::owns_share(&id, &id, &id),
        sql::accesses(&id, Some((1, 2)), 10),
        sql::shared_file("h"),
        sql::count_download("h", 0, Some("p")),
    ];
    all.extend(sql::log_visit("h", &visit, None));
    all.extend(sql::log_bad_password("h", &visit));
    all.push(sql::trim_log("h", 1000));
    all.extend(sql::delete_share(&id, &id, &id));
    all.extend(sql::delete_expired_shares(0, 10));
    all
}

#[cfg(test)]
mod tests {
    use super::{sql, Visit};
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, migrations, plan, schema};
    use crate::domain::shares::AccessLogPolicy;

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("shares.rs"));
        assert_no_table_scans(&super::samples());
    }

    const MINUTE: i64 = 60_000;

    /// A share `id` (of a file of its own) whose token hash is `token of {id}`.
    fn add_share(db: &rusqlite::Connection, id: &str) {
        db.execute_batch(&format!(
            "INSERT OR IGNORE INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@example.com', 'x', 0); \
             INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
             updated_at) VALUES ('file {id}', 'u', 'n', 'n', '/', 0, 'text/plain', 'key {id}', 0, 0); \
             INSERT INTO shares (id, file_id, token_hash, created_at) VALUES ('{id}', 'file {id}', 'token of {id}', 0);"
        ))
        .unwrap();
    }

    /// Logs a visit to share `share` (made by `add_share`) from `ip` at `now`, keeping at
    /// most `max_entries`; `bad` for a wrong password.
    fn visit(db: &rusqlite::Connection, share: &str, ip: &str, now: i64, max_entries: i64, bad: bool) {
        let agent = format!("{ip} at {now}");
        let log = AccessLogPolicy { max_entries, repeat_window_millis: MINUTE };
        let visit = Visit { ip_hash: ip, user_agent: &agent, now, log };
        let token_hash = format!("token of {share}");
        let statements =
            if bad { sql::log_bad_password(&token_hash, &visit) } else { sql::log_visit(&token_hash, &visit, None) };
        for statement in statements {
            execute(db, &statement);
        }
    }

    /// The `(seq, user_agent, outcome)` of each entry of a share's log, oldest first.
    fn log(db: &rusqlite::Connection, share: &str) -> Vec<(i64, String, String)> {
        let mut statement =
            db.prepare("SELECT seq, user_agent, outcome FROM share_accesses WHERE share_id = ? ORDER BY seq").unwrap();
        let rows = statement.query_map([share], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn a_log_keeps_its_newest_entries_numbered_in_order_and_apart_from_other_logs() {
        let db = schema();
        add_share(&db, "a");
        add_share(&db, "b");
        for i in 0..12 {
            visit(&db, "a", &format!("ip{i}"), i * 1000, 5, false);
        }
        let expected: Vec<_> = (7..12).map(|i| (i + 1, format!("ip{i} at {}", i * 1000), "ok".to_owned())).collect();
        assert_eq!(log(&db, "a"), expected);
        visit(&db, "b", "ip0", 0, 5, false);
        assert_eq!(log(&db, "b"), [(1, "ip0 at 0".to_owned(), "ok".to_owned())], "each log numbers its own");
        assert_eq!(log(&db, "a").len(), 5);

        // The default cap holds the same way.
        add_share(&db, "c");
        for i in 0..1100 {
            visit(&db, "c", &format!("ip{i}"), i, 1000, false);
        }
        let kept = log(&db, "c");
        assert_eq!((kept.len(), kept[0].0, kept[999].0), (1000, 101, 1100));
        // A smaller cap later trims a longer log at its next visit.
        visit(&db, "c", "new", 2000, 10, false);
        assert_eq!(log(&db, "c").iter().map(|e| e.0).collect::<Vec<_>>(), (1092..=1101).collect::<Vec<_>>());
    }

    #[test]
    fn a_client_getting_the_same_answer_again_within_a_minute_is_logged_once() {
        let db = schema();
        add_share(&db, "a");
        visit(&db, "a", "me", 1000, 1000, false);
        visit(&db, "a", "me", 1000 + MINUTE - 1, 1000, false);
        visit(&db, "a", "me", 1000 + MINUTE / 2, 1000, false);
        assert_eq!(log(&db, "a").len(), 1, "{:?}", log(&db, "a"));
        visit(&db, "a", "someone else", 1500, 1000, false);
        visit(&db, "a", "me", 2000, 1000, true);
        visit(&db, "a", "me", 2001, 1000, true);
        visit(&db, "a", "me", 1000 + MINUTE, 1000, false);
        assert_eq!(
            log(&db, "a"),
            [
                (1, "me at 1000".to_owned(), "ok".to_owned()),
                (2, "someone else at 1500".to_owned(), "ok".to_owned()),
                (3, "me at 2000".to_owned(), "bad_password".to_owned()),
                (4, format!("me at {}", 1000 + MINUTE), "ok".to_owned()),
            ]
        );
    }

    #[test]
    fn a_visit_seeks_its_log_through_indexes_made_for_it() {
        let db = schema();
        let log = AccessLogPolicy { max_entries: 1000, repeat_window_millis: MINUTE };
        let visit = Visit { ip_hash: "i", user_agent: "u", now: 0, log };
        let [entry, trim] = <[_; 2]>::try_from(sql::log_visit("h", &visit, None)).unwrap();
        let entry = plan(&db, &entry.sql).join("\n");
        assert!(
            entry.contains("share_accesses_by_client (share_id=? AND ip_hash=? AND outcome=? AND at>?)"),
            "{entry}"
        );
        assert!(entry.contains("COVERING INDEX share_accesses_by_number (share_id=?)"), "{entry}");
        let trim = plan(&db, &trim.sql).join("\n");
        assert!(trim.contains("share_accesses_by_number (share_id=? AND seq<?)"), "{trim}");
    }

    #[test]
    fn the_migration_numbers_existing_logs_and_keeps_their_newest_thousand() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let (before, after): (Vec<_>, Vec<_>) =
            migrations().into_iter().partition(|m| m.file_name().is_some_and(|n| *n.to_string_lossy() < *"0006"));
        for migration in before {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }
        add_share(&db, "long");
        add_share(&db, "short");
        // Inserted out of time order: numbers follow `at`, then `id`.
        for i in (0..1005).rev() {
            db.execute(
                "INSERT INTO share_accesses (share_id, at, ip_hash, user_agent, outcome) VALUES ('long', ?1, 'ip', ?2, 'ok')",
                rusqlite::params![i / 2, format!("visit {i}")],
            )
            .unwrap();
        }
        for i in 0..3 {
            db.execute(
                "INSERT INTO share_accesses (share_id, at, ip_hash, user_agent, outcome) VALUES ('short', ?1, 'ip', 'v', 'expired')",
                [i],
            )
            .unwrap();
        }
        for migration in after {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }
        let long = log(&db, "long");
        assert_eq!((long.len(), long[0].0, long[999].0), (1000, 6, 1005));
        let ats: Vec<i64> = db
            .prepare("SELECT at FROM share_accesses WHERE share_id = 'long' ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(ats.windows(2).all(|w| w[0] <= w[1]) && ats[0] == 2, "{:?}", &ats[..4]);
        assert_eq!(log(&db, "short").iter().map(|e| e.0).collect::<Vec<_>>(), [1, 2, 3]);
        visit(&db, "long", "new", 5000, 1000, false);
        let long = log(&db, "long");
        assert_eq!((long.len(), long[0].0, long[999].0), (1000, 7, 1006));
    }
}
