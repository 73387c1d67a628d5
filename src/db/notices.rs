//! Notices kept for webhooks (`notices`): an event some live webhook of its account hears,
//! written by the transaction that makes it and kept until every delivery of it is queued
//! (see `migrations/0013_notices.sql`). A notice is written only when a webhook hears it,
//! so an account without webhooks never has one.

use serde::Deserialize;

/// A kept notice, as the sweeper sends it again.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: String,
    pub owner_id: String,
    pub event: String,
    /// The payload's `data`, JSON.
    pub data: String,
    /// When the event happened (Unix ms).
    pub at: i64,
}

const NOTICE_COLUMNS: &str = "id, owner_id, event, data, at";

/// A notice to keep, due for the sweeper at `due_at`.
pub struct NewNotice<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub event: &'a str,
    pub data: &'a str,
    pub at: i64,
    pub due_at: i64,
}

pub(super) mod sql {
    use super::{NewNotice, NOTICE_COLUMNS};
    use crate::db::webhooks::{heard, word};
    use crate::db::{SqlArg, Statement};

    /// Keeps `notice` when a live webhook of its owner hears its event and `condition`
    /// holds (SQL over the parameters `?8` on: `condition_args`); returns the kept row. Made
    /// part of the transaction that makes the event, so the event is kept exactly when it
    /// happens. A notice kept before under the same id stays as it was.
    pub fn keep_when(notice: &NewNotice<'_>, condition: &str, condition_args: Vec<SqlArg>) -> Statement {
        let mut args =
            args![notice.id, notice.owner, notice.event, notice.data, notice.at, notice.due_at, word(notice.event)];
        args.extend(condition_args);
        Statement::new(
            &format!(
                "INSERT INTO notices (id, owner_id, event, data, at, due_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
                 WHERE {} AND ({condition}) ON CONFLICT DO NOTHING RETURNING {NOTICE_COLUMNS}",
                heard("?2", "?7")
            ),
            args,
        )
    }

    /// Up to `limit` notices due at `now` of events since `kept_since`, soonest due first,
    /// each made due again `resend_after` from now: the sweep that runs this holds them
    /// until then.
    pub fn claim_due(now: i64, kept_since: i64, resend_after: i64, limit: i64) -> Statement {
        Statement::new(
            &format!(
                "UPDATE notices SET due_at = ?1 + ?2 WHERE id IN \
                 (SELECT id FROM notices WHERE due_at <= ?1 AND at >= ?4 ORDER BY due_at LIMIT ?3) \
                 RETURNING {NOTICE_COLUMNS}"
            ),
            args![now, resend_after, limit, kept_since],
        )
    }

    /// Makes the notices of `ids` (a JSON array) due at `now`: the queue refused them.
    pub fn due_now(ids: &str, now: i64) -> Statement {
        Statement::new("UPDATE notices SET due_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))", args![ids, now])
    }

    /// Forgets the notices of `ids` (a JSON array): every delivery of them is queued.
    pub fn forget(ids: &str) -> Statement {
        Statement::new("DELETE FROM notices WHERE id IN (SELECT value FROM json_each(?1))", args![ids])
    }

    /// Drops up to `limit` notices of events before `cutoff` (older than the webhooks'
    /// retry window: a delivery of them would come too late to be of use); returns their ids.
    pub fn drop_stale(cutoff: i64, limit: i64) -> Statement {
        Statement::new(
            "DELETE FROM notices WHERE id IN (SELECT id FROM notices WHERE at < ?1 ORDER BY at LIMIT ?2) RETURNING id",
            args![cutoff, limit],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, NoticeRow};
    use crate::db::Db;
    use crate::error::ApiError;

    impl Db {
        /// Claims up to `limit` notices due at `now` (of events since `kept_since`) until
        /// `resend_after` from now.
        pub async fn claim_due_notices(
            &self,
            now: i64,
            kept_since: i64,
            resend_after: i64,
            limit: i64,
        ) -> Result<Vec<NoticeRow>, ApiError> {
            self.run(sql::claim_due(now, kept_since, resend_after, limit)).await?.all()
        }

        /// Forgets the notices of `ids`, whose deliveries are all queued.
        pub async fn forget_notices(&self, ids: &[&str]) -> Result<(), ApiError> {
            if ids.is_empty() {
                return Ok(());
            }
            self.run(sql::forget(&ids_json(ids)?)).await.map(drop)
        }

        /// Makes the notices of `ids` due at `now`, for the next sweep: the queue refused them.
        pub async fn notices_due_now(&self, ids: &[&str], now: i64) -> Result<(), ApiError> {
            if ids.is_empty() {
                return Ok(());
            }
            self.run(sql::due_now(&ids_json(ids)?, now)).await.map(drop)
        }

        /// Drops up to `limit` notices of events before `cutoff`; returns how many.
        pub async fn drop_stale_notices(&self, cutoff: i64, limit: i64) -> Result<usize, ApiError> {
            Ok(self.run(sql::drop_stale(cutoff, limit)).await?.all::<serde_json::Value>()?.len())
        }
    }

    fn ids_json(ids: &[&str]) -> Result<String, ApiError> {
        serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let notice = NewNotice { id: "n", owner: "u", event: "file.uploaded", data: "{}", at: 0, due_at: 0 };
    vec![
        sql::keep_when(&notice, "EXISTS (SELECT 1 FROM files WHERE id = ?8)", args!["f"]),
        sql::claim_due(0, 0, 1, 10),
        sql::forget(r#"["n"]"#),
        sql::due_now(r#"["n"]"#, 0),
        sql::drop_stale(0, 10),
    ]
}

#[cfg(test)]
mod tests {
    use super::sql::{claim_due, drop_stale, forget, keep_when};
    use super::NewNotice;
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, schema, texts};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("notices.rs"));
        assert_no_table_scans(&super::samples());
    }

    /// Users `u` (file `f`, a live webhook hearing `file.uploaded`, a disabled one hearing
    /// `file.deleted`) and `v` (no webhooks).
    fn accounts() -> rusqlite::Connection {
        let db = schema();
        db.execute_batch(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@example.com', 'x', 0), \
             ('v', 'v@example.com', 'x', 0); \
             INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
             updated_at) VALUES ('f', 'u', 'n', 'n', '/', 0, 'text/plain', 'k', 0, 0); \
             INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at, disabled_at) VALUES \
             ('live', 'u', 'https://a', 'file.uploaded share.accessed', 's', 0, NULL), \
             ('off', 'u', 'https://b', 'file.deleted', 's', 1, 5);",
        )
        .unwrap();
        db
    }

    fn notice<'a>(id: &'a str, owner: &'a str, event: &'a str, at: i64) -> NewNotice<'a> {
        NewNotice { id, owner, event, data: r#"{"file_id":"f"}"#, at, due_at: at }
    }

    /// Keeps `notice` on the condition that file `f` exists; the ids kept.
    fn keep(db: &rusqlite::Connection, notice: &NewNotice<'_>) -> Vec<String> {
        texts(db, &keep_when(notice, "EXISTS (SELECT 1 FROM files WHERE id = ?8)", args!["f"]))
    }

    fn kept(db: &rusqlite::Connection) -> Vec<String> {
        let mut statement = db.prepare("SELECT id || ' due ' || due_at FROM notices ORDER BY id").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_notice_is_kept_only_when_a_live_webhook_of_its_account_hears_it() {
        let db = accounts();
        assert_eq!(keep(&db, &notice("heard", "u", "file.uploaded", 1)), ["heard"]);
        assert!(keep(&db, &notice("disabled", "u", "file.deleted", 1)).is_empty());
        assert!(keep(&db, &notice("nobody", "v", "file.uploaded", 1)).is_empty());
        assert!(keep(&db, &notice("part", "u", "file", 1)).is_empty(), "whole event names only");
        let unless = keep_when(
            &notice("unless", "u", "file.uploaded", 1),
            "EXISTS (SELECT 1 FROM files WHERE id = ?8)",
            args!["gone"],
        );
        assert!(texts(&db, &unless).is_empty(), "only when its condition holds");
        // A retry of the same keep changes nothing.
        assert!(keep(&db, &NewNotice { due_at: 9, ..notice("heard", "u", "file.uploaded", 1) }).is_empty());
        assert_eq!(kept(&db), ["heard due 1"]);
    }

    #[test]
    fn a_sweep_claims_the_due_notices_soonest_first_and_holds_them_until_it_would_send_again() {
        let db = accounts();
        for (id, at) in [("c", 30), ("a", 10), ("b", 20), ("later", 100)] {
            keep(&db, &notice(id, "u", "file.uploaded", at));
        }
        assert_eq!(texts(&db, &claim_due(50, 0, 300, 2)), ["a", "b"]);
        assert_eq!(texts(&db, &claim_due(50, 0, 300, 2)), ["c"], "a claimed notice is not due again at once");
        assert!(texts(&db, &claim_due(60, 0, 300, 10)).is_empty());
        assert_eq!(kept(&db), ["a due 350", "b due 350", "c due 350", "later due 100"]);
        let mut again = texts(&db, &claim_due(350, 0, 300, 10));
        again.sort();
        assert_eq!(again, ["a", "b", "c", "later"], "a sweep that did not get them out holds them only so long");
        // Past their keeping time they are left to be dropped, never sent.
        assert!(texts(&db, &claim_due(700, 101, 300, 10)).is_empty());
    }

    #[test]
    fn notices_go_once_delivered_or_once_older_than_the_retry_window() {
        let db = accounts();
        for (id, at) in [("old", 10), ("older", 5), ("new", 100), ("sent", 100)] {
            keep(&db, &notice(id, "u", "file.uploaded", at));
        }
        execute(&db, &forget(r#"["sent","unknown"]"#));
        let mut dropped = texts(&db, &drop_stale(50, 10));
        dropped.sort();
        assert_eq!(dropped, ["old", "older"]);
        assert_eq!(kept(&db), ["new due 100"]);
        db.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM files; DELETE FROM users WHERE id = 'u';").unwrap();
        assert!(kept(&db).is_empty(), "an account's notices go with it");
    }
}
