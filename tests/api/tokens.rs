//! Personal access tokens: scripts get a token of their own, limited to what its scopes
//! allow, shown once and stored only as a hash, which ends when revoked, when it expires, or
//! when its owner logs out everywhere.

use crate::harness::{Client, Stack, User};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;

/// Creates a token of `user` with `scopes`; returns its creation answer.
async fn create(user: &User, name: &str, scopes: &[&str], expires_in: Option<i64>) -> Value {
    let answer = user
        .client
        .post_json("/auth/tokens", &json!({ "name": name, "scopes": scopes, "expires_in": expires_in }))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

fn client_of(user: &User, created: &Value) -> Client {
    user.client.with_token(created["token"].as_str())
}

/// Every signed-in operation with a path for `file` (of the token's owner) and the scope it
/// needs (`None`: password sessions only).
fn operations(file: &str) -> Vec<(Method, String, Option<&'static str>, Option<Value>)> {
    let unknown = "0123456789abcdef0123456789abcdef";
    vec![
        (Method::GET, "/auth/me".into(), None, None),
        (Method::POST, "/auth/tokens".into(), None, Some(json!({ "name": "x", "scopes": ["files:read"] }))),
        (Method::GET, "/auth/tokens".into(), None, None),
        (Method::DELETE, format!("/auth/tokens/{unknown}"), None, None),
        (Method::GET, "/folders".into(), Some("files:read"), None),
        (Method::GET, "/files".into(), Some("files:read"), None),
        (Method::GET, format!("/files/{file}"), Some("files:read"), None),
        (Method::GET, format!("/files/{file}/download"), Some("files:read"), None),
        (Method::POST, "/files/upload?name=t.txt".into(), Some("files:write"), None),
        (Method::PATCH, format!("/files/{file}"), Some("files:write"), Some(json!({ "name": "renamed.txt" }))),
        (Method::POST, "/files/uploads".into(), Some("files:write"), Some(json!({ "name": "d.bin", "size": 3 }))),
        (Method::GET, format!("/files/uploads/{unknown}"), Some("files:write"), None),
        (Method::GET, format!("/files/uploads/{unknown}/parts"), Some("files:write"), None),
        (Method::POST, format!("/files/uploads/{unknown}/complete"), Some("files:write"), Some(json!({ "parts": [] }))),
        (Method::DELETE, format!("/files/uploads/{unknown}"), Some("files:write"), None),
        (Method::POST, format!("/files/{file}/share"), Some("shares:write"), Some(json!({}))),
        (Method::GET, format!("/files/{file}/shares"), Some("shares:write"), None),
        (
            Method::PATCH,
            format!("/files/{file}/shares/{unknown}"),
            Some("shares:write"),
            Some(json!({ "max_downloads": 3 })),
        ),
        (Method::GET, format!("/files/{file}/shares/{unknown}/accesses"), Some("shares:write"), None),
        (Method::DELETE, format!("/files/{file}/shares/{unknown}"), Some("shares:write"), None),
        (Method::POST, "/requests".into(), Some("shares:write"), Some(json!({ "folder": "/inbox" }))),
        (Method::GET, "/requests".into(), Some("shares:write"), None),
        (Method::PATCH, format!("/requests/{unknown}"), Some("shares:write"), Some(json!({ "max_files": 3 }))),
        (Method::DELETE, format!("/requests/{unknown}"), Some("shares:write"), None),
        // Last: it deletes the file the others name.
        (Method::DELETE, format!("/files/{file}"), Some("files:write"), None),
    ]
}

async fn call(client: &Client, method: &Method, path: &str, body: &Option<Value>) -> crate::harness::Answer {
    let builder = client.request(method.clone(), path);
    let builder = match body {
        Some(body) => builder.json(body),
        None if path.starts_with("/files/upload?") => builder.header("content-type", "text/plain").body("hi"),
        None => builder,
    };
    client.send(builder).await
}

#[tokio::test]
async fn every_route_takes_exactly_the_tokens_whose_scopes_allow_it() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let all = ["files:read", "files:write", "shares:write"];
    for scope in all {
        let token = client_of(&user, &create(&user, scope, &[scope], None).await);
        let file = user.client.upload("scoped.txt", "/", b"scoped").await["id"].as_str().unwrap().to_owned();
        for (method, path, needed, body) in operations(&file) {
            let answer = call(&token, &method, &path, &body).await;
            if needed == Some(scope) {
                assert!(
                    answer.status < 400 || matches!(answer.status, 404 | 409 | 422),
                    "{scope} token on {method} {path}: {} {}",
                    answer.status,
                    answer.text()
                );
            } else {
                let problem = answer.problem(403, "insufficient_scope");
                assert!(problem["detail"].as_str().unwrap().len() > 10, "{method} {path}");
            }
        }
        user.client.delete(&format!("/files/{file}")).await;
    }
    // A token with every scope still cannot manage tokens, sessions or the account.
    let token = client_of(&user, &create(&user, "everything", &all, None).await);
    let file = user.client.upload("all.txt", "/", b"all").await["id"].as_str().unwrap().to_owned();
    for (method, path, needed, body) in operations(&file) {
        let answer = call(&token, &method, &path, &body).await;
        if needed.is_none() {
            answer.problem(403, "insufficient_scope");
        } else {
            assert_ne!(answer.status, 403, "{method} {path}: {}", answer.text());
            assert_ne!(answer.status, 401, "{method} {path}: {}", answer.text());
        }
    }
    token.delete("/auth/sessions").await.problem(403, "insufficient_scope");
    assert_eq!(user.client.get("/auth/me").await.status, 200, "the password session goes on");
}

#[tokio::test]
async fn a_token_is_shown_once_listed_without_its_secret_and_stored_as_its_sha256() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let created = create(&user, "backup script", &["files:read", "files:write"], Some(3600)).await;
    let secret = created["token"].as_str().unwrap();
    assert!(secret.starts_with("edp_"), "{secret}");
    let payload = URL_SAFE_NO_PAD.decode(&secret[4..]).unwrap();
    assert_eq!(payload.len(), 65, "session, user, scopes and 32 random bytes");
    assert_eq!(created["name"], "backup script");
    assert_eq!(created["scopes"], json!(["files:read", "files:write"]));
    assert!(created["expires_at"].is_string() && created["last_used_at"].is_null(), "{created}");
    let other = create(&user, "other", &["files:read"], None).await;
    assert_ne!(other["token"], created["token"]);
    assert!(other["expires_at"].is_null(), "no expiry: {other}");

    let listed = user.client.get("/auth/tokens").await;
    assert_eq!(listed.status, 200);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["id"], created["id"]);
    for item in &items {
        assert!(item.get("token").is_none(), "no secret in the list: {item}");
    }
    assert!(!listed.text().contains(&secret[4..20]), "nothing of the secret is listed");

    // Used: last_used_at is set (once a minute at most, so a second use keeps it).
    let token = user.client.with_token(Some(secret));
    assert_eq!(token.get("/files").await.status, 200);
    assert_eq!(token.get("/files").await.status, 200);
    let items = user.client.get("/auth/tokens").await.json()["items"].clone();
    let used = items.as_array().unwrap().iter().find(|t| t["id"] == created["id"]).unwrap().clone();
    assert!(used["last_used_at"].is_string(), "{used}");

    // The database holds the SHA-256 of the token and nothing of the token itself.
    let hash = crate::harness::hex(&sha2::Sha256::digest(secret.as_bytes()));
    let rows = stack.d1_rows("SELECT token_hash, name, scopes FROM sessions WHERE token_hash IS NOT NULL");
    assert!(rows.iter().any(|row| row[0] == hash && row[1] == "backup script"), "{rows:?}");
    let dump = stack.d1_rows("SELECT * FROM sessions").concat().join(" ");
    assert!(!dump.contains(&secret[4..]), "the secret is not stored");
}

#[tokio::test]
async fn revoking_expiry_logout_everywhere_and_tampering_end_a_token() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let created = create(&user, "revoked", &["files:read"], None).await;
    let token = client_of(&user, &created);
    assert_eq!(token.get("/files").await.status, 200);
    let id = created["id"].as_str().unwrap();
    assert_eq!(user.client.delete(&format!("/auth/tokens/{id}")).await.status, 204);
    token.get("/files").await.problem(401, "not_authenticated");
    user.client.delete(&format!("/auth/tokens/{id}")).await.problem(404, "token_not_found");
    user.client.delete("/auth/tokens/not-an-id").await.problem(404, "token_not_found");

    // Another user cannot revoke it.
    let stranger = stack.user().await;
    let kept = create(&user, "kept", &["files:read"], None).await;
    let kept_id = kept["id"].as_str().unwrap();
    stranger.client.delete(&format!("/auth/tokens/{kept_id}")).await.problem(404, "token_not_found");
    assert_eq!(client_of(&user, &kept).get("/files").await.status, 200);

    // Its scopes or user edited: the hash matches nothing.
    let secret = kept["token"].as_str().unwrap();
    let mut payload = URL_SAFE_NO_PAD.decode(&secret[4..]).unwrap();
    payload[32] = 7;
    let widened = format!("edp_{}", URL_SAFE_NO_PAD.encode(&payload));
    user.client
        .with_token(Some(&widened))
        .post_json("/files/0123456789abcdef0123456789abcdef/share", &json!({}))
        .await
        .problem(401, "not_authenticated");
    let mut payload = URL_SAFE_NO_PAD.decode(&secret[4..]).unwrap();
    payload[16..32].copy_from_slice(&hex_bytes(&stranger.id));
    let moved = format!("edp_{}", URL_SAFE_NO_PAD.encode(&payload));
    user.client.with_token(Some(&moved)).get("/files").await.problem(401, "not_authenticated");
    user.client.with_token(Some("edp_short")).get("/files").await.problem(401, "not_authenticated");

    // Expiry.
    let brief = client_of(&user, &create(&user, "brief", &["files:read"], Some(1)).await);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    brief.get("/files").await.problem(401, "not_authenticated");

    // Logging out with the token ends it (and only it).
    let leaving = client_of(&user, &create(&user, "leaving", &["files:read"], None).await);
    assert_eq!(leaving.delete("/auth/session").await.status, 204);
    leaving.get("/files").await.problem(401, "not_authenticated");
    assert_eq!(client_of(&user, &kept).get("/files").await.status, 200);

    // Logging out everywhere ends every token too.
    assert_eq!(user.client.delete("/auth/sessions").await.status, 204);
    client_of(&user, &kept).get("/files").await.problem(401, "not_authenticated");
}

#[tokio::test]
async fn token_requests_are_validated() {
    let stack = Stack::shared();
    let user = stack.user().await;
    for (body, field) in [
        (json!({ "scopes": ["files:read"] }), "name"),
        (json!({ "name": "", "scopes": ["files:read"] }), "name"),
        (json!({ "name": "a\u{7}b", "scopes": ["files:read"] }), "name"),
        (json!({ "name": "x".repeat(101), "scopes": ["files:read"] }), "name"),
        (json!({ "name": "a\u{202e}b", "scopes": ["files:read"] }), "name"),
        (json!({ "name": "n" }), "scopes"),
        (json!({ "name": "n", "scopes": [] }), "scopes"),
        (json!({ "name": "n", "scopes": ["admin"] }), "scopes"),
        (json!({ "name": "n", "scopes": "files:read" }), "scopes"),
        (json!({ "name": "n", "scopes": ["files:read"], "expires_in": 0 }), "expires_in"),
        (json!({ "name": "n", "scopes": ["files:read"], "expires_in": 1.5 }), "expires_in"),
    ] {
        let answer = user.client.post_json("/auth/tokens", &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}
