//! Direct uploads (`uploads`): the client sends the bytes straight to the bucket, and the
//! row says what file they will become. Its object is on the ledger until a file row owns it.
//!
//! A row is a small state machine, moved only by conditional updates that return the row
//! when they win, so of any requests racing on one upload exactly one acts on the bucket:
//!
//! ```text
//! pending ──complete claims──▶ completing ──file row born──▶ committed
//!    │  ▲                          │  (lease: claimed_until)
//!    │  └──── nothing happened ────┘
//!    └──abort / sweeper / failed completion──▶ aborted
//! ```
//! A claim whose lease ran out (its request died) may be taken over.

use crate::model::Id;
use serde::Deserialize;

/// A pending direct upload.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub file_id: String,
    pub object_key: String,
    pub name: String,
    pub folder: String,
    pub content_type: String,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// How long its file lives from its completion, in seconds (`None`: for ever).
    pub file_ttl_seconds: Option<i64>,
    pub state: UploadState,
    /// When the claim of a `completing` upload runs out.
    pub claimed_until: Option<i64>,
}

/// Where a direct upload is in its life (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Taking bytes; nobody is completing it.
    Pending,
    /// A complete holds it (until `claimed_until`).
    Completing,
    /// Its file row exists.
    Committed,
    /// Given up: by its owner, a failed completion or the sweeper.
    Aborted,
}

impl UploadState {
    /// Whether the upload may still take bytes and be completed.
    pub fn is_open(self) -> bool {
        matches!(self, UploadState::Pending | UploadState::Completing)
    }
}

/// The values a new pending direct upload is made of.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub file: &'a Id,
    pub object_key: &'a str,
    pub name: &'a str,
    pub folder: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
    /// How long its file lives from its completion, in seconds (`None`: for ever).
    pub file_ttl_seconds: Option<i64>,
    /// The upload request a guest started it through.
    pub request: Option<&'a Id>,
}

/// Whose uploads a call may see: the owner's (all of theirs, in their session), or a
/// guest's (only those started through the upload request `request`, without a session).
#[derive(Debug, Clone, Copy)]
pub struct Uploader<'a> {
    pub owner: &'a Id,
    pub request: Option<&'a Id>,
}

pub(super) mod sql {
    use super::{NewUpload, Uploader};
    use crate::db::Statement;
    use crate::model::Id;

    /// A guest's call sees only the uploads of its request (bound at `?3`; NULL: the owner's).
    const THROUGH: &str = "(?3 IS NULL OR request_id = ?3)";

    const UPLOAD_COLUMNS: &str = "id, file_id, object_key, name, folder, content_type, size, part_size, multipart_id, \
         created_at, expires_at, file_ttl_seconds, state, claimed_until";

    /// A pending direct upload, while its owner's account exists (it may have been deleted
    /// since the reservation); returns its id when written.
    pub fn insert_upload(upload: &NewUpload<'_>) -> Statement {
        Statement::new(
            "INSERT INTO uploads (id, owner_id, file_id, object_key, name, folder, content_type, size, part_size, \
             multipart_id, created_at, expires_at, file_ttl_seconds, request_id) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 \
             WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2) RETURNING id",
            args![
                upload.id,
                upload.owner,
                upload.file,
                upload.object_key,
                upload.name,
                upload.folder,
                upload.content_type,
                upload.size,
                upload.part_size,
                upload.multipart_id,
                upload.now,
                upload.expires_at,
                upload.file_ttl_seconds,
                upload.request
            ],
        )
    }

    /// One of the uploader's direct uploads, in whatever state.
    pub fn upload(who: Uploader<'_>, id: &Id) -> Statement {
        Statement::new(
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ?1 AND owner_id = ?2 AND {THROUGH}"),
            args![id, who.owner, who.request],
        )
    }

    /// Claims one of the user's uploads for completion under `claim` until `until`: only a
    /// pending upload that has not expired, or one whose previous claim ran out. Returns
    /// the row when this claim won.
    pub fn claim_for_completion(who: Uploader<'_>, id: &Id, claim: &str, now: i64, until: i64) -> Statement {
        Statement::new(
            &format!(
                "UPDATE uploads SET state = 'completing', claim = ?4, claimed_until = ?6 \
                 WHERE id = ?1 AND owner_id = ?2 AND {THROUGH} AND expires_at > ?5 \
                 AND (state = 'pending' OR (state = 'completing' AND claimed_until <= ?5)) RETURNING {UPLOAD_COLUMNS}"
            ),
            args![id, who.owner, who.request, claim, now, until],
        )
    }

    /// Hands a completion that changed nothing back to pending (a no-op once the claim is
    /// not this one any more, or the file was born).
    pub fn release_completion(id: &Id, claim: &str) -> Statement {
        Statement::new(
            "UPDATE uploads SET state = 'pending', claim = NULL, claimed_until = NULL \
             WHERE id = ?1 AND claim = ?2 AND state = 'completing'",
            args![id, claim],
        )
    }

    /// Turns this claim's completion into an abort (the bytes were wrong, or the quota
    /// has no room any more).
    pub fn give_up_completion(id: &Id, claim: &str) -> Statement {
        Statement::new(
            "UPDATE uploads SET state = 'aborted' WHERE id = ?1 AND claim = ?2 AND state = 'completing'",
            args![id, claim],
        )
    }

    /// Claims one of the user's uploads for an abort under `claim`: a pending one, or one
    /// whose completion's claim ran out. Returns the row when this claim won.
    pub fn claim_for_abort(who: Uploader<'_>, id: &Id, claim: &str, now: i64) -> Statement {
        Statement::new(
            &format!(
                "UPDATE uploads SET state = 'aborted', claim = ?4 WHERE id = ?1 AND owner_id = ?2 AND {THROUGH} \
                 AND (state = 'pending' OR (state = 'completing' AND claimed_until <= ?5)) RETURNING {UPLOAD_COLUMNS}"
            ),
            args![id, who.owner, who.request, claim, now],
        )
    }

    /// Housekeeping: up to `limit` committed or aborted uploads whose time has passed (a
    /// retried complete is answered from a committed row until then).
    pub fn prune_finished_uploads(now: i64, limit: i64) -> Statement {
        Statement::new(
            "DELETE FROM uploads WHERE id IN (SELECT id FROM uploads WHERE state IN ('committed', 'aborted') \
             AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2) RETURNING id",
            args![now, limit],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, NewUpload, UploadRow, Uploader};
    use crate::db::ledger::{self, OrphanRow};
    use crate::db::runner::{account_gone, at};
    use crate::db::{Db, Rows, Statement};
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Records a pending direct upload (and its multipart upload id on the ledger); 401
        /// when the account is gone.
        pub async fn create_upload(&self, upload: NewUpload<'_>) -> Result<(), ApiError> {
            let mut statements = vec![sql::insert_upload(&upload)];
            if let Some(multipart_id) = upload.multipart_id {
                statements.push(ledger::sql::note_multipart(upload.object_key, multipart_id));
            }
            if !at(&self.batch(statements).await?, 0)?.any() {
                // The account was deleted after the reservation.
                return Err(account_gone());
            }
            Ok(())
        }

        /// Runs `statements` for `who`: in the owner's session, or (a guest, whose request
        /// the caller resolved) without one.
        async fn batch_for(&self, who: Uploader<'_>, statements: Vec<Statement>) -> Result<Vec<Rows>, ApiError> {
            match who.request {
                Some(_) => self.batch(statements).await,
                None => self.batch_as(who.owner, statements).await,
            }
        }

        /// One of the uploader's direct uploads, in whatever state; 404 `upload_not_found`
        /// when there is none.
        pub async fn upload(&self, who: Uploader<'_>, id: &Id) -> Result<UploadRow, ApiError> {
            let results = self.batch_for(who, vec![sql::upload(who, id)]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::UploadNotFound)
        }

        /// Tries to claim one of the user's uploads for completion; returns the row if this
        /// claim won, and the row as it is now either way (`None`: no such upload).
        pub async fn claim_for_completion(
            &self,
            who: Uploader<'_>,
            id: &Id,
            claim: &str,
            now: i64,
            until: i64,
        ) -> Result<(Option<UploadRow>, Option<UploadRow>), ApiError> {
            let statements = vec![sql::claim_for_completion(who, id, claim, now, until), sql::upload(who, id)];
            let results = self.batch_for(who, statements).await?;
            Ok((at(&results, 0)?.first()?, at(&results, 1)?.first()?))
        }

        /// Hands a completion that changed nothing back to pending.
        pub async fn release_completion(&self, id: &Id, claim: &str) -> Result<(), ApiError> {
            self.run(sql::release_completion(id, claim)).await.map(drop)
        }

        /// Turns this claim's completion into an abort and claims its object on the ledger
        /// for deletion; returns the object when this claim holds it.
        pub async fn give_up_completion(
            &self,
            id: &Id,
            claim: &str,
            now: i64,
            until: i64,
        ) -> Result<Option<OrphanRow>, ApiError> {
            let statements = vec![
                sql::give_up_completion(id, claim),
                ledger::sql::claim_aborted_upload_object(id, claim, now, until),
            ];
            let results = self.batch(statements).await?;
            at(&results, 1)?.first()
        }

        /// Tries to abort one of the user's uploads under `claim`, claiming its object on
        /// the ledger for deletion in the same transaction. Returns the upload if this
        /// claim won, its object if this claim holds it, and the upload as it is now.
        pub async fn claim_for_abort(
            &self,
            who: Uploader<'_>,
            id: &Id,
            claim: &str,
            now: i64,
            until: i64,
        ) -> Result<(Option<UploadRow>, Option<OrphanRow>, Option<UploadRow>), ApiError> {
            let statements = vec![
                sql::claim_for_abort(who, id, claim, now),
                ledger::sql::claim_aborted_upload_object(id, claim, now, until),
                sql::upload(who, id),
            ];
            let results = self.batch_for(who, statements).await?;
            Ok((at(&results, 0)?.first()?, at(&results, 1)?.first()?, at(&results, 2)?.first()?))
        }

        /// Housekeeping: forgets up to `limit` finished uploads whose time has passed.
        pub async fn prune_finished_uploads(&self, now: i64, limit: i64) -> Result<usize, ApiError> {
            Ok(self.run(sql::prune_finished_uploads(now, limit)).await?.all::<serde_json::Value>()?.len())
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let upload = NewUpload {
        id: &id,
        owner: &id,
        file: &id,
        object_key: "k",
        name: "a",
        folder: "/",
        content_type: "text/plain",
        size: 1,
        part_size: 1,
        multipart_id: None,
        now: 0,
        expires_at: 1,
        file_ttl_seconds: None,
        request: None,
    };
    let who = Uploader { owner: &id, request: Some(&id) };
    vec![
        sql::insert_upload(&upload),
        sql::upload(who, &id),
        sql::claim_for_completion(who, &id, "c", 0, 1),
        sql::release_completion(&id, "c"),
        sql::give_up_completion(&id, "c"),
        sql::claim_for_abort(who, &id, "c", 0),
        sql::prune_finished_uploads(0, 10),
    ]
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("uploads.rs"));
        assert_no_table_scans(&super::samples());
    }
}
