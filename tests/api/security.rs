//! Tokens that must not work, and files that are nobody else's business.

use crate::harness::Stack;
use crate::{claims_of, forge_token, now};
use serde_json::json;

#[tokio::test]
async fn requests_without_a_valid_token_are_401_with_a_bearer_challenge() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let real = user.client.token.clone().unwrap();
    let (head, signature) = real.rsplit_once('.').unwrap();
    let mut flipped = signature.to_owned();
    flipped.replace_range(0..1, if signature.starts_with('A') { "B" } else { "A" });
    // Each forged token names the user's live session, so that each is refused for its own flaw.
    let sid = claims_of(&real)["sid"].clone();
    let claims = |iat: i64, exp: i64| json!({ "sub": user.id, "sid": sid, "iat": iat, "exp": exp });
    let unsigned_none = {
        let forged = forge_token("none", &claims(now(), now() + 600));
        format!("{}.", forged.rsplit_once('.').unwrap().0)
    };
    let tokens = [
        None,
        Some(format!("{head}.{flipped}")),
        Some(forge_token("HS256", &claims(now() - 7200, now() - 3600))),
        Some(forge_token("HS256", &claims(now() + 3600, now() + 7200))),
        Some(forge_token("HS256", &json!({ "sub": user.id, "sid": sid, "iat": now() }))),
        Some(forge_token("HS256", &json!({ "sub": user.id, "iat": now(), "exp": now() + 600 }))),
        Some(unsigned_none),
        Some(forge_token("none", &claims(now(), now() + 600))),
        Some(forge_token("HS512", &claims(now(), now() + 600))),
        Some(forge_token(
            "HS256",
            &json!({ "sub": "ffffffffffffffffffffffffffffffff", "sid": sid, "iat": now(), "exp": now() + 600 }),
        )),
        Some("garbage".to_owned()),
    ];
    for token in tokens {
        let answer = user.client.with_token(token.as_deref()).get("/files").await;
        answer.problem(401, "not_authenticated");
        assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"), "{token:?}");
    }
    // The genuine token, and a forged one that is right in every respect, both work:
    // the refusals above are about the tokens, not the route.
    assert_eq!(user.client.get("/files").await.status, 200);
    let good = forge_token("HS256", &claims(now(), now() + 600));
    assert_eq!(user.client.with_token(Some(&good)).get("/files").await.status, 200);
}

#[tokio::test]
async fn nobody_can_touch_another_users_file_or_learn_it_exists() {
    let stack = Stack::shared();
    let alice = stack.user().await;
    let mallory = stack.user().await;
    let file = alice.client.upload("diary.txt", "/", b"dear diary").await;
    let id = file["id"].as_str().unwrap();
    let shared = alice.client.post_json(&format!("/files/{id}/share"), &json!({})).await.json();
    let share_id = shared["id"].as_str().unwrap();

    let m = &mallory.client;
    let answers = [
        m.get(&format!("/files/{id}")).await,
        m.get(&format!("/files/{id}/download")).await,
        m.get(&format!("/files/{id}/download?redirect=true")).await,
        m.patch_json(&format!("/files/{id}"), &json!({ "name": "mine.txt" })).await,
        m.post_json(&format!("/files/{id}/share"), &json!({})).await,
        m.get(&format!("/files/{id}/shares")).await,
        m.delete(&format!("/files/{id}/shares/{share_id}")).await,
        m.delete(&format!("/files/{id}")).await,
    ];
    let missing = m.get("/files/00000000000000000000000000000000").await.problem(404, "file_not_found");
    for answer in answers {
        // Exactly the answer for a file that does not exist at all.
        assert_eq!(answer.problem(404, "file_not_found"), missing);
    }
    assert!(m.get("/files").await.json()["items"].as_array().unwrap().is_empty());

    // Alice's file is untouched, and its share still works.
    let still = alice.client.get(&format!("/files/{id}")).await;
    assert_eq!(still.json()["name"], "diary.txt");
    assert_eq!(alice.client.get(&format!("/files/{id}/shares")).await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(stack.objects_of(&alice.id).len(), 1);
}

#[tokio::test]
async fn a_misconfigured_deployment_fails_closed_without_leaking_why() {
    let stack = Stack::start(&[("B2_SECRET_KEY", None), ("ALGORITHM", Some("none"))]);
    let client = stack.client();
    assert_eq!(client.get("/healthz").await.status, 200);
    let answer =
        client.post_json("/auth/register", &json!({ "email": "a@example.com", "password": "long enough" })).await;
    let problem = answer.problem(500, "server_misconfigured");
    assert!(!problem.to_string().contains("ALGORITHM"));
    let login = client.post_json("/auth/login", &json!({ "email": "a@example.com", "password": "long enough" })).await;
    login.problem(500, "server_misconfigured");
    // The operator learns what is wrong from the log, which names the variable.
    let log = stack.worker_log_with("configuration error").await;
    assert!(log.contains("configuration error: ALGORITHM"), "{log}");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_documents() {
    let stack = Stack::shared();
    let client = stack.client();
    client.get("/nowhere").await.problem(404, "not_found");
    let wrong_method = client.send(client.request(reqwest::Method::PUT, "/files/abc")).await;
    wrong_method.problem(405, "method_not_allowed");
    assert_eq!(wrong_method.header("allow").as_deref(), Some("GET, PATCH, DELETE"));
}
