//! Building responses: JSON, problem documents, redirects and HTML pages, each with the
//! headers that belong to it.

use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use serde::Serialize;
use worker::{Headers, Response};

pub fn internal(e: worker::Error) -> ApiError {
    ApiError::Internal(e.to_string())
}

fn headers(pairs: &[(&str, &str)]) -> Result<Headers, ApiError> {
    let headers = Headers::new();
    for (name, value) in pairs {
        headers.set(name, value).map_err(internal)?;
    }
    Ok(headers)
}

/// A JSON answer with `status`; per-user data, so never cached.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    let headers = headers(&[
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
    ])?;
    Ok(Response::builder().with_status(status).with_headers(headers).fixed(body))
}

/// The problem document of `error`, with `WWW-Authenticate`, `Allow` or `Retry-After`
/// where the status asks for one.
pub fn problem(error: &ApiError) -> Response {
    let problem = error.problem();
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let headers = Headers::new();
    let _ = headers.set("content-type", PROBLEM_CONTENT_TYPE);
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    match error {
        ApiError::Unauthenticated(_) => {
            let _ = headers.set("www-authenticate", "Bearer");
        }
        ApiError::MethodNotAllowed { allow } => {
            let _ = headers.set("allow", allow);
        }
        ApiError::RateLimited { retry_after } | ApiError::UploadBusy { retry_after } => {
            let _ = headers.set("retry-after", &retry_after.to_string());
        }
        _ => {}
    }
    Response::builder().with_status(problem.status).with_headers(headers).fixed(body.into_bytes())
}

pub fn no_content() -> Result<Response, ApiError> {
    Ok(Response::builder().with_status(204).empty())
}

/// A redirect (302, or 303 after a form POST) to a presigned URL: never cached, and the
/// URL it came from is not sent on.
pub fn redirect(status: u16, url: &str) -> Result<Response, ApiError> {
    let headers = headers(&[("location", url), ("cache-control", "no-store"), ("referrer-policy", "no-referrer")])?;
    Ok(Response::builder().with_status(status).with_headers(headers).empty())
}

/// An HTML page under a strict Content-Security-Policy.
pub fn html(status: u16, page: &str, csp: &str) -> Result<Response, ApiError> {
    let headers = headers(&[
        ("content-type", "text/html; charset=utf-8"),
        ("content-security-policy", csp),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ])?;
    Ok(Response::builder().with_status(status).with_headers(headers).fixed(page.as_bytes().to_vec()))
}
