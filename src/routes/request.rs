//! Reading requests: headers, the query string, and bodies with a size cap.

use super::respond::internal;
use crate::error::ApiError;
use crate::input::{parse_object, required_str, Object};
use crate::service::Caller;
use futures_util::StreamExt;
use worker::{ByteStream, Url};

/// Largest JSON or form body accepted (uploads aside).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// An incoming request, read only as far as a route asks. The runtime's request is kept
/// as it is: workers-rs's own `Request` copies every request's `cf` object into Rust up
/// front (about a tenth of a millisecond of CPU each), and nothing here reads it.
pub struct Request(web_sys::Request);

impl Request {
    /// The runtime's request, wrapped.
    pub fn new(inner: web_sys::Request) -> Self {
        Request(inner)
    }

    /// The runtime's request itself.
    pub fn inner(&self) -> &web_sys::Request {
        &self.0
    }

    /// The URL's path, still percent-encoded.
    pub fn path(&self) -> String {
        crate::router::path_of_url(&self.0.url()).to_owned()
    }

    /// The whole URL, parsed.
    pub fn url(&self) -> worker::Result<Url> {
        let url = self.0.url();
        url.parse().map_err(|e| worker::Error::RustError(format!("URL {url}: {e}")))
    }

    /// The body as a stream of chunks (an error when there is none).
    pub fn stream(&mut self) -> worker::Result<ByteStream> {
        let body = self.0.body().ok_or_else(|| worker::Error::RustError("the request has no body".into()))?;
        Ok(ByteStream::from(body))
    }

    /// The request as workers-rs knows it, for the bindings that take one (static assets).
    pub fn into_worker(self) -> worker::Request {
        worker::Request::from(self.0)
    }
}

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.0.headers().get(name).ok().flatten()
}

/// The client, as Cloudflare reports it (`CF-Connecting-IP` is set by the edge and cannot
/// be forged through it).
pub fn caller(req: &Request) -> Caller {
    Caller {
        ip: header(req, "cf-connecting-ip").unwrap_or_else(|| "unknown".to_owned()),
        user_agent: header(req, "user-agent").unwrap_or_default().chars().take(256).collect(),
    }
}

/// Whether the client asked for JSON rather than a redirect or a page.
pub fn wants_json(req: &Request) -> bool {
    header(req, "accept").unwrap_or_default().contains("application/json")
}

/// Whether a browser is asking: it accepts HTML and did not ask for JSON.
pub fn wants_html(req: &Request) -> bool {
    let accept = header(req, "accept").unwrap_or_default();
    accept.contains("text/html") && !accept.contains("application/json")
}

/// Whether the body is an HTML form post.
pub fn is_form(req: &Request) -> bool {
    header(req, "content-type").unwrap_or_default().starts_with("application/x-www-form-urlencoded")
}

pub fn query_pairs(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    let url = req.url().map_err(internal)?;
    Ok(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

/// The last value of query parameter `name`.
pub fn query_param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Query parameter `name` as a whole number from 1 to `max`, `default` when absent; 422
/// naming the parameter otherwise.
pub fn query_number(pairs: &[(String, String)], name: &str, default: u32, max: u32) -> Result<u32, ApiError> {
    match query_param(pairs, name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::invalid(name, format!("must be a whole number from 1 to {max}"))),
    }
}

/// `?disposition=`: whether a download is to be shown in the browser (`inline`) rather than
/// saved (`attachment`, the default).
pub fn wants_inline(pairs: &[(String, String)]) -> Result<bool, ApiError> {
    match query_param(pairs, "disposition").as_deref() {
        None | Some("attachment") => Ok(false),
        Some("inline") => Ok(true),
        Some(_) => Err(ApiError::invalid("disposition", "must be inline or attachment")),
    }
}

/// Reads at most `limit` bytes of body, refusing larger ones before buffering them.
pub async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = ApiError::PayloadTooLarge { limit: limit as u64 };
    if header(req, "content-length").and_then(|l| l.trim().parse::<u64>().ok()).is_some_and(|l| l > limit as u64) {
        return Err(too_large);
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream().map_err(internal)?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.map_err(|e| ApiError::invalid("body", format!("could not be read: {e}")))?);
        if body.len() > limit {
            return Err(too_large);
        }
    }
    Ok(body)
}

/// The body as a JSON object (an empty body as `{}` when `empty_ok`).
pub async fn read_json(req: &mut Request, empty_ok: bool) -> Result<Object, ApiError> {
    parse_object(&read_body(req, MAX_JSON_BODY).await?, empty_ok)
}

/// A JSON body, or an HTML form's fields as a JSON object of strings.
pub async fn read_json_or_form(req: &mut Request) -> Result<Object, ApiError> {
    if !is_form(req) {
        return read_json(req, true).await;
    }
    let body = read_body(req, MAX_JSON_BODY).await?;
    Ok(form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect())
}

/// Email and password from a JSON body or from an OAuth2 password-grant form.
pub async fn read_login(req: &mut Request) -> Result<(String, String), ApiError> {
    let form = is_form(req);
    let body = read_json_or_form(req).await?;
    let email_field = if form { "username" } else { "email" };
    Ok((required_str(&body, email_field)?.to_owned(), required_str(&body, "password")?.to_owned()))
}
