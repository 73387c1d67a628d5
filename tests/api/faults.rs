//! When the bucket fails: clear errors, nothing half-stored, nothing left behind for good.

use crate::harness::Stack;

#[tokio::test]
async fn an_upload_while_the_bucket_is_down_fails_cleanly_and_works_once_it_is_back() {
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    stack.stop_bucket();
    let path = "/files/upload?name=report.txt";
    let failed = user.client.post_bytes(path, "text/plain", b"first try".to_vec()).await;
    failed.problem(502, "storage_error");
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("f"));
    user.client.upload_form(form).await.problem(502, "storage_error");
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    assert_eq!(user.client.get("/auth/me").await.json()["file_count"], 0);

    stack.restart_bucket();
    let stored = user.client.post_bytes(path, "text/plain", b"second try".to_vec()).await;
    assert_eq!(stored.status, 201, "{}", stored.text());
    assert_eq!(user.client.get("/files").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(stack.objects_of(&user.id).len(), 1);
}

#[tokio::test]
async fn a_file_deleted_while_the_bucket_is_down_loses_its_bytes_at_the_next_sweep() {
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    let file = user.client.upload("old.txt", "/", b"old bytes").await;
    let kept = user.client.upload("kept.txt", "/", b"kept").await;
    stack.stop_bucket();
    let deleted = user.client.delete(&format!("/files/{}", file["id"].as_str().unwrap())).await;
    assert_eq!(deleted.status, 204, "the file is gone for the user: {}", deleted.text());
    assert_eq!(user.client.get("/files").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(stack.objects_of(&user.id).len(), 2, "the bucket could not delete yet");

    stack.restart_bucket();
    stack.run_scheduled().await;
    let kept_key = format!("u/{}/{}", user.id, kept["id"].as_str().unwrap());
    assert_eq!(stack.objects_of(&user.id), std::slice::from_ref(&kept_key));
    // Sweeping again is harmless.
    stack.run_scheduled().await;
    assert_eq!(stack.objects_of(&user.id), [kept_key]);
}
