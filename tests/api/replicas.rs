//! Read replicas: every answer carries the bookmark of its D1 session, and a client that
//! sends it back reads from at least that point, so it always sees its own writes.

use crate::harness::Stack;
use crate::web::{log_in, with_cookie};
use reqwest::Method;

const BOOKMARK: &str = "x-edgedrop-bookmark";

#[tokio::test]
async fn a_client_sending_back_its_bookmark_reads_its_own_writes() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let upload = user
        .client
        .send(
            user.client
                .request(Method::POST, "/files/upload?name=fresh.txt&folder=/")
                .header("content-type", "application/octet-stream")
                .body(b"just written".to_vec()),
        )
        .await;
    assert_eq!(upload.status, 201, "{}", upload.text());
    let written = upload.header(BOOKMARK).expect("a write answers with its bookmark");
    assert!(!written.is_empty());

    let listed = user.client.send(user.client.request(Method::GET, "/files").header(BOOKMARK, &written)).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(listed.json()["items"][0]["name"], "fresh.txt");
    assert!(listed.header(BOOKMARK).is_some_and(|b| !b.is_empty()), "a read answers with one too");

    // Something that is not a bookmark is ignored, not an error.
    let odd = user.client.send(user.client.request(Method::GET, "/files").header(BOOKMARK, "first-primary; x")).await;
    assert_eq!(odd.status, 200, "{}", odd.text());
}

#[tokio::test]
async fn the_web_app_carries_its_bookmark_in_a_cookie() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let browser = stack.client();
    let session = log_in(&browser, &user.email, &user.password).await;
    let me = with_cookie(&browser, Method::GET, "/auth/me", &session, false).await;
    assert_eq!(me.status, 200, "{}", me.text());
    let cookies: Vec<_> = me.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let bookmark = cookies.iter().find(|c| c.starts_with("__Host-edgedrop-bookmark=")).expect("a bookmark cookie");
    assert!(bookmark.contains("HttpOnly") && bookmark.contains("Secure") && bookmark.contains("SameSite=Strict"));
    let value = bookmark.split(';').next().unwrap();
    let again = with_cookie(&browser, Method::GET, "/files", &format!("{session}; {value}"), false).await;
    assert_eq!(again.status, 200, "{}", again.text());
}
