//! The Cron Trigger cleans up after everyone: what it removes, and what it leaves alone.

use crate::harness::{eventually, Stack};
use serde_json::json;

#[tokio::test]
async fn long_expired_links_are_dropped_and_live_ones_kept() {
    let stack = Stack::start(&[("EXPIRED_SHARE_GRACE_HOURS", Some("0.0003"))]);
    let owner = stack.user().await;
    let file = owner.client.upload("report.txt", "/", b"numbers").await;
    let path = format!("/files/{}/share", file["id"].as_str().unwrap());
    let brief = owner.client.post_json(&path, &json!({ "expires_in": 1 })).await.json();
    let lasting = owner.client.post_json(&path, &json!({ "expires_in": 3600 })).await.json();
    let forever = owner.client.post_json(&path, &json!({})).await.json();
    let brief_link = format!("/share/{}", brief["token"].as_str().unwrap());
    stack.client().get(&format!("/share/{}", lasting["token"].as_str().unwrap())).await;

    // Expired, but within the grace period: still known, answering 410.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    stack.client().get(&brief_link).await.problem(410, "share_expired");
    // Past the grace period (about a second here), the sweeper drops it and its log.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    stack.run_scheduled().await;
    stack.client().get(&brief_link).await.problem(404, "share_not_found");
    // The lasting link's visit is counted by the events queue's consumer, a moment later.
    let shares_path = format!("/files/{}/shares", file["id"].as_str().unwrap());
    let left = eventually("the lasting link's download counted", || async {
        let left = owner.client.get(&shares_path).await.json();
        let counted: i64 =
            left["items"].as_array().unwrap().iter().map(|s| s["download_count"].as_i64().unwrap()).sum();
        (counted == 1).then_some(left)
    })
    .await;
    let mut ids: Vec<_> = left["items"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect();
    ids.sort_by_key(|id| id.to_string());
    let mut expected = vec![lasting["id"].clone(), forever["id"].clone()];
    expected.sort_by_key(|id| id.to_string());
    assert_eq!(ids, expected);
    assert_eq!(left["items"].as_array().unwrap().iter().map(|s| s["download_count"].as_i64().unwrap()).sum::<i64>(), 1);
    // The file itself is untouched.
    assert_eq!(owner.client.get("/files").await.json()["items"].as_array().unwrap().len(), 1);
}
