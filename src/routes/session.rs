//! The web app's sign-in: `POST /auth/session` sets the session cookie, `DELETE` clears it.

use super::request::{caller, header, read_login};
use super::respond::{internal, json, no_content};
use crate::error::ApiError;
use crate::service::App;
use crate::session::{check_csrf, clearing_cookie, session_cookie, CSRF_HEADER};
use worker::{Request, Response};

/// Checks the password and starts a session. The CSRF header is required here too, so no
/// other site can sign a visitor in to an account of its choosing.
pub async fn start(req: &mut Request, app: &App) -> Result<Response, ApiError> {
    check_csrf("POST", header(req, CSRF_HEADER).as_deref(), header(req, "sec-fetch-site").as_deref())?;
    let (email, password) = read_login(req).await?;
    let (token, ttl) = app.start_session(&email, &password, &caller(req)).await?;
    with_cookie(json(200, &serde_json::json!({ "expires_in": ttl }))?, &session_cookie(&token, ttl))
}

/// Ends the session in this browser. Always succeeds: signing out twice is not an error.
pub fn end() -> Result<Response, ApiError> {
    with_cookie(no_content()?, &clearing_cookie())
}

fn with_cookie(mut response: Response, cookie: &str) -> Result<Response, ApiError> {
    response.headers_mut().set("set-cookie", cookie).map_err(internal)?;
    Ok(response)
}
