//! The parts of a multipart upload: sent `--parallel` at a time straight from the file to
//! their presigned URLs, each recorded in the journal as it lands; resuming asks the server
//! which parts the bucket already holds and sends only the others.

use super::journal::Journal;
use super::{Item, Options, Phases, Progress, Uploaded, ATTEMPTS};
use crate::api::{failure, transient, Api, ApiFailure};
use anyhow::{bail, Context, Result};
use edgedrop::domain::uploads::{part_length, StoredPart};
use edgedrop::views::{FileView, PartUrl, PartUrls};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// `GET /files/uploads/{id}`.
#[derive(Debug, Deserialize)]
struct Status {
    method: String,
    size: u64,
    part_size: u64,
    part_count: u32,
    parts: Vec<StoredPart>,
}

/// One file's multipart upload under way.
pub struct Parts<'a> {
    pub api: &'a Api,
    pub item: &'a Item,
    pub journal: &'a Journal,
    pub part_size: u64,
    pub options: &'a Options,
    pub progress: &'a Progress,
}

impl Parts<'_> {
    /// Carries on with a remembered upload: `None` when it cannot be (gone, expired,
    /// another size), so a new one starts.
    pub async fn resume(
        api: &Api,
        item: &Item,
        journal: &Journal,
        options: &Options,
        progress: &Progress,
        phases: &mut Phases,
    ) -> Result<Option<Uploaded>> {
        let id = journal.upload_id()?;
        let known = journal.etags()?;
        let status: Status = match api.get(&format!("/files/uploads/{id}")).await {
            Ok(status) => status,
            Err(e) => match e.downcast_ref::<ApiFailure>() {
                Some(f) if matches!(f.status, 404 | 409 | 410) => return Ok(None),
                _ => return Err(e),
            },
        };
        if status.method != "multipart" || status.size != item.size {
            let _ = api.delete(&format!("/files/uploads/{id}")).await;
            return Ok(None);
        }
        phases.mark("status");
        // A part counts as held when the bucket has all of it and its ETag is known (from the
        // bucket, or from the journal); any other is sent again.
        let held = |n: u32| {
            status.parts.iter().any(|p| {
                p.part_number == n
                    && p.size == part_length(status.size, status.part_size, n)
                    && (p.etag.is_some() || known.contains_key(&n))
            })
        };
        for part in &status.parts {
            if let Some(etag) = &part.etag {
                journal.record(part.part_number, etag.clone())?;
            }
        }
        let missing: Vec<u32> = (1..=status.part_count).filter(|n| !held(*n)).collect();
        let already: u64 =
            (1..=status.part_count).filter(|n| held(*n)).map(|n| part_length(status.size, status.part_size, n)).sum();
        progress.inc(already);
        progress.println(format!(
            "resuming {}: {} of {} parts already uploaded",
            item.name,
            status.part_count as usize - missing.len(),
            status.part_count
        ));
        let parts = Parts { api, item, journal, part_size: status.part_size, options, progress };
        let sent = parts.send(&missing, Vec::new()).await?;
        phases.mark("parts");
        let file = complete(api, &id, &journal.etags()?).await?;
        phases.mark("complete");
        let local = item.local.display().to_string();
        Ok(Some(Uploaded { local, file, parts_total: status.part_count, parts_sent: sent }))
    }

    /// Sends parts `missing`, `options.parallel` at a time (with the URLs of `first_urls`,
    /// the ticket's, where they serve, and fetching the others a hundred at a time);
    /// returns how many were sent.
    pub async fn send(&self, missing: &[u32], first_urls: Vec<PartUrl>) -> Result<u32> {
        let id = self.journal.upload_id()?;
        let sent = AtomicU32::new(0);
        // A test hook: stop dead (as a kill would) after this many parts of this run.
        let stop_after: Option<u32> =
            std::env::var("EDGEDROP_TEST_ABORT_AFTER_PARTS").ok().and_then(|v| v.parse().ok());
        for chunk in missing.chunks(100) {
            let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { continue };
            let fetched: Vec<PartUrl>;
            let urls = if chunk.iter().all(|n| first_urls.iter().any(|p| p.part_number == *n)) {
                &first_urls
            } else {
                let path = format!("/files/uploads/{id}/parts?from={first}&count={}", last - first + 1);
                fetched = self.api.get::<PartUrls>(&path).await?.parts;
                &fetched
            };
            let jobs = chunk.iter().map(|number| {
                let url = urls.iter().find(|p| p.part_number == *number).map(|p| p.url.clone());
                (*number, url)
            });
            stream::iter(jobs)
                .map(|(number, url)| {
                    let sent = &sent;
                    async move {
                        let url = url.with_context(|| format!("the server sent no URL for part {number}"))?;
                        self.send_one(number, &url).await?;
                        let count = sent.fetch_add(1, Ordering::SeqCst) + 1;
                        if stop_after.is_some_and(|n| count >= n) {
                            std::process::abort();
                        }
                        anyhow::Ok(())
                    }
                })
                .buffer_unordered(self.options.parallel.max(1))
                .try_collect::<Vec<()>>()
                .await?;
        }
        Ok(sent.load(Ordering::SeqCst))
    }

    /// Sends part `number` to `url` (retrying what is worth it) and records its ETag.
    async fn send_one(&self, number: u32, url: &str) -> Result<()> {
        let offset = u64::from(number - 1) * self.part_size;
        let length = part_length(self.item.size, self.part_size, number);
        let etag = retry(|| put_range(self.api, url, &self.item.local, offset, length)).await?;
        self.journal.record(number, etag)?;
        self.progress.inc(length);
        Ok(())
    }
}

/// PUTs `length` bytes of `local` from `offset` to a presigned `url` (which signed exactly
/// that length), streamed from the file in 1 MiB reads: no copy of the part in memory, and
/// reading overlaps sending (measured: a 256 MiB PUT as fast as curl's, against 0.74× when
/// the part was read into a buffer first). Returns the ETag the bucket answered with.
pub async fn put_range(api: &Api, url: &str, local: &Path, offset: u64, length: u64) -> Result<String> {
    let mut file = tokio::fs::File::open(local).await.with_context(|| format!("cannot read {}", local.display()))?;
    let size = file.metadata().await.with_context(|| format!("cannot read {}", local.display()))?.len();
    if size < offset.saturating_add(length) {
        bail!("{} changed while uploading (it is {size} bytes now)", local.display());
    }
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file.take(length), 1 << 20));
    let response = api
        .http
        .put(url)
        .header("content-length", length)
        .body(body)
        .send()
        .await
        .context("cannot reach the bucket")?;
    if !response.status().is_success() {
        return Err(failure(response).await.into());
    }
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(etag.to_owned())
}

/// Completes upload `id` with the ETags of its parts (none: a single PUT), waiting out a
/// busy answer.
pub async fn complete(api: &Api, id: &str, etags: &BTreeMap<u32, String>) -> Result<FileView> {
    let path = format!("/files/uploads/{id}/complete");
    let parts: Vec<_> = etags.iter().map(|(n, etag)| json!({ "part_number": n, "etag": etag })).collect();
    let body = json!({ "parts": parts });
    retry(|| api.post(&path, &body)).await
}

/// Runs `attempt` until it succeeds, a permanent error, or [`ATTEMPTS`] tries.
pub async fn retry<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) if tries + 1 < ATTEMPTS && transient(&e) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(tries))).await;
            }
            Err(e) => return Err(e),
        }
    }
}
