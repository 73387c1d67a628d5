//! Accounts people can run: a user changes their password (every earlier token dies) or
//! deletes their account (nothing of it stays, in D1 or the bucket); admins see users and
//! their usage, set one user's quota, disable, enable and delete users, and decide who may
//! sign up (open, by invite, closed). To anyone else the admin's routes do not exist.

use crate::harness::{fresh_ip, unique, Answer, Client, Stack, User};
use serde_json::{json, Value};
use std::sync::OnceLock;

const ADMIN: &str = "root@example.com";
const PASSWORD: &str = "a long enough password";

/// A stack with an admin and sign-up by invite only.
fn invite_stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| Stack::start(&[("ADMIN_EMAILS", Some(ADMIN)), ("SIGNUP", Some("invite"))]))
}

async fn register(stack: &Stack, email: &str, invite: Option<&str>) -> Answer {
    let mut body = json!({ "email": email, "password": PASSWORD });
    if let Some(invite) = invite {
        body["invite"] = json!(invite);
    }
    stack.client().post_json("/auth/register", &body).await
}

async fn log_in(stack: &Stack, email: &str, password: &str) -> Answer {
    stack.client_at(&fresh_ip()).post_json("/auth/login", &json!({ "email": email, "password": password })).await
}

/// A signed-in client of the account `email`.
async fn signed_in(stack: &Stack, email: &str) -> Client {
    let login = log_in(stack, email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text());
    stack.client().with_token(login.json()["access_token"].as_str())
}

/// The admin of `stack`, registered (whatever the sign-up policy) on first use, signed in.
async fn admin(stack: &Stack) -> Client {
    let created = register(stack, ADMIN, None).await;
    assert!(created.status == 201 || created.status == 409, "{}", created.text());
    signed_in(stack, ADMIN).await
}

/// A new user of the invite stack, through an invite.
async fn invited_user(stack: &Stack, admin: &Client) -> User {
    let invite = admin.post_json("/admin/invites", &json!({})).await;
    assert_eq!(invite.status, 201, "{}", invite.text());
    let email = format!("user-{}@example.com", unique());
    let created = register(stack, &email, invite.json()["token"].as_str()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    User {
        id: created.json()["id"].as_str().unwrap().to_owned(),
        client: signed_in(stack, &email).await,
        email,
        password: PASSWORD.to_owned(),
    }
}

fn share_path(token: &str) -> String {
    format!("/share/{token}")
}

async fn share(user: &User, file: &Value) -> String {
    let link = user.client.post_json(&format!("/files/{}/share", file["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(link.status, 201, "{}", link.text());
    link.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_password_change_ends_every_earlier_token_and_the_new_one_works() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let other_login = signed_in(stack, &user.email).await;
    let new_password = "another long password";

    // The wrong current password is refused like a failed login; the rules of registration hold.
    let wrong = json!({ "current_password": "not the password", "new_password": new_password });
    user.client.post_json("/auth/password", &wrong).await.problem(401, "invalid_credentials");
    let short = json!({ "current_password": PASSWORD, "new_password": "short" });
    let problem = user.client.post_json("/auth/password", &short).await.problem(422, "validation_error");
    assert_eq!(problem["field"], "new_password");
    assert_eq!(user.client.get("/auth/me").await.status, 200, "nothing changed");

    let changed = user
        .client
        .post_json("/auth/password", &json!({ "current_password": PASSWORD, "new_password": new_password }))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let body = changed.json();
    assert_eq!(body["token_type"], "bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    let fresh = stack.client().with_token(body["access_token"].as_str());

    // Every token from before is dead, this request's own included; the new one works.
    user.client.get("/auth/me").await.problem(401, "not_authenticated");
    other_login.get("/files").await.problem(401, "not_authenticated");
    assert_eq!(fresh.get("/auth/me").await.status, 200);
    log_in(stack, &user.email, PASSWORD).await.problem(401, "invalid_credentials");
    assert_eq!(log_in(stack, &user.email, new_password).await.status, 200);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_login_limit() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let client = user.client.with_token(user.client.token.as_deref());
    let client = Client { ip: Some(fresh_ip()), ..client };
    let wrong = json!({ "current_password": "not the password", "new_password": "whatever long" });
    let mut limited = None;
    for _ in 0..12 {
        let answer = client.post_json("/auth/password", &wrong).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
        answer.problem(401, "invalid_credentials");
    }
    let limited = limited.expect("the per-account limit (10 per window) stops the guessing");
    limited.problem(429, "rate_limited");
    // Counted per account and client: a login from there is limited too.
    let anonymous = client.with_token(None);
    let login = json!({ "email": user.email, "password": PASSWORD });
    anonymous.post_json("/auth/login", &login).await.problem(429, "rate_limited");
}

#[tokio::test]
async fn deleting_an_account_leaves_no_object_no_link_and_frees_the_email() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let files = [
        user.client.upload("a.txt", "/", b"first").await,
        user.client.upload("b.txt", "/docs", b"second").await,
        user.client.upload("c.txt", "/docs", b"third").await,
    ];
    let links = [share(&user, &files[0]).await, share(&user, &files[1]).await];
    assert_eq!(stack.objects_of(&user.id).len(), 3);

    user.client
        .send(user.client.request(reqwest::Method::DELETE, "/auth/me").json(&json!({ "password": "nope nope" })))
        .await
        .problem(401, "invalid_credentials");
    let deleted = user
        .client
        .send(user.client.request(reqwest::Method::DELETE, "/auth/me").json(&json!({ "password": PASSWORD })));
    let deleted = deleted.await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());

    assert_eq!(stack.objects_of(&user.id), Vec::<String>::new(), "every object is gone from the bucket");
    for token in &links {
        stack.client().get(&share_path(token)).await.problem(404, "share_not_found");
    }
    user.client.get("/auth/me").await.problem(401, "not_authenticated");
    log_in(stack, &user.email, PASSWORD).await.problem(401, "invalid_credentials");
    let again = stack.client().post_json("/auth/register", &json!({ "email": user.email, "password": PASSWORD })).await;
    assert_eq!(again.status, 201, "the email can register again: {}", again.text());
    assert_ne!(again.json()["id"], json!(user.id));
    stack.audit();
}

#[tokio::test]
async fn an_account_deleted_while_the_bucket_is_down_is_cleaned_up_by_the_sweeper() {
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    for name in ["a", "b", "c"] {
        user.client.upload(name, "/", name.as_bytes()).await;
    }
    stack.stop_bucket();
    let deleted = user
        .client
        .send(user.client.request(reqwest::Method::DELETE, "/auth/me").json(&json!({ "password": PASSWORD })));
    assert_eq!(deleted.await.status, 204, "the rows go at once");
    user.client.get("/files").await.problem(401, "not_authenticated");
    stack.restart_bucket();
    assert_eq!(stack.objects_of(&user.id).len(), 3, "the bucket could not be reached");
    stack.audit();
    stack.run_scheduled().await;
    assert_eq!(stack.objects_of(&user.id), Vec::<String>::new(), "the sweeper deleted what was left");
    stack.audit();
}

#[tokio::test]
async fn the_admin_routes_do_not_exist_for_anyone_but_an_admin() {
    let stack = invite_stack();
    let admin = admin(stack).await;
    let user = invited_user(stack, &admin).await;
    let me = user.client.get("/auth/me").await.json();
    assert_eq!(me["is_admin"], false);
    assert_eq!(admin.get("/auth/me").await.json()["is_admin"], true);
    let id = "0123456789abcdef0123456789abcdef";
    let calls: [(reqwest::Method, String); 6] = [
        (reqwest::Method::GET, "/admin/users".into()),
        (reqwest::Method::PATCH, format!("/admin/users/{}", user.id)),
        (reqwest::Method::DELETE, format!("/admin/users/{}", user.id)),
        (reqwest::Method::GET, "/admin/invites".into()),
        (reqwest::Method::POST, "/admin/invites".into()),
        (reqwest::Method::DELETE, format!("/admin/invites/{id}")),
    ];
    for client in [&user.client, &stack.client(), &user.client.with_token(Some("not.a.token"))] {
        for (method, path) in &calls {
            let answer = client.send(client.request(method.clone(), path).json(&json!({ "disabled": true }))).await;
            answer.problem(404, "not_found");
        }
    }
    assert_eq!(user.client.get("/auth/me").await.status, 200, "nothing happened to the user");
    // Nor does another method tell that the path exists.
    user.client.send(user.client.request(reqwest::Method::PUT, "/admin/users")).await.problem(404, "not_found");
}

#[tokio::test]
async fn an_invite_works_once_only_for_its_email_and_not_after_it_is_revoked() {
    let stack = invite_stack();
    let admin = admin(stack).await;
    register(stack, &format!("x-{}@example.com", unique()), None).await.problem(403, "invalid_invite");
    register(stack, &format!("x-{}@example.com", unique()), Some("made-up")).await.problem(403, "invalid_invite");

    let invite = admin.post_json("/admin/invites", &json!({ "expires_in": 3600 })).await;
    assert_eq!(invite.status, 201, "{}", invite.text());
    let invite = invite.json();
    let token = invite["token"].as_str().unwrap();
    assert_eq!(invite["url"], format!("{}/register?invite={token}", stack.base));
    assert_eq!(invite["email"], Value::Null);
    assert_eq!(register(stack, &format!("a-{}@example.com", unique()), Some(token)).await.status, 201);
    register(stack, &format!("b-{}@example.com", unique()), Some(token)).await.problem(403, "invalid_invite");

    // Bound to an email: only that one (in any spelling), and a taken email spends nothing.
    let email = format!("bound-{}@example.com", unique());
    let bound = admin.post_json("/admin/invites", &json!({ "email": email })).await.json();
    let bound_token = bound["token"].as_str().unwrap();
    register(stack, &format!("c-{}@example.com", unique()), Some(bound_token)).await.problem(403, "invalid_invite");
    assert_eq!(register(stack, &email.to_uppercase(), Some(bound_token)).await.status, 201);

    // Revoked, an invite is gone; the list shows live ones (never their tokens).
    let revoked = admin.post_json("/admin/invites", &json!({})).await.json();
    let listed = admin.get("/admin/invites").await;
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    let ids: Vec<&Value> = listed["items"].as_array().unwrap().iter().map(|i| &i["id"]).collect();
    assert!(ids.contains(&&revoked["id"]) && ids.contains(&&bound["id"]), "{listed}");
    assert!(!listed.to_string().contains(revoked["token"].as_str().unwrap()), "tokens are shown once");
    let used = listed["items"].as_array().unwrap().iter().find(|i| i["id"] == bound["id"]).unwrap();
    assert!(used["used_at"].is_string(), "{used}");
    assert_eq!(admin.delete(&format!("/admin/invites/{}", revoked["id"].as_str().unwrap())).await.status, 204);
    admin.delete(&format!("/admin/invites/{}", revoked["id"].as_str().unwrap())).await.problem(404, "invite_not_found");
    register(stack, &format!("d-{}@example.com", unique()), revoked["token"].as_str())
        .await
        .problem(403, "invalid_invite");

    admin.post_json("/admin/invites", &json!({ "expires_in": 0 })).await.problem(422, "validation_error");
    admin.post_json("/admin/invites", &json!({ "email": "nope" })).await.problem(422, "validation_error");
}

#[tokio::test]
async fn closed_sign_up_refuses_everyone_but_the_admins() {
    let stack = Stack::start(&[("ADMIN_EMAILS", Some(ADMIN)), ("SIGNUP", Some("closed"))]);
    register(&stack, "someone@example.com", None).await.problem(403, "signup_closed");
    register(&stack, "someone@example.com", Some("an invite")).await.problem(403, "signup_closed");
    assert_eq!(register(&stack, "ROOT@example.com", None).await.status, 201, "an admin bootstraps the deployment");
    let admin = signed_in(&stack, ADMIN).await;
    assert_eq!(admin.get("/auth/me").await.json()["is_admin"], true);
}

#[tokio::test]
async fn an_admin_sees_usage_and_sets_one_users_quota() {
    let stack = invite_stack();
    let admin = admin(stack).await;
    let user = invited_user(stack, &admin).await;
    user.client.upload("a.bin", "/", &[7u8; 100]).await;

    let page = admin.get(&format!("/admin/users?q={}", crate::harness::encode(&user.email.to_uppercase()))).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let listed = &page["items"][0];
    assert_eq!(listed["id"], json!(user.id));
    assert_eq!((listed["file_count"].as_i64(), listed["used_bytes"].as_i64()), (Some(1), Some(100)));
    assert_eq!(listed["quota_bytes"], 10u64 * 1024 * 1024 * 1024, "the default");
    assert_eq!(listed["quota_override"], Value::Null);
    assert_eq!(listed["disabled"], false);

    // Keyset pages: one user at a time, no one twice.
    let first = admin.get("/admin/users?limit=1").await.json();
    let cursor = first["next_cursor"].as_str().expect("more than one user");
    let second = admin.get(&format!("/admin/users?limit=1&cursor={}", crate::harness::encode(cursor))).await.json();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);

    let path = format!("/admin/users/{}", user.id);
    let changed = admin.patch_json(&path, &json!({ "quota_bytes": 150 })).await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["quota_bytes"], 150);
    assert_eq!(user.client.get("/auth/me").await.json()["quota_bytes"], 150);
    let over = user.client.post_bytes("/files/upload?name=b.bin", "application/octet-stream", vec![1; 51]).await;
    over.problem(413, "quota_exceeded");
    let direct = user.client.post_json("/files/uploads", &json!({ "name": "c.bin", "size": 51 })).await;
    direct.problem(413, "quota_exceeded");
    user.client.upload("b.bin", "/", &[1; 50]).await;

    // 0 is unlimited; null is the default again.
    assert_eq!(admin.patch_json(&path, &json!({ "quota_bytes": 0 })).await.json()["quota_bytes"], Value::Null);
    assert_eq!(user.client.get("/auth/me").await.json()["quota_bytes"], Value::Null);
    user.client.upload("c.bin", "/", &[1; 500]).await;
    let reset = admin.patch_json(&path, &json!({ "quota_bytes": null })).await.json();
    assert_eq!(reset["quota_override"], Value::Null);
    assert_eq!(reset["quota_bytes"], 10u64 * 1024 * 1024 * 1024);

    admin.patch_json(&path, &json!({ "quota_bytes": -1 })).await.problem(422, "validation_error");
    admin.patch_json(&path, &json!({ "disabled": "yes" })).await.problem(422, "validation_error");
    let nobody = "/admin/users/0123456789abcdef0123456789abcdef";
    admin.patch_json(nobody, &json!({ "disabled": true })).await.problem(404, "user_not_found");
}

#[tokio::test]
async fn a_disabled_user_is_refused_everywhere_and_their_links_are_gone_until_enabled() {
    let stack = invite_stack();
    let admin = admin(stack).await;
    let user = invited_user(stack, &admin).await;
    let file = user.client.upload("a.txt", "/", b"hello").await;
    let token = share(&user, &file).await;
    let json_get =
        |client: &Client, path: &str| client.request(reqwest::Method::GET, path).header("accept", "application/json");
    let visitor = stack.client();
    assert_eq!(visitor.send(json_get(&visitor, &share_path(&token))).await.status, 200);

    let path = format!("/admin/users/{}", user.id);
    assert_eq!(admin.patch_json(&path, &json!({ "disabled": true })).await.json()["disabled"], true);
    let file_id = file["id"].as_str().unwrap();
    for path in
        ["/auth/me".to_owned(), "/files".to_owned(), format!("/files/{file_id}"), format!("/files/{file_id}/download")]
    {
        user.client.get(&path).await.problem(403, "account_disabled");
    }
    user.client.delete(&format!("/files/{file_id}")).await.problem(403, "account_disabled");
    log_in(stack, &user.email, PASSWORD).await.problem(403, "account_disabled");
    log_in(stack, &user.email, "the wrong password").await.problem(401, "invalid_credentials");
    visitor.send(json_get(&visitor, &share_path(&token))).await.problem(410, "share_expired");

    assert_eq!(admin.patch_json(&path, &json!({ "disabled": false })).await.json()["disabled"], false);
    assert_eq!(user.client.get(&format!("/files/{file_id}")).await.status, 200, "the file is still there");
    assert_eq!(visitor.send(json_get(&visitor, &share_path(&token))).await.status, 200, "the link works again");
    assert_eq!(log_in(stack, &user.email, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn an_admin_deletes_a_user_and_everything_in_their_account() {
    let stack = invite_stack();
    let admin = admin(stack).await;
    let user = invited_user(stack, &admin).await;
    for name in ["a", "b", "c"] {
        user.client.upload(name, "/", name.as_bytes()).await;
    }
    let path = format!("/admin/users/{}", user.id);
    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(stack.objects_of(&user.id), Vec::<String>::new());
    user.client.get("/auth/me").await.problem(401, "not_authenticated");
    admin.delete(&path).await.problem(404, "user_not_found");
    assert_eq!(admin.get("/auth/me").await.status, 200, "the admin's own session is untouched");
    stack.audit();
}

/// Rounds of the deletion race.
const ROUNDS: usize = 6;

#[tokio::test]
async fn deleting_an_account_while_its_uploads_race_leaves_the_audit_clean() {
    let stack = Stack::start(&[("MULTIPART_THRESHOLD_BYTES", Some("5242880"))]);
    for round in 0..ROUNDS {
        let user = stack.user().await;
        user.client.upload("kept.txt", "/", b"a file").await;
        // A direct upload of each kind, started; raw uploads and completes in flight.
        let mut racers = Vec::new();
        for (i, size) in [(0, 1000usize), (1, 6 * 1024 * 1024)].into_iter() {
            let ticket =
                user.client.post_json("/files/uploads", &json!({ "name": format!("d{i}"), "size": size })).await;
            assert_eq!(ticket.status, 201, "{}", ticket.text());
            let ticket = ticket.json();
            let client = user.client.clone();
            racers.push(tokio::spawn(async move {
                let urls: Vec<String> = match ticket["method"].as_str() {
                    Some("put") => vec![ticket["url"].as_str().unwrap().to_owned()],
                    _ => ticket["parts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p["url"].as_str().unwrap().to_owned())
                        .collect(),
                };
                let part_size = ticket["part_size"].as_u64().unwrap() as usize;
                let mut parts = Vec::new();
                for (n, url) in urls.iter().enumerate() {
                    let len = part_size.min(size - n * part_size);
                    let stored = client.put_url(url, vec![n as u8; len]).await;
                    parts.push(json!({ "part_number": n + 1, "etag": stored.header("etag").unwrap_or_default() }));
                }
                let body = if ticket["method"] == "multipart" { json!({ "parts": parts }) } else { json!({}) };
                let path = format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap());
                client.post_json(&path, &body).await.status
            }));
        }
        for i in 0..2 {
            let client = user.client.clone();
            racers.push(tokio::spawn(async move {
                let path = format!("/files/upload?name=r{i}");
                client.post_bytes(&path, "application/octet-stream", vec![9; 4096]).await.status
            }));
        }
        if round % 2 == 1 {
            tokio::time::sleep(std::time::Duration::from_millis(30 * round as u64)).await;
        }
        let deleted = user
            .client
            .send(user.client.request(reqwest::Method::DELETE, "/auth/me").json(&json!({ "password": PASSWORD })))
            .await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        for racer in racers {
            let status = racer.await.unwrap();
            assert!(status < 500 || status == 502, "round {round}: a racer got {status}");
        }
        stack.audit();
    }
    stack.run_scheduled().await;
    stack.audit();
}
