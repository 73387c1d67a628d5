//! What a collection link holds, checked on the real schema in SQLite, and how the statements
//! find it (plans).

use super::sql::{folder_items, insert_files_share, member_items};
use super::{samples, ItemsAfter};
use crate::db::shares::sql::{count_download, shared_file};
use crate::db::shares::{Asking, NewShare, ShareTarget};
use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, plan, schema, values};
use crate::model::Id;
use rusqlite::Connection;

#[test]
fn every_statement_is_sampled_and_none_scans_a_table() {
    assert_samples_complete(include_str!("../collections.rs"));
    assert_no_table_scans(&samples());
}

/// Runs `statement`: how many rows it returned (with RETURNING) or changed (without).
fn run(db: &Connection, statement: &crate::db::Statement) -> usize {
    if !statement.sql.contains("RETURNING") {
        return execute(db, statement);
    }
    let mut prepared = db.prepare(&statement.sql).unwrap();
    let mut rows = prepared.query(rusqlite::params_from_iter(values(statement))).unwrap();
    let mut count = 0;
    while rows.next().unwrap().is_some() {
        count += 1;
    }
    count
}

fn user(db: &Connection, id: &str) {
    db.execute("INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?1, 'x', 0)", [id]).unwrap();
}

/// Adds file `id` of `owner` in `folder` (named after its id), expiring at `expires_at`.
fn file(db: &Connection, owner: &str, id: &str, folder: &str, expires_at: Option<i64>) {
    db.execute(
        "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
         updated_at, expires_at) VALUES (?1, ?2, ?1, ?1, ?3, 1, 'text/plain', 'k' || ?1, 0, 0, ?4)",
        rusqlite::params![id, owner, folder, expires_at],
    )
    .unwrap();
}

/// A folder link `token` of `owner` to `folder`.
fn folder_link(db: &Connection, owner: &str, token: &str, folder: &str) {
    db.execute(
        "INSERT INTO shares (id, owner_id, kind, folder, name, token_hash, created_at) \
         VALUES (?1, ?2, 'folder', ?3, 'n', ?1, 0)",
        [token, owner, folder],
    )
    .unwrap();
}

/// The id of the file a visit to link `token` asking for `file` finds (at time 10).
fn resolved(db: &Connection, token: &str, file: &str) -> Option<String> {
    let id = Id::from_trusted(file.into());
    let statement = shared_file(token, Some(&id), 10);
    db.query_row(&statement.sql, rusqlite::params_from_iter(values(&statement)), |row| {
        row.get::<_, Option<String>>("file_id")
    })
    .ok()
    .flatten()
}

/// Every item of link `token`, walked a page of `page` rows at a time (at time 10).
fn all_items(db: &Connection, token: &str, kind: &str, page: i64) -> Vec<String> {
    let mut after: Option<ItemsAfter> = None;
    let mut seen = Vec::new();
    loop {
        let statement = if kind == "folder" {
            folder_items(token, 10, after.as_ref(), page)
        } else {
            member_items(token, 10, after.as_ref(), page)
        };
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let rows: Vec<(String, String, String)> = prepared
            .query_map(rusqlite::params_from_iter(values(&statement)), |r| {
                Ok((r.get("id")?, r.get("folder")?, r.get("name_folded")?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let Some((id, folder, name_folded)) = rows.last().cloned() else { return seen };
        seen.extend(rows.into_iter().map(|(id, folder, _)| format!("{folder}:{id}")));
        after = Some(ItemsAfter { folder, name_folded, id });
    }
}

/// One user's files in a tree with the usual traps around `/a`, another user's file in `/a`,
/// and an expired one.
fn tree() -> Connection {
    let db = schema();
    user(&db, "u");
    user(&db, "other");
    for (id, folder) in [
        ("top", "/"),
        ("a1", "/a"),
        ("a2", "/a"),
        ("ab", "/a/b"),
        ("abc", "/a/b/c"),
        ("sibling", "/ab"),
        ("dash", "/a-b"),
        ("dot", "/a.b"),
        ("zero", "/a0"),
        ("upper", "/A"),
    ] {
        file(&db, "u", id, folder, None);
    }
    file(&db, "u", "old", "/a", Some(10));
    file(&db, "u", "later", "/a", Some(11));
    file(&db, "other", "theirs", "/a", None);
    folder_link(&db, "u", "link-a", "/a");
    folder_link(&db, "u", "link-root", "/");
    db
}

#[test]
fn a_folder_link_holds_its_folder_and_what_is_below_and_nothing_beside_it() {
    let db = tree();
    for inside in ["a1", "a2", "ab", "abc", "later"] {
        assert_eq!(resolved(&db, "link-a", inside).as_deref(), Some(inside), "{inside}");
    }
    for outside in ["top", "sibling", "dash", "dot", "zero", "upper", "theirs", "old", "nothing"] {
        assert_eq!(resolved(&db, "link-a", outside), None, "{outside} is not in /a");
    }
    assert_eq!(resolved(&db, "link-root", "dash").as_deref(), Some("dash"));
    assert_eq!(resolved(&db, "link-root", "theirs"), None, "only the owner's files");
    assert_eq!(resolved(&db, "no-such-link", "a1"), None);

    // Live: a file moved out leaves the link at once, one moved in joins it.
    db.execute("UPDATE files SET folder = '/ab' WHERE id = 'a1'", []).unwrap();
    db.execute("UPDATE files SET folder = '/a/new' WHERE id = 'sibling'", []).unwrap();
    assert_eq!(resolved(&db, "link-a", "a1"), None);
    assert_eq!(resolved(&db, "link-a", "sibling").as_deref(), Some("sibling"));
}

#[test]
fn a_folder_links_pages_list_exactly_its_subtree_in_order_and_skip_expired_files() {
    let db = tree();
    let expected = ["/a:a1", "/a:a2", "/a:later", "/a/b:ab", "/a/b/c:abc"];
    for page in [1, 2, 50] {
        assert_eq!(all_items(&db, "link-a", "folder", page), expected, "pages of {page}");
    }
    let everything = all_items(&db, "link-root", "folder", 3);
    assert_eq!(everything.len(), 11, "all of the owner's unexpired files: {everything:?}");
    assert_eq!(everything[0], "/:top");
    assert!(all_items(&db, "link-a", "files", 10).is_empty(), "a folder link has no members");
}

#[test]
fn a_files_link_is_made_only_of_the_owners_unexpired_files_and_holds_only_them() {
    let db = tree();
    let (owner, id) = (Id::from_trusted("u".into()), Id::from_trusted("set".into()));
    let share = |id| NewShare {
        id,
        target: ShareTarget::Files { ids: &[], name: "n" },
        owner: &owner,
        token_hash: id.as_str(),
        now: 10,
        expires_at: None,
        max_downloads: None,
        password_hash: None,
    };
    let create = |share: &NewShare<'_>, ids: &str, count| {
        insert_files_share(share, ids, count, "n").iter().map(|s| run(&db, s)).collect::<Vec<_>>()
    };
    let refused = Id::from_trusted("refused".into());
    assert_eq!(create(&share(&refused), r#"["a1","theirs"]"#, 2), [0, 0], "another user's file");
    assert_eq!(create(&share(&refused), r#"["a1","old"]"#, 2), [0, 0], "an expired file");
    assert_eq!(create(&share(&refused), r#"["a1","nothing"]"#, 2), [0, 0], "no such file");
    assert_eq!(create(&share(&id), r#"["a1","dash","abc"]"#, 3), [1, 3]);
    for member in ["a1", "dash", "abc"] {
        assert_eq!(resolved(&db, "set", member).as_deref(), Some(member));
    }
    for other in ["a2", "theirs", "top"] {
        assert_eq!(resolved(&db, "set", other), None);
    }
    // A folder's subtree comes whole before its siblings: `/a/b/c` before `/a-b`.
    assert_eq!(all_items(&db, "set", "files", 2), ["/a:a1", "/a/b/c:abc", "/a-b:dash"]);
    db.execute("UPDATE files SET expires_at = 5 WHERE id = 'dash'", []).unwrap();
    assert_eq!(resolved(&db, "set", "dash"), None, "an expired member is gone");
    assert_eq!(all_items(&db, "set", "files", 2), ["/a:a1", "/a/b/c:abc"]);
}

#[test]
fn a_download_counts_only_for_a_file_the_link_holds() {
    let db = tree();
    let count = |file: &str| {
        let id = Id::from_trusted(file.into());
        run(&db, &count_download("link-a", 10, None, Asking::File(&id)))
    };
    assert_eq!(count("ab"), 1);
    assert_eq!(count("sibling"), 0);
    assert_eq!(count("old"), 0, "expired");
    assert_eq!(run(&db, &count_download("link-a", 10, None, Asking::Everything)), 1, "a download of everything");
    assert_eq!(run(&db, &count_download("link-a", 10, None, Asking::OwnFile)), 0, "a collection has no own file");
    let total: i64 = db.query_row("SELECT download_count FROM shares WHERE id = 'link-a'", [], |r| r.get(0)).unwrap();
    assert_eq!(total, 2);
}

#[test]
fn resolving_a_file_of_a_folder_link_is_primary_key_seeks_whatever_the_folder_holds() {
    let db = schema();
    let id = Id::from_trusted("f".into());
    for statement in [shared_file("h", Some(&id), 0), count_download("h", 0, None, Asking::File(&id))] {
        let steps = plan(&db, &statement.sql);
        assert!(steps.iter().all(|s| !s.starts_with("SCAN") && !s.contains("TEMP B-TREE")), "{steps:?}");
        assert!(
            steps.iter().any(|s| s.contains("USING INDEX sqlite_autoindex_files_1 (id=?)")),
            "the file by its key: {steps:?}"
        );
    }
}

#[test]
fn a_page_of_a_folder_link_is_one_range_of_the_tree_index_read_in_order() {
    let db = schema();
    let after = ItemsAfter { folder: "/a".into(), name_folded: "n".into(), id: "i".into() };
    for after in [None, Some(&after)] {
        let steps = plan(&db, &folder_items("h", 0, after, 50).sql);
        assert!(steps.iter().any(|s| s.contains("USING INDEX files_by_owner_tree (owner_id=?")), "{steps:?}");
        assert!(steps.iter().all(|s| !s.contains("TEMP B-TREE")), "no sort: {steps:?}");
    }
}
