//! `edgedrop upload`: files and directory trees. Small files go in one request through the
//! Worker; larger ones straight to the bucket (a presigned PUT for a file of up to one part,
//! else a multipart upload whose parts go up several at a time). A multipart upload is remembered in the state directory
//! until it completes, so the same command after an interruption sends only the parts the
//! bucket does not hold yet (`GET /files/uploads/{id}` says which).

mod journal;
mod parts;

use crate::api::{encode, Api};
use anyhow::{bail, Context, Result};
use edgedrop::domain::uploads::{MAX_PART_SIZE, MIN_PART_SIZE, PART_SIZE};
use edgedrop::views::{FileView, PartUrl};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use journal::{Journal, Remembered};
use parts::{complete, put_range, retry, Parts};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Files up to this size go in one request through the Worker; larger ones go to the bucket:
/// in parts (so that they resume part by part) when larger than one part, else in one PUT.
pub const ONE_REQUEST_MAX: u64 = MIN_PART_SIZE;

/// How many times a part (or a small file) is tried before the upload gives up.
const ATTEMPTS: u32 = 5;

/// The part size to ask for: `requested` (within the API's bounds), else the server's own
/// default part size (8 MiB). Measured against s3s-fs, 8, 16, 32 and 64 MiB parts upload a
/// 256 MiB file equally fast within the noise; small parts resume with the least to send
/// again, and a file of up to one part goes in one PUT, so the rule is simply "above one
/// part, in parts".
pub fn part_size_for(requested: Option<u64>) -> u64 {
    requested.map_or(PART_SIZE, |size| size.clamp(MIN_PART_SIZE, MAX_PART_SIZE))
}

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
    /// The first part URLs (up to 100).
    #[serde(default)]
    parts: Option<Vec<PartUrl>>,
}

/// Options of a run.
pub struct Options {
    /// Parts sent at once.
    pub parallel: usize,
    /// No progress bars.
    pub quiet: bool,
    /// The part size asked for (`None`: the server's default, 8 MiB).
    pub part_size: Option<u64>,
    /// Report each file's phases (create, parts, complete) with their durations on stderr.
    pub verbose: bool,
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

/// The bars of a run: one for the file being sent, one for the total.
pub struct Progress {
    bars: MultiProgress,
    bar: ProgressBar,
    total: ProgressBar,
    quiet: bool,
}

impl Progress {
    /// `bytes` more of the file are in the bucket.
    fn inc(&self, bytes: u64) {
        self.bar.inc(bytes);
        self.total.inc(bytes);
    }

    /// A line above the bars (on stderr even when they are hidden).
    fn println(&self, line: String) {
        if self.quiet {
            eprintln!("{line}");
        } else {
            let _ = self.bars.println(line);
        }
    }
}

/// How long each phase of one file's upload took, for `--verbose`: a line such as
/// `big.bin: create=12ms parts=900ms complete=610ms`.
struct Phases {
    last: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    fn start() -> Phases {
        Phases { last: Instant::now(), done: Vec::new() }
    }

    /// The phase `name` ended now.
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done.push((name, now - self.last));
        self.last = now;
    }

    fn line(&self, file: &str) -> String {
        let phases: Vec<String> =
            self.done.iter().map(|(name, took)| format!("{name}={}ms", took.as_millis())).collect();
        format!("{file}: {}", phases.join(" "))
    }
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
        let progress = Progress { bars: bars.clone(), bar, total: total.clone(), quiet: options.quiet };
        let mut phases = Phases::start();
        let uploaded = upload_one(api, item, options, &progress, &mut phases)
            .await
            .with_context(|| format!("{}", item.local.display()))?;
        if options.verbose {
            progress.println(phases.line(&item.name));
        }
        progress.bar.finish();
        done.push(uploaded);
    }
    total.finish();
    Ok(done)
}

async fn upload_one(
    api: &Api,
    item: &Item,
    options: &Options,
    progress: &Progress,
    phases: &mut Phases,
) -> Result<Uploaded> {
    if item.size <= ONE_REQUEST_MAX {
        let uploaded = through_the_worker(api, item, progress).await?;
        phases.mark("upload");
        return Ok(uploaded);
    }
    let (path, remembered) = Journal::find(&api.base, item)?;
    if let Some(remembered) = remembered {
        let journal = Journal::reopen(path.clone(), remembered);
        let resumed = Parts::resume(api, item, &journal, options, progress, phases).await?;
        journal.forget();
        if let Some(uploaded) = resumed {
            return Ok(uploaded);
        }
    }
    let part_size = part_size_for(options.part_size);
    let request = json!({ "name": item.name, "folder": item.folder, "size": item.size, "part_size": part_size });
    let ticket: Ticket = api.post("/files/uploads", &request).await?;
    phases.mark("create");
    let local = item.local.display().to_string();
    if ticket.method == "put" {
        let url = ticket.url.clone().context("the server sent a PUT upload without its URL")?;
        retry(|| put_range(api, &url, &item.local, 0, item.size)).await?;
        progress.inc(item.size);
        phases.mark("put");
        let file = complete(api, &ticket.upload_id, &BTreeMap::new()).await?;
        phases.mark("complete");
        return Ok(Uploaded { local, file, parts_total: 0, parts_sent: 0 });
    }
    let remembered = Remembered {
        upload_id: ticket.upload_id.clone(),
        server: api.base.clone(),
        local: local.clone(),
        size: item.size,
        etags: BTreeMap::new(),
    };
    let journal = Journal::start(path, remembered)?;
    let parts = Parts { api, item, journal: &journal, part_size: ticket.part_size, options, progress };
    let missing: Vec<u32> = (1..=ticket.part_count).collect();
    let sent = parts.send(&missing, ticket.parts.unwrap_or_default()).await?;
    phases.mark("parts");
    let file = complete(api, &ticket.upload_id, &journal.etags()?).await?;
    phases.mark("complete");
    journal.forget();
    Ok(Uploaded { local, file, parts_total: ticket.part_count, parts_sent: sent })
}

/// A small file: one request through the Worker.
async fn through_the_worker(api: &Api, item: &Item, progress: &Progress) -> Result<Uploaded> {
    let local = item.local.display().to_string();
    let bytes = tokio::fs::read(&item.local).await.with_context(|| format!("cannot read {local}"))?;
    let path = format!("/files/upload?name={}&folder={}", encode(&item.name), encode(&item.folder));
    let file: FileView = retry(|| async {
        let request =
            api.request(Method::POST, &path).header("content-type", "application/octet-stream").body(bytes.clone());
        api.json(request).await
    })
    .await?;
    progress.inc(item.size);
    Ok(Uploaded { local, file, parts_total: 0, parts_sent: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_the_servers_default_size_unless_asked_within_the_apis_bounds() {
        assert_eq!(part_size_for(None), 8 * 1024 * 1024);
        assert_eq!(part_size_for(Some(32 * 1024 * 1024)), 32 * 1024 * 1024);
        assert_eq!(part_size_for(Some(1)), MIN_PART_SIZE);
        assert_eq!(part_size_for(Some(u64::MAX)), MAX_PART_SIZE);
    }

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
