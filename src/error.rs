//! The one error type of the API and its mapping to RFC 9457 problem documents.
//!
//! Every failure a request can meet ends up as an [`ApiError`]; [`ApiError::problem`]
//! is the only place that decides its status code, stable `code` and wording.

use serde::Serialize;
use std::fmt;

/// Everything that can go wrong while answering a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// A field of the request is missing or invalid (422).
    Validation {
        field: String,
        message: String,
    },
    /// The body is not well-formed JSON or has the wrong shape (400).
    MalformedJson(String),
    /// The body is larger than the server accepts (413).
    PayloadTooLarge {
        limit: u64,
    },
    /// An upload without a `Content-Length` (411).
    LengthRequired,
    /// The request's content type is not one this route takes (415).
    UnsupportedMediaType(String),
    /// No usable credentials (401, with `WWW-Authenticate: Bearer`).
    Unauthenticated(&'static str),
    /// A state-changing request on the session cookie without the CSRF header, or from
    /// another site (403).
    CsrfRejected,
    /// A personal access token used outside its scopes, or on a route only a password
    /// session may call (tokens, sessions, the account) (403).
    InsufficientScope(&'static str),
    /// Login with an unknown email or a wrong password (401).
    InvalidCredentials,
    /// Registration with an email that already has an account (409).
    EmailTaken,
    /// No such personal access token among the caller's (404).
    TokenNotFound,
    WebhookNotFound,
    /// No such file among the caller's files (404).
    FileNotFound,
    /// No such share, or it was revoked (404).
    ShareNotFound,
    /// The share expired or reached its download limit (410).
    ShareExpired,
    /// The user's storage quota has no room for this (413).
    QuotaExceeded,
    /// Too many failed password attempts; try again after this many seconds (429).
    RateLimited {
        retry_after: u64,
    },
    /// The share has a password and none was given (401).
    SharePasswordRequired,
    /// The share's password is not this one (401).
    InvalidSharePassword,
    /// No such pending upload among the caller's (404).
    UploadNotFound,
    /// The bucket holds a different number of bytes than the upload declared (422).
    SizeMismatch {
        declared: u64,
        stored: u64,
    },
    /// The upload cannot complete yet: parts or the object are missing (409).
    UploadIncomplete(String),
    /// Another request holds the upload (it is completing it) for this many seconds (409).
    UploadBusy {
        retry_after: u64,
    },
    /// The upload was completed already; its file is what is left of it (409).
    UploadCompleted,
    /// The upload's time ran out before it was completed; the sweeper removes it (410).
    UploadExpired,
    /// No such upload request, or it was revoked (404).
    RequestNotFound,
    /// The upload request expired, or its owner was disabled (410).
    RequestExpired,
    /// The upload request has a password and none was given (401).
    RequestPasswordRequired,
    /// The upload request's password is not this one (401).
    InvalidRequestPassword,
    /// The upload request takes no more files (409).
    RequestFull,
    /// The upload would take more bytes than the request has left (413).
    RequestTooLarge {
        left: i64,
    },
    /// No such user (an admin's request, 404).
    UserNotFound,
    /// No such invite (an admin's request, 404).
    InviteNotFound,
    /// The account was disabled by an admin (403).
    AccountDisabled,
    /// Registration is closed on this deployment (403).
    SignupClosed,
    /// Registration needs an invite, and this one is wrong, used, expired or for another
    /// email (403).
    InvalidInvite,
    /// No route has this path (404).
    RouteNotFound,
    /// The path exists but not with this method (405).
    MethodNotAllowed {
        allow: &'static str,
    },
    /// The bucket failed or could not be reached (502).
    Storage(String),
    /// The server's configuration is missing or malformed (500). The detail is logged, never sent.
    Config(String),
    /// A dependency such as D1 failed (500). The detail is logged, never sent.
    Internal(String),
}

/// An RFC 9457 problem document, with the stable `code` extension member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub code: &'static str,
    /// The invalid field, for `validation_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The media type problem documents are sent with.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

impl ApiError {
    /// Shorthand for a validation error on `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation { field: field.into(), message: message.into() }
    }

    /// The problem document this error is answered with.
    pub fn problem(&self) -> Problem {
        let (status, code, detail, field) = match self {
            ApiError::Validation { field, message } => {
                (422, "validation_error", format!("{field}: {message}"), Some(field.clone()))
            }
            ApiError::MalformedJson(why) => {
                (400, "malformed_json", format!("The request body is not valid JSON: {why}"), None)
            }
            ApiError::PayloadTooLarge { limit } => {
                (413, "payload_too_large", format!("The request body is larger than the limit of {limit} bytes."), None)
            }
            ApiError::LengthRequired => {
                (411, "length_required", "A raw upload needs a Content-Length header.".to_owned(), None)
            }
            ApiError::UnsupportedMediaType(why) => (415, "unsupported_media_type", why.clone(), None),
            ApiError::Unauthenticated(why) => (401, "not_authenticated", (*why).to_owned(), None),
            ApiError::CsrfRejected => (
                403,
                "csrf_rejected",
                "Requests made with the session cookie must come from the web app (header X-Edgedrop-Csrf: 1)."
                    .to_owned(),
                None,
            ),
            ApiError::InsufficientScope(needed) => (
                403,
                "insufficient_scope",
                if needed.is_empty() {
                    "Access tokens cannot manage tokens, sessions or the account; sign in with a password.".to_owned()
                } else {
                    format!("This access token lacks the scope this call needs: {needed}.")
                },
                None,
            ),
            ApiError::InvalidCredentials => {
                (401, "invalid_credentials", "The email or password is wrong.".to_owned(), None)
            }
            ApiError::EmailTaken => (409, "email_taken", "An account with this email already exists.".to_owned(), None),
            ApiError::TokenNotFound => (404, "token_not_found", "No such access token.".to_owned(), None),
            ApiError::WebhookNotFound => (404, "webhook_not_found", "No such webhook.".to_owned(), None),
            ApiError::FileNotFound => (404, "file_not_found", "No such file.".to_owned(), None),
            ApiError::ShareNotFound => {
                (404, "share_not_found", "This share link does not exist or was revoked.".to_owned(), None)
            }
            ApiError::ShareExpired => {
                (410, "share_expired", "This share link has expired or reached its download limit.".to_owned(), None)
            }
            ApiError::QuotaExceeded => (
                413,
                "quota_exceeded",
                "This would exceed your storage quota; delete some files first.".to_owned(),
                None,
            ),
            ApiError::RateLimited { retry_after } => {
                (429, "rate_limited", format!("Too many failed attempts; try again in {retry_after} seconds."), None)
            }
            ApiError::SharePasswordRequired => (
                401,
                "share_password_required",
                "This share link is protected by a password: POST it as {\"password\": \"…\"}.".to_owned(),
                None,
            ),
            ApiError::InvalidSharePassword => {
                (401, "invalid_share_password", "The password of this share link is wrong.".to_owned(), None)
            }
            ApiError::UploadNotFound => (404, "upload_not_found", "No such pending upload.".to_owned(), None),
            ApiError::SizeMismatch { declared, stored } => (
                422,
                "size_mismatch",
                format!("The upload declared {declared} bytes but {stored} arrived; it was discarded."),
                Some("size".to_owned()),
            ),
            ApiError::UploadIncomplete(why) => (409, "upload_incomplete", why.clone(), None),
            ApiError::UploadBusy { retry_after } => (
                409,
                "upload_busy",
                format!("Another request is completing this upload; try again in {retry_after} seconds."),
                None,
            ),
            ApiError::UploadCompleted => (
                409,
                "upload_completed",
                "This upload was completed: it is a file now (delete the file to remove it).".to_owned(),
                None,
            ),
            ApiError::UploadExpired => (
                410,
                "upload_expired",
                "This upload was not completed in time and has been given up; start a new one.".to_owned(),
                None,
            ),
            ApiError::RequestNotFound => {
                (404, "request_not_found", "This upload link does not exist or was revoked.".to_owned(), None)
            }
            ApiError::RequestExpired => {
                (410, "request_expired", "This upload link has expired or is closed.".to_owned(), None)
            }
            ApiError::RequestPasswordRequired => (
                401,
                "request_password_required",
                "This upload link is protected by a password: send it in the X-Edgedrop-Password header.".to_owned(),
                None,
            ),
            ApiError::InvalidRequestPassword => {
                (401, "invalid_request_password", "The password of this upload link is wrong.".to_owned(), None)
            }
            ApiError::RequestFull => (409, "request_full", "This upload link takes no more files.".to_owned(), None),
            ApiError::RequestTooLarge { left } => {
                (413, "request_too_large", format!("This upload link takes only {left} more bytes."), None)
            }
            ApiError::UserNotFound => (404, "user_not_found", "No such user.".to_owned(), None),
            ApiError::InviteNotFound => (404, "invite_not_found", "No such invite.".to_owned(), None),
            ApiError::AccountDisabled => {
                (403, "account_disabled", "This account has been disabled by an administrator.".to_owned(), None)
            }
            ApiError::SignupClosed => (403, "signup_closed", "Registration is closed on this server.".to_owned(), None),
            ApiError::InvalidInvite => (
                403,
                "invalid_invite",
                "Registration needs an invite; this one is wrong, used, expired or for another email.".to_owned(),
                None,
            ),
            ApiError::RouteNotFound => (404, "not_found", "No such route.".to_owned(), None),
            ApiError::MethodNotAllowed { allow } => {
                (405, "method_not_allowed", format!("This route allows: {allow}."), None)
            }
            ApiError::Storage(_) => {
                (502, "storage_error", "The file storage failed to answer; try again.".to_owned(), None)
            }
            ApiError::Config(_) => {
                (500, "server_misconfigured", "The server is not configured correctly.".to_owned(), None)
            }
            ApiError::Internal(_) => {
                (500, "internal_error", "The server failed to answer; try again.".to_owned(), None)
            }
        };
        Problem { kind: "about:blank", title: reason_phrase(status), status, detail, code, field }
    }

    /// What goes to the log for this error, if anything: server-side failures carry
    /// details that must not reach the client.
    pub fn log_line(&self) -> Option<String> {
        match self {
            ApiError::Storage(why) => Some(format!("storage error: {why}")),
            ApiError::Config(why) => Some(format!("configuration error: {why}")),
            ApiError::Internal(why) => Some(format!("internal error: {why}")),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = self.problem();
        write!(f, "{} {}: {}", problem.status, problem.code, problem.detail)
    }
}

impl std::error::Error for ApiError {}

/// The standard reason phrase, used as the problem `title` as RFC 9457 asks for `about:blank`.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_the_field() {
        let problem = ApiError::invalid("name", "must not contain '/'").problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_error");
        assert_eq!(problem.field.as_deref(), Some("name"));
        assert!(problem.detail.starts_with("name: "));
    }

    #[test]
    fn server_side_details_stay_out_of_the_problem_document() {
        let secret = "B2_SECRET_KEY=abc123";
        for error in
            [ApiError::Config(secret.into()), ApiError::Internal(secret.into()), ApiError::Storage(secret.into())]
        {
            let body = serde_json::to_string(&error.problem()).unwrap();
            assert!(!body.contains("abc123"), "{body}");
            assert!(error.log_line().unwrap().contains("abc123"));
        }
    }

    #[test]
    fn problem_documents_serialize_with_rfc9457_members() {
        let json = serde_json::to_value(ApiError::FileNotFound.problem()).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["title"], "Not Found");
        assert_eq!(json["status"], 404);
        assert_eq!(json["code"], "file_not_found");
        assert!(json.get("field").is_none());
    }
}
