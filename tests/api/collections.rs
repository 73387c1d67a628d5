//! One link for many files: a folder (live: what is in it when it is visited) or a set of
//! files, each file downloaded on its own through the link, counted against the link.

use crate::harness::{Answer, Client, Stack, User};
use serde_json::{json, Value};

fn as_json(builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    builder.header("accept", "application/json")
}

async fn get_json(client: &Client, path: &str) -> Answer {
    client.send(as_json(client.request(reqwest::Method::GET, path))).await
}

async fn post_json_accepting_json(client: &Client, path: &str, body: &Value) -> Answer {
    client.send(as_json(client.request(reqwest::Method::POST, path)).json(body)).await
}

/// Creates a collection link; asserts it was made.
async fn link(owner: &User, body: Value) -> Value {
    let created = owner.client.post_json("/shares", &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

fn token(share: &Value) -> &str {
    share["token"].as_str().unwrap()
}

fn id(file: &Value) -> &str {
    file["id"].as_str().unwrap()
}

/// Every file of the link (`folder/name`), walked `limit` at a time through `next_cursor`.
async fn listed(client: &Client, token: &str, limit: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get_json(client, &format!("/share/{token}?limit={limit}&cursor={cursor}")).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        names
            .extend(items.iter().map(|i| format!("{}/{}", i["folder"].as_str().unwrap(), i["name"].as_str().unwrap())));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = crate::harness::encode(next),
            None => return names,
        }
    }
}

/// Downloads `file` through the link: the bytes (after following the redirect), or the
/// refusal.
async fn download(client: &Client, token: &str, file: &str) -> Result<Vec<u8>, Answer> {
    let answer = client.get(&format!("/share/{token}/files/{file}")).await;
    if answer.status != 302 {
        return Err(answer);
    }
    Ok(client.fetch(&answer.header("location").unwrap()).await.body)
}

/// The bytes of a download that must have worked.
#[track_caller]
fn bytes(result: Result<Vec<u8>, Answer>) -> Vec<u8> {
    result.unwrap_or_else(|refused| panic!("refused: {} {}", refused.status, refused.text()))
}

#[tokio::test]
async fn a_folder_link_serves_its_folder_and_below_live_and_never_a_file_beside_it() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let top = owner.client.upload("top.txt", "/a", b"top").await;
    let deep = owner.client.upload("deep.txt", "/a/b", b"deep").await;
    let sibling = owner.client.upload("sibling.txt", "/ab", b"not in /a").await;
    let dashed = owner.client.upload("dashed.txt", "/a-b", b"not in /a either").await;
    let share = link(&owner, json!({ "folder": "/a" })).await;
    assert_eq!(
        (share["kind"].as_str(), share["folder"].as_str(), share["name"].as_str()),
        (Some("folder"), Some("/a"), Some("a"))
    );
    assert!(share["file_id"].is_null());
    let t = token(&share);
    let visitor = stack.client();

    let page = get_json(&visitor, &format!("/share/{t}")).await.json();
    assert_eq!((page["kind"].as_str(), page["name"].as_str()), (Some("folder"), Some("a")));
    assert_eq!(listed(&visitor, t, 100).await, ["/a/top.txt", "/a/b/deep.txt"]);
    assert_eq!(bytes(download(&visitor, t, id(&top)).await), b"top");
    assert_eq!(bytes(download(&visitor, t, id(&deep)).await), b"deep");
    for outside in [&sibling, &dashed] {
        download(&visitor, t, id(outside)).await.unwrap_err().problem(404, "share_not_found");
    }
    download(&visitor, t, "not-an-id").await.unwrap_err().problem(404, "share_not_found");
    let stranger = stack.user().await;
    let theirs = stranger.client.upload("theirs.txt", "/a", b"someone else's").await;
    download(&visitor, t, id(&theirs)).await.unwrap_err().problem(404, "share_not_found");

    // Live: a file added later is in it; a file moved out leaves, one moved in joins.
    let later = owner.client.upload("later.txt", "/a/c", b"later").await;
    assert_eq!(bytes(download(&visitor, t, id(&later)).await), b"later");
    let moved = owner.client.patch_json(&format!("/files/{}", id(&top)), &json!({ "folder": "/ab" })).await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    download(&visitor, t, id(&top)).await.unwrap_err().problem(404, "share_not_found");
    owner.client.patch_json(&format!("/files/{}", id(&sibling)), &json!({ "folder": "/a/b" })).await;
    assert_eq!(bytes(download(&visitor, t, id(&sibling)).await), b"not in /a");
    assert_eq!(listed(&visitor, t, 1).await, ["/a/b/deep.txt", "/a/b/sibling.txt", "/a/c/later.txt"]);

    // Listing counted nothing; each download counted one.
    let mine = owner.client.get("/shares").await.json();
    let listed_share = mine["items"].as_array().unwrap().iter().find(|s| s["id"] == share["id"]).unwrap().clone();
    assert_eq!(listed_share["download_count"], 4, "{listed_share}");
    assert!(listed_share.get("token").is_none());
}

#[tokio::test]
async fn a_files_link_holds_exactly_the_files_it_was_made_of() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let one = owner.client.upload("one.txt", "/x", b"one").await;
    let two = owner.client.upload("two.txt", "/y", b"two").await;
    let left_out = owner.client.upload("three.txt", "/x", b"three").await;
    let share = link(&owner, json!({ "file_ids": [id(&one), id(&two), id(&one)], "max_downloads": 10 })).await;
    assert_eq!((share["kind"].as_str(), share["name"].as_str()), (Some("files"), Some("2 files")));
    let t = token(&share);
    let visitor = stack.client();
    assert_eq!(listed(&visitor, t, 1).await, ["/x/one.txt", "/y/two.txt"]);
    assert_eq!(bytes(download(&visitor, t, id(&two)).await), b"two");
    download(&visitor, t, id(&left_out)).await.unwrap_err().problem(404, "share_not_found");
    let resolved = get_json(&visitor, &format!("/share/{t}/files/{}", id(&one))).await;
    assert_eq!(resolved.status, 200, "{}", resolved.text());
    assert_eq!((resolved.json()["name"].as_str(), resolved.json()["size"].as_i64()), (Some("one.txt"), Some(3)));

    // A deleted member is gone from the link.
    assert_eq!(owner.client.delete(&format!("/files/{}", id(&one))).await.status, 204);
    assert_eq!(listed(&visitor, t, 10).await, ["/y/two.txt"]);
    download(&visitor, t, id(&one)).await.unwrap_err().problem(404, "share_not_found");
    stack.audit();
}

#[tokio::test]
async fn a_collection_is_made_of_the_callers_own_files_or_not_at_all() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let stranger = stack.user().await;
    let mine = owner.client.upload("mine.txt", "/", b"mine").await;
    let theirs = stranger.client.upload("theirs.txt", "/", b"theirs").await;
    for ids in
        [json!([id(&mine), id(&theirs)]), json!([id(&mine), "00000000000000000000000000000000"]), json!(["nope"])]
    {
        owner.client.post_json("/shares", &json!({ "file_ids": ids })).await.problem(404, "file_not_found");
    }
    let too_many: Vec<String> = (0..1001).map(|n| format!("{n:032x}")).collect();
    for (body, field) in [
        (json!({}), "folder"),
        (json!({ "folder": "/", "file_ids": [id(&mine)] }), "folder"),
        (json!({ "file_ids": [] }), "file_ids"),
        (json!({ "file_ids": too_many }), "file_ids"),
        (json!({ "file_ids": [1] }), "file_ids"),
        (json!({ "folder": "no-slash" }), "folder"),
        (json!({ "folder": "/", "name": "a/b" }), "name"),
        (json!({ "folder": "/", "max_downloads": 0 }), "max_downloads"),
    ] {
        let answer = owner.client.post_json("/shares", &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    let all = owner.client.get("/shares").await.json();
    assert!(all["items"].as_array().unwrap().is_empty(), "nothing was made: {all}");
}

#[tokio::test]
async fn every_kind_of_link_is_listed_edited_logged_and_revoked_by_its_owner_only() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("report.pdf", "/docs", b"%PDF report").await;
    let single = owner.client.post_json(&format!("/files/{}/share", id(&file)), &json!({})).await.json();
    let folder = link(&owner, json!({ "folder": "/docs", "name": "Reports" })).await;
    let files = link(&owner, json!({ "file_ids": [id(&file)] })).await;

    let all = owner.client.get("/shares?limit=2").await.json();
    let first: Vec<&str> = all["items"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(first, ["files", "folder"], "newest first: {all}");
    let rest =
        owner.client.get(&format!("/shares?limit=2&cursor={}", all["next_cursor"].as_str().unwrap())).await.json();
    assert_eq!(rest["items"][0]["kind"], "file");
    assert_eq!(rest["items"][0]["name"], "report.pdf", "a file link shows its file's name");
    assert!(rest["next_cursor"].is_null());

    let visitor = stack.client();
    for share in [&single, &folder, &files] {
        let path = format!("/shares/{}", share["id"].as_str().unwrap());
        let changed = owner.client.patch_json(&path, &json!({ "max_downloads": 1 })).await;
        assert_eq!(changed.status, 200, "{}", changed.text());
        assert_eq!(changed.json()["max_downloads"], 1);
        stack
            .user()
            .await
            .client
            .patch_json(&path, &json!({ "max_downloads": 9 }))
            .await
            .problem(404, "share_not_found");
        let t = token(share);
        let url =
            if share["kind"] == "file" { format!("/share/{t}") } else { format!("/share/{t}/files/{}", id(&file)) };
        assert_eq!(visitor.get(&url).await.status, 302, "{share}");
        visitor.get(&url).await.problem(410, "share_expired");
        let log = owner.client.get(&format!("{path}/accesses")).await.json();
        let outcomes: Vec<&str> =
            log["items"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["limit_reached", "ok"], "{share}");
        assert_eq!(owner.client.delete(&path).await.status, 204);
        owner.client.delete(&path).await.problem(404, "share_not_found");
        visitor.get(&url).await.problem(404, "share_not_found");
    }
    assert!(owner.client.get("/shares").await.json()["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_protected_collection_shows_nothing_before_its_password() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let inside = owner.client.upload("inside.txt", "/vault", b"secret").await;
    let outside = owner.client.upload("outside.txt", "/", b"other").await;
    let share = link(&owner, json!({ "folder": "/vault", "password": "open sesame" })).await;
    assert_eq!(share["password_protected"], true);
    let t = token(&share);
    let visitor = stack.client();

    get_json(&visitor, &format!("/share/{t}")).await.problem(401, "share_password_required");
    for file in [&inside, &outside] {
        // Before the password, a file outside the link looks like one inside.
        get_json(&visitor, &format!("/share/{t}/files/{}", id(file))).await.problem(401, "share_password_required");
    }
    post_json_accepting_json(&visitor, &format!("/share/{t}"), &json!({ "password": "guess" }))
        .await
        .problem(401, "invalid_share_password");
    let page = post_json_accepting_json(&visitor, &format!("/share/{t}"), &json!({ "password": "open sesame" })).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.json()["items"][0]["name"], "inside.txt");
    let got = post_json_accepting_json(
        &visitor,
        &format!("/share/{t}/files/{}", id(&inside)),
        &json!({ "password": "open sesame" }),
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(visitor.fetch(got.json()["url"].as_str().unwrap()).await.body, b"secret");
    post_json_accepting_json(
        &visitor,
        &format!("/share/{t}/files/{}", id(&outside)),
        &json!({ "password": "open sesame" }),
    )
    .await
    .problem(404, "share_not_found");

    // The landing page asks for the password, then lists the files with their buttons.
    let html = |req: reqwest::RequestBuilder| req.header("accept", "text/html");
    let landing = visitor.send(html(visitor.request(reqwest::Method::GET, &format!("/share/{t}")))).await;
    assert_eq!(landing.status, 200);
    assert!(landing.text().contains("type=\"password\"") && !landing.text().contains("inside.txt"));
    let unlocked = visitor
        .send(html(visitor.request(reqwest::Method::POST, &format!("/share/{t}"))).form(&[("password", "open sesame")]))
        .await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.text());
    assert!(
        unlocked.text().contains("inside.txt")
            && unlocked.text().contains(&format!("/share/{t}/files/{}", id(&inside)))
    );
    let shares = owner.client.get("/shares").await.json();
    assert_eq!(shares["items"][0]["download_count"], 1, "pages count nothing");
}

#[tokio::test]
async fn a_browser_gets_a_landing_page_listing_the_files_that_counts_nothing() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    owner.client.upload("<em>photo.jpg", "/trip", b"jpeg").await;
    let share = link(&owner, json!({ "folder": "/trip" })).await;
    let visitor = stack.client();
    let page = visitor
        .send(visitor.request(reqwest::Method::GET, &format!("/share/{}", token(&share))).header("accept", "text/html"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.text().contains("&lt;em&gt;photo.jpg") && page.text().contains("<h1>trip</h1>"), "{}", page.text());
    assert_eq!(owner.client.get("/shares").await.json()["items"][0]["download_count"], 0);
}

#[tokio::test]
async fn racing_visitors_of_a_collection_never_get_more_than_its_download_limit() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let mut files = Vec::new();
    for n in 0..4 {
        files.push(owner.client.upload(&format!("f{n}.txt"), "/race", format!("file {n}").as_bytes()).await);
    }
    for round in 0..3 {
        let share = link(&owner, json!({ "folder": "/race", "max_downloads": 5 })).await;
        let t = token(&share).to_owned();
        let visits = (0..25).map(|n| {
            let visitor = stack.client();
            let path = format!("/share/{t}/files/{}", id(&files[n % files.len()]));
            async move { visitor.get(&path).await.status }
        });
        let statuses = futures_util::future::join_all(visits).await;
        let granted = statuses.iter().filter(|&&s| s == 302).count();
        assert_eq!(granted, 5, "round {round}: {statuses:?}");
        assert!(statuses.iter().all(|&s| s == 302 || s == 410), "{statuses:?}");
        let mine = owner.client.get("/shares?limit=1").await.json();
        assert_eq!(mine["items"][0]["download_count"], 5);
    }
    stack.audit();
}
