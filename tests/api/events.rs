//! The events pipeline: visits to links without a download limit are written by the
//! queue's consumer a moment later, exactly once each; limited links count at once.

use crate::harness::{eventually, fresh_ip, Stack, User};
use serde_json::{json, Value};

/// A file of `owner`'s shared with `body`; its id and the share.
async fn shared(owner: &User, body: Value) -> (String, Value) {
    let file = owner.client.upload("viral.mp4", "/", b"a clip everyone wants").await;
    let id = file["id"].as_str().unwrap().to_owned();
    let share = owner.client.post_json(&format!("/files/{id}/share"), &body).await;
    assert_eq!(share.status, 201, "{}", share.text());
    (id, share.json())
}

/// The link's download count and the number of entries in its access log, as its owner sees them.
async fn count_and_log(owner: &User, file: &str, share: &Value) -> (i64, usize) {
    let shares = owner.client.get(&format!("/files/{file}/shares")).await.json();
    let count = shares["items"][0]["download_count"].as_i64().unwrap();
    let log = format!("/files/{file}/shares/{}/accesses?limit=1000", share["id"].as_str().unwrap());
    (count, owner.client.get(&log).await.json()["items"].as_array().unwrap().len())
}

/// `visitors` visits to `path`, each from a client address of its own (so the log's
/// one-entry-a-minute rule, which is per client, keeps every one), `at_once` at a time;
/// their statuses.
async fn visit_from_everywhere(stack: &Stack, path: &str, visitors: usize, at_once: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    let clients: Vec<_> = (0..visitors).map(|_| stack.client_at(&fresh_ip())).collect();
    for wave in clients.chunks(at_once) {
        let visits: Vec<_> = wave
            .iter()
            .map(|client| {
                let (client, path) = (client.clone(), path.to_owned());
                tokio::spawn(async move { client.get(&path).await.status })
            })
            .collect();
        for visit in visits {
            statuses.push(visit.await.unwrap());
        }
    }
    statuses
}

#[tokio::test]
async fn five_hundred_visits_to_an_unlimited_link_are_all_counted_and_logged_within_seconds() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared(&owner, json!({})).await;
    let path = format!("/share/{}", share["token"].as_str().unwrap());
    let statuses = visit_from_everywhere(stack, &path, 500, 25).await;
    assert!(statuses.iter().all(|s| *s == 302), "{statuses:?}");
    let counted = eventually("500 downloads and 500 log entries", || async {
        let now = count_and_log(&owner, &file, &share).await;
        (now == (500, 500)).then_some(now)
    })
    .await;
    assert_eq!(counted, (500, 500));
    // They went through the queue: the consumer wrote a receipt for each.
    let share_id = share["id"].as_str().unwrap();
    let receipts = stack.d1_rows(&format!("SELECT count(*) FROM visit_receipts WHERE share_id = '{share_id}'"));
    assert_eq!(receipts, [["500"]]);
}

/// The batches the queue delivered to the consumer, as wrangler reports them
/// (`QUEUE edgedrop-events <acknowledged>/<delivered>`): `(acknowledged, delivered)`.
fn deliveries(log: &str) -> Vec<(i64, i64)> {
    log.lines()
        .filter_map(|line| line.split("QUEUE edgedrop-events ").nth(1))
        .filter_map(|rest| {
            let (acked, delivered) = rest.split_whitespace().next()?.split_once('/')?;
            Some((acked.parse().ok()?, delivered.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn a_batch_delivered_again_after_it_was_written_counts_nothing_twice() {
    // This stack's consumer writes each batch, then has the queue deliver it once more
    // (as the queue may whenever an acknowledgement is lost), and acknowledges it then.
    let stack = Stack::start(&[("TEST_REDELIVER_EVENTS", Some("1"))]);
    let owner = stack.user().await;
    let (file, share) = shared(&owner, json!({})).await;
    let path = format!("/share/{}", share["token"].as_str().unwrap());
    let statuses = visit_from_everywhere(&stack, &path, 30, 10).await;
    assert!(statuses.iter().all(|s| *s == 302), "{statuses:?}");
    // Wait until every message was acknowledged, some of them on their second delivery:
    // the 30 visits (the owner has no webhooks, so the upload sent no notice).
    let batches = eventually("every message acknowledged", || async {
        let batches = deliveries(&stack.worker_log_with("QUEUE edgedrop-events").await);
        let acked: i64 = batches.iter().map(|b| b.0).sum();
        (acked == 30).then_some(batches)
    })
    .await;
    let delivered_again: i64 = batches.iter().map(|b| b.1 - b.0).sum();
    assert!(delivered_again > 0, "some batch was written and delivered again: {batches:?}");
    assert_eq!(count_and_log(&owner, &file, &share).await, (30, 30), "{batches:?}");
}

#[tokio::test]
async fn a_limited_link_counts_at_once_and_exactly_under_fifty_racing_visitors() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let (file, share) = shared(&owner, json!({ "max_downloads": 10 })).await;
    let path = format!("/share/{}", share["token"].as_str().unwrap());
    let statuses = visit_from_everywhere(stack, &path, 50, 50).await;
    assert_eq!(statuses.iter().filter(|s| **s == 302).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 410).count(), 40, "{statuses:?}");
    // Counted and logged by the visits themselves, before they were answered.
    assert_eq!(count_and_log(&owner, &file, &share).await, (10, 50));
    let share_id = share["id"].as_str().unwrap();
    let receipts = stack.d1_rows(&format!("SELECT count(*) FROM visit_receipts WHERE share_id = '{share_id}'"));
    assert_eq!(receipts, [["0"]], "nothing went through the queue");
}
