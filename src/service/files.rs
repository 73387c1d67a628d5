//! Files: uploads streamed through the Worker, listing, renaming, deleting, downloading.

use super::App;
use crate::database::NewFile;
use crate::error::ApiError;
use crate::listing::{fold_case, Cursor, KeyValue, ListQuery, SortKey};
use crate::model::{object_key, rfc3339, ContentType, FileName, FileView, FolderPath, Id};
use crate::storage::Bucket;
use crate::upload::{FormFields, ObjectWriter};
use serde::Serialize;

/// How long an upload streamed through the Worker may run before the sweeper may delete its
/// object: far longer than any Worker request lives.
const STREAM_GRACE_MILLIS: i64 = 3600 * 1000;
/// What a form's framing may add to its file's size before the body counts as too large.
pub const FORM_SLACK_BYTES: u64 = 64 * 1024;

/// A page of files.
#[derive(Serialize)]
pub struct FilePage {
    pub items: Vec<FileView>,
    pub next_cursor: Option<String>,
}

/// The most sub-folders one listing shows.
const MAX_CHILD_FOLDERS: i64 = 1000;

/// A folder as the API shows it.
#[derive(Serialize)]
pub struct FolderView {
    /// The full path, as `folder` of files and `?folder=` of listings take it.
    pub path: String,
    /// The last segment.
    pub name: String,
}

/// The sub-folders of a folder.
#[derive(Serialize)]
pub struct FolderList {
    pub items: Vec<FolderView>,
    /// Whether there were more than the listing shows.
    pub truncated: bool,
}

/// A presigned URL and when it stops working.
#[derive(Serialize)]
pub struct UrlView {
    pub url: String,
    pub expires_at: String,
}

/// What a file is called, where it lives, and what it holds.
pub struct FileMeta {
    pub name: FileName,
    pub folder: FolderPath,
    pub content_type: ContentType,
}

/// A form upload's name and folder from the query string, used when the form has none.
pub struct FormDefaults {
    pub name: Option<FileName>,
    pub folder: Option<FolderPath>,
}

impl FileMeta {
    /// From a form's fields: a `name` field wins over the query's, which wins over the file
    /// part's filename; a missing or unusable part type is stored as `application/octet-stream`.
    fn from_form(fields: &FormFields, defaults: FormDefaults) -> Result<Self, ApiError> {
        let name = match (&fields.name, defaults.name, &fields.file_name) {
            (Some(name), _, _) => FileName::parse(name, "name")?,
            (None, Some(name), _) => name,
            (None, None, Some(file_name)) => FileName::parse(file_name, "file")?,
            (None, None, None) => {
                return Err(ApiError::invalid("name", "give a 'name' field or a filename on the 'file' part"))
            }
        };
        let folder = match (&fields.folder, defaults.folder) {
            (Some(folder), _) => FolderPath::parse(folder, "folder")?,
            (None, Some(folder)) => folder,
            (None, None) => FolderPath::root(),
        };
        let content_type = fields
            .content_type
            .as_deref()
            .and_then(|c| ContentType::parse(c, "file").ok())
            .unwrap_or_else(ContentType::octet_stream);
        Ok(FileMeta { name, folder, content_type })
    }
}

impl App {
    /// Creates the file row of a stored object, counting it against the quota; if that
    /// fails, the object is deleted again.
    pub(super) async fn commit_upload(
        &self,
        owner: &Id,
        file: &Id,
        key: &str,
        meta: &FileMeta,
        size: u64,
    ) -> Result<FileView, ApiError> {
        let new_file = NewFile {
            id: file,
            owner,
            name: meta.name.as_str(),
            name_folded: &fold_case(meta.name.as_str()),
            folder: meta.folder.as_str(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            content_type: meta.content_type.as_str(),
            object_key: key,
            now: self.now,
        };
        match self.db.commit_file(new_file, self.quota()).await {
            Ok(row) => Ok(row.into()),
            Err(e) => {
                self.discard_object(key).await;
                Err(e)
            }
        }
    }

    /// Stores a raw body of `length` bytes as a new file; the quota is checked (and the
    /// bytes reserved) before any byte is sent to the bucket.
    pub async fn upload_raw(
        &self,
        owner: &Id,
        meta: FileMeta,
        length: u64,
        body: Option<wasm_bindgen::JsValue>,
    ) -> Result<FileView, ApiError> {
        let file = Id::generate()?;
        let key = object_key(owner, &file);
        let reserve = i64::try_from(length).unwrap_or(i64::MAX);
        self.db.reserve_object(owner, &key, self.now + STREAM_GRACE_MILLIS, reserve, self.quota()).await?;
        let bucket = self.bucket();
        let content_type = meta.content_type.as_str();
        let stored = match body {
            Some(stream) => bucket.put_stream(&key, stream, length, content_type).await,
            None => bucket.put_bytes(&key, &[], content_type).await,
        };
        if let Err(e) = stored {
            self.discard_object(&key).await;
            return Err(e);
        }
        self.commit_upload(owner, &file, &key, &meta, length).await
    }

    /// Stores the `file` part of a multipart form as a new file. Its size is only known at
    /// the end, so the stream is cut off where it would exceed the upload limit or the
    /// room left in the quota, whichever is smaller.
    pub async fn upload_form<S>(
        &self,
        owner: &Id,
        body: S,
        boundary: String,
        declared_length: Option<u64>,
        defaults: FormDefaults,
    ) -> Result<FileView, ApiError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, String>> + Send + 'static,
    {
        let file = Id::generate()?;
        let key = object_key(owner, &file);
        let usage = self.db.reserve_object(owner, &key, self.now + STREAM_GRACE_MILLIS, 0, self.quota()).await?;
        let room = self.config.quota_bytes.map(|q| q.saturating_sub((usage.used_bytes + usage.reserved_bytes) as u64));
        let limit = room.map_or(self.config.max_upload_bytes, |room| room.min(self.config.max_upload_bytes));
        let over_limit = || match room {
            Some(room) if room < self.config.max_upload_bytes => ApiError::QuotaExceeded,
            _ => ApiError::PayloadTooLarge { limit: self.config.max_upload_bytes },
        };
        if declared_length.is_some_and(|length| length > limit + FORM_SLACK_BYTES) {
            self.discard_object(&key).await;
            return Err(over_limit());
        }
        let mut writer =
            BucketWriter { app: self, bucket: self.bucket(), key: &key, upload_id: None, etags: Vec::new() };
        let received = crate::upload::receive_form(body, boundary, limit, &mut writer).await;
        // The name and folder may arrive after the file part, so they are checked last.
        let checked = received.and_then(|fields| Ok((FileMeta::from_form(&fields, defaults)?, fields.size)));
        match checked {
            Ok((meta, size)) => self.commit_upload(owner, &file, &key, &meta, size).await,
            Err(e) => {
                self.discard_object(&key).await;
                Err(match e {
                    ApiError::PayloadTooLarge { .. } => over_limit(),
                    other => other,
                })
            }
        }
    }

    /// One page of the user's files.
    pub async fn list(&self, owner: &Id, query: ListQuery) -> Result<FilePage, ApiError> {
        let mut rows = self.db.list_files(owner, &query).await?;
        let limit = query.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| {
                let key = match query.sort {
                    SortKey::CreatedAt => KeyValue::Int(last.created_at),
                    SortKey::Size => KeyValue::Int(last.size),
                    SortKey::Name => KeyValue::Text(fold_case(&last.name)),
                };
                self.cursor_key().encode(&Cursor { sort: query.sort, order: query.order, key, id: last.id.clone() })
            })
        } else {
            None
        };
        Ok(FilePage { items: rows.into_iter().map(FileView::from).collect(), next_cursor })
    }

    /// The immediate sub-folders of `parent`, by name.
    pub async fn folders(&self, owner: &Id, parent: &FolderPath) -> Result<FolderList, ApiError> {
        // One row more than shown tells whether there are more.
        let mut paths = self.db.child_folders(owner, parent, MAX_CHILD_FOLDERS + 1).await?;
        let truncated = paths.len() > MAX_CHILD_FOLDERS as usize;
        paths.truncate(MAX_CHILD_FOLDERS as usize);
        let items = paths
            .into_iter()
            .map(|path| FolderView { name: path.rsplit('/').next().unwrap_or_default().to_owned(), path })
            .collect();
        Ok(FolderList { items, truncated })
    }

    /// One of the user's files.
    pub async fn file(&self, owner: &Id, id: &Id) -> Result<FileView, ApiError> {
        Ok(self.db.file(owner, id).await?.into())
    }

    /// Renames and/or moves one of the user's files.
    pub async fn update(
        &self,
        owner: &Id,
        id: &Id,
        name: Option<FileName>,
        folder: Option<FolderPath>,
    ) -> Result<FileView, ApiError> {
        let name = name.map(|n| (n.as_str().to_owned(), fold_case(n.as_str())));
        let name = name.as_ref().map(|(n, f)| (n.as_str(), f.as_str()));
        Ok(self.db.update_file(owner, id, name, folder.as_ref().map(FolderPath::as_str), self.now).await?.into())
    }

    /// Deletes one of the user's files. Its row goes first, in a transaction that hands the
    /// object to the sweeper; if the bucket then fails, the sweeper deletes it later.
    pub async fn delete(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
        let key = self.db.delete_file(owner, id, self.now).await?;
        if self.bucket().delete(&key).await.is_ok() {
            self.db.release_orphan(&key).await?;
        }
        Ok(())
    }

    /// A short-lived URL that downloads one of the user's files.
    pub async fn download(&self, owner: &Id, id: &Id) -> Result<UrlView, ApiError> {
        let file = self.db.file(owner, id).await?;
        let ttl = self.config.download_url_ttl_seconds;
        let url = self.bucket().presign_download(&file.object_key, &file.name, &file.content_type, ttl)?;
        Ok(UrlView { url, expires_at: rfc3339(self.now + i64::from(ttl) * 1000) })
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
