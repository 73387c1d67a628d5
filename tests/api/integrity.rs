//! Nothing lost, nothing bypassed: requests racing on one upload (a client retrying its
//! complete, an abort, a delete, the sweeper) leave either a whole file or nothing, and the
//! invariant audit (rows ⇔ objects ⇔ ledger) finds nothing after them. Every race runs
//! many rounds: one lucky interleaving proves nothing.

use crate::harness::{Client, Stack, User};
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;

/// Rounds of each race.
const ROUNDS: usize = 12;
const MIB: usize = 1024 * 1024;

/// A stack whose direct uploads go multipart above 5 MiB, so both kinds race cheaply.
fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| Stack::start(&[("MULTIPART_THRESHOLD_BYTES", Some("5242880"))]))
}

fn data(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31).wrapping_add(seed * 7) % 251) as u8).collect()
}

/// Starts a direct upload of `bytes` and sends every byte; returns the ticket and the body
/// that completes it (with each part's ETag: s3s-fs does not list them).
async fn uploaded(user: &User, name: &str, bytes: &[u8]) -> (Value, Value) {
    let body = json!({ "name": name, "folder": "/race", "size": bytes.len() });
    let ticket = user.client.post_json("/files/uploads", &body).await;
    assert_eq!(ticket.status, 201, "{}", ticket.text());
    let ticket = ticket.json();
    let part_size = ticket["part_size"].as_u64().unwrap() as usize;
    let urls: Vec<String> = match ticket["method"].as_str() {
        Some("put") => vec![ticket["url"].as_str().unwrap().to_owned()],
        _ => ticket["parts"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap().to_owned()).collect(),
    };
    let mut parts = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let part = bytes[i * part_size..((i + 1) * part_size).min(bytes.len())].to_vec();
        let stored = user.client.put_url(url, part).await;
        assert_eq!(stored.status, 200, "{}", stored.text());
        parts.push(json!({ "part_number": i + 1, "etag": stored.header("etag").unwrap_or_default() }));
    }
    let body = if ticket["method"] == "multipart" { json!({ "parts": parts }) } else { json!({}) };
    (ticket, body)
}

fn complete_path(ticket: &Value) -> String {
    format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap())
}

/// Runs `a` and `b` at the same time; returns their statuses and bodies.
async fn race<A, B>(a: A, b: B) -> ((u16, String), (u16, String))
where
    A: std::future::Future<Output = crate::harness::Answer> + Send + 'static,
    B: std::future::Future<Output = crate::harness::Answer> + Send + 'static,
{
    let (a, b) = tokio::join!(tokio::spawn(a), tokio::spawn(b));
    let (a, b) = (a.unwrap(), b.unwrap());
    ((a.status, a.text()), (b.status, b.text()))
}

/// The bytes a user's file downloads as.
async fn downloaded(client: &Client, file_id: &str) -> Option<Vec<u8>> {
    let link = client.get(&format!("/files/{file_id}/download")).await;
    if link.status == 404 {
        return None;
    }
    assert_eq!(link.status, 200, "{}", link.text());
    let bytes = client.fetch(link.json()["url"].as_str().unwrap()).await;
    assert_eq!(bytes.status, 200, "a listed file's bytes are in the bucket");
    Some(bytes.body)
}

#[tokio::test]
async fn a_client_retrying_its_complete_gets_one_file_with_all_its_bytes() {
    let stack = stack();
    let user = stack.user().await;
    for round in 0..ROUNDS {
        // Alternately a single PUT and a multipart upload.
        let bytes = data(if round % 2 == 0 { 1000 + round } else { 6 * MIB + round }, round);
        let (ticket, body) = uploaded(&user, &format!("retried-{round}.bin"), &bytes).await;
        let path = complete_path(&ticket);
        let (first, second) = (user.client.clone(), user.client.clone());
        let (p1, p2, b1, b2) = (path.clone(), path.clone(), body.clone(), body.clone());
        let (a, b) =
            race(async move { first.post_json(&p1, &b1).await }, async move { second.post_json(&p2, &b2).await }).await;
        for (status, text) in [&a, &b] {
            assert!(matches!(status, 201 | 409), "round {round}: {status} {text}");
            if *status == 409 {
                assert!(text.contains("upload_busy"), "round {round}: {text}");
            }
        }
        assert!(a.0 == 201 || b.0 == 201, "round {round}: one of them completes: {a:?} {b:?}");
        // A retry after the race answers with the same file.
        let retry = user.client.post_json(&path, &body).await;
        assert_eq!(retry.status, 201, "round {round}: {}", retry.text());
        let file_id = ticket["file_id"].as_str().unwrap();
        assert_eq!(retry.json()["id"], file_id);
        assert!(downloaded(&user.client, file_id).await == Some(bytes), "round {round}: the bytes are all there");
    }
    let listed = user.client.get("/files?folder=/race&limit=1000").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), ROUNDS, "one file per upload");
    stack.audit();
}

#[tokio::test]
async fn an_abort_racing_a_complete_leaves_a_whole_file_or_nothing() {
    let stack = stack();
    let user = stack.user().await;
    let mut outcomes = Vec::new();
    for round in 0..ROUNDS {
        let bytes = data(if round % 2 == 0 { 2000 + round } else { 6 * MIB + round }, round);
        let (ticket, body) = uploaded(&user, &format!("aborted-{round}.bin"), &bytes).await;
        let abort = format!("/files/uploads/{}", ticket["upload_id"].as_str().unwrap());
        let path = complete_path(&ticket);
        let (completer, aborter) = (user.client.clone(), user.client.clone());
        let (completed, aborted) =
            race(async move { completer.post_json(&path, &body).await }, async move { aborter.delete(&abort).await })
                .await;
        let file_id = ticket["file_id"].as_str().unwrap();
        let file = downloaded(&user.client, file_id).await;
        match (completed.0, aborted.0) {
            (201, 409) => assert!(file == Some(bytes), "round {round}: completed, so whole"),
            (410 | 404 | 409, 204) => assert!(file.is_none(), "round {round}: aborted, so gone"),
            other => panic!("round {round}: {other:?} {completed:?} {aborted:?}"),
        }
        outcomes.push((completed.0, aborted.0));
    }
    assert!(stack.objects_of(&user.id).len() <= ROUNDS);
    stack.audit();
    eprintln!("abort vs complete outcomes: {outcomes:?}");
}

#[tokio::test]
async fn a_delete_racing_a_complete_never_leaves_a_file_without_bytes() {
    let stack = stack();
    let user = stack.user().await;
    for round in 0..ROUNDS {
        let bytes = data(3000 + round, round);
        let (ticket, body) = uploaded(&user, &format!("deleted-{round}.bin"), &bytes).await;
        let file_id = ticket["file_id"].as_str().unwrap().to_owned();
        let path = complete_path(&ticket);
        let (completer, deleter) = (user.client.clone(), user.client.clone());
        let delete = format!("/files/{file_id}");
        let (completed, deleted) = race(async move { completer.post_json(&path, &body).await }, async move {
            // Delete as soon as the file may exist.
            tokio::time::sleep(Duration::from_millis(5)).await;
            deleter.delete(&delete).await
        })
        .await;
        assert_eq!(completed.0, 201, "round {round}: {completed:?}");
        assert!(matches!(deleted.0, 204 | 404), "round {round}: {deleted:?}");
        match deleted.0 {
            204 => assert!(downloaded(&user.client, &file_id).await.is_none(), "round {round}"),
            _ => assert!(downloaded(&user.client, &file_id).await == Some(bytes), "round {round}"),
        }
    }
    stack.audit();
}

#[tokio::test]
async fn the_sweeper_racing_completes_at_the_deadline_never_deletes_a_files_bytes() {
    // Uploads live about three seconds here, so completes race the sweeper at the deadline.
    let stack = Stack::start(&[
        ("PENDING_UPLOAD_TTL_HOURS", Some("0.00085")),
        ("UPLOAD_URL_TTL_SECONDS", Some("3")),
        ("MULTIPART_THRESHOLD_BYTES", Some("5242880")),
    ]);
    let user = stack.user().await;
    let mut outcomes = Vec::new();
    // Each upload's complete is sent at its own moment around its deadline (~3.06 s after
    // it was started): well before, just before, just after, well after.
    let offsets_ms: [i64; 4] = [-1200, -400, 150, 700];
    for round in 0..6 {
        let mut uploads = Vec::new();
        for i in 0..4 {
            let started = tokio::time::Instant::now();
            let bytes = data(if i == 0 { 6 * MIB } else { 500 + i }, round * 10 + i);
            uploads.push((uploaded(&user, &format!("deadline-{round}-{i}.bin"), &bytes).await, bytes, started));
        }
        let mut racers = Vec::new();
        for (n, ((ticket, body), _, started)) in uploads.iter().enumerate() {
            let client = user.client.clone();
            let (path, body) = (complete_path(ticket), body.clone());
            let at = *started + Duration::from_millis((3060 + offsets_ms[n]) as u64);
            racers.push(tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                let answer = client.post_json(&path, &body).await;
                (answer.status, answer.text())
            }));
        }
        let sweeper = {
            let client = stack.client();
            tokio::spawn(async move {
                for _ in 0..8 {
                    client.get("/__scheduled?cron=*/15+*+*+*+*").await;
                    tokio::time::sleep(Duration::from_millis(80)).await;
                }
            })
        };
        let mut statuses = Vec::new();
        for racer in racers {
            statuses.push(racer.await.unwrap());
        }
        sweeper.await.unwrap();
        for (((ticket, _), bytes, _), (status, body)) in uploads.iter().zip(&statuses) {
            let file = downloaded(&user.client, ticket["file_id"].as_str().unwrap()).await;
            match status {
                201 => assert!(file.as_ref() == Some(bytes), "round {round}: a completed file keeps its bytes"),
                410 | 404 => assert!(file.is_none(), "round {round}: an expired upload is no file"),
                other => panic!("round {round}: complete answered {other} {body}"),
            }
        }
        outcomes.push(statuses.into_iter().map(|(status, _)| status).collect::<Vec<_>>());
    }
    stack.run_scheduled().await;
    stack.audit();
    let completed = outcomes.iter().flatten().filter(|s| **s == 201).count();
    eprintln!("sweeper vs complete outcomes: {outcomes:?}");
    assert!(completed > 0, "some completes beat the deadline: {outcomes:?}");
}
