//! Share links: creating, changing and revoking them, their access logs, and resolving a
//! token (with its password, if it has one) to a short-lived download URL.

use super::{App, Caller};
use crate::auth;
use crate::database::{AccessRow, NewShare, Patch, SharedFile, Visit};
use crate::error::ApiError;
use crate::limits::{self, PER_CLIENT, SHARE_PASSWORD_PER_SHARE};
use crate::listing::{Cursor, CursorKey, KeyValue, Order, SortKey};
use crate::model::{hex, rfc3339, Id, Password, ShareView};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a share link resolves to.
#[derive(Serialize)]
pub struct SharedView {
    pub url: String,
    pub expires_at: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

/// What a new share may be limited by.
pub struct NewShareRequest {
    pub expires_in: Option<u64>,
    pub max_downloads: Option<i64>,
    pub password: Option<Password>,
}

/// Changes to a share; `Patch::Set(None)` removes a limit or the password.
pub struct ShareChanges {
    pub expires_in: Patch<Option<u64>>,
    pub max_downloads: Patch<Option<i64>>,
    pub password: Patch<Option<Password>>,
}

/// One entry of an access log as the API shows it.
#[derive(Serialize)]
pub struct AccessView {
    pub at: String,
    pub ip_hash: String,
    pub user_agent: String,
    pub outcome: String,
}

/// A page of an access log.
#[derive(Serialize)]
pub struct AccessPage {
    pub items: Vec<AccessView>,
    pub next_cursor: Option<String>,
}

/// What the database stores for a share token: its SHA-256, in hex.
fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Tokens are 43 base64url characters (256 bits); anything else cannot exist.
fn well_formed_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a share is neither expired nor used up at `now`.
fn is_live(share: &SharedFile, now: i64) -> bool {
    share.expires_at.is_none_or(|at| at > now) && share.max_downloads.is_none_or(|max| share.download_count < max)
}

/// Why a visit to a known share was not counted: the same order of checks as the SQL.
fn refusal(share: &SharedFile, now: i64) -> ApiError {
    if !is_live(share, now) {
        ApiError::ShareExpired
    } else if share.password_hash.is_some() {
        ApiError::SharePasswordRequired
    } else {
        // It stopped being live between the count and the read: gone all the same.
        ApiError::ShareExpired
    }
}

/// What a browser's landing page may show of a share, without counting a download.
pub enum Landing {
    Ready { name: String, size: i64, protected: bool },
    Gone,
    Missing,
}

impl App {
    /// The expiry time of a share asking for `expires_in` seconds (or the default).
    fn share_expiry(&self, expires_in: Option<u64>) -> Result<Option<i64>, ApiError> {
        let max = self.config.max_share_ttl_seconds;
        match expires_in.or(self.config.default_share_ttl_seconds) {
            Some(seconds) if seconds == 0 || seconds > max => {
                Err(ApiError::invalid("expires_in", format!("must be from 1 to {max} seconds")))
            }
            Some(seconds) => Ok(Some(self.now + i64::try_from(seconds * 1000).unwrap_or(i64::MAX))),
            None => Ok(None),
        }
    }

    fn hash_share_password(&self, password: Option<&Password>) -> Result<Option<String>, ApiError> {
        password.map(|p| auth::hash_password(p, &crate::random::bytes()?)).transpose()
    }

    /// Creates a share link of one of the user's files; the token is shown only here.
    pub async fn share(
        &self,
        owner: &Id,
        file: &Id,
        request: NewShareRequest,
        base_url: &str,
    ) -> Result<ShareView, ApiError> {
        let expires_at = self.share_expiry(request.expires_in)?;
        let password_hash = self.hash_share_password(request.password.as_ref())?;
        let token = URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?);
        let row = self
            .db
            .insert_share(NewShare {
                id: &Id::generate()?,
                file,
                owner,
                token_hash: &token_hash(&token),
                now: self.now,
                expires_at,
                max_downloads: request.max_downloads,
                password_hash: password_hash.as_deref(),
            })
            .await?;
        let mut view = ShareView::from(row);
        view.url = Some(format!("{base_url}/share/{token}"));
        view.token = Some(token);
        Ok(view)
    }

    /// Changes a share's expiry (counted from now), download limit or password.
    pub async fn update_share(
        &self,
        owner: &Id,
        file: &Id,
        share: &Id,
        changes: ShareChanges,
    ) -> Result<ShareView, ApiError> {
        let expires_at = match changes.expires_in {
            Patch::Keep => Patch::Keep,
            Patch::Set(None) => Patch::Set(None),
            Patch::Set(Some(seconds)) => Patch::Set(self.share_expiry(Some(seconds))?),
        };
        let password_hash = match &changes.password {
            Patch::Keep => None,
            Patch::Set(password) => Some(self.hash_share_password(password.as_ref())?),
        };
        let password_patch = match &password_hash {
            None => Patch::Keep,
            Some(hash) => Patch::Set(hash.as_deref()),
        };
        let row = self.db.update_share(owner, file, share, expires_at, changes.max_downloads, password_patch).await?;
        Ok(row.into())
    }

    /// The share links of one of the user's files, without their tokens.
    pub async fn shares(&self, owner: &Id, file: &Id) -> Result<Vec<ShareView>, ApiError> {
        Ok(self.db.shares(owner, file).await?.into_iter().map(ShareView::from).collect())
    }

    /// Revokes a share link of one of the user's files.
    pub async fn revoke(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
        self.db.delete_share(owner, file, share).await
    }

    /// A page of a share's access log, newest first.
    pub async fn accesses(
        &self,
        owner: &Id,
        file: &Id,
        share: &Id,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AccessPage, ApiError> {
        let key = CursorKey(&self.config.secret_key);
        let after = match cursor {
            None => None,
            Some(text) => match key.decode(text)? {
                Cursor { key: KeyValue::Int(at), id, .. } => {
                    Some((at, id.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "is not a log cursor"))?))
                }
                _ => return Err(ApiError::invalid("cursor", "is not a log cursor")),
            },
        };
        let mut rows = self.db.accesses(owner, file, share, after, i64::from(limit) + 1).await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|last: &AccessRow| {
                let cursor = Cursor {
                    sort: SortKey::CreatedAt,
                    order: Order::Desc,
                    key: KeyValue::Int(last.at),
                    id: last.id.to_string(),
                };
                key.encode(&cursor)
            })
        } else {
            None
        };
        let items = rows
            .into_iter()
            .map(|row| AccessView {
                at: rfc3339(row.at),
                ip_hash: row.ip_hash,
                user_agent: row.user_agent,
                outcome: row.outcome,
            })
            .collect();
        Ok(AccessPage { items, next_cursor })
    }

    /// What a browser's landing page shows for `token`; counts nothing.
    pub async fn landing(&self, token: &str) -> Result<Landing, ApiError> {
        if !well_formed_token(token) {
            return Ok(Landing::Missing);
        }
        let Some(share) = self.db.shared_file(&token_hash(token), &[]).await?.0 else {
            return Ok(Landing::Missing);
        };
        Ok(if is_live(&share, self.now) {
            Landing::Ready { name: share.name, size: share.size, protected: share.password_hash.is_some() }
        } else {
            Landing::Gone
        })
    }

    /// Resolves a share token to a short-lived download URL, counting one download and
    /// logging the visit. A protected share needs its `password`; wrong ones are counted
    /// against the share and the caller, and answered 429 past the limit.
    pub async fn resolve(&self, token: &str, password: Option<&str>, caller: &Caller) -> Result<SharedView, ApiError> {
        if !well_formed_token(token) {
            return Err(ApiError::ShareNotFound);
        }
        let hash = token_hash(token);
        let ip_hash = self.ip_pseudonym(caller);
        let visit = Visit { ip_hash: &ip_hash, user_agent: &caller.user_agent, now: self.now };
        let verified = match password {
            None => None,
            Some(password) => self.check_share_password(&hash, password, &visit).await?,
        };
        let (counted, share) = self.db.visit_share(&hash, &visit, verified.as_deref()).await?;
        let share = share.ok_or(ApiError::ShareNotFound)?;
        if !counted {
            return Err(refusal(&share, self.now));
        }
        let ttl = self.config.share_url_ttl_seconds;
        let url = self.bucket().presign_download(&share.object_key, &share.name, &share.content_type, ttl)?;
        Ok(SharedView {
            url,
            expires_at: rfc3339(self.now + i64::from(ttl) * 1000),
            name: share.name,
            size: share.size,
            content_type: share.content_type,
        })
    }

    /// Checks `password` against a protected share; returns the stored hash it matched
    /// (`None` for a share without a password, which ignores it).
    async fn check_share_password(
        &self,
        hash: &str,
        password: &str,
        visit: &Visit<'_>,
    ) -> Result<Option<String>, ApiError> {
        let share_key = format!("share:{hash}");
        let client_key = format!("client:{}", visit.ip_hash);
        let keys = [share_key.as_str(), client_key.as_str()];
        let (share, counters) = self.db.shared_file(hash, &keys).await?;
        let share = share.ok_or(ApiError::ShareNotFound)?;
        let Some(stored) = share.password_hash.clone() else {
            return Ok(None);
        };
        if !is_live(&share, self.now) {
            // Let the visit be logged and refused as expired, without judging the password.
            return Ok(Some(stored));
        }
        let policy = |key: &str| if key.starts_with("client:") { PER_CLIENT } else { SHARE_PASSWORD_PER_SHARE };
        if let Some(retry_after) = limits::retry_after(&counters, policy, self.now) {
            return Err(ApiError::RateLimited { retry_after });
        }
        if !auth::verify_password(password, &stored) {
            let log = crate::database::sql::log_bad_password(&share.share_id, visit);
            self.db.count_failures(&keys, self.now, SHARE_PASSWORD_PER_SHARE.window_millis, Some(log)).await?;
            return Err(ApiError::InvalidSharePassword);
        }
        Ok(Some(stored))
    }
}
