//! Files that delete themselves: an expiry asked for at upload (through the Worker or
//! directly) or set later; from that instant no listing, search, download or link shows the
//! file, and the sweeper deletes its bytes.

use crate::harness::{Stack, User};
use edgedrop::model::rfc3339;
use serde_json::{json, Value};
use std::time::Duration;

/// An RFC 3339 time `seconds` from now.
fn in_seconds(seconds: i64) -> String {
    rfc3339((crate::now() + seconds) * 1000)
}

async fn upload_expiring(user: &User, name: &str, folder: &str, expires_in: u32) -> Value {
    let path = format!("/files/upload?name={name}&folder={folder}&expires_in={expires_in}");
    let answer = user.client.post_bytes(&path, "application/octet-stream", name.as_bytes().to_vec()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

#[tokio::test]
async fn a_file_that_expires_is_gone_at_once_from_every_listing_download_and_link() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let kept = owner.client.upload("kept-report.txt", "/box", b"kept").await;
    let doomed = upload_expiring(&owner, "doomed-report.txt", "/box", 2).await;
    assert!(doomed["expires_at"].is_string() && kept["expires_at"].is_null(), "{doomed}");
    let id = doomed["id"].as_str().unwrap();
    let single = owner.client.post_json(&format!("/files/{id}/share"), &json!({})).await.json();
    let folder = owner.client.post_json("/shares", &json!({ "folder": "/box" })).await.json();
    let visitor = stack.client();
    assert_eq!(visitor.get(&format!("/share/{}", single["token"].as_str().unwrap())).await.status, 302);

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let names = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(owner.client.get("/files").await.json()), ["kept-report.txt"]);
    assert_eq!(names(owner.client.get("/files?q=report").await.json()), ["kept-report.txt"], "search too");
    assert_eq!(names(owner.client.get("/files?q=re").await.json()), ["kept-report.txt"], "short search too");
    owner.client.get(&format!("/files/{id}")).await.problem(404, "file_not_found");
    owner.client.get(&format!("/files/{id}/download")).await.problem(404, "file_not_found");
    owner
        .client
        .patch_json(&format!("/files/{id}"), &json!({ "expires_at": null }))
        .await
        .problem(404, "file_not_found");
    visitor.get(&format!("/share/{}", single["token"].as_str().unwrap())).await.problem(410, "share_expired");
    let t = folder["token"].as_str().unwrap();
    visitor.get(&format!("/share/{t}/files/{id}")).await.problem(404, "share_not_found");
    let listed = visitor
        .send(visitor.request(reqwest::Method::GET, &format!("/share/{t}")).header("accept", "application/json"))
        .await;
    assert_eq!(names(listed.json()), ["kept-report.txt"]);
    owner.client.post_json(&format!("/files/{id}/share"), &json!({})).await.problem(404, "file_not_found");

    // The sweeper deletes the row and the bytes; the owner's usage goes down.
    assert_eq!(owner.client.get("/auth/me").await.json()["file_count"], 2, "counted until swept");
    stack.run_scheduled().await;
    assert_eq!(owner.client.get("/auth/me").await.json()["file_count"], 1);
    let key = format!("u/{}/{id}", owner.id);
    assert!(!stack.objects().contains(&key), "its object is deleted");
    assert!(stack.d1_rows(&format!("SELECT id FROM files WHERE id = '{id}'")).is_empty());
    stack.audit();
}

#[tokio::test]
async fn a_folder_whose_only_file_expired_leaves_the_folder_list_at_once() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    owner.client.upload("stays.txt", "/kept", b"kept").await;
    upload_expiring(&owner, "brief.txt", "/brief/inner", 1).await;
    let folders = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(folders(owner.client.get("/folders").await.json()), ["/brief", "/kept"]);

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(folders(owner.client.get("/folders").await.json()), ["/kept"], "before any sweep");
    assert!(folders(owner.client.get("/folders?parent=/brief").await.json()).is_empty());
}

#[tokio::test]
async fn the_owner_sets_moves_and_clears_a_files_expiry() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("notes.txt", "/", b"notes").await;
    let path = format!("/files/{}", file["id"].as_str().unwrap());
    let at = in_seconds(3600);
    let set = owner.client.patch_json(&path, &json!({ "expires_at": at })).await;
    assert_eq!(set.status, 200, "{}", set.text());
    assert_eq!(set.json()["expires_at"].as_str().unwrap()[..19], at[..19]);
    assert_eq!(owner.client.get(&path).await.json()["expires_at"], set.json()["expires_at"]);
    let cleared = owner.client.patch_json(&path, &json!({ "expires_at": null, "name": "kept.txt" })).await.json();
    assert!(cleared["expires_at"].is_null() && cleared["name"] == "kept.txt", "{cleared}");
    for bad in [json!(in_seconds(-10)), json!(in_seconds(11 * 365 * 24 * 3600)), json!("tomorrow"), json!(5)] {
        let refused = owner.client.patch_json(&path, &json!({ "expires_at": bad })).await;
        assert_eq!(refused.problem(422, "validation_error")["field"], "expires_at", "{bad}");
    }
    for bad in ["0", "-1", "soon"] {
        let refused = owner
            .client
            .post_bytes(&format!("/files/upload?name=x&expires_in={bad}"), "text/plain", b"x".to_vec())
            .await;
        assert_eq!(refused.problem(422, "validation_error")["field"], "expires_in", "{bad}");
    }
    let stranger = stack.user().await;
    stranger.client.patch_json(&path, &json!({ "expires_at": in_seconds(60) })).await.problem(404, "file_not_found");
    assert!(owner.client.get(&path).await.json()["expires_at"].is_null());
}

#[tokio::test]
async fn a_direct_upload_asks_for_its_files_lifetime_which_runs_from_its_completion() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let ticket =
        owner.client.post_json("/files/uploads", &json!({ "name": "big.bin", "size": 4, "expires_in": 3600 })).await;
    assert_eq!(ticket.status, 201, "{}", ticket.text());
    let ticket = ticket.json();
    assert_eq!(owner.client.put_url(ticket["url"].as_str().unwrap(), b"data".to_vec()).await.status, 200);
    let done = owner
        .client
        .post_json(&format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(done.status, 201, "{}", done.text());
    let expires_at = done.json()["expires_at"].as_str().unwrap().to_owned();
    assert!(expires_at > in_seconds(3500) && expires_at <= in_seconds(3601), "{expires_at}");
    let refused = owner.client.post_json("/files/uploads", &json!({ "name": "x", "size": 1, "expires_in": 0 })).await;
    assert_eq!(refused.problem(422, "validation_error")["field"], "expires_in");
}

#[tokio::test]
async fn a_deployment_gives_files_a_default_lifetime_and_caps_what_they_ask_for() {
    let stack = Stack::start(&[("DEFAULT_FILE_TTL_SECONDS", Some("600")), ("MAX_FILE_TTL_SECONDS", Some("3600"))]);
    let owner = stack.user().await;
    let defaulted = owner.client.upload("a.txt", "/", b"a").await;
    let expires_at = defaulted["expires_at"].as_str().unwrap().to_owned();
    assert!(expires_at > in_seconds(500) && expires_at <= in_seconds(601), "{expires_at}");
    let refused = owner.client.post_bytes("/files/upload?name=b&expires_in=3601", "text/plain", b"b".to_vec()).await;
    assert_eq!(refused.problem(422, "validation_error")["field"], "expires_in");
    let path = format!("/files/{}", defaulted["id"].as_str().unwrap());
    let refused = owner.client.patch_json(&path, &json!({ "expires_at": in_seconds(3700) })).await;
    assert_eq!(refused.problem(422, "validation_error")["field"], "expires_at");
    assert_eq!(owner.client.patch_json(&path, &json!({ "expires_at": null })).await.json()["expires_at"], Value::Null);
}
