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

#[tokio::test]
async fn the_bucket_dying_mid_upload_leaves_no_file_and_the_retry_works() {
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    const MIB: usize = 1024 * 1024;
    let total = 18 * MIB;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), total as u64)
        .file_name("doomed.bin");
    let client = user.client.clone();
    let upload = tokio::spawn(async move {
        client
            .http
            .execute(
                client
                    .request(reqwest::Method::POST, "/files/upload")
                    .multipart(reqwest::multipart::Form::new().part("file", part))
                    .build()
                    .unwrap(),
            )
            .await
    });

    // The first 8 MiB part reaches the bucket once the ninth MiB arrives.
    for _ in 0..9 {
        sender.send(Ok(vec![9u8; MIB])).await.unwrap();
    }
    for _ in 0..100 {
        if stack.pending_parts() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stack.pending_parts() > 0, "the first part never reached the bucket");
    stack.stop_bucket();
    for _ in 9..18 {
        if sender.send(Ok(vec![9u8; MIB])).await.is_err() {
            break;
        }
    }
    drop(sender);
    match upload.await.unwrap() {
        // The Worker may answer before the client has sent everything; the connection
        // then closes under the client, which is fine as long as nothing was kept.
        Err(_) => {}
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, 502, "{body}");
            assert!(body.contains("storage_error"), "{body}");
        }
    }
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    assert_eq!(user.client.get("/auth/me").await.json()["file_count"], 0);

    stack.restart_bucket();
    let retry =
        user.client.post_bytes("/files/upload?name=doomed.bin", "application/octet-stream", vec![9; total]).await;
    assert_eq!(retry.status, 201, "{}", retry.text());
    assert_eq!(stack.objects_of(&user.id).len(), 1);
}
