//! Direct uploads: the client sends the bytes straight to the bucket through presigned
//! URLs (one PUT, or the parts of a multipart upload), so files of any size never pass
//! through the Worker. An upload is pending (not listed, not downloadable, not shareable)
//! until it is completed; the sweeper aborts it after `PENDING_UPLOAD_TTL_HOURS`.

use super::App;
use crate::db::uploads::{NewUpload, UploadRow};
use crate::domain::files::FileMeta;
use crate::domain::millis_after;
use crate::domain::uploads::{check_arrived, join_etags, part_count, parts_in_range, StoredPart, UploadPlan};
use crate::error::ApiError;
use crate::model::{object_key, rfc3339, ContentType, FileName, FolderPath, Id};
use crate::views::{FileView, PartUrl, PartUrls, UploadStatus, UploadTicket};

/// How many part URLs one answer carries at most; `GET …/parts` hands out the rest.
const MAX_URLS_PER_ANSWER: u32 = 100;

/// How many parts an upload row has.
fn parts_of(upload: &UploadRow) -> u32 {
    part_count(u64::try_from(upload.size).unwrap_or(0), u64::try_from(upload.part_size).unwrap_or(1))
}

impl App {
    /// When the URLs handed out now stop working.
    fn upload_urls_expire_at(&self) -> String {
        rfc3339(millis_after(self.now, self.config.upload_url_ttl_seconds.into()))
    }

    /// Starts a direct upload of `size` bytes: reserves them in the quota, starts the
    /// multipart upload when the file is large, and hands out the presigned URLs.
    pub async fn create_upload(&self, owner: &Id, meta: FileMeta, size: u64) -> Result<UploadTicket, ApiError> {
        let plan = UploadPlan::for_size(size, self.config.multipart_threshold_bytes)?;
        let (upload_id, file) = (Id::generate()?, Id::generate()?);
        let key = object_key(owner, &file);
        let expires_at = self.now.saturating_add(self.config.pending_upload_ttl_millis);
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.db.reserve_object(owner, &key, expires_at, size, self.quota()).await?;
        let multipart_id = if plan.multipart {
            match self.bucket().create_multipart(&key, meta.content_type.as_str()).await {
                Ok(id) => Some(id),
                Err(e) => {
                    self.discard_object(&key).await;
                    return Err(e);
                }
            }
        } else {
            None
        };
        let part_size = i64::try_from(plan.part_size).unwrap_or(i64::MAX);
        let row = NewUpload {
            id: &upload_id,
            owner,
            file: &file,
            object_key: &key,
            name: meta.name.as_str(),
            folder: meta.folder.as_str(),
            content_type: meta.content_type.as_str(),
            size,
            part_size,
            multipart_id: multipart_id.as_deref(),
            now: self.now,
            expires_at,
        };
        if let Err(e) = self.db.create_upload(row).await {
            self.abandon(&key, multipart_id.as_deref()).await;
            return Err(e);
        }
        let ttl = self.config.upload_url_ttl_seconds;
        let (url, parts) = match &multipart_id {
            None => (Some(self.bucket().presign_put(&key, ttl)?), None),
            Some(id) => (None, Some(self.part_urls_of(&key, id, 1, plan.part_count.min(MAX_URLS_PER_ANSWER))?)),
        };
        Ok(UploadTicket {
            upload_id: upload_id.as_str().to_owned(),
            file_id: file.as_str().to_owned(),
            method: UploadPlan::method(plan.multipart),
            size,
            part_size,
            part_count: plan.part_count,
            url,
            parts,
            expires_at: self.upload_urls_expire_at(),
            upload_expires_at: rfc3339(expires_at),
        })
    }

    fn part_urls_of(&self, key: &str, multipart_id: &str, from: u32, count: u32) -> Result<Vec<PartUrl>, ApiError> {
        let ttl = self.config.upload_url_ttl_seconds;
        let bucket = self.bucket();
        (from..from.saturating_add(count))
            .map(|number| {
                Ok(PartUrl { part_number: number, url: bucket.presign_part(key, multipart_id, number, ttl)? })
            })
            .collect()
    }

    /// Fresh URLs for parts `from..from+count` of a pending multipart upload (or the single
    /// PUT's URL again, as part 1), for resuming after the first ones expired.
    pub async fn upload_part_urls(&self, owner: &Id, id: &Id, from: u32, count: u32) -> Result<PartUrls, ApiError> {
        let upload = self.db.upload(owner, id).await?;
        // Parts past the last are none: an empty list, like a page past the end.
        let count = parts_in_range(from, count, parts_of(&upload));
        let parts = match (&upload.multipart_id, count) {
            (_, 0) => Vec::new(),
            (Some(multipart_id), _) => self.part_urls_of(&upload.object_key, multipart_id, from, count)?,
            (None, _) => vec![PartUrl {
                part_number: 1,
                url: self.bucket().presign_put(&upload.object_key, self.config.upload_url_ttl_seconds)?,
            }],
        };
        Ok(PartUrls { parts, expires_at: self.upload_urls_expire_at() })
    }

    /// What the bucket already holds of a pending upload, so a client can resume it.
    pub async fn upload_status(&self, owner: &Id, id: &Id) -> Result<UploadStatus, ApiError> {
        let upload = self.db.upload(owner, id).await?;
        let parts = self.stored_parts(&upload).await?;
        Ok(UploadStatus {
            upload_id: upload.id.clone(),
            file_id: upload.file_id.clone(),
            method: UploadPlan::method(upload.multipart_id.is_some()),
            part_count: parts_of(&upload),
            uploaded_bytes: parts.iter().map(|p| p.size).sum(),
            parts,
            name: upload.name,
            folder: upload.folder,
            size: upload.size,
            part_size: upload.part_size,
            upload_expires_at: rfc3339(upload.expires_at),
        })
    }

    async fn stored_parts(&self, upload: &UploadRow) -> Result<Vec<StoredPart>, ApiError> {
        let bucket = self.bucket();
        match &upload.multipart_id {
            Some(multipart_id) => {
                let mut parts = bucket.list_parts(&upload.object_key, multipart_id).await?;
                parts.sort_by_key(|p| p.part_number);
                Ok(parts)
            }
            None => Ok(bucket
                .object_size(&upload.object_key)
                .await?
                .map(|size| StoredPart { part_number: 1, size, etag: None })
                .into_iter()
                .collect()),
        }
    }

    /// Completes a pending upload: joins its parts (using the client's ETags, or the
    /// bucket's when none are given), checks that exactly the declared bytes arrived, and
    /// only then creates the file. A size mismatch discards the upload (422).
    pub async fn complete_upload(&self, owner: &Id, id: &Id, etags: Vec<(u32, String)>) -> Result<FileView, ApiError> {
        let upload = self.db.upload(owner, id).await?;
        let declared = u64::try_from(upload.size).unwrap_or(0);
        let stored = self.stored_parts(&upload).await?;
        let total = parts_of(&upload);
        match check_arrived(&stored, total, declared) {
            Err(mismatch @ ApiError::SizeMismatch { .. }) => {
                self.abandon(&upload.object_key, upload.multipart_id.as_deref()).await;
                return Err(mismatch);
            }
            other => other?,
        }
        if let Some(multipart_id) = &upload.multipart_id {
            let parts = join_etags(&stored, etags, total)?;
            self.bucket().complete_multipart(&upload.object_key, multipart_id, &parts).await?;
        }
        let meta = FileMeta {
            name: FileName::parse(&upload.name, "name")?,
            folder: FolderPath::parse(&upload.folder, "folder")?,
            content_type: ContentType::parse(&upload.content_type, "content_type")?,
        };
        self.commit_upload(owner, &Id::from_trusted(upload.file_id), &upload.object_key, &meta, declared).await
    }

    /// Aborts a pending upload and everything stored of it.
    pub async fn abort_upload(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
        let upload = self.db.upload(owner, id).await?;
        self.abandon(&upload.object_key, upload.multipart_id.as_deref()).await;
        Ok(())
    }

    /// Aborts the multipart upload (if any) and discards the object.
    async fn abandon(&self, key: &str, multipart_id: Option<&str>) {
        if let Some(multipart_id) = multipart_id {
            let _ = self.bucket().abort_multipart(key, multipart_id).await;
        }
        self.discard_object(key).await;
    }
}
