//! Finding, renaming, moving, downloading and deleting one's files.

use crate::harness::{encode, Stack};
use serde_json::{json, Value};
use std::collections::HashSet;

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_user_finds_files_by_folder_and_by_name() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    c.upload("Quarterly Report.pdf", "/work", b"q").await;
    c.upload("notes.txt", "/work/2026", b"n").await;
    c.upload("ÉTÉ photos.zip", "/holidays", b"p").await;
    c.upload("readme.md", "/", b"r").await;
    c.upload("sibling.txt", "/workshop", b"s").await;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(names(&c.get("/files?folder=/work").await.json()), ["Quarterly Report.pdf"]);
    assert_eq!(
        sorted(names(&c.get("/files?folder=/work&recursive=true").await.json())),
        ["Quarterly Report.pdf", "notes.txt"]
    );
    assert_eq!(names(&c.get("/files?folder=/").await.json()), ["readme.md"]);
    assert_eq!(names(&c.get("/files?folder=/&recursive=true").await.json()).len(), 5);
    assert_eq!(names(&c.get("/files?q=REPORT").await.json()), ["Quarterly Report.pdf"]);
    assert_eq!(names(&c.get(&format!("/files?q={}", encode("été"))).await.json()), ["ÉTÉ photos.zip"]);
    assert!(names(&c.get("/files?q=nothing-like-this").await.json()).is_empty());
    // A search is literal: SQL wildcards match only themselves.
    assert!(names(&c.get("/files?q=%25").await.json()).is_empty());
}

#[tokio::test]
async fn listing_pages_through_everything_exactly_once_in_every_order() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let sizes = [5usize, 1, 4, 1, 3, 2, 9];
    for (i, size) in sizes.iter().enumerate() {
        c.upload(&format!("file-{}.bin", (b'g' - i as u8) as char), "/", &vec![b'x'; *size]).await;
    }
    for (sort, order) in [
        ("created_at", "desc"),
        ("created_at", "asc"),
        ("name", "asc"),
        ("name", "desc"),
        ("size", "asc"),
        ("size", "desc"),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/files?limit=2&sort={sort}&order={order}");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={}", encode(cursor)));
            }
            let page = c.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.text());
            let page = page.json();
            pages += 1;
            seen.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 4, "{sort} {order}");
        let ids: HashSet<_> = seen.iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), sizes.len(), "{sort} {order}: every file exactly once");
        let key = |f: &Value| match sort {
            "size" => json!(f["size"]),
            "name" => json!(f["name"].as_str().unwrap().to_lowercase()),
            _ => json!(f["created_at"]),
        };
        let keys: Vec<_> = seen.iter().map(key).collect();
        let mut expected = keys.clone();
        expected.sort_by(|a, b| {
            let ord = match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.as_str().unwrap().cmp(b.as_str().unwrap()),
            };
            if order == "desc" {
                ord.reverse()
            } else {
                ord
            }
        });
        assert_eq!(keys, expected, "{sort} {order}");
    }
}

#[tokio::test]
async fn pages_stay_stable_when_files_arrive_mid_listing() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    for name in ["a", "b", "c", "d"] {
        c.upload(name, "/", b"1").await;
    }
    let first = c.get("/files?limit=2").await.json();
    assert_eq!(names(&first), ["d", "c"]);
    c.upload("e", "/", b"1").await;
    let cursor = encode(first["next_cursor"].as_str().unwrap());
    let second = c.get(&format!("/files?limit=2&cursor={cursor}")).await.json();
    assert_eq!(names(&second), ["b", "a"]);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_listing_parameters_are_422_naming_the_parameter() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    c.upload("x", "/", b"1").await;
    c.upload("y", "/", b"1").await;
    let cursor = c.get("/files?limit=1").await.json()["next_cursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=-5", "limit"),
        ("limit=many", "limit"),
        ("sort=owner_id", "sort"),
        ("order=sideways", "order"),
        ("folder=no-slash", "folder"),
        ("folder=/a/../b", "folder"),
        ("recursive=maybe", "recursive"),
        (&format!("cursor={}", encode(&tampered)), "cursor"),
        (&format!("sort=size&cursor={}", encode(&cursor)), "cursor"),
    ] {
        let answer = c.get(&format!("/files?{query}")).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{query}");
    }
    assert_eq!(names(&c.get(&format!("/files?limit=1&cursor={}", encode(&cursor))).await.json()), ["x"]);
}

#[tokio::test]
async fn a_user_renames_and_moves_a_file() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let file = c.upload("draft.txt", "/inbox", b"text").await;
    let id = file["id"].as_str().unwrap();

    let renamed = c.patch_json(&format!("/files/{id}"), &json!({ "name": "final.txt" })).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["folder"], "/inbox");
    let moved = c.patch_json(&format!("/files/{id}"), &json!({ "folder": "/archive/2026" })).await.json();
    assert_eq!((moved["name"].as_str(), moved["folder"].as_str()), (Some("final.txt"), Some("/archive/2026")));
    assert!(moved["updated_at"].as_str() >= file["updated_at"].as_str());
    assert_eq!(moved["created_at"], file["created_at"]);
    assert_eq!(names(&c.get("/files?q=final").await.json()), ["final.txt"]);

    for (body, field) in [
        (json!({ "name": "a/b" }), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "bell\u{7}.txt" }), "name"),
        (json!({ "folder": "relative" }), "folder"),
        (json!({ "folder": "/trailing/" }), "folder"),
        (json!({ "name": 7 }), "name"),
    ] {
        let answer = c.patch_json(&format!("/files/{id}"), &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    assert_eq!(c.get(&format!("/files/{id}")).await.json(), moved);
}

#[tokio::test]
async fn a_download_link_serves_the_exact_bytes_as_an_attachment() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let file = user.client.upload("data.bin", "/", &bytes).await;
    let id = file["id"].as_str().unwrap();

    let link = user.client.get(&format!("/files/{id}/download")).await;
    assert_eq!(link.status, 200);
    assert_eq!(link.header("cache-control").as_deref(), Some("no-store"));
    let url = link.json()["url"].as_str().unwrap().to_owned();
    assert!(url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=300"), "{url}");
    let downloaded = user.client.fetch(&url).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.body, bytes);
    assert_eq!(downloaded.header("content-type").as_deref(), Some("application/octet-stream"));

    let redirect = user.client.get(&format!("/files/{id}/download?redirect=true")).await;
    assert_eq!(redirect.status, 302);
    assert_eq!(user.client.fetch(&redirect.header("location").unwrap()).await.body, bytes);

    // The URL's signature covers every parameter: change one, and the bucket refuses it.
    let tampered = url.replace("response-content-type=application%2Foctet-stream", "response-content-type=text%2Fhtml");
    assert_ne!(tampered, url);
    assert_eq!(user.client.fetch(&tampered).await.status, 403);
}

#[tokio::test]
async fn awkward_file_names_come_back_exactly_in_content_disposition() {
    let stack = Stack::shared();
    let user = stack.user().await;
    for name in [
        "quote\"d.txt",
        "semi;colon.txt",
        "back\\slash.txt",
        "naïve résumé.pdf",
        "日本語のファイル.txt",
        "100% done.txt",
    ] {
        let file = user.client.upload(name, "/", b"x").await;
        assert_eq!(file["name"], name);
        let link = user.client.get(&format!("/files/{}/download", file["id"].as_str().unwrap())).await.json();
        let downloaded = user.client.fetch(link["url"].as_str().unwrap()).await;
        assert_eq!(downloaded.status, 200);
        let disposition = downloaded.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
        let exact = disposition.split("filename*=UTF-8''").nth(1).unwrap();
        assert_eq!(percent_decode(exact), name, "{disposition}");
        let fallback = disposition.split('"').nth(1).unwrap();
        assert!(fallback.is_ascii() && !fallback.contains('\\'), "{disposition}");
    }
    for bad in ["tab\there.txt", "nul\u{0}.txt", "line\nbreak.txt", "esc\u{1b}.txt", "del\u{7f}.txt"] {
        let answer =
            user.client.post_bytes(&format!("/files/upload?name={}", encode(bad)), "text/plain", b"x".to_vec()).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], "name", "{bad:?}");
    }
    assert_eq!(user.client.get("/auth/me").await.json()["file_count"], 6);
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn deleting_a_file_removes_its_bytes_and_its_shares() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let keep = c.upload("keep.txt", "/", b"keep").await;
    let file = c.upload("gone.txt", "/", b"gone!").await;
    let id = file["id"].as_str().unwrap();
    let share = c.post_json(&format!("/files/{id}/share"), &json!({})).await.json();
    assert_eq!(stack.objects_of(&user.id).len(), 2);

    let deleted = c.delete(&format!("/files/{id}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    c.get(&format!("/files/{id}")).await.problem(404, "file_not_found");
    c.delete(&format!("/files/{id}")).await.problem(404, "file_not_found");
    stack.client().get(&format!("/share/{}", share["token"].as_str().unwrap())).await.problem(404, "share_not_found");
    assert_eq!(stack.objects_of(&user.id), [format!("u/{}/{}", user.id, keep["id"].as_str().unwrap())]);
    let me = c.get("/auth/me").await.json();
    assert_eq!((me["file_count"].as_i64(), me["used_bytes"].as_i64()), (Some(1), Some(4)));
}

#[tokio::test]
async fn presigned_links_stop_working_when_they_expire() {
    let stack = Stack::start(&[("DOWNLOAD_URL_TTL_SECONDS", Some("2")), ("SHARE_URL_TTL_SECONDS", Some("2"))]);
    let user = stack.user().await;
    let file = user.client.upload("brief.txt", "/", b"now you see me").await;
    let id = file["id"].as_str().unwrap();
    let url = user.client.get(&format!("/files/{id}/download")).await.json()["url"].as_str().unwrap().to_owned();
    let token = user.client.post_json(&format!("/files/{id}/share"), &json!({})).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = stack.client().get(&format!("/share/{token}")).await.header("location").unwrap();
    assert_eq!(user.client.fetch(&url).await.body, b"now you see me");
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(user.client.fetch(&url).await.status, 403);
    assert_eq!(user.client.fetch(&shared).await.status, 403);
}
