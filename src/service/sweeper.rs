//! The Cron Trigger's work: deleting what nobody owns any more. Every run handles a bounded
//! batch (so it stays inside a Worker's subrequest and time limits) and is idempotent: what
//! it could not do stays queued for the next run.

use super::App;
use crate::db::ledger::OrphanRow;
use crate::error::ApiError;

/// Objects handled per run: each costs one or two subrequests, and the Free plan allows 50.
const SWEEP_BATCH: i64 = 20;
/// Expired files deleted per run: each costs a subrequest for its object.
const EXPIRED_FILE_BATCH: i64 = 20;
/// Expired shares, and finished uploads past their time, deleted per run.
const SHARE_BATCH: i64 = 500;
/// Rate-limit counters older than this are dropped.
const LIMIT_RETENTION_MILLIS: i64 = 24 * 3600 * 1000;
/// Accounts from before canonical emails given theirs per run.
const EMAIL_BATCH: i64 = 200;
/// Kept webhook notices sent per run (a hundred a subrequest: one queue send).
const NOTICE_BATCH: i64 = 500;
/// Expired sessions dropped per run.
const SESSION_BATCH: i64 = 1000;

/// What one run of the sweeper did.
#[derive(Debug, Default)]
pub struct SweepReport {
    pub objects_deleted: usize,
    pub objects_failed: usize,
    /// Due objects some other request holds (a complete or a delete still within its lease).
    pub objects_skipped: usize,
    pub shares_deleted: usize,
    pub requests_deleted: usize,
    /// Files that expired, deleted (rows now; their objects with `objects_*`).
    pub files_expired: usize,
    pub uploads_forgotten: usize,
    /// Kept webhook notices sent to the queue (again), and dropped past the retry window.
    pub notices_sent: usize,
    pub notices_dropped: usize,
    pub sessions_deleted: usize,
    pub emails_canonicalized: usize,
    pub email_conflicts: usize,
}

impl App {
    /// One sweep: abandoned uploads are aborted and their objects deleted (their quota
    /// reservations and upload requests' slots given back), objects of deleted files are
    /// deleted, finished uploads, long-expired shares and upload requests, stale rate-limit
    /// counters and expired sessions are dropped, and accounts from before canonical emails
    /// are given theirs; expired files are deleted like a delete by their owner would (rows
    /// and ledger claims in one transaction, then the objects this sweep holds), and webhook
    /// notices kept in D1 are sent (again) or, past the retry window, dropped. Each object
    /// is claimed in D1 before the bucket is touched, and only when no file row owns it and
    /// no upload on it is still live, so a sweep racing a complete can never delete a file's
    /// bytes.
    pub async fn sweep(&self) -> Result<SweepReport, ApiError> {
        let mut report = SweepReport::default();
        for orphan in self.db.due_orphans(self.now, SWEEP_BATCH).await? {
            let claim = Self::new_claim()?;
            match self.db.claim_due_orphan(&orphan.object_key, &claim, self.now, self.lease_end()).await? {
                Some(claimed) if self.delete_claimed(&claimed, &claim).await => report.objects_deleted += 1,
                Some(_) => report.objects_failed += 1,
                None => report.objects_skipped += 1,
            }
        }
        let claim = Self::new_claim()?;
        let (expired, objects) = self.db.expire_files(self.now, EXPIRED_FILE_BATCH, &claim, self.lease_end()).await?;
        report.files_expired = expired;
        for object in objects {
            let orphan = OrphanRow { object_key: object.object_key, multipart_id: None };
            if self.delete_claimed(&orphan, &claim).await {
                report.objects_deleted += 1;
            } else {
                report.objects_failed += 1;
            }
        }
        // After the expiry, whose `file.deleted` notices are due at once. A failure here
        // leaves them to the next run and must not cut this one short.
        match self.send_kept_notices(NOTICE_BATCH).await {
            Ok(counts) => (report.notices_sent, report.notices_dropped) = counts,
            Err(e) => worker::console_error!("sweep: kept webhook notices left for the next run: {e}"),
        }
        // Kept past their URLs' deadline as long as a late upload may still be storing, so
        // that a delete of their key meanwhile still knows to wait for it.
        let finished_before = self.now.saturating_sub(self.config.late_write_grace_millis);
        report.uploads_forgotten = self.db.prune_finished_uploads(finished_before, SHARE_BATCH).await?;
        self.db.prune_counters(self.now - LIMIT_RETENTION_MILLIS).await?;
        report.sessions_deleted = self.db.delete_expired_sessions(self.now, SESSION_BATCH).await?;
        (report.emails_canonicalized, report.email_conflicts) = self.canonicalize_legacy_emails(EMAIL_BATCH).await?;
        let expired_before = self.now - self.config.expired_share_grace_millis;
        report.shares_deleted = self.db.delete_expired_shares(expired_before, SHARE_BATCH).await?;
        report.requests_deleted = self.db.delete_expired_requests(expired_before, SHARE_BATCH).await?;
        Ok(report)
    }
}
