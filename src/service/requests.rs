//! Upload requests ("reverse shares"): the owner's operations (create, list, change,
//! revoke) and the guest's way in (a request's token, and its password if it has one).
//! A guest's uploads then go through the same streaming and direct-upload operations as
//! the owner's, as a [`Sender::Guest`]: the slot each takes of the request is reserved in
//! D1 before any byte is accepted (see `db::requests`).

use super::{App, Caller, Sender};
use crate::auth;
use crate::db::ledger::Usage;
use crate::db::requests::{NewRequest, OpenRequest, RequestChange, Slot};
use crate::domain::limits::{self, PER_CLIENT, SHARE_PASSWORD_PER_SHARE};
use crate::domain::requests::attempts_key;
use crate::domain::shares::{new_token, token_hash, well_formed_token, PasswordAttempt};
use crate::error::ApiError;
use crate::model::{FolderPath, Id, Password, Patch, RequestNote};
use crate::views::{GuestRequestView, RequestList, RequestView};

/// A guest's right to upload through a request: its token was right (and its password,
/// if it has one, was verified against `password_hash`).
pub struct Guest {
    pub request: Id,
    pub owner: Id,
    /// Where the guest's files land.
    pub folder: FolderPath,
    token_hash: String,
    /// The hash the guest's password was verified against: a slot is only reserved while
    /// the request still has exactly this one.
    password_hash: Option<String>,
}

/// What an owner asks of a new upload request.
pub struct RequestSpec {
    pub folder: FolderPath,
    pub expires_in: Option<u64>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    pub password: Option<Password>,
    pub note: Option<RequestNote>,
}

/// What an owner changes of an upload request; `Patch::Set(None)` removes a limit, the
/// expiry, the password or the note.
pub struct RequestPatch {
    pub folder: Patch<FolderPath>,
    pub expires_in: Patch<Option<u64>>,
    pub max_files: Patch<Option<i64>>,
    pub max_bytes: Patch<Option<i64>>,
    pub password: Patch<Option<Password>>,
    pub note: Patch<Option<RequestNote>>,
}

impl App {
    /// Creates an upload request into one of the owner's folders; the token is shown only here.
    pub async fn create_request(&self, owner: &Id, spec: RequestSpec, base_url: &str) -> Result<RequestView, ApiError> {
        let expires_at = self.share_ttl().expiry(self.now, spec.expires_in)?;
        let password_hash = self.hash_share_password(spec.password.as_ref())?;
        let token = new_token()?;
        let row = self
            .db
            .create_request(NewRequest {
                id: &Id::generate()?,
                owner,
                token_hash: &token_hash(&token),
                folder: spec.folder.as_str(),
                note: spec.note.as_ref().map(RequestNote::as_str),
                password_hash: password_hash.as_deref(),
                now: self.now,
                expires_at,
                max_files: spec.max_files,
                max_bytes: spec.max_bytes,
            })
            .await?;
        let mut view = RequestView::from(row);
        view.url = Some(format!("{base_url}/request/{token}"));
        view.token = Some(token);
        Ok(view)
    }

    /// The owner's upload requests, newest first, without their tokens.
    pub async fn requests(&self, owner: &Id) -> Result<RequestList, ApiError> {
        Ok(RequestList { items: self.db.requests(owner).await?.into_iter().map(RequestView::from).collect() })
    }

    /// Changes one of the owner's upload requests (the expiry counts from now). Lowering a
    /// limit below what was taken refuses further uploads and removes nothing.
    pub async fn update_request(&self, owner: &Id, id: &Id, patch: RequestPatch) -> Result<RequestView, ApiError> {
        let expires_at = match patch.expires_in {
            Patch::Keep => Patch::Keep,
            Patch::Set(None) => Patch::Set(None),
            Patch::Set(Some(seconds)) => Patch::Set(self.share_ttl().expiry(self.now, Some(seconds))?),
        };
        let password_hash = match &patch.password {
            Patch::Keep => None,
            Patch::Set(password) => Some(self.hash_share_password(password.as_ref())?),
        };
        let change = RequestChange {
            folder: match &patch.folder {
                Patch::Keep => Patch::Keep,
                Patch::Set(folder) => Patch::Set(folder.as_str()),
            },
            note: match &patch.note {
                Patch::Keep => Patch::Keep,
                Patch::Set(note) => Patch::Set(note.as_ref().map(RequestNote::as_str)),
            },
            password_hash: match &password_hash {
                None => Patch::Keep,
                Some(hash) => Patch::Set(hash.as_deref()),
            },
            expires_at,
            max_files: patch.max_files,
            max_bytes: patch.max_bytes,
        };
        Ok(self.db.update_request(owner, id, change).await?.into())
    }

    /// Revokes one of the owner's upload requests: its link answers 404 from now on, and
    /// uploads under way through it can no longer become files.
    pub async fn revoke_request(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
        self.db.delete_request(owner, id).await
    }

    /// The request behind `token`, if the token can exist and names one.
    async fn request_of_token(&self, token: &str) -> Result<OpenRequest, ApiError> {
        if !well_formed_token(token) {
            return Err(ApiError::RequestNotFound);
        }
        self.db.request_by_token(&token_hash(token)).await?.ok_or(ApiError::RequestNotFound)
    }

    /// Opens a request for a guest: 404 when there is none (or it was revoked), 410 when
    /// it expired; a protected one needs its `password` (401 without, or wrong; each
    /// attempt counted against the request and the caller before it is judged, 429 past
    /// either limit, as for share links).
    pub async fn open_request(
        &self,
        token: &str,
        password: Option<&str>,
        caller: &Caller,
    ) -> Result<(Guest, OpenRequest), ApiError> {
        let Some(password) = password else {
            let request = self.request_of_token(token).await?;
            let state = request.state();
            if !state.is_live(self.now) {
                return Err(ApiError::RequestExpired);
            }
            if state.protected {
                return Err(ApiError::RequestPasswordRequired);
            }
            return Ok((Self::guest(token, &request, None)?, request));
        };
        if !well_formed_token(token) {
            return Err(ApiError::RequestNotFound);
        }
        let hash = token_hash(token);
        let request_key = attempts_key(&hash);
        let client_key = format!("client:{}", self.ip_pseudonym(caller));
        let attempts = [
            (request_key.as_str(), SHARE_PASSWORD_PER_SHARE.window_millis),
            (client_key.as_str(), PER_CLIENT.window_millis),
        ];
        let (request, counters) = self.db.request_counting_attempt(&hash, &attempts, self.now).await?;
        // An unknown link keeps the attempt counted against the caller, like a login.
        let request = request.ok_or(ApiError::RequestNotFound)?;
        let policy = |key: &str| if key.starts_with("client:") { PER_CLIENT } else { SHARE_PASSWORD_PER_SHARE };
        let refused = limits::refused_after_counting(&counters, policy, self.now);
        let forgive = [request_key.as_str(), client_key.as_str()];
        let verified = match (request.state().password_attempt(self.now, refused), &request.password_hash) {
            (PasswordAttempt::Refused { retry_after }, _) => return Err(ApiError::RateLimited { retry_after }),
            (PasswordAttempt::Dead, _) => {
                self.db.forgive_attempts(&forgive).await?;
                return Err(ApiError::RequestExpired);
            }
            (PasswordAttempt::NotNeeded, _) | (_, None) => None,
            (PasswordAttempt::Judge, Some(stored)) => {
                if !auth::verify_password(password, stored) {
                    return Err(ApiError::InvalidRequestPassword);
                }
                Some(stored.clone())
            }
        };
        self.db.forgive_attempts(&forgive).await?;
        Ok((Self::guest(token, &request, verified)?, request))
    }

    fn guest(token: &str, request: &OpenRequest, password_hash: Option<String>) -> Result<Guest, ApiError> {
        Ok(Guest {
            request: Id::from_trusted(request.id.clone()),
            owner: Id::from_trusted(request.owner_id.clone()),
            folder: FolderPath::parse(&request.folder, "folder")?,
            token_hash: token_hash(token),
            password_hash,
        })
    }

    /// What a guest sees of a request (after its password, if it has one).
    pub async fn guest_request(
        &self,
        token: &str,
        password: Option<&str>,
        caller: &Caller,
    ) -> Result<GuestRequestView, ApiError> {
        let (_, request) = self.open_request(token, password, caller).await?;
        Ok(GuestRequestView::of(&request, self.config.max_upload_bytes))
    }

    /// A guest acting on a direct upload they started: the upload's id (given only to a
    /// guest who got past the password) is their proof, so the password is not asked
    /// again; the request must still exist (404), and be live unless `even_expired` (an
    /// abort, which only cleans up).
    pub async fn request_for_upload(&self, token: &str, even_expired: bool) -> Result<Guest, ApiError> {
        let request = self.request_of_token(token).await?;
        if !even_expired && !request.state().is_live(self.now) {
            return Err(ApiError::RequestExpired);
        }
        Self::guest(token, &request, request.password_hash.clone())
    }

    /// Reserves what an upload of `by` needs before any byte is accepted: `quota_bytes` of
    /// the owner's quota, and for a guest one file and `request_bytes` of the request,
    /// with the object's key on the ledger; refused with the reason when there is no room.
    pub(super) async fn reserve(
        &self,
        by: Sender<'_>,
        key: &str,
        sweep_after: i64,
        quota_bytes: i64,
        request_bytes: i64,
    ) -> Result<Usage, ApiError> {
        let guest = match by {
            Sender::Owner(owner) => {
                return self.db.reserve_object(owner, key, sweep_after, quota_bytes, self.quota()).await;
            }
            Sender::Guest(guest) => guest,
        };
        let slot = Slot {
            request: &guest.request,
            owner: &guest.owner,
            object_key: key,
            sweep_after,
            quota_bytes,
            request_bytes,
            password_hash: guest.password_hash.as_deref(),
            now: self.now,
        };
        if let Some(usage) = self.db.reserve_slot(slot, self.quota()).await? {
            return Ok(usage);
        }
        // Why not, as the request is now (the reservation itself decided atomically).
        let request = self.db.request_by_token(&guest.token_hash).await?.ok_or(ApiError::RequestNotFound)?;
        if request.password_hash != guest.password_hash {
            return Err(ApiError::InvalidRequestPassword);
        }
        Err(request.state().refusal(self.now, request_bytes).unwrap_or(ApiError::QuotaExceeded))
    }
}
