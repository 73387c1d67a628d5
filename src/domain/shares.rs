//! Share links: what a token looks like and what is stored of it, when a link is live,
//! why a visit is refused, and when a link expires.

use crate::domain::events::VisitOutcome;
use crate::error::ApiError;
use crate::model::hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Characters in a token: 32 random bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;

/// A fresh share token: 256 random bits, shown once to the owner and never stored.
pub fn new_token() -> Result<String, ApiError> {
    Ok(URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?))
}

/// What the database stores for a share token: its SHA-256, in hex. A slow hash is not
/// needed: the token has 256 bits of entropy, so it cannot be guessed from its hash.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Tokens are 43 base64url characters; anything else cannot exist and is answered 404
/// without asking the database.
pub fn well_formed_token(token: &str) -> bool {
    token.len() == TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The state of a link that decides what a visit gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareState {
    pub expires_at: Option<i64>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    pub protected: bool,
    /// An admin disabled the file's owner: the link is gone (410) until they enable them.
    pub owner_disabled: bool,
}

impl ShareState {
    /// Neither expired nor used up at `now`, and its owner not disabled.
    pub fn is_live(&self, now: i64) -> bool {
        !self.owner_disabled
            && self.expires_at.is_none_or(|at| at > now)
            && self.max_downloads.is_none_or(|max| self.download_count < max)
    }

    /// What a visitor may see of this link before giving anything (a browser's landing
    /// page): nothing of a protected file until its password is given.
    pub fn preview(&self, now: i64) -> Preview {
        if !self.is_live(now) {
            Preview::Gone
        } else if self.protected {
            Preview::Locked
        } else {
            Preview::File
        }
    }

    /// What becomes of a password given for this link, decided once the attempt was counted
    /// (`refused`: what [`super::limits::refused_after_counting`] said of its counters).
    /// Checked in this order: a link without a password ignores it; a dead link is refused
    /// as gone without judging it, so it tells nothing about the password; past a limit
    /// the attempt waits, unjudged; only then is it judged.
    pub fn password_attempt(&self, now: i64, refused: Option<u64>) -> PasswordAttempt {
        PasswordAttempt::of(self.protected, self.is_live(now), refused)
    }

    /// What a visit that gives no password gets, when it may be recorded later, off the
    /// request path (through the events queue): only on a link without a download limit,
    /// where nothing the visit gets depends on the count. `None`: a limited link, whose
    /// count must be claimed before the visit is answered.
    pub fn deferred_visit(&self, now: i64) -> Option<VisitOutcome> {
        if self.max_downloads.is_some() {
            None
        } else if !self.is_live(now) {
            Some(VisitOutcome::Expired)
        } else if self.protected {
            Some(VisitOutcome::PasswordRequired)
        } else {
            Some(VisitOutcome::Ok)
        }
    }

    /// The outcome a refused visit is logged with (as the SQL that logs it decides, in
    /// the same order): gone, used up, or locked.
    pub fn refused_outcome(&self, now: i64) -> &'static str {
        if self.owner_disabled || self.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else if self.max_downloads.is_some_and(|max| self.download_count >= max) {
            "limit_reached"
        } else {
            "password_required"
        }
    }

    /// Why a visit that was not counted was refused, checked in the same order as the SQL
    /// that counts: gone first (a dead link, or a one-file link whose file expired: so a
    /// wrong or missing password on it says nothing about the password), then the password
    /// (`proven`: the visit brought the link's password), and only then whether a collection
    /// holds the file asked for, so a protected link tells nothing of what it holds.
    pub fn refusal(&self, now: i64, proven: bool, asked: Asked) -> ApiError {
        if !self.is_live(now) || asked == Asked::OwnFileGone {
            ApiError::ShareExpired
        } else if self.protected && !proven {
            ApiError::SharePasswordRequired
        } else if asked == Asked::NotInLink {
            ApiError::ShareNotFound
        } else {
            // It stopped being live between the count and the read: gone all the same.
            ApiError::ShareExpired
        }
    }
}

/// What a visit asked for, as the visit's own read of the link found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// A file the link holds (a one-file link's own, or one of a collection's).
    Held,
    /// A one-file link's own file, which expired: the link is gone with it.
    OwnFileGone,
    /// A file a collection does not hold (never did, moved out, deleted or expired).
    NotInLink,
}

/// How long a zip grant lets its holder fetch the files of the collection it was counted for:
/// long enough for a large download on a slow line (each file's URL is fetched just before
/// its bytes are wanted, so no URL outlives its short TTL).
pub const ZIP_GRANT_MILLIS: i64 = 6 * 3600 * 1000;

/// The MAC of a zip grant for the link with `token_hash`, valid until `until` (Unix ms).
fn zip_grant_mac(secret: &[u8], token_hash: &str, until: i64) -> hmac::Hmac<Sha256> {
    use hmac::Mac;
    // Domain-separated from the tokens and cursors signed with the same secret.
    let mut mac = crate::auth::keyed_hmac(secret);
    mac.update(b"edgedrop zip grant v1\0");
    mac.update(token_hash.as_bytes());
    mac.update(format!("\0{until}").as_bytes());
    mac
}

/// A zip grant: proof, for `until`, that one download of the link with `token_hash` was
/// counted (and its password given) for a "download all", so that fetching its files one by
/// one counts nothing more. `{until}.{MAC}`, signed with the server secret.
pub fn zip_grant(secret: &[u8], token_hash: &str, until: i64) -> String {
    use hmac::Mac;
    let tag = zip_grant_mac(secret, token_hash, until).finalize().into_bytes();
    format!("{until}.{}", URL_SAFE_NO_PAD.encode(&tag[..16]))
}

/// Whether `grant` is a zip grant this server made for the link with `token_hash` that has
/// not run out at `now`.
pub fn valid_zip_grant(secret: &[u8], token_hash: &str, grant: &str, now: i64) -> bool {
    use hmac::Mac;
    let Some((until, tag)) = grant.split_once('.') else { return false };
    let (Ok(until), Ok(tag)) = (until.parse::<i64>(), URL_SAFE_NO_PAD.decode(tag)) else { return false };
    tag.len() == 16 && until > now && zip_grant_mac(secret, token_hash, until).verify_truncated_left(&tag).is_ok()
}

/// The most files one `files` link may name.
pub const MAX_LINK_FILES: usize = 1000;

/// What a link to `folder` is called when its owner names it nothing: the folder's own name
/// (`All files` for the root).
pub fn folder_link_name(folder: &str) -> String {
    match folder.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => "All files".to_owned(),
    }
}

/// What a link to `count` files is called when its owner names it nothing.
pub fn files_link_name(count: usize) -> String {
    if count == 1 {
        "1 file".to_owned()
    } else {
        format!("{count} files")
    }
}

/// What a link shows before anything is given (see [`ShareState::preview`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    /// The file's name and size, and a Download button.
    File,
    /// Only a password field: neither the file's name nor its size.
    Locked,
    /// That the link expired or is used up.
    Gone,
}

/// What becomes of a password given for a link (see [`ShareState::password_attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordAttempt {
    /// The link has no password: the visit goes on without one, and the attempt is taken back.
    NotNeeded,
    /// The link expired or is used up: the visit is refused as such, the password unjudged,
    /// and the attempt taken back.
    Dead,
    /// Past a limit: refused unjudged; the attempt stays counted.
    Refused { retry_after: u64 },
    /// The password is to be checked: a wrong one stays counted, a right one is taken back.
    Judge,
}

impl PasswordAttempt {
    /// For a link (a share's, or an upload request's) that is `protected` or not and
    /// `live` or not, with `refused` what the limits said of the counted attempt: without
    /// a password it is ignored; on a dead link it goes unjudged; past a limit it waits,
    /// unjudged; only then is it judged.
    pub fn of(protected: bool, live: bool, refused: Option<u64>) -> Self {
        if !protected {
            PasswordAttempt::NotNeeded
        } else if !live {
            PasswordAttempt::Dead
        } else if let Some(retry_after) = refused {
            PasswordAttempt::Refused { retry_after }
        } else {
            PasswordAttempt::Judge
        }
    }
}

/// How each link's access log stays bounded, however often the link is visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessLogPolicy {
    /// The newest entries kept of each link's log; older ones go as new ones come.
    pub max_entries: i64,
    /// A client that got the same outcome from the same link this recently (in
    /// milliseconds) is not logged again.
    pub repeat_window_millis: i64,
}

/// The default of `max_entries` (the `ACCESS_LOG_MAX_ENTRIES` setting).
pub const ACCESS_LOG_MAX_ENTRIES: u64 = 1000;
/// How long a client's repeated visits with the same outcome are logged once: a minute.
pub const ACCESS_LOG_REPEAT_WINDOW_MILLIS: i64 = 60_000;

/// The lifetimes a deployment allows for share links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareTtlPolicy {
    /// The longest `expires_in` a link may ask for, in seconds.
    pub max_seconds: u64,
    /// What a link asking for none gets; `None`: such links never expire.
    pub default_seconds: Option<u64>,
}

impl ShareTtlPolicy {
    /// When a link asking for `expires_in` seconds (or the default) made at `now` expires:
    /// 422 on `expires_in` when it is 0 or beyond the maximum.
    pub fn expiry(&self, now: i64, expires_in: Option<u64>) -> Result<Option<i64>, ApiError> {
        let max = self.max_seconds;
        match expires_in.or(self.default_seconds) {
            Some(seconds) if seconds == 0 || seconds > max => {
                Err(ApiError::invalid("expires_in", format!("must be from 1 to {max} seconds")))
            }
            Some(seconds) => Ok(Some(super::millis_after(now, seconds))),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(expires_at: Option<i64>, max_downloads: Option<i64>, download_count: i64, protected: bool) -> ShareState {
        ShareState { expires_at, max_downloads, download_count, protected, owner_disabled: false }
    }

    #[test]
    fn only_visits_to_unlimited_links_are_deferred_with_what_they_get() {
        assert_eq!(state(None, None, 7, false).deferred_visit(10), Some(VisitOutcome::Ok));
        assert_eq!(state(Some(10), None, 0, false).deferred_visit(10), Some(VisitOutcome::Expired));
        assert_eq!(state(Some(11), None, 0, true).deferred_visit(10), Some(VisitOutcome::PasswordRequired));
        assert_eq!(state(Some(5), None, 0, true).deferred_visit(10), Some(VisitOutcome::Expired), "gone before locked");
        let disabled = ShareState { owner_disabled: true, ..state(None, None, 0, false) };
        assert_eq!(disabled.deferred_visit(10), Some(VisitOutcome::Expired));
        assert_eq!(state(None, Some(100), 0, false).deferred_visit(10), None, "a limited link counts at once");
        assert_eq!(state(None, Some(1), 1, false).deferred_visit(10), None);
        assert_eq!(state(None, Some(1), 1, true).refused_outcome(10), "limit_reached");
        assert_eq!(state(Some(10), Some(1), 1, true).refused_outcome(10), "expired");
        assert_eq!(state(None, Some(2), 1, true).refused_outcome(10), "password_required");
    }

    #[test]
    fn new_tokens_are_well_formed_and_distinct() {
        let token = new_token().unwrap();
        assert!(well_formed_token(&token), "{token}");
        assert_ne!(token, new_token().unwrap());
    }

    #[test]
    fn only_43_base64url_characters_make_a_token() {
        assert!(well_formed_token(&"a".repeat(43)));
        assert!(well_formed_token(&format!("{}-_", "Z9".repeat(20) + "x")));
        for bad in ["", "short", &"a".repeat(42), &"a".repeat(44), &format!("{}=", "a".repeat(42))] {
            assert!(!well_formed_token(bad), "{bad:?}");
        }
        assert!(!well_formed_token(&format!("{}/", "a".repeat(42))));
    }

    #[test]
    fn a_token_is_stored_as_its_sha256() {
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_link_is_live_until_it_expires_or_is_used_up() {
        assert!(state(None, None, 1000, false).is_live(0));
        assert!(state(Some(11), None, 0, false).is_live(10));
        assert!(!state(Some(10), None, 0, false).is_live(10), "expiry is exclusive");
        assert!(state(None, Some(3), 2, false).is_live(0));
        assert!(!state(None, Some(3), 3, false).is_live(0));
    }

    #[test]
    fn a_link_of_a_disabled_owner_is_gone_and_asks_for_no_password() {
        let disabled = ShareState { owner_disabled: true, ..state(None, None, 0, true) };
        assert!(!disabled.is_live(0));
        assert_eq!(disabled.preview(0), Preview::Gone);
        assert_eq!(disabled.refusal(0, true, Asked::Held), ApiError::ShareExpired);
        assert_eq!(disabled.password_attempt(0, None), PasswordAttempt::Dead);
        assert!(ShareState { owner_disabled: false, ..disabled }.is_live(0), "enabled again, it works");
    }

    #[test]
    fn a_dead_link_says_gone_before_it_asks_for_a_password() {
        use Asked::*;
        assert_eq!(state(Some(0), None, 0, true).refusal(5, false, Held), ApiError::ShareExpired);
        assert_eq!(state(None, Some(1), 1, true).refusal(5, false, NotInLink), ApiError::ShareExpired);
        assert_eq!(state(None, None, 0, true).refusal(5, false, OwnFileGone), ApiError::ShareExpired);
        assert_eq!(state(None, None, 0, true).refusal(5, false, Held), ApiError::SharePasswordRequired);
        assert_eq!(state(None, None, 0, false).refusal(5, false, Held), ApiError::ShareExpired);
    }

    #[test]
    fn a_protected_collection_tells_what_it_holds_only_after_its_password() {
        use Asked::*;
        let protected = state(None, None, 0, true);
        assert_eq!(protected.refusal(5, false, NotInLink), ApiError::SharePasswordRequired);
        assert_eq!(protected.refusal(5, true, NotInLink), ApiError::ShareNotFound);
        assert_eq!(state(None, None, 0, false).refusal(5, false, NotInLink), ApiError::ShareNotFound);
    }

    #[test]
    fn a_zip_grant_holds_for_its_link_until_it_runs_out_and_cannot_be_forged() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let grant = zip_grant(secret, "link", 1_000);
        assert!(valid_zip_grant(secret, "link", &grant, 999));
        assert!(!valid_zip_grant(secret, "link", &grant, 1_000), "runs out");
        assert!(!valid_zip_grant(secret, "other link", &grant, 0), "bound to its link");
        assert!(!valid_zip_grant(b"another secret, 32 bytes long....", "link", &grant, 0));
        let (_, tag) = grant.split_once('.').unwrap();
        assert!(!valid_zip_grant(secret, "link", &format!("999999.{tag}"), 0), "its time is signed");
        for junk in ["", "1000", "x.y", "1000.", &format!("{grant}x")] {
            assert!(!valid_zip_grant(secret, "link", junk, 0), "{junk:?}");
        }
    }

    #[test]
    fn collections_are_named_after_their_folder_or_their_size() {
        assert_eq!(folder_link_name("/photos/2024 trip"), "2024 trip");
        assert_eq!(folder_link_name("/"), "All files");
        assert_eq!((files_link_name(1).as_str(), files_link_name(12).as_str()), ("1 file", "12 files"));
    }

    #[test]
    fn a_protected_link_previews_nothing_of_its_file() {
        assert_eq!(state(None, None, 0, false).preview(5), Preview::File);
        assert_eq!(state(Some(10), Some(2), 1, true).preview(5), Preview::Locked);
        assert_eq!(state(Some(5), None, 0, true).preview(5), Preview::Gone);
        assert_eq!(state(None, Some(1), 1, false).preview(5), Preview::Gone);
    }

    #[test]
    fn a_password_is_judged_only_on_a_live_protected_link_within_the_limits() {
        let open = state(None, None, 0, false);
        assert_eq!(open.password_attempt(5, None), PasswordAttempt::NotNeeded);
        assert_eq!(open.password_attempt(5, Some(60)), PasswordAttempt::NotNeeded, "nothing to guess");
        let live = state(Some(10), Some(2), 1, true);
        assert_eq!(live.password_attempt(5, None), PasswordAttempt::Judge);
        assert_eq!(live.password_attempt(5, Some(60)), PasswordAttempt::Refused { retry_after: 60 });
        for dead in [state(Some(5), None, 0, true), state(None, Some(2), 2, true)] {
            assert_eq!(dead.password_attempt(5, None), PasswordAttempt::Dead, "{dead:?}");
            assert_eq!(dead.password_attempt(5, Some(60)), PasswordAttempt::Dead, "{dead:?}: gone says no more");
        }
    }

    #[test]
    fn expiry_follows_the_request_the_default_and_the_maximum() {
        let policy = ShareTtlPolicy { max_seconds: 100, default_seconds: None };
        assert_eq!(policy.expiry(1_000, Some(100)), Ok(Some(101_000)));
        assert_eq!(policy.expiry(1_000, None), Ok(None), "no default: never expires");
        for bad in [0, 101] {
            assert_eq!(policy.expiry(1_000, Some(bad)).unwrap_err().problem().field.as_deref(), Some("expires_in"));
        }
        let defaulted = ShareTtlPolicy { default_seconds: Some(10), ..policy };
        assert_eq!(defaulted.expiry(0, None), Ok(Some(10_000)));
        assert_eq!(defaulted.expiry(0, Some(20)), Ok(Some(20_000)), "an explicit lifetime wins");
    }
}
