//! The routes of share links: the owner's (create, change, list, revoke, access log) and
//! the public ones (open a link, with a password if it has one, as JSON, a redirect, or a
//! landing page for browsers; list a collection; download one of its files).

use super::base_url;
use super::request::{
    caller, is_form, query_number, query_pairs, query_param, read_json, read_json_or_form, wants_html, wants_inline,
    wants_json, Request,
};
use super::respond::{html, json, redirect};
use crate::db::shares::{Asking, ShareTarget};
use crate::domain::shares::{files_link_name, folder_link_name, MAX_LINK_FILES};
use crate::error::ApiError;
use crate::input::{nullable_str, optional_int, optional_str, patch_field, patch_int, Object};
use crate::model::{FileIds, FileName, FolderPath, Id, Password, Patch};
use crate::service::{previewable, App, Landing, Resolved, COLLECTION_PAGE};
use crate::share_page::{render, Item, SharePage};
use crate::views::CollectionView;
use worker::Response;

fn password_field(body: &Object) -> Result<Option<Password>, ApiError> {
    nullable_str(body, "password")?.map(Password::parse).transpose()
}

/// The largest `expires_in` a request may carry; the deployment's maximum is the service's
/// to check, so that the rule lives in one place.
const ANY_SECONDS: std::ops::RangeInclusive<i64> = 1..=i64::MAX;
/// A download limit: at least one, and no more than a counter can hold.
const DOWNLOADS: std::ops::RangeInclusive<i64> = 1..=u32::MAX as i64;

/// A new link's `{expires_in, max_downloads, password}`.
type Controls = (Option<u64>, Option<i64>, Option<Password>);

fn controls(body: &Object) -> Result<Controls, ApiError> {
    let expires_in = optional_int(body, "expires_in", ANY_SECONDS)?.map(|s| s as u64);
    Ok((expires_in, optional_int(body, "max_downloads", DOWNLOADS)?, password_field(body)?))
}

/// `POST /files/{id}/share` with optional `{expires_in, max_downloads, password}`.
pub async fn create(req: &mut Request, app: &App, user: &Id, file: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, true).await?;
    let (expires_in, max_downloads, password) = controls(&body)?;
    let base = base_url(req, &app.config)?;
    let target = ShareTarget::File(file);
    json(201, &app.create_share(user, target, expires_in, max_downloads, password, &base).await?)
}

/// `POST /shares` with `{folder}` or `{file_ids}`, an optional `name`, and the controls of
/// any link.
pub async fn create_collection(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let folder = optional_str(&body, "folder")?.map(|f| FolderPath::parse(f, "folder")).transpose()?;
    let ids = match body.get("file_ids") {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(FileIds::parse(value, "file_ids", MAX_LINK_FILES)?),
    };
    let name = optional_str(&body, "name")?.map(|n| FileName::parse(n, "name")).transpose()?;
    let (expires_in, max_downloads, password) = controls(&body)?;
    let base = base_url(req, &app.config)?;
    let named = |default: String| name.as_ref().map_or(default, |n| n.as_str().to_owned());
    let share = match (&folder, &ids) {
        (Some(folder), None) => {
            let name = named(folder_link_name(folder.as_str()));
            let target = ShareTarget::Folder { path: folder.as_str(), name: &name };
            app.create_share(user, target, expires_in, max_downloads, password, &base).await?
        }
        (None, Some(ids)) => {
            let name = named(files_link_name(ids.as_slice().len()));
            let target = ShareTarget::Files { ids: ids.as_slice(), name: &name };
            app.create_share(user, target, expires_in, max_downloads, password, &base).await?
        }
        _ => return Err(ApiError::invalid("folder", "give either folder or file_ids")),
    };
    json(201, &share)
}

/// `GET /shares?cursor=&limit=`: the user's links of every kind, newest first.
pub async fn list(req: &Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    let limit = query_number(&pairs, "limit", 50, 1000)?;
    let cursor = query_param(&pairs, "cursor").filter(|c| !c.is_empty());
    json(200, &app.shares_of_owner(user, cursor.as_deref(), limit).await?)
}

/// `PATCH /files/{id}/shares/{share_id}` or `PATCH /shares/{share_id}`: absent fields stay,
/// null removes a limit or the password.
pub async fn update(
    req: &mut Request,
    app: &App,
    user: &Id,
    file: Option<&Id>,
    share: &Id,
) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let expires_in = match patch_int(&body, "expires_in", ANY_SECONDS)? {
        Patch::Keep => Patch::Keep,
        Patch::Set(seconds) => Patch::Set(seconds.map(|s| s as u64)),
    };
    let max_downloads = patch_int(&body, "max_downloads", DOWNLOADS)?;
    let password = patch_field(&body, "password", |value| {
        value
            .as_str()
            .ok_or_else(|| ApiError::invalid("password", "must be a string or null"))
            .and_then(Password::parse)
    })?;
    json(200, &app.update_share(user, file, share, expires_in, max_downloads, password).await?)
}

/// `GET /files/{id}/shares/{share_id}/accesses` or `GET /shares/{share_id}/accesses`, with
/// `?cursor=&limit=`.
pub async fn accesses(
    req: &Request,
    app: &App,
    user: &Id,
    file: Option<&Id>,
    share: &Id,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    let limit = query_number(&pairs, "limit", 50, 1000)?;
    let cursor = query_param(&pairs, "cursor").filter(|c| !c.is_empty());
    json(200, &app.share_accesses(user, file, share, cursor.as_deref(), limit).await?)
}

fn page(app: &App, status: u16, page: &SharePage<'_>) -> Result<Response, ApiError> {
    let bucket = &app.config.bucket.endpoint;
    let csp = match page {
        SharePage::Collection { .. } => crate::web::collection_page_csp(bucket),
        _ => crate::web::share_page_csp(bucket),
    };
    html(status, &render(page), &csp)
}

/// The file a public route names (`/share/{token}/files/{file_id}`); one that cannot exist
/// is not in the link.
pub fn shared_file_id(raw: &str) -> Result<Id, ApiError> {
    Id::parse(raw).ok_or(ApiError::ShareNotFound)
}

/// `GET /share/{token}` and `GET /share/{token}/files/{file_id}`: a browser opening the link
/// gets the landing page (counting nothing); any other client gets the download, as JSON or
/// a redirect, or, for a collection, a page of what it holds.
/// With `?grant=` (from `POST /share/{token}/zip`), the list and the files come without
/// counting.
pub async fn resolve(req: &Request, app: &App, token: &str, file: Option<&Id>) -> Result<Response, ApiError> {
    let pairs = query_pairs(req)?;
    if let Some(grant) = query_param(&pairs, "grant") {
        let resolved = app.granted(token, &grant, file, wants_inline(&pairs)?).await?;
        return answer(req, app, resolved).await;
    }
    if file.is_none() && wants_html(req) {
        return landing(app, token, None, 200).await;
    }
    let asking = file.map_or(Asking::OwnFile, Asking::File);
    let resolved = app.resolve_share(token, asking, wants_inline(&pairs)?, None, &caller(req)).await?;
    answer(req, app, resolved).await
}

/// `POST /share/{token}/zip` with optional `{password}`: counts one download of the
/// collection and answers with the grant that fetches its files ("download all").
pub async fn zip(req: &mut Request, app: &App, token: &str) -> Result<Response, ApiError> {
    let body = read_json(req, true).await?;
    let password = nullable_str(&body, "password")?.filter(|p| !p.is_empty());
    let resolved = app.resolve_share(token, Asking::Everything, false, password, &caller(req)).await?;
    answer(req, app, resolved).await
}

/// A download as JSON or a redirect; a collection's page as JSON (`?cursor=&limit=`).
async fn answer(req: &Request, app: &App, resolved: Resolved) -> Result<Response, ApiError> {
    match resolved {
        Resolved::Download(shared) if wants_json(req) => json(200, &shared),
        Resolved::Download(shared) => redirect(302, &shared.url),
        Resolved::Collection(access) => {
            let pairs = query_pairs(req)?;
            let limit = query_number(&pairs, "limit", COLLECTION_PAGE, 1000)?;
            let cursor = query_param(&pairs, "cursor").filter(|c| !c.is_empty());
            json(200, &app.collection_page(&access, cursor.as_deref(), limit).await?)
        }
        Resolved::Zip(grant) => json(200, &grant),
    }
}

/// The landing page of a collection: a page of its files.
fn collection_page(
    app: &App,
    status: u16,
    token: &str,
    list: &CollectionView,
    password: Option<&str>,
) -> Result<Response, ApiError> {
    let items: Vec<Item<'_>> = list
        .items
        .iter()
        .map(|i| Item {
            id: &i.id,
            name: &i.name,
            folder: &i.folder,
            size: i.size,
            preview: previewable(&i.content_type),
        })
        .collect();
    let more = list.next_cursor.is_some();
    page(app, status, &SharePage::Collection { token, name: &list.name, items: &items, more, password })
}

async fn landing(app: &App, token: &str, error: Option<&str>, status: u16) -> Result<Response, ApiError> {
    match app.share_landing(token).await? {
        Landing::Ready { name, size, preview } => {
            page(app, status, &SharePage::Ready { token, name: &name, size, preview, error })
        }
        Landing::Collection(list) => collection_page(app, status, token, &list, None),
        Landing::Locked => page(app, status, &SharePage::Locked { token, error }),
        Landing::Gone => page(app, 410, &SharePage::Gone),
        Landing::Missing => page(app, 404, &SharePage::Missing),
    }
}

/// `POST /share/{token}` (and `…/files/{file_id}`) with `{password}` (JSON or the landing
/// page's form): resolves it like `GET`. The form gets a 303 to the download (or, for a
/// collection, the page listing it), or the page again with the error.
pub async fn unlock(req: &mut Request, app: &App, token: &str, file: Option<&Id>) -> Result<Response, ApiError> {
    let from_form = is_form(req);
    let body = read_json_or_form(req).await?;
    let password = nullable_str(&body, "password")?.filter(|p| !p.is_empty());
    // The landing page's Preview button sends `disposition` as a field of its form.
    let mut pairs = query_pairs(req)?;
    if let Some(asked) = optional_str(&body, "disposition")? {
        pairs.push(("disposition".to_owned(), asked.to_owned()));
    }
    let inline = wants_inline(&pairs)?;
    let asking = file.map_or(Asking::OwnFile, Asking::File);
    let result = app.resolve_share(token, asking, inline, password, &caller(req)).await;
    if !from_form {
        return answer(req, app, result?).await;
    }
    match result {
        Ok(Resolved::Download(shared)) => redirect(303, &shared.url),
        Ok(Resolved::Collection(access)) => {
            let list = app.collection_page(&access, None, COLLECTION_PAGE).await?;
            collection_page(app, 200, token, &list, password)
        }
        Ok(Resolved::Zip(grant)) => json(200, &grant),
        Err(ApiError::InvalidSharePassword) => landing(app, token, Some("Wrong password. Try again."), 401).await,
        Err(ApiError::SharePasswordRequired) => landing(app, token, Some("Enter the password."), 401).await,
        Err(ApiError::RateLimited { retry_after }) => {
            let message = format!("Too many wrong passwords. Try again in {} minutes.", retry_after.div_ceil(60));
            landing(app, token, Some(&message), 429).await
        }
        Err(ApiError::ShareExpired) => page(app, 410, &SharePage::Gone),
        Err(ApiError::ShareNotFound) => page(app, 404, &SharePage::Missing),
        Err(e) => Err(e),
    }
}
