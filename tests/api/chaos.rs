//! Many clients at once, doing whatever a client may do to files (uploads of every kind,
//! completes, retried completes, aborts, deletes, share links and their visits) while the
//! sweeper runs beside them and uploads expire under them. Seeded, so a failure can be
//! replayed (`EDGEDROP_CHAOS_SEED=<n> cargo test --test api chaos`); bounded in operations
//! and time. Afterwards the invariant audit must find nothing.

use crate::harness::{Client, Stack};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CLIENTS: u64 = 6;
const STEPS_PER_CLIENT: usize = 30;
const TIME_LIMIT: Duration = Duration::from_secs(150);

/// A small, reproducible random stream (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What one client remembers of its own doings.
#[derive(Default)]
struct Memory {
    files: Vec<String>,
    /// Direct uploads with the body that completes them.
    uploads: Vec<(Value, Value)>,
    shares: Vec<String>,
}

fn bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let seed = rng.next();
    (0..len).map(|i| (seed.wrapping_add(i as u64 * 7) % 251) as u8).collect()
}

/// Starts a direct upload and sends all (or, sometimes, only some) of its bytes.
async fn direct_upload(client: &Client, rng: &mut Rng, n: usize) -> Option<(Value, Value)> {
    let multipart = rng.below(3) == 0;
    let size = if multipart { 5 * 1024 * 1024 + 1 + rng.below(4096) as usize } else { rng.below(2000) as usize };
    let answer = client.post_json("/files/uploads", &json!({ "name": format!("direct-{n}.bin"), "size": size })).await;
    if answer.status != 201 {
        return None;
    }
    let ticket = answer.json();
    let data = bytes(rng, size);
    let part_size = ticket["part_size"].as_u64().unwrap_or(1) as usize;
    let urls: Vec<String> = match ticket["method"].as_str() {
        Some("put") => vec![ticket["url"].as_str().unwrap_or_default().to_owned()],
        _ => ticket["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["url"].as_str())
            .map(str::to_owned)
            .collect(),
    };
    let mut parts = Vec::new();
    let send_all = rng.below(5) != 0;
    for (i, url) in urls.iter().enumerate() {
        if !send_all && i + 1 == urls.len() {
            break;
        }
        let part = data[(i * part_size).min(data.len())..((i + 1) * part_size).min(data.len())].to_vec();
        let stored = client.put_url(url, part).await;
        parts.push(json!({ "part_number": i + 1, "etag": stored.header("etag").unwrap_or_default() }));
    }
    let body = if ticket["method"] == "multipart" { json!({ "parts": parts }) } else { json!({}) };
    Some((ticket, body))
}

/// One client's random walk; returns the statuses it saw, to check that none was a 5xx.
async fn wander(client: Client, visitor: Client, seed: u64, deadline: Instant) -> Vec<(String, u16)> {
    let mut rng = Rng::new(seed);
    let mut memory = Memory::default();
    let mut seen = Vec::new();
    for n in 0..STEPS_PER_CLIENT {
        if Instant::now() > deadline {
            break;
        }
        let (what, status) = match rng.below(10) {
            0 => {
                let len = rng.below(3000) as usize;
                let data = bytes(&mut rng, len);
                let answer = client.post_bytes(&format!("/files/upload?name=raw-{n}.bin"), "text/plain", data).await;
                if answer.status == 201 {
                    memory.files.push(answer.json()["id"].as_str().unwrap_or_default().to_owned());
                }
                ("raw upload", answer.status)
            }
            1 => {
                let len = rng.below(3000) as usize;
                let data = bytes(&mut rng, len);
                let form = Form::new().part("file", Part::bytes(data).file_name(format!("form-{n}.txt")));
                let answer = client.upload_form(form).await;
                if answer.status == 201 {
                    memory.files.push(answer.json()["id"].as_str().unwrap_or_default().to_owned());
                }
                ("form upload", answer.status)
            }
            2 | 3 => match direct_upload(&client, &mut rng, n).await {
                Some(upload) => {
                    memory.uploads.push(upload);
                    ("direct upload", 201)
                }
                None => ("direct upload", 0),
            },
            4 | 5 if !memory.uploads.is_empty() => {
                let pick = rng.below(memory.uploads.len() as u64) as usize;
                let (ticket, body) = memory.uploads[pick].clone();
                let path = format!("/files/uploads/{}/complete", ticket["upload_id"].as_str().unwrap_or_default());
                // Sometimes a retry races the first attempt, as on a flaky network.
                let answer = if rng.below(3) == 0 {
                    let (a, b) = tokio::join!(client.post_json(&path, &body), client.post_json(&path, &body));
                    seen.push(("complete (retry)".to_owned(), b.status));
                    a
                } else {
                    client.post_json(&path, &body).await
                };
                if answer.status == 201 {
                    memory.files.push(ticket["file_id"].as_str().unwrap_or_default().to_owned());
                }
                ("complete", answer.status)
            }
            6 if !memory.uploads.is_empty() => {
                let pick = rng.below(memory.uploads.len() as u64) as usize;
                let (ticket, _) = memory.uploads.swap_remove(pick);
                let path = format!("/files/uploads/{}", ticket["upload_id"].as_str().unwrap_or_default());
                ("abort", client.delete(&path).await.status)
            }
            7 if !memory.files.is_empty() => {
                let pick = rng.below(memory.files.len() as u64) as usize;
                let id = memory.files.swap_remove(pick);
                ("delete", client.delete(&format!("/files/{id}")).await.status)
            }
            8 if !memory.files.is_empty() => {
                let id = &memory.files[rng.below(memory.files.len() as u64) as usize];
                let body = json!({ "max_downloads": 1 + rng.below(3) });
                let answer = client.post_json(&format!("/files/{id}/share"), &body).await;
                if answer.status == 201 {
                    memory.shares.push(answer.json()["token"].as_str().unwrap_or_default().to_owned());
                }
                ("share", answer.status)
            }
            9 if !memory.shares.is_empty() => {
                let token = &memory.shares[rng.below(memory.shares.len() as u64) as usize];
                let answer = visitor.get(&format!("/share/{token}")).await;
                if answer.status == 302 {
                    // A link that counted a download serves the bytes: its file still has them.
                    let fetched = visitor.fetch(&answer.header("location").unwrap_or_default()).await;
                    seen.push(("shared bytes".to_owned(), fetched.status));
                }
                ("visit", answer.status)
            }
            _ => ("list", client.get("/files?limit=100").await.status),
        };
        seen.push((what.to_owned(), status));
    }
    seen
}

#[tokio::test]
async fn many_clients_and_the_sweeper_at_once_leave_nothing_lost_and_nothing_stray() {
    let seed = std::env::var("EDGEDROP_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_127u64);
    eprintln!("chaos seed: {seed} (EDGEDROP_CHAOS_SEED={seed} replays it)");
    // Uploads expire within seconds, so completes, aborts and sweeps meet at the deadline.
    let stack = Stack::start(&[
        ("PENDING_UPLOAD_TTL_HOURS", Some("0.0025")),
        ("UPLOAD_URL_TTL_SECONDS", Some("8")),
        ("MULTIPART_THRESHOLD_BYTES", Some("5242880")),
        ("QUOTA_BYTES", Some("60000000")),
    ]);
    let deadline = Instant::now() + TIME_LIMIT;
    let mut walkers = Vec::new();
    for n in 0..CLIENTS {
        let user = stack.user().await;
        walkers.push(tokio::spawn(wander(user.client.clone(), stack.client(), seed.wrapping_add(n), deadline)));
    }
    let sweeper = {
        let client = stack.client();
        tokio::spawn(async move {
            let mut sweeps = 0;
            while Instant::now() < deadline && sweeps < 200 {
                let answer = client.get("/__scheduled?cron=*/15+*+*+*+*").await;
                assert_eq!(answer.status, 200, "{}", answer.text());
                sweeps += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        })
    };
    let mut all = Vec::new();
    for walker in walkers {
        all.extend(walker.await.unwrap());
    }
    sweeper.abort();
    let _ = sweeper.await;
    let failures: Vec<_> = all.iter().filter(|(_, status)| *status >= 500).collect();
    assert!(failures.is_empty(), "seed {seed}: server errors: {failures:?}");
    let shared_bytes_missing: Vec<_> = all.iter().filter(|(what, s)| what == "shared bytes" && *s != 200).collect();
    assert!(shared_bytes_missing.is_empty(), "seed {seed}: a link served a URL to missing bytes");
    let mut tally = std::collections::BTreeMap::new();
    for (what, status) in &all {
        *tally.entry(format!("{what} {status}")).or_insert(0) += 1;
    }
    eprintln!("chaos: {} operations: {tally:?}", all.len());
    stack.audit();
    // Once every upload's time is up, one more sweep leaves nothing but files.
    tokio::time::sleep(Duration::from_millis(9500)).await;
    stack.run_scheduled().await;
    stack.run_scheduled().await;
    stack.audit();
}
