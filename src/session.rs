//! Browser sessions: the web app signs in with an HttpOnly cookie instead of a bearer token
//! that scripts could read. The cookie carries the same signed token as `Authorization:
//! Bearer`; what differs is how it travels and that it needs CSRF protection.
//!
//! CSRF: the cookie is `SameSite=Strict`, so other sites' requests arrive without it, and
//! every state-changing request made with it must also carry [`CSRF_HEADER`]. A custom
//! header cannot be sent cross-origin without a CORS preflight, which this Worker never
//! grants, so a forged form or `fetch` from another site fails twice over.

use crate::error::ApiError;

/// The session cookie. `__Host-` makes browsers insist on `Secure`, `Path=/` and no
/// `Domain`, so no sibling subdomain can set or shadow it.
pub const COOKIE_NAME: &str = "__Host-edgedrop-session";

/// The header the web app sends with every state-changing request (value `1`).
pub const CSRF_HEADER: &str = "x-edgedrop-csrf";

/// How a request says who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// `Authorization: Bearer <token>`: API clients.
    Bearer(&'a str),
    /// The session cookie's token: the web app.
    Session(&'a str),
}

impl<'a> Credential<'a> {
    /// The credential of a request from its `Authorization` and `Cookie` headers. A bearer
    /// header wins, so API clients are never affected by a stray cookie.
    pub fn of(authorization: Option<&'a str>, cookie: Option<&'a str>) -> Result<Self, ApiError> {
        if authorization.is_some() {
            return crate::auth::bearer_token(authorization).map(Credential::Bearer);
        }
        cookie
            .and_then(|header| cookie_value(header, COOKIE_NAME))
            .filter(|token| !token.is_empty())
            .map(Credential::Session)
            .ok_or(ApiError::Unauthenticated(
                "Send an access token as 'Authorization: Bearer <token>', or log in to the web app.",
            ))
    }

    /// The signed token either way.
    pub fn token(&self) -> &'a str {
        match self {
            Credential::Bearer(token) | Credential::Session(token) => token,
        }
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(key, _)| *key == name).map(|(_, v)| v)
}

/// Whether `method` only reads (RFC 9110's safe methods).
pub fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Refuses a state-changing request that rides on the session cookie without the CSRF
/// header, or that the browser reports as coming from another site.
pub fn check_csrf(method: &str, csrf_header: Option<&str>, sec_fetch_site: Option<&str>) -> Result<(), ApiError> {
    if is_safe_method(method) {
        return Ok(());
    }
    let cross_site = sec_fetch_site.is_some_and(|site| !matches!(site, "same-origin" | "none"));
    if cross_site || csrf_header.map(str::trim) != Some("1") {
        return Err(ApiError::CsrfRejected);
    }
    Ok(())
}

/// The `Set-Cookie` value that starts a session of `max_age` seconds.
pub fn session_cookie(token: &str, max_age: u64) -> String {
    format!("{COOKIE_NAME}={token}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value that ends the session.
pub fn clearing_cookie() -> String {
    format!("{COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The D1 session bookmark a response carries and a client sends back, so that its reads
/// see its own writes even when they go to a read replica.
pub const BOOKMARK_HEADER: &str = "x-edgedrop-bookmark";
/// The web app's copy of the bookmark (it needs no script to carry it).
pub const BOOKMARK_COOKIE: &str = "__Host-edgedrop-bookmark";

/// The bookmark a request brings: its header, else (for the web app) its cookie; one that
/// does not look like a D1 bookmark is ignored.
pub fn requested_bookmark<'a>(header: Option<&'a str>, cookie: Option<&'a str>) -> Option<&'a str> {
    let well_formed =
        |b: &&str| !b.is_empty() && b.len() <= 128 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
    header
        .map(str::trim)
        .filter(well_formed)
        .or_else(|| cookie.and_then(|c| cookie_value(c, BOOKMARK_COOKIE)).filter(well_formed))
}

/// Where a request's D1 session starts: after the client's bookmark when it brings one;
/// otherwise reads (`GET`, `HEAD`) may start on any replica and everything else on the primary.
pub fn session_constraint(method: &str, bookmark: Option<&str>) -> String {
    match bookmark {
        Some(bookmark) => bookmark.to_owned(),
        None if is_safe_method(method) => "first-unconstrained".to_owned(),
        None => "first-primary".to_owned(),
    }
}

/// The web app's bookmark cookie.
pub fn bookmark_cookie(bookmark: &str) -> String {
    format!("{BOOKMARK_COOKIE}={bookmark}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bookmark_comes_from_the_header_or_the_cookie_and_picks_where_the_session_starts() {
        use super::{requested_bookmark, session_constraint};
        let cookie = "theme=dark; __Host-edgedrop-bookmark=0000000e-00000002-00004f6e-cookie";
        assert_eq!(
            requested_bookmark(Some("0000000e-00000002-header"), Some(cookie)),
            Some("0000000e-00000002-header")
        );
        assert_eq!(requested_bookmark(None, Some(cookie)), Some("0000000e-00000002-00004f6e-cookie"));
        assert_eq!(requested_bookmark(Some("first-primary; drop"), None), None, "not a bookmark");
        assert_eq!(requested_bookmark(Some(&"a".repeat(129)), None), None);
        assert_eq!(session_constraint("GET", None), "first-unconstrained");
        assert_eq!(session_constraint("POST", None), "first-primary");
        assert_eq!(session_constraint("POST", Some("abc-1")), "abc-1");
    }

    use super::*;

    #[test]
    fn the_bearer_header_wins_over_the_cookie() {
        let cookie = format!("theme=dark; {COOKIE_NAME}=from-cookie");
        assert_eq!(Credential::of(Some("Bearer abc"), Some(&cookie)), Ok(Credential::Bearer("abc")));
        assert_eq!(Credential::of(None, Some(&cookie)), Ok(Credential::Session("from-cookie")));
        assert!(Credential::of(Some("Basic abc"), Some(&cookie)).is_err(), "a bad header is not rescued");
    }

    #[test]
    fn missing_or_empty_session_cookies_are_unauthenticated() {
        for cookie in
            [None, Some(""), Some("other=1"), Some(&*format!("{COOKIE_NAME}=")), Some("x__Host-edgedrop-session=a")]
        {
            assert!(matches!(Credential::of(None, cookie), Err(ApiError::Unauthenticated(_))), "{cookie:?}");
        }
    }

    #[test]
    fn state_changing_cookie_requests_need_the_csrf_header_from_the_same_origin() {
        assert_eq!(check_csrf("GET", None, Some("cross-site")), Ok(()));
        assert_eq!(check_csrf("POST", Some("1"), Some("same-origin")), Ok(()));
        assert_eq!(check_csrf("DELETE", Some("1"), None), Ok(()));
        assert_eq!(check_csrf("POST", None, Some("same-origin")), Err(ApiError::CsrfRejected));
        assert_eq!(check_csrf("PATCH", Some("0"), None), Err(ApiError::CsrfRejected));
        assert_eq!(check_csrf("POST", Some("1"), Some("cross-site")), Err(ApiError::CsrfRejected));
        assert_eq!(check_csrf("PUT", Some("1"), Some("same-site")), Err(ApiError::CsrfRejected));
    }

    #[test]
    fn session_cookies_are_host_only_secure_http_only_and_strict() {
        let cookie = session_cookie("tok", 3600);
        assert!(cookie.starts_with("__Host-edgedrop-session=tok; "));
        for attribute in ["Max-Age=3600", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} in {cookie}");
        }
        assert!(!cookie.contains("Domain"));
        assert!(clearing_cookie().contains("Max-Age=0"));
    }
}
