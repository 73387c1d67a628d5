//! Brute-force protection: failed password attempts counted per key in fixed windows, in
//! D1 (exact and global, unlike a per-location rate limiter), and the client identities
//! they are keyed by.

use hmac::Mac;
use serde::Deserialize;

/// How many failures a key may collect in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: i64,
    pub window_millis: i64,
}

/// Failed logins per account from one client: 10 per 15 minutes. Keyed by account *and*
/// client, so that nobody can lock an account's owner out by failing from elsewhere.
pub const LOGIN_PER_ACCOUNT: Policy = Policy { max_failures: 10, window_millis: 15 * 60 * 1000 };
/// Failed password attempts per share link: 10 per 15 minutes.
pub const SHARE_PASSWORD_PER_SHARE: Policy = Policy { max_failures: 10, window_millis: 15 * 60 * 1000 };
/// Failed attempts of either kind per client IP: 50 per 15 minutes.
pub const PER_CLIENT: Policy = Policy { max_failures: 50, window_millis: 15 * 60 * 1000 };

/// The failures counted against one key in its current window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Counter {
    pub key: String,
    pub window_start: i64,
    pub failures: i64,
}

/// The seconds to wait when this attempt, already counted in `counters` (each checked
/// against the policy its key names), went past a limit in a window that is still open;
/// `None` when the attempt may be judged. Counting first and judging after means that
/// however many attempts race, at most `max_failures` per window are ever judged.
pub fn refused_after_counting(counters: &[Counter], policy_of: impl Fn(&str) -> Policy, now: i64) -> Option<u64> {
    counters
        .iter()
        .filter_map(|counter| {
            let policy = policy_of(&counter.key);
            let window_end = counter.window_start + policy.window_millis;
            (counter.failures > policy.max_failures && window_end > now).then_some(window_end - now)
        })
        .max()
        .map(|millis| u64::try_from(millis.div_euclid(1000) + 1).unwrap_or(1))
}

/// A stable pseudonym of a client IP: HMAC-SHA256 under the server secret, so logs and
/// counters never hold the address itself and cannot be reversed by hashing all IPs.
pub fn ip_pseudonym(secret: &[u8], ip: &str) -> String {
    let mut mac = crate::auth::keyed_hmac(secret);
    mac.update(b"edgedrop client ip v1\0");
    mac.update(ip.as_bytes());
    crate::model::hex(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(key: &str, window_start: i64, failures: i64) -> Counter {
        Counter { key: key.into(), window_start, failures }
    }

    #[test]
    fn each_key_is_judged_by_its_own_policy_and_the_longest_wait_wins() {
        let policy = |key: &str| if key.starts_with("client:") { PER_CLIENT } else { SHARE_PASSWORD_PER_SHARE };
        let counters = [counter("client:x", 0, 11), counter("share:y", 60_000, 11)];
        assert_eq!(refused_after_counting(&counters[..1], policy, 1000), None, "a client may fail 50 times");
        assert_eq!(refused_after_counting(&counters, policy, 1000), Some(959 + 1));
        let both = [counter("client:x", 0, 51), counter("share:y", 60_000, 11)];
        assert_eq!(refused_after_counting(&both, policy, 1000), Some(959 + 1), "the later window closes last");
        assert_eq!(refused_after_counting(&[], policy, 0), None);
    }

    #[test]
    fn counted_attempts_up_to_the_limit_are_judged_and_the_next_waits() {
        let policy = |_: &str| LOGIN_PER_ACCOUNT;
        assert_eq!(refused_after_counting(&[counter("a", 0, 1)], policy, 1000), None);
        assert_eq!(refused_after_counting(&[counter("a", 0, 10)], policy, 1000), None, "the tenth is judged");
        assert_eq!(refused_after_counting(&[counter("a", 0, 11)], policy, 1000), Some(899 + 1));
        assert_eq!(refused_after_counting(&[counter("a", 0, 11)], policy, 15 * 60 * 1000), None);
        let mixed = |key: &str| if key == "client" { PER_CLIENT } else { LOGIN_PER_ACCOUNT };
        let counters = [counter("client", 0, 50), counter("pair", 0, 3)];
        assert_eq!(refused_after_counting(&counters, mixed, 1), None);
        let counters = [counter("client", 0, 51), counter("pair", 0, 3)];
        assert!(refused_after_counting(&counters, mixed, 1).is_some(), "either counter refuses");
    }

    #[test]
    fn ip_pseudonyms_are_stable_keyed_and_not_the_address() {
        let a = ip_pseudonym(b"secret one", "203.0.113.7");
        assert_eq!(a, ip_pseudonym(b"secret one", "203.0.113.7"));
        assert_ne!(a, ip_pseudonym(b"secret two", "203.0.113.7"));
        assert_ne!(a, ip_pseudonym(b"secret one", "203.0.113.8"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("203"));
    }
}
