//! Upload requests ("reverse shares"): an owner hands out a link, guests send files through
//! it into one of the owner's folders, within its limits, and see nothing else.

use crate::harness::{encode, fresh_ip, Answer, Client, Stack, User};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// A stack whose users have 1 MB of quota each, so the quota visibly counts guests' files.
fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| Stack::start(&[("QUOTA_BYTES", Some("1000000"))]))
}

/// The owner's new request with `body`; returns it (with its token).
async fn request(owner: &User, body: Value) -> Value {
    let created = owner.client.post_json("/requests", &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

fn token(request: &Value) -> String {
    request["token"].as_str().unwrap().to_owned()
}

/// A guest sends `bytes` as a raw upload named `name` through the request with `token`.
async fn send(guest: &Client, token: &str, name: &str, bytes: Vec<u8>, password: Option<&str>) -> Answer {
    let path = format!("/request/{token}/files?name={}", encode(name));
    let mut builder = guest.request(reqwest::Method::POST, &path).header("content-type", "text/plain").body(bytes);
    if let Some(password) = password {
        builder = builder.header("x-edgedrop-password", password);
    }
    guest.send(builder).await
}

/// The names of the owner's files in `folder`.
async fn names_in(owner: &User, folder: &str) -> Vec<String> {
    let page = owner.client.get(&format!("/files?folder={}&limit=1000", encode(folder))).await.json();
    let mut names: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

/// The owner's view of one of their requests.
async fn owners_view(owner: &User, id: &str) -> Value {
    let list = owner.client.get("/requests").await.json();
    list["items"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned().expect("the request is listed")
}

#[tokio::test]
async fn a_guest_sends_files_into_the_owners_folder_and_sees_nothing_of_it() {
    let stack = stack();
    let owner = stack.user().await;
    let created =
        request(&owner, json!({ "folder": "/inbox", "max_files": 3, "note": "Your tax papers, please" })).await;
    assert!(created["url"].as_str().unwrap().ends_with(&format!("/request/{}", token(&created))));
    let guest = stack.client();
    let path = format!("/request/{}", token(&created));
    let shown = guest.send(guest.request(reqwest::Method::GET, &path).header("accept", "application/json")).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let shown = shown.json();
    assert_eq!((shown["note"].as_str(), shown["files_left"].as_i64()), (Some("Your tax papers, please"), Some(3)));
    assert!(shown.get("folder").is_none(), "a guest is not told where files go: {shown}");

    let sent = send(&guest, &token(&created), "receipt.txt", b"42 euros".to_vec(), None).await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let sent = sent.json();
    assert_eq!((sent["name"].as_str(), sent["size"].as_i64()), (Some("receipt.txt"), Some(8)));
    assert!(sent.get("id").is_none() && sent.get("folder").is_none(), "nothing to find the file by: {sent}");
    // A form naming another folder still lands in the request's.
    let form = reqwest::multipart::Form::new()
        .text("folder", "/private")
        .part("file", reqwest::multipart::Part::bytes(b"scan".to_vec()).file_name("scan.pdf"));
    let formed = guest.send(guest.request(reqwest::Method::POST, &format!("{path}/files")).multipart(form)).await;
    assert_eq!(formed.status, 201, "{}", formed.text());

    assert_eq!(names_in(&owner, "/inbox").await, ["receipt.txt", "scan.pdf"]);
    assert!(names_in(&owner, "/private").await.is_empty());
    let me = owner.client.get("/auth/me").await.json();
    assert_eq!((me["file_count"].as_i64(), me["used_bytes"].as_i64()), (Some(2), Some(12)));
    let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
    assert_eq!((view["files_received"].as_i64(), view["bytes_received"].as_i64()), (Some(2), Some(12)));
    assert_eq!((view["files_left"].as_i64(), view["files_pending"].as_i64()), (Some(1), Some(0)));
    assert!(view.get("token").is_none(), "the token is shown only once");

    // The guest can list and download nothing: the link has no such routes, and the API
    // wants an account.
    for listing in [format!("{path}/files"), format!("{path}/uploads"), "/files".into(), "/folders".into()] {
        assert!(matches!(guest.get(&listing).await.status, 401 | 405), "{listing}");
    }
    stack.audit();
}

/// Runs `guests` concurrent raw uploads of `size` bytes through the request `token`;
/// returns their statuses.
async fn race(stack: &Stack, token: &str, guests: usize, size: usize) -> Vec<u16> {
    let racers: Vec<_> = (0..guests)
        .map(|i| {
            let (guest, token) = (stack.client(), token.to_owned());
            tokio::spawn(async move { send(&guest, &token, &format!("racer-{i}.bin"), vec![7; size], None).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        let answer = racer.await.unwrap();
        if answer.status != 201 {
            let code = answer.json()["code"].as_str().unwrap().to_owned();
            assert!(matches!(code.as_str(), "request_full" | "request_too_large"), "{}", answer.text());
        }
        statuses.push(answer.status);
    }
    statuses
}

#[tokio::test]
async fn twenty_guests_racing_a_five_file_request_leave_exactly_five_files() {
    let stack = stack();
    let owner = stack.user().await;
    for round in 0..4 {
        let folder = format!("/race-{round}");
        let created = request(&owner, json!({ "folder": folder, "max_files": 5 })).await;
        let statuses = race(stack, &token(&created), 20, 100).await;
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "round {round}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 15, "round {round}: {statuses:?}");
        assert_eq!(names_in(&owner, &folder).await.len(), 5, "round {round}");
        let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
        assert_eq!((view["files_received"].as_i64(), view["files_left"].as_i64()), (Some(5), Some(0)));
    }
    stack.audit();
}

#[tokio::test]
async fn guests_racing_for_the_bytes_of_a_request_never_store_more_than_it_takes() {
    let stack = stack();
    let owner = stack.user().await;
    for round in 0..4 {
        let folder = format!("/bytes-{round}");
        let created = request(&owner, json!({ "folder": folder, "max_bytes": 1000 })).await;
        let statuses = race(stack, &token(&created), 20, 300).await;
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3, "round {round}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 413).count(), 17, "round {round}: {statuses:?}");
        let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
        assert_eq!((view["bytes_received"].as_i64(), view["bytes_left"].as_i64()), (Some(900), Some(100)));
        assert_eq!(names_in(&owner, &folder).await.len(), 3);
    }
    stack.audit();
}

/// A guest's direct upload of `size` bytes through `token`.
async fn start_direct(guest: &Client, token: &str, name: &str, size: usize) -> Answer {
    guest
        .post_json(&format!("/request/{token}/uploads"), &json!({ "name": name, "size": size, "folder": "/elsewhere" }))
        .await
}

#[tokio::test]
async fn a_direct_upload_holds_its_slot_until_it_is_completed_or_aborted() {
    let stack = stack();
    let owner = stack.user().await;
    let created = request(&owner, json!({ "folder": "/direct", "max_files": 1 })).await;
    let token = token(&created);
    let guest = stack.client();
    let first = start_direct(&guest, &token, "big.bin", 1000).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    start_direct(&guest, &token, "second.bin", 10).await.problem(409, "request_full");
    assert_eq!(owners_view(&owner, created["id"].as_str().unwrap()).await["files_pending"], 1);
    // Aborting gives the slot back.
    let upload = first["upload_id"].as_str().unwrap();
    assert_eq!(guest.delete(&format!("/request/{token}/uploads/{upload}")).await.status, 204);
    let ticket = start_direct(&guest, &token, "big.bin", 1000).await.json();
    let upload = ticket["upload_id"].as_str().unwrap();
    assert_eq!(guest.put_url(ticket["url"].as_str().unwrap(), vec![3; 1000]).await.status, 200);
    let status = guest.get(&format!("/request/{token}/uploads/{upload}")).await.json();
    assert_eq!((status["uploaded_bytes"].as_i64(), status["folder"].as_str()), (Some(1000), Some("/")));
    // Another request's link, or the owner's API without a token, reaches nothing of it.
    let other = request(&owner, json!({ "folder": "/other" })).await;
    let foreign = format!("/request/{}/uploads/{upload}", other["token"].as_str().unwrap());
    guest.get(&foreign).await.problem(404, "upload_not_found");
    guest.delete(&foreign).await.problem(404, "upload_not_found");
    let complete = format!("/request/{token}/uploads/{upload}/complete");
    let done = guest.post_json(&complete, &json!({ "parts": [] })).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let again = guest.post_json(&complete, &json!({ "parts": [] })).await;
    assert_eq!(again.status, 201, "a retried complete answers the same: {}", again.text());
    assert_eq!(again.json()["name"], "big.bin");
    assert_eq!(names_in(&owner, "/direct").await, ["big.bin"]);
    start_direct(&guest, &token, "third.bin", 10).await.problem(409, "request_full");
    let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
    assert_eq!((view["files_received"].as_i64(), view["files_pending"].as_i64()), (Some(1), Some(0)));
    stack.audit();
}

#[tokio::test]
async fn an_expired_request_answers_410_and_a_revoked_one_404() {
    let stack = stack();
    let owner = stack.user().await;
    let brief = request(&owner, json!({ "folder": "/brief", "expires_in": 1 })).await;
    let revoked = request(&owner, json!({ "folder": "/revoked" })).await;
    let guest = stack.client();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    guest.get(&format!("/request/{}", token(&brief))).await.problem(410, "request_expired");
    send(&guest, &token(&brief), "late.txt", b"late".to_vec(), None).await.problem(410, "request_expired");
    start_direct(&guest, &token(&brief), "late.bin", 5).await.problem(410, "request_expired");

    // Someone else cannot revoke it; the owner can, at once.
    let stranger = stack.user().await;
    let path = format!("/requests/{}", revoked["id"].as_str().unwrap());
    stranger.client.delete(&path).await.problem(404, "request_not_found");
    stranger.client.patch_json(&path, &json!({ "max_files": 9 })).await.problem(404, "request_not_found");
    assert!(stranger.client.get("/requests").await.json()["items"].as_array().unwrap().is_empty());
    assert_eq!(owner.client.delete(&path).await.status, 204);
    guest.get(&format!("/request/{}", token(&revoked))).await.problem(404, "request_not_found");
    send(&guest, &token(&revoked), "x.txt", b"x".to_vec(), None).await.problem(404, "request_not_found");
    owner.client.delete(&path).await.problem(404, "request_not_found");
    guest.get("/request/not-a-token").await.problem(404, "request_not_found");
    assert!(names_in(&owner, "/brief").await.is_empty() && names_in(&owner, "/revoked").await.is_empty());
    stack.audit();
}

#[tokio::test]
async fn uploads_caught_by_a_revocation_either_land_whole_or_leave_nothing() {
    let stack = stack();
    let owner = stack.user().await;
    for round in 0..4 {
        let folder = format!("/caught-{round}");
        let created = request(&owner, json!({ "folder": folder })).await;
        let token = token(&created);
        let guest = stack.client();
        let ticket = start_direct(&guest, &token, "mid.bin", 500).await.json();
        assert_eq!(guest.put_url(ticket["url"].as_str().unwrap(), vec![1; 500]).await.status, 200);
        let upload = ticket["upload_id"].as_str().unwrap().to_owned();
        // The complete, a streamed upload and the owner's revocation race.
        let completing = {
            let (guest, token, upload) = (guest.clone(), token.clone(), upload.clone());
            tokio::spawn(async move {
                guest.post_json(&format!("/request/{token}/uploads/{upload}/complete"), &json!({})).await.status
            })
        };
        let streaming = {
            let (guest, token) = (guest.clone(), token.clone());
            tokio::spawn(async move { send(&guest, &token, "stream.bin", vec![2; 300], None).await.status })
        };
        let revoking = owner.client.delete(&format!("/requests/{}", created["id"].as_str().unwrap())).await;
        assert_eq!(revoking.status, 204);
        let (completed, streamed) = (completing.await.unwrap(), streaming.await.unwrap());
        let mut expected = Vec::new();
        if completed == 201 {
            expected.push("mid.bin".to_owned());
        }
        if streamed == 201 {
            expected.push("stream.bin".to_owned());
        }
        assert_eq!(names_in(&owner, &folder).await, expected, "round {round}: {completed} {streamed}");
        for status in [completed, streamed] {
            assert!(matches!(status, 201 | 404 | 410), "round {round}: {status}");
        }
    }
    // Whatever did not land is on the ledger for the sweeper, or gone already.
    stack.run_scheduled().await;
    stack.audit();
}

#[tokio::test]
async fn a_protected_request_takes_files_only_with_its_password_and_counts_wrong_ones() {
    let stack = stack();
    let owner = stack.user().await;
    let created = request(&owner, json!({ "folder": "/locked", "password": "open sesame" })).await;
    assert_eq!(created["protected"], true);
    let token = token(&created);
    let guest = stack.client_at(&fresh_ip());
    let path = format!("/request/{token}");
    let with = |password: &'static str| {
        let guest = guest.clone();
        let path = path.clone();
        async move { guest.send(guest.request(reqwest::Method::GET, &path).header("x-edgedrop-password", password)).await }
    };
    guest.get(&path).await.problem(401, "request_password_required");
    with("wrong password").await.problem(401, "invalid_request_password");
    assert_eq!(with("open sesame").await.status, 200);
    send(&guest, &token, "a.txt", b"a".to_vec(), None).await.problem(401, "request_password_required");
    send(&guest, &token, "a.txt", b"a".to_vec(), Some("nope nope")).await.problem(401, "invalid_request_password");
    assert_eq!(send(&guest, &token, "a.txt", b"a".to_vec(), Some("open sesame")).await.status, 201);
    // A changed password holds at once.
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        owner.client.patch_json(&format!("/requests/{id}"), &json!({ "password": "new secret" })).await.status,
        200
    );
    send(&guest, &token, "b.txt", b"b".to_vec(), Some("open sesame")).await.problem(401, "invalid_request_password");
    // Past ten wrong attempts at the link, even the right one waits.
    for _ in 0..10 {
        with("wrong password").await;
    }
    let limited = send(&guest, &token, "c.txt", b"c".to_vec(), Some("new secret")).await.problem(429, "rate_limited");
    assert!(limited["detail"].as_str().unwrap().contains("seconds"));
    assert_eq!(names_in(&owner, "/locked").await, ["a.txt"]);
    stack.audit();
}

#[tokio::test]
async fn guests_files_count_against_the_owners_quota() {
    let stack = stack();
    let owner = stack.user().await;
    owner.client.upload("mine.bin", "/", &vec![0; 900_000]).await;
    let created = request(&owner, json!({ "folder": "/in" })).await;
    let guest = stack.client();
    send(&guest, &token(&created), "big.bin", vec![1; 200_000], None).await.problem(413, "quota_exceeded");
    start_direct(&guest, &token(&created), "big.bin", 200_000).await.problem(413, "quota_exceeded");
    assert_eq!(send(&guest, &token(&created), "small.bin", vec![1; 50_000], None).await.status, 201);
    let me = owner.client.get("/auth/me").await.json();
    assert_eq!((me["used_bytes"].as_i64(), me["pending_bytes"].as_i64()), (Some(950_000), Some(0)));
    let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
    assert_eq!((view["files_received"].as_i64(), view["files_pending"].as_i64()), (Some(1), Some(0)));
    stack.audit();
}

#[tokio::test]
async fn the_owner_changes_a_requests_limits_folder_and_note() {
    let stack = stack();
    let owner = stack.user().await;
    let created = request(&owner, json!({ "folder": "/a", "max_files": 1, "note": "hi" })).await;
    let (id, token) = (created["id"].as_str().unwrap().to_owned(), token(&created));
    let guest = stack.client();
    assert_eq!(send(&guest, &token, "1.txt", b"1".to_vec(), None).await.status, 201);
    send(&guest, &token, "2.txt", b"2".to_vec(), None).await.problem(409, "request_full");
    let path = format!("/requests/{id}");
    let changed = owner.client.patch_json(&path, &json!({ "max_files": null, "folder": "/b", "note": null })).await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let changed = changed.json();
    assert_eq!((changed["max_files"].clone(), changed["note"].clone()), (Value::Null, Value::Null));
    assert_eq!(changed["folder"], "/b");
    assert_eq!(send(&guest, &token, "2.txt", b"2".to_vec(), None).await.status, 201);
    assert_eq!(
        (names_in(&owner, "/a").await, names_in(&owner, "/b").await),
        (vec!["1.txt".into()], vec!["2.txt".into()])
    );
    for bad in [json!({ "max_files": 0 }), json!({ "folder": "no-slash" }), json!({ "note": "\u{202e}x" })] {
        owner.client.patch_json(&path, &bad).await.problem(422, "validation_error");
    }
    owner.client.post_json("/requests", &json!({ "max_files": 3 })).await.problem(422, "validation_error");
    owner
        .client
        .post_json("/requests", &json!({ "folder": "/x", "expires_in": 999_999_999 }))
        .await
        .problem(422, "validation_error");
    assert_eq!(owner.client.get("/requests").await.json()["items"].as_array().unwrap().len(), 1);
    stack.audit();
}

#[tokio::test]
async fn the_sweeper_gives_back_abandoned_slots_and_drops_long_expired_requests() {
    // Uploads die after about 7 s here (a day by default): time enough for the guest's PUT
    // on a busy machine.
    let stack = Stack::start(&[
        ("PENDING_UPLOAD_TTL_HOURS", Some("0.002")),
        ("UPLOAD_URL_TTL_SECONDS", Some("5")),
        ("EXPIRED_SHARE_GRACE_HOURS", Some("0.0001")),
    ]);
    let owner = stack.user().await;
    let brief = request(&owner, json!({ "folder": "/brief", "expires_in": 1 })).await;
    let created = request(&owner, json!({ "folder": "/abandoned", "max_files": 1 })).await;
    let (id, token) = (created["id"].as_str().unwrap().to_owned(), token(&created));
    let guest = stack.client();
    let ticket = start_direct(&guest, &token, "left.bin", 100).await.json();
    assert_eq!(guest.put_url(ticket["url"].as_str().unwrap(), vec![5; 100]).await.status, 200);
    start_direct(&guest, &token, "next.bin", 100).await.problem(409, "request_full");
    // The guest walks away; once the upload's time is up, the sweeper takes it back.
    tokio::time::sleep(std::time::Duration::from_millis(7500)).await;
    stack.run_scheduled().await;
    let view = owners_view(&owner, &id).await;
    assert_eq!((view["files_pending"].as_i64(), view["files_left"].as_i64()), (Some(0), Some(1)));
    assert_eq!(owner.client.get("/auth/me").await.json()["pending_bytes"], 0);
    assert_eq!(start_direct(&guest, &token, "next.bin", 100).await.status, 201);
    assert!(names_in(&owner, "/abandoned").await.is_empty());
    // Expired for longer than the grace period, a request is gone, as a revoked one.
    stack
        .client()
        .get(&format!("/request/{}", brief["token"].as_str().unwrap()))
        .await
        .problem(404, "request_not_found");
    let left = owner.client.get("/requests").await.json();
    assert_eq!(
        left["items"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
        [created["id"].clone()]
    );
    stack.audit();
}

/// The owner's file called `name` in `folder`, if it is listed.
async fn file_in(owner: &User, folder: &str, name: &str) -> Option<Value> {
    let page = owner.client.get(&format!("/files?folder={}&limit=1000", encode(folder))).await.json();
    page["items"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned()
}

#[tokio::test]
async fn a_guests_file_lives_as_the_owners_do_by_default_and_the_guest_cannot_choose() {
    let stack = Stack::start(&[("DEFAULT_FILE_TTL_SECONDS", Some("600"))]);
    let owner = stack.user().await;
    let created = request(&owner, json!({ "folder": "/inbox", "max_files": 3 })).await;
    let token = token(&created);
    let guest = stack.client();
    let in_seconds = |seconds: i64| edgedrop::model::rfc3339((crate::now() + seconds) * 1000);

    // Streamed: the deployment's default lifetime, as an owner's upload asking for none.
    assert_eq!(send(&guest, &token, "streamed.txt", b"abc".to_vec(), None).await.status, 201);
    let streamed = file_in(&owner, "/inbox", "streamed.txt").await.expect("the guest's file is listed");
    let expires_at = streamed["expires_at"].as_str().unwrap().to_owned();
    assert!(expires_at > in_seconds(500) && expires_at <= in_seconds(601), "{expires_at}");
    // When the owner's file deletes itself is the owner's to say, not a guest's.
    let path = format!("/request/{token}/files?name=mine.txt&expires_in=1");
    let asked = guest.send(guest.request(reqwest::Method::POST, &path).body(b"x".to_vec())).await;
    assert_eq!(asked.problem(422, "validation_error")["field"], "expires_in");
    let asked = guest
        .post_json(&format!("/request/{token}/uploads"), &json!({ "name": "d.bin", "size": 4, "expires_in": 1 }))
        .await;
    assert_eq!(asked.problem(422, "validation_error")["field"], "expires_in");

    // Direct: the default lifetime too, counted from the completion.
    let ticket = start_direct(&guest, &token, "direct.bin", 4).await.json();
    assert_eq!(guest.put_url(ticket["url"].as_str().unwrap(), b"data".to_vec()).await.status, 200);
    let complete = format!("/request/{token}/uploads/{}/complete", ticket["upload_id"].as_str().unwrap());
    assert_eq!(guest.post_json(&complete, &json!({})).await.status, 201);
    let direct = file_in(&owner, "/inbox", "direct.bin").await.expect("the guest's direct upload is listed");
    let expires_at = direct["expires_at"].as_str().unwrap().to_owned();
    assert!(expires_at > in_seconds(500) && expires_at <= in_seconds(601), "{expires_at}");

    // The owner may shorten it; the file is gone at once, the sweeper deletes its bytes, and
    // the request still counts it as received (its slot is not given back).
    let path = format!("/files/{}", streamed["id"].as_str().unwrap());
    let shortened = owner.client.patch_json(&path, &json!({ "expires_at": in_seconds(2) })).await;
    assert_eq!(shortened.status, 200, "{}", shortened.text());
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert!(file_in(&owner, "/inbox", "streamed.txt").await.is_none());
    stack.run_scheduled().await;
    assert_eq!(names_in(&owner, "/inbox").await, ["direct.bin"]);
    let view = owners_view(&owner, created["id"].as_str().unwrap()).await;
    assert_eq!((view["files_received"].as_i64(), view["files_left"].as_i64()), (Some(2), Some(1)));
    stack.audit();
}
