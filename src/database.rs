//! Every SQL statement of the service, and (on wasm32) the D1 calls that run them.
//!
//! The schema lives in `migrations/`. Statements that change several tables go out as one
//! D1 batch, which D1 runs as a single transaction in a single round trip. Every statement
//! on behalf of a user is scoped by `owner_id`, and every batch for a signed-in user starts
//! with a check that the user still exists, so a token for a deleted account gets 401.

use crate::listing::{KeyValue, ListQuery, Order, SortKey};
use crate::model::Id;
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
}

const SHARE_COLUMNS: &str = "id, file_id, created_at, expires_at, max_downloads, download_count";

/// A user's profile with the counters kept beside it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    pub file_count: i64,
    pub used_bytes: i64,
}

/// What a login needs to check a password.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub id: String,
    pub password_hash: String,
}

/// A share resolved by its token, with what its visitor gets to download.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub object_key: String,
}

/// The statement listing one page (plus one row, to tell whether another page follows).
pub fn list_files(owner: &Id, query: &ListQuery) -> Statement {
    let column = match query.sort {
        SortKey::CreatedAt => "created_at",
        SortKey::Name => "name_folded",
        SortKey::Size => "size",
    };
    let (direction, after) = match query.order {
        Order::Asc => ("ASC", ">"),
        Order::Desc => ("DESC", "<"),
    };
    let mut sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE owner_id = ?");
    let mut args = args![owner];
    match (&query.folder, query.recursive) {
        (Some(folder), false) => {
            sql.push_str(" AND folder = ?");
            args.push(folder.as_str().into());
        }
        (Some(folder), true) if folder.as_str() != "/" => {
            // Sub-folders of /a are exactly the paths in ['/a/', '/a0'): '0' follows '/'.
            let prefix = folder.descendant_prefix();
            let end = format!("{}0", &prefix[..prefix.len() - 1]);
            sql.push_str(" AND (folder = ? OR (folder >= ? AND folder < ?))");
            args.extend([folder.as_str().into(), prefix.into(), end.into()]);
        }
        _ => {}
    }
    if let Some(search) = &query.search {
        sql.push_str(" AND instr(name_folded, ?) > 0");
        args.push(search.as_str().into());
    }
    if let Some(cursor) = &query.after {
        sql.push_str(&format!(" AND ({column}, id) {after} (?, ?)"));
        args.push(match &cursor.key {
            KeyValue::Int(n) => SqlArg::Int(*n),
            KeyValue::Text(s) => SqlArg::Text(s.clone()),
        });
        args.push(cursor.id.as_str().into());
    }
    sql.push_str(&format!(" ORDER BY {column} {direction}, id {direction} LIMIT ?"));
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
}

/// Every statement the service runs, as plain values: built here, executed by [`Db`] on
/// wasm32, and planned against the real schema by the native tests.
pub mod sql {
    use super::*;

    /// `SELECT 1` when the user exists: the first statement of every signed-in batch.
    pub fn user_exists(user: &Id) -> Statement {
        Statement::new("SELECT 1 AS present FROM users WHERE id = ?", args![user])
    }

    /// Creates an account unless the email is taken (then it returns no row).
    pub fn insert_user(id: &Id, email: &str, password_hash: &str, now: i64) -> Statement {
        Statement::new(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (email) DO NOTHING \
             RETURNING id, email, created_at, file_count, used_bytes",
            args![id, email, password_hash, now],
        )
    }

    /// The id and password hash for an email (any ASCII case).
    pub fn credentials(email: &str) -> Statement {
        Statement::new("SELECT id, password_hash FROM users WHERE email = ?", args![email])
    }

    /// A user's profile and counters.
    pub fn user(user: &Id) -> Statement {
        Statement::new("SELECT id, email, created_at, file_count, used_bytes FROM users WHERE id = ?", args![user])
    }

    /// Records an object about to be written for `owner` (no row when the user is gone).
    pub fn reserve_object(owner: &Id, object_key: &str, sweep_after: i64) -> Statement {
        Statement::new(
            "INSERT INTO orphan_objects (object_key, sweep_after) \
             SELECT ?, ? FROM users WHERE id = ? RETURNING object_key",
            args![object_key, sweep_after, owner],
        )
    }

    /// Marks an object for deletion by the sweeper at `sweep_after`.
    pub fn doom_object(object_key: &str, sweep_after: i64) -> Statement {
        Statement::new(
            "INSERT INTO orphan_objects (object_key, sweep_after) VALUES (?, ?) \
             ON CONFLICT (object_key) DO UPDATE SET sweep_after = excluded.sweep_after",
            args![object_key, sweep_after],
        )
    }

    /// Forgets an orphan that a file row now owns or that the bucket no longer holds.
    pub fn forget_orphan(object_key: &str) -> Statement {
        Statement::new("DELETE FROM orphan_objects WHERE object_key = ?", args![object_key])
    }

    /// Orphans due for sweeping, oldest first.
    pub fn due_orphans(now: i64, limit: i64) -> Statement {
        Statement::new(
            "SELECT object_key FROM orphan_objects WHERE sweep_after <= ? ORDER BY sweep_after LIMIT ?",
            args![now, limit],
        )
    }

    /// The file row of a stored object.
    pub fn insert_file(file: &NewFile<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                 created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {FILE_COLUMNS}"
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
                file.now
            ],
        )
    }

    /// Counts a new file against its owner.
    pub fn count_file(owner: &Id, size: i64) -> Statement {
        Statement::new(
            "UPDATE users SET file_count = file_count + 1, used_bytes = used_bytes + ? WHERE id = ?",
            args![size, owner],
        )
    }

    /// One of the user's files.
    pub fn file(owner: &Id, id: &Id) -> Statement {
        Statement::new(&format!("SELECT {FILE_COLUMNS} FROM files WHERE id = ? AND owner_id = ?"), args![id, owner])
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
            vec![
                name.map_or(SqlArg::Null, SqlArg::from),
                folded.map_or(SqlArg::Null, SqlArg::from),
                folder.map_or(SqlArg::Null, SqlArg::from),
                SqlArg::Int(now),
                id.into(),
                owner.into(),
            ],
        )
    }

    /// The four statements that delete one of the user's files, as one transaction: hand
    /// its object to the sweeper, uncount it, drop its shares, drop the row (returning the key).
    pub fn delete_file(owner: &Id, id: &Id, now: i64) -> Vec<Statement> {
        vec![
            Statement::new(
                "INSERT INTO orphan_objects (object_key, sweep_after) \
                 SELECT object_key, ? FROM files WHERE id = ? AND owner_id = ?",
                args![now, id, owner],
            ),
            Statement::new(
                "UPDATE users SET file_count = file_count - 1, \
                 used_bytes = used_bytes - (SELECT size FROM files WHERE id = ? AND owner_id = ?) \
                 WHERE id = ? AND EXISTS (SELECT 1 FROM files WHERE id = ? AND owner_id = ?)",
                args![id, owner, owner, id, owner],
            ),
            Statement::new(
                "DELETE FROM shares WHERE file_id IN (SELECT id FROM files WHERE id = ? AND owner_id = ?)",
                args![id, owner],
            ),
            Statement::new("DELETE FROM files WHERE id = ? AND owner_id = ? RETURNING object_key", args![id, owner]),
        ]
    }

    /// A share of one of the user's files (no row when the file is not theirs).
    pub fn insert_share(share: &NewShare<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO shares (id, file_id, token_hash, created_at, expires_at, max_downloads) \
                 SELECT ?, id, ?, ?, ?, ? FROM files WHERE id = ? AND owner_id = ? RETURNING {SHARE_COLUMNS}"
            ),
            args![
                share.id,
                share.token_hash,
                share.now,
                share.expires_at,
                share.max_downloads,
                share.file,
                share.owner
            ],
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

    /// Revokes a share of one of the user's files (a row when it existed).
    pub fn delete_share(owner: &Id, file: &Id, share: &Id) -> Statement {
        Statement::new(
            "DELETE FROM shares WHERE id = ? AND file_id = \
             (SELECT id FROM files WHERE id = ? AND owner_id = ?) RETURNING id",
            args![share, file, owner],
        )
    }

    /// Counts one download of a live share, atomically: no row when the share is unknown,
    /// expired or used up, so concurrent visitors can never exceed `max_downloads`.
    pub fn count_download(token_hash: &str, now: i64) -> Statement {
        Statement::new(
            "UPDATE shares SET download_count = download_count + 1 \
             WHERE token_hash = ? AND (expires_at IS NULL OR expires_at > ?) \
             AND (max_downloads IS NULL OR download_count < max_downloads) RETURNING id",
            args![token_hash, now],
        )
    }

    /// The file a share token points at.
    pub fn shared_file(token_hash: &str) -> Statement {
        Statement::new(
            "SELECT f.name, f.size, f.content_type, f.object_key FROM shares s \
             JOIN files f ON f.id = s.file_id WHERE s.token_hash = ?",
            args![token_hash],
        )
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
        let share =
            NewShare { id: &id, file: &id, owner: &id, token_hash: "h", now: 0, expires_at: None, max_downloads: None };
        let mut all = vec![
            user_exists(&id),
            insert_user(&id, "a@b.io", "h", 0),
            credentials("a@b.io"),
            user(&id),
            reserve_object(&id, "k", 0),
            doom_object("k", 0),
            forget_orphan("k"),
            due_orphans(0, 10),
            insert_file(&new_file),
            count_file(&id, 1),
            file(&id, &id),
            owns_file(&id, &id),
            update_file(&id, &id, Some(("a", "a")), Some("/"), 0),
            insert_share(&share),
            shares(&id, &id),
            delete_share(&id, &id, &id),
            count_download("h", 0),
            shared_file("h"),
        ];
        all.extend(delete_file(&id, &id, 0));
        all
    }
}

#[cfg(target_arch = "wasm32")]
pub use self::wasm::Db;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::*;
    use crate::error::ApiError;
    use wasm_bindgen::JsValue;
    use worker::{D1Database, D1PreparedStatement, D1Result};

    /// The D1 database, with one method per question the service asks it.
    pub struct Db(pub D1Database);

    fn d1_error(e: worker::Error) -> ApiError {
        ApiError::Internal(format!("D1: {e}"))
    }

    fn to_js(arg: &SqlArg) -> JsValue {
        match arg {
            SqlArg::Text(s) => JsValue::from_str(s),
            // D1 numbers are JS numbers: exact up to 2^53, far beyond any size or time here.
            SqlArg::Int(n) => JsValue::from_f64(*n as f64),
            SqlArg::Null => JsValue::NULL,
        }
    }

    fn rows<T: for<'de> Deserialize<'de>>(result: &D1Result) -> Result<Vec<T>, ApiError> {
        result.results::<T>().map_err(d1_error)
    }

    fn first<T: for<'de> Deserialize<'de>>(result: &D1Result) -> Result<Option<T>, ApiError> {
        Ok(rows::<T>(result)?.into_iter().next())
    }

    /// True when a statement returned at least one row.
    fn any_row(result: &D1Result) -> Result<bool, ApiError> {
        Ok(first::<serde_json::Value>(result)?.is_some())
    }

    fn account_gone() -> ApiError {
        ApiError::Unauthenticated("The account of this access token no longer exists.")
    }

    #[derive(Deserialize)]
    struct ObjectKey {
        object_key: String,
    }

    impl Db {
        fn prepare(&self, statement: Statement) -> Result<D1PreparedStatement, ApiError> {
            let args: Vec<JsValue> = statement.args.iter().map(to_js).collect();
            self.0.prepare(statement.sql).bind(&args).map_err(d1_error)
        }

        async fn run(&self, statement: Statement) -> Result<D1Result, ApiError> {
            self.prepare(statement)?.all().await.map_err(d1_error)
        }

        async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<D1Result>, ApiError> {
            let prepared = statements.into_iter().map(|s| self.prepare(s)).collect::<Result<Vec<_>, _>>()?;
            self.0.batch(prepared).await.map_err(d1_error)
        }

        /// Runs `statements` in one transaction after checking that `user` exists; returns
        /// the results of `statements` (not of the check).
        async fn batch_as(&self, user: &Id, statements: Vec<Statement>) -> Result<Vec<D1Result>, ApiError> {
            let mut all = vec![sql::user_exists(user)];
            all.extend(statements);
            let mut results = self.batch(all).await?;
            if !any_row(&results[0])? {
                return Err(account_gone());
            }
            results.remove(0);
            Ok(results)
        }

        /// Creates an account; `None` when the email is taken.
        pub async fn insert_user(
            &self,
            id: &Id,
            email: &str,
            hash: &str,
            now: i64,
        ) -> Result<Option<UserRow>, ApiError> {
            first(&self.run(sql::insert_user(id, email, hash, now)).await?)
        }

        /// The id and password hash of the account with this email.
        pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>, ApiError> {
            first(&self.run(sql::credentials(email)).await?)
        }

        /// The user's profile and counters; 401 when the account is gone.
        pub async fn user(&self, user: &Id) -> Result<UserRow, ApiError> {
            first(&self.run(sql::user(user)).await?)?.ok_or_else(account_gone)
        }

        /// Records that `object_key` is about to be written for `owner`, so that it is swept
        /// after `sweep_after` unless a file row claims it first; 401 when the account is gone.
        pub async fn reserve_object(&self, owner: &Id, object_key: &str, sweep_after: i64) -> Result<(), ApiError> {
            match any_row(&self.run(sql::reserve_object(owner, object_key, sweep_after)).await?)? {
                true => Ok(()),
                false => Err(account_gone()),
            }
        }

        /// Marks `object_key` for deletion by the sweeper at `sweep_after`.
        pub async fn doom_object(&self, object_key: &str, sweep_after: i64) -> Result<(), ApiError> {
            self.run(sql::doom_object(object_key, sweep_after)).await.map(drop)
        }

        /// Forgets an orphan that the bucket confirmed deleted.
        pub async fn forget_orphan(&self, object_key: &str) -> Result<(), ApiError> {
            self.run(sql::forget_orphan(object_key)).await.map(drop)
        }

        /// Forgets many orphans at once, in one transaction.
        pub async fn forget_orphans(&self, object_keys: &[String]) -> Result<(), ApiError> {
            if object_keys.is_empty() {
                return Ok(());
            }
            self.batch(object_keys.iter().map(|key| sql::forget_orphan(key)).collect()).await.map(drop)
        }

        /// Up to `limit` orphan objects due for deletion.
        pub async fn due_orphans(&self, now: i64, limit: i64) -> Result<Vec<String>, ApiError> {
            let keys = rows::<ObjectKey>(&self.run(sql::due_orphans(now, limit)).await?)?;
            Ok(keys.into_iter().map(|k| k.object_key).collect())
        }

        /// Creates the file row of a stored object, in the same transaction that releases
        /// the object's orphan record and counts it against its owner.
        pub async fn insert_file(&self, file: NewFile<'_>) -> Result<FileRow, ApiError> {
            let results = self
                .batch(vec![
                    sql::insert_file(&file),
                    sql::forget_orphan(file.object_key),
                    sql::count_file(file.owner, file.size),
                ])
                .await?;
            first(&results[0])?.ok_or_else(|| ApiError::Internal("INSERT INTO files returned no row".into()))
        }

        /// One page of the user's files (with one extra row when more follow).
        pub async fn list_files(&self, owner: &Id, query: &ListQuery) -> Result<Vec<FileRow>, ApiError> {
            rows(&self.batch_as(owner, vec![list_files(owner, query)]).await?[0])
        }

        /// The user's file `id`; 404 when it is not theirs.
        pub async fn file(&self, owner: &Id, id: &Id) -> Result<FileRow, ApiError> {
            first(&self.batch_as(owner, vec![sql::file(owner, id)]).await?[0])?.ok_or(ApiError::FileNotFound)
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
            first(&results[0])?.ok_or(ApiError::FileNotFound)
        }

        /// Deletes the user's file `id` with its shares, uncounts it, and hands its object to
        /// the sweeper, all in one transaction. Returns the object key to delete now.
        pub async fn delete_file(&self, owner: &Id, id: &Id, now: i64) -> Result<String, ApiError> {
            let results = self.batch_as(owner, sql::delete_file(owner, id, now)).await?;
            let deleted = results.last().map(first::<ObjectKey>).transpose()?.flatten();
            deleted.map(|k| k.object_key).ok_or(ApiError::FileNotFound)
        }

        /// Creates a share of the user's file; 404 when the file is not theirs.
        pub async fn insert_share(&self, share: NewShare<'_>) -> Result<ShareRow, ApiError> {
            let results = self.batch_as(share.owner, vec![sql::insert_share(&share)]).await?;
            first(&results[0])?.ok_or(ApiError::FileNotFound)
        }

        /// The shares of the user's file, newest first; 404 when the file is not theirs.
        pub async fn shares(&self, owner: &Id, file: &Id) -> Result<Vec<ShareRow>, ApiError> {
            let results = self.batch_as(owner, vec![sql::owns_file(owner, file), sql::shares(owner, file)]).await?;
            if !any_row(&results[0])? {
                return Err(ApiError::FileNotFound);
            }
            rows(&results[1])
        }

        /// Revokes a share of the user's file.
        pub async fn delete_share(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
            let results =
                self.batch_as(owner, vec![sql::owns_file(owner, file), sql::delete_share(owner, file, share)]).await?;
            match (any_row(&results[0])?, any_row(&results[1])?) {
                (false, _) => Err(ApiError::FileNotFound),
                (true, false) => Err(ApiError::ShareNotFound),
                (true, true) => Ok(()),
            }
        }

        /// Counts one download of the share with this token hash, atomically and only while
        /// it is live; then reads what it shares. 404 unknown, 410 expired or used up.
        pub async fn resolve_share(&self, token_hash: &str, now: i64) -> Result<SharedFile, ApiError> {
            let results = self.batch(vec![sql::count_download(token_hash, now), sql::shared_file(token_hash)]).await?;
            match (any_row(&results[0])?, first::<SharedFile>(&results[1])?) {
                (true, Some(file)) => Ok(file),
                (false, Some(_)) => Err(ApiError::ShareExpired),
                (_, None) => Err(ApiError::ShareNotFound),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::{Cursor, CursorKey};
    use crate::model::FolderPath;

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
            format!("SELECT {FILE_COLUMNS} FROM files WHERE owner_id = ? ORDER BY created_at DESC, id DESC LIMIT ?")
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
        assert!(statement.sql.contains("(folder = ? OR (folder >= ? AND folder < ?))"), "{}", statement.sql);
        assert!(statement.sql.contains("(name_folded, id) > (?, ?)"));
        assert!(statement.sql.ends_with("ORDER BY name_folded ASC, id ASC LIMIT ?"));
        assert_eq!(statement.args, args![&owner(), "/a", "/a/", "/a0", "report", "b", "ff", 11i64]);
    }

    #[test]
    fn a_recursive_listing_of_the_root_has_no_folder_filter() {
        let q = ListQuery { folder: Some(FolderPath::root()), recursive: true, ..query() };
        assert!(!list_files(&owner(), &q).sql.contains("folder ="));
        let q = ListQuery { folder: Some(FolderPath::root()), ..query() };
        assert!(list_files(&owner(), &q).sql.contains("AND folder = ?"));
    }
}
