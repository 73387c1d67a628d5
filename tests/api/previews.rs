//! Previews: a download asked for `inline` is shown by the browser when its type is safe to
//! show (images but SVG, PDF, audio, video, plain text as UTF-8); anything else stays an
//! attachment. The same holds on share links, whose landing pages offer a Preview button.

use crate::harness::{Client, Stack, User};
use serde_json::json;

async fn upload_typed(user: &User, name: &str, content_type: &str) -> String {
    let answer = user.client.post_bytes(&format!("/files/upload?name={name}"), content_type, b"bytes".to_vec()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    answer.json()["id"].as_str().unwrap().to_owned()
}

/// What the bucket answers a presigned URL with: its disposition and type.
async fn served(client: &Client, url: &str) -> (String, String) {
    let fetched = client.fetch(url).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    (fetched.header("content-disposition").unwrap(), fetched.header("content-type").unwrap())
}

#[tokio::test]
async fn the_owner_previews_safe_types_inline_and_everything_else_stays_an_attachment() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    for (name, stored, inline, served_type) in [
        ("photo.png", "image/png", true, "image/png"),
        ("clip.mp4", "video/mp4", true, "video/mp4"),
        ("paper.pdf", "application/pdf", true, "application/pdf"),
        ("notes.txt", "text/plain", true, "text/plain; charset=utf-8"),
        ("logo.svg", "image/svg+xml", false, "image/svg+xml"),
        ("page.html", "text/html", false, "text/html"),
    ] {
        let id = upload_typed(&owner, name, stored).await;
        let link = owner.client.get(&format!("/files/{id}/download?disposition=inline")).await.json();
        let (disposition, content_type) = served(&owner.client, link["url"].as_str().unwrap()).await;
        let expected = if inline { "inline;" } else { "attachment;" };
        assert!(disposition.starts_with(expected) && disposition.contains(name), "{name}: {disposition}");
        assert_eq!(content_type, served_type, "{name}");
        let plain = owner.client.get(&format!("/files/{id}/download")).await.json();
        assert!(served(&owner.client, plain["url"].as_str().unwrap()).await.0.starts_with("attachment;"), "{name}");
    }
    let id = upload_typed(&owner, "x.png", "image/png").await;
    let refused = owner.client.get(&format!("/files/{id}/download?disposition=open")).await;
    assert_eq!(refused.problem(422, "validation_error")["field"], "disposition");
}

#[tokio::test]
async fn share_links_preview_their_files_and_each_preview_counts_as_a_download() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let photo = upload_typed(&owner, "photo.png", "image/png").await;
    let single = owner.client.post_json(&format!("/files/{photo}/share"), &json!({})).await.json();
    let folder = owner.client.post_json("/shares", &json!({ "folder": "/" })).await.json();
    let visitor = stack.client();

    let redirect = visitor.get(&format!("/share/{}?disposition=inline", single["token"].as_str().unwrap())).await;
    assert_eq!(redirect.status, 302);
    assert!(served(&visitor, &redirect.header("location").unwrap()).await.0.starts_with("inline;"));
    let path = format!("/share/{}/files/{photo}?disposition=inline", folder["token"].as_str().unwrap());
    let redirect = visitor.get(&path).await;
    assert_eq!(redirect.status, 302);
    assert!(served(&visitor, &redirect.header("location").unwrap()).await.0.starts_with("inline;"));

    // The landing page offers a Preview button for a previewable file; it counts one download.
    let html = |req: reqwest::RequestBuilder| req.header("accept", "text/html");
    let landing = visitor
        .send(html(visitor.request(reqwest::Method::GET, &format!("/share/{}", single["token"].as_str().unwrap()))))
        .await;
    assert!(landing.text().contains("value=\"inline\"") && landing.text().contains(">Preview</button>"));
    let previewed = visitor
        .send(
            html(visitor.request(reqwest::Method::POST, &format!("/share/{}", single["token"].as_str().unwrap())))
                .form(&[("disposition", "inline")]),
        )
        .await;
    assert_eq!(previewed.status, 303, "{}", previewed.text());
    assert!(served(&visitor, &previewed.header("location").unwrap()).await.0.starts_with("inline;"));
    let counts = owner.client.get(&format!("/files/{photo}/shares")).await.json();
    assert_eq!(counts["items"][0]["download_count"], 2, "{counts}");
}
