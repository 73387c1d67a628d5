//! Malformed requests: each gets a clear 4xx and changes nothing.

use crate::harness::{encode, Stack, User};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `head` and `body` over a plain TCP connection, closes the sending side, and reads
/// whatever comes back: requests no HTTP client library would send.
async fn raw_request(stack: &Stack, head: &str, body: &[u8]) -> String {
    let address = stack.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn upload_head(user: &User, content_length: usize) -> String {
    format!(
        "POST /files/upload?name=lying.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: text/plain\r\nContent-Length: {content_length}\r\n\r\n",
        user.client.token.as_deref().unwrap()
    )
}

/// No quota stays reserved for the failed upload. The Worker cleans up after the failed
/// request has been answered, so this waits a little for it.
async fn nothing_pending(user: &User) {
    let mut me = serde_json::Value::Null;
    for _ in 0..50 {
        me = user.client.get("/auth/me").await.json();
        if me["pending_bytes"] == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("a reservation is left: {me}");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_stores_nothing() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let answer = raw_request(stack, &upload_head(&user, 1000), &[b'x'; 10]).await;
    let status_line = answer.lines().next().unwrap_or_default().to_owned();
    assert!(!status_line.contains(" 201 ") && !status_line.is_empty(), "{answer}");
    // wrangler dev's own proxy answers this one (500, "Network connection lost"): the
    // client stopped sending, so no answer of the Worker's could be meant for it. What
    // matters is that nothing of it was kept.
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    assert!(stack.objects_of(&user.id).is_empty());
    nothing_pending(&user).await;
}

#[tokio::test]
async fn a_body_longer_than_its_content_length_is_cut_at_the_declared_length() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let answer = raw_request(stack, &upload_head(&user, 5), b"12345GET /auth/me HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    // HTTP frames the body by its Content-Length: the file is the declared five bytes,
    // and what followed was never an upload of this user.
    let files = user.client.get("/files").await.json();
    assert_eq!(files["items"].as_array().unwrap().len(), 1);
    assert_eq!(files["items"][0]["size"], 5);
    let link = user.client.get(&format!("/files/{}/download", files["items"][0]["id"].as_str().unwrap())).await.json();
    assert_eq!(user.client.fetch(link["url"].as_str().unwrap()).await.body, b"12345");
    nothing_pending(&user).await;
}

#[tokio::test]
async fn an_upload_form_without_a_body_is_refused_and_stores_nothing() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let empty = user.client.post_bytes("/files/upload", "multipart/form-data; boundary=x", Vec::new()).await;
    assert_eq!(empty.problem(422, "validation_error")["field"], "file");
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    nothing_pending(&user).await;
}

#[tokio::test]
async fn overlong_and_control_character_names_and_folders_are_refused() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("ok.txt", "/", b"x").await;
    let path = format!("/files/{}", file["id"].as_str().unwrap());
    let long_segment = format!("/{}", "a".repeat(256));
    let long_folder = "/abcdefgh".repeat(114);
    for (body, field) in [
        (json!({ "name": "n".repeat(256) }), "name"),
        (json!({ "name": "é".repeat(128) }), "name"),
        (json!({ "name": "nul\u{0}" }), "name"),
        (json!({ "name": "c1\u{9b}" }), "name"),
        (json!({ "folder": long_segment }), "folder"),
        (json!({ "folder": long_folder }), "folder"),
        (json!({ "folder": "/a\u{0}b" }), "folder"),
    ] {
        let answer = user.client.patch_json(&path, &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field);
    }
    assert_eq!(user.client.get(&path).await.json(), file, "nothing changed");
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_refused_field_by_field() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("ok.txt", "/", b"x").await;
    let share_path = format!("/files/{}/share", file["id"].as_str().unwrap());
    for (body, status) in
        [(&b"not json"[..], 400), (b"{\"max_downloads\": }", 400), (b"[]", 422), (b"\"text\"", 422), (b"42", 422)]
    {
        let answer = user.client.post_bytes(&share_path, "application/json", body.to_vec()).await;
        assert_eq!(answer.status, status, "{}", String::from_utf8_lossy(body));
        assert_eq!(answer.header("content-type").as_deref(), Some("application/problem+json"));
    }
    let invalid_utf8 =
        user.client.post_bytes(&share_path, "application/json", b"{\"password\": \"\xff\xfe\"}".to_vec()).await;
    invalid_utf8.problem(400, "malformed_json");
    assert!(user.client.get(&format!("{share_path}s")).await.json()["items"].as_array().unwrap().is_empty());
}

/// The bidirectional formatting characters (Unicode's Bidi_Control), which make a name
/// show as something else: "invoice\u{202E}fdp.exe" reads as "invoiceexe.pdf".
const BIDI_CONTROLS: [char; 12] = [
    '\u{61C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

#[tokio::test]
async fn names_folders_and_emails_with_bidirectional_controls_are_refused_everywhere() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let file = c.upload("ok.txt", "/", b"x").await;
    let path = format!("/files/{}", file["id"].as_str().unwrap());
    let form = |parts: &[(&str, &str)], file_name: &str| {
        let mut form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name(file_name.to_owned()));
        for (name, value) in parts {
            form = form.text(name.to_string(), value.to_string());
        }
        form
    };
    for control in BIDI_CONTROLS {
        let name = format!("invoice{control}fdp.exe");
        let folder = format!("/bills/{control}2026");
        let refusals = [
            (c.post_bytes(&format!("/files/upload?name={}", encode(&name)), "text/plain", b"x".to_vec()).await, "name"),
            (
                c.post_bytes(
                    &format!("/files/upload?name=a.txt&folder={}", encode(&folder)),
                    "text/plain",
                    b"x".to_vec(),
                )
                .await,
                "folder",
            ),
            (c.upload_form(form(&[], &name)).await, "file"),
            (c.upload_form(form(&[("name", &name)], "a.txt")).await, "name"),
            (c.upload_form(form(&[("folder", &folder)], "a.txt")).await, "folder"),
            (c.patch_json(&path, &json!({ "name": name })).await, "name"),
            (c.patch_json(&path, &json!({ "folder": folder })).await, "folder"),
            (c.post_json("/files/uploads", &json!({ "name": name, "size": 1 })).await, "name"),
            (c.post_json("/files/uploads", &json!({ "name": "a.txt", "size": 1, "folder": folder })).await, "folder"),
            (c.get(&format!("/folders?parent={}", encode(&folder))).await, "parent"),
            (
                stack
                    .client()
                    .post_json(
                        "/auth/register",
                        &json!({ "email": format!("eve{control}@example.com"), "password": "long enough" }),
                    )
                    .await,
                "email",
            ),
        ];
        for (answer, field) in refusals {
            assert_eq!(answer.problem(422, "validation_error")["field"], field, "U+{:04X}", control as u32);
        }
    }
    assert_eq!(c.get(&path).await.json(), file, "nothing changed");
    assert_eq!(c.get("/files").await.json()["items"].as_array().unwrap().len(), 1, "nothing was stored");
    assert!(stack.objects_of(&user.id).len() == 1);
}
