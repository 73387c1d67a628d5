//! Accounts a deployment can run: who is an admin, who may register (the sign-up policy and
//! invites), and the quota a user gets. No I/O.

use crate::model::canonical_email;

/// Who may register (`SIGNUP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupPolicy {
    /// Anyone (the default).
    Open,
    /// Only with an invite an admin made.
    Invite,
    /// Nobody (but the admins of `ADMIN_EMAILS`).
    Closed,
}

impl SignupPolicy {
    /// Reads `SIGNUP`: empty or absent is `open`.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim).unwrap_or("") {
            "" | "open" => Ok(SignupPolicy::Open),
            "invite" => Ok(SignupPolicy::Invite),
            "closed" => Ok(SignupPolicy::Closed),
            other => Err(format!("SIGNUP {other:?} is not one of open, invite, closed")),
        }
    }
}

/// What a registration needs, decided before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It may go ahead.
    Free,
    /// It must spend a valid invite (403 `invalid_invite` without one).
    NeedsInvite,
    /// It is refused (403 `signup_closed`).
    Refused,
}

/// What a registration of an address (admin or not) needs under `policy`: an admin may
/// always register, whatever the policy says, so a new deployment can be bootstrapped.
pub fn admission(policy: SignupPolicy, is_admin: bool) -> Admission {
    match (policy, is_admin) {
        (_, true) | (SignupPolicy::Open, _) => Admission::Free,
        (SignupPolicy::Invite, false) => Admission::NeedsInvite,
        (SignupPolicy::Closed, false) => Admission::Refused,
    }
}

/// The admins' addresses (`ADMIN_EMAILS`, comma-separated), in canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminEmails(Vec<String>);

impl AdminEmails {
    /// Reads the comma-separated list; blanks are skipped, anything else must look like an
    /// address.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let mut emails = Vec::new();
        for item in raw.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !item.contains('@') {
                return Err(format!("ADMIN_EMAILS: {item:?} is not an email address"));
            }
            emails.push(canonical_email(item));
        }
        Ok(AdminEmails(emails))
    }

    /// Whether the address whose canonical form is `canonical` is an admin's.
    pub fn contains(&self, canonical: &str) -> bool {
        self.0.iter().any(|admin| admin == canonical)
    }

    /// Whether an existing account is an admin's: by the canonical email it is told apart
    /// by (`stored`), so an account that lost its address to another in the move to
    /// canonical emails (`conflict:…`) is not, whatever it typed; `email`, as typed, only
    /// for an account the sweeper has not canonicalized yet.
    pub fn admits(&self, email: &str, stored: Option<&str>) -> bool {
        match stored {
            Some(canonical) => self.contains(canonical),
            None => self.contains(&canonical_email(email)),
        }
    }
}

/// The quota a user stores under, over stored and pending bytes (`None`: unlimited): their
/// own (`Some(0)` unlimited) or else the deployment's default.
pub fn effective_quota(own: Option<i64>, default: Option<u64>) -> Option<u64> {
    match own {
        None => default,
        Some(q) if q <= 0 => None,
        Some(q) => u64::try_from(q).ok(),
    }
}

/// Invites last a week unless asked otherwise, and at most 90 days.
pub const DEFAULT_INVITE_TTL_SECONDS: u64 = 7 * 24 * 3600;
pub const MAX_INVITE_TTL_SECONDS: u64 = 90 * 24 * 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_an_admins_by_the_email_it_is_told_apart_by() {
        let admins = AdminEmails::parse(Some("Boss@Example.com")).unwrap();
        assert!(admins.admits("boss@example.com", Some("boss@example.com")));
        assert!(admins.admits("BOSS@example.com", None), "not canonicalized yet: as typed, folded");
        assert!(!admins.admits("BOSS@example.com", Some("conflict:0123")), "lost the address to another account");
        assert!(!admins.admits("someone@example.com", Some("someone@example.com")));
    }

    #[test]
    fn signup_policy_defaults_to_open_and_rejects_unknown_words() {
        assert_eq!(SignupPolicy::parse(None), Ok(SignupPolicy::Open));
        assert_eq!(SignupPolicy::parse(Some(" ")), Ok(SignupPolicy::Open));
        assert_eq!(SignupPolicy::parse(Some("invite")), Ok(SignupPolicy::Invite));
        assert_eq!(SignupPolicy::parse(Some(" closed ")), Ok(SignupPolicy::Closed));
        assert!(SignupPolicy::parse(Some("Closed")).is_err());
        assert!(SignupPolicy::parse(Some("maybe")).is_err());
    }

    #[test]
    fn admins_may_always_register_others_as_the_policy_says() {
        for policy in [SignupPolicy::Open, SignupPolicy::Invite, SignupPolicy::Closed] {
            assert_eq!(admission(policy, true), Admission::Free);
        }
        assert_eq!(admission(SignupPolicy::Open, false), Admission::Free);
        assert_eq!(admission(SignupPolicy::Invite, false), Admission::NeedsInvite);
        assert_eq!(admission(SignupPolicy::Closed, false), Admission::Refused);
    }

    #[test]
    fn admin_emails_are_compared_canonically() {
        let admins = AdminEmails::parse(Some(" Ada@Example.com, ,ZO\u{c9}@x.io")).unwrap();
        assert!(admins.contains(&canonical_email("ada@example.COM")));
        assert!(admins.contains(&canonical_email("zoe\u{301}@X.io")));
        assert!(!admins.contains(&canonical_email("bob@example.com")));
        assert_eq!(AdminEmails::parse(None).unwrap(), AdminEmails::default());
        assert!(AdminEmails::parse(Some("ada@x.io, nobody")).is_err());
    }

    #[test]
    fn a_users_own_quota_wins_zero_is_unlimited_and_none_is_the_default() {
        assert_eq!(effective_quota(None, Some(10)), Some(10));
        assert_eq!(effective_quota(None, None), None);
        assert_eq!(effective_quota(Some(5), Some(10)), Some(5));
        assert_eq!(effective_quota(Some(5), None), Some(5));
        assert_eq!(effective_quota(Some(0), Some(10)), None);
    }
}
