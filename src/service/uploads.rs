//! Direct uploads: the client sends the bytes straight to the bucket through presigned
//! URLs (one PUT, or the parts of a multipart upload), so files of any size never pass
//! through the Worker. An upload is pending (not listed, not downloadable, not shareable)
//! until it is completed; the sweeper aborts it after `PENDING_UPLOAD_TTL_HOURS`.
//!
//! Every URL is bound to the exact length of what it uploads and dies with its upload: a
//! part URL when the multipart upload is completed or aborted, a single-PUT URL when the
//! pending upload would have expired (URLs are cut to that). Completing and aborting first
//! claim the upload in D1 (see `db::uploads`); only the winner touches the bucket.

use super::files::uploaded_data;
use super::{App, Sender};
use crate::db::files::{Commit, NewFile};
use crate::db::notices::NoticeRow;
use crate::db::uploads::{NewUpload, UploadRow, UploadState};
use crate::domain::files::FileMeta;
use crate::domain::millis_after;
use crate::domain::uploads::{
    check_arrived, join_etags, part_count, part_length, parts_in_range, url_ttl_seconds, StoredPart, UploadPlan,
};
use crate::domain::webhooks::EventType;
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
    /// How long URLs handed out now for an upload ending at `expires_at` live.
    fn url_ttl(&self, expires_at: i64) -> u32 {
        url_ttl_seconds(self.config.upload_url_ttl_seconds, self.now, expires_at)
    }

    /// When URLs of `ttl` seconds handed out now stop working.
    fn urls_expire_at(&self, ttl: u32) -> String {
        rfc3339(millis_after(self.now, ttl.into()))
    }

    /// The 409 of an upload another request is completing, with when its claim runs out.
    fn busy(&self, upload: &UploadRow) -> ApiError {
        let left = upload.claimed_until.unwrap_or(self.now).saturating_sub(self.now);
        ApiError::UploadBusy { retry_after: u64::try_from(left.div_euclid(1000) + 1).unwrap_or(1) }
    }

    /// Refuses an upload that takes no more bytes: 404 once completed or aborted (it is no
    /// pending upload any more), 410 once its time ran out.
    fn check_open(&self, upload: &UploadRow) -> Result<(), ApiError> {
        if !upload.state.is_open() {
            Err(ApiError::UploadNotFound)
        } else if upload.expires_at <= self.now {
            Err(ApiError::UploadExpired)
        } else {
            Ok(())
        }
    }

    /// Starts a direct upload of `size` bytes (in parts of `part_size` when the client asks
    /// for them; its file to live `expires_in` seconds from its completion, or the default):
    /// reserves them in the quota, starts the multipart upload when the file is large, and
    /// hands out the presigned URLs.
    pub async fn create_upload(
        &self,
        by: Sender<'_>,
        meta: FileMeta,
        size: u64,
        part_size: Option<u64>,
        expires_in: Option<u64>,
    ) -> Result<UploadTicket, ApiError> {
        // Checked now (422 before anything is reserved); counted from the completion.
        let file_ttl_seconds =
            self.file_ttl().lifetime(by.lifetime(expires_in)?)?.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let owner = by.owner();
        let plan = UploadPlan::for_size(size, self.config.multipart_threshold_bytes, part_size)?;
        let (upload_id, file) = (Id::generate()?, Id::generate()?);
        let key = object_key(owner, &file);
        let expires_at = self.now.saturating_add(self.config.pending_upload_ttl_millis);
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.reserve(by, &key, expires_at, size, size).await?;
        let multipart_id = if plan.multipart {
            match self.bucket().create_multipart(&key, meta.content_type.as_str()).await {
                Ok(id) => Some(id),
                Err(e) => {
                    self.discard_object(&key, None).await;
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
            file_ttl_seconds,
            request: by.uploader().request,
        };
        if let Err(e) = self.db.create_upload(row).await {
            // Deleted only if the row did not land after all (then nothing can own it).
            self.discard_object(&key, multipart_id.as_deref()).await;
            return Err(e);
        }
        let ttl = self.url_ttl(expires_at);
        let unsigned = u64::try_from(size).unwrap_or(0);
        let (url, parts) = match &multipart_id {
            None => (Some(self.bucket().presign_put(&key, unsigned, ttl)?), None),
            Some(id) => {
                let count = plan.part_count.min(MAX_URLS_PER_ANSWER);
                (None, Some(self.part_urls_of(&key, id, (unsigned, plan.part_size), 1, count, ttl)?))
            }
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
            expires_at: self.urls_expire_at(ttl),
            upload_expires_at: rfc3339(expires_at),
        })
    }

    /// Presigned URLs for parts `from..from + count` of the multipart upload `multipart_id`
    /// of `key`, each bound to its part's length in a file of `(size, part_size)`.
    fn part_urls_of(
        &self,
        key: &str,
        multipart_id: &str,
        (size, part_size): (u64, u64),
        from: u32,
        count: u32,
        ttl: u32,
    ) -> Result<Vec<PartUrl>, ApiError> {
        let bucket = self.bucket();
        (from..from.saturating_add(count))
            .map(|number| {
                let length = part_length(size, part_size, number);
                Ok(PartUrl { part_number: number, url: bucket.presign_part(key, multipart_id, number, length, ttl)? })
            })
            .collect()
    }

    /// Fresh URLs for parts `from..from+count` of a pending multipart upload (or the single
    /// PUT's URL again, as part 1), for resuming after the first ones expired.
    pub async fn upload_part_urls(&self, by: Sender<'_>, id: &Id, from: u32, count: u32) -> Result<PartUrls, ApiError> {
        let upload = self.db.upload(by.uploader(), id).await?;
        self.check_open(&upload)?;
        let ttl = self.url_ttl(upload.expires_at);
        let size = u64::try_from(upload.size).unwrap_or(0);
        let part_size = u64::try_from(upload.part_size).unwrap_or(1);
        // Parts past the last are none: an empty list, like a page past the end.
        let count = parts_in_range(from, count, parts_of(&upload));
        let parts = match (&upload.multipart_id, count) {
            (_, 0) => Vec::new(),
            (Some(multipart_id), _) => {
                self.part_urls_of(&upload.object_key, multipart_id, (size, part_size), from, count, ttl)?
            }
            (None, _) => {
                vec![PartUrl { part_number: 1, url: self.bucket().presign_put(&upload.object_key, size, ttl)? }]
            }
        };
        Ok(PartUrls { parts, expires_at: self.urls_expire_at(ttl) })
    }

    /// What the bucket already holds of a pending upload, so a client can resume it.
    pub async fn upload_status(&self, by: Sender<'_>, id: &Id) -> Result<UploadStatus, ApiError> {
        let upload = self.db.upload(by.uploader(), id).await?;
        self.check_open(&upload)?;
        let parts = self.stored_parts(&upload).await?.unwrap_or_default();
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

    /// The parts the bucket holds of `upload` (a single PUT's object as part 1); `None` when
    /// the store no longer knows its multipart upload (it was completed or aborted).
    async fn stored_parts(&self, upload: &UploadRow) -> Result<Option<Vec<StoredPart>>, ApiError> {
        let bucket = self.bucket();
        match &upload.multipart_id {
            Some(multipart_id) => {
                let mut parts = bucket.list_parts(&upload.object_key, multipart_id).await?;
                if let Some(parts) = &mut parts {
                    parts.sort_by_key(|p| p.part_number);
                }
                Ok(parts)
            }
            None => Ok(Some(
                bucket
                    .object_size(&upload.object_key)
                    .await?
                    .map(|size| StoredPart { part_number: 1, size, etag: None })
                    .into_iter()
                    .collect(),
            )),
        }
    }

    /// Completes a direct upload: claims it (so that a retry, an abort or the sweeper racing
    /// it cannot act on the bucket too), checks that exactly the declared bytes arrived,
    /// joins the parts (the client's ETags, or the bucket's when none are given), and only
    /// then creates the file. A size mismatch discards the upload (422). A retry of a
    /// complete that already succeeded answers with the same file.
    pub async fn complete_upload(
        &self,
        by: Sender<'_>,
        id: &Id,
        etags: Vec<(u32, String)>,
    ) -> Result<FileView, ApiError> {
        let claim = Self::new_claim()?;
        let (claimed, current) =
            self.db.claim_for_completion(by.uploader(), id, &claim, self.now, self.lease_end()).await?;
        let Some(upload) = claimed else {
            return self.completion_refused(by, current).await;
        };
        let upload_id = Id::from_trusted(upload.id.clone());
        match self.complete_claimed(by.owner(), &upload, &claim, etags).await {
            Ok((file, kept)) => {
                self.announce(kept.into_iter().collect()).await;
                Ok(file)
            }
            Err(Refusal::GiveUp(e)) => {
                self.give_up(&upload_id, &claim).await;
                Err(e)
            }
            Err(Refusal::Release(e)) => {
                // Nothing changed: the upload is pending again (a no-op if, after a D1 error,
                // the file was born after all).
                if let Err(release) = self.db.release_completion(&upload_id, &claim).await {
                    worker::console_error!("upload {} stays claimed until its lease ends: {release}", upload.id);
                }
                Err(e)
            }
            Err(Refusal::Keep(e)) => Err(e),
        }
    }

    /// Why a complete could not claim the upload: it is being completed, was completed
    /// (then the answer is its file), was aborted, or ran out of time.
    async fn completion_refused(&self, by: Sender<'_>, current: Option<UploadRow>) -> Result<FileView, ApiError> {
        let upload = current.ok_or(ApiError::UploadNotFound)?;
        match (upload.state, by) {
            // A guest sees nothing of the owner's files: the answer is what the upload said.
            (UploadState::Committed, Sender::Guest(_)) => Ok(FileView::of_upload(&upload)),
            (UploadState::Committed, Sender::Owner(owner)) => {
                match self.db.file(owner, &Id::from_trusted(upload.file_id)).await {
                    Err(ApiError::FileNotFound) => Err(ApiError::UploadNotFound),
                    found => found.map(FileView::from),
                }
            }
            (state, _) => self.refused_in(state, &upload),
        }
    }

    /// Why a complete could not claim an upload that is not committed.
    fn refused_in(&self, state: UploadState, upload: &UploadRow) -> Result<FileView, ApiError> {
        match state {
            UploadState::Committed => Err(ApiError::UploadCompleted),
            UploadState::Completing if upload.expires_at > self.now => Err(self.busy(upload)),
            // Its time ran out (the sweeper may have given it up already).
            _ if upload.expires_at <= self.now => Err(ApiError::UploadExpired),
            // Claimed and handed back between our claim and this read: try again.
            UploadState::Pending => Err(ApiError::UploadBusy { retry_after: 1 }),
            UploadState::Completing | UploadState::Aborted => Err(ApiError::UploadNotFound),
        }
    }

    /// The work of a complete that holds its claim: the file, and its `file.uploaded` notice
    /// if a webhook hears it; a refusal says what becomes of the claim.
    async fn complete_claimed(
        &self,
        owner: &Id,
        upload: &UploadRow,
        claim: &str,
        etags: Vec<(u32, String)>,
    ) -> Result<(FileView, Option<NoticeRow>), Refusal> {
        let declared = u64::try_from(upload.size).unwrap_or(0);
        let total = parts_of(upload);
        let stored = self.stored_parts(upload).await.map_err(Refusal::Release)?;
        if !self.joined_before(upload, stored.as_deref(), declared).await.map_err(Refusal::Release)? {
            let stored = stored.unwrap_or_default();
            check_arrived(&stored, total, declared).map_err(|e| match e {
                ApiError::SizeMismatch { .. } => Refusal::GiveUp(e),
                other => Refusal::Release(other),
            })?;
            if let Some(multipart_id) = &upload.multipart_id {
                let parts = join_etags(&stored, etags, total).map_err(Refusal::Release)?;
                self.bucket()
                    .complete_multipart(&upload.object_key, multipart_id, &parts)
                    .await
                    .map_err(Refusal::Release)?;
            }
        }
        let meta = FileMeta {
            name: FileName::parse(&upload.name, "name").map_err(Refusal::GiveUp)?,
            folder: FolderPath::parse(&upload.folder, "folder").map_err(Refusal::GiveUp)?,
            content_type: ContentType::parse(&upload.content_type, "content_type").map_err(Refusal::GiveUp)?,
        };
        let file_id = Id::from_trusted(upload.file_id.clone());
        let upload_id = Id::from_trusted(upload.id.clone());
        let expires_at = upload.file_ttl_seconds.map(|s| millis_after(self.now, u64::try_from(s).unwrap_or(0)));
        let new_file = NewFile { expires_at, ..self.new_file(owner, &file_id, &upload.object_key, &meta, declared) };
        let (notice_id, data) = (Id::generate().map_err(Refusal::Release)?, uploaded_data(&new_file));
        let notice = self.notice(owner.as_str(), EventType::FileUploaded, notice_id.as_str(), &data);
        match self.db.commit_file(new_file, self.quota(), Some((&upload_id, claim)), notice.as_ref()).await {
            Ok(Commit::Born(row, kept)) => Ok((row.into(), kept.map(|kept| *kept))),
            Ok(Commit::OverQuota) => Err(Refusal::GiveUp(ApiError::QuotaExceeded)),
            // The upload request it came through was revoked or expired meanwhile.
            Ok(Commit::RequestClosed) => Err(Refusal::GiveUp(ApiError::RequestExpired)),
            // Our claim ran out and another request or the sweeper holds the upload now.
            Ok(Commit::ClaimLost) if upload.expires_at <= self.now => Err(Refusal::Keep(ApiError::UploadExpired)),
            Ok(Commit::ClaimLost) => Err(Refusal::Keep(ApiError::UploadBusy { retry_after: 1 })),
            // Whether the file was born is unknown: touch nothing in the bucket.
            Err(e) => Err(Refusal::Release(e)),
        }
    }

    /// Whether the store already joined this multipart upload's parts, for an earlier claim
    /// whose request died before the file was born: the multipart upload is gone (or lists
    /// no parts, as some stores answer for one they finished) and the object holds exactly
    /// the declared bytes.
    async fn joined_before(
        &self,
        upload: &UploadRow,
        stored: Option<&[StoredPart]>,
        declared: u64,
    ) -> Result<bool, ApiError> {
        let gone = match stored {
            None => true,
            Some(parts) => parts.is_empty() && upload.multipart_id.is_some(),
        };
        Ok(gone && self.bucket().object_size(&upload.object_key).await? == Some(declared))
    }

    /// Turns this claim's completion into an abort and deletes what was stored.
    async fn give_up(&self, upload_id: &Id, claim: &str) {
        match self.db.give_up_completion(upload_id, claim, self.now, self.lease_end()).await {
            Ok(Some(orphan)) => {
                self.delete_claimed(&orphan, claim).await;
            }
            Ok(None) => {}
            Err(e) => worker::console_error!("upload {} left to the sweeper: {e}", upload_id.as_str()),
        }
    }

    /// Aborts a pending upload and deletes everything stored of it. Refused (409) while a
    /// complete holds it or once it was completed.
    pub async fn abort_upload(&self, by: Sender<'_>, id: &Id) -> Result<(), ApiError> {
        let claim = Self::new_claim()?;
        let (aborted, object, current) =
            self.db.claim_for_abort(by.uploader(), id, &claim, self.now, self.lease_end()).await?;
        if aborted.is_some() {
            if let Some(orphan) = object {
                self.delete_claimed(&orphan, &claim).await;
            }
            return Ok(());
        }
        let upload = current.ok_or(ApiError::UploadNotFound)?;
        match upload.state {
            UploadState::Committed => Err(ApiError::UploadCompleted),
            UploadState::Completing => Err(self.busy(&upload)),
            UploadState::Pending | UploadState::Aborted => Err(ApiError::UploadNotFound),
        }
    }
}

/// What becomes of a completion's claim when it fails.
enum Refusal {
    /// Nothing changed: hand the upload back to pending.
    Release(ApiError),
    /// The upload can never be completed: abort it and delete what was stored.
    GiveUp(ApiError),
    /// The claim is not ours any more: leave everything to whoever holds it.
    Keep(ApiError),
}
