use super::*;

#[test]
fn rows_become_views_with_rfc3339_times() {
    let row = FileRow {
        id: "f".into(),
        name: "a.txt".into(),
        folder: "/".into(),
        size: 3,
        content_type: "text/plain".into(),
        created_at: 0,
        updated_at: 1000,
        expires_at: None,
    };
    let view = FileView::from(row);
    assert_eq!(
        (view.created_at.as_str(), view.updated_at.as_str()),
        ("1970-01-01T00:00:00.000Z", "1970-01-01T00:00:01.000Z")
    );
    let json = serde_json::to_value(&view).unwrap();
    assert!(json.get("object_key").is_none(), "the bucket key is never shown");
}

#[test]
fn a_share_shows_its_token_only_when_given_one() {
    let row = ShareRow {
        id: "s".into(),
        kind: "file".into(),
        file_id: Some("f".into()),
        folder: None,
        name: None,
        created_at: 0,
        expires_at: None,
        max_downloads: Some(3),
        download_count: 1,
        protected: 1,
    };
    let json = serde_json::to_value(ShareView::from(row)).unwrap();
    assert_eq!(json["password_protected"], true);
    assert!(json.get("token").is_none() && json.get("url").is_none());
    assert_eq!(json["expires_at"], serde_json::Value::Null);
}

#[test]
fn folders_are_named_by_their_last_segment() {
    let folder = FolderView::at("/a/b c".into());
    assert_eq!((folder.path.as_str(), folder.name.as_str()), ("/a/b c", "b c"));
}
