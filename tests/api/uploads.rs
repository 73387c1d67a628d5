//! Uploading: raw bodies and browser-style forms, small and large, within the limits.

use crate::harness::{encode, Stack};
use reqwest::multipart::{Form, Part};

fn file_part(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned()).mime_str("text/plain").unwrap()
}

#[tokio::test]
async fn a_browser_form_upload_keeps_its_name_type_and_folder() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let form = Form::new().part("file", file_part("notes from Zoë.txt", b"hello".to_vec())).text("folder", "/meetings");
    let answer = user.client.upload_form(form).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let file = answer.json();
    assert_eq!(file["name"], "notes from Zoë.txt");
    assert_eq!(file["folder"], "/meetings");
    assert_eq!(file["content_type"], "text/plain");
    assert_eq!(file["size"], 5);

    // A `name` field, even after the file part, overrides the part's filename.
    let form = Form::new().part("file", file_part("ignored.txt", b"x".to_vec())).text("name", "chosen.txt");
    assert_eq!(user.client.upload_form(form).await.json()["name"], "chosen.txt");
}

#[tokio::test]
async fn a_raw_upload_takes_its_name_from_the_query_and_its_type_from_the_header() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let answer = user
        .client
        .post_bytes(
            &format!("/files/upload?name={}&folder=/img", encode("pixel.png")),
            "image/png",
            vec![0x89, b'P', b'N', b'G'],
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let file = answer.json();
    assert_eq!(
        (file["name"].as_str(), file["folder"].as_str(), file["content_type"].as_str()),
        (Some("pixel.png"), Some("/img"), Some("image/png"))
    );
    let empty = user.client.upload("empty.txt", "/", b"").await;
    assert_eq!(empty["size"], 0);
    let link = user.client.get(&format!("/files/{}/download", empty["id"].as_str().unwrap())).await.json();
    assert!(user.client.fetch(link["url"].as_str().unwrap()).await.body.is_empty());

    user.client.post_bytes("/files/upload", "text/plain", b"x".to_vec()).await.problem(422, "validation_error");
}

#[tokio::test]
async fn a_large_form_upload_streams_through_in_parts_and_comes_back_identical() {
    let stack = Stack::shared();
    let user = stack.user().await;
    // 20 MiB and a bit: three parts of the multipart upload, the last one short.
    let bytes: Vec<u8> =
        (0..20 * 1024 * 1024 + 12_345).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let form = Form::new().part("file", Part::bytes(bytes.clone()).file_name("big.bin"));
    let answer = user.client.upload_form(form).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let file = answer.json();
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["content_type"], "application/octet-stream");
    let link = user.client.get(&format!("/files/{}/download", file["id"].as_str().unwrap())).await.json();
    let downloaded = user.client.fetch(link["url"].as_str().unwrap()).await;
    assert!(downloaded.body == bytes, "the downloaded bytes differ");
    assert_eq!(user.client.get("/auth/me").await.json()["used_bytes"], bytes.len());
}

#[tokio::test]
async fn forms_need_exactly_one_file_part_and_valid_names() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let no_file = c.upload_form(Form::new().text("folder", "/a")).await;
    assert_eq!(no_file.problem(422, "validation_error")["field"], "file");
    let two =
        Form::new().part("file", file_part("a.txt", b"1".to_vec())).part("file", file_part("b.txt", b"2".to_vec()));
    assert_eq!(c.upload_form(two).await.problem(422, "validation_error")["field"], "file");
    let bad_folder = Form::new().part("file", file_part("a.txt", b"1".to_vec())).text("folder", "nope");
    assert_eq!(c.upload_form(bad_folder).await.problem(422, "validation_error")["field"], "folder");
    let bad_name = Form::new().part("file", file_part("a.txt", b"1".to_vec())).text("name", "a/b");
    assert_eq!(c.upload_form(bad_name).await.problem(422, "validation_error")["field"], "name");

    // A filename that is not UTF-8, written byte by byte as a client could.
    let body =
        b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xff\xfe.txt\"\r\n\r\nhi\r\n--B--\r\n"
            .to_vec();
    let invalid = c.post_bytes("/files/upload", "multipart/form-data; boundary=B", body).await;
    assert_eq!(invalid.problem(422, "validation_error")["field"], "file");
    let no_boundary = c.post_bytes("/files/upload", "multipart/form-data", b"x".to_vec()).await;
    no_boundary.problem(415, "unsupported_media_type");

    // None of these stored anything.
    assert!(c.get("/files").await.json()["items"].as_array().unwrap().is_empty());
    let me = c.get("/auth/me").await.json();
    assert_eq!((me["file_count"].as_i64(), me["used_bytes"].as_i64()), (Some(0), Some(0)));
    assert!(stack.objects_of(&user.id).is_empty());
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_and_leave_nothing_behind() {
    let stack = Stack::start(&[("MAX_UPLOAD_BYTES", Some("1000"))]);
    let user = stack.user().await;
    let c = &user.client;
    // Declared too large.
    let raw = c.post_bytes("/files/upload?name=big.bin", "application/octet-stream", vec![7; 1001]).await;
    raw.problem(413, "payload_too_large");
    // Only found to be too large while streaming: the form's length is within the slack.
    let form = Form::new().part("file", Part::bytes(vec![7u8; 5000]).file_name("big.bin"));
    c.upload_form(form).await.problem(413, "payload_too_large");
    // Exactly at the limit is fine.
    c.upload("fits.bin", "/", &[7; 1000]).await;

    let listed = c.get("/files").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(stack.objects_of(&user.id).len(), 1);
    assert_eq!(c.get("/auth/me").await.json()["used_bytes"], 1000);
}

#[tokio::test]
async fn raw_uploads_need_a_content_length() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(b"streamed ".to_vec()), Ok(b"body".to_vec())];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let request = user
        .client
        .request(reqwest::Method::POST, "/files/upload?name=chunked.txt")
        .header("content-type", "text/plain")
        .body(body);
    user.client.send(request).await.problem(411, "length_required");
    assert!(stack.objects_of(&user.id).is_empty());
}

/// A form with one file part whose `filename` parameter is `encoded`, exactly as written.
fn form_with_filename(encoded: &str) -> Vec<u8> {
    format!(
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{encoded}\"\r\n\
         Content-Type: text/plain\r\n\r\nhello\r\n--B--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn quotes_in_a_form_filename_survive_the_way_browsers_and_curl_send_them() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let c = &user.client;
    let stored_as = |encoded: &'static str| async move {
        let answer =
            c.post_bytes("/files/upload", "multipart/form-data; boundary=B", form_with_filename(encoded)).await;
        assert_eq!(answer.status, 201, "{encoded}: {}", answer.text());
        answer.json()["name"].as_str().unwrap().to_owned()
    };
    // Browsers (the HTML form-data rules) and curl write `"` as %22, in either case of hex.
    assert_eq!(stored_as("my %22draft%22.txt").await, "my \"draft\".txt");
    assert_eq!(stored_as("%22quoted%22 %22twice%22.txt").await, "\"quoted\" \"twice\".txt");
    assert_eq!(stored_as("lower %2a %22case%22.txt").await, "lower %2a \"case\".txt");
    // Only those three escapes are theirs: any other percent sign is part of the name.
    assert_eq!(stored_as("100%25 off %41.txt").await, "100%25 off %41.txt");
    assert_eq!(stored_as("50% %2522.txt").await, "50% %2522.txt");
    // Line breaks come as %0D and %0A: decoded, they are control characters, refused.
    for encoded in ["two%0Alines.txt", "carriage%0dreturn.txt", "both%0D%0A.txt"] {
        let answer =
            c.post_bytes("/files/upload", "multipart/form-data; boundary=B", form_with_filename(encoded)).await;
        assert_eq!(answer.problem(422, "validation_error")["field"], "file", "{encoded}");
    }

    // curl itself, as people upload from a shell.
    let path = std::env::temp_dir().join(format!("edgedrop-curl-{}.txt", crate::harness::unique()));
    std::fs::write(&path, b"from curl").unwrap();
    let curl = tokio::process::Command::new("curl")
        .args(["-s", "-H", &format!("authorization: Bearer {}", c.token.as_deref().unwrap()), "-F"])
        .arg(format!("file=@{};filename=\"my \\\"draft\\\".txt\"", path.display()))
        .arg(format!("{}/files/upload", stack.base))
        .output()
        .await
        .expect("curl runs");
    let _ = std::fs::remove_file(&path);
    let answer: serde_json::Value = serde_json::from_slice(&curl.stdout).unwrap();
    assert_eq!(answer["name"], "my \"draft\".txt", "{answer}");

    // reqwest escapes the quotes with backslashes instead; that keeps working.
    let form = Form::new().part("file", file_part("my \"draft\".txt", b"x".to_vec()));
    assert_eq!(c.upload_form(form).await.json()["name"], "my \"draft\".txt");
}
