//! "Download all" of a collection link: one counted download grants the list and every file
//! of the link, fetched one by one (as the landing page's zip does), without counting more.

use crate::harness::{Answer, Client, Stack};
use serde_json::{json, Value};

async fn zip(client: &Client, token: &str, body: Value) -> Answer {
    client.send(client.request(reqwest::Method::POST, &format!("/share/{token}/zip")).json(&body)).await
}

async fn downloads(owner: &Client, share: &Value) -> i64 {
    let all = owner.get("/shares?limit=1000").await.json();
    let found = all["items"].as_array().unwrap().iter().find(|s| s["id"] == share["id"]).cloned();
    found.unwrap()["download_count"].as_i64().unwrap()
}

#[tokio::test]
async fn downloading_everything_counts_once_and_its_grant_fetches_every_file() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let mut ids = Vec::new();
    for (name, folder) in [("a.txt", "/album"), ("b.txt", "/album/day 2"), ("c.txt", "/album")] {
        ids.push(owner.client.upload(name, folder, name.as_bytes()).await["id"].as_str().unwrap().to_owned());
    }
    let outside = owner.client.upload("outside.txt", "/albums", b"no").await;
    let share = owner.client.post_json("/shares", &json!({ "folder": "/album", "max_downloads": 1 })).await.json();
    let t = share["token"].as_str().unwrap();
    let visitor = stack.client();

    let granted = zip(&visitor, t, json!({})).await;
    assert_eq!(granted.status, 200, "{}", granted.text());
    let granted = granted.json();
    assert_eq!(granted["name"], "album");
    let grant = crate::harness::encode(granted["grant"].as_str().unwrap());
    assert_eq!(downloads(&owner.client, &share).await, 1, "one download for everything");

    // The link is used up now, but the grant fetches the list and every file.
    visitor.get(&format!("/share/{t}/files/{}", ids[0])).await.problem(410, "share_expired");
    let list = visitor
        .send(
            visitor
                .request(reqwest::Method::GET, &format!("/share/{t}?grant={grant}"))
                .header("accept", "application/json"),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 3);
    for id in &ids {
        let redirect = visitor.get(&format!("/share/{t}/files/{id}?grant={grant}")).await;
        assert_eq!(redirect.status, 302, "{}", redirect.text());
        let bytes = visitor.fetch(&redirect.header("location").unwrap()).await.body;
        assert!(bytes.ends_with(b".txt"), "{}", String::from_utf8_lossy(&bytes));
    }
    let outside_path = format!("/share/{t}/files/{}?grant={grant}", outside["id"].as_str().unwrap());
    visitor.get(&outside_path).await.problem(404, "share_not_found");
    assert_eq!(downloads(&owner.client, &share).await, 1, "the grant counted nothing more");
    let log = owner.client.get(&format!("/shares/{}/accesses", share["id"].as_str().unwrap())).await.json();
    assert_eq!(log["items"][0]["outcome"], "limit_reached", "{log}");
    assert_eq!(log["items"].as_array().unwrap().len(), 2, "the zip's visit and the refused one: {log}");

    // Another link's grant, a forged one, or one of a revoked link get nothing.
    let other = owner.client.post_json("/shares", &json!({ "folder": "/album" })).await.json();
    let other_path = format!("/share/{}/files/{}?grant={grant}", other["token"].as_str().unwrap(), ids[0]);
    assert_eq!(visitor.get(&other_path).await.problem(422, "validation_error")["field"], "grant");
    let forged = format!("/share/{t}/files/{}?grant=99999999999999.AAAAAAAAAAAAAAAAAAAAAA", ids[0]);
    assert_eq!(visitor.get(&forged).await.problem(422, "validation_error")["field"], "grant");
    assert_eq!(owner.client.delete(&format!("/shares/{}", share["id"].as_str().unwrap())).await.status, 204);
    visitor.get(&format!("/share/{t}/files/{}?grant={grant}", ids[0])).await.problem(404, "share_not_found");
}

#[tokio::test]
async fn a_protected_collections_zip_needs_its_password_and_one_file_links_have_none() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("secret.txt", "/vault", b"secret").await;
    let id = file["id"].as_str().unwrap();
    let share = owner.client.post_json("/shares", &json!({ "file_ids": [id], "password": "open sesame" })).await.json();
    let t = share["token"].as_str().unwrap();
    let visitor = stack.client();
    zip(&visitor, t, json!({})).await.problem(401, "share_password_required");
    zip(&visitor, t, json!({ "password": "guess" })).await.problem(401, "invalid_share_password");
    let granted = zip(&visitor, t, json!({ "password": "open sesame" })).await;
    assert_eq!(granted.status, 200, "{}", granted.text());
    let grant = crate::harness::encode(granted.json()["grant"].as_str().unwrap());
    let fetched = visitor.get(&format!("/share/{t}/files/{id}?grant={grant}")).await;
    assert_eq!(visitor.fetch(&fetched.header("location").unwrap()).await.body, b"secret");

    let single = owner.client.post_json(&format!("/files/{id}/share"), &json!({})).await.json();
    zip(&visitor, single["token"].as_str().unwrap(), json!({})).await.problem(404, "share_not_found");
    assert_eq!(downloads(&owner.client, &single).await, 0);
    assert_eq!(downloads(&owner.client, &share).await, 1);
}
