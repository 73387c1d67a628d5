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
    /// The id of the notice's row in `notices`, when it is kept there: forgotten once a
    /// delivery of it to each webhook is queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
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
    pub fn accessed_payload(&self) -> String {
        let data =
            serde_json::json!({ "file_id": self.file_id, "share_id": self.share_id, "outcome": self.outcome.as_str() });
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
    /// The file the visit got (of a one-file link, or one a collection holds).
    #[serde(default)]
    pub file_id: Option<String>,
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

/// How long an isolate gathers visits before it sends them to the queue together, in
/// milliseconds: one queue send per window instead of one per visit, and still a count the
/// owner sees within seconds.
pub const OUTBOX_WINDOW_MILLIS: u64 = 50;

/// The most messages one queue send carries (Cloudflare Queues' `sendBatch` limit).
pub const QUEUE_BATCH_MAX: usize = 100;

/// How long a scheduled flush may be overdue before the next visit schedules another: a
/// flush whose request was cancelled before it ran must not leave the outbox waiting forever.
pub const OUTBOX_STALE_MILLIS: i64 = 10_000;

/// The visits an isolate has answered and not yet sent to the queue. The first visit of a
/// window owes the flush (its request sends the window's visits after answering, in
/// `waitUntil`); the visits that arrive meanwhile join it.
#[derive(Debug, Default)]
pub struct Outbox {
    pending: Vec<VisitEvent>,
    /// When the waiting flush was scheduled (Unix ms), if one is.
    flush_scheduled_at: Option<i64>,
}

impl Outbox {
    /// Adds `visit`, answered at `now`; true when the caller must schedule the flush: none
    /// is waiting, or the one waiting is long overdue (its request never ran it).
    pub fn push(&mut self, visit: VisitEvent, now: i64) -> bool {
        self.pending.push(visit);
        let owed = self.flush_scheduled_at.is_none_or(|at| now - at > OUTBOX_STALE_MILLIS);
        if owed {
            self.flush_scheduled_at = Some(now);
        }
        owed
    }

    /// Every visit gathered so far, in sends of at most [`QUEUE_BATCH_MAX`]. The window is
    /// over: the next visit owes a new flush.
    pub fn take(&mut self) -> Vec<Vec<VisitEvent>> {
        self.flush_scheduled_at = None;
        let mut sends = Vec::new();
        let mut pending = std::mem::take(&mut self.pending).into_iter().peekable();
        while pending.peek().is_some() {
            sends.push(pending.by_ref().take(QUEUE_BATCH_MAX).collect());
        }
        sends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_accessed_body_names_the_file_link_and_outcome_and_never_the_visitor() {
        let visit = VisitEvent {
            id: "v1".into(),
            share_id: "s1".into(),
            file_id: Some("f1".into()),
            at: 0,
            ip_hash: "secret-pseudonym".into(),
            user_agent: "curl/8".into(),
            outcome: VisitOutcome::Ok,
        };
        let body: serde_json::Value = serde_json::from_str(&visit.accessed_payload()).unwrap();
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
            file_id: None,
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

    fn visit(id: usize) -> VisitEvent {
        VisitEvent {
            id: format!("v{id}"),
            share_id: "s1".into(),
            file_id: None,
            at: 0,
            ip_hash: String::new(),
            user_agent: String::new(),
            outcome: VisitOutcome::Ok,
        }
    }

    #[test]
    fn the_first_visit_of_a_window_owes_the_flush_and_the_others_join_it() {
        let mut outbox = Outbox::default();
        assert!(outbox.push(visit(1), 0));
        assert!(!outbox.push(visit(2), 10) && !outbox.push(visit(3), 40));
        let sends = outbox.take();
        assert_eq!(sends.len(), 1);
        assert_eq!(sends[0].iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["v1", "v2", "v3"]);
        assert!(outbox.take().is_empty(), "taken visits are gone");
        assert!(outbox.push(visit(4), 60), "a visit after the flush owes the next one");
    }

    #[test]
    fn a_flush_that_never_ran_is_replaced_once_it_is_long_overdue() {
        let mut outbox = Outbox::default();
        assert!(outbox.push(visit(1), 0));
        assert!(!outbox.push(visit(2), OUTBOX_STALE_MILLIS), "not yet overdue");
        assert!(outbox.push(visit(3), OUTBOX_STALE_MILLIS + 1), "its request was cancelled: a new flush is owed");
        assert!(!outbox.push(visit(4), OUTBOX_STALE_MILLIS + 2));
        assert_eq!(outbox.take().concat().len(), 4, "the new flush sends every visit still waiting");
    }

    #[test]
    fn a_full_window_goes_out_in_sends_of_at_most_the_queues_batch_limit() {
        let mut outbox = Outbox::default();
        (0..2 * QUEUE_BATCH_MAX + 1).for_each(|i| {
            outbox.push(visit(i), 0);
        });
        let sizes: Vec<usize> = outbox.take().iter().map(Vec::len).collect();
        assert_eq!(sizes, [QUEUE_BATCH_MAX, QUEUE_BATCH_MAX, 1]);
    }

    #[test]
    fn only_a_visit_that_got_the_file_counts() {
        assert!(VisitOutcome::Ok.counts());
        assert!(!VisitOutcome::Expired.counts() && !VisitOutcome::PasswordRequired.counts());
        assert_eq!(VisitOutcome::Expired.as_str(), "expired");
    }
}
