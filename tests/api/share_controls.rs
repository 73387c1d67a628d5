//! The controls people expect on share links: passwords, edits, access logs, and a
//! landing page that link previews cannot use up.

use crate::harness::{eventually, fresh_ip, Stack, User};
use serde_json::{json, Value};

async fn shared_file(user: &User, body: Value) -> (String, Value) {
    let file = user.client.upload("plans.pdf", "/", b"%PDF secret plans").await;
    let id = file["id"].as_str().unwrap().to_owned();
    let share = user.client.post_json(&format!("/files/{id}/share"), &body).await;
    assert_eq!(share.status, 201, "{}", share.text());
    (id, share.json())
}

fn as_json(builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    builder.header("accept", "application/json")
}

async fn downloads(user: &User, file: &str) -> i64 {
    user.client.get(&format!("/files/{file}/shares")).await.json()["items"][0]["download_count"].as_i64().unwrap()
}

/// Waits until the link of `file` shows `expected` downloads: visits to links without a
/// download limit are counted by the events queue's consumer, a moment after they are served.
async fn downloads_become(user: &User, file: &str, expected: i64) {
    eventually(&format!("{expected} downloads"), || async { (downloads(user, file).await == expected).then_some(()) })
        .await;
}

#[tokio::test]
async fn a_password_protected_link_opens_only_with_its_password() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({ "password": "open sesame" })).await;
    assert_eq!(share["password_protected"], true);
    let path = format!("/share/{}", share["token"].as_str().unwrap());
    let visitor = stack.client();

    visitor.send(as_json(visitor.request(reqwest::Method::GET, &path))).await.problem(401, "share_password_required");
    let wrong = visitor
        .send(as_json(visitor.request(reqwest::Method::POST, &path)).json(&json!({ "password": "guess" })))
        .await;
    wrong.problem(401, "invalid_share_password");
    assert_eq!(downloads(&owner, &file).await, 0, "a wrong password counts no download");

    let right = visitor
        .send(as_json(visitor.request(reqwest::Method::POST, &path)).json(&json!({ "password": "open sesame" })))
        .await;
    assert_eq!(right.status, 200, "{}", right.text());
    assert_eq!(visitor.fetch(right.json()["url"].as_str().unwrap()).await.body, b"%PDF secret plans");
    let redirected =
        visitor.send(visitor.request(reqwest::Method::POST, &path).json(&json!({ "password": "open sesame" }))).await;
    assert_eq!(redirected.status, 302);
    assert_eq!(downloads(&owner, &file).await, 2);
}

#[tokio::test]
async fn the_owner_changes_a_link_after_sharing_it() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({ "password": "first password", "max_downloads": 1 })).await;
    let share_path = format!("/files/{file}/shares/{}", share["id"].as_str().unwrap());
    let public = format!("/share/{}", share["token"].as_str().unwrap());

    let changed = owner
        .client
        .patch_json(&share_path, &json!({ "password": null, "max_downloads": 3, "expires_in": 3600 }))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let changed = changed.json();
    assert_eq!((changed["password_protected"].as_bool(), changed["max_downloads"].as_i64()), (Some(false), Some(3)));
    assert!(changed["expires_at"].is_string());
    assert!(changed.get("token").is_none());
    for _ in 0..3 {
        assert_eq!(stack.client().get(&public).await.status, 302);
    }
    stack.client().get(&public).await.problem(410, "share_expired");

    // Lifting the limit revives the link; absent fields stay as they were.
    let lifted = owner.client.patch_json(&share_path, &json!({ "max_downloads": null })).await.json();
    assert!(lifted["max_downloads"].is_null() && lifted["expires_at"] == changed["expires_at"]);
    assert_eq!(stack.client().get(&public).await.status, 302);
    let protected = owner.client.patch_json(&share_path, &json!({ "password": "second password" })).await.json();
    assert_eq!(protected["password_protected"], true);
    stack.client().get(&public).await.problem(401, "share_password_required");

    for (body, field) in [
        (json!({ "expires_in": 604_801 }), "expires_in"),
        (json!({ "expires_in": 0 }), "expires_in"),
        (json!({ "max_downloads": 0 }), "max_downloads"),
        (json!({ "password": "short" }), "password"),
        (json!({ "password": 12345678 }), "password"),
    ] {
        let answer = owner.client.patch_json(&share_path, &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    let stranger = stack.user().await;
    stranger.client.patch_json(&share_path, &json!({ "max_downloads": 9 })).await.problem(404, "file_not_found");
    owner
        .client
        .patch_json(&format!("/files/{file}/shares/00000000000000000000000000000000"), &json!({}))
        .await
        .problem(404, "share_not_found");
}

#[tokio::test]
async fn the_owner_reads_who_opened_a_link_and_what_they_got() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({ "password": "letmein!", "max_downloads": 1 })).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let visitor = stack.client();
    let visit = |password: &'static str, agent: &'static str| {
        let visitor = visitor.clone();
        let public = public.clone();
        async move {
            let request = visitor.request(reqwest::Method::POST, &public).header("user-agent", agent);
            visitor.send(request.json(&json!({ "password": password }))).await.status
        }
    };
    assert_eq!(
        visitor.send(visitor.request(reqwest::Method::GET, &public).header("user-agent", "curious")).await.status,
        401
    );
    assert_eq!(visit("wrong one", "guesser").await, 401);
    assert_eq!(visit("letmein!", "friend").await, 302);
    assert_eq!(visit("letmein!", "late friend").await, 410);

    let log_path = format!("/files/{file}/shares/{}/accesses", share["id"].as_str().unwrap());
    let log = owner.client.get(&log_path).await;
    assert_eq!(log.status, 200, "{}", log.text());
    let log = log.json();
    let entries: Vec<(String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["user_agent"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("late friend", "limit_reached"),
        ("friend", "ok"),
        ("guesser", "bad_password"),
        ("curious", "password_required"),
    ];
    assert_eq!(entries, expected.map(|(a, o)| (a.to_owned(), o.to_owned())));
    let first = &log["items"][0];
    assert_eq!(first["ip_hash"].as_str().unwrap().len(), 32);
    assert!(!first.to_string().contains("127.0.0.1"), "no raw IP in the log");

    // Paging through the log one entry at a time gives the same entries.
    let mut cursor: Option<String> = None;
    let mut paged = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("{log_path}?limit=1&cursor={}", crate::harness::encode(c)),
            None => format!("{log_path}?limit=1"),
        };
        let page = owner.client.get(&path).await.json();
        paged.push(page["items"][0]["outcome"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, ["limit_reached", "ok", "bad_password", "password_required"]);
    stack.user().await.client.get(&log_path).await.problem(404, "file_not_found");
}

#[tokio::test]
async fn a_browser_gets_a_landing_page_and_only_its_button_counts() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({})).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let browser = stack.client();
    let page_request =
        || browser.request(reqwest::Method::GET, &public).header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    for _ in 0..3 {
        // Chat apps fetching a preview of the link.
        let page = browser.send(page_request()).await;
        assert_eq!(page.status, 200);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("style-src 'self'") && !csp.contains("script-src"), "{csp}");
        for (header, value) in [("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")] {
            assert_eq!(page.header(header).as_deref(), Some(value));
        }
        let html = page.text();
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/app.css\">"), "the web app's look: {html}");
        assert!(html.contains("plans.pdf") && html.contains("17 bytes") && html.contains("<button"), "{html}");
        assert!(!html.contains("type=\"password\""));
    }
    assert_eq!(downloads(&owner, &file).await, 0);

    let button = browser
        .send(
            browser
                .request(reqwest::Method::POST, &public)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(""),
        )
        .await;
    assert_eq!(button.status, 303, "{}", button.text());
    assert_eq!(browser.fetch(&button.header("location").unwrap()).await.body, b"%PDF secret plans");
    downloads_become(&owner, &file, 1).await;
}

#[tokio::test]
async fn a_protected_landing_page_asks_for_the_password_and_says_when_it_is_wrong() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (_, share) = shared_file(&owner, json!({ "password": "correct horse", "expires_in": 3600 })).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let browser = stack.client();
    let page = browser.send(browser.request(reqwest::Method::GET, &public).header("accept", "text/html")).await;
    assert!(page.text().contains("type=\"password\""));
    let form = |password: &str| {
        browser
            .request(reqwest::Method::POST, &public)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("password={}", crate::harness::encode(password)))
    };
    let wrong = browser.send(form("battery staple")).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("Wrong password"), "{}", wrong.text());
    let right = browser.send(form("correct horse")).await;
    assert_eq!(right.status, 303);
    assert!(right.header("location").unwrap().contains("X-Amz-Signature="));

    let gone = browser
        .send(
            browser
                .request(reqwest::Method::GET, "/share/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .header("accept", "text/html"),
        )
        .await;
    assert_eq!(gone.status, 404);
    assert!(gone.text().contains("not found"));
}

#[tokio::test]
async fn share_policy_caps_and_defaults_expiry() {
    let stack = Stack::start(&[("MAX_SHARE_TTL_SECONDS", Some("86400")), ("DEFAULT_SHARE_TTL_SECONDS", Some("3600"))]);
    let owner = stack.user().await;
    let file = owner.client.upload("f.txt", "/", b"x").await;
    let path = format!("/files/{}/share", file["id"].as_str().unwrap());
    owner.client.post_json(&path, &json!({ "expires_in": 86_401 })).await.problem(422, "validation_error");
    let defaulted = owner.client.post_json(&path, &json!({})).await.json();
    let expires = defaulted["expires_at"].as_str().unwrap().to_owned();
    let created = defaulted["created_at"].as_str().unwrap().to_owned();
    assert!(expires > created, "{created} → {expires}");
    let explicit = owner.client.post_json(&path, &json!({ "expires_in": 86_400 })).await;
    assert_eq!(explicit.status, 201);
}

#[tokio::test]
async fn a_protected_link_shows_nothing_of_its_file_before_the_password() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (_, share) = shared_file(&owner, json!({ "password": "correct horse" })).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let visitor = stack.client_at(&fresh_ip());
    let tells = |text: &str| text.contains("plans") || text.contains("17 bytes") || text.contains("\"size\"");

    let page = visitor.send(visitor.request(reqwest::Method::GET, &public).header("accept", "text/html")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("type=\"password\"") && !tells(&html), "{html}");
    let form = |password: &str| {
        visitor
            .request(reqwest::Method::POST, &public)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("password={}", crate::harness::encode(password)))
    };
    let wrong = visitor.send(form("battery staple")).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("Wrong password") && !tells(&wrong.text()), "{}", wrong.text());
    let empty = visitor.send(form("")).await;
    assert_eq!(empty.status, 401);
    assert!(!tells(&empty.text()), "{}", empty.text());

    let asked = visitor.send(as_json(visitor.request(reqwest::Method::GET, &public))).await;
    asked.problem(401, "share_password_required");
    assert!(!tells(&asked.text()), "{}", asked.text());
    let wrong = visitor
        .send(as_json(visitor.request(reqwest::Method::POST, &public)).json(&json!({ "password": "battery staple" })))
        .await;
    wrong.problem(401, "invalid_share_password");
    assert!(!tells(&wrong.text()), "{}", wrong.text());

    // The right password shows them.
    let right = visitor
        .send(as_json(visitor.request(reqwest::Method::POST, &public)).json(&json!({ "password": "correct horse" })))
        .await;
    assert_eq!(right.status, 200, "{}", right.text());
    let right = right.json();
    assert_eq!((right["name"].as_str(), right["size"].as_i64()), (Some("plans.pdf"), Some(17)));
}

/// The `(user_agent, outcome)` of each entry of a link's access log, newest first.
async fn log_of(owner: &User, file: &str, share: &Value) -> Vec<(String, String)> {
    let path = format!("/files/{file}/shares/{}/accesses?limit=1000", share["id"].as_str().unwrap());
    let log = owner.client.get(&path).await;
    assert_eq!(log.status, 200, "{}", log.text());
    log.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["user_agent"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

fn entries(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(agent, outcome)| ((*agent).to_owned(), (*outcome).to_owned())).collect()
}

/// Waits until a link's access log reads `expected` (newest first): the consumer of the
/// events queue writes the entries of links without a download limit a moment later.
async fn log_becomes(owner: &User, file: &str, share: &Value, expected: Vec<(String, String)>) {
    let expected = &expected;
    eventually("the access log", || async move { (log_of(owner, file, share).await == *expected).then_some(()) }).await;
}

#[tokio::test]
async fn repeated_visits_from_one_client_are_logged_once_and_every_download_counts() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({})).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    let (regular, other) = (stack.client_at(&fresh_ip()), stack.client_at(&fresh_ip()));
    let visit = |client: &crate::harness::Client, agent: &str| {
        let (client, request) = (client.clone(), client.request(reqwest::Method::GET, &public));
        let request = request.header("user-agent", agent);
        async move { client.send(request).await }
    };
    for i in 0..5 {
        assert_eq!(visit(&regular, &format!("regular {i}")).await.status, 302);
    }
    assert_eq!(visit(&other, "other").await.status, 302);
    downloads_become(&owner, &file, 6).await;
    log_becomes(&owner, &file, &share, entries(&[("other", "ok"), ("regular 0", "ok")])).await;

    // Another outcome from the same client is news.
    let share_path = format!("/files/{file}/shares/{}", share["id"].as_str().unwrap());
    assert_eq!(owner.client.patch_json(&share_path, &json!({ "max_downloads": 6 })).await.status, 200);
    for i in 5..8 {
        visit(&regular, &format!("regular {i}")).await.problem(410, "share_expired");
    }
    assert_eq!(
        log_of(&owner, &file, &share).await,
        entries(&[("regular 5", "limit_reached"), ("other", "ok"), ("regular 0", "ok")])
    );
    assert_eq!(downloads(&owner, &file).await, 6);
}

#[tokio::test]
async fn a_links_access_log_keeps_only_its_newest_entries() {
    let stack = Stack::start(&[("ACCESS_LOG_MAX_ENTRIES", Some("5"))]);
    let owner = stack.user().await;
    let (file, share) = shared_file(&owner, json!({})).await;
    let (_, other_share) = shared_file(&owner, json!({})).await;
    let public = format!("/share/{}", share["token"].as_str().unwrap());
    for i in 0..12 {
        let visitor = stack.client_at(&fresh_ip());
        let visit = visitor.request(reqwest::Method::GET, &public).header("user-agent", format!("visitor {i}"));
        assert_eq!(visitor.send(visit).await.status, 302);
    }
    let newest: Vec<_> = (7..12).rev().map(|i| (format!("visitor {i}"), "ok".to_owned())).collect();
    log_becomes(&owner, &file, &share, newest).await;
    downloads_become(&owner, &file, 12).await;

    // Each link has a log of its own: the other's first visit is kept.
    let other = stack.client_at(&fresh_ip());
    let path = format!("/share/{}", other_share["token"].as_str().unwrap());
    assert_eq!(other.send(other.request(reqwest::Method::GET, &path).header("user-agent", "first")).await.status, 302);
    let other_file = other_share["file_id"].as_str().unwrap();
    log_becomes(&owner, other_file, &other_share, entries(&[("first", "ok")])).await;
    assert_eq!(log_of(&owner, &file, &share).await.len(), 5);
}
