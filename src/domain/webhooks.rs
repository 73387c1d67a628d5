//! Webhooks: which events exist, which URLs may receive them (never a private or
//! link-local address), the signing secret and signature, and how deliveries back off.

use crate::error::ApiError;
use crate::model::hex;
use hmac::Mac;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The events a webhook may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// A visit to one of the user's share links (the file, the link, the outcome, the time;
    /// never the visitor's address).
    ShareAccessed,
    FileUploaded,
    FileDeleted,
}

impl EventType {
    pub const ALL: [EventType; 3] = [EventType::ShareAccessed, EventType::FileUploaded, EventType::FileDeleted];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ShareAccessed => "share.accessed",
            EventType::FileUploaded => "file.uploaded",
            EventType::FileDeleted => "file.deleted",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// The events of a webhook: at least one, each once, stored space-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventType>);

impl EventTypes {
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<EventTypes, ApiError> {
        let mut events = Vec::new();
        for name in names {
            let event = EventType::parse(name).ok_or_else(|| {
                ApiError::invalid(
                    "events",
                    format!("{name:?} is not one of share.accessed, file.uploaded, file.deleted"),
                )
            })?;
            if !events.contains(&event) {
                events.push(event);
            }
        }
        if events.is_empty() {
            return Err(ApiError::invalid("events", "must name at least one event"));
        }
        Ok(EventTypes(events))
    }

    /// As stored: `share.accessed file.deleted`.
    pub fn stored(&self) -> String {
        self.0.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The most webhooks one account may have.
pub const MAX_WEBHOOKS: i64 = 20;
/// How long a delivery may take before it counts as failed.
pub const DELIVERY_TIMEOUT_SECONDS: u64 = 10;
/// How long a kept notice (`notices`) waits before the sweeper sends it again: far longer
/// than the events consumer takes to queue its deliveries, so a notice goes out twice only
/// when its first send was lost.
pub const NOTICE_RESEND_MILLIS: i64 = 5 * 60 * 1000;
/// The least time a kept notice is kept before it is dropped unsent, whatever
/// `WEBHOOK_RETRY_HOURS` says: four sweeps of the Cron Trigger's 15 minutes.
pub const NOTICE_KEEP_MIN_MILLIS: i64 = 3_600_000;
/// The longest wait between two tries of a delivery.
const MAX_RETRY_DELAY_SECONDS: u64 = 3600;
const MAX_URL_CHARS: usize = 2048;

/// A URL a webhook may be delivered to: `https://` to a public host, or, only when the
/// deployment allows it for local development, `http://` to the loopback interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks `raw`; `allow_loopback` is `WEBHOOK_ALLOW_LOOPBACK` (local development). A
    /// host name is judged by its name alone: one that resolves to a private address later
    /// (DNS rebinding) is not caught here (see the README).
    pub fn parse(raw: &str, allow_loopback: bool) -> Result<WebhookUrl, ApiError> {
        let refuse = |why: &str| Err(ApiError::invalid("url", why));
        let raw = raw.trim();
        if raw.len() > MAX_URL_CHARS || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return refuse("is not a URL");
        }
        let (scheme, rest) = match raw.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => return refuse("is not an absolute URL"),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return refuse("must not carry a user name or password");
        }
        let host = host_of(authority).ok_or(ApiError::invalid("url", "has no valid host"))?;
        let loopback = is_loopback(&host);
        match scheme.as_str() {
            "https" => {}
            "http" if allow_loopback && loopback => {}
            "http" => return refuse("must be https://"),
            _ => return refuse("must be https://"),
        }
        if loopback && allow_loopback {
            return Ok(WebhookUrl(raw.to_owned()));
        }
        if is_private(&host) {
            return refuse("must not point to a private, loopback or link-local address");
        }
        Ok(WebhookUrl(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host of an authority (`host`, `host:port`, `[v6]:port`), lowercased, without the
/// trailing dot of a fully qualified name.
fn host_of(authority: &str) -> Option<String> {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        authority.rsplit_once(':').map_or(authority, |(host, _port)| host)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` is, by its name or as a literal address, one no webhook may reach.
fn is_private(host: &str) -> bool {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return private_v4(ip);
    }
    if let Ok(ip) = host.parse::<Ipv6Addr>() {
        if let Some(v4) = ip.to_ipv4_mapped() {
            return private_v4(v4);
        }
        let first = ip.segments()[0];
        return ip.is_loopback()
            || ip.is_unspecified()
            || ip.is_multicast()
            || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
            || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
            || (first & 0xffc0) == 0xfec0; // site-local fec0::/10
    }
    // A name with no dot is resolved on some local network; these suffixes name local ones.
    // Anything that looks like a numeric IPv4 form other than dotted quads (`0x7f.1`,
    // `2130706433`) is refused too: resolvers read them as addresses.
    let numeric = host.split('.').all(|label| {
        label.starts_with(|c: char| c.is_ascii_digit()) && label.chars().all(|c| c.is_ascii_hexdigit() || c == 'x')
    });
    !host.contains('.')
        || numeric
        || is_loopback(host)
        || [".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp"].iter().any(|s| host.ends_with(s))
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240
}

/// The signing secret of webhook `id`: derived from the server secret and the random `seed`
/// its row keeps, so the database alone never holds it (it is shown once, at creation,
/// and recomputed for each delivery).
pub fn webhook_secret(server_secret: &[u8], id: &str, seed: &str) -> String {
    let mut mac = crate::auth::keyed_hmac(server_secret);
    mac.update(b"edgedrop webhook secret v1\0");
    mac.update(id.as_bytes());
    mac.update(b"\0");
    mac.update(seed.as_bytes());
    format!("whsec_{}", hex(&mac.finalize().into_bytes()))
}

/// The `Edgedrop-Signature` header of `body` sent at Unix second `t`:
/// `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = crate::auth::keyed_hmac(secret.as_bytes());
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex(&mac.finalize().into_bytes()))
}

/// How long to wait before try `attempt + 1` of a delivery (`attempt` ≥ 1 failed):
/// `base_seconds` doubled per failure, at most an hour.
pub fn retry_delay(attempt: u32, base_seconds: u64) -> u64 {
    let doubled = base_seconds.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    doubled.min(MAX_RETRY_DELAY_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str, loopback: bool) -> bool {
        WebhookUrl::parse(url, loopback).is_err()
    }

    #[test]
    fn only_public_https_urls_are_accepted() {
        for ok in [
            "https://example.com/hook",
            "https://cafe.be/",
            "https://1password.example/",
            "https://hooks.example.com:8443/a?b=c",
            "https://93.184.215.14/x",
        ] {
            assert!(!refused(ok, false), "{ok}");
        }
        for bad in [
            "http://example.com/hook",
            "ftp://example.com/",
            "example.com/hook",
            "https://user:pw@example.com/",
            "https://localhost/",
            "https://api.localhost/",
            "https://127.0.0.1/",
            "https://10.0.0.5/",
            "https://172.16.3.4/",
            "https://192.168.1.1:8080/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://intranet/",
            "https://printer.local/",
            "https://db.internal/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://exa mple.com/",
        ] {
            assert!(refused(bad, false), "{bad}");
        }
    }

    #[test]
    fn loopback_http_is_allowed_only_by_the_local_development_setting() {
        assert!(refused("http://127.0.0.1:9999/hook", false));
        assert!(!refused("http://127.0.0.1:9999/hook", true));
        assert!(!refused("http://localhost:9999/hook", true));
        assert!(!refused("http://[::1]:9999/hook", true));
        // The setting opens loopback only: private networks stay closed.
        assert!(refused("http://10.0.0.1/hook", true));
        assert!(refused("https://192.168.0.1/hook", true));
    }

    #[test]
    fn events_are_known_names_at_least_one_each_once() {
        let events = EventTypes::parse(["file.deleted", "share.accessed", "file.deleted"]).unwrap();
        assert_eq!(events.stored(), "file.deleted share.accessed");
        assert!(EventTypes::parse([]).is_err());
        assert!(EventTypes::parse(["file.renamed"]).is_err());
    }

    #[test]
    fn secrets_are_keyed_per_webhook_and_signatures_follow_the_documented_scheme() {
        let secret = webhook_secret(b"server secret", "w1", "seed");
        assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
        assert_ne!(secret, webhook_secret(b"other secret", "w1", "seed"));
        assert_ne!(secret, webhook_secret(b"server secret", "w2", "seed"));
        // HMAC-SHA256 with key "key" of "1700000000.{}", computed independently.
        let header = signature("key", 1_700_000_000, "{}");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"1700000000.{}");
        assert_eq!(header, format!("t=1700000000,v1={}", hex(&mac.finalize().into_bytes())));
    }

    #[test]
    fn deliveries_back_off_doubling_up_to_an_hour() {
        assert_eq!((1..=5).map(|a| retry_delay(a, 30)).collect::<Vec<_>>(), [30, 60, 120, 240, 480]);
        assert_eq!(retry_delay(40, 30), 3600);
        assert_eq!(retry_delay(3, 0), 0);
    }
}
