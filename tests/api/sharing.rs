//! Sharing files with anyone through links.

use crate::harness::Stack;
use serde_json::json;

#[tokio::test]
async fn anyone_with_the_link_downloads_the_file_and_the_owner_sees_the_count() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("slides.pdf", "/talks", b"%PDF-1.7 slides").await;
    let id = file["id"].as_str().unwrap();

    let created =
        owner.client.post_json(&format!("/files/{id}/share"), &json!({ "expires_in": 3600, "max_downloads": 5 })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let share = created.json();
    let token = share["token"].as_str().unwrap();
    assert!(token.len() >= 22, "at least 128 bits: {token}");
    assert_eq!(share["url"], format!("{}/share/{token}", stack.base));
    assert_eq!((share["max_downloads"].as_i64(), share["download_count"].as_i64()), (Some(5), Some(0)));
    assert!(share["expires_at"].is_string());

    let stranger = stack.client();
    let redirect = stranger.get(&format!("/share/{token}")).await;
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("cache-control").as_deref(), Some("no-store"));
    let downloaded = stranger.fetch(&redirect.header("location").unwrap()).await;
    assert_eq!(downloaded.body, b"%PDF-1.7 slides");
    assert!(downloaded.header("content-disposition").unwrap().contains("slides.pdf"));

    let as_json = stranger
        .send(stranger.request(reqwest::Method::GET, &format!("/share/{token}")).header("accept", "application/json"))
        .await;
    assert_eq!(as_json.status, 200);
    let resolved = as_json.json();
    assert_eq!((resolved["name"].as_str(), resolved["size"].as_i64()), (Some("slides.pdf"), Some(15)));
    assert_eq!(resolved["content_type"], "application/octet-stream");
    assert_eq!(stranger.fetch(resolved["url"].as_str().unwrap()).await.body, b"%PDF-1.7 slides");

    let listed = owner.client.get(&format!("/files/{id}/shares")).await.json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["download_count"], 2);
    assert!(items[0].get("token").is_none() && items[0].get("url").is_none(), "{listed}");
}

#[tokio::test]
async fn a_revoked_link_is_gone_and_others_keep_working() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("memo.txt", "/", b"memo").await;
    let id = file["id"].as_str().unwrap();
    let first = owner.client.post_json(&format!("/files/{id}/share"), &json!({})).await.json();
    let second = owner.client.post_bytes(&format!("/files/{id}/share"), "application/json", Vec::new()).await;
    assert_eq!(second.status, 201, "an empty body means no limits: {}", second.text());
    let second = second.json();
    assert!(second["expires_at"].is_null() && second["max_downloads"].is_null());

    let revoked = owner.client.delete(&format!("/files/{id}/shares/{}", first["id"].as_str().unwrap())).await;
    assert_eq!(revoked.status, 204);
    let stranger = stack.client();
    stranger.get(&format!("/share/{}", first["token"].as_str().unwrap())).await.problem(404, "share_not_found");
    assert_eq!(stranger.get(&format!("/share/{}", second["token"].as_str().unwrap())).await.status, 302);
    owner
        .client
        .delete(&format!("/files/{id}/shares/{}", first["id"].as_str().unwrap()))
        .await
        .problem(404, "share_not_found");
    assert_eq!(owner.client.get(&format!("/files/{id}/shares")).await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn expired_and_unknown_links_say_so() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("soon-gone.txt", "/", b"x").await;
    let id = file["id"].as_str().unwrap();
    let share = owner.client.post_json(&format!("/files/{id}/share"), &json!({ "expires_in": 1 })).await.json();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let stranger = stack.client();
    stranger.get(&format!("/share/{}", share["token"].as_str().unwrap())).await.problem(410, "share_expired");
    stranger.get("/share/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await.problem(404, "share_not_found");
    stranger.get("/share/short").await.problem(404, "share_not_found");
}

#[tokio::test]
async fn share_limits_are_validated() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("f.txt", "/", b"x").await;
    let path = format!("/files/{}/share", file["id"].as_str().unwrap());
    for (body, field) in [
        (json!({ "expires_in": 0 }), "expires_in"),
        (json!({ "expires_in": 604_801 }), "expires_in"),
        (json!({ "expires_in": "1h" }), "expires_in"),
        (json!({ "max_downloads": 0 }), "max_downloads"),
        (json!({ "max_downloads": -3 }), "max_downloads"),
        (json!({ "max_downloads": 1.5 }), "max_downloads"),
    ] {
        let answer = owner.client.post_json(&path, &body).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], field, "{body}");
    }
    assert!(owner.client.get(&format!("/files/{}/shares", file["id"].as_str().unwrap())).await.json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
}
