//! The access log's statements and the migration that numbered it, on the real schema in SQLite.

use super::{sql, Visit};
use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, migrations, plan, schema};
use crate::domain::shares::AccessLogPolicy;

#[test]
fn every_statement_is_sampled_and_none_scans_a_table() {
    assert_samples_complete(include_str!("../shares.rs"));
    assert_no_table_scans(&super::samples());
}

const MINUTE: i64 = 60_000;

/// A share `id` (of a file of its own) whose token hash is `token of {id}`; `legacy` in a
/// schema from before 0010 (whose links name no owner).
fn insert_share(db: &rusqlite::Connection, id: &str, legacy: bool) {
    let (columns, owner) = if legacy { ("", "") } else { ("owner_id, ", "'u', ") };
    db.execute_batch(&format!(
        "INSERT OR IGNORE INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@example.com', 'x', 0); \
         INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
         updated_at) VALUES ('file {id}', 'u', 'n', 'n', '/', 0, 'text/plain', 'key {id}', 0, 0); \
         INSERT INTO shares (id, {columns}file_id, token_hash, created_at) \
         VALUES ('{id}', {owner}'file {id}', 'token of {id}', 0);"
    ))
    .unwrap();
}

fn add_share(db: &rusqlite::Connection, id: &str) {
    insert_share(db, id, false);
}

/// Logs a visit to share `share` (made by `add_share`) from `ip` at `now`, keeping at
/// most `max_entries`; `bad` for a wrong password.
fn visit(db: &rusqlite::Connection, share: &str, ip: &str, now: i64, max_entries: i64, bad: bool) {
    let agent = format!("{ip} at {now}");
    let log = AccessLogPolicy { max_entries, repeat_window_millis: MINUTE };
    let visit = Visit { ip_hash: ip, user_agent: &agent, now, log };
    let token_hash = format!("token of {share}");
    let statements = if bad {
        sql::log_bad_password(&token_hash, &visit)
    } else {
        sql::log_visit(&token_hash, &visit, None, super::Asking::OwnFile)
    };
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
    let [entry, trim] = <[_; 2]>::try_from(sql::log_visit("h", &visit, None, super::Asking::OwnFile)).unwrap();
    let entry = plan(&db, &entry.sql).join("\n");
    assert!(entry.contains("share_accesses_by_client (share_id=? AND ip_hash=? AND outcome=? AND at>?)"), "{entry}");
    assert!(entry.contains("COVERING INDEX share_accesses_by_number (share_id=?)"), "{entry}");
    let trim = plan(&db, &trim.sql).join("\n");
    assert!(trim.contains("share_accesses_by_number (share_id=? AND seq<?)"), "{trim}");
}

#[test]
fn a_visits_notice_says_what_it_got_and_is_kept_only_for_a_listener() {
    let db = schema();
    add_share(&db, "limited");
    add_share(&db, "unheard");
    db.execute_batch(
        "UPDATE shares SET max_downloads = 1 WHERE id = 'limited'; \
         INSERT INTO users (id, email, password_hash, created_at) VALUES ('v', 'v@example.com', 'x', 0); \
         UPDATE shares SET owner_id = 'v' WHERE id = 'unheard'; \
         INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at) \
         VALUES ('w', 'u', 'https://a', 'share.accessed', 's', 0);",
    )
    .unwrap();
    let log = AccessLogPolicy { max_entries: 1000, repeat_window_millis: MINUTE };
    // Each visit as `visit_share` batches it: its notice, then the count.
    let visit = |share: &str, notice: &str, asking: super::Asking<'_>| -> Vec<String> {
        let visit = Visit { ip_hash: notice, user_agent: "agent", now: 10, log };
        let token_hash = format!("token of {share}");
        let kept =
            crate::db::testing::texts(&db, &sql::keep_visit_notice(&token_hash, &visit, None, asking, notice, 99));
        crate::db::testing::texts(&db, &sql::count_download(&token_hash, 10, None, asking));
        kept
    };
    assert_eq!(visit("limited", "first", super::Asking::OwnFile), ["first"]);
    assert_eq!(visit("limited", "second", super::Asking::OwnFile), ["second"], "refused, still heard");
    let outside = crate::model::Id::parse("0123456789abcdef0123456789abcdef").unwrap();
    assert!(visit("limited", "outside", super::Asking::File(&outside)).is_empty(), "a 404 is no visit");
    assert!(visit("unheard", "nobody", super::Asking::OwnFile).is_empty(), "no webhook of its owner hears it");
    let mut statement = db.prepare("SELECT id, owner_id, data, at, due_at FROM notices ORDER BY at, id").unwrap();
    let kept: Vec<(String, String, String, i64, i64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let data = |outcome: &str| format!(r#"{{"file_id":"file limited","share_id":"limited","outcome":"{outcome}"}}"#);
    assert_eq!(
        kept,
        [
            ("first".into(), "u".into(), data("ok"), 10, 99),
            ("second".into(), "u".into(), data("limit_reached"), 10, 99)
        ]
    );
}

#[test]
fn the_migration_numbers_existing_logs_and_keeps_their_newest_thousand() {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    let (before, after): (Vec<_>, Vec<_>) =
        migrations().into_iter().partition(|m| m.file_name().is_some_and(|n| *n.to_string_lossy() < *"0006"));
    for migration in before {
        db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
    }
    insert_share(&db, "long", true);
    insert_share(&db, "short", true);
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
