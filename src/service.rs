//! The domain operations: what each request does with D1 and the bucket, on validated input.
//! Only the routes call these; nothing here reads or writes HTTP.

use crate::auth::{self, TokenKeys};
use crate::config::Config;
use crate::database::{Db, NewFile, NewShare};
use crate::error::ApiError;
use crate::listing::{fold_case, Cursor, CursorKey, KeyValue, ListQuery, SortKey};
use crate::model::{
    hex, object_key, rfc3339, ContentType, Email, FileName, FileView, FolderPath, Id, Password, ShareView,
};
use crate::storage::Bucket;
use crate::upload::{FormFields, ObjectWriter};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// How long an upload in flight may take before the sweeper may delete its object.
pub const UPLOAD_GRACE_MILLIS: i64 = 24 * 3600 * 1000;

/// One request's view of the world: configuration, database, and the time it started.
pub struct App {
    pub config: Config,
    pub db: Db,
    /// Unix milliseconds when the request arrived.
    pub now: i64,
}

/// A new account as the API shows it.
#[derive(Serialize)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub created_at: String,
}

/// The signed-in user with their usage.
#[derive(Serialize)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub file_count: i64,
    pub used_bytes: i64,
}

/// The answer to a login.
#[derive(Serialize)]
pub struct TokenView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// A page of files.
#[derive(Serialize)]
pub struct FilePage {
    pub items: Vec<FileView>,
    pub next_cursor: Option<String>,
}

/// A presigned URL and when it stops working.
#[derive(Serialize)]
pub struct UrlView {
    pub url: String,
    pub expires_at: String,
}

/// What a share link resolves to.
#[derive(Serialize)]
pub struct SharedView {
    pub url: String,
    pub expires_at: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

/// What a file is called, where it lives, and what it holds.
pub struct FileMeta {
    pub name: FileName,
    pub folder: FolderPath,
    pub content_type: ContentType,
}

impl FileMeta {
    /// From a form's fields: a `name` field wins over the file part's filename; a missing
    /// or unusable part type is stored as `application/octet-stream`.
    fn from_form(fields: &FormFields) -> Result<Self, ApiError> {
        let name = match (&fields.name, &fields.file_name) {
            (Some(name), _) => FileName::parse(name, "name")?,
            (None, Some(file_name)) => FileName::parse(file_name, "file")?,
            (None, None) => {
                return Err(ApiError::invalid("name", "give a 'name' field or a filename on the 'file' part"))
            }
        };
        let folder = fields.folder.as_deref().map_or(Ok(FolderPath::root()), |f| FolderPath::parse(f, "folder"))?;
        let content_type = fields
            .content_type
            .as_deref()
            .and_then(|c| ContentType::parse(c, "file").ok())
            .unwrap_or_else(ContentType::octet_stream);
        Ok(FileMeta { name, folder, content_type })
    }
}

/// An object key reserved for an upload, and the id its file row will have.
struct Reservation {
    file: Id,
    key: String,
}

/// What a new share may be limited by.
pub struct ShareLimits {
    pub expires_in: Option<u32>,
    pub max_downloads: Option<i64>,
}

impl App {
    fn keys(&self) -> TokenKeys<'_> {
        TokenKeys { algorithm: self.config.algorithm, secret: &self.config.secret_key }
    }

    /// Unix seconds now.
    fn now_seconds(&self) -> i64 {
        self.now.div_euclid(1000)
    }

    fn bucket(&self) -> Bucket<'_> {
        let since_epoch = Duration::from_millis(u64::try_from(self.now).unwrap_or(0));
        Bucket { config: &self.config.bucket, now: SystemTime::UNIX_EPOCH + since_epoch }
    }

    /// The cursor signer, keyed by the server secret.
    pub fn cursor_key(&self) -> CursorKey<'_> {
        CursorKey(&self.config.secret_key)
    }

    /// The user a bearer token speaks for (whether the account still exists is checked by
    /// the database call each operation makes anyway).
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Id, ApiError> {
        let token = auth::bearer_token(authorization)?;
        self.keys().verify(token, self.now_seconds())
    }

    /// Creates an account.
    pub async fn register(&self, email: Email, password: Password) -> Result<AccountView, ApiError> {
        let id = Id::generate()?;
        let hash = auth::hash_password(&password, &crate::random::bytes()?)?;
        let user = self.db.insert_user(&id, email.as_str(), &hash, self.now).await?.ok_or(ApiError::EmailTaken)?;
        Ok(AccountView { id: user.id, email: user.email, created_at: rfc3339(user.created_at) })
    }

    /// Checks a password and issues an access token. Unknown emails cost as much time as
    /// wrong passwords and get the same answer.
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenView, ApiError> {
        let account = match Email::parse(email) {
            Ok(email) => self.db.credentials(email.as_str()).await?,
            Err(_) => None,
        };
        let stored = account.as_ref().map_or(auth::DECOY_HASH, |a| a.password_hash.as_str());
        let matches = auth::verify_password(password, stored);
        let account = account.filter(|_| matches).ok_or(ApiError::InvalidCredentials)?;
        let ttl = self.config.access_token_ttl_seconds;
        let access_token = self.keys().issue(&Id::from_trusted(account.id), self.now_seconds(), ttl)?;
        Ok(TokenView { access_token, token_type: "bearer", expires_in: ttl })
    }

    /// The user's profile and usage.
    pub async fn me(&self, user: &Id) -> Result<MeView, ApiError> {
        let row = self.db.user(user).await?;
        Ok(MeView {
            id: row.id,
            email: row.email,
            created_at: rfc3339(row.created_at),
            file_count: row.file_count,
            used_bytes: row.used_bytes,
        })
    }

    /// Reserves a fresh object key for an upload by `owner`, swept later unless claimed.
    async fn reserve(&self, owner: &Id) -> Result<Reservation, ApiError> {
        let file = Id::generate()?;
        let key = object_key(owner, &file);
        self.db.reserve_object(owner, &key, self.now + UPLOAD_GRACE_MILLIS).await?;
        Ok(Reservation { file, key })
    }

    /// Creates the file row of a stored object; if that fails, the object is deleted again.
    async fn commit_upload(
        &self,
        owner: &Id,
        slot: &Reservation,
        meta: FileMeta,
        size: u64,
    ) -> Result<FileView, ApiError> {
        let row = self
            .db
            .insert_file(NewFile {
                id: &slot.file,
                owner,
                name: meta.name.as_str(),
                name_folded: &fold_case(meta.name.as_str()),
                folder: meta.folder.as_str(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                content_type: meta.content_type.as_str(),
                object_key: &slot.key,
                now: self.now,
            })
            .await;
        match row {
            Ok(row) => Ok(row.into()),
            Err(e) => {
                self.discard_object(&slot.key).await;
                Err(e)
            }
        }
    }

    /// Deletes an object no file row owns; if the bucket fails, the sweeper retries.
    async fn discard_object(&self, key: &str) {
        if self.bucket().delete(key).await.is_ok() {
            let _ = self.db.forget_orphan(key).await;
        } else {
            let _ = self.db.doom_object(key, self.now).await;
        }
    }

    /// Stores a raw body of `length` bytes as a new file.
    pub async fn upload_raw(
        &self,
        owner: &Id,
        meta: FileMeta,
        length: u64,
        body: Option<wasm_bindgen::JsValue>,
    ) -> Result<FileView, ApiError> {
        let slot = self.reserve(owner).await?;
        let bucket = self.bucket();
        let content_type = meta.content_type.as_str();
        let stored = match body {
            Some(stream) => bucket.put_stream(&slot.key, stream, length, content_type).await,
            None => bucket.put_bytes(&slot.key, &[], content_type).await,
        };
        if let Err(e) = stored {
            self.discard_object(&slot.key).await;
            return Err(e);
        }
        self.commit_upload(owner, &slot, meta, length).await
    }

    /// Stores the `file` part of a multipart form as a new file.
    pub async fn upload_form<S>(&self, owner: &Id, body: S, boundary: String) -> Result<FileView, ApiError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, String>> + Send + 'static,
    {
        let slot = self.reserve(owner).await?;
        let mut writer = BucketWriter { bucket: self.bucket(), key: &slot.key, upload_id: None, etags: Vec::new() };
        let received = crate::upload::receive_form(body, boundary, self.config.max_upload_bytes, &mut writer).await;
        // The name and folder may arrive after the file part, so they are checked last.
        let checked = received.and_then(|fields| Ok((FileMeta::from_form(&fields)?, fields.size)));
        match checked {
            Ok((meta, size)) => self.commit_upload(owner, &slot, meta, size).await,
            Err(e) => {
                self.discard_object(&slot.key).await;
                Err(e)
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
            self.db.forget_orphan(&key).await?;
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

    /// Creates a share link of one of the user's files; the token is shown only here.
    pub async fn share(
        &self,
        owner: &Id,
        file: &Id,
        limits: ShareLimits,
        base_url: &str,
    ) -> Result<ShareView, ApiError> {
        let token = URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?);
        let row = self
            .db
            .insert_share(NewShare {
                id: &Id::generate()?,
                file,
                owner,
                token_hash: &token_hash(&token),
                now: self.now,
                expires_at: limits.expires_in.map(|s| self.now + i64::from(s) * 1000),
                max_downloads: limits.max_downloads,
            })
            .await?;
        let mut view = ShareView::from(row);
        view.url = Some(format!("{base_url}/share/{token}"));
        view.token = Some(token);
        Ok(view)
    }

    /// The share links of one of the user's files, without their tokens.
    pub async fn shares(&self, owner: &Id, file: &Id) -> Result<Vec<ShareView>, ApiError> {
        Ok(self.db.shares(owner, file).await?.into_iter().map(ShareView::from).collect())
    }

    /// Revokes a share link of one of the user's files.
    pub async fn revoke(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
        self.db.delete_share(owner, file, share).await
    }

    /// Resolves a share token to a short-lived download URL, counting one download.
    pub async fn resolve(&self, token: &str) -> Result<SharedView, ApiError> {
        // Tokens are 43 base64url characters; anything else cannot exist.
        if token.len() != 43 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ApiError::ShareNotFound);
        }
        let file = self.db.resolve_share(&token_hash(token), self.now).await?;
        let ttl = self.config.share_url_ttl_seconds;
        let url = self.bucket().presign_download(&file.object_key, &file.name, &file.content_type, ttl)?;
        Ok(SharedView {
            url,
            expires_at: rfc3339(self.now + i64::from(ttl) * 1000),
            name: file.name,
            size: file.size,
            content_type: file.content_type,
        })
    }
}

/// What one run of the sweeper did.
#[derive(Debug, Default)]
pub struct SweepReport {
    pub deleted: usize,
    pub failed: usize,
}

impl App {
    /// Deletes from the bucket the objects no file row owns (abandoned uploads, deleted
    /// files whose object survived) and forgets them. A bounded batch per run, so a run stays
    /// inside a Worker's subrequest limit; what fails stays queued for the next run.
    pub async fn sweep(&self) -> Result<SweepReport, ApiError> {
        let mut report = SweepReport::default();
        let mut swept = Vec::new();
        for key in self.db.due_orphans(self.now, SWEEP_BATCH).await? {
            match self.bucket().delete(&key).await {
                Ok(()) => swept.push(key),
                Err(_) => report.failed += 1,
            }
        }
        report.deleted = swept.len();
        self.db.forget_orphans(&swept).await?;
        Ok(report)
    }
}

/// Objects deleted per sweeper run: each is one subrequest, and the Free plan allows 50.
const SWEEP_BATCH: i64 = 40;

/// What the database stores for a share token: its SHA-256, in hex.
fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Writes an upload's parts into the bucket: one PUT, or a multipart upload.
/// The object's own type is neutral: its part's type is only known once its headers are
/// read, and every download sets the type from the file row anyway.
struct BucketWriter<'a> {
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
