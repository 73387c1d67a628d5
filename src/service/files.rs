//! Files: uploads streamed through the Worker, listing, renaming, deleting, downloading.

use super::{App, Sender};
use crate::db::files::{Commit, NewFile};
use crate::db::ledger::OrphanRow;
use crate::domain::files::{presentation, FileMeta, FileTtlPolicy, FormDefaults};
use crate::domain::page_of;
use crate::domain::webhooks::EventType;
use crate::error::ApiError;
use crate::form_upload::ObjectWriter;
use crate::listing::{fold_case, ListQuery};
use crate::model::{object_key, rfc3339, FileName, FolderPath, Id, Patch};
use crate::storage::Bucket;
use crate::views::{FilePage, FileView, FolderList, FolderView, UrlView};
use serde_json::json;

/// How long an upload streamed through the Worker may run before the sweeper may delete its
/// object: far longer than any Worker request lives.
const STREAM_GRACE_MILLIS: i64 = 3600 * 1000;
/// What a form's framing may add to its file's size before the body counts as too large.
const FORM_SLACK_BYTES: u64 = 64 * 1024;
/// The most sub-folders one listing shows.
const MAX_CHILD_FOLDERS: usize = 1000;

impl App {
    /// The lifetimes files may have here.
    pub(super) fn file_ttl(&self) -> FileTtlPolicy {
        FileTtlPolicy {
            max_seconds: self.config.max_file_ttl_seconds,
            default_seconds: self.config.default_file_ttl_seconds,
        }
    }

    /// Creates the file row of an object streamed through this request. Over quota, the
    /// object is deleted again; if the sweeper took its ledger entry meanwhile (the upload
    /// outlived its grace), the key goes back on the ledger for the sweeper to delete what
    /// was stored since; if D1 fails, whether the row was born is unknown, so nothing is
    /// deleted: the ledger entry (if it is still there) goes to the sweeper.
    async fn commit_streamed(
        &self,
        owner: &Id,
        file: &Id,
        key: &str,
        meta: &FileMeta,
        size: u64,
        expires_at: Option<i64>,
    ) -> Result<FileView, ApiError> {
        let row = NewFile { expires_at, ..self.new_file(owner, file, key, meta, size) };
        let (notice_id, data) = (Id::generate()?, uploaded_data(&row));
        let notice = self.notice(owner.as_str(), EventType::FileUploaded, notice_id.as_str(), &data);
        match self.db.commit_file(row, self.quota(), None, notice.as_ref()).await? {
            Commit::Born(row, kept) => {
                self.announce(kept.into_iter().map(|kept| *kept).collect()).await;
                Ok(FileView::from(row))
            }
            Commit::OverQuota => {
                self.discard_streamed(key, None).await;
                Err(ApiError::QuotaExceeded)
            }
            Commit::ClaimLost => {
                self.discard_streamed(key, None).await;
                Err(ApiError::UploadExpired)
            }
            Commit::RequestClosed => {
                self.discard_streamed(key, None).await;
                Err(ApiError::RequestExpired)
            }
        }
    }

    /// Deletes what this request streamed into `key` and could not turn into a file. If the
    /// sweeper took the key's ledger entry meanwhile (the stream outlived its grace), or D1
    /// failed so that nobody knows, the key goes (back) on the ledger, due now, so bytes that
    /// landed after the sweeper's delete are swept too.
    async fn discard_streamed(&self, key: &str, multipart_id: Option<&str>) {
        if !self.discard_object(key, multipart_id).await {
            if let Err(e) = self.db.requeue_streamed(key, self.now).await {
                worker::console_error!("streamed object {key} may be left behind: {e}");
            }
        }
    }

    /// The row of a new file made of the object `key`, which never expires.
    pub(super) fn new_file<'a>(
        &self,
        owner: &'a Id,
        file: &'a Id,
        key: &'a str,
        meta: &'a FileMeta,
        size: u64,
    ) -> NewFile<'a> {
        NewFile {
            id: file,
            owner,
            name: meta.name.as_str(),
            name_folded: fold_case(meta.name.as_str()),
            folder: meta.folder.as_str(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            content_type: meta.content_type.as_str(),
            object_key: key,
            now: self.now,
            expires_at: None,
        }
    }

    /// Stores a raw body of `length` bytes as a new file (living `expires_in` seconds, or
    /// the default); the size cap and the quota are checked (and the bytes reserved) before
    /// any byte is sent to the bucket.
    pub async fn upload_raw(
        &self,
        by: Sender<'_>,
        meta: FileMeta,
        length: u64,
        body: Option<wasm_bindgen::JsValue>,
        expires_in: Option<u64>,
    ) -> Result<FileView, ApiError> {
        let expires_at = self.file_ttl().expiry(self.now, by.lifetime(expires_in)?)?;
        if length > self.config.max_upload_bytes {
            return Err(ApiError::PayloadTooLarge { limit: self.config.max_upload_bytes });
        }
        let owner = by.owner();
        let file = Id::generate()?;
        let key = object_key(owner, &file);
        let reserve = i64::try_from(length).unwrap_or(i64::MAX);
        self.reserve(by, &key, self.now + STREAM_GRACE_MILLIS, reserve, reserve).await?;
        let bucket = self.bucket();
        let content_type = meta.content_type.as_str();
        let stored = match body {
            Some(stream) => bucket.put_stream(&key, stream, length, content_type).await,
            None => bucket.put_bytes(&key, &[], content_type).await,
        };
        if let Err(e) = stored {
            self.discard_streamed(&key, None).await;
            return Err(e);
        }
        self.commit_streamed(owner, &file, &key, &meta, length, expires_at).await
    }

    /// Stores the `file` part of a multipart form as a new file (living `expires_in`
    /// seconds, or the default). Its size is only known at the end, so the stream is cut
    /// off where it would exceed the upload limit or the room left in the quota, whichever
    /// is smaller; a declared length beyond the upload limit is refused before anything is
    /// stored. A guest's form must declare its length, which its upload request reserves
    /// whole (the file, once stored, counts its own size).
    pub async fn upload_form<S>(
        &self,
        by: Sender<'_>,
        body: S,
        boundary: String,
        declared_length: Option<u64>,
        defaults: FormDefaults,
        expires_in: Option<u64>,
    ) -> Result<FileView, ApiError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, String>> + Send + 'static,
    {
        let expires_at = self.file_ttl().expiry(self.now, by.lifetime(expires_in)?)?;
        let max = self.config.max_upload_bytes;
        if declared_length.is_some_and(|length| length > max.saturating_add(FORM_SLACK_BYTES)) {
            return Err(ApiError::PayloadTooLarge { limit: max });
        }
        let owner = by.owner();
        let file = Id::generate()?;
        let key = object_key(owner, &file);
        let request_bytes = match by {
            Sender::Owner(_) => 0,
            Sender::Guest(_) => i64::try_from(declared_length.ok_or(ApiError::LengthRequired)?).unwrap_or(i64::MAX),
        };
        let usage = self.reserve(by, &key, self.now + STREAM_GRACE_MILLIS, 0, request_bytes).await?;
        let used = u64::try_from(usage.used_bytes.saturating_add(usage.reserved_bytes)).unwrap_or(0);
        // The user's own quota, or the default: as the reservation just read it (0: unlimited).
        let quota = u64::try_from(usage.quota_bytes).ok().filter(|&q| q > 0);
        let room = quota.map(|q| q.saturating_sub(used));
        let limit = room.map_or(max, |room| room.min(max));
        let over_limit = || match room {
            Some(room) if room < max => ApiError::QuotaExceeded,
            _ => ApiError::PayloadTooLarge { limit: max },
        };
        if declared_length.is_some_and(|length| length > limit.saturating_add(FORM_SLACK_BYTES)) {
            self.discard_streamed(&key, None).await;
            return Err(over_limit());
        }
        let mut writer =
            BucketWriter { app: self, bucket: self.bucket(), key: &key, upload_id: None, etags: Vec::new() };
        let received = crate::form_upload::receive_form(body, boundary, limit, &mut writer).await;
        // The name and folder may arrive after the file part, so they are checked last.
        let checked = received.and_then(|fields| Ok((by.place(FileMeta::from_form(&fields, defaults)?), fields.size)));
        match checked {
            Ok((meta, size)) => self.commit_streamed(owner, &file, &key, &meta, size, expires_at).await,
            Err(e) => {
                self.discard_streamed(&key, writer.upload_id.as_deref()).await;
                Err(match e {
                    ApiError::PayloadTooLarge { .. } => over_limit(),
                    other => other,
                })
            }
        }
    }

    /// One page of the user's files.
    pub async fn list_files(&self, owner: &Id, query: ListQuery) -> Result<FilePage, ApiError> {
        let mut rows = self.db.list_files(owner, &query).await?;
        let next_cursor = page_of(&mut rows, query.limit as usize)
            .map(|last| query.cursor_after(last.created_at, last.size, &last.name, &last.id))
            .map(|cursor| self.cursor_key().encode(&cursor));
        Ok(FilePage { items: rows.into_iter().map(FileView::from).collect(), next_cursor })
    }

    /// The immediate sub-folders of `parent`, by name.
    pub async fn folders(&self, owner: &Id, parent: &FolderPath) -> Result<FolderList, ApiError> {
        // One row more than shown tells whether there are more.
        let mut paths = self.db.child_folders(owner, parent, MAX_CHILD_FOLDERS as i64 + 1).await?;
        let truncated = page_of(&mut paths, MAX_CHILD_FOLDERS).is_some();
        Ok(FolderList { items: paths.into_iter().map(FolderView::at).collect(), truncated })
    }

    /// One of the user's files.
    pub async fn file(&self, owner: &Id, id: &Id) -> Result<FileView, ApiError> {
        Ok(self.db.file(owner, id).await?.into())
    }

    /// Renames, moves and/or sets the expiry of one of the user's files (`expires_at`: an
    /// RFC 3339 time within `MAX_FILE_TTL_SECONDS`, or `None` for never).
    pub async fn update_file(
        &self,
        owner: &Id,
        id: &Id,
        name: Option<FileName>,
        folder: Option<FolderPath>,
        expires_at: Patch<Option<String>>,
    ) -> Result<FileView, ApiError> {
        let expires_at = match expires_at {
            Patch::Keep => Patch::Keep,
            Patch::Set(None) => Patch::Set(None),
            Patch::Set(Some(text)) => Patch::Set(Some(self.file_ttl().expiry_at(self.now, &text)?)),
        };
        let name = name.map(|n| (n.as_str().to_owned(), fold_case(n.as_str())));
        let name = name.as_ref().map(|(n, f)| (n.as_str(), f.as_str()));
        let folder = folder.as_ref().map(FolderPath::as_str);
        Ok(self.db.update_file(owner, id, name, folder, expires_at, self.now).await?.into())
    }

    /// Deletes one of the user's files. Its row goes first, in a transaction that puts the
    /// object on the ledger claimed by this request; if the bucket then fails, the sweeper
    /// deletes it once the claim runs out.
    pub async fn delete_file(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
        let claim = Self::new_claim()?;
        let (notice_id, data) = (Id::generate()?, json!({ "file_id": id.as_str(), "reason": "deleted" }).to_string());
        let notice = self.notice(owner.as_str(), EventType::FileDeleted, notice_id.as_str(), &data);
        let (key, kept) = self.db.delete_file(owner, id, &claim, self.lease_end(), notice.as_ref()).await?;
        self.delete_claimed(&OrphanRow { object_key: key, multipart_id: None }, &claim).await;
        self.announce(kept.into_iter().collect()).await;
        Ok(())
    }

    /// A short-lived URL that downloads one of the user's files (`inline`: shows it in the
    /// browser, when its type is safe to show).
    pub async fn download_file(&self, owner: &Id, id: &Id, inline: bool) -> Result<UrlView, ApiError> {
        let file = self.db.download_target(owner, id).await?;
        let ttl = self.config.download_url_ttl_seconds;
        let shown = presentation(&file.content_type, inline);
        let url =
            self.bucket().presign_download(&file.object_key, &file.name, &shown.content_type, shown.inline, ttl)?;
        Ok(UrlView { url, expires_at: rfc3339(crate::domain::millis_after(self.now, ttl.into())) })
    }
}

/// Writes an upload's parts into the bucket: one PUT, or a multipart upload whose id goes
/// on the ledger, so the sweeper can abort it if this request dies. The object's own type
/// is neutral: the part's type is only known once its headers are read, and every download
/// sets the type from the file row anyway.
struct BucketWriter<'a> {
    app: &'a App,
    bucket: Bucket<'a>,
    key: &'a str,
    upload_id: Option<String>,
    etags: Vec<(u32, String)>,
}

const OBJECT_TYPE: &str = "application/octet-stream";

impl ObjectWriter for BucketWriter<'_> {
    async fn put_whole(&mut self, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.bucket.put_bytes(self.key, &bytes, OBJECT_TYPE).await
    }

    async fn put_part(&mut self, number: u32, bytes: Vec<u8>) -> Result<(), ApiError> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let id = self.bucket.create_multipart(self.key, OBJECT_TYPE).await?;
                self.app.db.note_multipart(self.key, &id).await?;
                self.upload_id.insert(id).clone()
            }
        };
        let etag = self.bucket.upload_part(self.key, &upload_id, number, &bytes).await?;
        self.etags.push((number, etag));
        Ok(())
    }

    async fn complete(&mut self) -> Result<(), ApiError> {
        let upload_id =
            self.upload_id.clone().ok_or_else(|| ApiError::Internal("no multipart upload to complete".into()))?;
        self.bucket.complete_multipart(self.key, &upload_id, &self.etags).await
    }

    async fn abort(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            let _ = self.bucket.abort_multipart(self.key, &upload_id).await;
        }
    }
}

/// The `data` of the `file.uploaded` notice of the file `row` becomes: `{file}`, as the API
/// shows it.
pub(super) fn uploaded_data(row: &NewFile<'_>) -> String {
    json!({ "file": FileView::from(row.row()) }).to_string()
}
