//! The routes of upload requests: the owner's (create, list, change, revoke) and the
//! guest's (read the request; upload through it, streamed or direct, as `/files/upload`
//! and `/files/uploads` do, into the request's folder). A guest proves a protected
//! request's password with the `X-Edgedrop-Password` header when reading it and when
//! starting an upload; the upload's id is the proof for the calls on it that follow.

use super::base_url;
use super::files;
use super::request::{caller, header, read_json, Request};
use super::respond::{json, no_content};
use crate::error::ApiError;
use crate::input::{nullable_str, optional_int, optional_str, patch_field, patch_int, required_str, Object};
use crate::model::{FolderPath, Id, Password, Patch, RequestNote};
use crate::service::{App, Guest, RequestPatch, RequestSpec, Sender};
use crate::views::ReceivedView;
use worker::Response;

/// The header a guest sends a protected request's password in.
const PASSWORD_HEADER: &str = "x-edgedrop-password";

/// Any lifetime: the deployment's maximum is the service's to check.
const ANY_SECONDS: std::ops::RangeInclusive<i64> = 1..=i64::MAX;
/// A file limit: at least one, and no more than a counter can hold.
const FILES: std::ops::RangeInclusive<i64> = 1..=u32::MAX as i64;
/// A byte limit: at least one, and no more than D1 (JS numbers) holds exactly, 2^53 - 1.
const BYTES: std::ops::RangeInclusive<i64> = 1..=9_007_199_254_740_991;

fn password_field(body: &Object) -> Result<Option<Password>, ApiError> {
    nullable_str(body, "password")?.map(Password::parse).transpose()
}

fn note_field(body: &Object) -> Result<Option<RequestNote>, ApiError> {
    nullable_str(body, "note")?.map(RequestNote::parse).transpose()
}

/// `POST /requests` with `{folder, expires_in?, max_files?, max_bytes?, password?, note?}`.
pub async fn create(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let spec = RequestSpec {
        folder: FolderPath::parse(required_str(&body, "folder")?, "folder")?,
        expires_in: optional_int(&body, "expires_in", ANY_SECONDS)?.map(|s| s as u64),
        max_files: optional_int(&body, "max_files", FILES)?,
        max_bytes: optional_int(&body, "max_bytes", BYTES)?,
        password: password_field(&body)?,
        note: note_field(&body)?,
    };
    let base = base_url(req, &app.config)?;
    json(201, &app.create_request(user, spec, &base).await?)
}

/// `PATCH /requests/{id}`: absent fields stay, null removes a limit, the expiry, the
/// password or the note.
pub async fn update(req: &mut Request, app: &App, user: &Id, id: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let patch = RequestPatch {
        folder: match optional_str(&body, "folder")? {
            None => Patch::Keep,
            Some(folder) => Patch::Set(FolderPath::parse(folder, "folder")?),
        },
        expires_in: match patch_int(&body, "expires_in", ANY_SECONDS)? {
            Patch::Keep => Patch::Keep,
            Patch::Set(seconds) => Patch::Set(seconds.map(|s| s as u64)),
        },
        max_files: patch_int(&body, "max_files", FILES)?,
        max_bytes: patch_int(&body, "max_bytes", BYTES)?,
        password: patch_field(&body, "password", |value| {
            value
                .as_str()
                .ok_or_else(|| ApiError::invalid("password", "must be a string or null"))
                .and_then(Password::parse)
        })?,
        note: patch_field(&body, "note", |value| {
            value
                .as_str()
                .ok_or_else(|| ApiError::invalid("note", "must be a string or null"))
                .and_then(RequestNote::parse)
        })?,
    };
    json(200, &app.update_request(user, id, patch).await?)
}

/// The password a guest sent, if any.
fn password(req: &Request) -> Option<String> {
    header(req, PASSWORD_HEADER).filter(|p| !p.is_empty())
}

/// A guest's way in for starting an upload: the token, and the password when it has one.
async fn guest(req: &Request, app: &App, token: &str) -> Result<Guest, ApiError> {
    Ok(app.open_request(token, password(req).as_deref(), &caller(req)).await?.0)
}

/// `GET /request/{token}` (JSON): the note, the limits, what is left and the expiry.
pub async fn open(req: &Request, app: &App, token: &str) -> Result<Response, ApiError> {
    json(200, &app.guest_request(token, password(req).as_deref(), &caller(req)).await?)
}

/// `POST /request/{token}/files`: one file, raw or as a form, as `POST /files/upload`.
pub async fn upload(req: &mut Request, app: &App, token: &str) -> Result<Response, ApiError> {
    let guest = guest(req, app, token).await?;
    let file = files::upload(req, app, Sender::Guest(&guest)).await?;
    json(201, &ReceivedView::from(file))
}

/// `POST /request/{token}/uploads`: a direct upload, as `POST /files/uploads`. The body is
/// read first: bad input is refused whatever state the request is in.
pub async fn create_upload(req: &mut Request, app: &App, token: &str) -> Result<Response, ApiError> {
    let spec = files::upload_spec(req).await?;
    let guest = guest(req, app, token).await?;
    let by = Sender::Guest(&guest);
    json(201, &app.create_upload(by, by.place(spec.meta), spec.size, spec.part_size, spec.expires_in).await?)
}

/// `GET /request/{token}/uploads/{upload_id}`: what the bucket holds of it. The folder
/// reads `/`: a guest is not told where the owner keeps their files.
pub async fn upload_status(app: &App, token: &str, upload: &Id) -> Result<Response, ApiError> {
    let guest = app.request_for_upload(token, false).await?;
    let mut status = app.upload_status(Sender::Guest(&guest), upload).await?;
    status.folder = "/".to_owned();
    json(200, &status)
}

/// `GET /request/{token}/uploads/{upload_id}/parts`: fresh part URLs.
pub async fn part_urls(req: &Request, app: &App, token: &str, upload: &Id) -> Result<Response, ApiError> {
    let (from, count) = files::part_range(req)?;
    let guest = app.request_for_upload(token, false).await?;
    json(200, &app.upload_part_urls(Sender::Guest(&guest), upload, from, count).await?)
}

/// `POST /request/{token}/uploads/{upload_id}/complete`, as for `/files/uploads`.
pub async fn complete_upload(req: &mut Request, app: &App, token: &str, upload: &Id) -> Result<Response, ApiError> {
    let parts = files::completed_parts(req).await?;
    let guest = app.request_for_upload(token, false).await?;
    let file = app.complete_upload(Sender::Guest(&guest), upload, parts).await?;
    json(201, &ReceivedView::from(file))
}

/// `DELETE /request/{token}/uploads/{upload_id}`: abort (also once the request expired).
pub async fn abort_upload(app: &App, token: &str, upload: &Id) -> Result<Response, ApiError> {
    let guest = app.request_for_upload(token, true).await?;
    app.abort_upload(Sender::Guest(&guest), upload).await?;
    no_content()
}
