//! Share links: creating, changing and revoking them, their access logs, and resolving a
//! token (with its password, if it has one) to a short-lived download URL.

use super::{App, Caller};
use crate::auth;
use crate::db::shares::{NewShare, SharedFile, Visit};
use crate::domain::limits::{self, PER_CLIENT, SHARE_PASSWORD_PER_SHARE};
use crate::domain::shares::{
    new_token, token_hash, well_formed_token, AccessLogPolicy, PasswordAttempt, Preview, ShareState, ShareTtlPolicy,
    ACCESS_LOG_REPEAT_WINDOW_MILLIS,
};
use crate::domain::{millis_after, page_of};
use crate::error::ApiError;
use crate::listing::{Cursor, CursorKey, KeyValue, Order, SortKey};
use crate::model::{rfc3339, Id, Password, Patch};
use crate::views::{AccessPage, AccessView, ShareList, ShareView, SharedView};

/// What a browser's landing page may show of a share, without counting a download.
pub enum Landing {
    /// A live link without a password: the file's name and size.
    Ready {
        name: String,
        size: i64,
    },
    /// A live link with a password: nothing of the file until it is given.
    Locked,
    Gone,
    Missing,
}

impl SharedFile {
    fn state(&self) -> ShareState {
        ShareState {
            expires_at: self.expires_at,
            max_downloads: self.max_downloads,
            download_count: self.download_count,
            protected: self.password_hash.is_some(),
            owner_disabled: self.owner_disabled != 0,
        }
    }
}

impl App {
    pub(super) fn share_ttl(&self) -> ShareTtlPolicy {
        ShareTtlPolicy {
            max_seconds: self.config.max_share_ttl_seconds,
            default_seconds: self.config.default_share_ttl_seconds,
        }
    }

    fn access_log(&self) -> AccessLogPolicy {
        AccessLogPolicy {
            max_entries: i64::try_from(self.config.access_log_max_entries).unwrap_or(i64::MAX),
            repeat_window_millis: ACCESS_LOG_REPEAT_WINDOW_MILLIS,
        }
    }

    pub(super) fn hash_share_password(&self, password: Option<&Password>) -> Result<Option<String>, ApiError> {
        password.map(|p| auth::hash_password(p, &crate::random::bytes()?)).transpose()
    }

    /// Creates a share link of one of the user's files; the token is shown only here.
    pub async fn create_share(
        &self,
        owner: &Id,
        file: &Id,
        expires_in: Option<u64>,
        max_downloads: Option<i64>,
        password: Option<Password>,
        base_url: &str,
    ) -> Result<ShareView, ApiError> {
        let expires_at = self.share_ttl().expiry(self.now, expires_in)?;
        let password_hash = self.hash_share_password(password.as_ref())?;
        let token = new_token()?;
        let row = self
            .db
            .create_share(NewShare {
                id: &Id::generate()?,
                file,
                owner,
                token_hash: &token_hash(&token),
                now: self.now,
                expires_at,
                max_downloads,
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
        expires_in: Patch<Option<u64>>,
        max_downloads: Patch<Option<i64>>,
        password: Patch<Option<Password>>,
    ) -> Result<ShareView, ApiError> {
        let expires_at = match expires_in {
            Patch::Keep => Patch::Keep,
            Patch::Set(None) => Patch::Set(None),
            Patch::Set(Some(seconds)) => Patch::Set(self.share_ttl().expiry(self.now, Some(seconds))?),
        };
        let password_hash = match &password {
            Patch::Keep => None,
            Patch::Set(password) => Some(self.hash_share_password(password.as_ref())?),
        };
        let password_patch = match &password_hash {
            None => Patch::Keep,
            Some(hash) => Patch::Set(hash.as_deref()),
        };
        let row = self.db.update_share(owner, file, share, expires_at, max_downloads, password_patch).await?;
        Ok(row.into())
    }

    /// The share links of one of the user's files, without their tokens.
    pub async fn shares_of_file(&self, owner: &Id, file: &Id) -> Result<ShareList, ApiError> {
        Ok(ShareList { items: self.db.shares_of_file(owner, file).await?.into_iter().map(ShareView::from).collect() })
    }

    /// Revokes a share link of one of the user's files.
    pub async fn revoke_share(&self, owner: &Id, file: &Id, share: &Id) -> Result<(), ApiError> {
        self.db.revoke_share(owner, file, share).await
    }

    /// A page of a share's access log, newest first.
    pub async fn share_accesses(
        &self,
        owner: &Id,
        file: &Id,
        share: &Id,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AccessPage, ApiError> {
        let key = CursorKey(self.config.secret_key.expose());
        let not_a_log_cursor = || ApiError::invalid("cursor", "is not a log cursor");
        let after = match cursor.map(|text| key.decode(text)).transpose()? {
            None => None,
            Some(Cursor { key: KeyValue::Int(at), id, .. }) => {
                Some((at, id.parse::<i64>().map_err(|_| not_a_log_cursor())?))
            }
            Some(_) => return Err(not_a_log_cursor()),
        };
        let mut rows = self.db.share_accesses(owner, file, share, after, i64::from(limit) + 1).await?;
        let next_cursor = page_of(&mut rows, limit as usize).map(|last| {
            let cursor = Cursor {
                sort: SortKey::CreatedAt,
                order: Order::Desc,
                key: KeyValue::Int(last.at),
                id: last.id.to_string(),
            };
            key.encode(&cursor)
        });
        Ok(AccessPage { items: rows.into_iter().map(AccessView::from).collect(), next_cursor })
    }

    /// What a browser's landing page shows for `token`; counts nothing.
    pub async fn share_landing(&self, token: &str) -> Result<Landing, ApiError> {
        if !well_formed_token(token) {
            return Ok(Landing::Missing);
        }
        let Some(share) = self.db.shared_file(&token_hash(token)).await? else {
            return Ok(Landing::Missing);
        };
        Ok(match share.state().preview(self.now) {
            Preview::File => Landing::Ready { name: share.name, size: share.size },
            Preview::Locked => Landing::Locked,
            Preview::Gone => Landing::Gone,
        })
    }

    /// Resolves a share token to a short-lived download URL, counting one download and
    /// logging the visit. A protected share needs its `password`: each attempt is counted
    /// against the link and the caller before it is judged, and refused unjudged (429)
    /// past either limit, however many race.
    pub async fn resolve_share(
        &self,
        token: &str,
        password: Option<&str>,
        caller: &Caller,
    ) -> Result<SharedView, ApiError> {
        if !well_formed_token(token) {
            return Err(ApiError::ShareNotFound);
        }
        let hash = token_hash(token);
        let ip_hash = self.ip_pseudonym(caller);
        let visit = Visit { ip_hash: &ip_hash, user_agent: &caller.user_agent, now: self.now, log: self.access_log() };
        let unlocked = match password {
            None => Unlocked::default(),
            Some(password) => self.check_share_password(&hash, password, &visit).await?,
        };
        let forgive: Vec<&str> = unlocked.forgive.iter().map(String::as_str).collect();
        let (counted, share) = self.db.visit_share(&hash, &visit, unlocked.password_hash.as_deref(), &forgive).await?;
        let share = share.ok_or(ApiError::ShareNotFound)?;
        if !counted {
            return Err(share.state().refusal(self.now));
        }
        let ttl = self.config.share_url_ttl_seconds;
        let url = self.bucket().presign_download(&share.object_key, &share.name, &share.content_type, ttl)?;
        Ok(SharedView {
            url,
            expires_at: rfc3339(millis_after(self.now, ttl.into())),
            name: share.name,
            size: share.size,
            content_type: share.content_type,
        })
    }

    /// Counts an attempt of `password` against the share and the caller, then judges it if
    /// it may be judged. A wrong one is logged and answered 401 (and stays counted).
    async fn check_share_password(&self, hash: &str, password: &str, visit: &Visit<'_>) -> Result<Unlocked, ApiError> {
        let share_key = format!("share:{hash}");
        let client_key = format!("client:{}", visit.ip_hash);
        let attempts = [
            (share_key.as_str(), SHARE_PASSWORD_PER_SHARE.window_millis),
            (client_key.as_str(), PER_CLIENT.window_millis),
        ];
        let (share, counters) = self.db.shared_file_counting_attempt(hash, &attempts, self.now).await?;
        // A link that does not exist keeps the attempt counted against the caller, like a
        // login to an unknown account.
        let share = share.ok_or(ApiError::ShareNotFound)?;
        let policy = |key: &str| if key.starts_with("client:") { PER_CLIENT } else { SHARE_PASSWORD_PER_SHARE };
        let refused = limits::refused_after_counting(&counters, policy, self.now);
        let forgive = vec![share_key, client_key];
        match (share.state().password_attempt(self.now, refused), share.password_hash) {
            (PasswordAttempt::Refused { retry_after }, _) => Err(ApiError::RateLimited { retry_after }),
            // A dead link goes on without a password, unjudged: the visit is logged and
            // refused as gone, and should the owner revive the link meanwhile, the count
            // still wants its password, which this visit never proved.
            (PasswordAttempt::NotNeeded | PasswordAttempt::Dead, _) | (_, None) => {
                Ok(Unlocked { password_hash: None, forgive })
            }
            (PasswordAttempt::Judge, Some(stored)) => {
                if !auth::verify_password(password, &stored) {
                    self.db.log_bad_share_password(hash, visit).await?;
                    return Err(ApiError::InvalidSharePassword);
                }
                Ok(Unlocked { password_hash: Some(stored), forgive })
            }
        }
    }
}

/// What a visit brings to the count of a protected link: the stored hash its password
/// was verified against, and the attempts to take back (it was right, or never judged).
#[derive(Default)]
struct Unlocked {
    /// Only ever a hash the given password was verified against: `visit_share` counts a
    /// download of a protected link only with its current hash.
    password_hash: Option<String>,
    forgive: Vec<String>,
}
