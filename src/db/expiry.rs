//! Files that expire (`files.expires_at`): every statement that shows a file leaves them out
//! from the instant they expire; here the sweeper finds them and deletes them the way a
//! file's owner would ([`super::files`]' `delete_file`): in one transaction the rows go, the
//! objects go on the ledger claimed by this sweep, which then deletes those bytes, and a
//! `file.deleted` notice is kept for each owner whose webhooks hear it ([`super::notices`]).

use serde::Deserialize;

/// A file that expired, put on the ledger for the sweep that claimed it.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpiredObject {
    pub object_key: String,
}

pub(super) mod sql {
    use crate::db::Statement;

    /// Up to `limit` files expired at `now`, soonest expired first (the partial index
    /// `files_by_expiry`).
    pub fn due_files(now: i64, limit: i64) -> Statement {
        Statement::new("SELECT id FROM files WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2", args![now, limit])
    }

    /// The files of `ids` (a JSON array) that are expired at `?2`, each found by its key.
    const EXPIRED: &str = "json_each(?1) j CROSS JOIN files f ON f.id = j.value WHERE f.expires_at <= ?2";
    /// The one-file links of those files.
    const EXPIRED_LINKS: &str = "json_each(?1) j CROSS JOIN files f ON f.id = j.value \
                                 CROSS JOIN shares s ON s.file_id = f.id WHERE f.expires_at <= ?2";

    /// Deletes the files of `ids` (a JSON array) that are still expired at `now` (an owner
    /// may have pushed the expiry back since they were found), as one transaction: each
    /// object goes on the ledger claimed by `claim` until `until` (returned: the objects
    /// this sweep now holds and deletes), the owners' counters go down, the files' links,
    /// their logs and their places in collections go, a `file.deleted` notice (due at once)
    /// is kept for each file whose owner's webhooks hear it, then the rows go (returned).
    pub fn expire_files(ids: &str, now: i64, claim: &str, until: i64) -> Vec<Statement> {
        let expired_links = format!("SELECT s.id FROM {EXPIRED_LINKS}");
        vec![
            Statement::new(
                &format!(
                    "INSERT INTO orphan_objects (object_key, sweep_after, claim) SELECT f.object_key, ?4, ?3 \
                     FROM {EXPIRED} ON CONFLICT DO NOTHING RETURNING object_key"
                ),
                args![ids, now, claim, until],
            ),
            Statement::new(
                &format!(
                    "UPDATE users SET \
                     file_count = file_count - (SELECT count(*) FROM {EXPIRED} AND f.owner_id = users.id), \
                     used_bytes = used_bytes - (SELECT coalesce(sum(f.size), 0) FROM {EXPIRED} AND f.owner_id = users.id) \
                     WHERE id IN (SELECT f.owner_id FROM {EXPIRED})"
                ),
                args![ids, now],
            ),
            Statement::new(
                &format!("DELETE FROM share_accesses WHERE share_id IN ({expired_links})"),
                args![ids, now],
            ),
            Statement::new(&format!("DELETE FROM shares WHERE id IN ({expired_links})"), args![ids, now]),
            Statement::new(
                &format!("DELETE FROM share_files WHERE file_id IN (SELECT f.id FROM {EXPIRED})"),
                args![ids, now],
            ),
            Statement::new(
                &format!(
                    "INSERT INTO notices (id, owner_id, event, data, at, due_at) \
                     SELECT lower(hex(randomblob(16))), f.owner_id, ?3, \
                     json_object('file_id', f.id, 'reason', 'expired'), ?2, ?2 FROM {EXPIRED} AND {}",
                    crate::db::webhooks::heard("f.owner_id", "?4")
                ),
                args![ids, now, "file.deleted", crate::db::webhooks::word("file.deleted")],
            ),
            Statement::new(
                "DELETE FROM files WHERE id IN (SELECT value FROM json_each(?1)) AND expires_at <= ?2 RETURNING id",
                args![ids, now],
            ),
        ]
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, ExpiredObject};
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct FileId {
        id: String,
    }

    impl Db {
        /// Deletes up to `limit` files expired at `now` (see [`sql::expire_files`]); returns
        /// how many went and the objects `claim` now holds, for the caller to delete.
        pub async fn expire_files(
            &self,
            now: i64,
            limit: i64,
            claim: &str,
            until: i64,
        ) -> Result<(usize, Vec<ExpiredObject>), ApiError> {
            let due: Vec<FileId> = self.run(sql::due_files(now, limit)).await?.all()?;
            if due.is_empty() {
                return Ok((0, Vec::new()));
            }
            let ids = serde_json::to_string(&due.iter().map(|f| f.id.as_str()).collect::<Vec<_>>())
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let results = self.batch(sql::expire_files(&ids, now, claim, until)).await?;
            let deleted = results.last().map(|rows| rows.all::<FileId>()).transpose()?.unwrap_or_default();
            Ok((deleted.len(), at(&results, 0)?.all()?))
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let mut all = vec![sql::due_files(0, 10)];
    all.extend(sql::expire_files("[]", 0, "c", 1));
    all
}

#[cfg(test)]
mod tests {
    use super::sql::{due_files, expire_files};
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, schema, texts, values};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("expiry.rs"));
        assert_no_table_scans(&super::samples());
    }

    #[test]
    fn expired_files_go_with_their_links_and_counters_and_their_objects_are_claimed() {
        let db = schema();
        db.execute_batch(
            "INSERT INTO users (id, email, password_hash, created_at, file_count, used_bytes) \
             VALUES ('u', 'u', 'x', 0, 3, 60); \
             INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
             updated_at, expires_at) VALUES ('gone', 'u', 'n', 'n', '/', 10, 't', 'k-gone', 0, 0, 5), \
             ('later', 'u', 'n', 'n', '/', 20, 't', 'k-later', 0, 0, 50), \
             ('kept', 'u', 'n', 'n', '/', 30, 't', 'k-kept', 0, 0, NULL); \
             INSERT INTO shares (id, owner_id, kind, file_id, token_hash, created_at) \
             VALUES ('s-gone', 'u', 'file', 'gone', 'h1', 0), ('s-kept', 'u', 'file', 'kept', 'h2', 0); \
             INSERT INTO shares (id, owner_id, kind, name, token_hash, created_at) VALUES ('set', 'u', 'files', 'n', 'h3', 0); \
             INSERT INTO share_files VALUES ('set', 'gone'), ('set', 'kept'); \
             INSERT INTO share_accesses (share_id, seq, at, ip_hash, user_agent, outcome) \
             VALUES ('s-gone', 1, 0, 'i', 'a', 'ok'); \
             INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at) \
             VALUES ('w', 'u', 'https://a', 'file.deleted', 's', 0);",
        )
        .unwrap();
        assert_eq!(texts(&db, &due_files(10, 100)), ["gone"]);
        // Found when due; by the time it runs, `later` was found too but is not yet expired.
        let statements = expire_files(r#"["gone","later"]"#, 10, "claim", 99);
        let claimed = {
            let mut prepared = db.prepare(&statements[0].sql).unwrap();
            let rows = prepared
                .query_map(rusqlite::params_from_iter(values(&statements[0])), |r| r.get::<_, String>(0))
                .unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>()
        };
        assert_eq!(claimed, ["k-gone"]);
        for statement in &statements[1..6] {
            execute(&db, statement);
        }
        assert_eq!(texts(&db, &statements[6]), ["gone"]);
        let row = |sql: &str| db.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(row("SELECT file_count || ' ' || used_bytes FROM users"), "2 50");
        assert_eq!(row("SELECT group_concat(id) FROM (SELECT id FROM files ORDER BY id)"), "kept,later");
        assert_eq!(row("SELECT group_concat(id) FROM (SELECT id FROM shares ORDER BY id)"), "s-kept,set");
        assert_eq!(row("SELECT group_concat(file_id) FROM share_files"), "kept");
        assert_eq!(row("SELECT count(*) || '' FROM share_accesses"), "0");
        assert_eq!(
            row("SELECT object_key || ' ' || claim || ' ' || sweep_after FROM orphan_objects"),
            "k-gone claim 99"
        );
        assert_eq!(
            row("SELECT owner_id || ' ' || event || ' ' || data || ' ' || at || ' ' || due_at FROM notices"),
            r#"u file.deleted {"file_id":"gone","reason":"expired"} 10 10"#,
            "the owner's webhook hears it, due at once"
        );
    }
}
