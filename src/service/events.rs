//! The events pipeline (Cloudflare Queues, binding `EVENTS`): requests send what can wait
//! (a visit to a share link without a download limit, an event for webhooks), and the
//! consumer, in this same Worker, writes each queue batch's visits in one D1 batch and
//! sends webhook deliveries.

use super::App;
use crate::domain::events::{Delivery, Event, Outbox, VisitEvent, OUTBOX_WINDOW_MILLIS};
use crate::domain::webhooks::NOTICE_RESEND_MILLIS;
use crate::error::ApiError;
use crate::model::Id;
use serde_json::json;
use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    /// The visits this isolate answered and has not sent to the queue yet.
    static OUTBOX: RefCell<Outbox> = RefCell::new(Outbox::default());
}

/// What one consumer batch of visits did, for its log line.
#[derive(Debug, Default)]
pub struct ConsumeReport {
    /// Visits in the batch.
    pub visits: usize,
    /// Visits written now; the others had been written by an earlier delivery.
    pub new_visits: usize,
    /// Webhook deliveries queued for the new visits.
    pub deliveries: usize,
}

impl App {
    /// Sends `event` to the events queue; an error when this deployment has no `EVENTS`
    /// binding or the queue refused it. The body is the event's JSON text, read back with
    /// the same serde rules natively and in wasm.
    pub(super) async fn send_event(&self, event: &Event) -> Result<(), ApiError> {
        self.send_event_after(event, 0).await
    }

    /// Sends `event` to the events queue, to be delivered `delay_seconds` from now.
    pub(super) async fn send_event_after(&self, event: &Event, delay_seconds: u32) -> Result<(), ApiError> {
        let queue = self.events.as_ref().ok_or_else(|| ApiError::Internal("no EVENTS queue binding".into()))?;
        let body = serde_json::to_string(event).map_err(|e| ApiError::Internal(format!("event: {e}")))?;
        let message = worker::MessageBuilder::new(body).delay_seconds(delay_seconds).build();
        queue.send(message).await.map_err(|e| ApiError::Internal(format!("EVENTS queue: {e}")))
    }

    /// Puts a visit this request answered in the isolate's outbox, to be sent to the queue
    /// with the others of its window; the first of a window makes the request owe the flush.
    pub(super) fn defer_visit(&self, visit: VisitEvent) {
        if OUTBOX.with(|outbox| outbox.borrow_mut().push(visit, self.now)) {
            self.flush_owed.set(true);
        }
    }

    /// Waits out the outbox's window, then sends the visits gathered in it to the queue, in
    /// as few sends as the queue allows (run after the answer, in `waitUntil`). A send the
    /// queue refuses is written to D1 at once instead, by the consumer's own write (each
    /// visit at most once, so a send that failed after it landed counts nothing twice); a
    /// visit is lost only when both fail, and that is logged.
    pub async fn flush_outbox(&self) {
        worker::Delay::from(Duration::from_millis(OUTBOX_WINDOW_MILLIS)).await;
        for visits in OUTBOX.with(|outbox| outbox.borrow_mut().take()) {
            if let Err(queued) = self.send_visits(&visits).await {
                let count = visits.len();
                let written = self.consume_visits(visits).await;
                let (level, outcome) = match &written {
                    Ok(_) => ("warning", "written at once".to_owned()),
                    Err(e) => ("error", format!("lost: {}", e.log_line().unwrap_or_else(|| e.to_string()))),
                };
                worker::console_error!(
                    "{}",
                    json!({ "level": level, "outbox": outcome, "visits": count, "queue_error": queued.to_string() })
                );
            }
        }
    }

    /// Sends `visits` to the events queue in one send (at most the queue's batch limit).
    async fn send_visits(&self, visits: &[VisitEvent]) -> Result<(), ApiError> {
        let events: Vec<Event> = visits.iter().cloned().map(Event::Visit).collect();
        self.send_events(&events).await
    }

    /// Sends `events` to the events queue in one send (at most `QUEUE_BATCH_MAX` of them).
    pub(super) async fn send_events(&self, events: &[Event]) -> Result<(), ApiError> {
        let queue = self.events.as_ref().ok_or_else(|| ApiError::Internal("no EVENTS queue binding".into()))?;
        let bodies = events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| ApiError::Internal(format!("event: {e}")))?;
        queue.send_batch(bodies).await.map_err(|e| ApiError::Internal(format!("EVENTS queue: {e}")))
    }

    /// Writes one queue batch of visits in one D1 transaction, each at most once however
    /// often the queue delivers it, then queues a `share.accessed` delivery for each webhook
    /// that hears of a new one. The same transaction keeps a notice of each such visit, which
    /// is forgotten once all its deliveries are queued; a delivery that cannot be queued (or a
    /// consumer that dies first) leaves its notice to the sweeper. An error leaves nothing
    /// written (the caller has the batch retried).
    pub async fn consume_visits(&self, mut visits: Vec<VisitEvent>) -> Result<ConsumeReport, ApiError> {
        // Logged in the order they were served, as far as this batch knows it.
        visits.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let tag = Id::generate()?;
        let notices_due_at = self.now + NOTICE_RESEND_MILLIS;
        let recorded =
            self.db.record_visits(tag.as_str(), &visits, self.access_log(), self.now, notices_due_at).await?;
        let mut deliveries = 0;
        let mut unsent: Vec<&str> = Vec::new();
        for subscriber in &recorded.subscribers {
            let Some(visit) = visits.iter().find(|v| v.id == subscriber.visit_id) else { continue };
            let delivery = Delivery {
                webhook_id: subscriber.webhook_id.clone(),
                event: "share.accessed".to_owned(),
                payload: visit.accessed_payload(),
                first_tried_at: None,
                attempt: 0,
            };
            match self.send_event(&Event::Delivery(delivery)).await {
                Ok(()) => deliveries += 1,
                Err(e) => {
                    unsent.push(visit.id.as_str());
                    worker::console_error!(
                        "{}",
                        json!({ "webhooks": "delivery not queued; its notice is left to the sweeper", "error": e.to_string() })
                    );
                }
            }
        }
        let delivered: Vec<&str> =
            recorded.kept_notices.iter().map(String::as_str).filter(|id| !unsent.contains(id)).collect();
        if let Err(e) = self.db.forget_notices(&delivered).await {
            // Each is sent again by the sweeper: a receiver drops the repeat by its id.
            let why = e.log_line().unwrap_or_else(|| e.to_string());
            worker::console_error!("{}", json!({ "webhooks": "delivered notices not forgotten", "error": why }));
        }
        Ok(ConsumeReport { visits: visits.len(), new_visits: recorded.new_visits, deliveries })
    }

    /// One message that is not a visit: a notice fans out to its webhooks, a delivery is
    /// tried. An error has the message retried.
    pub async fn handle_event(&self, event: &Event) -> Result<(), ApiError> {
        match event {
            Event::Visit(visit) => self.consume_visits(vec![visit.clone()]).await.map(drop),
            Event::Notice(notice) => self.fan_out(notice).await,
            Event::Delivery(delivery) => self.deliver(delivery).await.map(drop),
        }
    }
}
