//! HTTP in and out: each route turns a request into validated values, calls one domain
//! operation, and renders its result (or the error's problem document).

use crate::config::Config;
use crate::database::Db;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use crate::listing::ListQuery;
use crate::model::{ContentType, Email, FileName, FolderPath, Id, Password};
use crate::router::{route, Route};
use crate::service::{App, FileMeta, ShareLimits};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Map, Value};
use worker::{console_error, console_log, Env, Headers, Request, Response};

/// Largest JSON or form body accepted (uploads aside).
const MAX_JSON_BODY: usize = 64 * 1024;

const OPENAPI: &str = include_str!("../openapi.json");
const DOCS_PAGE: &str = include_str!("docs.html");

/// Answers one request; never fails, never panics on input.
pub async fn handle(req: Request, env: Env) -> Response {
    let answer = dispatch(req, &env).await;
    answer.unwrap_or_else(|error| {
        if let Some(line) = error.log_line() {
            console_error!("{line}");
        }
        problem_response(&error)
    })
}

fn problem_response(error: &ApiError) -> Response {
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
        _ => {}
    }
    Response::builder().with_status(problem.status).with_headers(headers).fixed(body.into_bytes())
}

fn internal(e: worker::Error) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// A JSON answer with `status`.
fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    let headers = Headers::new();
    headers.set("content-type", "application/json").map_err(internal)?;
    headers.set("cache-control", "no-store").map_err(internal)?;
    headers.set("x-content-type-options", "nosniff").map_err(internal)?;
    Ok(Response::builder().with_status(status).with_headers(headers).fixed(body))
}

/// An HTML page that may load scripts and styles from this origin only.
fn html(page: &str) -> Result<Response, ApiError> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8").map_err(internal)?;
    headers
        .set(
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        .map_err(internal)?;
    headers.set("x-content-type-options", "nosniff").map_err(internal)?;
    headers.set("referrer-policy", "no-referrer").map_err(internal)?;
    Ok(Response::builder().with_headers(headers).fixed(page.as_bytes().to_vec()))
}

fn no_content() -> Result<Response, ApiError> {
    Ok(Response::builder().with_status(204).empty())
}

fn redirect(url: &str) -> Result<Response, ApiError> {
    let headers = Headers::new();
    headers.set("location", url).map_err(internal)?;
    headers.set("cache-control", "no-store").map_err(internal)?;
    headers.set("referrer-policy", "no-referrer").map_err(internal)?;
    Ok(Response::builder().with_status(302).with_headers(headers).empty())
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

async fn dispatch(mut req: Request, env: &Env) -> Result<Response, ApiError> {
    let method = req.method().to_string();
    let path = req.path();
    let route = route(&method, &path)?;
    match route {
        Route::Health => return json(200, &serde_json::json!({ "status": "ok" })),
        Route::OpenApi => {
            let headers = Headers::new();
            headers.set("content-type", "application/json").map_err(internal)?;
            return Ok(Response::builder().with_headers(headers).fixed(OPENAPI.as_bytes().to_vec()));
        }
        Route::Docs => return html(DOCS_PAGE),
        _ => {}
    }
    let app = app(env)?;
    if let Route::Register | Route::Login | Route::ResolveShare(_) = route {
        return public_route(route, &mut req, &app).await;
    }
    let user = app.authenticate(header(&req, "authorization").as_deref())?;
    // Ids that cannot exist are "not found", exactly like ids of other users' files.
    let file_id = |raw: &str| Id::parse(raw).ok_or(ApiError::FileNotFound);
    match route {
        Route::Me => json(200, &app.me(&user).await?),
        Route::Upload => upload(&mut req, &app, &user).await,
        Route::ListFiles => {
            let query = ListQuery::parse(&query_pairs(&req)?, &app.cursor_key())?;
            json(200, &app.list(&user, query).await?)
        }
        Route::GetFile(id) => json(200, &app.file(&user, &file_id(id)?).await?),
        Route::UpdateFile(id) => {
            let body = read_json(&mut req).await?;
            let name = optional_str(&body, "name")?.map(|n| FileName::parse(n, "name")).transpose()?;
            let folder = optional_str(&body, "folder")?.map(|f| FolderPath::parse(f, "folder")).transpose()?;
            json(200, &app.update(&user, &file_id(id)?, name, folder).await?)
        }
        Route::DeleteFile(id) => {
            app.delete(&user, &file_id(id)?).await?;
            no_content()
        }
        Route::Download(id) => {
            let link = app.download(&user, &file_id(id)?).await?;
            let wants_redirect = query_pairs(&req)?.iter().any(|(k, v)| k == "redirect" && v == "true");
            if wants_redirect {
                redirect(&link.url)
            } else {
                json(200, &link)
            }
        }
        Route::CreateShare(id) => {
            let body = read_optional_json(&mut req).await?;
            let limits = share_limits(&body)?;
            let base = base_url(&req, &app.config)?;
            json(201, &app.share(&user, &file_id(id)?, limits, &base).await?)
        }
        Route::ListShares(id) => json(200, &serde_json::json!({ "items": app.shares(&user, &file_id(id)?).await? })),
        Route::RevokeShare { file, share } => {
            let share = Id::parse(share).ok_or(ApiError::ShareNotFound)?;
            app.revoke(&user, &file_id(file)?, &share).await?;
            no_content()
        }
        Route::Health | Route::OpenApi | Route::Docs | Route::Register | Route::Login | Route::ResolveShare(_) => {
            Err(ApiError::RouteNotFound)
        }
    }
}

/// The request's [`App`]: configuration read and checked, D1 bound, the clock read.
fn app(env: &Env) -> Result<App, ApiError> {
    Ok(App {
        config: Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string())).map_err(ApiError::Config)?,
        db: Db(env.d1("DB").map_err(|e| ApiError::Config(format!("D1 binding DB: {e}")))?),
        now: js_sys::Date::now() as i64,
    })
}

/// The Cron Trigger: one sweep of orphaned objects, logged.
pub async fn scheduled(env: Env) {
    let outcome = match app(&env) {
        Ok(app) => app.sweep().await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(report) => console_log!("sweep: deleted {} orphaned objects, {} failed", report.deleted, report.failed),
        Err(e) => console_error!("sweep failed: {}", e.log_line().unwrap_or_else(|| e.to_string())),
    }
}

/// The routes anyone may call.
async fn public_route(route: Route<'_>, req: &mut Request, app: &App) -> Result<Response, ApiError> {
    match route {
        Route::Register => {
            let body = read_json(req).await?;
            let email = Email::parse(required_str(&body, "email")?)?;
            let password = Password::parse(required_str(&body, "password")?)?;
            json(201, &app.register(email, password).await?)
        }
        Route::Login => {
            let (email, password) = login_fields(req).await?;
            json(200, &app.login(&email, &password).await?)
        }
        Route::ResolveShare(token) => {
            let shared = app.resolve(token).await?;
            let accept = header(req, "accept").unwrap_or_default();
            if accept.contains("application/json") {
                json(200, &shared)
            } else {
                redirect(&shared.url)
            }
        }
        _ => Err(ApiError::RouteNotFound),
    }
}

/// Email and password from a JSON body or from an OAuth2 password-grant form.
async fn login_fields(req: &mut Request) -> Result<(String, String), ApiError> {
    let content_type = header(req, "content-type").unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = read_body(req, MAX_JSON_BODY).await?;
        let mut email = None;
        let mut password = None;
        for (key, value) in form_urlencoded::parse(&body) {
            match key.as_ref() {
                "username" => email = Some(value.into_owned()),
                "password" => password = Some(value.into_owned()),
                _ => {}
            }
        }
        let email = email.ok_or_else(|| ApiError::invalid("username", "is required"))?;
        let password = password.ok_or_else(|| ApiError::invalid("password", "is required"))?;
        return Ok((email, password));
    }
    let body = read_json(req).await?;
    Ok((required_str(&body, "email")?.to_owned(), required_str(&body, "password")?.to_owned()))
}

/// Stores an upload, raw or as a multipart form.
async fn upload(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let limit = app.config.max_upload_bytes;
    let content_type = header(req, "content-type").unwrap_or_default();
    let declared = match header(req, "content-length") {
        Some(raw) => {
            Some(raw.trim().parse::<u64>().map_err(|_| ApiError::invalid("content-length", "is not a number"))?)
        }
        None => None,
    };
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let boundary = crate::upload::form_boundary(&content_type)?;
        // The form's framing adds a little to the file; anything beyond that is too large.
        if declared.is_some_and(|length| length > limit + 64 * 1024) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let body = req.stream().map_err(internal)?;
        let chunks = body.map(|chunk| chunk.map(bytes::Bytes::from).map_err(|e| e.to_string()));
        let file = app.upload_form(user, SendStream(chunks), boundary).await?;
        return json(201, &file);
    }
    let pairs = query_pairs(req)?;
    let get = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let name =
        FileName::parse(get("name").ok_or_else(|| ApiError::invalid("name", "is required for a raw upload"))?, "name")?;
    let folder = get("folder").map_or(Ok(FolderPath::root()), |f| FolderPath::parse(f, "folder"))?;
    let length = declared.ok_or(ApiError::LengthRequired)?;
    if length > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let content_type =
        ContentType::parse(&content_type, "content-type").unwrap_or_else(|_| ContentType::octet_stream());
    let body = req.inner().body().filter(|_| length > 0).map(wasm_bindgen::JsValue::from);
    let file = app.upload_raw(user, FileMeta { name, folder, content_type }, length, body).await?;
    json(201, &file)
}

/// A stream that may cross `.await` points in multer, which asks for `Send`; workerd runs
/// each isolate on one thread, so nothing is ever sent anywhere.
struct SendStream<S>(S);

// SAFETY: wasm32 in workerd is single-threaded; the value never leaves its thread.
unsafe impl<S> Send for SendStream<S> {}

impl<S: futures_util::Stream + Unpin> futures_util::Stream for SendStream<S> {
    type Item = S::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        std::pin::Pin::new(&mut self.0).poll_next(cx)
    }
}

/// The origin share links are built on.
fn base_url(req: &Request, config: &Config) -> Result<String, ApiError> {
    if let Some(base) = &config.public_base_url {
        return Ok(base.clone());
    }
    let url = req.url().map_err(internal)?;
    Ok(url.origin().ascii_serialization())
}

fn query_pairs(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    let url = req.url().map_err(internal)?;
    Ok(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

/// Reads at most `limit` bytes of body, refusing larger ones before buffering them.
async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
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

/// The body as a JSON object: 400 when it is not JSON, 422 when it is not an object.
async fn read_json(req: &mut Request) -> Result<Map<String, Value>, ApiError> {
    let body = read_body(req, MAX_JSON_BODY).await?;
    parse_object(&body)
}

/// Like [`read_json`], but an empty body is an empty object.
async fn read_optional_json(req: &mut Request) -> Result<Map<String, Value>, ApiError> {
    let body = read_body(req, MAX_JSON_BODY).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    parse_object(&body)
}

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid("body", "must be a JSON object")),
        Err(e) => Err(ApiError::MalformedJson(e.to_string())),
    }
}

fn optional_str<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(field, "must be a string")),
    }
}

fn required_str<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    optional_str(body, field)?.ok_or_else(|| ApiError::invalid(field, "is required"))
}

fn optional_int(
    body: &Map<String, Value>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_i64().filter(|n| range.contains(n)).map(Some).ok_or_else(|| {
            ApiError::invalid(field, format!("must be a whole number from {} to {}", range.start(), range.end()))
        }),
    }
}

fn share_limits(body: &Map<String, Value>) -> Result<ShareLimits, ApiError> {
    let max_ttl = i64::from(crate::config::MAX_PRESIGN_SECONDS);
    Ok(ShareLimits {
        expires_in: optional_int(body, "expires_in", 1..=max_ttl)?.map(|s| s as u32),
        max_downloads: optional_int(body, "max_downloads", 1..=i64::from(u32::MAX))?,
    })
}
