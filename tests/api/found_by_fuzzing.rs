//! Cases schemathesis found, kept as plain regression tests.

use crate::harness::Stack;
use serde_json::json;

#[tokio::test]
async fn methods_the_api_does_not_know_are_405_not_treated_as_get() {
    let stack = Stack::shared();
    let user = stack.user().await;
    for path in ["/auth/me", "/healthz", "/docs", "/files"] {
        let method = reqwest::Method::from_bytes(b"QUERY").unwrap();
        let answer = user.client.send(user.client.request(method, path)).await;
        answer.problem(405, "method_not_allowed");
    }
}

#[tokio::test]
async fn null_is_not_a_name_or_folder() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("a.txt", "/", b"a").await;
    let path = format!("/files/{}", file["id"].as_str().unwrap());
    for body in [json!({ "name": null }), json!({ "folder": null })] {
        user.client.patch_json(&path, &body).await.problem(422, "validation_error");
    }
    let upload = json!({ "name": "b", "size": 1, "folder": null });
    user.client.post_json("/files/uploads", &upload).await.problem(422, "validation_error");
}

#[tokio::test]
async fn redirect_takes_only_true_or_false() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let file = user.client.upload("a.txt", "/", b"a").await;
    let path = format!("/files/{}/download", file["id"].as_str().unwrap());
    user.client.get(&format!("{path}?redirect=null")).await.problem(422, "validation_error");
    assert_eq!(user.client.get(&format!("{path}?redirect=false")).await.status, 200);
}

#[tokio::test]
async fn a_form_upload_takes_its_folder_from_the_query_unless_the_form_names_one() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let part = || reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("f.txt");
    let send = |query: &'static str, form: reqwest::multipart::Form| {
        let client = user.client.clone();
        async move {
            client.send(client.request(reqwest::Method::POST, &format!("/files/upload{query}")).multipart(form)).await
        }
    };
    let from_query = send("?folder=/q", reqwest::multipart::Form::new().part("file", part())).await;
    assert_eq!(from_query.json()["folder"], "/q");
    let from_form = send("?folder=/q", reqwest::multipart::Form::new().part("file", part()).text("folder", "/f")).await;
    assert_eq!(from_form.json()["folder"], "/f");
    let invalid = send("?folder=nope", reqwest::multipart::Form::new().part("file", part())).await;
    assert_eq!(invalid.problem(422, "validation_error")["field"], "folder");
}

#[tokio::test]
async fn an_empty_raw_upload_is_an_empty_file() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let answer = user.client.send(user.client.request(reqwest::Method::POST, "/files/upload?name=empty")).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.json()["size"], 0);
}
