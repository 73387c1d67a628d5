//! Share links (`shares`) and their access logs (`share_accesses`): the owner's statements
//! (create, change, list, revoke, read the log) and the visitor's (find a link by the hash
//! of its token, log the visit and count the download in one transaction). A link shares one
//! file, a set of files or a folder (see [`super::collections`] for what is in a collection);
//! a visit names the file it wants (`None`: a one-file link's own file).

use crate::domain::shares::AccessLogPolicy;
use crate::model::Id;
use serde::Deserialize;

/// A row of `shares`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ShareRow {
    pub id: String,
    /// `file`, `files` or `folder`.
    pub kind: String,
    /// The shared file of a `file` link.
    pub file_id: Option<String>,
    /// The shared folder of a `folder` link.
    pub folder: Option<String>,
    /// A collection's name (a `file` link's is its file's, where the statement reads it).
    pub name: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    /// 1 when the share has a password.
    pub protected: i64,
}

pub(super) const SHARE_COLUMNS: &str =
    "id, kind, file_id, folder, name, created_at, expires_at, max_downloads, download_count, \
     password_hash IS NOT NULL AS protected";

/// A share found by its token, with the file a visit asks for when the link holds it (and it
/// has not expired): the `file_*` fields are all `None` otherwise.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedFile {
    pub share_id: String,
    /// `file`, `files` or `folder`.
    pub kind: String,
    /// A collection's name.
    pub share_name: Option<String>,
    pub file_id: Option<String>,
    pub name: Option<String>,
    pub size: Option<i64>,
    pub content_type: Option<String>,
    pub object_key: Option<String>,
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
    pub target: ShareTarget<'a>,
    pub owner: &'a Id,
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub password_hash: Option<&'a str>,
}

/// What a visit asks a link for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking<'a> {
    /// A one-file link's own file (a collection answers this with its list, counting nothing).
    OwnFile,
    /// One file the link holds.
    File(&'a Id),
    /// Every file of a collection at once (a "download all"): one download of the link.
    Everything,
}

impl<'a> Asking<'a> {
    pub fn file(self) -> Option<&'a Id> {
        match self {
            Asking::File(file) => Some(file),
            Asking::OwnFile | Asking::Everything => None,
        }
    }

    fn everything(self) -> bool {
        self == Asking::Everything
    }
}

/// What a new link shares.
#[derive(Debug, Clone)]
pub enum ShareTarget<'a> {
    /// One of the owner's files.
    File(&'a Id),
    /// These of the owner's files (distinct), under a name.
    Files { ids: &'a [Id], name: &'a str },
    /// The owner's folder and everything below it, whenever the link is visited.
    Folder { path: &'a str, name: &'a str },
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
    use super::{Asking, NewShare, Visit, SHARE_COLUMNS};
    use crate::db::collections::sql::target_live;
    use crate::db::{qualified, SqlArg, Statement};
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

    /// A share of one of the user's files (no row when the file is not theirs, or expired).
    pub fn insert_share(share: &NewShare<'_>, file: &Id) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO shares (id, owner_id, kind, file_id, token_hash, created_at, expires_at, max_downloads, \
                 password_hash) SELECT ?1, owner_id, 'file', id, ?2, ?3, ?4, ?5, ?6 FROM files \
                 WHERE id = ?7 AND owner_id = ?8 AND (expires_at IS NULL OR expires_at > ?3) RETURNING {SHARE_COLUMNS}"
            ),
            args![
                share.id,
                share.token_hash,
                share.now,
                share.expires_at,
                share.max_downloads,
                share.password_hash,
                file,
                share.owner
            ],
        )
    }

    /// Which of the user's shares a statement acts on: `?1` the share, `?2` the owner, `?3` the
    /// file it must share (NULL: any kind, as `/shares/{id}` names it).
    const OWNED: &str = "id = ?1 AND owner_id = ?2 AND (?3 IS NULL OR file_id = ?3)";

    fn owned_args(owner: &Id, file: Option<&Id>, share: &Id) -> Vec<SqlArg> {
        args![share, owner, file]
    }

    /// Changes one of the user's shares (of `file`, when given); no row when there is no such share.
    pub fn update_share(
        owner: &Id,
        file: Option<&Id>,
        share: &Id,
        expires_at: Patch<Option<i64>>,
        max_downloads: Patch<Option<i64>>,
        password_hash: Patch<Option<&str>>,
    ) -> Statement {
        let (set_expiry, expiry) = bind(expires_at);
        let (set_limit, limit) = bind(max_downloads);
        let (set_password, password) = bind(password_hash);
        let mut args = owned_args(owner, file, share);
        args.extend([set_expiry, expiry, set_limit, limit, set_password, password]);
        Statement::new(
            &format!(
                "UPDATE shares SET \
                 expires_at = CASE WHEN ?4 THEN ?5 ELSE expires_at END, \
                 max_downloads = CASE WHEN ?6 THEN ?7 ELSE max_downloads END, \
                 password_hash = CASE WHEN ?8 THEN ?9 ELSE password_hash END \
                 WHERE {OWNED} RETURNING {SHARE_COLUMNS}"
            ),
            args,
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

    /// The user's shares of every kind, newest first, after `(created_at, id)` when given;
    /// a `file` link's name is its file's.
    pub fn shares_of_owner(owner: &Id, after: Option<(i64, &str)>, limit: i64) -> Statement {
        let (at, id) = after.unzip();
        let columns = qualified(SHARE_COLUMNS, "s").replace("s.name", "coalesce(s.name, f.name) AS name");
        Statement::new(
            &format!(
                "SELECT {columns} FROM shares s LEFT JOIN files f ON f.id = s.file_id WHERE s.owner_id = ?1 \
                 AND (?2 IS NULL OR (s.created_at, s.id) < (?2, ?3)) ORDER BY s.created_at DESC, s.id DESC LIMIT ?4"
            ),
            args![owner, at, id, limit],
        )
    }

    /// Whether one of the user's shares (of `file`, when given) exists (a row when so).
    pub fn owns_share(owner: &Id, file: Option<&Id>, share: &Id) -> Statement {
        Statement::new(&format!("SELECT id FROM shares WHERE {OWNED}"), owned_args(owner, file, share))
    }

    /// Revokes one of the user's shares (of `file`, when given): a row when it existed. Its
    /// log and its list of files go with it.
    pub fn delete_share(owner: &Id, file: Option<&Id>, share: &Id) -> Vec<Statement> {
        let owned = format!("SELECT id FROM shares WHERE {OWNED}");
        vec![
            Statement::new(
                &format!("DELETE FROM share_accesses WHERE share_id IN ({owned})"),
                owned_args(owner, file, share),
            ),
            Statement::new(
                &format!("DELETE FROM share_files WHERE share_id IN ({owned})"),
                owned_args(owner, file, share),
            ),
            Statement::new(&format!("DELETE FROM shares WHERE {OWNED} RETURNING id"), owned_args(owner, file, share)),
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

    /// The share with this token hash, and `file` (`None`: a one-file link's own) when the
    /// link holds it and it has not expired at `now` (else the file's columns are NULL).
    pub fn shared_file(token_hash: &str, file: Option<&Id>, now: i64) -> Statement {
        Statement::new(
            &format!(
                "SELECT s.id AS share_id, s.kind, s.name AS share_name, f.id AS file_id, f.name, f.size, \
                 f.content_type, f.object_key, s.expires_at, s.max_downloads, s.download_count, s.password_hash, \
                 u.disabled AS owner_disabled \
                 FROM shares s JOIN users u ON u.id = s.owner_id LEFT JOIN files f ON {} WHERE s.token_hash = ?1",
                crate::db::collections::sql::holds("s", "f", "?2", "?3")
            ),
            args![token_hash, file, now],
        )
    }

    /// What a visit gets, as SQL: the same conditions, in the same order, as
    /// [`count_download`] and the domain's reading of a refused visit (`?6`: the password
    /// hash the visit brings, `?7` the file it asks for, `?8` 1 when it asks for everything).
    /// A one-file link whose file expired is gone.
    fn outcome() -> String {
        format!(
            "CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = owner_id AND u.disabled = 1) THEN 'expired' \
             WHEN expires_at IS NOT NULL AND expires_at <= ?2 THEN 'expired' \
             WHEN max_downloads IS NOT NULL AND download_count >= max_downloads THEN 'limit_reached' \
             WHEN NOT ?8 AND NOT {} THEN 'expired' \
             WHEN password_hash IS NOT ?6 THEN 'password_required' ELSE 'ok' END",
            target_live("shares", "?7", "?2")
        )
    }

    /// Whether a visit asks for something the link may answer, so that it is logged: its
    /// one file (of a one-file link), a file the link holds, or everything of a collection.
    /// A visit to a file outside the link is answered 404, like an unknown link, and not
    /// logged; nor is asking a collection for its list (which counts nothing).
    fn visit_has_target() -> String {
        format!(
            "((kind = 'file' AND ?7 IS NULL AND NOT ?8) OR (kind <> 'file' AND ?8) OR {})",
            target_live("shares", "?7", "?2")
        )
    }

    /// Whether the link holds what a visit asks for (`?file`, `?everything`), as
    /// [`count_download`] requires it.
    fn asked_for_held(file: &str, everything: &str, now: &str) -> String {
        format!("(CASE WHEN {everything} THEN kind <> 'file' ELSE {} END)", target_live("shares", file, now))
    }

    /// The entry of a visit to the share with token hash `?1`, selected with its `outcome`
    /// (SQL), numbered one past the newest of its log; none when the same client got the
    /// same outcome from it within the repeat window. Arguments: `?1` token hash, `?2` now,
    /// `?3` client, `?4` user agent, `?5` repeat window. Each lookup seeks one index.
    fn log_entry(outcome: &str, filter: &str) -> String {
        format!(
            "INSERT INTO share_accesses (share_id, seq, at, ip_hash, user_agent, outcome) \
             SELECT s.id, coalesce((SELECT a.seq FROM share_accesses a WHERE a.share_id = s.id \
             ORDER BY a.seq DESC LIMIT 1), 0) + 1, ?2, ?3, ?4, s.outcome \
             FROM (SELECT id, {outcome} AS outcome FROM shares WHERE token_hash = ?1 AND {filter}) s \
             WHERE NOT EXISTS (SELECT 1 FROM share_accesses r WHERE r.share_id = s.id AND r.ip_hash = ?3 \
             AND r.outcome = s.outcome AND r.at > ?2 - ?5)"
        )
    }

    fn log_entry_args(token_hash: &str, visit: &Visit<'_>) -> Vec<SqlArg> {
        args![token_hash, visit.now, visit.ip_hash, visit.user_agent, visit.log.repeat_window_millis]
    }

    /// Logs a visit to the share with this token hash asking for `asking`, with what it
    /// gets when it brings `password_hash`, and keeps the log bounded.
    pub fn log_visit(
        token_hash: &str,
        visit: &Visit<'_>,
        password_hash: Option<&str>,
        asking: Asking<'_>,
    ) -> Vec<Statement> {
        let mut args = log_entry_args(token_hash, visit);
        args.push(SqlArg::from(password_hash));
        args.push(SqlArg::from(asking.file()));
        args.push(SqlArg::from(asking.everything()));
        let entry = Statement::new(&log_entry(&outcome(), &visit_has_target()), args);
        vec![entry, trim_log(token_hash, visit.log.max_entries)]
    }

    /// Keeps `share.accessed` for a visit to the share with this token hash asking for
    /// `asking` (the visits that are logged), with what it gets when it brings
    /// `password_hash`, when a webhook of the link's owner hears it: notice `id`, due at
    /// `due_at`; returns the kept row. Runs before the download is counted, as the log entry
    /// does, so the outcome is the one the count then acts on.
    pub fn keep_visit_notice(
        token_hash: &str,
        visit: &Visit<'_>,
        password_hash: Option<&str>,
        asking: Asking<'_>,
        id: &str,
        due_at: i64,
    ) -> Statement {
        let mut args = log_entry_args(token_hash, visit);
        args.extend(args![password_hash, asking.file(), asking.everything(), id, due_at]);
        args.push(SqlArg::from(crate::db::webhooks::word("share.accessed")));
        Statement::new(
            &format!(
                "INSERT INTO notices (id, owner_id, event, data, at, due_at) \
                 SELECT ?9, s.owner_id, 'share.accessed', \
                 json_object('file_id', s.file_id, 'share_id', s.id, 'outcome', s.outcome), ?2, ?10 \
                 FROM (SELECT id, owner_id, CASE WHEN kind = 'file' THEN file_id ELSE ?7 END AS file_id, \
                 {} AS outcome FROM shares WHERE token_hash = ?1 AND {}) s \
                 WHERE {} ON CONFLICT DO NOTHING RETURNING id, owner_id, event, data, at",
                outcome(),
                visit_has_target(),
                crate::db::webhooks::heard("s.owner_id", "?11")
            ),
            args,
        )
    }

    /// Logs a visit to the share with this token hash that gave a wrong password, and
    /// keeps the log bounded.
    pub fn log_bad_password(token_hash: &str, visit: &Visit<'_>) -> Vec<Statement> {
        let entry = Statement::new(&log_entry("'bad_password'", "1"), log_entry_args(token_hash, visit));
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

    /// Counts one download of what `asking` asks for from a live share, atomically: no row
    /// when the share is unknown, its owner is disabled, it expired, is used up or protected
    /// by another password than `password_hash`, or does not hold the file (any more; or,
    /// asked for everything, is no collection), so concurrent visitors can never exceed
    /// `max_downloads`, and a file outside the link never counts.
    pub fn count_download(token_hash: &str, now: i64, password_hash: Option<&str>, asking: Asking<'_>) -> Statement {
        Statement::new(
            &format!(
                "UPDATE shares SET download_count = download_count + 1 \
                 WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2) \
                 AND (max_downloads IS NULL OR download_count < max_downloads) AND password_hash IS ?3 \
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = shares.owner_id AND u.disabled = 1) \
                 AND {} RETURNING id",
                asked_for_held("?4", "?5", "?2")
            ),
            args![token_hash, now, password_hash, asking.file(), asking.everything()],
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
    use super::{sql, AccessRow, Asking, NewShare, ShareRow, ShareTarget, SharedFile, Visit};
    use crate::db::files::sql::owns_file;
    use crate::db::limits::{self, Counter};
    use crate::db::notices::NoticeRow;
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::{Id, Patch};

    impl Db {
        /// Creates a share of the user's file, files or folder; 404 when a file is not theirs.
        pub async fn create_share(&self, share: NewShare<'_>) -> Result<ShareRow, ApiError> {
            match share.target {
                ShareTarget::File(file) => {
                    let results = self.batch_as(share.owner, vec![sql::insert_share(&share, file)]).await?;
                    at(&results, 0)?.first()?.ok_or(ApiError::FileNotFound)
                }
                _ => self.create_collection(&share).await,
            }
        }

        /// Runs `statements` for `owner`, first checking that `file` (when given) is theirs
        /// (404 `file_not_found`), as the routes under `/files/{id}` promise.
        async fn batch_of_file(
            &self,
            owner: &Id,
            file: Option<&Id>,
            statements: Vec<crate::db::Statement>,
        ) -> Result<Vec<crate::db::Rows>, ApiError> {
            let Some(file) = file else {
                return self.batch_as(owner, statements).await;
            };
            let mut all = vec![owns_file(owner, file)];
            all.extend(statements);
            let mut results = self.batch_as(owner, all).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::FileNotFound);
            }
            results.remove(0);
            Ok(results)
        }

        /// Changes one of the user's shares (of `file`, when given).
        pub async fn update_share(
            &self,
            owner: &Id,
            file: Option<&Id>,
            share: &Id,
            expires_at: Patch<Option<i64>>,
            max_downloads: Patch<Option<i64>>,
            password_hash: Patch<Option<&str>>,
        ) -> Result<ShareRow, ApiError> {
            let update = sql::update_share(owner, file, share, expires_at, max_downloads, password_hash);
            let results = self.batch_of_file(owner, file, vec![update]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::ShareNotFound)
        }

        /// A page of the user's shares of every kind, newest first, after `(created_at, id)`.
        pub async fn shares_of_owner(
            &self,
            owner: &Id,
            after: Option<(i64, &str)>,
            limit: i64,
        ) -> Result<Vec<ShareRow>, ApiError> {
            at(&self.batch_as(owner, vec![sql::shares_of_owner(owner, after, limit)]).await?, 0)?.all()
        }

        /// The shares of the user's file, newest first; 404 when the file is not theirs.
        pub async fn shares_of_file(&self, owner: &Id, file: &Id) -> Result<Vec<ShareRow>, ApiError> {
            let results = self.batch_as(owner, vec![owns_file(owner, file), sql::shares_of_file(owner, file)]).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::FileNotFound);
            }
            at(&results, 1)?.all()
        }

        /// Revokes one of the user's shares (of `file`, when given).
        pub async fn revoke_share(&self, owner: &Id, file: Option<&Id>, share: &Id) -> Result<(), ApiError> {
            let results = self.batch_of_file(owner, file, sql::delete_share(owner, file, share)).await?;
            if at(&results, 2)?.any() {
                Ok(())
            } else {
                Err(ApiError::ShareNotFound)
            }
        }

        /// A page of the access log of one of the user's shares (of `file`, when given).
        pub async fn share_accesses(
            &self,
            owner: &Id,
            file: Option<&Id>,
            share: &Id,
            after: Option<(i64, i64)>,
            limit: i64,
        ) -> Result<Vec<AccessRow>, ApiError> {
            let statements = vec![sql::owns_share(owner, file, share), sql::accesses(share, after, limit)];
            let results = self.batch_of_file(owner, file, statements).await?;
            if !at(&results, 0)?.any() {
                return Err(ApiError::ShareNotFound);
            }
            at(&results, 1)?.all()
        }

        /// The share with this token hash and `file` (`None`: a one-file link's own) if it
        /// holds it, at `now`; counting nothing.
        pub async fn shared_file(
            &self,
            token_hash: &str,
            file: Option<&Id>,
            now: i64,
        ) -> Result<Option<SharedFile>, ApiError> {
            self.run(sql::shared_file(token_hash, file, now)).await?.first()
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
            self.first_counting_attempts(sql::shared_file(token_hash, None, now), attempts, now).await
        }

        /// One visit asking for `asking`, in one transaction: logged, counted if the share
        /// is live, holds what is asked for and its password is
        /// `password_hash` (one the caller verified), the attempts counted against `forgive`
        /// taken back, and the share read back; given `notice` (its id and when the
        /// sweeper is due to send it), the visit's `share.accessed` is kept if a webhook
        /// hears it. Returns whether it counted, the share and the kept notice.
        pub async fn visit_share(
            &self,
            token_hash: &str,
            asking: Asking<'_>,
            visit: &Visit<'_>,
            password_hash: Option<&str>,
            forgive: &[&str],
            notice: Option<(&str, i64)>,
        ) -> Result<(bool, Option<SharedFile>, Option<NoticeRow>), ApiError> {
            let mut statements = sql::log_visit(token_hash, visit, password_hash, asking);
            let kept_at = notice.map(|(id, due_at)| {
                statements.push(sql::keep_visit_notice(token_hash, visit, password_hash, asking, id, due_at));
                statements.len() - 1
            });
            let counted = statements.len();
            statements.push(sql::count_download(token_hash, visit.now, password_hash, asking));
            statements.push(sql::shared_file(token_hash, asking.file(), visit.now));
            statements.extend(forgive.iter().map(|key| limits::sql::forgive_attempt(key)));
            let results = self.batch(statements).await?;
            let kept = match kept_at {
                Some(index) => at(&results, index)?.first()?,
                None => None,
            };
            Ok((at(&results, counted)?.any(), at(&results, counted + 1)?.first()?, kept))
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
        target: ShareTarget::File(&id),
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
        sql::insert_share(&share, &id),
        sql::update_share(&id, Some(&id), &id, Patch::Set(Some(1)), Patch::Keep, Patch::Set(None)),
        sql::update_share(&id, None, &id, Patch::Keep, Patch::Set(Some(2)), Patch::Keep),
        sql::shares_of_file(&id, &id),
        sql::shares_of_owner(&id, Some((1, "s")), 10),
        sql::owns_share(&id, Some(&id), &id),
        sql::accesses(&id, Some((1, 2)), 10),
        sql::shared_file("h", None, 0),
        sql::shared_file("h", Some(&id), 0),
        sql::count_download("h", 0, Some("p"), Asking::OwnFile),
        sql::count_download("h", 0, None, Asking::File(&id)),
        sql::count_download("h", 0, None, Asking::Everything),
    ];
    all.push(sql::keep_visit_notice("h", &visit, Some("p"), Asking::File(&id), "n", 0));
    all.extend(sql::log_visit("h", &visit, None, Asking::OwnFile));
    all.extend(sql::log_visit("h", &visit, None, Asking::File(&id)));
    all.extend(sql::log_bad_password("h", &visit));
    all.push(sql::trim_log("h", 1000));
    all.extend(sql::delete_share(&id, Some(&id), &id));
    all.extend(sql::delete_share(&id, None, &id));
    all.extend(sql::delete_expired_shares(0, 10));
    all
}

#[cfg(test)]
mod tests;
