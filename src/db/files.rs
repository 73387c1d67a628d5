//! Stored files (`files`, with its trigram index `files_search` kept in step by triggers):
//! the transaction that turns a stored object into a file, listing, search, the folder
//! walk, renaming and moving, and deleting.

use crate::db::notices::NoticeRow;
use crate::model::Id;
use serde::Deserialize;

/// The columns of a file row, in the order [`FileRow`] reads them.
const FILE_COLUMNS: &str = "id, name, folder, size, content_type, created_at, updated_at, expires_at";

/// What a download reads of a file, in the order [`DownloadTarget`] reads them.
const DOWNLOAD_COLUMNS: &str = "name, content_type, object_key";

/// What a presigned download URL is made of.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DownloadTarget {
    pub name: String,
    pub content_type: String,
    pub object_key: String,
}

/// A row of `files` as the API shows it. Its object key is not read: only a download needs
/// it ([`DownloadTarget`]), and a listing would carry one per row for nothing.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FileRow {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub content_type: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the file expires (Unix ms): from then on nothing shows it, and the sweeper deletes it.
    pub expires_at: Option<i64>,
}

/// The condition a row of `files` called `{f}` meets while it has not expired at `{now}`.
pub(super) fn unexpired(f: &str, now: &str) -> String {
    format!("({f}.expires_at IS NULL OR {f}.expires_at > {now})")
}

/// The values a new file row is made of.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub name: &'a str,
    pub name_folded: String,
    pub folder: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub object_key: &'a str,
    pub now: i64,
    pub expires_at: Option<i64>,
}

impl NewFile<'_> {
    /// The row this file is once born (what `commit_file`'s first statement returns), for
    /// what must be written in the same transaction (its `file.uploaded` notice).
    pub fn row(&self) -> FileRow {
        FileRow {
            id: self.id.as_str().to_owned(),
            name: self.name.to_owned(),
            folder: self.folder.to_owned(),
            size: self.size,
            content_type: self.content_type.to_owned(),
            created_at: self.now,
            updated_at: self.now,
            expires_at: self.expires_at,
        }
    }
}

/// What became of an attempt to turn a stored object into a file.
#[derive(Debug)]
pub enum Commit {
    /// The file row exists; with the `file.uploaded` notice kept for it, if a webhook
    /// hears it.
    Born(FileRow, Option<Box<NoticeRow>>),
    /// The claims held but the owner's quota has no room.
    OverQuota,
    /// The object was claimed for deletion (or the upload's completion claim was lost)
    /// meanwhile: it is somebody else's to delete.
    ClaimLost,
    /// The claims held, but the upload request the object was sent through was revoked or
    /// expired meanwhile: the object is its creator's to delete.
    RequestClosed,
}

/// Searches of at least this many characters use the trigram index; shorter ones cannot.
pub const TRIGRAM: usize = 3;

/// An FTS5 phrase matching `text` exactly (as a substring, with the trigram tokenizer).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

pub(super) mod sql {
    use super::{fts_phrase, unexpired, NewFile, FILE_COLUMNS, TRIGRAM};
    use crate::db::notices::{sql::keep_when, NewNotice};
    use crate::db::sessions::ActiveSession;
    use crate::db::{qualified, SqlArg, Statement};
    use crate::listing::{KeyValue, ListQuery, Order, SortKey};
    use crate::model::{FolderPath, Id, Patch};

    /// The statement listing one page (plus one row, to tell whether another page follows)
    /// of the files that have not expired at `now`. Searches of three or more characters
    /// start from the trigram index of names and sort what matches; everything else walks
    /// the index of the listing's order.
    pub fn list_files(owner: &Id, query: &ListQuery, now: i64) -> Statement {
        let column = match query.sort {
            SortKey::CreatedAt => "files.created_at",
            SortKey::Name => "files.name_folded",
            SortKey::Size => "files.size",
        };
        let (direction, after) = match query.order {
            Order::Asc => ("ASC", ">"),
            Order::Desc => ("DESC", "<"),
        };
        let columns = qualified(FILE_COLUMNS, "files");
        let (mut sql, mut args) = match query.search.as_deref().filter(|s| s.chars().count() >= TRIGRAM) {
            Some(search) => (
                format!(
                    "SELECT {columns} FROM files_search CROSS JOIN files ON files.rowid = files_search.rowid \
                     WHERE files_search MATCH ? AND files.owner_id = ?"
                ),
                args![fts_phrase(search), owner],
            ),
            None => (format!("SELECT {columns} FROM files WHERE files.owner_id = ?"), args![owner]),
        };
        sql.push_str(&format!(" AND {}", unexpired("files", "?")));
        args.push(SqlArg::Int(now));
        match (&query.folder, query.recursive) {
            (Some(folder), false) => {
                sql.push_str(" AND files.folder = ?");
                args.push(folder.as_str().into());
            }
            (Some(folder), true) if folder.as_str() != "/" => {
                // Sub-folders of /a are exactly the paths in ['/a/', '/a0'): '0' follows '/'.
                let prefix = folder.descendant_prefix();
                let end = format!("{}0", folder.as_str());
                sql.push_str(" AND (files.folder = ? OR (files.folder >= ? AND files.folder < ?))");
                args.extend([folder.as_str().into(), prefix.into(), end.into()]);
            }
            _ => {}
        }
        if let Some(search) = &query.search {
            // Exact, whatever the index's own case folding does.
            sql.push_str(" AND instr(files.name_folded, ?) > 0");
            args.push(search.as_str().into());
        }
        if let Some(cursor) = &query.after {
            sql.push_str(&format!(" AND ({column}, files.id) {after} (?, ?)"));
            args.push(match &cursor.key {
                KeyValue::Int(n) => SqlArg::Int(*n),
                KeyValue::Text(s) => SqlArg::Text(s.clone()),
            });
            args.push(cursor.id.as_str().into());
        }
        sql.push_str(&format!(" ORDER BY {column} {direction}, files.id {direction} LIMIT ?"));
        args.push(SqlArg::Int(i64::from(query.limit) + 1));
        Statement { sql, args }
    }

    /// The immediate sub-folders of `parent` (folders exist while files are in them), in
    /// byte order, at most `limit`. A loose scan of the `files_by_owner_tree` index: each
    /// step seeks past the previous child's whole subtree, so the cost grows with the number
    /// of children, not with the number of files below them. In that index `/` reads as
    /// `char(1)`, which sorts before every character a segment may hold, so a folder's
    /// subtree is one contiguous range (in plain byte order `/a/b-c` would split it).
    ///
    /// A child whose files have all expired at `now` is not shown (the sweeper has not
    /// deleted them yet); it still counts against `limit`, as the walk passes it.
    pub fn child_folders(owner: &Id, parent: &FolderPath, limit: i64, now: i64) -> Statement {
        let tree = |path: &str| path.replace('/', "\u{1}");
        let prefix = tree(&parent.descendant_prefix());
        // Keys below `parent` are exactly those in (prefix, end): char(2) follows char(1).
        let end = match parent.as_str() {
            "/" => "\u{2}".to_owned(),
            path => format!("{}\u{2}", tree(path)),
        };
        let length = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
        // The child of `parent` that tree key `k` lies in: the prefix and k's next segment.
        let child = |k: &str| {
            format!(
                "CASE WHEN instr(substr({k}, ?3 + 1), char(1)) = 0 THEN {k} \
                 ELSE substr({k}, 1, ?3 + instr(substr({k}, ?3 + 1), char(1)) - 1) END"
            )
        };
        let first_from = |lower: &str| {
            format!(
                "(SELECT replace(folder, '/', char(1)) AS k FROM files WHERE owner_id = ?1 \
                 AND replace(folder, '/', char(1)) {lower} AND replace(folder, '/', char(1)) < ?4 ORDER BY k LIMIT 1)"
            )
        };
        // A child's subtree is its own key and every key below it: [child, child || char(2)).
        let sql = format!(
            "WITH RECURSIVE seen(k) AS (SELECT {first} UNION ALL \
             SELECT {next} FROM seen WHERE seen.k IS NOT NULL LIMIT ?5), \
             children(c) AS (SELECT {child_of_seen} FROM seen WHERE k IS NOT NULL) \
             SELECT replace(c, char(1), '/') AS path FROM children WHERE EXISTS (SELECT 1 FROM files \
             WHERE owner_id = ?1 AND replace(folder, '/', char(1)) >= c \
             AND replace(folder, '/', char(1)) < c || char(2) AND {live})",
            first = first_from("> ?2"),
            next = first_from(&format!(">= ({}) || char(2)", child("seen.k"))),
            child_of_seen = child("k"),
            live = unexpired("files", "?6"),
        );
        Statement { sql, args: args![owner, prefix.as_str(), length, end.as_str(), limit, now] }
    }

    /// Turns a stored object into a file, in one transaction: the row, the counters, and
    /// the ledger. The row is only born while the object's ledger entry is unclaimed (no
    /// deleter has doomed it), while `upload` (a direct upload's id and the claim that is
    /// completing it) still holds its claim, while the upload request whose slot the entry
    /// holds (if any) is neither revoked nor expired, and while the owner's quota (their own, else
    /// `quota`, the default) has room (counting the object's own reservation as given
    /// back). The first statement returns the row; given `notice` (`file.uploaded`), the
    /// second keeps it when the row was born and a webhook hears it, and returns it; the
    /// last tells, when no row was born, whether the claims still held and the request was
    /// open (so only the quota said no).
    pub fn commit_file(
        file: &NewFile<'_>,
        quota: Option<i64>,
        upload: Option<(&Id, &str)>,
        notice: Option<&NewNotice<'_>>,
    ) -> Vec<Statement> {
        use crate::db::requests::sql::request_open;
        let reserved = "coalesce((SELECT reserved_bytes FROM orphan_objects WHERE object_key = ?8), 0)";
        // Born in this batch: the row exists and its ledger entry, which only this batch's
        // last statement deletes, is still there. (A row that exists without its entry was
        // born by another complete of the same upload, one that took over after this one's
        // claim ran out: this batch must not count it again.)
        let created = |key: &str| {
            format!(
                "EXISTS (SELECT 1 FROM files WHERE id = ?1) \
                 AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = {key})"
            )
        };
        let (upload_id, claim) = upload.unzip();
        let upload_held = "(?2 IS NULL OR EXISTS (SELECT 1 FROM uploads WHERE id = ?2 AND claim = ?3 \
                           AND state = 'completing'))";
        let mut statements = vec![
            Statement::new(
                &format!(
                    "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                     created_at, updated_at, expires_at) SELECT ?1, id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?13 FROM users \
                     WHERE id = ?2 AND ({q} = 0 OR used_bytes + reserved_bytes - {reserved} + ?6 <= {q}) \
                     AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?8 AND claim IS NULL) \
                     AND {} AND {open} RETURNING {FILE_COLUMNS}",
                    upload_held.replace("?2", "?11").replace("?3", "?12"),
                    q = crate::db::ledger::sql::effective_quota("?10"),
                    open = request_open("?8", "?9"),
                ),
                args![
                    file.id,
                    file.owner,
                    file.name,
                    file.name_folded.as_str(),
                    file.folder,
                    file.size,
                    file.content_type,
                    file.object_key,
                    file.now,
                    quota,
                    upload_id,
                    claim,
                    file.expires_at
                ],
            ),
            Statement::new(
                &format!(
                    "UPDATE users SET file_count = file_count + 1, used_bytes = used_bytes + ?3, \
                     reserved_bytes = reserved_bytes - {} WHERE id = ?2 AND {}",
                    reserved.replace("?8", "?4"),
                    created("?4")
                ),
                args![file.id, file.owner, file.size, file.object_key],
            ),
            crate::db::requests::sql::count_received(file.id, file.object_key, file.size),
            Statement::new(
                &format!(
                    "UPDATE uploads SET state = 'committed', claim = NULL, claimed_until = NULL \
                     WHERE id = ?2 AND claim = ?3 AND {}",
                    created("?4")
                ),
                args![file.id, upload_id, claim, file.object_key],
            ),
            Statement::new(
                &format!("DELETE FROM orphan_objects WHERE object_key = ?2 AND {}", created("?2")),
                args![file.id, file.object_key],
            ),
            Statement::new(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?1 AND claim IS NULL) \
                     AND {upload_held} AS claims_held, {} AS request_open",
                    request_open("?1", "?4")
                ),
                args![file.object_key, upload_id, claim, file.now],
            ),
        ];
        // Right after the row, while its ledger entry still says this batch bore it.
        if let Some(notice) = notice {
            let born = "EXISTS (SELECT 1 FROM files WHERE id = ?8) AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?9)";
            statements.insert(1, keep_when(notice, born, args![file.id, file.object_key]));
        }
        statements
    }

    /// `columns` of one of the user's files, checking in the same statement what every
    /// signed-in batch checks first (`sessions::sql::session_alive`): no row when the
    /// request's session ended or is not the user's, or the account is gone;
    /// `account_disabled` 1 when an admin disabled the account; `found` 0 (and NULLs) when
    /// the file is not theirs (or expired).
    pub fn file_in_session(columns: &str, owner: &Id, id: &Id, session: &ActiveSession) -> Statement {
        let columns = qualified(columns, "f");
        Statement::new(
            &format!(
                "SELECT {columns}, u.disabled AS account_disabled, f.id IS NOT NULL AS found \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 LEFT JOIN files f ON f.id = ?1 AND f.owner_id = u.id AND {} \
                 WHERE s.id = ?3 AND s.user_id = ?2 AND s.expires_at > ?4 AND s.token_hash IS ?5",
                unexpired("f", "?4")
            ),
            args![id, owner, &session.id, session.now, session.token_hash.as_deref()],
        )
    }

    /// Whether the user owns file `id` (a row when so).
    pub fn owns_file(owner: &Id, id: &Id) -> Statement {
        Statement::new("SELECT id FROM files WHERE id = ? AND owner_id = ?", args![id, owner])
    }

    /// Renames, moves and/or sets the expiry of one of the user's unexpired files (`None`
    /// and `Keep` keep a value).
    pub fn update_file(
        owner: &Id,
        id: &Id,
        name: Option<(&str, &str)>,
        folder: Option<&str>,
        expires_at: Patch<Option<i64>>,
        now: i64,
    ) -> Statement {
        let (name, folded) = name.unzip();
        let (set_expiry, expiry) = match expires_at {
            Patch::Keep => (false, None),
            Patch::Set(at) => (true, at),
        };
        Statement::new(
            &format!(
                "UPDATE files SET name = coalesce(?1, name), name_folded = coalesce(?2, name_folded), \
                 folder = coalesce(?3, folder), expires_at = CASE WHEN ?7 THEN ?8 ELSE expires_at END, \
                 updated_at = ?4 WHERE id = ?5 AND owner_id = ?6 AND {} RETURNING {FILE_COLUMNS}",
                unexpired("files", "?4")
            ),
            args![name, folded, folder, now, id, owner, set_expiry, expiry],
        )
    }

    /// The statements that delete one of the user's files, as one transaction: put its
    /// object on the ledger already claimed by `claim` (until `until`) for this request to
    /// delete, uncount it, drop its shares' logs and shares and its places in collections,
    /// keep `notice` (`file.deleted`, returned by the last statement but one), if given, when
    /// a webhook hears it, and drop the row (returning the key).
    pub fn delete_file(owner: &Id, id: &Id, claim: &str, until: i64, notice: Option<&NewNotice<'_>>) -> Vec<Statement> {
        const OWNED: &str = "SELECT id FROM files WHERE id = ?1 AND owner_id = ?2";
        let mut statements = vec![
            Statement::new(
                "INSERT INTO orphan_objects (object_key, sweep_after, claim) \
                 SELECT object_key, ?4, ?3 FROM files WHERE id = ?1 AND owner_id = ?2",
                args![id, owner, claim, until],
            ),
            Statement::new(
                "UPDATE users SET file_count = file_count - 1, \
                 used_bytes = used_bytes - (SELECT size FROM files WHERE id = ?1 AND owner_id = ?2) \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM files WHERE id = ?1 AND owner_id = ?2)",
                args![id, owner],
            ),
            Statement::new(
                &format!(
                    "DELETE FROM share_accesses WHERE share_id IN (SELECT id FROM shares WHERE file_id IN ({OWNED}))"
                ),
                args![id, owner],
            ),
            Statement::new(&format!("DELETE FROM shares WHERE file_id IN ({OWNED})"), args![id, owner]),
            crate::db::collections::sql::forget_file(owner, id),
        ];
        if let Some(notice) = notice {
            let owned = "EXISTS (SELECT 1 FROM files WHERE id = ?8 AND owner_id = ?9)";
            statements.push(keep_when(notice, owned, args![id, owner]));
        }
        statements.push(Statement::new(
            "DELETE FROM files WHERE id = ?1 AND owner_id = ?2 RETURNING object_key",
            args![id, owner],
        ));
        statements
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, Commit, DownloadTarget, FileRow, NewFile, DOWNLOAD_COLUMNS, FILE_COLUMNS};
    use crate::db::notices::{NewNotice, NoticeRow};
    use crate::db::runner::{account_gone, at};
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::listing::ListQuery;
    use crate::model::{FolderPath, Id, Patch};
    use serde::de::DeserializeOwned;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct ObjectKey {
        object_key: String,
    }

    #[derive(Deserialize)]
    struct ClaimsHeld {
        claims_held: Option<i64>,
        request_open: Option<i64>,
    }

    impl Db {
        /// Turns a stored object into a file, if its claims still hold and the quota has
        /// room; keeps `notice` for it if a webhook hears it.
        pub async fn commit_file(
            &self,
            file: NewFile<'_>,
            quota: Option<i64>,
            upload: Option<(&Id, &str)>,
            notice: Option<&NewNotice<'_>>,
        ) -> Result<Commit, ApiError> {
            let results = self.batch(sql::commit_file(&file, quota, upload, notice)).await?;
            if let Some(row) = at(&results, 0)?.first()? {
                let kept = if notice.is_some() { at(&results, 1)?.first()? } else { None };
                return Ok(Commit::Born(row, kept.map(Box::new)));
            }
            let claims = results.last().map(|rows| rows.first::<ClaimsHeld>()).transpose()?.flatten();
            let held = claims.as_ref().and_then(|c| c.claims_held).unwrap_or(0) != 0;
            let open = claims.as_ref().and_then(|c| c.request_open).unwrap_or(0) != 0;
            Ok(match (held, open) {
                (false, _) => Commit::ClaimLost,
                (true, false) => Commit::RequestClosed,
                (true, true) => Commit::OverQuota,
            })
        }

        /// Up to `limit` immediate sub-folders of `parent`, as paths.
        pub async fn child_folders(
            &self,
            owner: &Id,
            parent: &FolderPath,
            limit: i64,
        ) -> Result<Vec<String>, ApiError> {
            #[derive(Deserialize)]
            struct Row {
                path: String,
            }
            let now = self.session()?.now;
            let results = self.batch_as(owner, vec![sql::child_folders(owner, parent, limit, now)]).await?;
            Ok(at(&results, 0)?.all::<Row>()?.into_iter().map(|row| row.path).collect())
        }

        /// One page of the user's files (with one extra row when more follow).
        pub async fn list_files(&self, owner: &Id, query: &ListQuery) -> Result<Vec<FileRow>, ApiError> {
            let now = self.session()?.now;
            at(&self.batch_as(owner, vec![sql::list_files(owner, query, now)]).await?, 0)?.all()
        }

        /// The user's file `id`; 404 when it is not theirs. One statement, as it checks the
        /// session as a signed-in batch would.
        pub async fn file(&self, owner: &Id, id: &Id) -> Result<FileRow, ApiError> {
            self.file_as(FILE_COLUMNS, owner, id).await
        }

        /// What a download of the user's file `id` needs (404 when it is not theirs): one
        /// statement, and only the columns the presigned URL is made of.
        pub async fn download_target(&self, owner: &Id, id: &Id) -> Result<DownloadTarget, ApiError> {
            self.file_as(DOWNLOAD_COLUMNS, owner, id).await
        }

        /// `columns` of the user's file `id` as `T` (see [`sql::file_in_session`]).
        async fn file_as<T: DeserializeOwned>(&self, columns: &str, owner: &Id, id: &Id) -> Result<T, ApiError> {
            /// The verdict of the session check, and whether the file is the user's.
            #[derive(Deserialize)]
            struct Gate {
                account_disabled: i64,
                found: i64,
            }
            let statement = sql::file_in_session(columns, owner, id, self.session()?);
            let results = self.batch(self.with_touch(vec![statement])).await?;
            let rows = at(&results, 0)?;
            match rows.first::<Gate>()? {
                None => Err(account_gone()),
                Some(gate) if gate.account_disabled != 0 => Err(ApiError::AccountDisabled),
                Some(gate) if gate.found == 0 => Err(ApiError::FileNotFound),
                Some(_) => rows.first::<T>()?.ok_or(ApiError::FileNotFound),
            }
        }

        /// Renames, moves and/or sets the expiry of the user's file `id`.
        pub async fn update_file(
            &self,
            owner: &Id,
            id: &Id,
            name: Option<(&str, &str)>,
            folder: Option<&str>,
            expires_at: Patch<Option<i64>>,
            now: i64,
        ) -> Result<FileRow, ApiError> {
            let results =
                self.batch_as(owner, vec![sql::update_file(owner, id, name, folder, expires_at, now)]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::FileNotFound)
        }

        /// Deletes the user's file `id` with its shares and uncounts it, all in one
        /// transaction; its object goes on the ledger claimed by `claim` until `until`, for
        /// this request to delete, and `notice` is kept if a webhook hears it. Returns the
        /// object key and the kept notice.
        pub async fn delete_file(
            &self,
            owner: &Id,
            id: &Id,
            claim: &str,
            until: i64,
            notice: Option<&NewNotice<'_>>,
        ) -> Result<(String, Option<NoticeRow>), ApiError> {
            let results = self.batch_as(owner, sql::delete_file(owner, id, claim, until, notice)).await?;
            let deleted = results.last().map(|rows| rows.first::<ObjectKey>()).transpose()?.flatten();
            let key = deleted.map(|k| k.object_key).ok_or(ApiError::FileNotFound)?;
            let kept = match notice {
                Some(_) => at(&results, results.len().saturating_sub(2))?.first()?,
                None => None,
            };
            Ok((key, kept))
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    use crate::model::FolderPath;
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let file = NewFile {
        id: &id,
        owner: &id,
        name: "a",
        name_folded: "a".into(),
        folder: "/",
        size: 1,
        content_type: "text/plain",
        object_key: "k",
        now: 0,
        expires_at: None,
    };
    let session = crate::db::sessions::ActiveSession { id: id.clone(), now: 0, token_hash: None };
    let mut all = vec![
        sql::list_files(&id, &tests::query(), 0),
        sql::child_folders(&id, &FolderPath::root(), 10, 0),
        sql::file_in_session(FILE_COLUMNS, &id, &id, &session),
        sql::file_in_session(DOWNLOAD_COLUMNS, &id, &id, &session),
        sql::owns_file(&id, &id),
        sql::update_file(&id, &id, Some(("a", "a")), Some("/"), crate::model::Patch::Set(Some(1)), 0),
    ];
    let notice = crate::db::notices::NewNotice { id: "n", owner: "u", event: "e", data: "{}", at: 0, due_at: 0 };
    all.extend(sql::commit_file(&file, None, None, None));
    all.extend(sql::commit_file(&file, Some(10), Some((&id, "c")), Some(&notice)));
    all.extend(sql::delete_file(&id, &id, "c", 0, Some(&notice)));
    all
}

#[cfg(test)]
mod tests;
