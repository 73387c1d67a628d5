//! Registering, logging in, and seeing one's own account.

use crate::harness::{unique, Stack};
use serde_json::json;

#[tokio::test]
async fn a_new_user_registers_logs_in_and_sees_an_empty_account() {
    let stack = Stack::shared();
    let email = format!("Ada.{}@Example.com", unique());
    let anonymous = stack.client();

    let created = anonymous.post_json("/auth/register", &json!({ "email": email, "password": "correct horse" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let account = created.json();
    assert_eq!(account["email"], email);
    assert_eq!(account["id"].as_str().unwrap().len(), 32);
    assert!(account["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(account.get("password_hash").is_none() && account.get("password").is_none());

    let login = anonymous
        .post_json("/auth/login", &json!({ "email": email.to_lowercase(), "password": "correct horse" }))
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let token = login.json();
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);

    let me = anonymous.with_token(token["access_token"].as_str()).get("/auth/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(
        me.json(),
        json!({
            "id": account["id"],
            "email": email,
            "created_at": account["created_at"],
            "file_count": 0,
            "used_bytes": 0,
            "pending_bytes": 0,
            "quota_bytes": 10u64 << 30,
            "is_admin": false
        })
    );
}

#[tokio::test]
async fn swagger_style_form_login_works_too() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let form = format!(
        "grant_type=password&username={}&password={}",
        crate::harness::encode(&user.email),
        crate::harness::encode(&user.password)
    );
    let login = stack.client().post_bytes("/auth/login", "application/x-www-form-urlencoded", form.into_bytes()).await;
    assert_eq!(login.status, 200, "{}", login.text());
    let token = login.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(stack.client().with_token(Some(&token)).get("/auth/me").await.json()["email"], user.email);
}

#[tokio::test]
async fn an_email_can_only_register_once_whatever_its_case() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let again = stack
        .client()
        .post_json("/auth/register", &json!({ "email": user.email.to_uppercase(), "password": "another password" }))
        .await;
    again.problem(409, "email_taken");
}

#[tokio::test]
async fn registration_refuses_bad_emails_and_passwords_by_field() {
    let stack = Stack::shared();
    let client = stack.client();
    let good = format!("ok-{}@example.com", unique());
    for (body, field) in [
        (json!({ "email": "not-an-email", "password": "long enough" }), "email"),
        (json!({ "email": good, "password": "short" }), "password"),
        (json!({ "email": good, "password": "x".repeat(1025) }), "password"),
        (json!({ "email": good }), "password"),
        (json!({ "email": 42, "password": "long enough" }), "email"),
        (json!(["email", "password"]), "body"),
    ] {
        let answer = client.post_json("/auth/register", &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    // None of that created the account.
    let login = client.post_json("/auth/login", &json!({ "email": good, "password": "long enough" })).await;
    login.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let stack = Stack::shared();
    let answer = stack.client().post_bytes("/auth/register", "application/json", b"{\"email\": ".to_vec()).await;
    answer.problem(400, "malformed_json");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let client = stack.client();
    let wrong = client.post_json("/auth/login", &json!({ "email": user.email, "password": "not the password" })).await;
    let unknown = client
        .post_json(
            "/auth/login",
            &json!({ "email": format!("nobody-{}@example.com", unique()), "password": "whatever123" }),
        )
        .await;
    assert_eq!(wrong.problem(401, "invalid_credentials"), unknown.problem(401, "invalid_credentials"));
}

#[tokio::test]
async fn oversized_json_bodies_are_refused_before_reading_them() {
    let stack = Stack::shared();
    let huge = format!(r#"{{"email":"a@b.io","password":"{}"}}"#, "x".repeat(70 * 1024));
    let answer = stack.client().post_bytes("/auth/register", "application/json", huge.into_bytes()).await;
    answer.problem(413, "payload_too_large");
}

#[tokio::test]
async fn the_three_ways_of_writing_zoe_are_one_account() {
    let stack = Stack::shared();
    let client = stack.client();
    let u = unique();
    // "é" as one code point, its capital, and "e" followed by a combining acute accent: three
    // spellings of one address that people cannot tell apart.
    let composed = format!("zo\u{e9}.{u}@Example.io");
    let capitals = format!("ZO\u{c9}.{}@EXAMPLE.IO", u.to_uppercase());
    let decomposed = format!("zoe\u{301}.{u}@example.io");
    let password = "correct horse battery";

    let created = client.post_json("/auth/register", &json!({ "email": composed, "password": password })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let account = created.json();
    assert_eq!(account["email"], composed, "the address is shown as typed");
    for taken in [&capitals, &decomposed] {
        let again =
            client.post_json("/auth/register", &json!({ "email": taken, "password": "another password" })).await;
        again.problem(409, "email_taken");
    }

    for spelling in [&composed, &capitals, &decomposed] {
        let login = client.post_json("/auth/login", &json!({ "email": spelling, "password": password })).await;
        assert_eq!(login.status, 200, "{spelling:?}: {}", login.text());
        let me = client.with_token(login.json()["access_token"].as_str()).get("/auth/me").await.json();
        assert_eq!((&me["id"], &me["email"]), (&account["id"], &account["email"]), "{spelling:?}");
    }
    let wrong = client.post_json("/auth/login", &json!({ "email": decomposed, "password": "not the password" })).await;
    wrong.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn full_case_folding_makes_strasse_and_straße_one_address() {
    let stack = Stack::shared();
    let u = unique();
    let created = stack
        .client()
        .post_json(
            "/auth/register",
            &json!({ "email": format!("stra\u{df}e.{u}@example.de"), "password": "long enough" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let again = stack
        .client()
        .post_json("/auth/register", &json!({ "email": format!("STRASSE.{u}@example.de"), "password": "long enough" }))
        .await;
    again.problem(409, "email_taken");
}
