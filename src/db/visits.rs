//! The events consumer's writes (`visit_receipts`, and through them `share_accesses` and
//! `shares.download_count`): a whole queue batch of visits to links without a download
//! limit, written in one D1 batch, each visit at most once however often it is delivered.
//!
//! The batch first records a receipt per visit id, tagged with the consumer batch's own
//! random tag (`INSERT OR IGNORE`: a visit written before keeps its old tag); every later
//! statement acts only on the visits whose receipt carries this tag.

use crate::domain::events::VisitEvent;
use serde_json::json;

/// The JSON array the receipts and notices are inserted from: `[{id, share_id, counts,
/// file_id, outcome, at}]` (one bound parameter however many visits: D1 binds at most 100
/// per statement).
fn visits_json(visits: &[VisitEvent]) -> String {
    let rows: Vec<_> = visits
        .iter()
        .map(|v| {
            json!({
                "id": v.id,
                "share_id": v.share_id,
                "counts": i64::from(v.outcome.counts()),
                "file_id": v.file_id,
                "outcome": v.outcome.as_str(),
                "at": v.at,
            })
        })
        .collect();
    serde_json::Value::from(rows).to_string()
}

/// The JSON array of the visits' ids.
fn ids_json(visits: &[VisitEvent]) -> String {
    serde_json::Value::from(visits.iter().map(|v| v.id.as_str()).collect::<Vec<_>>()).to_string()
}

pub(super) mod sql {
    use super::{ids_json, visits_json};
    use crate::db::Statement;
    use crate::domain::events::VisitEvent;

    /// A receipt for each visit not written before, tagged `batch`; returns the new ones.
    pub fn record_receipts(batch: &str, visits: &[VisitEvent], now: i64) -> Statement {
        Statement::new(
            "INSERT OR IGNORE INTO visit_receipts (id, batch, share_id, counts, at) \
             SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.share_id'), \
             json_extract(value, '$.counts'), ?3 FROM json_each(?2) RETURNING id",
            args![batch, visits_json(visits), now],
        )
    }

    /// The log entry of one visit, if its receipt is this batch's, its link still exists,
    /// and the same client got no entry with the same outcome within `window` of it
    /// (either side: the queue does not keep the visits' order); numbered one past the
    /// link's newest. Each lookup seeks one index.
    pub fn log_visit(batch: &str, visit: &VisitEvent, window: i64) -> Statement {
        Statement::new(
            "INSERT INTO share_accesses (share_id, seq, at, ip_hash, user_agent, outcome) \
             SELECT s.id, coalesce((SELECT a.seq FROM share_accesses a WHERE a.share_id = s.id \
             ORDER BY a.seq DESC LIMIT 1), 0) + 1, ?3, ?4, ?5, ?6 FROM shares s WHERE s.id = ?2 \
             AND EXISTS (SELECT 1 FROM visit_receipts v WHERE v.id = ?1 AND v.batch = ?7) \
             AND NOT EXISTS (SELECT 1 FROM share_accesses r WHERE r.share_id = s.id AND r.ip_hash = ?4 \
             AND r.outcome = ?6 AND r.at > ?3 - ?8 AND r.at < ?3 + ?8)",
            args![
                visit.id.as_str(),
                visit.share_id.as_str(),
                visit.at,
                visit.ip_hash.as_str(),
                visit.user_agent.as_str(),
                visit.outcome.as_str(),
                batch,
                window
            ],
        )
    }

    /// Adds this batch's downloads to each link's count, in one statement.
    pub fn count_downloads(batch: &str, visits: &[VisitEvent]) -> Statement {
        Statement::new(
            "UPDATE shares SET download_count = download_count + (SELECT count(*) FROM visit_receipts r \
             WHERE r.id IN (SELECT value FROM json_each(?2)) AND r.share_id = shares.id AND r.batch = ?1 \
             AND r.counts = 1) \
             WHERE id IN (SELECT r.share_id FROM visit_receipts r WHERE r.id IN (SELECT value FROM json_each(?2)) \
             AND r.batch = ?1 AND r.counts = 1)",
            args![batch, ids_json(visits)],
        )
    }

    /// Drops the entries of link `share`'s log beyond its newest `max_entries`.
    pub fn trim_log(share: &str, max_entries: i64) -> Statement {
        Statement::new(
            "DELETE FROM share_accesses WHERE share_id = ?1 AND seq <= (SELECT a.seq FROM share_accesses a \
             WHERE a.share_id = ?1 ORDER BY a.seq DESC LIMIT 1) - ?2",
            args![share, max_entries],
        )
    }

    /// Keeps a `share.accessed` notice (`notices`, due `due_at`) of each visit of `visits`
    /// this batch wrote now, whose link's owner has a live webhook hearing it; returns the
    /// ids kept. Written in the batch's transaction, so a consumer that dies (or sees D1
    /// fail) after the commit, before it queued the deliveries, leaves them to the sweeper.
    pub fn keep_notices(batch: &str, visits: &[VisitEvent], due_at: i64) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO notices (id, owner_id, event, data, at, due_at) \
                 SELECT r.id, s.owner_id, ?4, json_object('file_id', json_extract(j.value, '$.file_id'), \
                 'share_id', r.share_id, 'outcome', json_extract(j.value, '$.outcome')), \
                 json_extract(j.value, '$.at'), ?3 \
                 FROM json_each(?2) j CROSS JOIN visit_receipts r ON r.id = json_extract(j.value, '$.id') \
                 CROSS JOIN shares s ON s.id = r.share_id WHERE r.batch = ?1 AND {} \
                 ON CONFLICT DO NOTHING RETURNING id",
                crate::db::webhooks::heard("s.owner_id", "?5")
            ),
            args![batch, visits_json(visits), due_at, "share.accessed", crate::db::webhooks::word("share.accessed")],
        )
    }

    /// Forgets up to `limit` receipts written before `cutoff`, oldest first.
    pub fn forget_receipts(cutoff: i64, limit: i64) -> Statement {
        Statement::new(
            "DELETE FROM visit_receipts WHERE id IN \
             (SELECT id FROM visit_receipts WHERE at < ?1 ORDER BY at LIMIT ?2)",
            args![cutoff, limit],
        )
    }
}

/// Receipts forgotten per consumer batch at most: more than a batch writes, so they never
/// pile up, yet a bounded delete.
const FORGET_PER_BATCH: i64 = 1000;

/// What a consumer batch wrote, for the consumer to act on.
#[derive(Debug, Default)]
pub struct RecordedVisits {
    /// How many visits were new (the others had been written by an earlier delivery).
    pub new_visits: usize,
    /// The `share.accessed` notices kept for the new visits (their ids are the visits').
    pub kept_notices: Vec<String>,
    /// The webhooks to deliver each kept notice to.
    pub subscribers: Vec<crate::db::webhooks::VisitSubscriber>,
}

/// The statements of one consumer batch, in order: the receipts (result 0: the new ids),
/// each visit's log entry, the counts, each link's log trimmed, old receipts forgotten, the
/// new visits' notices kept for webhooks (due `notices_due_at`), and (last result) the
/// webhooks that hear of the new visits.
pub(super) fn consume_statements(
    batch: &str,
    visits: &[VisitEvent],
    log: crate::domain::shares::AccessLogPolicy,
    now: i64,
    notices_due_at: i64,
) -> Vec<super::Statement> {
    let mut statements = vec![sql::record_receipts(batch, visits, now)];
    statements.extend(visits.iter().map(|visit| sql::log_visit(batch, visit, log.repeat_window_millis)));
    statements.push(sql::count_downloads(batch, visits));
    let mut shares: Vec<&str> = visits.iter().map(|v| v.share_id.as_str()).collect();
    shares.sort_unstable();
    shares.dedup();
    statements.extend(shares.into_iter().map(|share| sql::trim_log(share, log.max_entries)));
    let cutoff = now.saturating_sub(crate::domain::events::RECEIPT_RETENTION_MILLIS);
    statements.push(sql::forget_receipts(cutoff, FORGET_PER_BATCH));
    statements.push(sql::keep_notices(batch, visits, notices_due_at));
    statements.push(super::webhooks::sql::visit_subscribers(batch, ids_json(visits)));
    statements
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::RecordedVisits;
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::domain::events::VisitEvent;
    use crate::domain::shares::AccessLogPolicy;
    use crate::error::ApiError;

    impl Db {
        /// Writes a queue batch of visits in one transaction (see the module's doc): logs
        /// them, adds their downloads to the counts, keeps every log bounded, and keeps the
        /// new visits' notices for webhooks (due `notices_due_at`).
        pub async fn record_visits(
            &self,
            batch: &str,
            visits: &[VisitEvent],
            log: AccessLogPolicy,
            now: i64,
            notices_due_at: i64,
        ) -> Result<RecordedVisits, ApiError> {
            #[derive(serde::Deserialize)]
            struct Kept {
                id: String,
            }
            if visits.is_empty() {
                return Ok(RecordedVisits::default());
            }
            let results = self.batch(super::consume_statements(batch, visits, log, now, notices_due_at)).await?;
            let last = results.len().saturating_sub(1);
            Ok(RecordedVisits {
                new_visits: at(&results, 0)?.all::<serde_json::Value>()?.len(),
                kept_notices: at(&results, last.saturating_sub(1))?.all::<Kept>()?.into_iter().map(|k| k.id).collect(),
                subscribers: at(&results, last)?.all()?,
            })
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let visit = tests::visit("v", "s", "ip", 0, crate::domain::events::VisitOutcome::Ok);
    vec![
        sql::record_receipts("b", std::slice::from_ref(&visit), 0),
        sql::log_visit("b", &visit, 60_000),
        sql::count_downloads("b", std::slice::from_ref(&visit)),
        sql::trim_log("s", 1000),
        sql::forget_receipts(0, 10),
        sql::keep_notices("b", std::slice::from_ref(&visit), 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::consume_statements;
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, schema};
    use crate::domain::events::{VisitEvent, VisitOutcome};
    use crate::domain::shares::AccessLogPolicy;

    pub(super) fn visit(id: &str, share: &str, ip: &str, at: i64, outcome: VisitOutcome) -> VisitEvent {
        VisitEvent {
            id: id.into(),
            share_id: share.into(),
            file_id: None,
            at,
            ip_hash: ip.into(),
            user_agent: format!("{ip} at {at}"),
            outcome,
        }
    }

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("visits.rs"));
        assert_no_table_scans(&super::samples());
    }

    fn with_shares(ids: &[&str]) -> rusqlite::Connection {
        let db = schema();
        db.execute_batch("PRAGMA foreign_keys = ON; INSERT INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@example.com', 'x', 0);").unwrap();
        for id in ids {
            db.execute_batch(&format!(
                "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                 created_at, updated_at) VALUES ('file {id}', 'u', 'n', 'n', '/', 0, 'text/plain', 'key {id}', 0, 0); \
                 INSERT INTO shares (id, owner_id, file_id, token_hash, created_at) VALUES ('{id}', 'u', 'file {id}', 'h {id}', 0);"
            ))
            .unwrap();
        }
        db
    }

    /// Runs one consumer batch tagged `batch` in a transaction, as D1 does.
    fn consume(db: &rusqlite::Connection, batch: &str, visits: &[VisitEvent], max_entries: i64, now: i64) {
        let log = AccessLogPolicy { max_entries, repeat_window_millis: 60_000 };
        db.execute_batch("BEGIN").unwrap();
        for statement in consume_statements(batch, visits, log, now, now + 5) {
            let mut prepared = db.prepare(&statement.sql).unwrap();
            let mut rows = prepared.query(rusqlite::params_from_iter(crate::db::testing::values(&statement))).unwrap();
            while rows.next().unwrap().is_some() {}
        }
        db.execute_batch("COMMIT").unwrap();
    }

    fn count_and_log(db: &rusqlite::Connection, share: &str) -> (i64, Vec<(i64, String)>) {
        let count = db.query_row("SELECT download_count FROM shares WHERE id = ?", [share], |r| r.get(0)).unwrap();
        let mut statement =
            db.prepare("SELECT seq, user_agent FROM share_accesses WHERE share_id = ? ORDER BY seq").unwrap();
        let log = statement.query_map([share], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        (count, log)
    }

    #[test]
    fn a_batch_counts_and_logs_each_visit_once_however_often_it_comes() {
        let db = with_shares(&["a", "b"]);
        let visits: Vec<_> = (0..10)
            .map(|i| {
                visit(&format!("v{i}"), if i % 2 == 0 { "a" } else { "b" }, &format!("ip{i}"), i, VisitOutcome::Ok)
            })
            .collect();
        consume(&db, "first", &visits, 1000, 100);
        assert_eq!(count_and_log(&db, "a").0, 5);
        assert_eq!(count_and_log(&db, "a").1.len(), 5);
        // The same batch again (a redelivery), then regrouped with new visits.
        consume(&db, "again", &visits, 1000, 200);
        let mut mixed = visits[3..6].to_vec();
        mixed.push(visit("v10", "a", "ip10", 10, VisitOutcome::Ok));
        consume(&db, "mixed", &mixed, 1000, 300);
        let (count, log) = count_and_log(&db, "a");
        assert_eq!((count, log.len()), (6, 6), "{log:?}");
        assert_eq!(count_and_log(&db, "b").0, 5);
        assert_eq!(log.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn refused_visits_are_logged_but_not_counted_and_repeats_within_a_minute_logged_once() {
        let db = with_shares(&["a"]);
        let visits = [
            visit("1", "a", "me", 1000, VisitOutcome::Ok),
            visit("2", "a", "me", 30_000, VisitOutcome::Ok),
            visit("3", "a", "me", 40_000, VisitOutcome::Expired),
            visit("4", "a", "you", 40_000, VisitOutcome::Ok),
            visit("5", "a", "me", 61_000, VisitOutcome::Ok),
        ];
        consume(&db, "b1", &visits, 1000, 0);
        let (count, log) = count_and_log(&db, "a");
        assert_eq!(count, 4, "every download counts, logged or not");
        let agents: Vec<_> = log.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(agents, ["me at 1000", "me at 40000", "you at 40000", "me at 61000"]);
        // Out of order: an earlier visit of a client logged a moment later is a repeat too.
        consume(&db, "b2", &[visit("6", "a", "you", 39_000, VisitOutcome::Ok)], 1000, 0);
        assert_eq!(count_and_log(&db, "a"), (5, log));
    }

    #[test]
    fn logs_stay_bounded_and_a_deleted_link_fails_nothing() {
        let db = with_shares(&["a"]);
        let visits: Vec<_> =
            (0..25).map(|i| visit(&format!("v{i}"), "a", &format!("ip{i}"), i, VisitOutcome::Ok)).collect();
        consume(&db, "b1", &visits, 10, 0);
        let (count, log) = count_and_log(&db, "a");
        assert_eq!((count, log.first().map(|e| e.0), log.len()), (25, Some(16), 10));
        consume(&db, "b2", &[visit("gone", "deleted", "ip", 0, VisitOutcome::Ok)], 10, 0);
        assert_eq!(count_and_log(&db, "a").0, 25);
    }

    #[test]
    fn receipts_are_forgotten_after_their_hour() {
        let db = with_shares(&["a"]);
        consume(&db, "b1", &[visit("old", "a", "ip", 0, VisitOutcome::Ok)], 10, 0);
        let hour = crate::domain::events::RECEIPT_RETENTION_MILLIS;
        consume(&db, "b2", &[visit("new", "a", "ip2", 0, VisitOutcome::Ok)], 10, hour - 1);
        let receipts = |db: &rusqlite::Connection| -> i64 {
            db.query_row("SELECT count(*) FROM visit_receipts", [], |r| r.get(0)).unwrap()
        };
        assert_eq!(receipts(&db), 2);
        consume(&db, "b3", &[visit("newer", "a", "ip3", 0, VisitOutcome::Ok)], 10, hour + 1);
        assert_eq!(receipts(&db), 2, "the first receipt went");
    }

    #[test]
    fn the_new_visits_of_an_owner_with_a_webhook_hearing_them_are_kept_as_notices_once() {
        let db = with_shares(&["a", "b"]);
        db.execute_batch(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('v', 'v@example.com', 'x', 0); \
             UPDATE shares SET owner_id = 'v' WHERE id = 'b'; \
             INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at) VALUES \
             ('w', 'u', 'https://a', 'share.accessed', 's', 0), ('x', 'v', 'https://b', 'file.uploaded', 's', 0);",
        )
        .unwrap();
        let mut first = visit("1", "a", "me", 1000, VisitOutcome::Ok);
        first.file_id = Some("file a".into());
        let visits =
            [first, visit("2", "a", "you", 2000, VisitOutcome::Expired), visit("3", "b", "me", 3000, VisitOutcome::Ok)];
        consume(&db, "b1", &visits, 1000, 10);
        consume(&db, "b2", &visits, 1000, 20);
        let mut statement =
            db.prepare("SELECT id, owner_id, event, data, at, due_at FROM notices ORDER BY id").unwrap();
        let kept: Vec<(String, String, String, String, i64, i64)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let notice = |id: &str, data: &str, at: i64| {
            (id.to_owned(), "u".to_owned(), "share.accessed".to_owned(), data.to_owned(), at, 15)
        };
        assert_eq!(
            kept,
            [
                notice("1", r#"{"file_id":"file a","share_id":"a","outcome":"ok"}"#, 1000),
                notice("2", r#"{"file_id":null,"share_id":"a","outcome":"expired"}"#, 2000),
            ],
            "one per new visit, only where a webhook hears it, none again on redelivery"
        );
    }
}
