//! Accounts: registering, logging in (rate limited) and out (of one session or all), and the
//! signed-in user's usage.

use super::{App, Caller};
use crate::auth;
use crate::db::sessions::{NewSession, SessionKind};
use crate::db::users::{Invited, UserRow};
use crate::domain::accounts::{admission, effective_quota, Admission};
use crate::domain::limits::{self, LOGIN_PER_ACCOUNT, PER_CLIENT};
use crate::domain::millis_after;
use crate::domain::shares::{token_hash, well_formed_token};
use crate::error::ApiError;
use crate::model::{canonical_email, rfc3339, Email, Id, Password};
use crate::session::Credential;
use crate::views::{AccountView, MeView, TokenView};

/// Objects an account deletion deletes itself; the rest wait for their claims to run out
/// and the sweeper (a Worker's subrequests per request are limited).
const INLINE_DELETES: usize = 40;

/// A login whose password matched: the account, and the limit keys its success settles.
struct Verified {
    user: Id,
    /// The key whose failures are forgotten (this account from this client).
    clear: String,
    /// The key whose counted attempt is taken back (this client).
    forgive: String,
}

impl App {
    /// Creates an account, as the sign-up policy allows: an admin's address always may;
    /// otherwise `closed` refuses and `invite` needs an invite, spent in the same transaction.
    pub async fn register(
        &self,
        email: Email,
        password: Password,
        invite: Option<&str>,
    ) -> Result<AccountView, ApiError> {
        let needs = admission(self.config.signup, self.config.admin_emails.contains(email.canonical()));
        if needs == Admission::Refused {
            return Err(ApiError::SignupClosed);
        }
        let invite = match (needs, invite) {
            (Admission::NeedsInvite, Some(token)) if well_formed_token(token) => Some(token_hash(token)),
            (Admission::NeedsInvite, _) => return Err(ApiError::InvalidInvite),
            _ => None,
        };
        let id = Id::generate()?;
        let hash = auth::hash_password(&password, &crate::random::bytes()?)?;
        match invite {
            None => {
                if !self.db.create_user(&id, &email, &hash, self.now).await? {
                    return Err(ApiError::EmailTaken);
                }
            }
            Some(invite) => match self.db.create_invited_user(&id, &email, &hash, self.now, &invite).await? {
                Invited::Created => {}
                Invited::EmailTaken => return Err(ApiError::EmailTaken),
                Invited::InvalidInvite => return Err(ApiError::InvalidInvite),
            },
        }
        Ok(AccountView { id: id.as_str().to_owned(), email: email.as_str().to_owned(), created_at: rfc3339(self.now) })
    }

    /// Whether the account of `row` is an admin's (see `AdminEmails::admits`).
    pub(super) fn is_admin(&self, row: &UserRow) -> bool {
        self.config.admin_emails.admits(&row.email, row.email_canonical.as_deref())
    }

    /// The quota `row` stores under (`None`: unlimited).
    pub(super) fn quota_of(&self, row: &UserRow) -> Option<u64> {
        effective_quota(row.quota_bytes, self.config.quota_bytes)
    }

    /// Changes the user's password after checking the current one (counted like a login,
    /// per account and client and per client): every session of theirs ends, and a new one
    /// of `kind` opens, whose token is returned with its lifetime.
    pub async fn change_password(
        &self,
        user: &Id,
        current: &str,
        new: Password,
        caller: &Caller,
        kind: SessionKind,
    ) -> Result<(String, u64), ApiError> {
        let row = self.db.user(user).await?;
        let verified = self.check_credentials(&row.email, current, caller).await?;
        if verified.user != *user {
            return Err(ApiError::InvalidCredentials);
        }
        let hash = auth::hash_password(&new, &crate::random::bytes()?)?;
        let ttl = match kind {
            SessionKind::Api => self.config.access_token_ttl_seconds,
            SessionKind::Web => self.config.session_ttl_seconds,
        };
        let session = Id::generate()?;
        let token = self.keys().issue(user, &session, self.now_seconds(), ttl)?;
        let new_session =
            NewSession { id: &session, user, kind, now: self.now, expires_at: millis_after(self.now, ttl) };
        self.db.change_password(&hash, new_session, &[&verified.clear], &[&verified.forgive]).await?;
        Ok((token, ttl))
    }

    /// Deletes the caller's own account once their password is checked (counted like a login).
    pub async fn delete_me(&self, user: &Id, password: &str, caller: &Caller) -> Result<(), ApiError> {
        let row = self.db.user(user).await?;
        let verified = self.check_credentials(&row.email, password, caller).await?;
        if verified.user != *user {
            return Err(ApiError::InvalidCredentials);
        }
        self.delete_account(user, user).await.map(drop)
    }

    /// Deletes the account `user` for `actor` (the user or an admin): the rows go in one
    /// transaction that puts every object on the ledger; the objects this request holds the
    /// claims of are deleted now (up to [`INLINE_DELETES`]), the rest by the sweeper.
    /// Returns whether there was such an account.
    pub(super) async fn delete_account(&self, actor: &Id, user: &Id) -> Result<bool, ApiError> {
        let claim = Self::new_claim()?;
        let (existed, claimed) = self.db.delete_account(actor, user, &claim, self.now, self.lease_end()).await?;
        for orphan in claimed.iter().take(INLINE_DELETES) {
            self.delete_claimed(orphan, &claim).await;
        }
        Ok(existed)
    }

    /// Checks a password and issues an access token for API clients, in a session of its own.
    pub async fn login(&self, email: &str, password: &str, caller: &Caller) -> Result<TokenView, ApiError> {
        let ttl = self.config.access_token_ttl_seconds;
        let access_token = self.sign_in(email, password, caller, SessionKind::Api, ttl).await?;
        Ok(TokenView { access_token, token_type: "bearer", expires_in: ttl })
    }

    /// Checks a password and issues the token of a web app session, with its lifetime in
    /// seconds (the route puts it in the session cookie).
    pub async fn start_session(&self, email: &str, password: &str, caller: &Caller) -> Result<(String, u64), ApiError> {
        let ttl = self.config.session_ttl_seconds;
        Ok((self.sign_in(email, password, caller, SessionKind::Web, ttl).await?, ttl))
    }

    /// Checks a password, opens a session of `ttl` seconds and issues its token. The session
    /// is written with the attempt's forgiveness, in the round trip that needed to be made
    /// anyway.
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        caller: &Caller,
        kind: SessionKind,
        ttl: u64,
    ) -> Result<String, ApiError> {
        let verified = self.check_credentials(email, password, caller).await?;
        let session = Id::generate()?;
        let token = self.keys().issue(&verified.user, &session, self.now_seconds(), ttl)?;
        let new = NewSession {
            id: &session,
            user: &verified.user,
            kind,
            now: self.now,
            expires_at: millis_after(self.now, ttl),
        };
        self.db.open_session(new, &[&verified.clear], &[&verified.forgive]).await?;
        Ok(token)
    }

    /// Ends the session a token names, if the token is ours and still valid: logging out.
    /// Anything else has no session to end, which is no error (logging out twice is fine).
    /// A personal access token sent here is revoked: logging out with it ends it.
    pub async fn end_session(&self, credential: Credential<'_>) -> Result<(), ApiError> {
        if let Credential::Bearer(token) = credential {
            if let Some(claims) = crate::domain::tokens::read(token) {
                return self.db.end_token(&claims.session, &claims.hash).await;
            }
        }
        match self.keys().verify(credential.token(), self.now_seconds()) {
            Ok(signed_in) => self.db.end_session(&signed_in.user, &signed_in.session).await,
            Err(_) => Ok(()),
        }
    }

    /// Ends every session of the user, the caller's own included: logging out everywhere.
    pub async fn end_all_sessions(&self, user: &Id) -> Result<(), ApiError> {
        self.db.end_all_sessions(user).await
    }

    /// The account whose password this is. Unknown emails cost as much time as wrong
    /// passwords and get the same answer. Every attempt is counted before the password is
    /// judged, per account and client (so failures elsewhere never lock the owner out) and
    /// per client; past either limit the attempt is refused unjudged, however many race.
    async fn check_credentials(&self, email: &str, password: &str, caller: &Caller) -> Result<Verified, ApiError> {
        let client = self.ip_pseudonym(caller);
        // Any text may be looked up: one that is no valid email simply matches no account.
        // Every spelling of an address counts against the same account.
        let canonical = canonical_email(email);
        let pair_key = format!("login:{}:{client}", canonical_email(email.trim()));
        let client_key = format!("client:{client}");
        let keys = [pair_key.as_str(), client_key.as_str()];
        let window = LOGIN_PER_ACCOUNT.window_millis;
        let (account, counters) =
            self.db.credentials_counting_attempt((email, &canonical), &keys, self.now, window).await?;
        let policy = |key: &str| if key.starts_with("client:") { PER_CLIENT } else { LOGIN_PER_ACCOUNT };
        if let Some(retry_after) = limits::refused_after_counting(&counters, policy, self.now) {
            return Err(ApiError::RateLimited { retry_after });
        }
        let stored = account.as_ref().map_or(auth::DECOY_HASH, |a| a.password_hash.as_str());
        let matches = auth::verify_password(password, stored);
        let Some(account) = account.filter(|_| matches) else {
            return Err(ApiError::InvalidCredentials);
        };
        // Only the right password learns that the account is disabled.
        if account.disabled != 0 {
            return Err(ApiError::AccountDisabled);
        }
        // The success forgets the account's failures from this client and takes back the
        // attempt counted against the client: done with the session's write.
        Ok(Verified { user: Id::from_trusted(account.id), clear: pair_key, forgive: client_key })
    }

    /// Gives up to `limit` accounts from before canonical emails theirs (SQL could not
    /// compute it for addresses beyond ASCII); returns how many took it and how many
    /// conflicted with another account's, which keep logging in with their address as typed.
    pub(super) async fn canonicalize_legacy_emails(&self, limit: i64) -> Result<(usize, usize), ApiError> {
        let pending = self.db.uncanonical_emails(limit).await?;
        let emails: Vec<(Id, String)> =
            pending.into_iter().map(|row| (Id::from_trusted(row.id), canonical_email(&row.email))).collect();
        let taken = self.db.set_canonical_emails(&emails).await?;
        Ok((taken, emails.len().saturating_sub(taken)))
    }

    /// The user's profile and usage, with their effective quota and whether they are an admin.
    pub async fn me(&self, user: &Id) -> Result<MeView, ApiError> {
        let row = self.db.user(user).await?;
        let (quota, is_admin) = (self.quota_of(&row), self.is_admin(&row));
        Ok(MeView::of(row, quota, is_admin))
    }
}
