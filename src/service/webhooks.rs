//! Webhooks: an account's subscriptions (create, list, delete), telling them of events
//! (through the events queue), and delivering: a signed POST with a 10 s timeout, retried
//! with backoff through the queue for `WEBHOOK_RETRY_HOURS`, then the webhook disabled.

use super::App;
use crate::db::notices::{NewNotice, NoticeRow};
use crate::db::webhooks::NewWebhook;
use crate::domain::events::{payload, Delivery, Event, Notice, QUEUE_BATCH_MAX};
use crate::domain::webhooks::{
    retry_delay, signature, webhook_secret, EventType, EventTypes, WebhookUrl, DELIVERY_TIMEOUT_SECONDS, MAX_WEBHOOKS,
    NOTICE_KEEP_MIN_MILLIS, NOTICE_RESEND_MILLIS,
};
use crate::error::ApiError;
use crate::model::{hex, Id};
use crate::views::{WebhookList, WebhookView};
use futures_util::future::{select, Either};
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// Kept notices past their keeping time dropped per sweep (one indexed delete).
const NOTICE_DROP_BATCH: i64 = 1000;

/// What became of one try of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// The receiver answered 2xx.
    Yes,
    /// It failed; the next try is queued.
    Retrying,
    /// It failed for too long: the webhook is now disabled.
    Disabled,
    /// The webhook is gone or disabled: nothing was sent.
    Dropped,
}

impl App {
    /// Creates a webhook of the user's; its signing secret is shown only here.
    pub async fn create_webhook(
        &self,
        owner: &Id,
        url: WebhookUrl,
        events: EventTypes,
    ) -> Result<WebhookView, ApiError> {
        if self.events.is_none() {
            // Deliveries go through the queue: a webhook here could never hear anything.
            return Err(ApiError::Config("webhooks need the EVENTS queue binding (see wrangler.toml)".into()));
        }
        let id = Id::generate()?;
        let seed = hex(&crate::random::bytes::<16>()?);
        let new = NewWebhook {
            id: id.as_str(),
            owner,
            url: url.as_str(),
            events: &events.stored(),
            secret_seed: &seed,
            now: self.now,
            max_per_owner: MAX_WEBHOOKS,
        };
        let row = self
            .db
            .create_webhook(new)
            .await?
            .ok_or_else(|| ApiError::invalid("url", format!("an account has at most {MAX_WEBHOOKS} webhooks")))?;
        let mut view = WebhookView::from(row);
        view.secret = Some(webhook_secret(self.config.secret_key.expose(), id.as_str(), &seed));
        Ok(view)
    }

    /// The user's webhooks, without their secrets.
    pub async fn webhooks(&self, owner: &Id) -> Result<WebhookList, ApiError> {
        Ok(WebhookList { items: self.db.webhooks_of(owner).await?.into_iter().map(WebhookView::from).collect() })
    }

    /// Deletes one of the user's webhooks: no delivery is tried for it from then on.
    pub async fn delete_webhook(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
        self.db.delete_webhook(owner, id).await
    }

    /// A notice of `event` for the webhooks of `owner`, to keep in the transaction that makes
    /// the event (see `db::notices`); `None` without an events queue, where no webhook can
    /// hear anything. `id` and `data` (the payload's `data`, JSON) are the caller's.
    pub(super) fn notice<'a>(
        &self,
        owner: &'a str,
        event: EventType,
        id: &'a str,
        data: &'a str,
    ) -> Option<NewNotice<'a>> {
        let due_at = self.notice_due_at()?;
        Some(NewNotice { id, owner, event: event.as_str(), data, at: self.now, due_at })
    }

    /// When a notice kept now is due for the sweeper, should nobody send it meanwhile;
    /// `None` without an events queue, where no notice is kept.
    pub(super) fn notice_due_at(&self) -> Option<i64> {
        self.events.as_ref().map(|_| self.now + NOTICE_RESEND_MILLIS)
    }

    /// Sends the notices a transaction kept to the queue at once (their transaction landed);
    /// the consumer forgets each once it has queued its deliveries. Never the request's
    /// failure: a notice the queue refuses is made due for the next sweep, which sends it.
    pub(super) async fn announce(&self, kept: Vec<NoticeRow>) {
        let ids: Vec<String> = kept.iter().map(|row| row.id.clone()).collect();
        let events: Vec<Event> = kept.into_iter().filter_map(kept_event).collect();
        if events.is_empty() {
            return;
        }
        let sent = if self.config.refuse_notices {
            Err(ApiError::Internal("refused on purpose (TEST_REFUSE_NOTICES)".into()))
        } else {
            self.send_events(&events).await
        };
        if let Err(refused) = sent {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let due = self.db.notices_due_now(&ids, self.now).await;
            worker::console_warn!(
                "{}",
                serde_json::json!({ "webhooks": "notices left for the sweeper", "notices": ids.len(),
                                    "queue_error": refused.to_string(), "made_due": due.is_ok() })
            );
        }
    }

    /// The consumer's part of a notice: one delivery queued for each webhook that hears it,
    /// then the notice forgotten if it was kept.
    pub async fn fan_out(&self, notice: &Notice) -> Result<(), ApiError> {
        let hooks = self.db.subscribers(notice.owner_id.as_deref(), notice.share_id.as_deref(), &notice.event).await?;
        for webhook_id in hooks {
            let delivery = Delivery {
                webhook_id,
                event: notice.event.clone(),
                payload: notice.payload.clone(),
                first_tried_at: None,
                attempt: 0,
            };
            self.send_event(&Event::Delivery(delivery)).await?;
        }
        match &notice.kept {
            Some(id) => self.db.forget_notices(&[id.as_str()]).await,
            None => Ok(()),
        }
    }

    /// The sweeper's part: drops the kept notices past their keeping time, then sends up to
    /// `limit` of the ones due to the queue, a hundred a send (each now held by this sweep
    /// for `NOTICE_RESEND_MILLIS`, so what a failed send carried is tried by a later sweep).
    /// Returns how many were sent and how many dropped. Without a queue nothing is kept.
    pub(super) async fn send_kept_notices(&self, limit: i64) -> Result<(usize, usize), ApiError> {
        if self.events.is_none() {
            return Ok((0, 0));
        }
        let kept_since = self.now.saturating_sub(self.config.webhook_retry_millis.max(NOTICE_KEEP_MIN_MILLIS));
        let dropped = self.db.drop_stale_notices(kept_since, NOTICE_DROP_BATCH).await?;
        let claimed = self.db.claim_due_notices(self.now, kept_since, NOTICE_RESEND_MILLIS, limit).await?;
        let notices: Vec<Event> = claimed.into_iter().filter_map(kept_event).collect();
        let mut sent = 0;
        for batch in notices.chunks(QUEUE_BATCH_MAX) {
            match self.send_events(batch).await {
                Ok(()) => sent += batch.len(),
                Err(e) => worker::console_error!(
                    "{}",
                    serde_json::json!({ "webhooks": "kept notices not sent, tried again later", "notices": batch.len(),
                                        "error": e.to_string() })
                ),
            }
        }
        Ok((sent, dropped))
    }

    /// One try of a delivery: the signed POST; on failure the next try is queued after the
    /// backoff, or, once the first try is `WEBHOOK_RETRY_HOURS` old, the webhook disabled
    /// with the reason. An error (D1 or the queue failing) has the message retried.
    pub async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ApiError> {
        let target = match self.db.delivery_target(&delivery.webhook_id).await? {
            Some(target) if target.disabled_at.is_none() => target,
            _ => return Ok(Delivered::Dropped),
        };
        let failure = match WebhookUrl::parse(&target.url, self.config.webhook_allow_loopback) {
            // The rules may have tightened since the URL was stored.
            Err(_) => "the URL is no longer allowed".to_owned(),
            Ok(url) => {
                let secret = webhook_secret(self.config.secret_key.expose(), &delivery.webhook_id, &target.secret_seed);
                match post(url.as_str(), &secret, delivery, self.now_seconds()).await {
                    Ok(()) => return Ok(Delivered::Yes),
                    Err(why) => why,
                }
            }
        };
        let first_tried_at = delivery.first_tried_at.unwrap_or(self.now);
        if self.now.saturating_sub(first_tried_at) >= self.config.webhook_retry_millis {
            let hours = self.config.webhook_retry_millis as f64 / 3_600_000.0;
            let reason = format!("deliveries failed for {hours} h; the last: {failure}");
            self.db.disable_webhook(&delivery.webhook_id, self.now, &reason).await?;
            return Ok(Delivered::Disabled);
        }
        let next = Delivery { first_tried_at: Some(first_tried_at), attempt: delivery.attempt + 1, ..delivery.clone() };
        let delay = retry_delay(next.attempt, self.config.webhook_retry_base_seconds);
        self.send_event_after(&Event::Delivery(next), u32::try_from(delay).unwrap_or(u32::MAX)).await?;
        Ok(Delivered::Retrying)
    }
}

/// The queue message of a kept notice (`None`, logged, when its data is unreadable, which
/// only a hand-edited row could be).
fn kept_event(row: NoticeRow) -> Option<Event> {
    match serde_json::from_str(&row.data) {
        Ok(data) => Some(Event::Notice(Notice {
            owner_id: Some(row.owner_id),
            share_id: None,
            payload: payload(&row.id, &row.event, row.at, data),
            event: row.event,
            kept: Some(row.id),
        })),
        Err(e) => {
            worker::console_error!(
                "{}",
                serde_json::json!({ "webhooks": "kept notice unreadable", "id": row.id, "error": e.to_string() })
            );
            None
        }
    }
}

/// POSTs the delivery's payload, signed, without following redirects (a redirect could
/// lead anywhere); fails on anything but a 2xx within the timeout.
async fn post(url: &str, secret: &str, delivery: &Delivery, now_seconds: i64) -> Result<(), String> {
    let headers = Headers::new();
    let header = |name: &str, value: &str| headers.set(name, value).map_err(|e| format!("header {name}: {e}"));
    header("content-type", "application/json")?;
    header("user-agent", "edgedrop-webhooks/1")?;
    header("edgedrop-event", &delivery.event)?;
    header("edgedrop-delivery-attempt", &(delivery.attempt + 1).to_string())?;
    header("edgedrop-signature", &signature(secret, now_seconds, &delivery.payload))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&delivery.payload)))
        .with_redirect(RequestRedirect::Manual);
    let request = Request::new_with_init(url, &init).map_err(|e| format!("cannot send to the URL: {e}"))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = std::pin::pin!(fetch.send_with_signal(&signal));
    let timeout = std::pin::pin!(Delay::from(Duration::from_secs(DELIVERY_TIMEOUT_SECONDS)));
    match select(sending, timeout).await {
        Either::Left((Ok(response), _)) if (200..300).contains(&response.status_code()) => Ok(()),
        Either::Left((Ok(response), _)) => Err(format!("HTTP {}", response.status_code())),
        Either::Left((Err(e), _)) => Err(format!("no connection: {e}")),
        Either::Right(_) => {
            controller.abort();
            Err(format!("no answer within {DELIVERY_TIMEOUT_SECONDS} s"))
        }
    }
}
