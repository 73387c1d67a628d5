//! The HTTP API as the CLI calls it: one client, the bearer token, and problem documents
//! turned into [`ApiFailure`]s.

use anyhow::{Context, Result};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// An answer of the API that is an error: its problem document, read.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, HTTP {})", self.detail.trim_end_matches('.'), self.code, self.status)
    }
}

impl std::error::Error for ApiFailure {}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

/// The API of one server, with or without a token.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

/// The reqwest client every call shares.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("edgedrop-cli/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot set up the HTTP client")
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Result<Self> {
        Ok(Api { http: http_client()?, base: base.trim_end_matches('/').to_owned(), token })
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends `builder`; a non-2xx answer becomes an [`ApiFailure`].
    pub async fn send(&self, builder: RequestBuilder) -> Result<Response> {
        let response = builder.send().await.with_context(|| format!("cannot reach {}", self.base))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(failure(response).await.into())
    }

    pub async fn json<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T> {
        let response = self.send(builder).await?;
        response.json().await.context("the server's answer is not what the CLI expects")
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.json(self.request(Method::GET, path)).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &serde_json::Value) -> Result<T> {
        self.json(self.request(Method::POST, path).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<()> {
        self.send(self.request(Method::DELETE, path)).await.map(drop)
    }
}

/// The problem document of an error answer (or a stand-in when it has none).
pub async fn failure(response: Response) -> ApiFailure {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<Problem>(&text) {
        Ok(problem) if !problem.code.is_empty() => {
            ApiFailure { status: status.as_u16(), code: problem.code, detail: problem.detail }
        }
        _ => ApiFailure {
            status: status.as_u16(),
            code: "http_error".into(),
            detail: status.canonical_reason().unwrap_or("the server refused the request").into(),
        },
    }
}

/// Whether an error is worth retrying: the network, a 5xx, a 429, or a busy upload.
pub fn transient(error: &anyhow::Error) -> bool {
    if let Some(failure) = error.downcast_ref::<ApiFailure>() {
        return failure.status >= 500 || failure.status == 429 || failure.code == "upload_busy";
    }
    error.chain().any(|cause| cause.downcast_ref::<reqwest::Error>().is_some())
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
