//! Quotas and brute-force protection.

use crate::harness::{fresh_ip, Stack};
use reqwest::multipart::{Form, Part};
use serde_json::json;

#[tokio::test]
async fn a_user_cannot_store_more_than_their_quota_counting_pending_uploads() {
    let stack = Stack::start(&[("QUOTA_BYTES", Some("1000")), ("MULTIPART_THRESHOLD_BYTES", Some("5242880"))]);
    let user = stack.user().await;
    let c = &user.client;
    c.upload("first.bin", "/", &[1; 600]).await;
    let raw = c.post_bytes("/files/upload?name=second.bin", "application/octet-stream", vec![2; 500]).await;
    raw.problem(413, "quota_exceeded");

    let pending = c.post_json("/files/uploads", &json!({ "name": "pending.bin", "size": 300 })).await;
    assert_eq!(pending.status, 201, "{}", pending.text());
    let pending = pending.json();
    c.post_json("/files/uploads", &json!({ "name": "too.bin", "size": 101 })).await.problem(413, "quota_exceeded");
    let form = Form::new().part("file", Part::bytes(vec![3u8; 150]).file_name("form.bin"));
    c.upload_form(form).await.problem(413, "quota_exceeded");
    let me = c.get("/auth/me").await.json();
    assert_eq!(
        (me["used_bytes"].as_i64(), me["pending_bytes"].as_i64(), me["quota_bytes"].as_i64()),
        (Some(600), Some(300), Some(1000))
    );

    // Giving up the pending upload frees its room.
    assert_eq!(c.delete(&format!("/files/uploads/{}", pending["upload_id"].as_str().unwrap())).await.status, 204);
    c.upload("fits.bin", "/", &[4; 400]).await;
    let me = c.get("/auth/me").await.json();
    assert_eq!(
        (me["used_bytes"].as_i64(), me["pending_bytes"].as_i64(), me["file_count"].as_i64()),
        (Some(1000), Some(0), Some(2))
    );
    assert_eq!(stack.objects_of(&user.id).len(), 2, "nothing of the refused uploads was kept");

    // Deleting frees room too.
    let files = c.get("/files").await.json();
    c.delete(&format!("/files/{}", files["items"][0]["id"].as_str().unwrap())).await;
    c.upload("again.bin", "/", &[5; 400]).await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while_but_not_others() {
    let stack = Stack::start(&[]);
    let victim = stack.user().await;
    let bystander = stack.user().await;
    let client = stack.client();
    let attempt = |email: &str, password: &str| {
        let client = client.clone();
        let body = json!({ "email": email, "password": password });
        async move { client.post_json("/auth/login", &body).await }
    };
    for _ in 0..10 {
        attempt(&victim.email, "not the password").await.problem(401, "invalid_credentials");
    }
    let locked = attempt(&victim.email, &victim.password).await;
    locked.problem(429, "rate_limited");
    let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Even the right password waits: the limit is about the account, not the guess.
    attempt(&victim.email, &victim.password).await.problem(429, "rate_limited");
    assert_eq!(attempt(&bystander.email, &bystander.password).await.status, 200);
}

#[tokio::test]
async fn a_share_password_cannot_be_guessed_forever() {
    let stack = Stack::start(&[]);
    let owner = stack.user().await;
    let file = owner.client.upload("vault.txt", "/", b"secret").await;
    let share = owner
        .client
        .post_json(&format!("/files/{}/share", file["id"].as_str().unwrap()), &json!({ "password": "the real one" }))
        .await
        .json();
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let guesser = stack.client();
    let guess = |password: &'static str| {
        let guesser = guesser.clone();
        let public = public.clone();
        async move {
            let request = guesser.request(reqwest::Method::POST, &public).header("accept", "application/json");
            guesser.send(request.json(&json!({ "password": password }))).await
        }
    };
    for _ in 0..10 {
        guess("wrong guess").await.problem(401, "invalid_share_password");
    }
    let limited = guess("the real one").await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn one_client_failing_everywhere_is_slowed_down() {
    let stack = Stack::start(&[]);
    let client = stack.client();
    // 50 failures spread over many accounts, each under its own limit.
    for i in 0..50 {
        let body = json!({ "email": format!("nobody{}@example.com", i % 10), "password": "whatever" });
        client.post_json("/auth/login", &body).await.problem(401, "invalid_credentials");
    }
    let (email, password) = stack.account().await;
    let login = client.post_json("/auth/login", &json!({ "email": email, "password": password })).await;
    login.problem(429, "rate_limited");
}

#[tokio::test]
async fn nobody_can_lock_an_owner_out_by_failing_from_elsewhere() {
    let stack = Stack::start(&[]);
    let victim = stack.user().await;
    let attacker = stack.client_at(&fresh_ip());
    let wrong = json!({ "email": victim.email, "password": "not the password" });
    for _ in 0..10 {
        attacker.post_json("/auth/login", &wrong).await.problem(401, "invalid_credentials");
    }
    // The attacker is slowed down, even with the right password from there...
    let right = json!({ "email": victim.email, "password": victim.password });
    attacker.post_json("/auth/login", &right).await.problem(429, "rate_limited");
    // ...but the owner, from their own client, logs in as always.
    let owner = stack.client_at(&fresh_ip());
    let login = owner.post_json("/auth/login", &right).await;
    assert_eq!(login.status, 200, "{}", login.text());
    let web = owner.request(reqwest::Method::POST, "/auth/session").header("x-edgedrop-csrf", "1").json(&right);
    let session = owner.send(web).await;
    assert_eq!(session.status, 200, "the web app signs them in too: {}", session.text());
}
