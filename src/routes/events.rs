//! The events queue's consumer entry point: reads a batch of messages, has the service
//! write them, and acknowledges them, or has them retried when the write failed.

use super::app;
use crate::domain::events::{Event, VisitEvent};
use crate::service::App;
use serde_json::json;
use std::cell::RefCell;
use std::collections::HashSet;
use worker::{console_error, console_log, Env, MessageBatch, MessageExt, RawMessage};

thread_local! {
    /// The messages this isolate already had delivered again on purpose
    /// (`TEST_REDELIVER_EVENTS`, tests only).
    static REDELIVERED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// One batch of the `EVENTS` queue: its visits are written in one D1 batch and then
/// acknowledged (retried together when the write fails, and written at most once however
/// often they come); each other message (a webhook notice or delivery) is handled on its
/// own, beside them, and acknowledged or retried alone; a message that cannot be read is
/// logged and acknowledged (it could never succeed).
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
    let app = match app(&env) {
        Ok(app) => app,
        Err(e) => {
            console_error!(
                "{}",
                json!({ "queue": "events", "retried": e.log_line().unwrap_or_else(|| e.to_string()) })
            );
            readable.iter().for_each(|(message, _)| message.retry());
            return;
        }
    };
    let (visits, others): (Vec<_>, Vec<_>) = readable.into_iter().partition(|(_, e)| matches!(e, Event::Visit(_)));
    let (visit_messages, visits): (Vec<RawMessage>, Vec<VisitEvent>) = visits
        .into_iter()
        .filter_map(|(message, event)| match event {
            Event::Visit(visit) => Some((message, visit)),
            _ => None,
        })
        .unzip();
    let (_, handled) = futures_util::future::join(
        consume_visits(&app, &visit_messages, visits),
        futures_util::future::join_all(others.iter().map(|(_, event)| app.handle_event(event))),
    )
    .await;
    for ((message, event), outcome) in others.iter().zip(handled) {
        match outcome {
            Ok(()) => message.ack(),
            Err(e) => {
                let kind = match event {
                    Event::Notice(_) => "notice",
                    _ => "delivery",
                };
                let why = e.log_line().unwrap_or_else(|| e.to_string());
                console_error!("{}", json!({ "queue": "events", "retried": kind, "error": why }));
                message.retry();
            }
        }
    }
}

/// The batch's visits, written together; acknowledged, or retried when the write failed.
async fn consume_visits(app: &App, messages: &[RawMessage], visits: Vec<VisitEvent>) {
    if visits.is_empty() {
        return;
    }
    match app.consume_visits(visits).await {
        Ok(report) => {
            // Tests only: the batch is written, then delivered once more, as the queue may
            // do whenever an acknowledgement is lost.
            let again = app.config.redeliver_events_once
                && REDELIVERED.with(|seen| first_time(&mut seen.borrow_mut(), messages));
            console_log!(
                "{}",
                json!({ "queue": "events", "visits": report.visits, "new_visits": report.new_visits,
                        "deliveries": report.deliveries, "redelivered_on_purpose": again,
                        "d1_round_trips": app.db.usage().round_trips, "d1_rows_written": app.db.usage().rows_written })
            );
            for message in messages {
                if again {
                    message.retry();
                } else {
                    message.ack();
                }
            }
        }
        Err(e) => {
            let why = e.log_line().unwrap_or_else(|| e.to_string());
            console_error!("{}", json!({ "queue": "events", "visits": messages.len(), "retried": why }));
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
