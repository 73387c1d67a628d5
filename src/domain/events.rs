//! The events pipeline's messages: what a request sends to the `EVENTS` queue for the
//! consumer to write later (see `service/events.rs`), in the JSON the queue carries.

use serde::{Deserialize, Serialize};

/// One message of the `EVENTS` queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// A visit to a share link without a download limit, to log and (if it got the file) count.
    #[serde(rename = "share.visit")]
    Visit(VisitEvent),
}

/// A visit to a share link, as the request that served it saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitEvent {
    /// Random, chosen by the request: the consumer writes each id once, however often the
    /// queue delivers it.
    pub id: String,
    pub share_id: String,
    /// When the visit was served (Unix ms).
    pub at: i64,
    /// The client's pseudonym (never the address).
    pub ip_hash: String,
    pub user_agent: String,
    pub outcome: VisitOutcome,
}

/// What a visit got, as its access log entry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// The download URL: one more download.
    Ok,
    /// The link had expired, or its owner is disabled.
    Expired,
    /// The link has a password and the visit gave none.
    PasswordRequired,
}

impl VisitOutcome {
    /// The outcome as `share_accesses.outcome` stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            VisitOutcome::Ok => "ok",
            VisitOutcome::Expired => "expired",
            VisitOutcome::PasswordRequired => "password_required",
        }
    }

    /// Whether the visit adds one to the link's download count.
    pub fn counts(self) -> bool {
        self == VisitOutcome::Ok
    }
}

/// How long the consumer remembers a visit it wrote (its receipt), in milliseconds: far
/// longer than the queue's retries of a batch take, so a redelivered visit still finds it.
pub const RECEIPT_RETENTION_MILLIS: i64 = 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_travels_as_tagged_json_and_comes_back_the_same() {
        let visit = Event::Visit(VisitEvent {
            id: "v1".into(),
            share_id: "s1".into(),
            at: 1_700_000_000_000,
            ip_hash: "ab".into(),
            user_agent: "curl/8".into(),
            outcome: VisitOutcome::PasswordRequired,
        });
        let text = serde_json::to_string(&visit).unwrap();
        assert!(
            text.contains(r#""type":"share.visit""#) && text.contains(r#""outcome":"password_required""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), visit);
        assert!(serde_json::from_str::<Event>(r#"{"type":"share.other"}"#).is_err());
    }

    #[test]
    fn only_a_visit_that_got_the_file_counts() {
        assert!(VisitOutcome::Ok.counts());
        assert!(!VisitOutcome::Expired.counts() && !VisitOutcome::PasswordRequired.counts());
        assert_eq!(VisitOutcome::Expired.as_str(), "expired");
    }
}
