//! HTTP in and out: each route turns a request into validated values, calls one domain
//! operation, and renders its result (or the error's problem document).

mod files;
mod request;
mod respond;
mod shares;

use crate::config::Config;
use crate::database::Db;
use crate::error::ApiError;
use crate::input::required_str;
use crate::model::{Email, Id, Password};
use crate::router::{route, Route};
use crate::service::App;
use request::{caller, header, read_json, read_login};
use respond::{html, internal, json};
use worker::{console_error, console_log, Env, Request, Response};

const OPENAPI: &str = include_str!("../../openapi.json");
const DOCS_PAGE: &str = include_str!("../docs.html");
const DOCS_CSP: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Answers one request; never fails, never panics on input.
pub async fn handle(req: Request, env: Env) -> Response {
    dispatch(req, &env).await.unwrap_or_else(|error| {
        if let Some(line) = error.log_line() {
            console_error!("{line}");
        }
        respond::problem(&error)
    })
}

/// The request's [`App`]: configuration read and checked, D1 bound, the clock read.
fn app(env: &Env) -> Result<App, ApiError> {
    Ok(App {
        config: Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string())).map_err(ApiError::Config)?,
        db: Db(env.d1("DB").map_err(|e| ApiError::Config(format!("D1 binding DB: {e}")))?),
        now: js_sys::Date::now() as i64,
    })
}

/// The Cron Trigger: one sweep, logged.
pub async fn scheduled(env: Env) {
    let outcome = match app(&env) {
        Ok(app) => app.sweep().await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(report) => console_log!(
            "sweep: {} objects deleted, {} failed; {} expired shares dropped",
            report.objects_deleted,
            report.objects_failed,
            report.shares_deleted
        ),
        Err(e) => console_error!("sweep failed: {}", e.log_line().unwrap_or_else(|| e.to_string())),
    }
}

async fn dispatch(mut req: Request, env: &Env) -> Result<Response, ApiError> {
    // The raw method: workers-rs maps methods it does not know (QUERY, …) to GET.
    let method = req.inner().method();
    let path = req.path();
    let route = route(&method, &path)?;
    match route {
        Route::Health => return json(200, &serde_json::json!({ "status": "ok" })),
        Route::OpenApi => {
            return json(
                200,
                &serde_json::from_str::<serde_json::Value>(OPENAPI).map_err(|e| ApiError::Internal(e.to_string()))?,
            )
        }
        Route::Docs => return html(200, DOCS_PAGE, DOCS_CSP),
        _ => {}
    }
    let app = app(env)?;
    match route {
        Route::Register => {
            let body = read_json(&mut req, false).await?;
            let email = Email::parse(required_str(&body, "email")?)?;
            let password = Password::parse(required_str(&body, "password")?)?;
            return json(201, &app.register(email, password).await?);
        }
        Route::Login => {
            let (email, password) = read_login(&mut req).await?;
            return json(200, &app.login(&email, &password, &caller(&req)).await?);
        }
        Route::ResolveShare(token) => return shares::resolve(&req, &app, token).await,
        Route::UnlockShare(token) => return shares::unlock(&mut req, &app, token).await,
        _ => {}
    }
    let user = app.authenticate(header(&req, "authorization").as_deref())?;
    // Ids that cannot exist are "not found", exactly like ids of other users' files.
    let file_id = |raw: &str| Id::parse(raw).ok_or(ApiError::FileNotFound);
    let upload_id = |raw: &str| Id::parse(raw).ok_or(ApiError::UploadNotFound);
    let share_id = |raw: &str| Id::parse(raw).ok_or(ApiError::ShareNotFound);
    match route {
        Route::Me => json(200, &app.me(&user).await?),
        Route::Upload => files::upload(&mut req, &app, &user).await,
        Route::ListFiles => files::list(&req, &app, &user).await,
        Route::GetFile(id) => json(200, &app.file(&user, &file_id(id)?).await?),
        Route::UpdateFile(id) => files::update(&mut req, &app, &user, &file_id(id)?).await,
        Route::DeleteFile(id) => {
            app.delete(&user, &file_id(id)?).await?;
            respond::no_content()
        }
        Route::Download(id) => files::download(&req, &app, &user, &file_id(id)?).await,
        Route::CreateUpload => files::create_upload(&mut req, &app, &user).await,
        Route::UploadStatus(id) => json(200, &app.upload_status(&user, &upload_id(id)?).await?),
        Route::UploadParts(id) => files::part_urls(&req, &app, &user, &upload_id(id)?).await,
        Route::CompleteUpload(id) => files::complete_upload(&mut req, &app, &user, &upload_id(id)?).await,
        Route::AbortUpload(id) => {
            app.abort_upload(&user, &upload_id(id)?).await?;
            respond::no_content()
        }
        Route::CreateShare(id) => shares::create(&mut req, &app, &user, &file_id(id)?).await,
        Route::ListShares(id) => json(200, &serde_json::json!({ "items": app.shares(&user, &file_id(id)?).await? })),
        Route::UpdateShare { file, share } => {
            shares::update(&mut req, &app, &user, &file_id(file)?, &share_id(share)?).await
        }
        Route::RevokeShare { file, share } => {
            app.revoke(&user, &file_id(file)?, &share_id(share)?).await?;
            respond::no_content()
        }
        Route::ShareAccesses { file, share } => {
            shares::accesses(&req, &app, &user, &file_id(file)?, &share_id(share)?).await
        }
        Route::Health
        | Route::OpenApi
        | Route::Docs
        | Route::Register
        | Route::Login
        | Route::ResolveShare(_)
        | Route::UnlockShare(_) => Err(ApiError::RouteNotFound),
    }
}

/// The origin share links are built on.
fn base_url(req: &Request, config: &Config) -> Result<String, ApiError> {
    if let Some(base) = &config.public_base_url {
        return Ok(base.clone());
    }
    Ok(req.url().map_err(internal)?.origin().ascii_serialization())
}
