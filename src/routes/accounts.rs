//! The routes of one's own account and of the admins': changing the password, deleting the
//! account; listing, changing and deleting users; making, listing and revoking invites.

use super::base_url;
use super::request::{caller, header, query_number, query_pairs, query_param, read_json, Request};
use super::respond::{internal, json, no_content};
use crate::db::sessions::SessionKind;
use crate::db::users::UserChange;
use crate::error::ApiError;
use crate::input::{nullable_str, optional_int, required_str};
use crate::model::{Email, Id, Password, Patch};
use crate::service::App;
use crate::session::session_cookie;
use serde_json::Value;
use worker::Response;

/// `POST /auth/password` `{current_password, new_password}`: a new token, every earlier one
/// of the account dead. A web app session gets its new cookie too.
pub async fn change_password(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let current = required_str(&body, "current_password")?;
    let new = Password::parse(required_str(&body, "new_password")?)
        .map_err(|_| ApiError::invalid("new_password", "must be 8 to 1024 characters long"))?;
    // The credential the request came with: a bearer token, or else the web app's cookie.
    let kind = if header(req, "authorization").is_some() { SessionKind::Api } else { SessionKind::Web };
    let (token, ttl) = app.change_password(user, current, new, &caller(req), kind).await?;
    let mut response =
        json(200, &crate::views::TokenView { access_token: token.clone(), token_type: "bearer", expires_in: ttl })?;
    if kind == SessionKind::Web {
        response.headers_mut().set("set-cookie", &session_cookie(&token, ttl)).map_err(internal)?;
    }
    Ok(response)
}

/// `DELETE /auth/me` `{password}`: the account and everything in it.
pub async fn delete_me(req: &mut Request, app: &App, user: &Id) -> Result<(), ApiError> {
    let body = read_json(req, false).await?;
    let password = required_str(&body, "password")?;
    app.delete_me(user, password, &caller(req)).await
}

/// Ids that cannot exist are "no such user", like ids of users that are gone.
fn user_id(raw: &str) -> Result<Id, ApiError> {
    Id::parse(raw).ok_or(ApiError::UserNotFound)
}

/// `GET /admin/users?limit=&cursor=&q=`.
pub async fn users(req: &Request, app: &App, admin: &Id) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    let limit = query_number(&pairs, "limit", 50, 1000)?;
    let cursor = query_param(&pairs, "cursor").filter(|c| !c.is_empty());
    let q = query_param(&pairs, "q").filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.len() > 254) {
        return Err(ApiError::invalid("q", "must be at most 254 bytes long"));
    }
    json(200, &app.admin_users(admin, cursor.as_deref(), q.as_deref(), limit).await?)
}

/// `PATCH /admin/users/{id}` `{quota_bytes?: int|null, disabled?: bool}`.
pub async fn update_user(req: &mut Request, app: &App, admin: &Id, raw_id: &str) -> Result<Response, ApiError> {
    let user = user_id(raw_id)?;
    let body = read_json(req, false).await?;
    let quota_bytes = match body.get("quota_bytes") {
        None => Patch::Keep,
        Some(Value::Null) => Patch::Set(None),
        Some(_) => Patch::Set(optional_int(&body, "quota_bytes", 0..=(i64::MAX >> 11))?),
    };
    let disabled = match body.get("disabled") {
        None => Patch::Keep,
        Some(Value::Bool(disabled)) => Patch::Set(*disabled),
        Some(_) => return Err(ApiError::invalid("disabled", "must be true or false")),
    };
    json(200, &app.change_user(admin, &user, UserChange { quota_bytes, disabled }).await?)
}

/// `DELETE /admin/users/{id}`.
pub async fn delete_user(app: &App, admin: &Id, raw_id: &str) -> Result<Response, ApiError> {
    app.delete_user(admin, &user_id(raw_id)?).await?;
    no_content()
}

/// `POST /admin/invites` `{email?, expires_in?}`.
pub async fn create_invite(req: &mut Request, app: &App, admin: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, true).await?;
    let email = nullable_str(&body, "email")?.map(Email::parse).transpose()?;
    let expires_in = optional_int(&body, "expires_in", 1..=i64::MAX)?.map(|s| s as u64);
    let base = base_url(req, &app.config)?;
    json(201, &app.create_invite(admin, email, expires_in, &base).await?)
}

/// `DELETE /admin/invites/{id}`.
pub async fn revoke_invite(app: &App, admin: &Id, raw_id: &str) -> Result<Response, ApiError> {
    let invite = Id::parse(raw_id).ok_or(ApiError::InviteNotFound)?;
    app.revoke_invite(admin, &invite).await?;
    no_content()
}
