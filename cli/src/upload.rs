//! `edgedrop upload`: files and directory trees. Small files go in one request through the
//! Worker; larger ones straight to the bucket (a presigned PUT, or a multipart upload whose
//! parts go up several at a time). A multipart upload is remembered in the state directory
//! until it completes, so the same command after an interruption sends only the parts the
//! bucket does not hold yet (`GET /files/uploads/{id}` says which).

use crate::api::{encode, failure, transient, Api, ApiFailure};
use crate::config::state_dir;
use anyhow::{bail, Context, Result};
use edgedrop::domain::uploads::{part_length, StoredPart, MIN_PART_SIZE};
use edgedrop::views::{FileView, PartUrls};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Files up to this size go in one request through the Worker; larger ones go to the bucket.
pub const ONE_REQUEST_MAX: u64 = MIN_PART_SIZE;

/// How many times a part (or a small file) is tried before the upload gives up.
const ATTEMPTS: u32 = 5;

/// One file to upload: where it is, and where it goes.
#[derive(Debug, Clone)]
pub struct Item {
    pub local: PathBuf,
    pub folder: String,
    pub name: String,
    pub size: u64,
}

/// What became of one file (the `--json` output of `upload`, one per file).
#[derive(Debug, Serialize)]
pub struct Uploaded {
    pub local: String,
    pub file: FileView,
    /// Parts of a multipart upload (0 for a file sent in one request or one PUT).
    pub parts_total: u32,
    /// Parts this run sent; fewer than `parts_total` when an earlier run had sent the others.
    pub parts_sent: u32,
}

/// The ticket of `POST /files/uploads`.
#[derive(Debug, Deserialize)]
struct Ticket {
    upload_id: String,
    method: String,
    part_size: u64,
    part_count: u32,
    url: Option<String>,
}

/// `GET /files/uploads/{id}`.
#[derive(Debug, Deserialize)]
struct Status {
    method: String,
    size: u64,
    part_size: u64,
    part_count: u32,
    parts: Vec<StoredPart>,
}

/// What the state directory remembers of an upload under way: its id and the ETag of each
/// part the bucket acknowledged (not every store lists them: s3s-fs does not), written as
/// each part lands.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Remembered {
    upload_id: String,
    server: String,
    local: String,
    size: u64,
    #[serde(default)]
    etags: BTreeMap<u32, String>,
}

/// The remembered upload and its file, shared by the parts in flight.
struct Journal {
    path: PathBuf,
    state: std::sync::Mutex<Remembered>,
}

impl Journal {
    fn record(&self, number: u32, etag: String) -> Result<()> {
        let snapshot = {
            let mut state = self.state.lock().map_err(|_| anyhow::anyhow!("the upload journal is poisoned"))?;
            state.etags.insert(number, etag);
            state.clone()
        };
        write_state(&self.path, &snapshot)
    }

    fn etags(&self) -> Result<BTreeMap<u32, String>> {
        Ok(self.state.lock().map_err(|_| anyhow::anyhow!("the upload journal is poisoned"))?.etags.clone())
    }
}

/// Options of a run.
pub struct Options {
    pub parallel: usize,
    pub quiet: bool,
}

/// Joins `folder` and a relative directory: `/x` + `a/b` → `/x/a/b`.
fn join_folder(folder: &str, relative: &[String]) -> String {
    let mut path = folder.trim_end_matches('/').to_owned();
    for segment in relative {
        path.push('/');
        path.push_str(segment);
    }
    if path.is_empty() {
        "/".into()
    } else {
        path
    }
}

/// The files of `paths`: a file goes into `folder`; a directory goes into `folder` under
/// its own name, with its whole tree below it.
pub fn collect(paths: &[PathBuf], folder: &str) -> Result<Vec<Item>> {
    if !folder.starts_with('/') {
        bail!("--folder must start with '/' (e.g. /backups)");
    }
    let mut items = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = file_name(path)?;
        if meta.is_dir() {
            walk(path, &[name], folder, &mut items)?;
        } else {
            items.push(Item { local: path.clone(), folder: join_folder(folder, &[]), name, size: meta.len() });
        }
    }
    Ok(items)
}

fn file_name(path: &Path) -> Result<String> {
    let canonical = std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = canonical.file_name().with_context(|| format!("{} has no name", path.display()))?;
    name.to_str().map(str::to_owned).with_context(|| format!("{} is not UTF-8", path.display()))
}

fn walk(dir: &Path, relative: &[String], folder: &str, items: &mut Vec<Item>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = entry.file_name().into_string().map_err(|_| anyhow::anyhow!("{} is not UTF-8", path.display()))?;
        if meta.is_dir() {
            let mut deeper = relative.to_vec();
            deeper.push(name);
            walk(&path, &deeper, folder, items)?;
        } else if meta.is_file() {
            items.push(Item { local: path, folder: join_folder(folder, relative), name, size: meta.len() });
        }
    }
    Ok(())
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
}

/// Uploads every item, one file at a time (each large one with parallel parts), with a
/// bar per file and one for the total.
pub async fn run(api: &Api, items: Vec<Item>, options: &Options) -> Result<Vec<Uploaded>> {
    let bars = MultiProgress::new();
    if options.quiet {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let total_bytes = items.iter().map(|i| i.size).sum();
    let total = bars.add(ProgressBar::new(total_bytes));
    total.set_style(bar_style(
        "total {bytes:>10}/{total_bytes:<10} [{bar:30}] {binary_bytes_per_sec:>12} eta {eta:>4} ({msg})",
    ));
    let mut done = Vec::new();
    for (n, item) in items.iter().enumerate() {
        total.set_message(format!("file {} of {}", n + 1, items.len()));
        let bar = bars.insert_before(&total, ProgressBar::new(item.size));
        bar.set_style(bar_style("{msg:30!} {bytes:>10}/{total_bytes:<10} [{bar:30}] {binary_bytes_per_sec:>12}"));
        bar.set_message(item.name.clone());
        let uploaded = upload_one(api, item, options, &bar, &total, &bars)
            .await
            .with_context(|| format!("{}", item.local.display()))?;
        bar.finish();
        done.push(uploaded);
    }
    total.finish();
    Ok(done)
}

async fn upload_one(
    api: &Api,
    item: &Item,
    options: &Options,
    bar: &ProgressBar,
    total: &ProgressBar,
    bars: &MultiProgress,
) -> Result<Uploaded> {
    let local = item.local.display().to_string();
    if item.size <= ONE_REQUEST_MAX {
        let bytes = tokio::fs::read(&item.local).await.with_context(|| format!("cannot read {local}"))?;
        let path = format!("/files/upload?name={}&folder={}", encode(&item.name), encode(&item.folder));
        let file: FileView = retry(|| async {
            let request =
                api.request(Method::POST, &path).header("content-type", "application/octet-stream").body(bytes.clone());
            api.json(request).await
        })
        .await?;
        bar.inc(item.size);
        total.inc(item.size);
        return Ok(Uploaded { local, file, parts_total: 0, parts_sent: 0 });
    }
    let state = state_file(&api.base, item)?;
    if let Some(remembered) = read_state(&state) {
        let journal = Journal { path: state.clone(), state: std::sync::Mutex::new(remembered) };
        match resume(api, item, &journal, options, bar, total, bars).await {
            Ok(Some(uploaded)) => {
                let _ = std::fs::remove_file(&state);
                return Ok(uploaded);
            }
            Ok(None) => {
                let _ = std::fs::remove_file(&state);
            }
            Err(e) => return Err(e),
        }
    }
    let ticket: Ticket =
        api.post("/files/uploads", &json!({ "name": item.name, "folder": item.folder, "size": item.size })).await?;
    if ticket.method == "put" {
        let url = ticket.url.clone().context("the server sent a PUT upload without its URL")?;
        retry(|| put_range(api, &url, &item.local, 0, item.size)).await?;
        bar.inc(item.size);
        total.inc(item.size);
        let file = complete(api, &ticket.upload_id, &BTreeMap::new()).await?;
        return Ok(Uploaded { local, file, parts_total: 0, parts_sent: 0 });
    }
    let remembered = Remembered {
        upload_id: ticket.upload_id.clone(),
        server: api.base.clone(),
        local: local.clone(),
        size: item.size,
        etags: BTreeMap::new(),
    };
    write_state(&state, &remembered)?;
    let journal = Journal { path: state.clone(), state: std::sync::Mutex::new(remembered) };
    let missing: Vec<u32> = (1..=ticket.part_count).collect();
    let sent = send_parts(api, item, &journal, ticket.part_size, &missing, options, bar, total).await?;
    let file = complete(api, &ticket.upload_id, &journal.etags()?).await?;
    let _ = std::fs::remove_file(&state);
    Ok(Uploaded { local, file, parts_total: ticket.part_count, parts_sent: sent })
}

/// Carries on with a remembered upload: `None` when it cannot be (gone, expired, another
/// size), so a new one starts.
async fn resume(
    api: &Api,
    item: &Item,
    journal: &Journal,
    options: &Options,
    bar: &ProgressBar,
    total: &ProgressBar,
    bars: &MultiProgress,
) -> Result<Option<Uploaded>> {
    let id = &journal.state.lock().map_err(|_| anyhow::anyhow!("the upload journal is poisoned"))?.upload_id.clone();
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
    bar.inc(already);
    total.inc(already);
    let _ = bars.println(format!(
        "resuming {}: {} of {} parts already uploaded",
        item.name,
        status.part_count as usize - missing.len(),
        status.part_count
    ));
    let sent = send_parts(api, item, journal, status.part_size, &missing, options, bar, total).await?;
    let file = complete(api, id, &journal.etags()?).await?;
    let local = item.local.display().to_string();
    Ok(Some(Uploaded { local, file, parts_total: status.part_count, parts_sent: sent }))
}

/// Sends parts `missing` of upload `id`, `options.parallel` at a time, fetching their URLs
/// a hundred at a time; returns how many were sent.
#[allow(clippy::too_many_arguments)]
async fn send_parts(
    api: &Api,
    item: &Item,
    journal: &Journal,
    part_size: u64,
    missing: &[u32],
    options: &Options,
    bar: &ProgressBar,
    total: &ProgressBar,
) -> Result<u32> {
    let id = journal.state.lock().map_err(|_| anyhow::anyhow!("the upload journal is poisoned"))?.upload_id.clone();
    let sent = Arc::new(AtomicU32::new(0));
    // A test hook: stop dead (as a kill would) after this many parts of this run.
    let stop_after: Option<u32> = std::env::var("EDGEDROP_TEST_ABORT_AFTER_PARTS").ok().and_then(|v| v.parse().ok());
    for chunk in missing.chunks(100) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { continue };
        let urls: PartUrls =
            api.get(&format!("/files/uploads/{id}/parts?from={first}&count={}", last - first + 1)).await?;
        let jobs = chunk.iter().map(|number| {
            let url = urls.parts.iter().find(|p| p.part_number == *number).map(|p| p.url.clone());
            (*number, url)
        });
        stream::iter(jobs)
            .map(|(number, url)| {
                let sent = sent.clone();
                async move {
                    let url = url.with_context(|| format!("the server sent no URL for part {number}"))?;
                    let offset = u64::from(number - 1) * part_size;
                    let length = part_length(item.size, part_size, number);
                    let etag = retry(|| put_range(api, &url, &item.local, offset, length)).await?;
                    journal.record(number, etag)?;
                    bar.inc(length);
                    total.inc(length);
                    let count = sent.fetch_add(1, Ordering::SeqCst) + 1;
                    if stop_after.is_some_and(|n| count >= n) {
                        std::process::abort();
                    }
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(options.parallel.max(1))
            .try_collect::<Vec<()>>()
            .await?;
    }
    Ok(sent.load(Ordering::SeqCst))
}

/// PUTs `length` bytes of `local` from `offset` to a presigned `url` (which signed exactly
/// that length); returns the ETag the bucket answered with.
async fn put_range(api: &Api, url: &str, local: &Path, offset: u64, length: u64) -> Result<String> {
    let mut file = tokio::fs::File::open(local).await.with_context(|| format!("cannot read {}", local.display()))?;
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut buffer = vec![0u8; usize::try_from(length).context("a part too large for memory")?];
    file.read_exact(&mut buffer).await.with_context(|| format!("{} changed while uploading", local.display()))?;
    let response = api
        .http
        .put(url)
        .header("content-length", length)
        .body(buffer)
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
async fn complete(api: &Api, id: &str, etags: &BTreeMap<u32, String>) -> Result<FileView> {
    let path = format!("/files/uploads/{id}/complete");
    let parts: Vec<_> = etags.iter().map(|(n, etag)| json!({ "part_number": n, "etag": etag })).collect();
    let body = json!({ "parts": parts });
    retry(|| api.post(&path, &body)).await
}

/// Runs `attempt` until it succeeds, a permanent error, or [`ATTEMPTS`] tries.
async fn retry<T, F, Fut>(mut attempt: F) -> Result<T>
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

/// The state file of `item` on `server`: named by a hash of the server, the absolute path,
/// the size, the modification time and the destination, so a changed file starts over.
fn state_file(server: &str, item: &Item) -> Result<PathBuf> {
    let absolute = std::fs::canonicalize(&item.local)?;
    let modified = std::fs::metadata(&item.local)?
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = format!("{server}\n{}\n{}\n{modified}\n{}\n{}", absolute.display(), item.size, item.folder, item.name);
    let hash = sha2::Sha256::digest(key.as_bytes());
    let name: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Ok(state_dir()?.join(format!("{name}.json")))
}

fn read_state(path: &Path) -> Option<Remembered> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn write_state(path: &Path, remembered: &Remembered) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, serde_json::to_vec(remembered)?).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_keep_their_structure_under_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("photos");
        std::fs::create_dir_all(tree.join("2024/summer")).unwrap();
        std::fs::write(tree.join("a.txt"), b"a").unwrap();
        std::fs::write(tree.join("2024/summer/b.txt"), b"bb").unwrap();
        std::fs::write(dir.path().join("c.txt"), b"ccc").unwrap();
        let items = collect(&[tree, dir.path().join("c.txt")], "/backup").unwrap();
        let got: Vec<_> = items.iter().map(|i| (i.folder.as_str(), i.name.as_str(), i.size)).collect();
        assert_eq!(
            got,
            [("/backup/photos/2024/summer", "b.txt", 2), ("/backup/photos", "a.txt", 1), ("/backup", "c.txt", 3)]
        );
        let at_root = collect(&[dir.path().join("c.txt")], "/").unwrap();
        assert_eq!(at_root[0].folder, "/");
        assert!(collect(&[dir.path().join("c.txt")], "backup").is_err());
    }
}
