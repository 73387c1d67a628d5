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
