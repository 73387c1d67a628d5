//! The web app's files: Workers static assets (the `ASSETS` binding, built from `web/` into
//! `dist/`), answered with the security headers of [`crate::web`]. An unknown page gets the
//! app with status 404, which shows its "not found" view; an unknown file that no browser
//! page asked for gets the API's 404 problem document.

use super::request::{wants_html, Request};
use super::respond::internal;
use crate::config::Config;
use crate::error::ApiError;
use crate::web::{app_csp, cache_control, is_app_path, SECURITY_HEADERS};
use worker::{Env, Fetcher, Headers, Response};

/// Answers a `GET` or `HEAD` that no API route took.
pub async fn serve(req: Request, env: &Env, config: &Config, path: &str) -> Result<Response, ApiError> {
    let assets = env.assets("ASSETS").map_err(|e| ApiError::Config(format!("assets binding ASSETS: {e}")))?;
    let app_page = format!("{}/", req.url().map_err(internal)?.origin().ascii_serialization());
    let (response, status) = if is_app_path(path) {
        (fetch(&assets, &app_page).await?, 200)
    } else {
        let wants_page = wants_html(&req);
        let found = assets.fetch_request(req.into_worker()).await.map_err(internal)?;
        match found.status_code() {
            404 if wants_page => (fetch(&assets, &app_page).await?, 404),
            404 => return Err(ApiError::RouteNotFound),
            status => (found, status),
        }
    };
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.set(&name, &value).map_err(internal)?;
    }
    for (name, value) in SECURITY_HEADERS {
        headers.set(name, value).map_err(internal)?;
    }
    headers.set("content-security-policy", &app_csp(&config.bucket.endpoint)).map_err(internal)?;
    headers.set("cache-control", cache_control(path)).map_err(internal)?;
    // The asset's own headers are immutable; the same body goes out under the new ones.
    Ok(response.with_headers(headers).with_status(status))
}

async fn fetch(assets: &Fetcher, url: &str) -> Result<Response, ApiError> {
    assets.fetch(url, None).await.map_err(internal)
}
