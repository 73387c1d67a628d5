//! The routes of share links: the owner's (create, change, list, revoke, access log) and
//! the public ones (open a link, with a password if it has one, as JSON, a redirect, or a
//! landing page for browsers).

use super::base_url;
use super::request::{
    caller, is_form, query_number, query_pairs, query_param, read_json, read_json_or_form, wants_html, wants_json,
};
use super::respond::{html, json, redirect};
use crate::error::ApiError;
use crate::input::{nullable_str, optional_int, patch_field, patch_int, Object};
use crate::model::{Id, Password, Patch};
use crate::service::{App, Landing};
use crate::share_page::{render, SharePage};
use worker::{Request, Response};

fn password_field(body: &Object) -> Result<Option<Password>, ApiError> {
    nullable_str(body, "password")?.map(Password::parse).transpose()
}

/// The largest `expires_in` a request may carry; the deployment's maximum is the service's
/// to check, so that the rule lives in one place.
const ANY_SECONDS: std::ops::RangeInclusive<i64> = 1..=i64::MAX;
/// A download limit: at least one, and no more than a counter can hold.
const DOWNLOADS: std::ops::RangeInclusive<i64> = 1..=u32::MAX as i64;

/// `POST /files/{id}/share` with optional `{expires_in, max_downloads, password}`.
pub async fn create(req: &mut Request, app: &App, user: &Id, file: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, true).await?;
    let expires_in = optional_int(&body, "expires_in", ANY_SECONDS)?.map(|s| s as u64);
    let max_downloads = optional_int(&body, "max_downloads", DOWNLOADS)?;
    let password = password_field(&body)?;
    let base = base_url(req, &app.config)?;
    json(201, &app.create_share(user, file, expires_in, max_downloads, password, &base).await?)
}

/// `PATCH /files/{id}/shares/{share_id}`: absent fields stay, null removes a limit or the password.
pub async fn update(req: &mut Request, app: &App, user: &Id, file: &Id, share: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let expires_in = match patch_int(&body, "expires_in", ANY_SECONDS)? {
        Patch::Keep => Patch::Keep,
        Patch::Set(seconds) => Patch::Set(seconds.map(|s| s as u64)),
    };
    let max_downloads = patch_int(&body, "max_downloads", DOWNLOADS)?;
    let password = patch_field(&body, "password", |value| {
        value
            .as_str()
            .ok_or_else(|| ApiError::invalid("password", "must be a string or null"))
            .and_then(Password::parse)
    })?;
    json(200, &app.update_share(user, file, share, expires_in, max_downloads, password).await?)
}

/// `GET /files/{id}/shares/{share_id}/accesses?cursor=&limit=`.
pub async fn accesses(req: &Request, app: &App, user: &Id, file: &Id, share: &Id) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    let limit = query_number(&pairs, "limit", 50, 1000)?;
    let cursor = query_param(&pairs, "cursor").filter(|c| !c.is_empty());
    json(200, &app.share_accesses(user, file, share, cursor.as_deref(), limit).await?)
}

fn page(app: &App, status: u16, page: &SharePage<'_>) -> Result<Response, ApiError> {
    html(status, &render(page), &crate::web::share_page_csp(&app.config.bucket.endpoint))
}

/// `GET /share/{token}`: a browser gets the landing page (counting nothing); any other
/// client gets the download, as JSON or a redirect.
pub async fn resolve(req: &Request, app: &App, token: &str) -> Result<Response, ApiError> {
    if wants_html(req) {
        return landing(app, token, None, 200).await;
    }
    let shared = app.resolve_share(token, None, &caller(req)).await?;
    if wants_json(req) {
        json(200, &shared)
    } else {
        redirect(302, &shared.url)
    }
}

async fn landing(app: &App, token: &str, error: Option<&str>, status: u16) -> Result<Response, ApiError> {
    match app.share_landing(token).await? {
        Landing::Ready { name, size } => page(app, status, &SharePage::Ready { token, name: &name, size, error }),
        Landing::Locked => page(app, status, &SharePage::Locked { token, error }),
        Landing::Gone => page(app, 410, &SharePage::Gone),
        Landing::Missing => page(app, 404, &SharePage::Missing),
    }
}

/// `POST /share/{token}` with `{password}` (JSON or the landing page's form): resolves it
/// like `GET`. The form gets a 303 to the download, or the page again with the error.
pub async fn unlock(req: &mut Request, app: &App, token: &str) -> Result<Response, ApiError> {
    let from_form = is_form(req);
    let body = read_json_or_form(req).await?;
    let password = nullable_str(&body, "password")?.filter(|p| !p.is_empty());
    let result = app.resolve_share(token, password, &caller(req)).await;
    if from_form {
        return match result {
            Ok(shared) => redirect(303, &shared.url),
            Err(ApiError::InvalidSharePassword) => landing(app, token, Some("Wrong password. Try again."), 401).await,
            Err(ApiError::SharePasswordRequired) => landing(app, token, Some("Enter the password."), 401).await,
            Err(ApiError::RateLimited { retry_after }) => {
                let message = format!("Too many wrong passwords. Try again in {} minutes.", retry_after.div_ceil(60));
                landing(app, token, Some(&message), 429).await
            }
            Err(ApiError::ShareExpired) => page(app, 410, &SharePage::Gone),
            Err(ApiError::ShareNotFound) => page(app, 404, &SharePage::Missing),
            Err(e) => Err(e),
        };
    }
    let shared = result?;
    if wants_json(req) {
        json(200, &shared)
    } else {
        redirect(302, &shared.url)
    }
}
