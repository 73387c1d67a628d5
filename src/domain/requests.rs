//! Upload requests ("reverse shares"): when a request still takes uploads, why it refuses
//! one, what is left of its limits, and what becomes of a guest's password. Tokens are
//! share tokens ([`super::shares::new_token`]: 256 random bits, stored as their SHA-256).

use super::shares::PasswordAttempt;
use crate::error::ApiError;

/// The state of a request that decides whether it takes another upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestState {
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    /// Files received plus uploads under way.
    pub files_used: i64,
    /// Bytes received plus bytes reserved by uploads under way.
    pub bytes_used: i64,
    pub protected: bool,
    /// An admin disabled the owner: the request is gone (410) until they are enabled.
    pub owner_disabled: bool,
}

impl RequestState {
    /// Neither expired nor its owner disabled at `now` (it may still be full).
    pub fn is_live(&self, now: i64) -> bool {
        !self.owner_disabled && self.expires_at.is_none_or(|at| at > now)
    }

    /// How many more files it takes (`None`: no limit).
    pub fn files_left(&self) -> Option<i64> {
        self.max_files.map(|max| max.saturating_sub(self.files_used).max(0))
    }

    /// How many more bytes it takes (`None`: no limit).
    pub fn bytes_left(&self) -> Option<i64> {
        self.max_bytes.map(|max| max.saturating_sub(self.bytes_used).max(0))
    }

    /// Why an upload of `bytes` is refused at `now`, checked in this order: the request is
    /// gone (410), it takes no more files (409), or not that many bytes (413). `None`: it
    /// fits (the database decides for good, atomically, when it reserves the slot).
    pub fn refusal(&self, now: i64, bytes: i64) -> Option<ApiError> {
        if !self.is_live(now) {
            Some(ApiError::RequestExpired)
        } else if self.files_left() == Some(0) {
            Some(ApiError::RequestFull)
        } else if self.bytes_left().is_some_and(|left| bytes > left) {
            Some(ApiError::RequestTooLarge { left: self.bytes_left().unwrap_or(0) })
        } else {
            None
        }
    }

    /// What becomes of a guest's password, once the attempt was counted (`refused`: what
    /// [`super::limits::refused_after_counting`] said), as for share links.
    pub fn password_attempt(&self, now: i64, refused: Option<u64>) -> PasswordAttempt {
        PasswordAttempt::of(self.protected, self.is_live(now), refused)
    }
}

/// The key a request's password attempts are counted under.
pub fn attempts_key(token_hash: &str) -> String {
    format!("request:{token_hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> RequestState {
        RequestState {
            expires_at: Some(1_000),
            max_files: Some(5),
            max_bytes: Some(100),
            files_used: 0,
            bytes_used: 0,
            protected: false,
            owner_disabled: false,
        }
    }

    #[test]
    fn a_request_is_live_until_it_expires_or_its_owner_is_disabled() {
        assert!(open().is_live(999));
        assert!(!open().is_live(1_000));
        assert!(RequestState { expires_at: None, ..open() }.is_live(i64::MAX));
        assert!(!RequestState { owner_disabled: true, ..open() }.is_live(0));
    }

    #[test]
    fn what_is_left_never_goes_below_zero_and_no_limit_is_none() {
        let used = RequestState { files_used: 7, bytes_used: 40, ..open() };
        assert_eq!((used.files_left(), used.bytes_left()), (Some(0), Some(60)));
        let unlimited = RequestState { max_files: None, max_bytes: None, ..open() };
        assert_eq!((unlimited.files_left(), unlimited.bytes_left()), (None, None));
    }

    #[test]
    fn refusals_come_in_order_gone_then_full_then_too_large() {
        assert_eq!(open().refusal(0, 100), None);
        assert_eq!(open().refusal(0, 101), Some(ApiError::RequestTooLarge { left: 100 }));
        let full = RequestState { files_used: 5, bytes_used: 100, ..open() };
        assert_eq!(full.refusal(0, 1), Some(ApiError::RequestFull));
        assert_eq!(full.refusal(1_000, 1), Some(ApiError::RequestExpired));
        assert_eq!(RequestState { max_bytes: None, ..open() }.refusal(0, i64::MAX), None);
    }

    #[test]
    fn a_password_is_judged_only_on_a_live_protected_request_within_its_limits() {
        let protected = RequestState { protected: true, ..open() };
        assert_eq!(open().password_attempt(0, Some(5)), PasswordAttempt::NotNeeded);
        assert_eq!(protected.password_attempt(1_000, None), PasswordAttempt::Dead);
        assert_eq!(protected.password_attempt(0, Some(5)), PasswordAttempt::Refused { retry_after: 5 });
        assert_eq!(protected.password_attempt(0, None), PasswordAttempt::Judge);
    }
}
