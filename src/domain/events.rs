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
    /// Something happened that an account's webhooks may hear.
    #[serde(rename = "webhook.notice")]
    Notice(Notice),
    /// One try of sending an event to one webhook.
    #[serde(rename = "webhook.delivery")]
    Delivery(Delivery),
}

/// An event of an account, for its webhooks: the consumer finds who hears it and sends a
/// [`Delivery`] to each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The account, or (when the request did not know it) the share link whose owner it is.
    pub owner_id: Option<String>,
    pub share_id: Option<String>,
    /// The event's name (`file.uploaded`, …).
    pub event: String,
    /// The body every webhook receives, exactly as signed ([`payload`]).
    pub payload: String,
}

/// One try of sending `payload` to webhook `webhook_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub webhook_id: String,
    pub event: String,
    pub payload: String,
    /// When the first try was made (Unix ms): retries stop a day after it.
    pub first_tried_at: Option<i64>,
    /// Tries made before this one.
    pub attempt: u32,
}

/// The JSON body of a webhook delivery: `{id, type, created_at, data}`; `id` is the same
/// on every try, so receivers can drop repeats.
pub fn payload(id: &str, event: &str, at: i64, data: serde_json::Value) -> String {
    serde_json::json!({ "id": id, "type": event, "created_at": crate::model::rfc3339(at), "data": data }).to_string()
}

impl VisitEvent {
    /// The `share.accessed` body of this visit, for a webhook of the link's owner: the
    /// file, the link, the outcome and the time, never the visitor's address.
    pub fn accessed_payload(&self, file_id: &str) -> String {
        let data =
            serde_json::json!({ "file_id": file_id, "share_id": self.share_id, "outcome": self.outcome.as_str() });
        payload(&self.id, "share.accessed", self.at, data)
    }
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
    fn a_share_accessed_body_names_the_file_link_and_outcome_and_never_the_visitor() {
        let visit = VisitEvent {
            id: "v1".into(),
            share_id: "s1".into(),
            at: 0,
            ip_hash: "secret-pseudonym".into(),
            user_agent: "curl/8".into(),
            outcome: VisitOutcome::Ok,
        };
        let body: serde_json::Value = serde_json::from_str(&visit.accessed_payload("f1")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "id": "v1", "type": "share.accessed", "created_at": "1970-01-01T00:00:00.000Z",
                                "data": { "file_id": "f1", "share_id": "s1", "outcome": "ok" } })
        );
    }

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
