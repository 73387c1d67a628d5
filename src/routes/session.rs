//! Signing in and out: `POST /auth/session` starts a web app session and sets its cookie;
//! `DELETE /auth/session` ends the session of the cookie or bearer token it is sent with and
//! clears the cookie; `DELETE /auth/sessions` ends all of the user's sessions.

use super::request::{caller, header, read_login, Request};
use super::respond::{internal, json, no_content};
use crate::error::ApiError;
use crate::service::App;
use crate::session::{check_csrf, clearing_cookie, session_cookie, Credential, CSRF_HEADER};
use worker::Response;

/// Checks the password and starts a session. The CSRF header is required here too, so no
/// other site can sign a visitor in to an account of its choosing.
pub async fn start(req: &mut Request, app: &App) -> Result<Response, ApiError> {
    check_csrf("POST", header(req, CSRF_HEADER).as_deref(), header(req, "sec-fetch-site").as_deref())?;
    let (email, password) = read_login(req).await?;
    let (token, ttl) = app.start_session(&email, &password, &caller(req)).await?;
    with_cookie(json(200, &serde_json::json!({ "expires_in": ttl }))?, &session_cookie(&token, ttl))
}

/// Ends the session of the request's token (the bearer token's, or else the cookie's, which
/// must pass the CSRF check like any other change made with it), so that the token and
/// every copy of it stop working at once, and clears the cookie. Succeeds without a token
/// or with one that is no longer valid: signing out twice is not an error.
pub async fn end(req: &Request, app: &App) -> Result<Response, ApiError> {
    let (authorization, cookie) = (header(req, "authorization"), header(req, "cookie"));
    if let Ok(credential) = Credential::of(authorization.as_deref(), cookie.as_deref()) {
        if let Credential::Session(_) = credential {
            check_csrf("DELETE", header(req, CSRF_HEADER).as_deref(), header(req, "sec-fetch-site").as_deref())?;
        }
        app.end_session(credential).await?;
    }
    ended()
}

/// The answer to logging out: 204, and the cookie cleared in case it was a browser.
pub fn ended() -> Result<Response, ApiError> {
    with_cookie(no_content()?, &clearing_cookie())
}

fn with_cookie(mut response: Response, cookie: &str) -> Result<Response, ApiError> {
    response.headers_mut().set("set-cookie", cookie).map_err(internal)?;
    Ok(response)
}
