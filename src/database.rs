//! Every SQL statement of the service, and (on wasm32) the D1 calls that run them.
//!
//! The schema lives in `migrations/`. Statements that change several tables go out as one
//! D1 batch, which D1 runs as a single transaction in a single round trip. Every statement
//! on behalf of a user is scoped by `owner_id`, and every batch for a signed-in user starts
//! with a check that the user still exists, so a token for a deleted account gets 401.

use crate::listing::{KeyValue, ListQuery, Order, SortKey};
use crate::model::{FolderPath, Id};
use serde::Deserialize;

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlArg {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for SqlArg {
    fn from(value: &str) -> Self {
        SqlArg::Text(value.to_owned())
    }
}

impl From<String> for SqlArg {
    fn from(value: String) -> Self {
        SqlArg::Text(value)
    }
}

impl From<&Id> for SqlArg {
    fn from(value: &Id) -> Self {
        SqlArg::Text(value.as_str().to_owned())
    }
}

impl From<i64> for SqlArg {
    fn from(value: i64) -> Self {
        SqlArg::Int(value)
    }
}

impl From<Option<i64>> for SqlArg {
    fn from(value: Option<i64>) -> Self {
        value.map_or(SqlArg::Null, SqlArg::Int)
    }
}

impl From<Option<&str>> for SqlArg {
    fn from(value: Option<&str>) -> Self {
        value.map_or(SqlArg::Null, SqlArg::from)
    }
}

impl From<bool> for SqlArg {
    fn from(value: bool) -> Self {
        SqlArg::Int(i64::from(value))
    }
}

/// Builds an argument list from values of mixed types.
macro_rules! args {
    ($($value:expr),* $(,)?) => { vec![$($crate::database::SqlArg::from($value)),*] };
}

/// A statement and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<SqlArg>,
}

impl Statement {
    fn new(sql: &str, args: Vec<SqlArg>) -> Self {
        Statement { sql: sql.to_owned(), args }
    }
}

/// The columns of a file row, in the order [`FileRow`] reads them.
const FILE_COLUMNS: &str = "id, name, folder, size, content_type, object_key, created_at, updated_at";

/// A row of `files`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FileRow {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub content_type: String,
    pub object_key: String,
    pub created_at: i64,
    pub updated_at: i64,
}

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

/// A user's profile with the counters kept beside it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    pub file_count: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
}

/// What a login needs to check a password.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub id: String,
    pub password_hash: String,
}

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

/// A pending direct upload.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub file_id: String,
    pub object_key: String,
    pub name: String,
    pub folder: String,
    pub content_type: String,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const UPLOAD_COLUMNS: &str =
    "id, file_id, object_key, name, folder, content_type, size, part_size, multipart_id, created_at, expires_at";

/// One entry of a share's access log.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessRow {
    pub id: i64,
    pub at: i64,
    pub ip_hash: String,
    pub user_agent: String,
    pub outcome: String,
}

/// An object on the sweeper's ledger.
#[derive(Debug, Clone, Deserialize)]
pub struct OrphanRow {
    pub object_key: String,
    pub multipart_id: Option<String>,
}

/// A rate-limit counter.
#[derive(Debug, Clone, Deserialize)]
pub struct LimitRow {
    pub key: String,
    pub window_start: i64,
    pub failures: i64,
}

/// A change to one field: keep it, or set it (to a value or to nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patch<T> {
    Keep,
    Set(T),
}

impl<T> Patch<T> {
    /// The flag and value a statement binds: `(1, value)` to set, `(0, NULL)` to keep.
    fn bind(self) -> (SqlArg, SqlArg)
    where
        SqlArg: From<T>,
    {
        match self {
            Patch::Keep => (SqlArg::Int(0), SqlArg::Null),
            Patch::Set(value) => (SqlArg::Int(1), SqlArg::from(value)),
        }
    }
}

/// Searches of at least this many characters use the trigram index; shorter ones cannot.
pub const TRIGRAM: usize = 3;

/// An FTS5 phrase matching `text` exactly (as a substring, with the trigram tokenizer).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The statement listing one page (plus one row, to tell whether another page follows).
/// Searches of three or more characters start from the trigram index of names and sort
/// what matches; everything else walks the index of the listing's order.
pub fn list_files(owner: &Id, query: &ListQuery) -> Statement {
    let column = match query.sort {
        SortKey::CreatedAt => "files.created_at",
        SortKey::Name => "files.name_folded",
        SortKey::Size => "files.size",
    };
    let (direction, after) = match query.order {
        Order::Asc => ("ASC", ">"),
        Order::Desc => ("DESC", "<"),
    };
    let columns = FILE_COLUMNS.split(", ").map(|c| format!("files.{c}")).collect::<Vec<_>>().join(", ");
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
    match (&query.folder, query.recursive) {
        (Some(folder), false) => {
            sql.push_str(" AND files.folder = ?");
            args.push(folder.as_str().into());
        }
        (Some(folder), true) if folder.as_str() != "/" => {
            // Sub-folders of /a are exactly the paths in ['/a/', '/a0'): '0' follows '/'.
            let prefix = folder.descendant_prefix();
            let end = format!("{}0", &prefix[..prefix.len() - 1]);
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

/// The values a new file row is made of.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub name: &'a str,
    pub name_folded: &'a str,
    pub folder: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub object_key: &'a str,
    pub now: i64,
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

/// The values a new pending direct upload is made of.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub file: &'a Id,
    pub object_key: &'a str,
    pub name: &'a str,
    pub folder: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
}

/// A visit to a share link, for its access log.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub ip_hash: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
}

/// Every statement the service runs, as plain values: built here, executed by [`Db`] on
/// wasm32, and planned against the real schema by the native tests.
pub mod sql {
    use super::*;

    /// `SELECT 1` when the user exists: the first statement of every signed-in batch.
    pub fn user_exists(user: &Id) -> Statement {
        Statement::new("SELECT 1 AS present FROM users WHERE id = ?", args![user])
    }

    /// The immediate sub-folders of `parent` (folders exist while files are in them), in
    /// byte order, at most `limit`. A loose scan of the `files_by_owner_tree` index: each
    /// step seeks past the previous child's whole subtree, so the cost grows with the number
    /// of children, not with the number of files below them. In that index `/` reads as
    /// `char(1)`, which sorts before every character a segment may hold, so a folder's
    /// subtree is one contiguous range (in plain byte order `/a/b-c` would split it).
    pub fn child_folders(owner: &Id, parent: &FolderPath, limit: i64) -> Statement {
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
        let sql = format!(
            "WITH RECURSIVE seen(k) AS (SELECT {first} UNION ALL \
             SELECT {next} FROM seen WHERE seen.k IS NOT NULL LIMIT ?5) \
             SELECT replace({child_of_seen}, char(1), '/') AS path FROM seen WHERE k IS NOT NULL",
            first = first_from("> ?2"),
            next = first_from(&format!(">= ({}) || char(2)", child("seen.k"))),
            child_of_seen = child("k"),
        );
        Statement { sql, args: args![owner, prefix.as_str(), length, end.as_str(), limit] }
    }

    /// Creates an account unless the email is taken (then it returns no row).
    pub fn insert_user(id: &Id, email: &str, password_hash: &str, now: i64) -> Statement {
        Statement::new(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (email) DO NOTHING RETURNING id",
            args![id, email, password_hash, now],
        )
    }

    /// The id and password hash for an email (any ASCII case).
    pub fn credentials(email: &str) -> Statement {
        Statement::new("SELECT id, password_hash FROM users WHERE email = ?", args![email])
    }

    /// A user's profile and counters.
    pub fn user(user: &Id) -> Statement {
        Statement::new(
            "SELECT id, email, created_at, file_count, used_bytes, reserved_bytes FROM users WHERE id = ?",
            args![user],
        )
    }

    /// Puts `object_key` on the ledger for `owner` and reserves `reserve` bytes of their
    /// quota, if it has room (`quota` NULL: unlimited). The first statement returns a row
    /// only when the reservation was made; the second applies it.
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
    fn release_reservation(object_key: &str) -> Statement {
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

    /// Turns a stored object into a file, in one transaction: the row (only if the owner's
    /// quota still has room, counting the object's own reservation as given back), the
    /// counters, and the ledger. The first statement returns the row, or none when over quota.
    pub fn commit_file(file: &NewFile<'_>, quota: Option<i64>) -> Vec<Statement> {
        let reserved = "coalesce((SELECT reserved_bytes FROM orphan_objects WHERE object_key = ?8), 0)";
        let created = "EXISTS (SELECT 1 FROM files WHERE id = ?1)";
        vec![
            Statement::new(
                &format!(
                    "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                     created_at, updated_at) SELECT ?1, id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 FROM users \
                     WHERE id = ?2 AND (?10 IS NULL OR used_bytes + reserved_bytes - {reserved} + ?6 <= ?10) \
                     RETURNING {FILE_COLUMNS}"
                ),
                args![
                    file.id,
                    file.owner,
                    file.name,
                    file.name_folded,
                    file.folder,
                    file.size,
                    file.content_type,
                    file.object_key,
                    file.now,
                    quota
                ],
            ),
            Statement::new(
                &format!(
                    "UPDATE users SET file_count = file_count + 1, used_bytes = used_bytes + ?3, \
                     reserved_bytes = reserved_bytes - {} WHERE id = ?2 AND {created}",
                    reserved.replace("?8", "?4")
                ),
                args![file.id, file.owner, file.size, file.object_key],
            ),
            Statement::new(
                &format!("DELETE FROM uploads WHERE object_key = ?2 AND {created}"),
                args![file.id, file.object_key],
            ),
            Statement::new(
                &format!("DELETE FROM orphan_objects WHERE object_key = ?2 AND {created}"),
                args![file.id, file.object_key],
            ),
        ]
    }

    /// One of the user's files, checking in the same statement that the user exists: no
    /// row when the account is gone, a row of NULLs when the file is not theirs.
    pub fn file_of_existing_user(owner: &Id, id: &Id) -> Statement {
        let columns = FILE_COLUMNS.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ");
        Statement::new(
            &format!(
                "SELECT {columns} FROM users u LEFT JOIN files f ON f.id = ?1 AND f.owner_id = u.id WHERE u.id = ?2"
            ),
            args![id, owner],
        )
    }

    /// Whether the user owns file `id` (a row when so).
    pub fn owns_file(owner: &Id, id: &Id) -> Statement {
        Statement::new("SELECT id FROM files WHERE id = ? AND owner_id = ?", args![id, owner])
    }

    /// Renames and/or moves one of the user's files (`None` keeps a value).
    pub fn update_file(owner: &Id, id: &Id, name: Option<(&str, &str)>, folder: Option<&str>, now: i64) -> Statement {
        let (name, folded) = name.unzip();
        Statement::new(
            &format!(
                "UPDATE files SET name = coalesce(?, name), name_folded = coalesce(?, name_folded), \
                 folder = coalesce(?, folder), updated_at = ? \
                 WHERE id = ? AND owner_id = ? RETURNING {FILE_COLUMNS}"
            ),
            args![name, folded, folder, now, id, owner],
        )
    }

    /// The statements that delete one of the user's files, as one transaction: hand its
    /// object to the sweeper, uncount it, drop its shares' logs and shares, drop the row
    /// (returning the key).
    pub fn delete_file(owner: &Id, id: &Id, now: i64) -> Vec<Statement> {
        const OWNED: &str = "SELECT id FROM files WHERE id = ?1 AND owner_id = ?2";
        vec![
            Statement::new(
                "INSERT INTO orphan_objects (object_key, sweep_after) \
                 SELECT object_key, ?3 FROM files WHERE id = ?1 AND owner_id = ?2",
                args![id, owner, now],
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
            Statement::new("DELETE FROM files WHERE id = ?1 AND owner_id = ?2 RETURNING object_key", args![id, owner]),
        ]
    }

    /// A pending direct upload.
    pub fn insert_upload(upload: &NewUpload<'_>) -> Statement {
        Statement::new(
            "INSERT INTO uploads (id, owner_id, file_id, object_key, name, folder, content_type, size, part_size, \
             multipart_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            args![
                upload.id,
                upload.owner,
                upload.file,
                upload.object_key,
                upload.name,
                upload.folder,
                upload.content_type,
                upload.size,
                upload.part_size,
                upload.multipart_id,
                upload.now,
                upload.expires_at
            ],
        )
    }

    /// One of the user's pending direct uploads.
    pub fn upload(owner: &Id, id: &Id) -> Statement {
        Statement::new(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ? AND owner_id = ?"), args![id, owner])
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
        let (set_expiry, expiry) = expires_at.bind();
        let (set_limit, limit) = max_downloads.bind();
        let (set_password, password) = password_hash.bind();
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
    pub fn shares(owner: &Id, file: &Id) -> Statement {
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
    /// [`count_download`] and the service's reading of a refused visit.
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

    /// The failure counters of these keys.
    pub fn limits(keys: &[&str]) -> Statement {
        let marks = vec!["?"; keys.len()].join(", ");
        Statement::new(
            &format!("SELECT key, window_start, failures FROM rate_limits WHERE key IN ({marks})"),
            keys.iter().map(|k| SqlArg::from(*k)).collect(),
        )
    }

    /// Counts one failure against `key` in a fixed window of `window` milliseconds.
    pub fn count_failure(key: &str, now: i64, window: i64) -> Statement {
        Statement::new(
            "INSERT INTO rate_limits (key, window_start, failures) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE failures + 1 END, \
             window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END",
            args![key, now, window],
        )
    }

    /// Forgets the failures of `key` (after a success).
    pub fn clear_failures(key: &str) -> Statement {
        Statement::new("DELETE FROM rate_limits WHERE key = ?", args![key])
    }

    /// Housekeeping: counters whose window closed before `cutoff`.
    pub fn prune_limits(cutoff: i64) -> Statement {
        Statement::new("DELETE FROM rate_limits WHERE window_start < ?", args![cutoff])
    }

    /// Housekeeping: up to `limit` shares that expired before `cutoff`, with their logs.
    pub fn prune_expired_shares(cutoff: i64, limit: i64) -> Vec<Statement> {
        const DUE: &str = "SELECT id FROM shares WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2";
        vec![
            Statement::new(&format!("DELETE FROM share_accesses WHERE share_id IN ({DUE})"), args![cutoff, limit]),
            Statement::new(&format!("DELETE FROM shares WHERE id IN ({DUE}) RETURNING id"), args![cutoff, limit]),
        ]
    }

    /// Every statement above with sample arguments, for checking plans against the schema.
    pub fn all_samples() -> Vec<Statement> {
        let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
        let new_file = NewFile {
            id: &id,
            owner: &id,
            name: "a",
            name_folded: "a",
            folder: "/",
            size: 1,
            content_type: "text/plain",
            object_key: "k",
            now: 0,
        };
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
        let new_upload = NewUpload {
            id: &id,
            owner: &id,
            file: &id,
            object_key: "k",
            name: "a",
            folder: "/",
            content_type: "text/plain",
            size: 1,
            part_size: 1,
            multipart_id: None,
            now: 0,
            expires_at: 1,
        };
        let visit = Visit { ip_hash: "i", user_agent: "u", now: 0 };
        let mut all = vec![
            user_exists(&id),
            child_folders(&id, &FolderPath::root(), 10),
            insert_user(&id, "a@b.io", "h", 0),
            credentials("a@b.io"),
            user(&id),
            note_multipart("k", "m"),
            due_orphans(0, 10),
            file_of_existing_user(&id, &id),
            owns_file(&id, &id),
            update_file(&id, &id, Some(("a", "a")), Some("/"), 0),
            insert_upload(&new_upload),
            upload(&id, &id),
            insert_share(&share),
            update_share(&id, &id, &id, Patch::Set(Some(1)), Patch::Keep, Patch::Set(None)),
            shares(&id, &id),
            owns_share(&id, &id, &id),
            accesses(&id, Some((1, 2)), 10),
            shared_file("h"),
            log_visit("h", &visit, None),
            log_bad_password("s", &visit),
            count_download("h", 0, Some("p")),
            limits(&["a", "b"]),
            count_failure("a", 0, 1),
            clear_failures("a"),
            prune_limits(0),
        ];
        for group in [
            reserve_object(&id, "k", 0, 1, Some(10)),
            release_orphan("k"),
            doom_object("k", 0),
            commit_file(&new_file, None),
            delete_file(&id, &id, 0),
            delete_share(&id, &id, &id),
            prune_expired_shares(0, 10),
        ] {
            all.extend(group);
        }
        all
    }
}

#[cfg(target_arch = "wasm32")]
pub use self::wasm::Db;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::*;
    use crate::error::ApiError;
    use js_sys::{Array, Function, Promise, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use worker::{D1Database, D1PreparedStatement};

    /// The D1 database, with one method per question the service asks it.
    pub struct Db(pub D1Database);

    fn d1_error(e: worker::Error) -> ApiError {
        ApiError::Internal(format!("D1: {e}"))
    }

    fn js_error(e: JsValue) -> ApiError {
        let message =
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"));
        ApiError::Internal(format!("D1: {message}"))
    }

    fn to_js(arg: &SqlArg) -> JsValue {
        match arg {
            SqlArg::Text(s) => JsValue::from_str(s),
            // D1 numbers are JS numbers: exact up to 2^53, far beyond any size or time here.
            SqlArg::Int(n) => JsValue::from_f64(*n as f64),
            SqlArg::Null => JsValue::NULL,
        }
    }

    /// The rows one statement returned, as the JSON text of its `results` array: one
    /// `JSON.stringify` across the JS boundary instead of one crossing per field.
    pub struct Rows(String);

    impl Rows {
        fn of(result: &JsValue) -> Result<Self, ApiError> {
            let rows = Reflect::get(result, &JsValue::from_str("results")).map_err(js_error)?;
            let text = JSON::stringify(&rows).map_err(js_error)?;
            Ok(Rows(text.as_string().unwrap_or_else(|| "[]".into())))
        }
    }

    fn rows<T: for<'de> Deserialize<'de>>(result: &Rows) -> Result<Vec<T>, ApiError> {
        if result.0 == "undefined" || result.0 == "null" {
            return Ok(Vec::new());
        }
        serde_json::from_str(&result.0).map_err(|e| ApiError::Internal(format!("D1 rows: {e}")))
    }

    fn first<T: for<'de> Deserialize<'de>>(result: &Rows) -> Result<Option<T>, ApiError> {
        Ok(rows::<T>(result)?.into_iter().next())
    }

    /// The result of statement `index` of a batch (D1 answers one per statement; a short
    /// answer is an internal error, not a panic).
    fn at(results: &[Rows], index: usize) -> Result<&Rows, ApiError> {
        results.get(index).ok_or_else(|| ApiError::Internal(format!("D1 batch: no result {index}")))
    }

    /// True when a statement returned at least one row (read from the JSON text alone).
    fn any_row(result: &Rows) -> Result<bool, ApiError> {
        Ok(!matches!(result.0.as_str(), "[]" | "null" | "undefined"))
    }

    /// Calls the JS method `name` of `target` with `args` and awaits its promise.
    async fn call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, ApiError> {
        let method: Function =
            Reflect::get(target, &JsValue::from_str(name)).map_err(js_error)?.dyn_into().map_err(js_error)?;
        let promise: Promise = method.apply(target, args).map_err(js_error)?.dyn_into().map_err(js_error)?;
        JsFuture::from(promise).await.map_err(js_error)
    }

    fn account_gone() -> ApiError {
        ApiError::Unauthenticated("The account of this access token no longer exists.")
    }

    #[derive(Deserialize)]
    struct ObjectKey {
        object_key: String,
    }

    /// A user's usage right after a reservation.
    #[derive(Debug, Deserialize)]
    pub struct Usage {
        pub used_bytes: i64,
        pub reserved_bytes: i64,
    }

    impl Db {
        fn prepare(&self, statement: Statement) -> Result<D1PreparedStatement, ApiError> {
            let args: Vec<JsValue> = statement.args.iter().map(to_js).collect();
            self.0.prepare(statement.sql).bind(&args).map_err(d1_error)
        }

        async fn run(&self, statement: Statement) -> Result<Rows, ApiError> {
            let prepared = self.prepare(statement)?;
            Rows::of(&call(prepared.inner(), "all", &Array::new()).await?)
        }

        async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Rows>, ApiError> {
            let prepared = statements.into_iter().map(|s| self.prepare(s)).collect::<Result<Vec<_>, _>>()?;
            let list: Array = prepared.iter().map(|p| JsValue::from(p.inner().clone())).collect();
            let results: Array =
                call(self.0.as_ref(), "batch", &Array::of1(&list)).await?.dyn_into().map_err(js_error)?;
            results.iter().map(|result| Rows::of(&result)).collect()
        }

        /// Runs `statements` in one transaction after checking that `user` exists; returns
        /// the results of `statements` (not of the check).
        async fn batch_as(&self, user: &Id, statements: Vec<Statement>) -> Result<Vec<Rows>, ApiError> {
            let mut all = vec![sql::user_exists(user)];
            all.extend(statements);
            let mut results = self.batch(all).await?;
            if !any_row(at(&results, 0)?)? {
                return Err(account_gone());
            }
            Ok(results.split_off(1))
        }

        /// Creates an account; false when the email is taken.
        pub async fn insert_user(&self, id: &Id, email: &str, hash: &str, now: i64) -> Result<bool, ApiError> {
            any_row(&self.run(sql::insert_user(id, email, hash, now)).await?)
        }

        /// The id and password hash of the account with this email, and the failure
        /// counters of `keys`, in one round trip.
        pub async fn credentials(
            &self,
            email: &str,
            keys: &[&str],
        ) -> Result<(Option<Credentials>, Vec<LimitRow>), ApiError> {
            let results = self.batch(vec![sql::credentials(email), sql::limits(keys)]).await?;
            Ok((first(at(&results, 0)?)?, rows(at(&results, 1)?)?))
        }

        /// The user's profile and counters; 401 when the account is gone.
        pub async fn user(&self, user: &Id) -> Result<UserRow, ApiError> {
            first(&self.run(sql::user(user)).await?)?.ok_or_else(account_gone)
        }

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
            if !any_row(at(&results, 0)?)? {
                return Err(ApiError::QuotaExceeded);
            }
            first(at(&results, 2)?)?.ok_or_else(account_gone)
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
            rows(&self.run(sql::due_orphans(now, limit)).await?)
        }

        /// Turns a stored object into a file; 413 `quota_exceeded` when the quota has no room.
        pub async fn commit_file(&self, file: NewFile<'_>, quota: Option<i64>) -> Result<FileRow, ApiError> {
            let results = self.batch(sql::commit_file(&file, quota)).await?;
            first(at(&results, 0)?)?.ok_or(ApiError::QuotaExceeded)
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
            let results = self.batch_as(owner, vec![sql::child_folders(owner, parent, limit)]).await?;
            Ok(rows::<Row>(at(&results, 0)?)?.into_iter().map(|row| row.path).collect())
        }

        /// One page of the user's files (with one extra row when more follow).
        pub async fn list_files(&self, owner: &Id, query: &ListQuery) -> Result<Vec<FileRow>, ApiError> {
            rows(at(&self.batch_as(owner, vec![list_files(owner, query)]).await?, 0)?)
        }

        /// The user's file `id`; 404 when it is not theirs. One statement, as this is on
        /// the download path.
        pub async fn file(&self, owner: &Id, id: &Id) -> Result<FileRow, ApiError> {
            let row = first::<serde_json::Value>(&self.run(sql::file_of_existing_user(owner, id)).await?)?;
            match row {
                None => Err(account_gone()),
                Some(row) if row["id"].is_null() => Err(ApiError::FileNotFound),
                Some(row) => serde_json::from_value(row).map_err(|e| ApiError::Internal(format!("D1 row: {e}"))),
            }
        }

        /// Renames and/or moves the user's file `id`.
        pub async fn update_file(
            &self,
            owner: &Id,
            id: &Id,
            name: Option<(&str, &str)>,
            folder: Option<&str>,
            now: i64,
        ) -> Result<FileRow, ApiError> {
            let results = self.batch_as(owner, vec![sql::update_file(owner, id, name, folder, now)]).await?;
            first(at(&results, 0)?)?.ok_or(ApiError::FileNotFound)
        }

        /// Deletes the user's file `id` with its shares, uncounts it, and hands its object to
        /// the sweeper, all in one transaction. Returns the object key to delete now.
        pub async fn delete_file(&self, owner: &Id, id: &Id, now: i64) -> Result<String, ApiError> {
            let results = self.batch_as(owner, sql::delete_file(owner, id, now)).await?;
            let deleted = results.last().map(first::<ObjectKey>).transpose()?.flatten();
            deleted.map(|k| k.object_key).ok_or(ApiError::FileNotFound)
        }

        /// Records a pending direct upload.
        pub async fn insert_upload(&self, upload: NewUpload<'_>) -> Result<(), ApiError> {
            let mut statements = vec![sql::insert_upload(&upload)];
            if let Some(multipart_id) = upload.multipart_id {
                statements.push(sql::note_multipart(upload.object_key, multipart_id));
            }
            self.batch(statements).await.map(drop)
        }

        /// One of the user's pending direct uploads; 404 `upload_not_found` otherwise.
        pub async fn upload(&self, owner: &Id, id: &Id) -> Result<UploadRow, ApiError> {
            first(at(&self.batch_as(owner, vec![sql::upload(owner, id)]).await?, 0)?)?.ok_or(ApiError::UploadNotFound)
        }

        /// Creates a share of the user's file; 404 when the file is not theirs.
        pub async fn insert_share(&self, share: NewShare<'_>) -> Result<ShareRow, ApiError> {
            let results = self.batch_as(share.owner, vec![sql::insert_share(&share)]).await?;
            first(at(&results, 0)?)?.ok_or(ApiError::FileNotFound)
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
            let results = self.batch_as(owner, vec![sql::owns_file(owner, file), update]).await?;
            if !any_row(at(&results, 0)?)? {
                return Err(ApiError::FileNotFound);
            }
            first(at(&results, 1)?)?.ok_or(ApiError::ShareNotFound)
        }

        /// The shares of the user's file, newest first; 404 when the file is not theirs.
        pub async fn shares(&self, owner: &Id, file: &Id) -> Result<Vec<ShareRow>, ApiError> {
            let results = self.batch_as(owner, vec![sql::owns_file(owner, file), sql::shares(owner, file)]).await?;
            if !any_row(at(&results, 0)?)? {
                return Err(ApiError::FileNotFound);
            }
            rows(at(&results, 1)?)
        }

        /// Revokes a share of the user's file.
        pub async fn delete_share(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
            let mut statements = vec![sql::owns_file(owner, file)];
            statements.extend(sql::delete_share(owner, file, share));
            let results = self.batch_as(owner, statements).await?;
            match (any_row(at(&results, 0)?)?, any_row(at(&results, 2)?)?) {
                (false, _) => Err(ApiError::FileNotFound),
                (true, false) => Err(ApiError::ShareNotFound),
                (true, true) => Ok(()),
            }
        }

        /// A page of the access log of a share of the user's file.
        pub async fn accesses(
            &self,
            owner: &Id,
            file: &Id,
            share: &Id,
            after: Option<(i64, i64)>,
            limit: i64,
        ) -> Result<Vec<AccessRow>, ApiError> {
            let statements = vec![
                sql::owns_file(owner, file),
                sql::owns_share(owner, file, share),
                sql::accesses(share, after, limit),
            ];
            let results = self.batch_as(owner, statements).await?;
            match (any_row(at(&results, 0)?)?, any_row(at(&results, 1)?)?) {
                (false, _) => Err(ApiError::FileNotFound),
                (true, false) => Err(ApiError::ShareNotFound),
                (true, true) => rows(at(&results, 2)?),
            }
        }

        /// The share with this token hash and what it shares, without counting anything, and
        /// the failure counters of `keys`, in one round trip.
        pub async fn shared_file(
            &self,
            token_hash: &str,
            keys: &[&str],
        ) -> Result<(Option<SharedFile>, Vec<LimitRow>), ApiError> {
            if keys.is_empty() {
                return Ok((first(&self.run(sql::shared_file(token_hash)).await?)?, Vec::new()));
            }
            let results = self.batch(vec![sql::shared_file(token_hash), sql::limits(keys)]).await?;
            Ok((first(at(&results, 0)?)?, rows(at(&results, 1)?)?))
        }

        /// One visit, in one transaction: logged, counted if the share is live and its
        /// password is `password_hash`, and the share read back. Returns whether it counted.
        pub async fn visit_share(
            &self,
            token_hash: &str,
            visit: &Visit<'_>,
            password_hash: Option<&str>,
        ) -> Result<(bool, Option<SharedFile>), ApiError> {
            let results = self
                .batch(vec![
                    sql::log_visit(token_hash, visit, password_hash),
                    sql::count_download(token_hash, visit.now, password_hash),
                    sql::shared_file(token_hash),
                ])
                .await?;
            Ok((any_row(at(&results, 1)?)?, first(at(&results, 2)?)?))
        }

        /// Counts a failure against each key, plus any `extra` statement, in one transaction.
        pub async fn count_failures(
            &self,
            keys: &[&str],
            now: i64,
            window: i64,
            extra: Option<Statement>,
        ) -> Result<(), ApiError> {
            let mut statements: Vec<_> = keys.iter().map(|key| sql::count_failure(key, now, window)).collect();
            statements.extend(extra);
            self.batch(statements).await.map(drop)
        }

        /// Forgets the failures of `key`.
        pub async fn clear_failures(&self, key: &str) -> Result<(), ApiError> {
            self.run(sql::clear_failures(key)).await.map(drop)
        }

        /// Housekeeping: drops stale counters and up to `limit` long-expired shares; returns
        /// how many shares went.
        pub async fn housekeeping(
            &self,
            limits_before: i64,
            shares_before: i64,
            limit: i64,
        ) -> Result<usize, ApiError> {
            let mut statements = vec![sql::prune_limits(limits_before)];
            statements.extend(sql::prune_expired_shares(shares_before, limit));
            let results = self.batch(statements).await?;
            Ok(results.last().map(rows::<serde_json::Value>).transpose()?.map_or(0, |r| r.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::{Cursor, CursorKey};

    fn owner() -> Id {
        Id::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn query() -> ListQuery {
        ListQuery {
            search: None,
            folder: None,
            recursive: false,
            limit: 50,
            sort: SortKey::CreatedAt,
            order: Order::Desc,
            after: None,
        }
    }

    #[test]
    fn the_default_listing_is_a_keyset_scan_of_one_owner() {
        let statement = list_files(&owner(), &query());
        assert_eq!(
            statement.sql,
            "SELECT files.id, files.name, files.folder, files.size, files.content_type, files.object_key, \
             files.created_at, files.updated_at FROM files WHERE files.owner_id = ? \
             ORDER BY files.created_at DESC, files.id DESC LIMIT ?"
        );
        assert_eq!(statement.args, args![&owner(), 51i64]);
    }

    #[test]
    fn every_filter_and_the_cursor_bind_their_values_in_order() {
        let _ = CursorKey(b"unused");
        let q = ListQuery {
            search: Some("report".into()),
            folder: Some(FolderPath::parse("/a", "folder").unwrap()),
            recursive: true,
            limit: 10,
            sort: SortKey::Name,
            order: Order::Asc,
            after: Some(Cursor {
                sort: SortKey::Name,
                order: Order::Asc,
                key: KeyValue::Text("b".into()),
                id: "ff".into(),
            }),
        };
        let statement = list_files(&owner(), &q);
        assert!(
            statement.sql.contains("(files.folder = ? OR (files.folder >= ? AND files.folder < ?))"),
            "{}",
            statement.sql
        );
        assert!(statement.sql.contains("files_search MATCH ?"));
        assert!(statement.sql.contains("(files.name_folded, files.id) > (?, ?)"));
        assert!(statement.sql.ends_with("ORDER BY files.name_folded ASC, files.id ASC LIMIT ?"));
        assert_eq!(statement.args, args![r#""report""#, &owner(), "/a", "/a/", "/a0", "report", "b", "ff", 11i64]);
    }

    /// The schema of `migrations/`, in SQLite.
    fn schema() -> rusqlite::Connection {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let mut migrations: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        migrations.sort();
        for migration in migrations {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }
        db
    }

    fn plan(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
        let mut statement = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let mut rows = statement.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps
    }

    /// A full scan of a table; a lookup in the trigram index reads as `SCAN … VIRTUAL TABLE`.
    fn is_table_scan(step: &str) -> bool {
        // `seen` is the folder walk's own recursive CTE and a constant row is no table either.
        step.starts_with("SCAN ")
            && !step.contains("VIRTUAL TABLE INDEX")
            && !matches!(step, "SCAN seen" | "SCAN CONSTANT ROW")
    }

    #[test]
    fn no_statement_scans_a_whole_table() {
        let db = schema();
        for statement in sql::all_samples() {
            for step in plan(&db, &statement.sql) {
                assert!(!is_table_scan(&step), "{step}\n  in {}", statement.sql);
            }
        }
    }

    #[test]
    fn every_listing_walks_an_index_in_order() {
        let db = schema();
        let cursor = |sort, key| Cursor { sort, order: Order::Desc, key, id: "ff".into() };
        for sort in [SortKey::CreatedAt, SortKey::Name, SortKey::Size] {
            let key = if sort == SortKey::Name { KeyValue::Text("a".into()) } else { KeyValue::Int(1) };
            for order in [Order::Asc, Order::Desc] {
                for (folder, recursive) in [(None, false), (Some("/a"), false), (Some("/a"), true)] {
                    for search in [None, Some("report")] {
                        for after in [None, Some(Cursor { order, ..cursor(sort, key.clone()) })] {
                            let query = ListQuery {
                                search: search.map(str::to_owned),
                                folder: folder.map(|f| FolderPath::parse(f, "folder").unwrap()),
                                recursive,
                                limit: 50,
                                sort,
                                order,
                                after,
                            };
                            let sql = list_files(&owner(), &query).sql;
                            let steps = plan(&db, &sql);
                            assert!(steps.iter().all(|s| !is_table_scan(s)), "{steps:?}\n  in {sql}");
                            // Only a search (which sorts what the trigram index found) or a
                            // listing of one folder in another order than newest first may
                            // sort; every other listing reads its index in order and stops
                            // after one page.
                            let may_sort = search.is_some() || (folder.is_some() && sort != SortKey::CreatedAt);
                            if !may_sort {
                                assert!(steps.iter().all(|s| !s.contains("TEMP B-TREE")), "{steps:?}\n  in {sql}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_recursive_listing_of_the_root_has_no_folder_filter() {
        let q = ListQuery { folder: Some(FolderPath::root()), recursive: true, ..query() };
        assert!(!list_files(&owner(), &q).sql.contains("folder ="));
        let q = ListQuery { folder: Some(FolderPath::root()), ..query() };
        assert!(list_files(&owner(), &q).sql.contains("AND files.folder = ?"));
    }

    #[test]
    fn short_searches_read_the_users_files_and_longer_ones_the_trigram_index() {
        let short = ListQuery { search: Some("ab".into()), ..query() };
        assert!(!list_files(&owner(), &short).sql.contains("files_search"));
        let quoted = ListQuery { search: Some("say \"hi\"".into()), ..query() };
        let statement = list_files(&owner(), &quoted);
        assert_eq!(statement.args[0], SqlArg::Text(r#""say ""hi""""#.into()));
    }

    /// Runs `statement` against `db`, reading the first column of each row as text.
    fn texts(db: &rusqlite::Connection, statement: &Statement) -> Vec<String> {
        let args: Vec<rusqlite::types::Value> = statement
            .args
            .iter()
            .map(|a| match a {
                SqlArg::Text(t) => rusqlite::types::Value::Text(t.clone()),
                SqlArg::Int(i) => rusqlite::types::Value::Integer(*i),
                SqlArg::Null => rusqlite::types::Value::Null,
            })
            .collect();
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let rows = prepared.query_map(rusqlite::params_from_iter(args), |row| row.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn child_folders_are_the_distinct_next_segments_below_the_parent() {
        let db = schema();
        let other = "fedcba9876543210fedcba9876543210";
        db.execute(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, 'a@b.io', 'h', 0)",
            [owner().as_str()],
        )
        .unwrap();
        db.execute("INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, 'c@d.io', 'h', 0)", [other])
            .unwrap();
        let folders = ["/", "/a", "/a/b", "/a/b/c", "/a/b/c", "/a/b-c", "/a/b.d/e", "/a/bé", "/a0", "/z/y", "/Ab"];
        for (n, folder) in folders.iter().enumerate() {
            db.execute(
                "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                 created_at, updated_at) VALUES (?1, ?2, 'f', 'f', ?3, 1, 'x', ?1, 0, 0)",
                rusqlite::params![format!("{n:032}"), owner().as_str(), folder],
            )
            .unwrap();
        }
        db.execute(
            "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
             created_at, updated_at) VALUES ('x', ?1, 'f', 'f', '/a/secret', 1, 'x', 'x', 0, 0)",
            [other],
        )
        .unwrap();
        let children = |parent: &str, limit| {
            texts(&db, &sql::child_folders(&owner(), &FolderPath::parse(parent, "parent").unwrap(), limit))
        };
        assert_eq!(children("/", 100), ["/Ab", "/a", "/a0", "/z"]);
        assert_eq!(children("/a", 100), ["/a/b", "/a/b-c", "/a/b.d", "/a/bé"]);
        assert_eq!(children("/a/b", 100), ["/a/b/c"]);
        assert!(children("/a/b/c", 100).is_empty());
        assert!(children("/nowhere", 100).is_empty());
        assert_eq!(children("/a", 2), ["/a/b", "/a/b-c"], "the limit counts rows");
    }

    #[test]
    fn child_folders_seek_the_folder_index_once_per_child() {
        let db = schema();
        let statement = sql::child_folders(&owner(), &FolderPath::parse("/a", "parent").unwrap(), 10);
        let steps = plan(&db, &statement.sql);
        let seeks =
            steps.iter().filter(|s| s.starts_with("SEARCH files USING COVERING INDEX files_by_owner_tree")).count();
        assert_eq!(seeks, 2, "the first child and each next one: {steps:?}");
        assert!(steps.iter().all(|s| !is_table_scan(s) && !s.contains("TEMP B-TREE")), "{steps:?}");
    }
}
