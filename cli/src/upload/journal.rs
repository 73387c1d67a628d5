//! The journal of an upload under way: which upload it is and the ETag of each part the
//! bucket acknowledged, in a file of the state directory named after the file and its
//! destination, written as each part lands, so a later run can carry on.

use crate::config::state_dir;
use crate::upload::Item;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the state directory remembers of an upload under way: its id and the ETag of each
/// part the bucket acknowledged (not every store lists them: s3s-fs does not), written as
/// each part lands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remembered {
    pub upload_id: String,
    pub server: String,
    pub local: String,
    pub size: u64,
    #[serde(default)]
    pub etags: BTreeMap<u32, String>,
}

/// The remembered upload and its file, shared by the parts in flight.
pub struct Journal {
    path: PathBuf,
    state: std::sync::Mutex<Remembered>,
}

impl Journal {
    /// Where the journal of `item` on `server` is, and what it remembers (nothing when no
    /// run left one, or it cannot be read).
    pub fn find(server: &str, item: &Item) -> Result<(PathBuf, Option<Remembered>)> {
        let path = state_file(server, item)?;
        let remembered = read_state(&path);
        Ok((path, remembered))
    }

    /// Carries on with what an earlier run remembered at `path`.
    pub fn reopen(path: PathBuf, remembered: Remembered) -> Journal {
        Journal { path, state: std::sync::Mutex::new(remembered) }
    }

    /// Starts remembering a new upload at `path` (before any part is sent).
    pub fn start(path: PathBuf, remembered: Remembered) -> Result<Journal> {
        write_state(&path, &remembered)?;
        Ok(Journal::reopen(path, remembered))
    }

    fn state(&self) -> Result<std::sync::MutexGuard<'_, Remembered>> {
        self.state.lock().map_err(|_| anyhow::anyhow!("the upload journal is poisoned"))
    }

    /// The upload's id.
    pub fn upload_id(&self) -> Result<String> {
        Ok(self.state()?.upload_id.clone())
    }

    /// Remembers that the bucket holds part `number` with this ETag.
    pub fn record(&self, number: u32, etag: String) -> Result<()> {
        let snapshot = {
            let mut state = self.state()?;
            state.etags.insert(number, etag);
            state.clone()
        };
        write_state(&self.path, &snapshot)
    }

    /// The ETags known so far, by part number.
    pub fn etags(&self) -> Result<BTreeMap<u32, String>> {
        Ok(self.state()?.etags.clone())
    }

    /// Forgets the upload (it completed, or cannot be carried on).
    pub fn forget(&self) {
        let _ = std::fs::remove_file(&self.path);
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
