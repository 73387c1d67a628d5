//! Collection links: a link to a set of files (`files`, its members in `share_files`) or to a
//! folder (`folder`: live, every file of its owner in the folder or below it whenever it is
//! visited). Creating them, listing what they hold a page at a time, and the one condition
//! that decides whether a link holds a file, which every visit's statements share
//! ([`sql::holds`]): one primary-key seek in `files` (and one in `share_files`), whatever the
//! size of the folder.

use serde::Deserialize;

/// A file of a collection, as its visitors see it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ItemRow {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub content_type: String,
    /// The sort key after `folder`, for the next page's cursor.
    pub name_folded: String,
}

/// Where a page of a collection starts: strictly after this `(folder, name_folded, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemsAfter {
    pub folder: String,
    pub name_folded: String,
    pub id: String,
}

pub(super) mod sql {
    use super::ItemsAfter;
    use crate::db::shares::{NewShare, SHARE_COLUMNS};
    use crate::db::{SqlArg, Statement};
    use crate::model::Id;

    /// Whether link `{s}` holds file `{f}` (a row of `files`), by kind: a one-file link its
    /// file, a `files` link its members, a folder link every file of its owner whose folder
    /// is the link's or lies below it. `/a` holds `/a` and `/a/…` but neither `/ab` nor `/a-b`:
    /// the folders below `/a` are exactly those in `['/a/', '/a0')`, as '0' follows '/'.
    fn in_link(s: &str, f: &str) -> String {
        format!(
            "CASE {s}.kind WHEN 'file' THEN {f}.id = {s}.file_id \
             WHEN 'files' THEN EXISTS (SELECT 1 FROM share_files sf WHERE sf.share_id = {s}.id AND sf.file_id = {f}.id) \
             ELSE {s}.folder = '/' OR {f}.folder = {s}.folder \
             OR ({f}.folder >= {s}.folder || '/' AND {f}.folder < {s}.folder || '0') END"
        )
    }

    /// The condition under which row `{f}` of `files` is the file a visit to link `{s}` asks
    /// for (`file`: the parameter naming it, NULL for a one-file link's own) and the link
    /// holds it, unexpired at `now` (a parameter too). `{f}.id` is bound by equality, so
    /// `files` is read by its primary key.
    pub fn holds(s: &str, f: &str, file: &str, now: &str) -> String {
        format!(
            "{f}.id = coalesce({file}, {s}.file_id) AND {f}.owner_id = {s}.owner_id \
             AND ({f}.expires_at IS NULL OR {f}.expires_at > {now}) AND ({})",
            in_link(s, f)
        )
    }

    /// Whether link `{s}` holds the file a visit asks for (see [`holds`]).
    pub fn target_live(s: &str, file: &str, now: &str) -> String {
        format!("EXISTS (SELECT 1 FROM files tf WHERE {})", holds(s, "tf", file, now))
    }

    /// A link to the user's folder `path` (which may hold nothing yet: files added later
    /// appear in it).
    pub fn insert_folder_share(share: &NewShare<'_>, path: &str, name: &str) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO shares (id, owner_id, kind, folder, name, token_hash, created_at, expires_at, \
                 max_downloads, password_hash) VALUES (?, ?, 'folder', ?, ?, ?, ?, ?, ?, ?) RETURNING {SHARE_COLUMNS}"
            ),
            args![
                share.id,
                share.owner,
                path,
                name,
                share.token_hash,
                share.now,
                share.expires_at,
                share.max_downloads,
                share.password_hash
            ],
        )
    }

    /// A link to `count` distinct files of the user (`ids`: their ids as a JSON array), in
    /// one transaction: the link is only made when every one of them is the user's and
    /// unexpired (the first statement returns it), then its members. Each file is one
    /// primary-key seek, driven from the list (CROSS JOIN keeps that order).
    pub fn insert_files_share(share: &NewShare<'_>, ids: &str, count: i64, name: &str) -> Vec<Statement> {
        let owned = "FROM json_each(?2) j CROSS JOIN files f ON f.id = j.value \
                     WHERE f.owner_id = ?3 AND (f.expires_at IS NULL OR f.expires_at > ?4)";
        vec![
            Statement::new(
                &format!(
                    "INSERT INTO shares (id, owner_id, kind, name, token_hash, created_at, expires_at, max_downloads, \
                     password_hash) SELECT ?1, ?3, 'files', ?6, ?7, ?4, ?8, ?9, ?10 \
                     WHERE (SELECT count(*) {owned}) = ?5 RETURNING {SHARE_COLUMNS}"
                ),
                args![
                    share.id,
                    ids,
                    share.owner,
                    share.now,
                    count,
                    name,
                    share.token_hash,
                    share.expires_at,
                    share.max_downloads,
                    share.password_hash
                ],
            ),
            Statement::new(
                &format!(
                    "INSERT INTO share_files (share_id, file_id) SELECT ?1, f.id {owned} \
                     AND EXISTS (SELECT 1 FROM shares WHERE id = ?1)"
                ),
                args![share.id, ids, share.owner, share.now],
            ),
        ]
    }

    /// The tree key of a folder column: '/' read as char(1), as in `files_by_owner_tree`.
    fn tree(column: &str) -> String {
        format!("replace({column}, '/', char(1))")
    }

    /// The keyset condition of a page after `after`, and its arguments (from `?first`).
    fn after_clause(after: Option<&ItemsAfter>, first: usize) -> (String, Vec<SqlArg>) {
        match after {
            None => (String::new(), Vec::new()),
            Some(after) => (
                format!(
                    " AND ({}, f.name_folded, f.id) > (replace(?{first}, '/', char(1)), ?{}, ?{})",
                    tree("f.folder"),
                    first + 1,
                    first + 2
                ),
                args![after.folder.as_str(), after.name_folded.as_str(), after.id.as_str()],
            ),
        }
    }

    const ITEM_COLUMNS: &str = "f.id, f.name, f.folder, f.size, f.content_type, f.name_folded";

    /// A page (`limit` rows) of the files of the folder link with this token hash that have
    /// not expired at `now`, by folder, name and id: one range of `files_by_owner_tree`,
    /// the folder's subtree (`[tree(P), tree(P) || char(2))`: char(2) follows the char(1) a
    /// sub-folder's path continues with, and no folder holds a control character, so the
    /// range holds exactly `P` and what lies below it; the root's is every folder).
    pub fn folder_items(token_hash: &str, now: i64, after: Option<&ItemsAfter>, limit: i64) -> Statement {
        let (keyset, mut rest) = after_clause(after, 4);
        let key = tree("f.folder");
        let start = tree("s.folder");
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM shares s CROSS JOIN files f \
             WHERE s.token_hash = ?1 AND s.kind = 'folder' AND f.owner_id = s.owner_id \
             AND {key} >= {start} AND {key} < CASE WHEN s.folder = '/' THEN char(2) ELSE {start} || char(2) END \
             AND (f.expires_at IS NULL OR f.expires_at > ?2){keyset} \
             ORDER BY {key}, f.name_folded, f.id LIMIT ?3"
        );
        let mut args = args![token_hash, now, limit];
        args.append(&mut rest);
        Statement { sql, args }
    }

    /// A page of the files of the `files` link with this token hash that have not expired
    /// at `now`, in the same order as [`folder_items`] (at most 1000 members to sort).
    pub fn member_items(token_hash: &str, now: i64, after: Option<&ItemsAfter>, limit: i64) -> Statement {
        let (keyset, mut rest) = after_clause(after, 4);
        let key = tree("f.folder");
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM shares s JOIN share_files sf ON sf.share_id = s.id \
             JOIN files f ON f.id = sf.file_id AND f.owner_id = s.owner_id \
             WHERE s.token_hash = ?1 AND s.kind = 'files' AND (f.expires_at IS NULL OR f.expires_at > ?2){keyset} \
             ORDER BY {key}, f.name_folded, f.id LIMIT ?3"
        );
        let mut args = args![token_hash, now, limit];
        args.append(&mut rest);
        Statement { sql, args }
    }

    /// The members of the user's `files` links that `file` belongs to, for its deletion.
    pub fn forget_file(owner: &Id, file: &Id) -> Statement {
        Statement::new(
            "DELETE FROM share_files WHERE file_id = (SELECT id FROM files WHERE id = ?1 AND owner_id = ?2)",
            args![file, owner],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, ItemRow, ItemsAfter};
    use crate::db::runner::at;
    use crate::db::shares::{NewShare, ShareRow, ShareTarget};
    use crate::db::Db;
    use crate::error::ApiError;

    impl Db {
        /// Creates a link to the user's files or folder; 404 when a file is not theirs.
        pub(in crate::db) async fn create_collection(&self, share: &NewShare<'_>) -> Result<ShareRow, ApiError> {
            let statements = match &share.target {
                ShareTarget::Folder { path, name } => vec![sql::insert_folder_share(share, path, name)],
                ShareTarget::Files { ids, name } => {
                    let list = serde_json::to_string(&ids.iter().map(|id| id.as_str()).collect::<Vec<_>>())
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
                    sql::insert_files_share(share, &list, count, name)
                }
                ShareTarget::File(_) => return Err(ApiError::Internal("a one-file link is no collection".into())),
            };
            let results = self.batch_as(share.owner, statements).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::FileNotFound)
        }

        /// A page (`limit` rows) of what the collection with this token hash holds at `now`
        /// (`kind`: `folder` or `files`), counting nothing.
        pub async fn collection_items(
            &self,
            token_hash: &str,
            kind: &str,
            now: i64,
            after: Option<&ItemsAfter>,
            limit: i64,
        ) -> Result<Vec<ItemRow>, ApiError> {
            let statement = if kind == "folder" {
                sql::folder_items(token_hash, now, after, limit)
            } else {
                sql::member_items(token_hash, now, after, limit)
            };
            self.run(statement).await?.all()
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    use crate::db::shares::{NewShare, ShareTarget};
    use crate::model::Id;
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let ids = [id.clone()];
    let share = |target| NewShare {
        id: &id,
        target,
        owner: &id,
        token_hash: "h",
        now: 0,
        expires_at: None,
        max_downloads: None,
        password_hash: None,
    };
    let after = ItemsAfter { folder: "/a".into(), name_folded: "n".into(), id: "i".into() };
    let mut all = vec![
        sql::insert_folder_share(&share(ShareTarget::Folder { path: "/a", name: "a" }), "/a", "a"),
        sql::folder_items("h", 0, None, 50),
        sql::folder_items("h", 0, Some(&after), 50),
        sql::member_items("h", 0, None, 50),
        sql::member_items("h", 0, Some(&after), 50),
        sql::forget_file(&id, &id),
    ];
    all.extend(sql::insert_files_share(&share(ShareTarget::Files { ids: &ids, name: "n" }), "[]", 1, "n"));
    all
}

#[cfg(test)]
mod tests;
