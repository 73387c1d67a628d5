//! The domain operations: what each request does with D1 and the bucket, on validated input.
//! Only the routes call these; nothing here reads or writes HTTP. The rules that need no
//! I/O live in [`crate::domain`]; these functions do the I/O around them.

mod accounts;
mod admin;
mod collections;
mod events;
mod files;
mod requests;
mod shares;
mod sweeper;
mod tokens;
mod uploads;
mod webhooks;

pub use collections::{CollectionAccess, PAGE as COLLECTION_PAGE};
pub use events::ConsumeReport;
pub use requests::{Guest, RequestPatch, RequestSpec};
pub use shares::{previewable, Landing, Resolved};
pub use sweeper::SweepReport;
pub use tokens::TokenRequest;
pub use webhooks::Delivered;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::db::ledger::OrphanRow;
use crate::db::Db;
use crate::domain::limits::ip_pseudonym;
use crate::domain::tokens as access_tokens;
use crate::error::ApiError;
use crate::listing::CursorKey;
use crate::model::{Id, Scope};
use crate::session::Credential;
use crate::storage::Bucket;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

/// How long a claim holds (on an upload being completed, or on an object being deleted)
/// before another request may take over: far longer than the bucket calls it covers, so it
/// only ever runs out when the request holding it died.
const CLAIM_LEASE_MILLIS: i64 = 5 * 60 * 1000;

/// One request's view of the world: configuration, database, and the time it started.
pub struct App {
    /// Parsed once per isolate and shared by its requests.
    pub config: Rc<Config>,
    pub db: Db,
    /// The events queue (`EVENTS`), when the deployment binds one; without it, visits are
    /// written at once.
    pub events: Option<worker::Queue>,
    /// Unix milliseconds when the request arrived.
    pub now: i64,
    /// Whether this request put the first visit of a window in the isolate's outbox, and so
    /// owes it a flush ([`App::flush_outbox`]) once it has answered.
    pub flush_owed: std::cell::Cell<bool>,
}

/// Who sends the bytes of an upload: the owner, or a guest through one of the owner's
/// upload requests (whose file lands in the request's folder, counted against its limits
/// and the owner's quota).
#[derive(Clone, Copy)]
pub enum Sender<'a> {
    Owner(&'a Id),
    Guest(&'a Guest),
}

impl<'a> Sender<'a> {
    /// Whose files the upload becomes.
    pub fn owner(&self) -> &'a Id {
        match self {
            Sender::Owner(owner) => owner,
            Sender::Guest(guest) => &guest.owner,
        }
    }

    /// Whose uploads the sender may act on.
    pub fn uploader(&self) -> crate::db::uploads::Uploader<'a> {
        match self {
            Sender::Owner(owner) => crate::db::uploads::Uploader { owner, request: None },
            Sender::Guest(guest) => crate::db::uploads::Uploader { owner: &guest.owner, request: Some(&guest.request) },
        }
    }

    /// How long the file is asked to live (seconds; `None`: the deployment's default,
    /// `DEFAULT_FILE_TTL_SECONDS`). Only the owner chooses when their file deletes itself:
    /// a guest's file gets the default, and a guest asking for a lifetime is refused (422)
    /// rather than silently ignored.
    pub fn lifetime(&self, asked: Option<u64>) -> Result<Option<u64>, ApiError> {
        match (self, asked) {
            (Sender::Guest(_), Some(_)) => Err(ApiError::invalid(
                "expires_in",
                "is not for guests: a file sent through an upload request gets the owner's default lifetime",
            )),
            _ => Ok(asked),
        }
    }

    /// Where a file goes: where its sender said, or a guest's into their request's folder
    /// whatever they said.
    pub fn place(&self, mut meta: crate::domain::files::FileMeta) -> crate::domain::files::FileMeta {
        if let Sender::Guest(guest) = self {
            meta.folder = guest.folder.clone();
        }
        meta
    }
}

/// Who is calling, as far as limits and access logs need to know.
pub struct Caller {
    /// The client IP (`CF-Connecting-IP`), or `unknown`.
    pub ip: String,
    /// The `User-Agent`, cut to 256 characters.
    pub user_agent: String,
}

impl App {
    fn keys(&self) -> TokenKeys<'_> {
        TokenKeys { algorithm: self.config.algorithm, secret: self.config.secret_key.expose() }
    }

    /// Unix seconds now.
    fn now_seconds(&self) -> i64 {
        self.now.div_euclid(1000)
    }

    fn bucket(&self) -> Bucket<'_> {
        let since_epoch = Duration::from_millis(u64::try_from(self.now).unwrap_or(0));
        Bucket { config: &self.config.bucket, now: SystemTime::UNIX_EPOCH + since_epoch }
    }

    /// The default per-user quota (`QUOTA_BYTES`), as the database compares it; a user's own
    /// quota (`users.quota_bytes`) overrides it in SQL.
    fn quota(&self) -> Option<i64> {
        self.config.quota_bytes.map(|q| i64::try_from(q).unwrap_or(i64::MAX))
    }

    /// The caller's IP, pseudonymized under the server secret.
    fn ip_pseudonym(&self, caller: &Caller) -> String {
        ip_pseudonym(self.config.secret_key.expose(), &caller.ip)
    }

    /// The cursor signer, keyed by the server secret.
    pub fn cursor_key(&self) -> CursorKey<'_> {
        CursorKey(self.config.secret_key.expose())
    }

    /// The user a bearer token or session cookie speaks for, and, for a personal access
    /// token, its scopes (`None`: a password session, which may do everything). From then
    /// on every database call of this request checks, in its own batch, that the token's
    /// session is still alive and the user's (so a logged-out or revoked token, or one of a
    /// deleted account, gets 401); for an access token, that its hash is the one stored.
    ///
    /// `needed` is the scope the route asks of an access token (`None`: password sessions
    /// only); a token without it is refused with 403 `insufficient_scope` before anything
    /// runs. The scopes read from the token are only trusted because every batch then
    /// checks the hash of the whole token: one with edited scopes matches no row (401).
    pub fn authenticate(&mut self, credential: Credential<'_>, needed: Option<Scope>) -> Result<Id, ApiError> {
        if let Credential::Bearer(token) = credential {
            if access_tokens::is_access_token(token) {
                let claims =
                    access_tokens::read(token).ok_or(ApiError::Unauthenticated("The access token is invalid."))?;
                access_tokens::permits(Some(claims.scopes), needed)?;
                self.db.act_in(claims.session, self.now, Some(claims.hash));
                return Ok(claims.user);
            }
        }
        let signed_in = self.keys().verify(credential.token(), self.now_seconds())?;
        self.db.act_in(signed_in.session, self.now, None);
        Ok(signed_in.user)
    }

    /// When a claim taken now runs out.
    fn lease_end(&self) -> i64 {
        self.now.saturating_add(CLAIM_LEASE_MILLIS)
    }

    /// A fresh claim: what this request writes into the rows it takes hold of.
    fn new_claim() -> Result<String, ApiError> {
        Ok(Id::generate()?.as_str().to_owned())
    }

    /// Deletes an object this request stored but could not turn into a file (aborting the
    /// multipart upload `multipart_id` too, if the ledger does not know it yet). It is
    /// deleted only if this request can claim its ledger entry, that is, only if nothing
    /// can own it any more; otherwise, or if D1 fails, the sweeper decides later. Returns
    /// true when this request held the entry, false when someone else has it or it is gone
    /// or (D1 failing) that is unknown.
    async fn discard_object(&self, key: &str, multipart_id: Option<&str>) -> bool {
        let claimed = match Self::new_claim() {
            Ok(claim) => self.db.claim_own_orphan(key, &claim, self.lease_end()).await.map(|o| o.map(|o| (o, claim))),
            Err(e) => Err(e),
        };
        match claimed {
            Ok(Some((mut orphan, claim))) => {
                orphan.multipart_id = orphan.multipart_id.or(multipart_id.map(str::to_owned));
                self.delete_claimed(&orphan, &claim).await;
                true
            }
            Ok(None) => false,
            Err(e) => {
                worker::console_error!("object {key} left to the sweeper: {e}");
                false
            }
        }
    }

    /// Deletes an object whose ledger entry `claim` holds (aborting its multipart upload
    /// first), then drops the entry; if the bucket fails, the entry is left due for the
    /// next sweep. Returns whether the bucket confirmed the delete.
    async fn delete_claimed(&self, orphan: &OrphanRow, claim: &str) -> bool {
        let bucket = self.bucket();
        if let Some(multipart_id) = &orphan.multipart_id {
            // A multipart upload that is already gone is fine: the point is that it is gone.
            let _ = bucket.abort_multipart(&orphan.object_key, multipart_id).await;
        }
        let deleted = bucket.delete(&orphan.object_key).await.is_ok();
        let recorded = if deleted {
            self.db.release_claimed(&orphan.object_key, claim, self.now, self.config.late_write_grace_millis).await
        } else {
            self.db.defer_claimed(&orphan.object_key, claim, self.now).await
        };
        if let Err(e) = recorded {
            // The claim runs out and the sweeper deletes it again, which is harmless.
            worker::console_error!("cannot record the delete of {}: {e}", orphan.object_key);
        }
        deleted
    }
}
