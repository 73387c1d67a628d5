//! Share links: creating, changing and revoking them, their access logs, and resolving a
//! token (with its password, if it has one) to a short-lived download URL, or, for a
//! collection, to the right to list what it holds ([`super::collections`]).

use super::collections::CollectionAccess;
use super::{App, Caller};
use crate::auth;
use crate::db::shares::{Asking, NewShare, ShareTarget, SharedFile, Visit};
use crate::domain::events::{VisitEvent, VisitOutcome};
use crate::domain::files::presentation;
use crate::domain::limits::{self, PER_CLIENT, SHARE_PASSWORD_PER_SHARE};
use crate::domain::shares::{
    new_token, token_hash, valid_zip_grant, well_formed_token, zip_grant, AccessLogPolicy, Asked, PasswordAttempt,
    Preview, ShareState, ShareTtlPolicy, ACCESS_LOG_REPEAT_WINDOW_MILLIS, ZIP_GRANT_MILLIS,
};
use crate::domain::{millis_after, page_of};
use crate::error::ApiError;
use crate::listing::{Cursor, CursorKey, KeyValue, Order, SortKey};
use crate::model::{rfc3339, Id, Password, Patch};
use crate::views::{AccessPage, AccessView, CollectionView, ShareList, SharePage, ShareView, SharedView, ZipView};

/// What a browser's landing page may show of a share, without counting a download.
pub enum Landing {
    /// A live link without a password: the file's name and size, and whether its type may
    /// be previewed.
    Ready {
        name: String,
        size: i64,
        preview: bool,
    },
    /// A live collection without a password: the first page of what it holds.
    Collection(CollectionView),
    /// A live link with a password: nothing of the file until it is given.
    Locked,
    Gone,
    Missing,
}

/// The cursor of a newest-first page whose last row was `(at, id)`.
fn newest_first_after(key: &CursorKey<'_>, at: i64, id: &str) -> String {
    key.encode(&Cursor { sort: SortKey::CreatedAt, order: Order::Desc, key: KeyValue::Int(at), id: id.to_owned() })
}

/// Whether a file of `content_type` is shown in the browser when asked for inline.
pub fn previewable(content_type: &str) -> bool {
    presentation(content_type, true).inline
}

/// What resolving a link gave.
pub enum Resolved {
    /// A download was counted: where to fetch the file.
    Download(SharedView),
    /// The link is a collection and no file was asked for: nothing was counted, and the
    /// caller may list what it holds (it is live, and its password, if any, was given).
    Collection(CollectionAccess),
    /// Everything of a collection was asked for and counted as one download: the grant
    /// that fetches its files.
    Zip(ZipView),
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

    pub(super) fn access_log(&self) -> AccessLogPolicy {
        AccessLogPolicy {
            max_entries: i64::try_from(self.config.access_log_max_entries).unwrap_or(i64::MAX),
            repeat_window_millis: ACCESS_LOG_REPEAT_WINDOW_MILLIS,
        }
    }

    pub(super) fn hash_share_password(&self, password: Option<&Password>) -> Result<Option<String>, ApiError> {
        password.map(|p| auth::hash_password(p, &crate::random::bytes()?)).transpose()
    }

    /// Creates a share link of one of the user's files, of several of them or of a folder;
    /// the token is shown only here.
    pub async fn create_share(
        &self,
        owner: &Id,
        target: ShareTarget<'_>,
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
                target,
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

    /// Changes a share's expiry (counted from now), download limit or password (`file`: the
    /// file it must share, when the route names one).
    pub async fn update_share(
        &self,
        owner: &Id,
        file: Option<&Id>,
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

    /// A page of the user's share links of every kind, newest first.
    pub async fn shares_of_owner(&self, owner: &Id, cursor: Option<&str>, limit: u32) -> Result<SharePage, ApiError> {
        let key = self.cursor_key();
        let after = match cursor.map(|text| key.decode(text)).transpose()? {
            None => None,
            Some(Cursor { key: KeyValue::Int(at), id, .. }) => Some((at, id)),
            Some(_) => return Err(ApiError::invalid("cursor", "is not a cursor of this list")),
        };
        let after = after.as_ref().map(|(at, id)| (*at, id.as_str()));
        let mut rows = self.db.shares_of_owner(owner, after, i64::from(limit) + 1).await?;
        let next_cursor =
            page_of(&mut rows, limit as usize).map(|last| newest_first_after(&key, last.created_at, &last.id));
        Ok(SharePage { items: rows.into_iter().map(ShareView::from).collect(), next_cursor })
    }

    /// Revokes one of the user's share links (of `file`, when the route names one).
    pub async fn revoke_share(&self, owner: &Id, file: Option<&Id>, share: &Id) -> Result<(), ApiError> {
        self.db.revoke_share(owner, file, share).await
    }

    /// A page of a share's access log, newest first.
    pub async fn share_accesses(
        &self,
        owner: &Id,
        file: Option<&Id>,
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
        let next_cursor =
            page_of(&mut rows, limit as usize).map(|last| newest_first_after(&key, last.at, &last.id.to_string()));
        Ok(AccessPage { items: rows.into_iter().map(AccessView::from).collect(), next_cursor })
    }

    /// What a browser's landing page shows for `token`; counts nothing.
    pub async fn share_landing(&self, token: &str) -> Result<Landing, ApiError> {
        if !well_formed_token(token) {
            return Ok(Landing::Missing);
        }
        let hash = token_hash(token);
        let Some(share) = self.db.shared_file(&hash, None, self.now).await? else {
            return Ok(Landing::Missing);
        };
        let one_file = share.kind == "file";
        Ok(match (share.state().preview(self.now), share.name, share.size) {
            (Preview::File, Some(name), Some(size)) if one_file => {
                let preview = previewable(share.content_type.as_deref().unwrap_or_default());
                Landing::Ready { name, size, preview }
            }
            // A one-file link whose file expired is gone with it.
            (Preview::File, ..) if one_file => Landing::Gone,
            (Preview::File, ..) => {
                let access = CollectionAccess::new(hash, share.kind, share.share_name.unwrap_or_default());
                Landing::Collection(self.collection_page(&access, None, super::collections::PAGE).await?)
            }
            (Preview::Locked, ..) => Landing::Locked,
            (Preview::Gone, ..) => Landing::Gone,
        })
    }

    /// Resolves a share token to what `asking` asks for, counting one download and logging
    /// the visit (at once, or through the events queue: see [`Self::record_visit`]). A file (a one-file link's own, or one a
    /// collection holds) gives a short-lived download URL (`inline`: a preview, shown in the
    /// browser when its type is safe to show, see [`presentation`]); everything of a
    /// collection gives a zip grant, with which its files are then fetched without counting
    /// more. A protected share needs its `password`: each attempt is counted against the
    /// link and the caller before it is judged, and refused unjudged (429) past either limit,
    /// however many race. A collection asked for its own file counts nothing and answers with
    /// the right to list it.
    pub async fn resolve_share(
        &self,
        token: &str,
        asking: Asking<'_>,
        inline: bool,
        password: Option<&str>,
        caller: &Caller,
    ) -> Result<Resolved, ApiError> {
        if !well_formed_token(token) {
            return Err(ApiError::ShareNotFound);
        }
        let hash = token_hash(token);
        let ip_hash = self.ip_pseudonym(caller);
        let visit = Visit { ip_hash: &ip_hash, user_agent: &caller.user_agent, now: self.now, log: self.access_log() };
        let (counted, share, proven) = match password {
            None => {
                let (counted, share) = self.record_visit(&hash, asking, &visit).await?;
                (counted, share, None)
            }
            Some(password) => {
                let unlocked = self.check_share_password(&hash, password, &visit).await?;
                let (counted, share) = self.count_visit(&hash, asking, &visit, &unlocked).await?;
                (counted, share, unlocked.password_hash)
            }
        };
        let proven = share.password_hash.is_none() || (proven.is_some() && proven == share.password_hash);
        let one_file = share.kind == "file";
        match asking {
            // A one-file link has no "everything": it is one download already.
            Asking::Everything if one_file => Err(ApiError::ShareNotFound),
            Asking::Everything if !counted => Err(share.state().refusal(self.now, proven, Asked::Held)),
            Asking::Everything => Ok(Resolved::Zip(self.zip_view(&hash, &share))),
            Asking::OwnFile if !one_file => {
                if !share.state().is_live(self.now) {
                    return Err(ApiError::ShareExpired);
                }
                if !proven {
                    return Err(ApiError::SharePasswordRequired);
                }
                let name = share.share_name.unwrap_or_default();
                Ok(Resolved::Collection(CollectionAccess::new(hash, share.kind, name)))
            }
            _ if share.object_key.is_none() => {
                let asked = if one_file { Asked::OwnFileGone } else { Asked::NotInLink };
                Err(share.state().refusal(self.now, proven, asked))
            }
            _ if !counted => Err(share.state().refusal(self.now, proven, Asked::Held)),
            _ => Ok(Resolved::Download(self.download_view(share, inline)?)),
        }
    }

    /// What a visitor holding a zip grant of the collection with this token may fetch:
    /// `file`'s download URL (`None`: the right to list the collection), counting and logging
    /// nothing, since the grant's download was counted. The grant holds while the link lives
    /// (it may be used up meanwhile: by this very download) and its owner is enabled.
    pub async fn granted(
        &self,
        token: &str,
        grant: &str,
        file: Option<&Id>,
        inline: bool,
    ) -> Result<Resolved, ApiError> {
        if !well_formed_token(token) {
            return Err(ApiError::ShareNotFound);
        }
        let hash = token_hash(token);
        let share = self.db.shared_file(&hash, file, self.now).await?.ok_or(ApiError::ShareNotFound)?;
        if !valid_zip_grant(self.config.secret_key.expose(), &hash, grant, self.now) {
            return Err(ApiError::invalid("grant", "is not a grant of this link, or it ran out"));
        }
        let state = ShareState { max_downloads: None, protected: false, ..share.state() };
        if !state.is_live(self.now) {
            return Err(ApiError::ShareExpired);
        }
        match file {
            None => {
                let name = share.share_name.unwrap_or_default();
                Ok(Resolved::Collection(CollectionAccess::new(hash, share.kind, name)))
            }
            Some(_) if share.object_key.is_none() => Err(ApiError::ShareNotFound),
            Some(_) => Ok(Resolved::Download(self.download_view(share, inline)?)),
        }
    }

    /// A zip grant for the collection with `hash`, counted just now: until the grant's time
    /// runs out or the link expires, whichever comes first.
    fn zip_view(&self, hash: &str, share: &SharedFile) -> ZipView {
        let until = share.expires_at.map_or(self.now + ZIP_GRANT_MILLIS, |at| at.min(self.now + ZIP_GRANT_MILLIS));
        ZipView {
            name: share.share_name.clone().unwrap_or_default(),
            grant: zip_grant(self.config.secret_key.expose(), hash, until),
            expires_at: rfc3339(until),
        }
    }

    /// The short-lived download URL of the file a visit found (`inline`: a preview).
    fn download_view(&self, share: SharedFile, inline: bool) -> Result<SharedView, ApiError> {
        let missing = || ApiError::Internal("a shared file without its columns".into());
        let (key, name) = (share.object_key.ok_or_else(missing)?, share.name.ok_or_else(missing)?);
        let content_type = share.content_type.ok_or_else(missing)?;
        let ttl = self.config.share_url_ttl_seconds;
        let shown = presentation(&content_type, inline);
        let url = self.bucket().presign_download(&key, &name, &shown.content_type, shown.inline, ttl)?;
        Ok(SharedView {
            url,
            expires_at: rfc3339(millis_after(self.now, ttl.into())),
            name,
            size: share.size.ok_or_else(missing)?,
            content_type,
        })
    }

    /// Records a visit that gives no password to what `asking` asks for: the one place such
    /// a visit is counted and logged. A visit to a file a link without a download limit
    /// holds is only read: it goes to the isolate's outbox, which sends it to the events queue
    /// with the window's other visits after the answer, and the consumer logs and counts it
    /// within seconds (written at once, exactly, when the deployment has no queue). Anything else counts now,
    /// exactly ([`Self::count_visit`]), except a collection asked for its list, which counts
    /// and logs nothing. Answers whether the visit counted, and the share.
    async fn record_visit(
        &self,
        hash: &str,
        asking: Asking<'_>,
        visit: &Visit<'_>,
    ) -> Result<(bool, SharedFile), ApiError> {
        let share = self.db.shared_file(hash, asking.file(), self.now).await?.ok_or(ApiError::ShareNotFound)?;
        let one_file = share.kind == "file";
        if asking == Asking::OwnFile && !one_file {
            return Ok((false, share));
        }
        // Only a file the link holds (the read found it) may be deferred: a "download all",
        // a file outside the link or a one-file link's expired file is decided by the count.
        let deferrable = asking != Asking::Everything && share.object_key.is_some();
        let Some(outcome) = share.state().deferred_visit(self.now).filter(|_| deferrable) else {
            return self.count_visit(hash, asking, visit, &Unlocked::default()).await;
        };
        if self.events.is_none() {
            return self.count_visit(hash, asking, visit, &Unlocked::default()).await;
        }
        self.defer_visit(VisitEvent {
            id: Id::generate()?.as_str().to_owned(),
            share_id: share.share_id.clone(),
            file_id: share.file_id.clone(),
            at: self.now,
            ip_hash: visit.ip_hash.to_owned(),
            user_agent: visit.user_agent.to_owned(),
            outcome,
        });
        Ok((outcome == VisitOutcome::Ok, share))
    }

    /// A visit logged and, if the share is live, holds what `asking` asks for and
    /// `unlocked` brings its password, counted, in one transaction, the attempts of
    /// `unlocked` taken back: whether it counted, and the share. The owner's webhooks hear
    /// of every visit that is logged (`share.accessed`, kept in the same transaction).
    async fn count_visit(
        &self,
        hash: &str,
        asking: Asking<'_>,
        visit: &Visit<'_>,
        unlocked: &Unlocked,
    ) -> Result<(bool, SharedFile), ApiError> {
        let forgive: Vec<&str> = unlocked.forgive.iter().map(String::as_str).collect();
        let proven = unlocked.password_hash.as_deref();
        let notice_id = Id::generate()?;
        let notice = self.notice_due_at().map(|due_at| (notice_id.as_str(), due_at));
        let (counted, share, kept) = self.db.visit_share(hash, asking, visit, proven, &forgive, notice).await?;
        let share = share.ok_or(ApiError::ShareNotFound)?;
        self.announce(kept.into_iter().collect()).await;
        Ok((counted, share))
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
