//! Direct uploads: bytes go from the client straight to the bucket, any size, resumable.

use crate::harness::{Client, Stack, User};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// A stack whose Worker takes at most 1 MiB per request and switches to multipart above
/// 5 MiB, so direct uploads visibly go beyond what the Worker itself accepts.
fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        Stack::start(&[("MAX_UPLOAD_BYTES", Some("1048576")), ("MULTIPART_THRESHOLD_BYTES", Some("5242880"))])
    })
}

const MIB: usize = 1024 * 1024;

fn data(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32).map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 24) as u8).collect()
}

async fn start(user: &User, name: &str, size: usize) -> Value {
    let answer =
        user.client.post_json("/files/uploads", &json!({ "name": name, "folder": "/big", "size": size })).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()
}

/// PUTs part `number` (1-based) of `bytes` to `url`; returns its ETag.
async fn put_part(client: &Client, url: &str, bytes: &[u8], part_size: usize, number: usize) -> String {
    let part = bytes[(number - 1) * part_size..(number * part_size).min(bytes.len())].to_vec();
    let stored = client.put_url(url, part).await;
    assert_eq!(stored.status, 200, "{}", stored.text());
    stored.header("etag").expect("the bucket answers an ETag")
}

/// The bucket's id of the multipart upload a part URL belongs to.
fn multipart_id_of(url: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    query.split('&').find_map(|pair| pair.strip_prefix("uploadId=")).unwrap().to_owned()
}

fn url_of(ticket: &Value, number: usize) -> String {
    ticket["parts"][number - 1]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_file_larger_than_the_worker_accepts_goes_straight_to_the_bucket_in_parts() {
    let stack = stack();
    let user = stack.user().await;
    let bytes = data(20 * MIB + 4321, 1);
    let ticket = start(&user, "dataset.bin", bytes.len()).await;
    assert_eq!(ticket["method"], "multipart");
    assert_eq!((ticket["part_size"].as_u64(), ticket["part_count"].as_u64()), (Some(8 * MIB as u64), Some(3)));
    assert_eq!(ticket["parts"].as_array().unwrap().len(), 3);
    let upload = ticket["upload_id"].as_str().unwrap();
    let file_id = ticket["file_id"].as_str().unwrap();

    let mut etags = Vec::new();
    for number in 1..=3 {
        etags.push(put_part(&user.client, &url_of(&ticket, number), &bytes, 8 * MIB, number).await);
    }
    // Pending: not listed, not downloadable, not shareable.
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    user.client.get(&format!("/files/{file_id}/download")).await.problem(404, "file_not_found");
    user.client.post_json(&format!("/files/{file_id}/share"), &json!({})).await.problem(404, "file_not_found");
    assert_eq!(user.client.get("/auth/me").await.json()["pending_bytes"], bytes.len());

    let parts: Vec<_> = etags.iter().enumerate().map(|(i, e)| json!({ "part_number": i + 1, "etag": e })).collect();
    let done = user.client.post_json(&format!("/files/uploads/{upload}/complete"), &json!({ "parts": parts })).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let file = done.json();
    assert_eq!((file["id"].as_str(), file["size"].as_u64()), (Some(file_id), Some(bytes.len() as u64)));
    assert_eq!(file["folder"], "/big");

    let link = user.client.get(&format!("/files/{file_id}/download")).await.json();
    let downloaded = user.client.fetch(link["url"].as_str().unwrap()).await;
    assert!(downloaded.body == bytes, "the downloaded bytes differ");
    let me = user.client.get("/auth/me").await.json();
    assert_eq!((me["used_bytes"].as_u64(), me["pending_bytes"].as_u64()), (Some(bytes.len() as u64), Some(0)));
    user.client.get(&format!("/files/uploads/{upload}")).await.problem(404, "upload_not_found");
}

#[tokio::test]
async fn an_interrupted_upload_resumes_with_fresh_urls_where_it_stopped() {
    let stack = stack();
    let user = stack.user().await;
    let bytes = data(17 * MIB, 2);
    let ticket = start(&user, "resume.bin", bytes.len()).await;
    let upload = ticket["upload_id"].as_str().unwrap().to_owned();
    let first_etag = put_part(&user.client, &url_of(&ticket, 1), &bytes, 8 * MIB, 1).await;
    // The connection drops; the client comes back knowing only the upload id.

    let status = user.client.get(&format!("/files/uploads/{upload}")).await;
    assert_eq!(status.status, 200, "{}", status.text());
    let status = status.json();
    let stored: Vec<_> =
        status["parts"].as_array().unwrap().iter().map(|p| p["part_number"].as_u64().unwrap()).collect();
    assert_eq!(stored, [1]);
    assert_eq!(status["uploaded_bytes"], 8 * MIB);
    assert_eq!(status["part_count"], 3);

    let early = user.client.post_json(&format!("/files/uploads/{upload}/complete"), &json!({})).await;
    assert!(early.problem(409, "upload_incomplete")["detail"].as_str().unwrap().contains("2, 3"));

    let fresh = user.client.get(&format!("/files/uploads/{upload}/parts?from=2&count=5")).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text());
    let fresh = fresh.json();
    let numbers: Vec<_> =
        fresh["parts"].as_array().unwrap().iter().map(|p| p["part_number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [2, 3], "only the parts that exist");
    let mut etags = vec![first_etag];
    for (i, number) in [2usize, 3].iter().enumerate() {
        let url = fresh["parts"][i]["url"].as_str().unwrap();
        etags.push(put_part(&user.client, url, &bytes, 8 * MIB, *number).await);
    }
    let parts: Vec<_> = etags.iter().enumerate().map(|(i, e)| json!({ "part_number": i + 1, "etag": e })).collect();
    let done = user.client.post_json(&format!("/files/uploads/{upload}/complete"), &json!({ "parts": parts })).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let link = user.client.get(&format!("/files/{}/download", done.json()["id"].as_str().unwrap())).await.json();
    assert!(user.client.fetch(link["url"].as_str().unwrap()).await.body == bytes);
}

#[tokio::test]
async fn a_client_may_choose_its_part_size() {
    let stack = stack();
    let user = stack.user().await;
    let bytes = data(20 * MIB + 3, 9);
    let request = json!({ "name": "chosen.bin", "folder": "/big", "size": bytes.len(), "part_size": 16 * MIB });
    let ticket = user.client.post_json("/files/uploads", &request).await.json();
    assert_eq!((ticket["method"].as_str(), ticket["part_size"].as_u64()), (Some("multipart"), Some(16 * MIB as u64)));
    assert_eq!(ticket["part_count"], 2);
    let mut parts = Vec::new();
    for number in 1..=2 {
        let etag = put_part(&user.client, &url_of(&ticket, number), &bytes, 16 * MIB, number).await;
        parts.push(json!({ "part_number": number, "etag": etag }));
    }
    let upload = ticket["upload_id"].as_str().unwrap();
    let done = user.client.post_json(&format!("/files/uploads/{upload}/complete"), &json!({ "parts": parts })).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let link = user.client.get(&format!("/files/{}/download", done.json()["id"].as_str().unwrap())).await.json();
    assert!(user.client.fetch(link["url"].as_str().unwrap()).await.body == bytes);

    // A file that fits in one part of the size asked for is one PUT, above the threshold too.
    let request = json!({ "name": "one.bin", "size": 12 * MIB, "part_size": 16 * MIB });
    let ticket = user.client.post_json("/files/uploads", &request).await.json();
    assert_eq!((ticket["method"].as_str(), ticket["part_count"].as_u64()), (Some("put"), Some(1)));
    let upload = ticket["upload_id"].as_str().unwrap();
    assert_eq!(user.client.delete(&format!("/files/uploads/{upload}")).await.status, 204);
}

#[tokio::test]
async fn a_small_direct_upload_is_one_put_bound_to_its_size() {
    let stack = stack();
    let user = stack.user().await;
    let ticket = start(&user, "note.txt", 11).await;
    assert_eq!(ticket["method"], "put");
    assert!(ticket.get("parts").is_none());
    let url = ticket["url"].as_str().unwrap();
    assert_eq!(user.client.put_url(url, b"hello world".to_vec()).await.status, 200);
    let done = user
        .client
        .post_json(&format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(done.status, 201, "{}", done.text());
    assert_eq!(done.json()["size"], 11);

    // Declared 5 bytes, sends 9 (or 4): the URL is signed for exactly 5, so the bucket
    // refuses the bytes outright and nothing is stored.
    let liar = start(&user, "liar.txt", 5).await;
    let liar_id = liar["upload_id"].as_str().unwrap();
    let url = liar["url"].as_str().unwrap();
    assert_eq!(user.client.put_url(url, b"too long!".to_vec()).await.status, 403);
    assert_eq!(user.client.put_url(url, b"shrt".to_vec()).await.status, 403);
    let refused = user.client.post_json(&format!("/files/uploads/{liar_id}/complete"), &json!({})).await;
    refused.problem(409, "upload_incomplete");
    assert_eq!(stack.objects_of(&user.id).len(), 1, "only note.txt is stored");
    assert_eq!(user.client.delete(&format!("/files/uploads/{liar_id}")).await.status, 204);
    user.client.get(&format!("/files/uploads/{liar_id}")).await.problem(404, "upload_not_found");
    assert_eq!(user.client.get("/auth/me").await.json()["pending_bytes"], 0);
}

#[tokio::test]
async fn aborting_an_upload_leaves_nothing_behind() {
    let stack = stack();
    let user = stack.user().await;
    let bytes = data(11 * MIB, 3);
    let ticket = start(&user, "abandoned.bin", bytes.len()).await;
    let upload = ticket["upload_id"].as_str().unwrap();
    put_part(&user.client, &url_of(&ticket, 1), &bytes, 8 * MIB, 1).await;
    let multipart_id = multipart_id_of(&url_of(&ticket, 1));
    assert_eq!(stack.pending_parts_of(&multipart_id), 1);

    assert_eq!(user.client.delete(&format!("/files/uploads/{upload}")).await.status, 204);
    user.client.get(&format!("/files/uploads/{upload}")).await.problem(404, "upload_not_found");
    user.client.delete(&format!("/files/uploads/{upload}")).await.problem(404, "upload_not_found");
    assert!(stack.objects_of(&user.id).is_empty());
    assert_eq!(stack.pending_parts_of(&multipart_id), 0, "the stored part is gone");
    assert_eq!(user.client.get("/auth/me").await.json()["pending_bytes"], 0);
}

#[tokio::test]
async fn an_upload_nobody_completes_is_swept_away() {
    // Its own stack: the sweep must not catch other tests' uploads in flight.
    let stack = &Stack::start(&[
        ("MULTIPART_THRESHOLD_BYTES", Some("5242880")),
        ("PENDING_UPLOAD_TTL_HOURS", Some("0.0006")),
        ("UPLOAD_URL_TTL_SECONDS", Some("2")),
    ]);
    let user = stack.user().await;
    let bytes = data(9 * MIB, 4);
    let ticket = start(&user, "forgotten.bin", bytes.len()).await;
    let upload = ticket["upload_id"].as_str().unwrap();
    put_part(&user.client, &url_of(&ticket, 1), &bytes, 8 * MIB, 1).await;
    // PENDING_UPLOAD_TTL_HOURS is about two seconds here.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    stack.run_scheduled().await;
    user.client.get(&format!("/files/uploads/{upload}")).await.problem(404, "upload_not_found");
    assert!(stack.objects_of(&user.id).is_empty());
    assert_eq!(user.client.get("/auth/me").await.json()["pending_bytes"], 0);
}

#[tokio::test]
async fn direct_upload_requests_are_validated() {
    let stack = stack();
    let user = stack.user().await;
    for (body, field) in [
        (json!({ "size": 5 }), "name"),
        (json!({ "name": "a" }), "size"),
        (json!({ "name": "a", "size": -1 }), "size"),
        (json!({ "name": "a", "size": "big" }), "size"),
        (json!({ "name": "a", "size": 6_000_000_000_000u64 }), "size"),
        (json!({ "name": "a/b", "size": 1 }), "name"),
        (json!({ "name": "a", "size": 1, "folder": "x" }), "folder"),
        (json!({ "name": "a", "size": 1, "content_type": "nonsense" }), "content_type"),
        (json!({ "name": "a", "size": 1, "part_size": 5 * MIB - 1 }), "part_size"),
        (json!({ "name": "a", "size": 1, "part_size": 1024 * MIB + 1 }), "part_size"),
        (json!({ "name": "a", "size": 1, "part_size": "big" }), "part_size"),
    ] {
        let answer = user.client.post_json("/files/uploads", &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    let ticket = start(&user, "x.bin", 6 * MIB).await;
    let upload = ticket["upload_id"].as_str().unwrap();
    let bad_parts = json!({ "parts": [{ "part_number": 2, "etag": "x" }] });
    user.client.get(&format!("/files/uploads/{upload}/parts?from=0")).await.problem(422, "validation_error");
    let past_the_end = user.client.get(&format!("/files/uploads/{upload}/parts?from=3")).await.json();
    assert!(past_the_end["parts"].as_array().unwrap().is_empty());
    let other = stack.user().await;
    other.client.get(&format!("/files/uploads/{upload}")).await.problem(404, "upload_not_found");
    other
        .client
        .post_json(&format!("/files/uploads/{upload}/complete"), &bad_parts)
        .await
        .problem(404, "upload_not_found");
    assert!(stack.objects_of(&user.id).is_empty());
}
