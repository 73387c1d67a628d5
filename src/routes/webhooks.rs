//! Webhooks: `POST /webhooks` creates one (its signing secret is in this answer only),
//! `GET /webhooks` lists them (with why one was disabled), `DELETE /webhooks/{id}`.

use super::request::{read_json, Request};
use super::respond::json;
use crate::domain::webhooks::{EventTypes, WebhookUrl};
use crate::error::ApiError;
use crate::input::{required_str, required_str_list};
use crate::model::Id;
use crate::service::App;
use worker::Response;

/// Reads `{url, events}` and creates the webhook: 201 with it and its secret.
pub async fn create(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let url = WebhookUrl::parse(required_str(&body, "url")?, app.config.webhook_allow_loopback)?;
    let events = EventTypes::parse(required_str_list(&body, "events", "event names")?)?;
    json(201, &app.create_webhook(user, url, events).await?)
}

/// `DELETE /webhooks/{id}`.
pub async fn delete(app: &App, user: &Id, id: &str) -> Result<Response, ApiError> {
    app.delete_webhook(user, &Id::parse(id).ok_or(ApiError::WebhookNotFound)?).await?;
    super::respond::no_content()
}
