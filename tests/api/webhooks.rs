//! Webhooks: an account's events arrive signed at its URL, failed deliveries are retried,
//! and no webhook may point into a private network.

use crate::harness::{eventually, Stack, User};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the receiver got: its headers (lowercase names) and body.
#[derive(Debug, Clone)]
struct Arrival {
    headers: HashMap<String, String>,
    body: String,
}

impl Arrival {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A small HTTP server on 127.0.0.1 standing for a customer's endpoint: it answers 500 to
/// its first `failures` requests and 200 after, and keeps every request.
struct Receiver {
    url: String,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hooks/edgedrop", listener.local_addr().unwrap().port());
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let (kept, served) = (arrivals.clone(), Arc::new(AtomicUsize::new(0)));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (kept, served) = (kept.clone(), served.clone());
                tokio::spawn(async move {
                    let Some(arrival) = read_request(&mut stream).await else { return };
                    kept.lock().unwrap().push(arrival);
                    let status = if served.fetch_add(1, Ordering::SeqCst) < failures { "500 Oops" } else { "200 OK" };
                    let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Receiver { url, arrivals }
    }

    /// Waits until `count` requests arrived whose `Edgedrop-Event` is `event`; returns them.
    async fn wait_for(&self, event: &str, count: usize) -> Vec<Arrival> {
        eventually(&format!("{count} {event} deliveries"), || async {
            let found: Vec<Arrival> = self
                .arrivals
                .lock()
                .unwrap()
                .iter()
                .filter(|a| a.headers.get("edgedrop-event").map(String::as_str) == Some(event))
                .cloned()
                .collect();
            (found.len() >= count).then_some(found)
        })
        .await
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Arrival> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    while bytes.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&bytes[head_end..]).into_owned();
    Some(Arrival { headers, body })
}

/// Checks an arrival's `Edgedrop-Signature` as the README tells receivers to.
fn assert_signed(arrival: &Arrival, secret: &str) {
    let header = arrival.headers.get("edgedrop-signature").expect("a signature header");
    let parts: HashMap<&str, &str> = header.split(',').filter_map(|p| p.split_once('=')).collect();
    let (t, v1) = (parts["t"], parts["v1"]);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", arrival.body).as_bytes());
    assert_eq!(v1, crate::harness::hex(&mac.finalize().into_bytes()), "the signature matches");
    assert!((crate::now() - t.parse::<i64>().unwrap()).abs() < 600, "a fresh timestamp: {t}");
}

async fn subscribe(user: &User, url: &str, events: &[&str]) -> Value {
    let created = user.client.post_json("/webhooks", &json!({ "url": url, "events": events })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

/// A stack whose webhooks may call this machine's loopback (local development) and retry
/// at once.
fn local_stack() -> Stack {
    Stack::start(&[("WEBHOOK_ALLOW_LOOPBACK", Some("1")), ("WEBHOOK_RETRY_BASE_SECONDS", Some("0"))])
}

#[tokio::test]
async fn an_accounts_events_arrive_signed_and_never_name_the_visitor() {
    let stack = local_stack();
    let receiver = Receiver::start(0).await;
    let owner = stack.user().await;
    let hook = subscribe(&owner, &receiver.url, &["file.uploaded", "share.accessed", "file.deleted"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{hook}");
    let listed = owner.client.get("/webhooks").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once: {listed}");
    assert_eq!(listed["items"][0]["disabled_at"], Value::Null);

    let file = owner.client.upload("report.pdf", "/", b"quarterly numbers").await;
    let file_id = file["id"].as_str().unwrap();
    let uploaded = receiver.wait_for("file.uploaded", 1).await;
    assert_signed(&uploaded[0], &secret);
    let body = uploaded[0].json();
    assert_eq!((body["type"].as_str(), body["data"]["file"]["id"].as_str()), (Some("file.uploaded"), Some(file_id)));

    // Visits to an unlimited link (through the queue) and to a limited one (counted at once).
    let visitor_ip = "203.0.113.77";
    let mut share_ids = Vec::new();
    for body in [json!({}), json!({ "max_downloads": 3 })] {
        let share = owner.client.post_json(&format!("/files/{file_id}/share"), &body).await.json();
        share_ids.push(share["id"].as_str().unwrap().to_owned());
        let visit = stack.client_at(visitor_ip).get(&format!("/share/{}", share["token"].as_str().unwrap())).await;
        assert_eq!(visit.status, 302);
    }
    let accessed = receiver.wait_for("share.accessed", 2).await;
    let mut seen_shares = Vec::new();
    for arrival in &accessed {
        assert_signed(arrival, &secret);
        let body = arrival.json();
        assert_eq!((body["data"]["file_id"].as_str(), body["data"]["outcome"].as_str()), (Some(file_id), Some("ok")));
        seen_shares.push(body["data"]["share_id"].as_str().unwrap().to_owned());
        assert!(
            !arrival.body.contains(visitor_ip) && !arrival.body.contains("ip_hash"),
            "no address: {}",
            arrival.body
        );
    }
    seen_shares.sort();
    share_ids.sort();
    assert_eq!(seen_shares, share_ids);
    // The consumer kept a notice of the unlimited link's visit until its delivery was queued.
    no_notices_left(&stack).await;

    assert_eq!(owner.client.delete(&format!("/files/{file_id}")).await.status, 204);
    let deleted = receiver.wait_for("file.deleted", 1).await;
    assert_signed(&deleted[0], &secret);
    assert_eq!(deleted[0].json()["data"], json!({ "file_id": file_id, "reason": "deleted" }));

    // Another account's webhook hears nothing of this one's events, and a deleted one stops.
    let hook_id = hook["id"].as_str().unwrap();
    stack.user().await.client.delete(&format!("/webhooks/{hook_id}")).await.problem(404, "webhook_not_found");
    assert_eq!(owner.client.delete(&format!("/webhooks/{hook_id}")).await.status, 204);
    assert_eq!(owner.client.get("/webhooks").await.json()["items"], json!([]));
}

#[tokio::test]
async fn a_file_that_expires_is_announced_as_deleted_once_the_sweeper_deletes_it() {
    let stack = local_stack();
    let receiver = Receiver::start(0).await;
    let owner = stack.user().await;
    let hook = subscribe(&owner, &receiver.url, &["file.deleted"]).await;
    let kept = owner.client.upload("kept.txt", "/", b"kept").await;
    let path = "/files/upload?name=brief.txt&folder=/&expires_in=1";
    let brief = owner.client.post_bytes(path, "application/octet-stream", b"brief".to_vec()).await.json();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    stack.run_scheduled().await;
    let deleted = receiver.wait_for("file.deleted", 1).await;
    assert_signed(&deleted[0], hook["secret"].as_str().unwrap());
    assert_eq!(deleted[0].json()["data"], json!({ "file_id": brief["id"], "reason": "expired" }));
    assert_eq!(owner.client.get(&format!("/files/{}", kept["id"].as_str().unwrap())).await.status, 200);
    // A later sweep finds nothing to delete, so it announces nothing (given time to arrive).
    stack.run_scheduled().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(receiver.wait_for("file.deleted", 1).await.len(), 1, "announced once, by the sweep that deleted it");
    no_notices_left(&stack).await;
    stack.audit();
}

#[tokio::test]
async fn events_the_queue_refused_are_kept_and_delivered_by_the_next_sweep() {
    // Every notice a request sends is refused here, as in a queue outage.
    let stack = Stack::start(&[
        ("WEBHOOK_ALLOW_LOOPBACK", Some("1")),
        ("WEBHOOK_RETRY_BASE_SECONDS", Some("0")),
        ("TEST_REFUSE_NOTICES", Some("1")),
    ]);
    let receiver = Receiver::start(0).await;
    let owner = stack.user().await;
    let hook = subscribe(&owner, &receiver.url, &["file.uploaded", "share.accessed", "file.deleted"]).await;
    let unheard = stack.user().await;
    unheard.client.upload("quiet.txt", "/", b"no webhook hears this").await;

    // An upload, a visit to a limited link (counted by the request itself), a delete.
    let file = owner.client.upload("during-the-outage.txt", "/", b"the queue is down").await;
    let file_id = file["id"].as_str().unwrap();
    let share = owner.client.post_json(&format!("/files/{file_id}/share"), &json!({ "max_downloads": 2 })).await.json();
    let visit = stack.client().get(&format!("/share/{}", share["token"].as_str().unwrap())).await;
    assert_eq!(visit.status, 302);
    assert_eq!(owner.client.delete(&format!("/files/{file_id}")).await.status, 204);
    let kept = stack.d1_rows("SELECT event, id, owner_id FROM notices ORDER BY event");
    let events: Vec<&str> = kept.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(events, ["file.deleted", "file.uploaded", "share.accessed"], "kept only where a webhook hears it");
    assert!(kept.iter().all(|row| row[2] == owner.id), "{kept:?}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(receiver.arrivals.lock().unwrap().is_empty(), "nothing is delivered before the sweep");

    stack.run_scheduled().await;
    let secret = hook["secret"].as_str().unwrap();
    for (row, data) in kept.iter().zip([
        json!({ "file_id": file_id, "reason": "deleted" }),
        json!({ "file": file }),
        json!({ "file_id": file_id, "share_id": share["id"], "outcome": "ok" }),
    ]) {
        let arrived = receiver.wait_for(&row[0], 1).await;
        assert_signed(&arrived[0], secret);
        let body = arrived[0].json();
        assert_eq!(body["id"].as_str(), Some(row[1].as_str()), "the id it was kept under: {body}");
        assert_eq!(body["data"], data);
    }
    no_notices_left(&stack).await;
    // Delivered, so a later sweep sends nothing again.
    stack.run_scheduled().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(receiver.arrivals.lock().unwrap().len(), 3);
}

/// Waits until no webhook notice is kept in D1: each was delivered and forgotten.
async fn no_notices_left(stack: &Stack) {
    eventually("every kept notice forgotten", || async {
        stack.d1_rows("SELECT id FROM notices").is_empty().then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_try() {
    let stack = local_stack();
    let receiver = Receiver::start(3).await;
    let owner = stack.user().await;
    let hook = subscribe(&owner, &receiver.url, &["file.uploaded"]).await;
    let secret = hook["secret"].as_str().unwrap();
    owner.client.upload("retry.txt", "/", b"eventually").await;
    let tries = receiver.wait_for("file.uploaded", 4).await;
    let attempts: Vec<_> = tries.iter().map(|t| t.headers["edgedrop-delivery-attempt"].clone()).collect();
    assert_eq!(attempts, ["1", "2", "3", "4"]);
    let ids: Vec<_> = tries.iter().map(|t| t.json()["id"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "every try carries the same event id: {ids:?}");
    assert_signed(&tries[3], secret);
    let listed = owner.client.get("/webhooks").await.json();
    assert_eq!(listed["items"][0]["disabled_at"], Value::Null, "{listed}");
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_for_its_retry_window_is_disabled_with_the_reason() {
    // Deliveries are retried for about two seconds here (a day by default).
    let stack = Stack::start(&[
        ("WEBHOOK_ALLOW_LOOPBACK", Some("1")),
        ("WEBHOOK_RETRY_BASE_SECONDS", Some("1")),
        ("WEBHOOK_RETRY_HOURS", Some("0.0005")),
    ]);
    let receiver = Receiver::start(usize::MAX).await;
    let owner = stack.user().await;
    subscribe(&owner, &receiver.url, &["file.uploaded"]).await;
    owner.client.upload("doomed.txt", "/", b"nobody listens").await;
    let hook = eventually("the webhook disabled", || async {
        let listed = owner.client.get("/webhooks").await.json();
        let hook = listed["items"][0].clone();
        hook["disabled_at"].is_string().then_some(hook)
    })
    .await;
    let reason = hook["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert!(receiver.arrivals.lock().unwrap().len() >= 2, "it was retried before");
}

#[tokio::test]
async fn webhooks_to_private_addresses_or_plain_http_are_refused() {
    let stack = Stack::shared();
    let user = stack.user().await;
    for url in [
        "http://127.0.0.1:9999/hook",
        "https://localhost/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.20:8443/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd12::1]/hook",
        "https://printer.local/hook",
        "http://hooks.example.com/hook",
    ] {
        let refused = user.client.post_json("/webhooks", &json!({ "url": url, "events": ["file.uploaded"] })).await;
        let problem = refused.problem(422, "validation_error");
        assert_eq!(problem["field"], "url", "{url}: {problem}");
    }
    let unknown =
        user.client.post_json("/webhooks", &json!({ "url": "https://hooks.example.com/", "events": ["x"] })).await;
    assert_eq!(unknown.problem(422, "validation_error")["field"], "events");
    assert_eq!(user.client.get("/webhooks").await.json()["items"], json!([]), "nothing was stored");
}
