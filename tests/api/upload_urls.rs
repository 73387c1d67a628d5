//! Upload URLs can neither exceed nor outlive their upload: each is signed for the exact
//! length of what it uploads (the bucket refuses anything else), a part URL dies with its
//! multipart upload, and whatever an old single-PUT URL may still store stays on the ledger
//! until the URL is dead, when the sweeper removes it. Checked against s3s-fs, which
//! verifies signed headers as S3, B2 and R2 do.

use crate::harness::{Stack, User};
use serde_json::{json, Value};

const MIB: usize = 1024 * 1024;

/// Uploads live about 14 seconds here, and their URLs ten: long enough that a loaded
/// machine gets through the steps before the deadline, short enough to wait for it. A key
/// is watched for late bytes one second past its URLs (an hour by default).
fn short_lived() -> Stack {
    Stack::start(&[
        ("PENDING_UPLOAD_TTL_HOURS", Some("0.004")),
        ("UPLOAD_URL_TTL_SECONDS", Some("10")),
        ("MULTIPART_THRESHOLD_BYTES", Some("5242880")),
        ("LATE_WRITE_GRACE_SECONDS", Some("1")),
    ])
}

async fn start(user: &User, name: &str, size: usize) -> Value {
    let answer = user.client.post_json("/files/uploads", &json!({ "name": name, "size": size })).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

async fn complete(user: &User, ticket: &Value, parts: Value) -> crate::harness::Answer {
    let path = format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap());
    user.client.post_json(&path, &json!({ "parts": parts })).await
}

/// PUTs `bytes` to `url`: the status, or `None` when the bucket cut the connection before
/// taking the body (s3s-fs does so when it refuses a large one outright).
async fn put_status(user: &User, url: &str, bytes: Vec<u8>) -> Option<u16> {
    let request = reqwest::Client::new().put(url).body(bytes);
    let _ = user;
    request.send().await.ok().map(|answer| answer.status().as_u16())
}

async fn downloaded(user: &User, file_id: &str) -> Vec<u8> {
    let link = user.client.get(&format!("/files/{file_id}/download")).await.json();
    user.client.fetch(link["url"].as_str().unwrap()).await.body
}

#[tokio::test]
async fn a_put_url_stores_exactly_its_size_before_and_after_completion() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let ticket = start(&user, "five.txt", 5).await;
    let url = ticket["url"].as_str().unwrap();
    let big = vec![b'x'; 50 * MIB];
    let refused = put_status(&user, url, big.clone()).await;
    assert!(matches!(refused, Some(403) | None), "50 MiB through a 5-byte URL: {refused:?}");
    assert_eq!(user.client.put_url(url, b"hello".to_vec()).await.status, 200);
    assert_eq!(complete(&user, &ticket, json!([])).await.status, 201);
    // After completion the URL still cannot grow the file behind its row's back.
    let refused = put_status(&user, url, big).await;
    assert!(matches!(refused, Some(403) | None), "{refused:?}");
    let file_id = ticket["file_id"].as_str().unwrap();
    assert_eq!(downloaded(&user, file_id).await, b"hello");
    assert_eq!(user.client.get("/auth/me").await.json()["used_bytes"], 5);
    stack.audit();
}

#[tokio::test]
async fn a_part_url_dies_with_its_multipart_upload() {
    let stack = Stack::start(&[("MULTIPART_THRESHOLD_BYTES", Some("5242880"))]);
    let user = stack.user().await;
    let bytes: Vec<u8> = (0..6 * MIB).map(|i| (i % 253) as u8).collect();

    // Completed: the part URLs are refused from then on, and the file keeps its bytes.
    let ticket = start(&user, "parts.bin", bytes.len()).await;
    assert_eq!(ticket["part_count"], 1, "one part of 6 MiB");
    let url = ticket["parts"][0]["url"].as_str().unwrap().to_owned();
    let padded = [bytes.clone(), vec![0; 1]].concat();
    let refused = put_status(&user, &url, padded).await;
    assert!(matches!(refused, Some(403) | None), "one byte more than the part: {refused:?}");
    let stored = user.client.put_url(&url, bytes.clone()).await;
    assert_eq!(stored.status, 200);
    let etag = stored.header("etag").unwrap();
    let done = complete(&user, &ticket, json!([{ "part_number": 1, "etag": etag }])).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let again = put_status(&user, &url, vec![7; bytes.len()]).await;
    assert!(matches!(again, Some(403 | 404) | None), "the multipart upload is gone: {again:?}");
    assert!(downloaded(&user, ticket["file_id"].as_str().unwrap()).await == bytes);

    // Aborted: the part URLs are refused, and nothing is left.
    let ticket = start(&user, "abandoned.bin", bytes.len()).await;
    let url = ticket["parts"][0]["url"].as_str().unwrap().to_owned();
    let upload = ticket["upload_id"].as_str().unwrap();
    assert_eq!(user.client.delete(&format!("/files/uploads/{upload}")).await.status, 204);
    let refused = put_status(&user, &url, bytes.clone()).await;
    assert!(matches!(refused, Some(403 | 404) | None), "{refused:?}");
    assert_eq!(stack.objects_of(&user.id).len(), 1, "only the completed file");
    stack.audit();
}

#[tokio::test]
async fn what_an_old_put_url_stores_after_an_abort_or_a_delete_is_swept_once_the_url_is_dead() {
    let stack = short_lived();
    let user = stack.user().await;
    // An aborted upload whose URL is used afterwards.
    let aborted = start(&user, "late.txt", 4).await;
    let upload = aborted["upload_id"].as_str().unwrap();
    assert_eq!(user.client.delete(&format!("/files/uploads/{upload}")).await.status, 204);
    assert_eq!(user.client.put_url(aborted["url"].as_str().unwrap(), b"late".to_vec()).await.status, 200);
    // A completed then deleted file whose URL is used afterwards.
    let deleted = start(&user, "gone.txt", 4).await;
    let url = deleted["url"].as_str().unwrap();
    assert_eq!(user.client.put_url(url, b"gone".to_vec()).await.status, 200);
    assert_eq!(complete(&user, &deleted, json!([])).await.status, 201);
    let file_id = deleted["file_id"].as_str().unwrap();
    assert_eq!(user.client.delete(&format!("/files/{file_id}")).await.status, 204);
    assert_eq!(user.client.put_url(url, b"back".to_vec()).await.status, 200);

    // Both objects exist, and both are accounted for: on the ledger, not lost.
    assert_eq!(stack.objects_of(&user.id).len(), 2);
    stack.audit();
    stack.run_scheduled().await;
    assert_eq!(stack.objects_of(&user.id).len(), 2, "their URLs still live: not yet");

    // Once every URL is dead (and the grace for uploads that started in time is over), the
    // sweep removes them for good.
    tokio::time::sleep(std::time::Duration::from_millis(15_500)).await;
    assert_eq!(user.client.put_url(url, b"dead".to_vec()).await.status, 403, "the URL expired");
    stack.run_scheduled().await;
    assert!(stack.objects_of(&user.id).is_empty(), "{:?}", stack.objects_of(&user.id));
    assert_eq!(user.client.get("/auth/me").await.json()["pending_bytes"], 0);
    stack.audit();
}
