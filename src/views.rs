//! Every answer body of the API, next to each other, with the conversions from the rows
//! they are made of. The OpenAPI document (`openapi.json`) describes exactly these shapes.

use crate::db::collections::ItemRow;
use crate::db::files::FileRow;
use crate::db::invites::InviteRow;
use crate::db::requests::{OpenRequest, RequestRow};
use crate::db::sessions::TokenRow;
use crate::db::shares::{AccessRow, ShareRow};
use crate::db::users::UserRow;
use crate::db::webhooks::WebhookRow;
use crate::domain::tokens::NEVER;
use crate::domain::uploads::StoredPart;
use crate::model::{rfc3339, Scope, Scopes};
use serde::{Deserialize, Serialize};

/// A new account.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub created_at: String,
}

/// The signed-in user with their usage.
#[derive(Debug, Serialize, Deserialize)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub file_count: i64,
    /// Bytes of stored files.
    pub used_bytes: i64,
    /// Bytes promised to uploads under way.
    pub pending_bytes: i64,
    /// The user's effective quota over stored and pending bytes (their own, else the
    /// deployment's); null when unlimited.
    pub quota_bytes: Option<u64>,
    /// Whether the user is one of the deployment's admins (`ADMIN_EMAILS`).
    pub is_admin: bool,
}

impl MeView {
    /// The profile of `row`, whose quota is `quota_bytes` (effective).
    pub fn of(row: UserRow, quota_bytes: Option<u64>, is_admin: bool) -> Self {
        MeView {
            id: row.id,
            email: row.email,
            created_at: rfc3339(row.created_at),
            file_count: row.file_count,
            used_bytes: row.used_bytes,
            pending_bytes: row.reserved_bytes,
            quota_bytes,
            is_admin,
        }
    }
}

/// A user as an admin sees them.
#[derive(Debug, Serialize)]
pub struct AdminUserView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub file_count: i64,
    /// Bytes of stored files.
    pub used_bytes: i64,
    /// Bytes promised to uploads under way.
    pub pending_bytes: i64,
    /// The effective quota; null when unlimited.
    pub quota_bytes: Option<u64>,
    /// The user's own quota as set by an admin: null = the default, 0 = unlimited.
    pub quota_override: Option<i64>,
    pub disabled: bool,
}

impl AdminUserView {
    /// The admin's view of `row`, whose effective quota is `quota_bytes`.
    pub fn of(row: UserRow, quota_bytes: Option<u64>) -> Self {
        AdminUserView {
            id: row.id,
            email: row.email,
            created_at: rfc3339(row.created_at),
            file_count: row.file_count,
            used_bytes: row.used_bytes,
            pending_bytes: row.reserved_bytes,
            quota_bytes,
            quota_override: row.quota_bytes,
            disabled: row.disabled != 0,
        }
    }
}

/// A page of the admin's list of users.
#[derive(Debug, Serialize)]
pub struct AdminUserPage {
    pub items: Vec<AdminUserView>,
    pub next_cursor: Option<String>,
}

/// An invite, as its list shows it (never its token).
#[derive(Debug, Serialize)]
pub struct InviteView {
    pub id: String,
    /// The only email it registers, if bound to one.
    pub email: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    /// When a registration spent it.
    pub used_at: Option<String>,
}

impl From<InviteRow> for InviteView {
    fn from(row: InviteRow) -> Self {
        InviteView {
            id: row.id,
            email: row.email,
            created_at: rfc3339(row.created_at),
            expires_at: rfc3339(row.expires_at),
            used_at: row.used_at.map(rfc3339),
        }
    }
}

/// A new invite: its token and sign-up URL, shown this once.
#[derive(Debug, Serialize)]
pub struct NewInviteView {
    pub id: String,
    pub token: String,
    pub url: String,
    pub email: Option<String>,
    pub expires_at: String,
}

/// The live invites.
#[derive(Debug, Serialize)]
pub struct InviteList {
    pub items: Vec<InviteView>,
}

/// The answer to a login.
#[derive(Debug, Serialize)]
pub struct TokenView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// A personal access token. `token` (the secret) is only in the answer that created it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenView {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    /// Null when it never expires.
    pub expires_at: Option<String>,
    /// Null until first used; updated at most once a minute.
    pub last_used_at: Option<String>,
}

impl AccessTokenView {
    /// The answer to creating token `id`: its secret, shown this once.
    pub fn created(id: &str, name: &str, scopes: Scopes, token: String, now: i64, expires_at: i64) -> Self {
        AccessTokenView {
            id: id.to_owned(),
            name: name.to_owned(),
            token: Some(token),
            scopes: scopes.list(),
            created_at: rfc3339(now),
            expires_at: (expires_at < NEVER).then(|| rfc3339(expires_at)),
            last_used_at: None,
        }
    }
}

impl From<TokenRow> for AccessTokenView {
    fn from(row: TokenRow) -> Self {
        AccessTokenView {
            id: row.id,
            name: row.name,
            token: None,
            scopes: Scopes::from_text(&row.scopes).map(Scopes::list).unwrap_or_default(),
            created_at: rfc3339(row.created_at),
            expires_at: (row.expires_at < NEVER).then(|| rfc3339(row.expires_at)),
            last_used_at: row.last_used_at.map(rfc3339),
        }
    }
}

/// A user's personal access tokens, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenList {
    pub items: Vec<AccessTokenView>,
}

/// A file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub content_type: String,
    pub created_at: String,
    pub updated_at: String,
    /// When the file expires (it is gone from then on); null: never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl From<FileRow> for FileView {
    fn from(row: FileRow) -> Self {
        FileView {
            id: row.id,
            name: row.name,
            folder: row.folder,
            size: row.size,
            content_type: row.content_type,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
            expires_at: row.expires_at.map(rfc3339),
        }
    }
}

impl FileView {
    /// The file a committed upload became, as its upload row describes it (for a guest,
    /// whose request may not read the owner's files, and who is only shown a
    /// [`ReceivedView`] of it: so without the expiry, which the row does not hold).
    pub fn of_upload(upload: &crate::db::uploads::UploadRow) -> Self {
        FileView {
            id: upload.file_id.clone(),
            name: upload.name.clone(),
            folder: upload.folder.clone(),
            size: upload.size,
            content_type: upload.content_type.clone(),
            created_at: rfc3339(upload.created_at),
            updated_at: rfc3339(upload.created_at),
            expires_at: None,
        }
    }
}

/// A page of files.
#[derive(Debug, Serialize, Deserialize)]
pub struct FilePage {
    pub items: Vec<FileView>,
    pub next_cursor: Option<String>,
}

/// A folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct FolderView {
    /// The full path, as `folder` of files and `?folder=` of listings take it.
    pub path: String,
    /// The last segment.
    pub name: String,
}

impl FolderView {
    /// The folder at `path`.
    pub fn at(path: String) -> Self {
        FolderView { name: path.rsplit('/').next().unwrap_or_default().to_owned(), path }
    }
}

/// The sub-folders of a folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct FolderList {
    pub items: Vec<FolderView>,
    /// Whether there were more than the listing shows.
    pub truncated: bool,
}

/// A presigned URL and when it stops working.
#[derive(Debug, Serialize, Deserialize)]
pub struct UrlView {
    pub url: String,
    pub expires_at: String,
}

/// A presigned URL for one part.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartUrl {
    pub part_number: u32,
    pub url: String,
}

/// A new direct upload and where its bytes go.
#[derive(Debug, Serialize)]
pub struct UploadTicket {
    pub upload_id: String,
    pub file_id: String,
    /// `put` (one request to `url`) or `multipart` (each part to its URL in `parts`).
    pub method: &'static str,
    pub size: i64,
    pub part_size: i64,
    pub part_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<PartUrl>>,
    /// When the URLs stop working.
    pub expires_at: String,
    /// When the pending upload is abandoned if not completed.
    pub upload_expires_at: String,
}

/// Fresh part URLs.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartUrls {
    pub parts: Vec<PartUrl>,
    pub expires_at: String,
}

/// What the bucket already holds of a pending upload.
#[derive(Debug, Serialize)]
pub struct UploadStatus {
    pub upload_id: String,
    pub file_id: String,
    pub method: &'static str,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub part_size: i64,
    pub part_count: u32,
    /// The parts stored so far (multipart); the whole object as part 1 (put), if stored.
    pub parts: Vec<StoredPart>,
    pub uploaded_bytes: u64,
    pub upload_expires_at: String,
}

/// A share link; `token` and `url` only in the answer that creates it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareView {
    pub id: String,
    /// `file` (one file), `files` (a set of files) or `folder` (a folder and what is below it).
    #[serde(default)]
    pub kind: String,
    /// The shared file of a `file` link; null for collections.
    pub file_id: Option<String>,
    /// The shared folder of a `folder` link; null otherwise.
    #[serde(default)]
    pub folder: Option<String>,
    /// A collection's name; a `file` link's file's name where it was read, else null.
    #[serde(default)]
    pub name: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub max_downloads: Option<i64>,
    pub download_count: i64,
    pub password_protected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<ShareRow> for ShareView {
    fn from(row: ShareRow) -> Self {
        ShareView {
            id: row.id,
            kind: row.kind,
            file_id: row.file_id,
            folder: row.folder,
            name: row.name,
            created_at: rfc3339(row.created_at),
            expires_at: row.expires_at.map(rfc3339),
            max_downloads: row.max_downloads,
            download_count: row.download_count,
            password_protected: row.protected != 0,
            token: None,
            url: None,
        }
    }
}

/// The share links of a file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShareList {
    pub items: Vec<ShareView>,
}

/// A webhook. `secret` (the signing key) is only in the answer that created it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: String,
    /// Set when deliveries kept failing for `WEBHOOK_RETRY_HOURS`: no more are sent.
    pub disabled_at: Option<String>,
    pub disabled_reason: Option<String>,
}

impl From<WebhookRow> for WebhookView {
    fn from(row: WebhookRow) -> Self {
        WebhookView {
            id: row.id,
            url: row.url,
            events: row.events.split_whitespace().map(str::to_owned).collect(),
            secret: None,
            created_at: rfc3339(row.created_at),
            disabled_at: row.disabled_at.map(rfc3339),
            disabled_reason: row.disabled_reason,
        }
    }
}

/// An account's webhooks, oldest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// A page of the user's share links of every kind, newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct SharePage {
    pub items: Vec<ShareView>,
    pub next_cursor: Option<String>,
}

/// A file of a collection link, as its visitors see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ItemView {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub size: i64,
    pub content_type: String,
}

impl From<ItemRow> for ItemView {
    fn from(row: ItemRow) -> Self {
        ItemView { id: row.id, name: row.name, folder: row.folder, size: row.size, content_type: row.content_type }
    }
}

/// A "download all" of a collection, counted as one download: `grant` fetches its list and
/// its files (`?grant=`) until `expires_at` without counting more.
#[derive(Debug, Serialize, Deserialize)]
pub struct ZipView {
    /// The collection's name (the zip's, by default).
    pub name: String,
    pub grant: String,
    pub expires_at: String,
}

/// A page of what a collection link holds (`GET /share/{token}`; counts nothing).
#[derive(Debug, Serialize, Deserialize)]
pub struct CollectionView {
    /// `files` or `folder`.
    pub kind: String,
    pub name: String,
    pub items: Vec<ItemView>,
    pub next_cursor: Option<String>,
}

/// What a share link resolves to.
#[derive(Debug, Serialize)]
pub struct SharedView {
    pub url: String,
    pub expires_at: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

/// One entry of an access log.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessView {
    pub at: String,
    pub ip_hash: String,
    pub user_agent: String,
    pub outcome: String,
}

impl From<AccessRow> for AccessView {
    fn from(row: AccessRow) -> Self {
        AccessView { at: rfc3339(row.at), ip_hash: row.ip_hash, user_agent: row.user_agent, outcome: row.outcome }
    }
}

/// A page of an access log.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessPage {
    pub items: Vec<AccessView>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests;

/// An upload request, as its owner sees it; `token` and `url` only when it was just made.
#[derive(Debug, Serialize)]
pub struct RequestView {
    pub id: String,
    pub folder: String,
    pub note: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    /// Files that became files in the folder (deleting them later gives nothing back).
    pub files_received: i64,
    pub bytes_received: i64,
    /// Uploads under way through it.
    pub files_pending: i64,
    /// Files and bytes it still takes (null: no limit).
    pub files_left: Option<i64>,
    pub bytes_left: Option<i64>,
    pub protected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<RequestRow> for RequestView {
    fn from(row: RequestRow) -> Self {
        let left = |max: Option<i64>, used: i64| max.map(|max| max.saturating_sub(used).max(0));
        RequestView {
            files_left: left(row.max_files, row.files_used),
            bytes_left: left(row.max_bytes, row.bytes_used),
            files_pending: row.files_used.saturating_sub(row.files_received).max(0),
            id: row.id,
            folder: row.folder,
            note: row.note,
            created_at: rfc3339(row.created_at),
            expires_at: row.expires_at.map(rfc3339),
            max_files: row.max_files,
            max_bytes: row.max_bytes,
            files_received: row.files_received,
            bytes_received: row.bytes_received,
            protected: row.protected != 0,
            token: None,
            url: None,
        }
    }
}

/// The owner's upload requests.
#[derive(Debug, Serialize)]
pub struct RequestList {
    pub items: Vec<RequestView>,
}

/// What a guest with the link learns of an upload request: the owner's note, its limits
/// and what is left of them, and its expiry. Nothing of the folder or its files.
#[derive(Debug, Serialize)]
pub struct GuestRequestView {
    pub note: Option<String>,
    pub expires_at: Option<String>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    pub files_left: Option<i64>,
    pub bytes_left: Option<i64>,
    pub protected: bool,
    /// The largest file one `POST /request/{token}/files` takes; larger ones go direct.
    pub max_upload_bytes: u64,
}

impl GuestRequestView {
    pub fn of(request: &OpenRequest, max_upload_bytes: u64) -> Self {
        let state = request.state();
        GuestRequestView {
            note: request.note.clone(),
            expires_at: request.expires_at.map(rfc3339),
            max_files: request.max_files,
            max_bytes: request.max_bytes,
            files_left: state.files_left(),
            bytes_left: state.bytes_left(),
            protected: state.protected,
            max_upload_bytes,
        }
    }
}

/// What a guest learns of a file they sent: what they sent, not where it went.
#[derive(Debug, Serialize)]
pub struct ReceivedView {
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub created_at: String,
}

impl From<FileView> for ReceivedView {
    fn from(file: FileView) -> Self {
        ReceivedView { name: file.name, size: file.size, content_type: file.content_type, created_at: file.created_at }
    }
}
