//! The events queue's consumer entry point: reads a batch of messages, has the service
//! write them, and acknowledges them, or has them retried when the write failed.

use super::app;
use crate::domain::events::Event;
use serde_json::json;
use std::cell::RefCell;
use std::collections::HashSet;
use worker::{console_error, console_log, Env, MessageBatch, MessageExt, RawMessage};

thread_local! {
    /// The messages this isolate already had delivered again on purpose
    /// (`TEST_REDELIVER_EVENTS`, tests only).
    static REDELIVERED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// One batch of the `EVENTS` queue: every readable message is written in one D1 batch and
/// then acknowledged; a message that cannot be read is logged and acknowledged (it could
/// never succeed); when the write fails, the batch is retried by the queue, and written at
/// most once however often it comes.
pub async fn queue(batch: MessageBatch<String>, env: Env) {
    let mut readable: Vec<(RawMessage, Event)> = Vec::new();
    for message in batch.raw_iter() {
        match message.body().as_string().map(|text| serde_json::from_str::<Event>(&text)) {
            Some(Ok(event)) => readable.push((message, event)),
            other => {
                let why = match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "not a text message".to_owned(),
                };
                console_error!("{}", json!({ "queue": "events", "dropped": message.id(), "reason": why }));
                message.ack();
            }
        }
    }
    let (messages, events): (Vec<RawMessage>, Vec<Event>) = readable.into_iter().unzip();
    let outcome = match app(&env) {
        Ok(app) => app.consume_events(events).await.map(|report| (report, app.config.redeliver_events_once)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok((report, redeliver_once)) => {
            // Tests only: the batch is written, then delivered once more, as the queue may
            // do whenever an acknowledgement is lost.
            let again = redeliver_once && REDELIVERED.with(|seen| first_time(&mut seen.borrow_mut(), &messages));
            console_log!(
                "{}",
                json!({ "queue": "events", "messages": messages.len(), "visits": report.visits,
                        "new_visits": report.new_visits, "redelivered_on_purpose": again })
            );
            for message in &messages {
                if again {
                    message.retry();
                } else {
                    message.ack();
                }
            }
        }
        Err(e) => {
            let why = e.log_line().unwrap_or_else(|| e.to_string());
            console_error!("{}", json!({ "queue": "events", "messages": messages.len(), "retried": why }));
            messages.iter().for_each(MessageExt::retry);
        }
    }
}

/// Notes `messages` as delivered again; true when none was before.
fn first_time(seen: &mut HashSet<String>, messages: &[RawMessage]) -> bool {
    let ids: Vec<String> = messages.iter().map(MessageExt::id).collect();
    if ids.iter().any(|id| seen.contains(id)) {
        return false;
    }
    seen.extend(ids);
    true
}
