//! What the web app relies on: a session cookie with CSRF protection, folder listings, and
//! its pages served with their security headers by the same Worker.

use crate::harness::{Answer, Client, Stack};
use serde_json::{json, Value};

pub(crate) const CSRF: (&str, &str) = ("x-edgedrop-csrf", "1");

/// The session cookie's `name=value` out of a login answer's `Set-Cookie`.
fn session_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Logs in to the web app; returns the `Cookie` header value to send from now on.
pub(crate) async fn log_in(client: &Client, email: &str, password: &str) -> String {
    let answer = client
        .send(
            client
                .request(reqwest::Method::POST, "/auth/session")
                .header(CSRF.0, CSRF.1)
                .json(&json!({ "email": email, "password": password })),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.json()["expires_in"].as_u64().unwrap() > 3600);
    let set_cookie = answer.header("set-cookie").expect("a session cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    assert!(set_cookie.starts_with("__Host-edgedrop-session="), "{set_cookie}");
    session_of(&set_cookie)
}

pub(crate) async fn with_cookie(
    client: &Client,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    csrf: bool,
) -> Answer {
    let mut builder = client.request(method, path).header("cookie", cookie);
    if csrf {
        builder = builder.header(CSRF.0, CSRF.1);
    }
    client.send(builder).await
}

/// A small upload made with the session cookie and `headers`.
pub(crate) async fn cookie_upload(client: &Client, cookie: &str, headers: &[(&str, &str)]) -> Answer {
    let mut builder = client
        .request(reqwest::Method::POST, "/files/upload?name=mine.txt")
        .header("cookie", cookie)
        .header("content-type", "text/plain")
        .body("hello");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    client.send(builder).await
}

#[tokio::test]
async fn a_browser_logs_in_with_a_cookie_and_every_change_needs_the_csrf_header() {
    let stack = Stack::shared();
    let (email, password) = stack.account().await;
    let browser = stack.client();
    let cookie = log_in(&browser, &email, &password).await;

    let me = with_cookie(&browser, reqwest::Method::GET, "/auth/me", &cookie, false).await;
    assert_eq!(me.status, 200, "reading needs no CSRF header: {}", me.text());
    assert_eq!(me.json()["email"], email.as_str());

    // An upload riding on the cookie alone, as a forged cross-site form would, changes nothing;
    // nor does one the browser marks as coming from another site.
    cookie_upload(&browser, &cookie, &[]).await.problem(403, "csrf_rejected");
    cookie_upload(&browser, &cookie, &[CSRF, ("sec-fetch-site", "cross-site")]).await.problem(403, "csrf_rejected");
    let listed = with_cookie(&browser, reqwest::Method::GET, "/files", &cookie, false).await;
    assert_eq!(listed.json()["items"], json!([]), "nothing was stored");

    let stored = cookie_upload(&browser, &cookie, &[CSRF, ("sec-fetch-site", "same-origin")]).await;
    assert_eq!(stored.status, 201, "{}", stored.text());

    let out = with_cookie(&browser, reqwest::Method::DELETE, "/auth/session", &cookie, true).await;
    assert_eq!(out.status, 204);
    let cleared = out.header("set-cookie").unwrap();
    assert!(cleared.starts_with("__Host-edgedrop-session=;") && cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn logging_in_needs_the_csrf_header_and_the_right_password() {
    let stack = Stack::shared();
    let (email, password) = stack.account().await;
    let client = stack.client();
    let body = json!({ "email": email, "password": password });
    // Without the header another site could log a visitor in to an account it controls.
    let forged = client.send(client.request(reqwest::Method::POST, "/auth/session").json(&body)).await;
    forged.problem(403, "csrf_rejected");
    assert!(forged.header("set-cookie").is_none());

    let wrong = json!({ "email": email, "password": "not the password" });
    let refused =
        client.send(client.request(reqwest::Method::POST, "/auth/session").header(CSRF.0, CSRF.1).json(&wrong)).await;
    refused.problem(401, "invalid_credentials");
    assert!(refused.header("set-cookie").is_none());
}

#[tokio::test]
async fn bearer_tokens_still_work_and_win_over_a_stray_cookie() {
    let stack = Stack::shared();
    let user = stack.user().await;
    // No CSRF header: API clients are not browsers, and a bearer header cannot be forged
    // by another site.
    let stored = user.client.upload("api.txt", "/", b"from a script").await;
    assert_eq!(stored["name"], "api.txt");
    let me = user
        .client
        .send(user.client.request(reqwest::Method::GET, "/auth/me").header("cookie", "__Host-edgedrop-session=junk"))
        .await;
    assert_eq!(me.status, 200, "{}", me.text());

    let junk =
        with_cookie(&stack.client(), reqwest::Method::GET, "/auth/me", "__Host-edgedrop-session=junk", false).await;
    junk.problem(401, "not_authenticated");
    let nothing = stack.client().get("/auth/me").await;
    let problem = nothing.problem(401, "not_authenticated");
    assert!(problem["detail"].as_str().unwrap().contains("log in to the web app"), "{problem}");
}

#[tokio::test]
async fn folders_appear_when_files_go_into_them_and_vanish_with_the_last_one() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let client = &user.client;
    let folders = |parent: &'static str| async move {
        let answer = client.get(&format!("/folders?parent={}", crate::harness::encode(parent))).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let list: Value = answer.json();
        assert_eq!(list["truncated"], false);
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["path"].as_str().unwrap().to_owned(), f["name"].as_str().unwrap().to_owned()))
            .collect::<Vec<_>>()
    };
    assert!(folders("/").await.is_empty(), "a new account has no folders");

    client.upload("a.txt", "/", b"a").await;
    let report = client.upload("r.pdf", "/work/reports/2026", b"r").await;
    client.upload("b.txt", "/work-archive", b"b").await;
    client.upload("c.txt", "/work/notes", b"c").await;
    client.upload("d.txt", "/photos", b"d").await;

    let root = folders("/").await;
    let names: Vec<&str> = root.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, ["photos", "work", "work-archive"]);
    assert_eq!(root[1].0, "/work");
    assert_eq!(
        folders("/work").await,
        [("/work/notes".to_owned(), "notes".to_owned()), ("/work/reports".to_owned(), "reports".to_owned())]
    );

    // Moving the only file out of a folder removes it; moving one in creates it.
    let id = report["id"].as_str().unwrap();
    let moved = client.patch_json(&format!("/files/{id}"), &json!({ "folder": "/archive/2026" })).await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(folders("/work").await, [("/work/notes".to_owned(), "notes".to_owned())]);
    assert!(folders("/").await.iter().any(|(path, _)| path == "/archive"));

    // Other people's folders never show.
    let stranger = stack.user().await;
    let theirs = stranger.client.get("/folders?parent=/work").await;
    assert_eq!(theirs.json()["items"], json!([]));

    let bad = client.get("/folders?parent=work").await;
    assert_eq!(bad.problem(422, "validation_error")["field"], "parent");
}

#[tokio::test]
async fn the_web_app_is_served_with_its_security_headers() {
    let stack = Stack::shared();
    let browser = stack.client();
    let page = |path: &'static str| {
        let browser = browser.clone();
        async move { browser.send(browser.request(reqwest::Method::GET, path).header("accept", "text/html")).await }
    };
    for path in ["/", "/login", "/register"] {
        let app = page(path).await;
        assert_eq!(app.status, 200, "{path}");
        assert!(app.header("content-type").unwrap().starts_with("text/html"), "{path}");
        assert!(app.text().contains("<div id=\"app\""), "{path}: the app's page");
        let csp = app.header("content-security-policy").unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains(&format!("connect-src 'self' http://127.0.0.1:{}", stack.s3_port)), "{csp}");
        assert_eq!(app.header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(app.header("referrer-policy").as_deref(), Some("no-referrer"));
        assert_eq!(app.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(app.header("cache-control").as_deref(), Some("no-cache"));
    }

    // The page's own script and stylesheet are there, and hashed ones are cached for good.
    let html = page("/").await.text();
    let script = html.split("src=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a script tag");
    assert!(script.starts_with("/assets/"), "{script}");
    let js = browser.get(script).await;
    assert_eq!(js.status, 200);
    assert_eq!(js.header("cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    let css = browser.get("/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));

    // Unknown pages are the app's "not found" view with a 404; unknown files for API
    // clients are the usual problem document.
    let missing = page("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("<div id=\"app\""));
    assert!(missing.header("content-security-policy").is_some());
    stack.client().get("/no/such/file.js").await.problem(404, "not_found");

    // API routes keep their paths, and other methods on pages are no API route.
    assert_eq!(browser.get("/healthz").await.json()["status"], "ok");
    browser.send(browser.request(reqwest::Method::POST, "/login")).await.problem(404, "not_found");
}
