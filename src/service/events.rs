//! The events pipeline (Cloudflare Queues, binding `EVENTS`): requests send what can wait
//! (a visit to a share link without a download limit), and the consumer, in this same
//! Worker, writes each queue batch in one D1 batch.

use super::App;
use crate::domain::events::{Event, VisitEvent};
use crate::error::ApiError;
use crate::model::Id;

/// What one consumer batch did, for its log line.
#[derive(Debug, Default)]
pub struct ConsumeReport {
    /// Visits in the batch.
    pub visits: usize,
    /// Visits written now; the others had been written by an earlier delivery.
    pub new_visits: usize,
}

impl App {
    /// Sends `event` to the events queue; an error when this deployment has no `EVENTS`
    /// binding or the queue refused it (the caller then writes at once instead). The body
    /// is the event's JSON text, read back with the same serde rules natively and in wasm.
    pub(super) async fn send_event(&self, event: &Event) -> Result<(), ApiError> {
        let queue = self.events.as_ref().ok_or_else(|| ApiError::Internal("no EVENTS queue binding".into()))?;
        let body = serde_json::to_string(event).map_err(|e| ApiError::Internal(format!("event: {e}")))?;
        queue.send(body).await.map_err(|e| ApiError::Internal(format!("EVENTS queue: {e}")))
    }

    /// Writes one queue batch of events: its visits in one D1 transaction, each at most
    /// once however often the queue delivers it. An error leaves nothing written (the
    /// caller has the batch retried).
    pub async fn consume_events(&self, events: Vec<Event>) -> Result<ConsumeReport, ApiError> {
        let mut visits: Vec<VisitEvent> = events
            .into_iter()
            .map(|event| match event {
                Event::Visit(visit) => visit,
            })
            .collect();
        // Logged in the order they were served, as far as this batch knows it.
        visits.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let tag = Id::generate()?;
        let new_visits = self.db.record_visits(tag.as_str(), &visits, self.access_log(), self.now).await?;
        Ok(ConsumeReport { visits: visits.len(), new_visits })
    }
}
