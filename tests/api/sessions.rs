//! Sessions end when their owner says so: logging out ends one session at once, wherever
//! its token was copied to; logging out everywhere ends them all; and a token that names no
//! live session of its user is refused, on every signed-in route.

use crate::harness::{Answer, Client, Stack, User};
use crate::web::{cookie_upload, log_in, with_cookie, CSRF};
use crate::{claims_of, forge_token, now};
use reqwest::Method;
use serde_json::json;

/// A second, independent login of `user`: a new bearer token.
async fn another_login(stack: &Stack, user: &User) -> Client {
    let login =
        stack.client().post_json("/auth/login", &json!({ "email": user.email, "password": user.password })).await;
    assert_eq!(login.status, 200, "{}", login.text());
    stack.client().with_token(login.json()["access_token"].as_str())
}

/// The answers a client gets from the signed-in routes that read: the profile, the
/// listing, one file and its download (the one-statement path).
async fn reads(client: &Client, file_id: &str) -> Vec<Answer> {
    vec![
        client.get("/auth/me").await,
        client.get("/files").await,
        client.get(&format!("/files/{file_id}")).await,
        client.get(&format!("/files/{file_id}/download")).await,
    ]
}

#[track_caller]
fn all_ok(answers: &[Answer]) {
    for answer in answers {
        assert_eq!(answer.status, 200, "{}", answer.text());
    }
}

#[track_caller]
fn all_refused(answers: &[Answer]) {
    for answer in answers {
        answer.problem(401, "not_authenticated");
        assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"));
    }
}

#[tokio::test]
async fn logging_out_of_the_web_app_ends_a_copied_cookie_at_once_but_not_other_logins() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("notes.txt", "/", b"mine").await;
    let browser = stack.client();
    let cookie = log_in(&browser, &user.email, &user.password).await;
    // Someone copies the cookie's value (a shared computer, a leaked HAR file, ...).
    let thief = stack.client();
    assert_eq!(with_cookie(&thief, Method::GET, "/auth/me", &cookie, false).await.status, 200);

    // Logging out with the cookie is a change like any other: another site cannot do it.
    with_cookie(&browser, Method::DELETE, "/auth/session", &cookie, false).await.problem(403, "csrf_rejected");
    assert_eq!(with_cookie(&thief, Method::GET, "/auth/me", &cookie, false).await.status, 200);

    let out = with_cookie(&browser, Method::DELETE, "/auth/session", &cookie, true).await;
    assert_eq!(out.status, 204, "{}", out.text());
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));

    // The copy is dead at once, for reading and for changing anything.
    for path in ["/auth/me", "/files", &format!("/files/{}/download", file["id"].as_str().unwrap())] {
        with_cookie(&thief, Method::GET, path, &cookie, false).await.problem(401, "not_authenticated");
    }
    cookie_upload(&thief, &cookie, &[CSRF]).await.problem(401, "not_authenticated");
    assert_eq!(user.client.get("/files").await.json()["items"].as_array().unwrap().len(), 1, "nothing was stored");
    // The bearer token of the user's other login is another session: it keeps working.
    all_ok(&reads(&user.client, file["id"].as_str().unwrap()).await);
    // Logging out again is no error, and a fresh login works.
    assert_eq!(with_cookie(&browser, Method::DELETE, "/auth/session", &cookie, true).await.status, 204);
    let again = log_in(&browser, &user.email, &user.password).await;
    assert_eq!(with_cookie(&browser, Method::GET, "/auth/me", &again, false).await.status, 200);
}

#[tokio::test]
async fn an_api_client_logs_its_token_out_and_it_stops_working_on_the_download_path_too() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("report.pdf", "/", b"%PDF").await;
    let id = file["id"].as_str().unwrap();
    let laptop = another_login(stack, &user).await;
    all_ok(&reads(&laptop, id).await);

    let out = laptop.delete("/auth/session").await;
    assert_eq!(out.status, 204, "{}", out.text());
    all_refused(&reads(&laptop, id).await);
    laptop.upload_form(reqwest::multipart::Form::new().text("x", "y")).await.problem(401, "not_authenticated");
    // The first login's token is untouched.
    all_ok(&reads(&user.client, id).await);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user_and_no_one_elses() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("a.txt", "/", b"a").await;
    let id = file["id"].as_str().unwrap();
    let phone = another_login(stack, &user).await;
    let browser = stack.client();
    let cookie = log_in(&browser, &user.email, &user.password).await;
    let stranger = stack.user().await;
    let theirs = stranger.client.upload("b.txt", "/", b"b").await;

    // Riding on the cookie, it is a change like any other: it needs the CSRF header.
    with_cookie(&browser, Method::DELETE, "/auth/sessions", &cookie, false).await.problem(403, "csrf_rejected");
    all_ok(&reads(&phone, id).await);

    let out = phone.delete("/auth/sessions").await;
    assert_eq!(out.status, 204, "{}", out.text());
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    all_refused(&reads(&phone, id).await);
    all_refused(&reads(&user.client, id).await);
    with_cookie(&browser, Method::GET, "/auth/me", &cookie, false).await.problem(401, "not_authenticated");
    phone.delete("/auth/sessions").await.problem(401, "not_authenticated");

    // Other people stay signed in, and the user can log in again.
    all_ok(&reads(&stranger.client, theirs["id"].as_str().unwrap()).await);
    all_ok(&reads(&another_login(stack, &user).await, id).await);
}

#[tokio::test]
async fn tokens_that_name_no_live_session_of_their_user_are_refused() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let other = stack.user().await;
    let file = user.client.upload("a.txt", "/", b"a").await;
    let id = file["id"].as_str().unwrap();
    let real = claims_of(user.client.token.as_deref().unwrap());
    let sid = real["sid"].as_str().expect("a token names its session").to_owned();
    assert_eq!(sid.len(), 32, "{real}");
    assert!(sid.bytes().all(|b| b.is_ascii_hexdigit()), "{real}");

    let token = |claims: serde_json::Value| user.client.with_token(Some(&forge_token("HS256", &claims)));
    let (iat, exp) = (now(), now() + 600);
    // Signed with the server's key, in date, but without a session, with one that does not
    // exist, or with this user's session under another user's name.
    for claims in [
        json!({ "sub": user.id, "iat": iat, "exp": exp }),
        json!({ "sub": user.id, "sid": "0123456789abcdef0123456789abcdef", "iat": iat, "exp": exp }),
        json!({ "sub": user.id, "sid": "not an id", "iat": iat, "exp": exp }),
        json!({ "sub": other.id, "sid": sid, "iat": iat, "exp": exp }),
    ] {
        all_refused(&reads(&token(claims.clone()), id).await);
    }
    // The same claims with the user's own live session work: the refusals are about the session.
    all_ok(&reads(&token(json!({ "sub": user.id, "sid": sid, "iat": iat, "exp": exp })), id).await);
    // Once that session ends, a token naming it is refused, however it was made.
    assert_eq!(user.client.delete("/auth/session").await.status, 204);
    all_refused(&reads(&token(json!({ "sub": user.id, "sid": sid, "iat": iat, "exp": exp })), id).await);
}

#[tokio::test]
async fn the_sweeper_runs_with_sessions_about_and_keeps_the_live_ones() {
    // Its own stack: the sweep must not catch other tests' uploads in flight.
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    let second = another_login(&stack, &user).await;
    stack.run_scheduled().await;
    // A statement of the sweep that D1 refused would be logged as a failed sweep.
    let log = stack.worker_log_with("sweep failed").await;
    assert!(!log.contains("sweep failed"), "{log}");
    assert_eq!(user.client.get("/auth/me").await.status, 200, "live sessions are kept");
    assert_eq!(second.get("/auth/me").await.status, 200);
}
