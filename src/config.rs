//! The server's configuration, parsed and validated from the Worker's vars and secrets once
//! per isolate (they cannot change while it lives). Anything missing or malformed fails
//! closed with a message naming the variable (logged, never sent to the client).

use crate::auth::JwtAlgorithm;
use crate::domain::accounts::{AdminEmails, SignupPolicy};
use crate::domain::shares::ACCESS_LOG_MAX_ENTRIES;
use crate::domain::uploads::LATE_WRITE_GRACE_SECONDS;
use crate::domain::{GIB, MIB};
use crate::storage::BucketConfig;

/// A secret value: its `Debug` never shows it, so no log line or panic message can.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// The secret itself, for signing.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything the Worker needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Signing key for access tokens, cursors and client pseudonyms (at least 32 bytes).
    pub secret_key: Secret,
    /// The one JWT algorithm tokens are signed and accepted with.
    pub algorithm: JwtAlgorithm,
    /// Lifetime of an access token, in seconds.
    pub access_token_ttl_seconds: u64,
    /// Lifetime of a web app session (the session cookie and the token in it), in seconds.
    pub session_ttl_seconds: u64,
    /// Where file bytes live.
    pub bucket: BucketConfig,
    /// Largest body `POST /files/upload` accepts.
    pub max_upload_bytes: u64,
    /// Lifetime of a presigned download URL for the owner.
    pub download_url_ttl_seconds: u32,
    /// Lifetime of a presigned URL handed out by a share link.
    pub share_url_ttl_seconds: u32,
    /// Origin that share URLs are built on; the request's own origin when absent.
    pub public_base_url: Option<String>,
    /// Bytes each user may store (stored plus pending); `None` for no limit.
    pub quota_bytes: Option<u64>,
    /// How long a direct upload may stay pending before the sweeper aborts it.
    pub pending_upload_ttl_millis: i64,
    /// `LATE_WRITE_GRACE_SECONDS`, in ms: how long after an upload's URLs die the ledger
    /// keeps a deleted key, for bytes an upload that started in time may still store.
    pub late_write_grace_millis: i64,
    /// How long expired share links stay (answering 410) before the sweeper deletes them.
    pub expired_share_grace_millis: i64,
    /// Direct uploads larger than this go as S3 multipart uploads, smaller ones as one PUT.
    pub multipart_threshold_bytes: u64,
    /// Lifetime of the presigned URLs a direct upload sends its bytes to.
    pub upload_url_ttl_seconds: u32,
    /// The longest `expires_in` a share may ask for.
    pub max_share_ttl_seconds: u64,
    /// The expiry of shares that ask for none; `None` means such shares never expire.
    pub default_share_ttl_seconds: Option<u64>,
    /// The newest entries kept of each share link's access log.
    pub access_log_max_entries: u64,
    /// The longest `expires_in` a file may ask for, in seconds.
    pub max_file_ttl_seconds: u64,
    /// The expiry of files that ask for none; `None` means such files never expire.
    pub default_file_ttl_seconds: Option<u64>,
    /// The admins (`ADMIN_EMAILS`), by canonical email.
    pub admin_emails: AdminEmails,
    /// Who may register (`SIGNUP`).
    pub signup: SignupPolicy,
    /// Tests only (`TEST_REDELIVER_EVENTS`): the events consumer has each batch delivered
    /// once more after writing it, as the queue may when an acknowledgement is lost.
    pub redeliver_events_once: bool,
    /// Tests only (`TEST_REFUSE_NOTICES`): every webhook notice a request sends is taken
    /// as refused by the queue, as in a queue outage (the sweeper's sends go through).
    pub refuse_notices: bool,
    /// `WEBHOOK_ALLOW_LOOPBACK`: webhooks may be `http://` URLs on the loopback interface
    /// (local development only; never private or link-local addresses).
    pub webhook_allow_loopback: bool,
    /// `WEBHOOK_RETRY_BASE_SECONDS`: the wait after a webhook delivery's first failure,
    /// doubled after each further one (at most an hour).
    pub webhook_retry_base_seconds: u64,
    /// `WEBHOOK_RETRY_HOURS`: how long a delivery is retried before its webhook is disabled.
    pub webhook_retry_millis: i64,
}

/// The longest lifetime a SigV4 presigned URL may have (7 days).
pub const MAX_PRESIGN_SECONDS: u32 = 604_800;
const TEN_YEARS: u64 = 10 * 365 * 24 * 3600;

impl Config {
    /// Reads the configuration through `var`, which answers a variable's value by name.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let secret_key = required(&var, "SECRET_KEY")?;
        if secret_key.len() < 32 {
            return Err("SECRET_KEY must be at least 32 bytes long".into());
        }
        let algorithm = match var("ALGORITHM").as_deref().map(str::trim) {
            None | Some("") => JwtAlgorithm::Hs256,
            Some(name) => JwtAlgorithm::from_name(name)
                .ok_or_else(|| format!("ALGORITHM {name:?} is not one of HS256, HS384, HS512"))?,
        };
        let bucket = BucketConfig::new(
            &required(&var, "B2_ENDPOINT")?,
            var("B2_REGION").filter(|r| !r.trim().is_empty()),
            required(&var, "B2_BUCKET")?,
            required(&var, "B2_ACCESS_KEY")?,
            required(&var, "B2_SECRET_KEY")?,
        )?;
        let public_base_url = match var("PUBLIC_BASE_URL").map(|u| u.trim().trim_end_matches('/').to_owned()) {
            None => None,
            Some(u) if u.is_empty() => None,
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u),
            Some(u) => return Err(format!("PUBLIC_BASE_URL {u:?} is not an http(s) URL")),
        };
        let max_share_ttl = number(&var, "MAX_SHARE_TTL_SECONDS", MAX_PRESIGN_SECONDS.into(), 1..=TEN_YEARS)?;
        let max_file_ttl = number(&var, "MAX_FILE_TTL_SECONDS", TEN_YEARS, 1..=TEN_YEARS)?;
        let pending_upload_ttl_millis = hours(&var, "PENDING_UPLOAD_TTL_HOURS", 24.0)?;
        let upload_url_ttl_seconds = presign_ttl(&var, "UPLOAD_URL_TTL_SECONDS", 3600)?;
        // An upload URL must never outlive its upload: the ledger forgets an upload's
        // object once the upload's time is up, so a URL still alive then could store bytes
        // nothing accounts for.
        if i64::from(upload_url_ttl_seconds) * 1000 > pending_upload_ttl_millis {
            return Err(format!(
                "UPLOAD_URL_TTL_SECONDS ({upload_url_ttl_seconds}) must not exceed PENDING_UPLOAD_TTL_HOURS"
            ));
        }
        Ok(Config {
            secret_key: Secret(secret_key.into_bytes()),
            algorithm,
            access_token_ttl_seconds: number(&var, "ACCESS_TOKEN_EXPIRE_MINUTES", 60, 1..=525_600)? * 60,
            session_ttl_seconds: number(&var, "SESSION_EXPIRE_HOURS", 12, 1..=8760)? * 3600,
            bucket,
            max_upload_bytes: number(&var, "MAX_UPLOAD_BYTES", 100 * MIB, 1..=5 * GIB)?,
            download_url_ttl_seconds: presign_ttl(&var, "DOWNLOAD_URL_TTL_SECONDS", 300)?,
            share_url_ttl_seconds: presign_ttl(&var, "SHARE_URL_TTL_SECONDS", 60)?,
            public_base_url,
            quota_bytes: Some(number(&var, "QUOTA_BYTES", 10 * GIB, 0..=u64::MAX >> 11)?).filter(|&q| q > 0),
            pending_upload_ttl_millis,
            late_write_grace_millis: number(&var, "LATE_WRITE_GRACE_SECONDS", LATE_WRITE_GRACE_SECONDS, 0..=86_400)?
                as i64
                * 1000,
            expired_share_grace_millis: hours(&var, "EXPIRED_SHARE_GRACE_HOURS", 168.0)?,
            multipart_threshold_bytes: number(&var, "MULTIPART_THRESHOLD_BYTES", 64 * MIB, 5 * MIB..=5 * GIB)?,
            upload_url_ttl_seconds,
            max_share_ttl_seconds: max_share_ttl,
            default_share_ttl_seconds: match var("DEFAULT_SHARE_TTL_SECONDS").filter(|v| !v.trim().is_empty()) {
                None => None,
                Some(_) => Some(number(&var, "DEFAULT_SHARE_TTL_SECONDS", 0, 1..=max_share_ttl)?),
            },
            access_log_max_entries: number(&var, "ACCESS_LOG_MAX_ENTRIES", ACCESS_LOG_MAX_ENTRIES, 1..=100_000)?,
            max_file_ttl_seconds: max_file_ttl,
            default_file_ttl_seconds: match var("DEFAULT_FILE_TTL_SECONDS").filter(|v| !v.trim().is_empty()) {
                None => None,
                Some(_) => Some(number(&var, "DEFAULT_FILE_TTL_SECONDS", 0, 1..=max_file_ttl)?),
            },
            admin_emails: AdminEmails::parse(var("ADMIN_EMAILS").as_deref())?,
            signup: SignupPolicy::parse(var("SIGNUP").as_deref())?,
            redeliver_events_once: flag(&var, "TEST_REDELIVER_EVENTS")?,
            refuse_notices: flag(&var, "TEST_REFUSE_NOTICES")?,
            webhook_allow_loopback: flag(&var, "WEBHOOK_ALLOW_LOOPBACK")?,
            webhook_retry_base_seconds: number(&var, "WEBHOOK_RETRY_BASE_SECONDS", 30, 0..=3600)?,
            webhook_retry_millis: hours(&var, "WEBHOOK_RETRY_HOURS", 24.0)?,
        })
    }
}

fn required(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String, String> {
    match var(name) {
        Some(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(format!("{name} is not set")),
    }
}

/// An on/off setting: `1`/`true` or `0`/`false` (absent: off).
fn flag(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, String> {
    match var(name).as_deref().map(str::trim) {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(format!("{name} {other:?} is not one of 1, true, 0, false")),
    }
}

fn number(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, String> {
    let Some(raw) = var(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(default);
    };
    match raw.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!("{name} {raw:?} is not a whole number from {} to {}", range.start(), range.end())),
    }
}

/// A duration given in hours (decimals allowed: `0.5` is half an hour), in milliseconds.
fn hours(var: &impl Fn(&str) -> Option<String>, name: &str, default: f64) -> Result<i64, String> {
    let hours = match var(name).filter(|v| !v.trim().is_empty()) {
        None => default,
        Some(raw) => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && *h > 0.0 && *h <= 24.0 * 3650.0)
            .ok_or_else(|| format!("{name} {raw:?} is not a number of hours above 0"))?,
    };
    Ok((hours * 3_600_000.0).round() as i64)
}

fn presign_ttl(var: &impl Fn(&str) -> Option<String>, name: &str, default: u32) -> Result<u32, String> {
    let seconds = number(var, name, default.into(), 1..=MAX_PRESIGN_SECONDS.into())?;
    Ok(u32::try_from(seconds).unwrap_or(MAX_PRESIGN_SECONDS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut vars: HashMap<String, String> = [
            ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
            ("B2_ENDPOINT", "https://s3.us-west-004.backblazeb2.com"),
            ("B2_BUCKET", "files"),
            ("B2_ACCESS_KEY", "key-id"),
            ("B2_SECRET_KEY", "application-key"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            vars.insert(k.to_string(), v.to_string());
        }
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let config = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.algorithm, JwtAlgorithm::Hs256);
        assert_eq!(config.access_token_ttl_seconds, 3600);
        assert_eq!(config.session_ttl_seconds, 12 * 3600);
        assert_eq!(config.max_upload_bytes, 100 * 1024 * 1024);
        assert_eq!(config.download_url_ttl_seconds, 300);
        assert_eq!(config.share_url_ttl_seconds, 60);
        assert_eq!(config.bucket.region, "us-west-004");
        assert_eq!(config.public_base_url, None);
        assert_eq!(config.quota_bytes, Some(10 * GIB));
        assert_eq!(config.pending_upload_ttl_millis, 24 * 3_600_000);
        assert_eq!(config.late_write_grace_millis, 3_600_000);
        assert_eq!(config.expired_share_grace_millis, 7 * 24 * 3_600_000);
        assert_eq!(config.multipart_threshold_bytes, 64 * MIB);
        assert_eq!(config.max_share_ttl_seconds, 604_800);
        assert_eq!(config.default_share_ttl_seconds, None);
        assert_eq!(config.access_log_max_entries, 1000);
        assert!(!config.redeliver_events_once);
        assert!(!config.refuse_notices);
        assert!(!config.webhook_allow_loopback);
        assert_eq!((config.webhook_retry_base_seconds, config.webhook_retry_millis), (30, 24 * 3_600_000));
    }

    #[test]
    fn admins_and_the_signup_policy_are_read_and_checked() {
        let config = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.signup, SignupPolicy::Open);
        assert!(!config.admin_emails.contains("ada@example.com"));
        let config = Config::from_lookup(lookup(&[("SIGNUP", "invite"), ("ADMIN_EMAILS", "Ada@Example.com")])).unwrap();
        assert_eq!(config.signup, SignupPolicy::Invite);
        assert!(config.admin_emails.contains("ada@example.com"));
        let err = Config::from_lookup(lookup(&[("SIGNUP", "sometimes")])).unwrap_err();
        assert!(err.contains("SIGNUP"), "{err}");
        let err = Config::from_lookup(lookup(&[("ADMIN_EMAILS", "root")])).unwrap_err();
        assert!(err.contains("ADMIN_EMAILS"), "{err}");
    }

    #[test]
    fn a_zero_quota_means_unlimited_and_the_default_share_ttl_respects_the_max() {
        let config =
            Config::from_lookup(lookup(&[("QUOTA_BYTES", "0"), ("DEFAULT_SHARE_TTL_SECONDS", "3600")])).unwrap();
        assert_eq!(config.quota_bytes, None);
        assert_eq!(config.default_share_ttl_seconds, Some(3600));
        let config = Config::from_lookup(lookup(&[("PENDING_UPLOAD_TTL_HOURS", "1.5")])).unwrap();
        assert_eq!(config.pending_upload_ttl_millis, 5_400_000);
        let err = Config::from_lookup(lookup(&[("MAX_SHARE_TTL_SECONDS", "60"), ("DEFAULT_SHARE_TTL_SECONDS", "61")]))
            .unwrap_err();
        assert!(err.contains("DEFAULT_SHARE_TTL_SECONDS"), "{err}");
        let err = Config::from_lookup(lookup(&[("MULTIPART_THRESHOLD_BYTES", "1024")])).unwrap_err();
        assert!(err.contains("MULTIPART_THRESHOLD_BYTES"), "{err}");
    }

    #[test]
    fn files_never_expire_unless_asked_and_the_default_file_ttl_respects_the_max() {
        let config = Config::from_lookup(lookup(&[])).unwrap();
        assert_eq!((config.default_file_ttl_seconds, config.max_file_ttl_seconds), (None, TEN_YEARS));
        let config =
            Config::from_lookup(lookup(&[("MAX_FILE_TTL_SECONDS", "86400"), ("DEFAULT_FILE_TTL_SECONDS", "3600")]))
                .unwrap();
        assert_eq!((config.default_file_ttl_seconds, config.max_file_ttl_seconds), (Some(3600), 86_400));
        for (max, default) in [("60", "61"), ("0", ""), ("x", ""), ("", "0")] {
            let err =
                Config::from_lookup(lookup(&[("MAX_FILE_TTL_SECONDS", max), ("DEFAULT_FILE_TTL_SECONDS", default)]))
                    .unwrap_err();
            assert!(err.contains("FILE_TTL_SECONDS"), "{err}");
        }
    }

    #[test]
    fn refuses_short_secrets_unknown_algorithms_and_bad_numbers() {
        for (name, value) in [
            ("SECRET_KEY", "too-short"),
            ("ALGORITHM", "none"),
            ("ALGORITHM", "RS256"),
            ("MAX_UPLOAD_BYTES", "-1"),
            ("MAX_UPLOAD_BYTES", "lots"),
            ("SHARE_URL_TTL_SECONDS", "604801"),
            ("DOWNLOAD_URL_TTL_SECONDS", "0"),
            ("PUBLIC_BASE_URL", "files.example.com"),
            ("PENDING_UPLOAD_TTL_HOURS", "0"),
            ("PENDING_UPLOAD_TTL_HOURS", "soon"),
            ("EXPIRED_SHARE_GRACE_HOURS", "-1"),
            ("SESSION_EXPIRE_HOURS", "0"),
            ("ACCESS_LOG_MAX_ENTRIES", "0"),
            ("ACCESS_LOG_MAX_ENTRIES", "100001"),
            ("TEST_REDELIVER_EVENTS", "yes"),
            ("TEST_REFUSE_NOTICES", "yes"),
            ("LATE_WRITE_GRACE_SECONDS", "86401"),
            ("WEBHOOK_ALLOW_LOOPBACK", "on"),
            ("WEBHOOK_RETRY_BASE_SECONDS", "3601"),
            ("WEBHOOK_RETRY_HOURS", "0"),
        ] {
            let err = Config::from_lookup(lookup(&[(name, value)])).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn upload_urls_may_not_outlive_their_uploads() {
        let short = [("PENDING_UPLOAD_TTL_HOURS", "0.5")];
        let err = Config::from_lookup(lookup(&short)).unwrap_err();
        assert!(err.contains("UPLOAD_URL_TTL_SECONDS"), "{err}");
        let fitting = [("PENDING_UPLOAD_TTL_HOURS", "0.5"), ("UPLOAD_URL_TTL_SECONDS", "1800")];
        assert_eq!(Config::from_lookup(lookup(&fitting)).unwrap().upload_url_ttl_seconds, 1800);
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let printed = format!("{:?}", Config::from_lookup(lookup(&[])).unwrap());
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        assert!(!printed.contains("application-key"), "{printed}");
        assert!(printed.contains("Secret(***)"), "{printed}");
    }

    #[test]
    fn a_missing_secret_names_the_variable_but_never_a_value() {
        let vars = lookup(&[]);
        let err = Config::from_lookup(|name| (name != "B2_SECRET_KEY").then(|| vars(name)).flatten()).unwrap_err();
        assert_eq!(err, "B2_SECRET_KEY is not set");
    }

    #[test]
    fn accepts_the_other_hmac_algorithms_and_trims_the_base_url() {
        let config =
            Config::from_lookup(lookup(&[("ALGORITHM", "HS512"), ("PUBLIC_BASE_URL", "https://files.example.com/")]))
                .unwrap();
        assert_eq!(config.algorithm, JwtAlgorithm::Hs512);
        assert_eq!(config.public_base_url.as_deref(), Some("https://files.example.com"));
    }
}
