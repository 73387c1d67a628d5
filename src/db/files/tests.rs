use super::sql::{child_folders, list_files};
use crate::db::testing::{assert_no_table_scans, assert_samples_complete, is_table_scan, plan, schema, texts};
use crate::db::SqlArg;
use crate::listing::{Cursor, KeyValue, ListQuery, Order, SortKey};
use crate::model::{FolderPath, Id};

fn owner() -> Id {
    Id::parse("0123456789abcdef0123456789abcdef").unwrap()
}

pub(super) fn query() -> ListQuery {
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
fn every_statement_is_sampled_and_none_scans_a_table() {
    assert_samples_complete(include_str!("../files.rs"));
    assert_no_table_scans(&super::samples());
}

#[test]
fn the_default_listing_is_a_keyset_scan_of_one_owner() {
    let statement = list_files(&owner(), &query(), 0);
    assert_eq!(
        statement.sql,
        "SELECT files.id, files.name, files.folder, files.size, files.content_type, \
         files.created_at, files.updated_at, files.expires_at FROM files WHERE files.owner_id = ? \
         AND (files.expires_at IS NULL OR files.expires_at > ?) ORDER BY files.created_at DESC, files.id DESC LIMIT ?"
    );
    assert_eq!(statement.args, args![&owner(), 0i64, 51i64]);
}

#[test]
fn every_filter_and_the_cursor_bind_their_values_in_order() {
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
    let statement = list_files(&owner(), &q, 0);
    assert!(
        statement.sql.contains("(files.folder = ? OR (files.folder >= ? AND files.folder < ?))"),
        "{}",
        statement.sql
    );
    assert!(statement.sql.contains("files_search MATCH ?"));
    assert!(statement.sql.contains("(files.name_folded, files.id) > (?, ?)"));
    assert!(statement.sql.ends_with("ORDER BY files.name_folded ASC, files.id ASC LIMIT ?"));
    assert_eq!(statement.args, args![r#""report""#, &owner(), 0i64, "/a", "/a/", "/a0", "report", "b", "ff", 11i64]);
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
                        let sql = list_files(&owner(), &query, 0).sql;
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
    assert!(!list_files(&owner(), &q, 0).sql.contains("folder ="));
    let q = ListQuery { folder: Some(FolderPath::root()), ..query() };
    assert!(list_files(&owner(), &q, 0).sql.contains("AND files.folder = ?"));
}

#[test]
fn short_searches_read_the_users_files_and_longer_ones_the_trigram_index() {
    let short = ListQuery { search: Some("ab".into()), ..query() };
    assert!(!list_files(&owner(), &short, 0).sql.contains("files_search"));
    let quoted = ListQuery { search: Some("say \"hi\"".into()), ..query() };
    let statement = list_files(&owner(), &quoted, 0);
    assert_eq!(statement.args[0], SqlArg::Text(r#""say ""hi""""#.into()));
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
        texts(&db, &child_folders(&owner(), &FolderPath::parse(parent, "parent").unwrap(), limit, 0))
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
    let statement = child_folders(&owner(), &FolderPath::parse("/a", "parent").unwrap(), 10, 0);
    let steps = plan(&db, &statement.sql);
    let seeks = steps.iter().filter(|s| s.starts_with("SEARCH files USING COVERING INDEX files_by_owner_tree")).count();
    assert_eq!(seeks, 2, "the first child and each next one: {steps:?}");
    // Whether a child holds a live file: one range of the same index, read until one is found.
    let live = steps.iter().filter(|s| s.starts_with("SEARCH files USING INDEX files_by_owner_tree")).count();
    assert_eq!(live, 1, "{steps:?}");
    assert!(steps.iter().all(|s| !is_table_scan(s) && !s.contains("TEMP B-TREE")), "{steps:?}");
}

#[test]
fn a_folder_whose_files_have_all_expired_is_not_a_child_any_more() {
    let db = schema();
    db.execute(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, 'a@b.io', 'h', 0)",
        [owner().as_str()],
    )
    .unwrap();
    // (folder, expires_at): /gone holds only expired files, deep ones included; /mixed and
    // /kept/deep hold a live one; /later expires after `now`.
    let files = [
        ("/gone", Some(5)),
        ("/gone/deeper", Some(9)),
        ("/mixed", Some(5)),
        ("/mixed", None),
        ("/kept/deep/er", None),
        ("/kept", Some(1)),
        ("/later", Some(11)),
    ];
    for (n, (folder, expires_at)) in files.iter().enumerate() {
        db.execute(
            "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
             created_at, updated_at, expires_at) VALUES (?1, ?2, 'f', 'f', ?3, 1, 'x', ?1, 0, 0, ?4)",
            rusqlite::params![format!("{n:032}"), owner().as_str(), folder, expires_at],
        )
        .unwrap();
    }
    let children = |parent: &str, now| {
        texts(&db, &child_folders(&owner(), &FolderPath::parse(parent, "parent").unwrap(), 100, now))
    };
    assert_eq!(children("/", 10), ["/kept", "/later", "/mixed"]);
    assert!(children("/gone", 10).is_empty(), "expired all the way down");
    assert_eq!(children("/kept", 10), ["/kept/deep"]);
    assert_eq!(children("/", 11), ["/kept", "/mixed"], "a file is gone from the instant it expires");
    assert_eq!(children("/", 4), ["/gone", "/kept", "/later", "/mixed"], "before they expire");
}

/// Runs `statements` in a transaction, as D1 runs a batch; the rows each returned, as JSON.
fn run_batch(db: &rusqlite::Connection, statements: &[crate::db::Statement]) -> Vec<Vec<serde_json::Value>> {
    db.execute_batch("BEGIN").unwrap();
    let results = statements
        .iter()
        .map(|statement| {
            let mut prepared = db.prepare(&statement.sql).unwrap();
            let names: Vec<String> = prepared.column_names().iter().map(|n| n.to_string()).collect();
            let mut rows = prepared.query(rusqlite::params_from_iter(crate::db::testing::values(statement))).unwrap();
            let mut found = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                let object = names.iter().enumerate().map(|(i, name)| {
                    let value = match row.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Integer(n) => serde_json::json!(n),
                        rusqlite::types::ValueRef::Text(t) => serde_json::json!(String::from_utf8_lossy(t)),
                        _ => serde_json::Value::Null,
                    };
                    (name.clone(), value)
                });
                found.push(serde_json::Value::Object(object.collect()));
            }
            found
        })
        .collect();
    db.execute_batch("COMMIT").unwrap();
    results
}

#[test]
fn a_born_file_is_the_row_its_values_predict_and_its_notice_is_kept_once_for_a_listener() {
    use crate::db::notices::NewNotice;
    let db = schema();
    let (file_id, owner) = (Id::parse("fedcba9876543210fedcba9876543210").unwrap(), owner());
    db.execute_batch(&format!(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ('{o}', 'u@example.com', 'x', 0); \
         INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at) \
         VALUES ('w', '{o}', 'https://a', 'file.uploaded file.deleted', 's', 0); \
         INSERT INTO orphan_objects (object_key, sweep_after, owner_id) VALUES ('k', 99, '{o}');",
        o = owner.as_str()
    ))
    .unwrap();
    let file = super::NewFile {
        id: &file_id,
        owner: &owner,
        name: "Report.pdf",
        name_folded: "report.pdf".into(),
        folder: "/work",
        size: 5,
        content_type: "application/pdf",
        object_key: "k",
        now: 1234,
        expires_at: Some(9999),
    };
    let notice = NewNotice { id: "n1", owner: owner.as_str(), event: "file.uploaded", data: "{}", at: 1234, due_at: 7 };
    let results = run_batch(&db, &super::sql::commit_file(&file, None, None, Some(&notice)));
    let born: super::FileRow = serde_json::from_value(results[0][0].clone()).unwrap();
    assert_eq!(born, file.row(), "the notice's data is made from the row before it is born");
    assert_eq!(results[1].len(), 1, "kept: {results:?}");
    assert_eq!(results[1][0]["id"], "n1");
    // The same commit again (a complete whose claim ran out, after a retry bore the file)
    // bears nothing and keeps no second notice.
    let again = NewNotice { id: "n2", ..notice };
    let results = run_batch(&db, &super::sql::commit_file(&file, None, None, Some(&again)));
    assert!(results[0].is_empty() && results[1].is_empty(), "{results:?}");

    let deleted = NewNotice { id: "n3", event: "file.deleted", ..notice };
    let results = run_batch(&db, &super::sql::delete_file(&owner, &file_id, "c", 10, Some(&deleted)));
    let n = results.len();
    assert_eq!((results[n - 2].len(), results[n - 1].len()), (1, 1), "kept, then the row went: {results:?}");
    let results =
        run_batch(&db, &super::sql::delete_file(&owner, &file_id, "c", 10, Some(&NewNotice { id: "n4", ..deleted })));
    assert!(results.iter().all(Vec::is_empty), "no file, no notice: {results:?}");
    let ids: Vec<String> = texts(&db, &crate::db::Statement::new("SELECT id FROM notices ORDER BY id", vec![]));
    assert_eq!(ids, ["n1", "n3"]);
}
