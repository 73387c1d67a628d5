//! The routes of one's own files: uploads (through the Worker and direct), listing,
//! renaming and moving, downloading.

use super::request::{header, query_number, query_pairs, query_param, read_json, wants_inline, Request};
use super::respond::{json, redirect};
use crate::domain::files::{FileMeta, FormDefaults};
use crate::domain::uploads::{MAX_PART_SIZE, MIN_PART_SIZE};
use crate::error::ApiError;
use crate::input::{optional_int, optional_str, patch_field, required_int, required_str};
use crate::listing::ListQuery;
use crate::model::{ContentType, FileName, FolderPath, Id};
use crate::service::{App, Sender};
use crate::views::FileView;
use futures_util::StreamExt;
use serde_json::Value;
use worker::Response;

/// A file's lifetime in seconds, as uploads ask for it (the service checks the maximum).
const LIFETIME: std::ops::RangeInclusive<i64> = 1..=i64::MAX;

/// `?expires_in=`: seconds the uploaded file lives (whole, at least 1).
fn expires_in_param(pairs: &[(String, String)]) -> Result<Option<u64>, ApiError> {
    query_param(pairs, "expires_in")
        .map(|raw| {
            raw.parse::<u64>()
                .ok()
                .filter(|&s| s >= 1)
                .ok_or_else(|| ApiError::invalid("expires_in", "must be a whole number of seconds, at least 1"))
        })
        .transpose()
}

/// Stores an upload, raw or as a multipart form. `?name=` and `?folder=` apply to both
/// (a form's own `name` and `folder` fields win; a guest's file goes to its request's
/// folder whatever they say); a raw upload needs `?name=`. `?expires_in=` makes the file
/// expire that many seconds after it is stored (the owner's to choose: see
/// [`Sender::lifetime`]).
pub async fn upload(req: &mut Request, app: &App, by: Sender<'_>) -> Result<FileView, ApiError> {
    let content_type = header(req, "content-type").unwrap_or_default();
    let declared = match header(req, "content-length") {
        Some(raw) => {
            Some(raw.trim().parse::<u64>().map_err(|_| ApiError::invalid("content-length", "is not a number"))?)
        }
        None => None,
    };
    let pairs = query_pairs(req)?;
    let name = query_param(&pairs, "name").map(|n| FileName::parse(&n, "name")).transpose()?;
    let folder = query_param(&pairs, "folder").map(|f| FolderPath::parse(&f, "folder")).transpose()?;
    let expires_in = expires_in_param(&pairs)?;
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let boundary = crate::form_upload::form_boundary(&content_type)?;
        // workerd gives an empty body as none at all.
        let body = req.stream().map_err(|_| ApiError::invalid("file", "the form has no 'file' part"))?;
        let chunks = body.map(|chunk| chunk.map(bytes::Bytes::from).map_err(|e| e.to_string()));
        let defaults = FormDefaults { name, folder };
        return app.upload_form(by, SendStream(chunks), boundary, declared, defaults, expires_in).await;
    }
    let name = name.ok_or_else(|| ApiError::invalid("name", "is required for a raw upload"))?;
    let length = declared.ok_or(ApiError::LengthRequired)?;
    let content_type =
        ContentType::parse(&content_type, "content-type").unwrap_or_else(|_| ContentType::octet_stream());
    let body = req.inner().body().filter(|_| length > 0).map(wasm_bindgen::JsValue::from);
    let meta = by.place(FileMeta { name, folder: folder.unwrap_or_else(FolderPath::root), content_type });
    app.upload_raw(by, meta, length, body, expires_in).await
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

pub async fn list(req: &Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let query = ListQuery::parse(&query_pairs(req)?, &app.cursor_key())?;
    json(200, &app.list_files(user, query).await?)
}

/// `GET /folders?parent=`: the sub-folders of `parent` (the root by default).
pub async fn folders(req: &Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let parent = match query_param(&query_pairs(req)?, "parent") {
        Some(raw) => FolderPath::parse(&raw, "parent")?,
        None => FolderPath::root(),
    };
    json(200, &app.folders(user, &parent).await?)
}

/// `PATCH /files/{id}` with `{name?, folder?, expires_at?}` (`expires_at`: RFC 3339, or null
/// for never).
pub async fn update(req: &mut Request, app: &App, user: &Id, id: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let name = optional_str(&body, "name")?.map(|n| FileName::parse(n, "name")).transpose()?;
    let folder = optional_str(&body, "folder")?.map(|f| FolderPath::parse(f, "folder")).transpose()?;
    let expires_at = patch_field(&body, "expires_at", |value| {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::invalid("expires_at", "must be an RFC 3339 time or null"))
    })?;
    json(200, &app.update_file(user, id, name, folder, expires_at).await?)
}

/// `GET /files/{id}/download?redirect=&disposition=`.
pub async fn download(req: &Request, app: &App, user: &Id, id: &Id) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    let link = app.download_file(user, id, wants_inline(&pairs)?).await?;
    match query_param(&pairs, "redirect").as_deref() {
        Some("true") => redirect(302, &link.url),
        None | Some("false") => json(200, &link),
        Some(_) => Err(ApiError::invalid("redirect", "must be true or false")),
    }
}

/// `POST /files/uploads`: a direct upload of `{name, folder?, size, content_type?, part_size?,
/// expires_in?}`.
pub async fn create_upload(req: &mut Request, app: &App, by: Sender<'_>) -> Result<Response, ApiError> {
    let spec = upload_spec(req).await?;
    json(201, &app.create_upload(by, by.place(spec.meta), spec.size, spec.part_size, spec.expires_in).await?)
}

/// What a direct upload's body asks for.
pub struct UploadSpec {
    pub meta: FileMeta,
    pub size: u64,
    /// The part size the client asks for (5 MiB–1 GiB): then any file larger than one part
    /// goes in parts, so it can resume.
    pub part_size: Option<u64>,
    /// Seconds its file lives from its completion.
    pub expires_in: Option<u64>,
}

/// Reads a direct upload's body: `{name, folder?, size, content_type?, part_size?, expires_in?}`.
pub async fn upload_spec(req: &mut Request) -> Result<UploadSpec, ApiError> {
    let body = read_json(req, false).await?;
    let name = FileName::parse(required_str(&body, "name")?, "name")?;
    let folder = optional_str(&body, "folder")?.map_or(Ok(FolderPath::root()), |f| FolderPath::parse(f, "folder"))?;
    let content_type = optional_str(&body, "content_type")?
        .map_or(Ok(ContentType::octet_stream()), |c| ContentType::parse(c, "content_type"))?;
    let size = required_int(&body, "size", 0..=i64::MAX)?;
    let part_size = optional_int(&body, "part_size", MIN_PART_SIZE as i64..=MAX_PART_SIZE as i64)?.map(|p| p as u64);
    let expires_in = optional_int(&body, "expires_in", LIFETIME)?.map(|s| s as u64);
    Ok(UploadSpec { meta: FileMeta { name, folder, content_type }, size: size as u64, part_size, expires_in })
}

/// `GET /files/uploads/{id}/parts?from=&count=`: fresh part URLs.
pub async fn part_urls(req: &Request, app: &App, by: Sender<'_>, id: &Id) -> Result<Response, ApiError> {
    let (from, count) = part_range(req)?;
    json(200, &app.upload_part_urls(by, id, from, count).await?)
}

/// The parts `?from=&count=` asks URLs for.
pub fn part_range(req: &Request) -> Result<(u32, u32), ApiError> {
    let pairs = query_pairs(req)?;
    Ok((query_number(&pairs, "from", 1, 10_000)?, query_number(&pairs, "count", 100, 1000)?))
}

/// `POST /files/uploads/{id}/complete` with `{parts: [{part_number, etag}]}` (may be empty).
pub async fn complete_upload(req: &mut Request, app: &App, by: Sender<'_>, id: &Id) -> Result<FileView, ApiError> {
    let parts = completed_parts(req).await?;
    app.complete_upload(by, id, parts).await
}

/// The parts a complete names: `{parts: [{part_number, etag}]}` (may be empty or absent).
pub async fn completed_parts(req: &mut Request) -> Result<Vec<(u32, String)>, ApiError> {
    let body = read_json(req, true).await?;
    match body.get("parts") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(parts)) => parts.iter().map(part_etag).collect(),
        Some(_) => Err(ApiError::invalid("parts", "must be a list of {part_number, etag}")),
    }
}

fn part_etag(part: &Value) -> Result<(u32, String), ApiError> {
    let invalid = || ApiError::invalid("parts", "each part must be {part_number: 1..10000, etag: string}");
    let number = part
        .get("part_number")
        .and_then(crate::input::whole_number)
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(invalid)?;
    let etag =
        part.get("etag").and_then(Value::as_str).filter(|e| !e.is_empty() && e.len() <= 256).ok_or_else(invalid)?;
    Ok((number as u32, etag.to_owned()))
}
