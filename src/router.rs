//! Which operation a method and path ask for. Path parameters stay raw text here; the
//! handlers parse them (after authentication, so that nothing leaks to strangers).

use crate::error::ApiError;
use crate::model::Scope;

/// Every operation of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Health,
    Register,
    Login,
    StartSession,
    EndSession,
    EndAllSessions,
    ChangePassword,
    Me,
    DeleteMe,
    AdminUsers,
    UpdateUser(&'a str),
    DeleteUser(&'a str),
    CreateInvite,
    ListInvites,
    RevokeInvite(&'a str),
    CreateToken,
    ListTokens,
    RevokeToken(&'a str),
    CreateWebhook,
    ListWebhooks,
    DeleteWebhook(&'a str),
    Folders,
    Upload,
    ListFiles,
    GetFile(&'a str),
    UpdateFile(&'a str),
    DeleteFile(&'a str),
    Download(&'a str),
    CreateShare(&'a str),
    ListShares(&'a str),
    UpdateShare { file: &'a str, share: &'a str },
    RevokeShare { file: &'a str, share: &'a str },
    ShareAccesses { file: &'a str, share: &'a str },
    CreateLink,
    ListLinks,
    UpdateLink(&'a str),
    RevokeLink(&'a str),
    LinkAccesses(&'a str),
    ResolveShare(&'a str),
    UnlockShare(&'a str),
    ResolveSharedFile { token: &'a str, file: &'a str },
    UnlockSharedFile { token: &'a str, file: &'a str },
    ZipShare(&'a str),
    CreateUpload,
    UploadStatus(&'a str),
    UploadParts(&'a str),
    CompleteUpload(&'a str),
    AbortUpload(&'a str),
    CreateRequest,
    ListRequests,
    UpdateRequest(&'a str),
    RevokeRequest(&'a str),
    OpenRequest(&'a str),
    RequestUpload(&'a str),
    RequestCreateUpload(&'a str),
    RequestUploadStatus { token: &'a str, upload: &'a str },
    RequestUploadParts { token: &'a str, upload: &'a str },
    RequestCompleteUpload { token: &'a str, upload: &'a str },
    RequestAbortUpload { token: &'a str, upload: &'a str },
    OpenApi,
    Docs,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, and nothing of the deployment is needed: the health check and the API's
    /// own documents (they answer even when the configuration is broken).
    Document,
    /// Anyone: accounts' entry points, share links and upload requests' links.
    Public,
    /// A signed-in user (bearer token or session cookie).
    SignedIn,
    /// A signed-in admin (`ADMIN_EMAILS`); to anyone else the route does not exist (404).
    Admin,
}

impl Route<'_> {
    /// Who may call this route: the one place that decides which routes need a user.
    pub fn access(&self) -> Access {
        match self {
            Route::Health | Route::OpenApi | Route::Docs => Access::Document,
            Route::Register
            | Route::Login
            | Route::StartSession
            | Route::EndSession
            | Route::ResolveShare(_)
            | Route::UnlockShare(_)
            | Route::OpenRequest(_)
            | Route::RequestUpload(_)
            | Route::RequestCreateUpload(_)
            | Route::RequestUploadStatus { .. }
            | Route::RequestUploadParts { .. }
            | Route::RequestCompleteUpload { .. }
            | Route::RequestAbortUpload { .. }
            | Route::ResolveSharedFile { .. }
            | Route::UnlockSharedFile { .. }
            | Route::ZipShare(_) => Access::Public,
            Route::AdminUsers
            | Route::UpdateUser(_)
            | Route::DeleteUser(_)
            | Route::CreateInvite
            | Route::ListInvites
            | Route::RevokeInvite(_) => Access::Admin,
            Route::Me
            | Route::DeleteMe
            | Route::ChangePassword
            | Route::EndAllSessions
            | Route::CreateToken
            | Route::ListTokens
            | Route::RevokeToken(_)
            | Route::CreateWebhook
            | Route::ListWebhooks
            | Route::DeleteWebhook(_)
            | Route::Folders
            | Route::Upload
            | Route::ListFiles
            | Route::GetFile(_)
            | Route::UpdateFile(_)
            | Route::DeleteFile(_)
            | Route::Download(_)
            | Route::CreateShare(_)
            | Route::ListShares(_)
            | Route::UpdateShare { .. }
            | Route::RevokeShare { .. }
            | Route::ShareAccesses { .. }
            | Route::CreateLink
            | Route::ListLinks
            | Route::UpdateLink(_)
            | Route::RevokeLink(_)
            | Route::LinkAccesses(_)
            | Route::CreateUpload
            | Route::UploadStatus(_)
            | Route::UploadParts(_)
            | Route::CompleteUpload(_)
            | Route::AbortUpload(_)
            | Route::CreateRequest
            | Route::ListRequests
            | Route::UpdateRequest(_)
            | Route::RevokeRequest(_) => Access::SignedIn,
        }
    }
}

impl Route<'_> {
    /// The route's name without its parameters (a share token is a secret), for log lines:
    /// `ResolveShare`, `GetFile`.
    pub fn name(&self) -> String {
        let debug = format!("{self:?}");
        debug.split(['(', ' ']).next().unwrap_or_default().to_owned()
    }

    /// The scope a personal access token needs for this signed-in route; `None` for the
    /// routes only a password session may call (tokens, sessions, the account) and for
    /// routes that are not signed in. The one place that decides what each scope allows.
    pub fn scope(&self) -> Option<Scope> {
        match self {
            Route::Folders | Route::ListFiles | Route::GetFile(_) | Route::Download(_) => Some(Scope::FilesRead),
            Route::Upload
            | Route::UpdateFile(_)
            | Route::DeleteFile(_)
            | Route::CreateUpload
            | Route::UploadStatus(_)
            | Route::UploadParts(_)
            | Route::CompleteUpload(_)
            | Route::AbortUpload(_) => Some(Scope::FilesWrite),
            Route::CreateShare(_)
            | Route::ListShares(_)
            | Route::UpdateShare { .. }
            | Route::RevokeShare { .. }
            | Route::ShareAccesses { .. }
            | Route::CreateRequest
            | Route::ListRequests
            | Route::UpdateRequest(_)
            | Route::RevokeRequest(_)
            | Route::CreateLink
            | Route::ListLinks
            | Route::UpdateLink(_)
            | Route::RevokeLink(_)
            | Route::LinkAccesses(_) => Some(Scope::SharesWrite),
            Route::Health
            | Route::OpenApi
            | Route::Docs
            | Route::Register
            | Route::Login
            | Route::StartSession
            | Route::EndSession
            | Route::ResolveShare(_)
            | Route::UnlockShare(_)
            | Route::OpenRequest(_)
            | Route::RequestUpload(_)
            | Route::RequestCreateUpload(_)
            | Route::RequestUploadStatus { .. }
            | Route::RequestUploadParts { .. }
            | Route::RequestCompleteUpload { .. }
            | Route::RequestAbortUpload { .. }
            | Route::ResolveSharedFile { .. }
            | Route::UnlockSharedFile { .. }
            | Route::ZipShare(_)
            | Route::Me
            | Route::EndAllSessions
            | Route::CreateToken
            | Route::ListTokens
            | Route::RevokeToken(_)
            | Route::CreateWebhook
            | Route::ListWebhooks
            | Route::DeleteWebhook(_)
            | Route::ChangePassword
            | Route::DeleteMe
            | Route::AdminUsers
            | Route::UpdateUser(_)
            | Route::DeleteUser(_)
            | Route::CreateInvite
            | Route::ListInvites
            | Route::RevokeInvite(_) => None,
        }
    }
}

/// The route for `method` and `path`: 404 when no route has the path, 405 (with the allowed
/// methods) when the path exists under other methods.
pub fn route<'a>(method: &str, path: &'a str) -> Result<Route<'a>, ApiError> {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let not_allowed = |allow| Err(ApiError::MethodNotAllowed { allow });
    match (segments.as_slice(), method) {
        (["healthz"], "GET") => Ok(Route::Health),
        (["healthz"], _) => not_allowed("GET"),
        (["auth", "register"], "POST") => Ok(Route::Register),
        (["auth", "login"], "POST") => Ok(Route::Login),
        (["auth", "register" | "login"], _) => not_allowed("POST"),
        (["auth", "session"], "POST") => Ok(Route::StartSession),
        (["auth", "session"], "DELETE") => Ok(Route::EndSession),
        (["auth", "session"], _) => not_allowed("POST, DELETE"),
        (["auth", "sessions"], "DELETE") => Ok(Route::EndAllSessions),
        (["auth", "sessions"], _) => not_allowed("DELETE"),
        (["auth", "password"], "POST") => Ok(Route::ChangePassword),
        (["auth", "password"], _) => not_allowed("POST"),
        (["auth", "tokens"], "POST") => Ok(Route::CreateToken),
        (["auth", "tokens"], "GET") => Ok(Route::ListTokens),
        (["auth", "tokens"], _) => not_allowed("GET, POST"),
        (["auth", "tokens", id], "DELETE") if !id.is_empty() => Ok(Route::RevokeToken(id)),
        (["auth", "tokens", id], _) if !id.is_empty() => not_allowed("DELETE"),
        (["webhooks"], "POST") => Ok(Route::CreateWebhook),
        (["webhooks"], "GET") => Ok(Route::ListWebhooks),
        (["webhooks"], _) => not_allowed("GET, POST"),
        (["webhooks", id], "DELETE") if !id.is_empty() => Ok(Route::DeleteWebhook(id)),
        (["webhooks", id], _) if !id.is_empty() => not_allowed("DELETE"),
        (["auth", "me"], "GET") => Ok(Route::Me),
        (["auth", "me"], "DELETE") => Ok(Route::DeleteMe),
        (["auth", "me"], _) => not_allowed("GET, DELETE"),
        // The admin's routes: another method is no 405, which would tell they exist.
        (["admin", "users"], "GET") => Ok(Route::AdminUsers),
        (["admin", "users", id], "PATCH") if !id.is_empty() => Ok(Route::UpdateUser(id)),
        (["admin", "users", id], "DELETE") if !id.is_empty() => Ok(Route::DeleteUser(id)),
        (["admin", "invites"], "GET") => Ok(Route::ListInvites),
        (["admin", "invites"], "POST") => Ok(Route::CreateInvite),
        (["admin", "invites", id], "DELETE") if !id.is_empty() => Ok(Route::RevokeInvite(id)),
        (["folders"], "GET") => Ok(Route::Folders),
        (["folders"], _) => not_allowed("GET"),
        (["files"], "GET") => Ok(Route::ListFiles),
        (["files"], _) => not_allowed("GET"),
        (["files", "upload"], "POST") => Ok(Route::Upload),
        (["files", "upload"], _) => not_allowed("POST"),
        (["files", "uploads"], "POST") => Ok(Route::CreateUpload),
        (["files", "uploads"], _) => not_allowed("POST"),
        (["files", "uploads", id], "GET") if !id.is_empty() => Ok(Route::UploadStatus(id)),
        (["files", "uploads", id], "DELETE") if !id.is_empty() => Ok(Route::AbortUpload(id)),
        (["files", "uploads", id], _) if !id.is_empty() => not_allowed("GET, DELETE"),
        (["files", "uploads", id, "parts"], "GET") => Ok(Route::UploadParts(id)),
        (["files", "uploads", _, "parts"], _) => not_allowed("GET"),
        (["files", "uploads", id, "complete"], "POST") => Ok(Route::CompleteUpload(id)),
        (["files", "uploads", _, "complete"], _) => not_allowed("POST"),
        (["files", id], "GET") if !id.is_empty() => Ok(Route::GetFile(id)),
        (["files", id], "PATCH") if !id.is_empty() => Ok(Route::UpdateFile(id)),
        (["files", id], "DELETE") if !id.is_empty() => Ok(Route::DeleteFile(id)),
        (["files", id], _) if !id.is_empty() => not_allowed("GET, PATCH, DELETE"),
        (["files", id, "download"], "GET") => Ok(Route::Download(id)),
        (["files", _, "download"], _) => not_allowed("GET"),
        (["files", id, "share"], "POST") => Ok(Route::CreateShare(id)),
        (["files", _, "share"], _) => not_allowed("POST"),
        (["files", id, "shares"], "GET") => Ok(Route::ListShares(id)),
        (["files", _, "shares"], _) => not_allowed("GET"),
        (["files", file, "shares", share], "PATCH") if !share.is_empty() => Ok(Route::UpdateShare { file, share }),
        (["files", file, "shares", share], "DELETE") if !share.is_empty() => Ok(Route::RevokeShare { file, share }),
        (["files", _, "shares", share], _) if !share.is_empty() => not_allowed("PATCH, DELETE"),
        (["files", file, "shares", share, "accesses"], "GET") => Ok(Route::ShareAccesses { file, share }),
        (["files", _, "shares", _, "accesses"], _) => not_allowed("GET"),
        (["share", token], "GET") if !token.is_empty() => Ok(Route::ResolveShare(token)),
        (["share", token], "POST") if !token.is_empty() => Ok(Route::UnlockShare(token)),
        (["share", token], _) if !token.is_empty() => not_allowed("GET, POST"),
        (["requests"], "POST") => Ok(Route::CreateRequest),
        (["requests"], "GET") => Ok(Route::ListRequests),
        (["requests"], _) => not_allowed("GET, POST"),
        (["requests", id], "PATCH") if !id.is_empty() => Ok(Route::UpdateRequest(id)),
        (["requests", id], "DELETE") if !id.is_empty() => Ok(Route::RevokeRequest(id)),
        (["requests", id], _) if !id.is_empty() => not_allowed("PATCH, DELETE"),
        (["request", token], "GET") if !token.is_empty() => Ok(Route::OpenRequest(token)),
        (["request", token], _) if !token.is_empty() => not_allowed("GET"),
        (["request", token, "files"], "POST") => Ok(Route::RequestUpload(token)),
        (["request", _, "files"], _) => not_allowed("POST"),
        (["request", token, "uploads"], "POST") => Ok(Route::RequestCreateUpload(token)),
        (["request", _, "uploads"], _) => not_allowed("POST"),
        (["request", token, "uploads", upload], "GET") if !upload.is_empty() => {
            Ok(Route::RequestUploadStatus { token, upload })
        }
        (["request", token, "uploads", upload], "DELETE") if !upload.is_empty() => {
            Ok(Route::RequestAbortUpload { token, upload })
        }
        (["request", _, "uploads", upload], _) if !upload.is_empty() => not_allowed("GET, DELETE"),
        (["request", token, "uploads", upload, "parts"], "GET") => Ok(Route::RequestUploadParts { token, upload }),
        (["request", _, "uploads", _, "parts"], _) => not_allowed("GET"),
        (["request", token, "uploads", upload, "complete"], "POST") => {
            Ok(Route::RequestCompleteUpload { token, upload })
        }
        (["request", _, "uploads", _, "complete"], _) => not_allowed("POST"),
        (["share", token, "files", file], "GET") if !file.is_empty() => Ok(Route::ResolveSharedFile { token, file }),
        (["share", token, "files", file], "POST") if !file.is_empty() => Ok(Route::UnlockSharedFile { token, file }),
        (["share", _, "files", file], _) if !file.is_empty() => not_allowed("GET, POST"),
        (["share", token, "zip"], "POST") if !token.is_empty() => Ok(Route::ZipShare(token)),
        (["share", token, "zip"], _) if !token.is_empty() => not_allowed("POST"),
        (["shares"], "POST") => Ok(Route::CreateLink),
        (["shares"], "GET") => Ok(Route::ListLinks),
        (["shares"], _) => not_allowed("GET, POST"),
        (["shares", id], "PATCH") if !id.is_empty() => Ok(Route::UpdateLink(id)),
        (["shares", id], "DELETE") if !id.is_empty() => Ok(Route::RevokeLink(id)),
        (["shares", id], _) if !id.is_empty() => not_allowed("PATCH, DELETE"),
        (["shares", id, "accesses"], "GET") => Ok(Route::LinkAccesses(id)),
        (["shares", _, "accesses"], _) => not_allowed("GET"),
        (["openapi.json"], "GET") => Ok(Route::OpenApi),
        (["docs"], "GET") => Ok(Route::Docs),
        (["openapi.json"] | ["docs"], _) => not_allowed("GET"),
        _ => Err(ApiError::RouteNotFound),
    }
}

/// The path of a URL as the runtime serializes a request's: `scheme://host[:port]` first
/// (so the first `/` after it starts the path), and `?` or `#` only where the query or the
/// fragment begins (inside the path they are percent-encoded).
pub fn path_of_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let Some(start) = url[after_scheme..].find('/').map(|i| i + after_scheme) else { return "/" };
    let end = url[start..].find(['?', '#']).map_or(url.len(), |i| i + start);
    &url[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requests_path_is_read_from_its_url_without_query_or_fragment() {
        assert_eq!(path_of_url("https://example.com/share/abc?x=1#top"), "/share/abc");
        assert_eq!(path_of_url("http://127.0.0.1:8787/files/a%3Fb"), "/files/a%3Fb");
        assert_eq!(path_of_url("https://example.com/"), "/");
        assert_eq!(path_of_url("https://example.com"), "/");
        assert_eq!(path_of_url("https://example.com/a#frag/x?y"), "/a");
    }

    #[test]
    fn every_documented_route_is_reachable() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(route("GET", "/healthz"), Ok(Route::Health));
        assert_eq!(route("POST", "/auth/register"), Ok(Route::Register));
        assert_eq!(route("POST", "/auth/login"), Ok(Route::Login));
        assert_eq!(route("GET", "/auth/me"), Ok(Route::Me));
        assert_eq!(route("POST", "/auth/session"), Ok(Route::StartSession));
        assert_eq!(route("DELETE", "/auth/session"), Ok(Route::EndSession));
        assert_eq!(route("DELETE", "/auth/sessions"), Ok(Route::EndAllSessions));
        assert_eq!(route("POST", "/auth/tokens"), Ok(Route::CreateToken));
        assert_eq!(route("GET", "/auth/tokens"), Ok(Route::ListTokens));
        assert_eq!(route("DELETE", &format!("/auth/tokens/{id}")), Ok(Route::RevokeToken(id)));
        assert_eq!(route("POST", "/webhooks"), Ok(Route::CreateWebhook));
        assert_eq!(route("GET", "/webhooks"), Ok(Route::ListWebhooks));
        assert_eq!(route("DELETE", &format!("/webhooks/{id}")), Ok(Route::DeleteWebhook(id)));
        assert_eq!(route("GET", "/folders"), Ok(Route::Folders));
        assert_eq!(route("POST", "/files/upload"), Ok(Route::Upload));
        assert_eq!(route("GET", "/files"), Ok(Route::ListFiles));
        assert_eq!(route("GET", &format!("/files/{id}")), Ok(Route::GetFile(id)));
        assert_eq!(route("PATCH", &format!("/files/{id}")), Ok(Route::UpdateFile(id)));
        assert_eq!(route("DELETE", &format!("/files/{id}")), Ok(Route::DeleteFile(id)));
        assert_eq!(route("GET", &format!("/files/{id}/download")), Ok(Route::Download(id)));
        assert_eq!(route("POST", &format!("/files/{id}/share")), Ok(Route::CreateShare(id)));
        assert_eq!(route("GET", &format!("/files/{id}/shares")), Ok(Route::ListShares(id)));
        assert_eq!(
            route("DELETE", &format!("/files/{id}/shares/s1")),
            Ok(Route::RevokeShare { file: id, share: "s1" })
        );
        assert_eq!(route("GET", "/share/tok"), Ok(Route::ResolveShare("tok")));
        assert_eq!(route("POST", "/share/tok/files/f1"), Ok(Route::UnlockSharedFile { token: "tok", file: "f1" }));
        assert_eq!(route("POST", "/shares"), Ok(Route::CreateLink));
        assert_eq!(route("PATCH", "/shares/s1"), Ok(Route::UpdateLink("s1")));
        assert_eq!(route("GET", "/shares/s1/accesses"), Ok(Route::LinkAccesses("s1")));
        assert_eq!(route("GET", "/openapi.json"), Ok(Route::OpenApi));
        assert_eq!(route("GET", "/docs"), Ok(Route::Docs));
    }

    #[test]
    fn known_paths_with_other_methods_are_405_with_allow() {
        assert_eq!(route("PUT", "/files/abc"), Err(ApiError::MethodNotAllowed { allow: "GET, PATCH, DELETE" }));
        assert_eq!(route("GET", "/auth/login"), Err(ApiError::MethodNotAllowed { allow: "POST" }));
        assert_eq!(route("PUT", "/share/tok"), Err(ApiError::MethodNotAllowed { allow: "GET, POST" }));
        assert_eq!(route("GET", "/files/uploads"), Err(ApiError::MethodNotAllowed { allow: "POST" }));
        assert_eq!(route("POST", "/auth/sessions"), Err(ApiError::MethodNotAllowed { allow: "DELETE" }));
        assert_eq!(route("PUT", "/auth/me"), Err(ApiError::MethodNotAllowed { allow: "GET, DELETE" }));
    }

    #[test]
    fn the_admin_routes_are_for_admins_and_other_methods_on_them_are_404_not_405() {
        assert_eq!(route("GET", "/admin/users"), Ok(Route::AdminUsers));
        assert_eq!(route("PATCH", "/admin/users/u1"), Ok(Route::UpdateUser("u1")));
        assert_eq!(route("DELETE", "/admin/invites/i1"), Ok(Route::RevokeInvite("i1")));
        for (method, path) in
            [("POST", "/admin/users"), ("GET", "/admin/users/u1"), ("PUT", "/admin/invites"), ("GET", "/admin")]
        {
            assert_eq!(route(method, path), Err(ApiError::RouteNotFound), "{method} {path}");
        }
        for route in [Route::AdminUsers, Route::CreateInvite, Route::DeleteUser("u")] {
            assert_eq!(route.access(), Access::Admin);
        }
    }

    #[test]
    fn route_names_for_logs_carry_no_parameters() {
        assert_eq!(Route::ResolveShare("secret-token").name(), "ResolveShare");
        assert_eq!(Route::UpdateShare { file: "f", share: "s" }.name(), "UpdateShare");
        assert_eq!(Route::Health.name(), "Health");
    }

    #[test]
    fn the_openapi_document_describes_exactly_the_routes_that_exist() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = 0;
        for (path, operations) in paths {
            let concrete = path
                .replace("{id}", "0123456789abcdef0123456789abcdef")
                .replace("{user_id}", "u")
                .replace("{invite_id}", "i")
                .replace("{share_id}", "s")
                .replace("{upload_id}", "u")
                .replace("{token}", "t");
            for method in ["get", "post", "patch", "put", "delete"] {
                let routed = route(&method.to_uppercase(), &concrete).is_ok();
                assert_eq!(routed, operations.get(method).is_some(), "{method} {path}");
                documented += usize::from(routed);
            }
        }
        assert_eq!(documented, 61, "every operation of the Route enum is documented");
    }

    #[test]
    fn only_documents_accounts_entry_points_share_links_and_request_links_are_public() {
        let documents = [("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/docs")];
        let public = [
            ("POST", "/auth/register"),
            ("POST", "/auth/login"),
            ("POST", "/auth/session"),
            ("DELETE", "/auth/session"),
            ("GET", "/share/t"),
            ("POST", "/share/t"),
            ("GET", "/request/t"),
            ("POST", "/request/t/files"),
            ("POST", "/request/t/uploads"),
            ("GET", "/request/t/uploads/u"),
            ("DELETE", "/request/t/uploads/u"),
            ("GET", "/request/t/uploads/u/parts"),
            ("POST", "/request/t/uploads/u/complete"),
            ("GET", "/share/t/files/f"),
            ("POST", "/share/t/files/f"),
            ("POST", "/share/t/zip"),
        ];
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            let concrete = path
                .replace("{id}", "f")
                .replace("{user_id}", "u")
                .replace("{invite_id}", "i")
                .replace("{share_id}", "s")
                .replace("{upload_id}", "u")
                .replace("{token}", "t");
            for (method, _) in operations.as_object().unwrap() {
                let method = method.to_uppercase();
                let route = route(&method, &concrete).unwrap();
                let called = (method.as_str(), concrete.as_str());
                let expected = if documents.contains(&called) {
                    Access::Document
                } else if concrete.starts_with("/admin/") {
                    Access::Admin
                } else if public.contains(&called) {
                    Access::Public
                } else {
                    Access::SignedIn
                };
                assert_eq!(route.access(), expected, "{method} {path}");
            }
        }
    }

    /// Every signed-in operation of the document, with the scope an access token needs for
    /// it (`None`: password sessions only). Written out here, by hand, so that a route
    /// whose scope changes, or a new route, fails this test until it is judged.
    #[test]
    fn every_signed_in_route_names_its_scope_and_nothing_else_has_one() {
        use Scope::{FilesRead, FilesWrite, SharesWrite};
        let expected: [(&str, &str, Option<Scope>); 40] = [
            ("GET", "/auth/me", None),
            ("DELETE", "/auth/sessions", None),
            ("POST", "/auth/tokens", None),
            ("GET", "/auth/tokens", None),
            ("DELETE", "/auth/tokens/{id}", None),
            ("POST", "/webhooks", None),
            ("GET", "/webhooks", None),
            ("DELETE", "/webhooks/{id}", None),
            ("POST", "/auth/password", None),
            ("DELETE", "/auth/me", None),
            ("GET", "/folders", Some(FilesRead)),
            ("GET", "/files", Some(FilesRead)),
            ("GET", "/files/{id}", Some(FilesRead)),
            ("GET", "/files/{id}/download", Some(FilesRead)),
            ("POST", "/files/upload", Some(FilesWrite)),
            ("PATCH", "/files/{id}", Some(FilesWrite)),
            ("DELETE", "/files/{id}", Some(FilesWrite)),
            ("POST", "/files/uploads", Some(FilesWrite)),
            ("GET", "/files/uploads/{upload_id}", Some(FilesWrite)),
            ("DELETE", "/files/uploads/{upload_id}", Some(FilesWrite)),
            ("GET", "/files/uploads/{upload_id}/parts", Some(FilesWrite)),
            ("POST", "/files/uploads/{upload_id}/complete", Some(FilesWrite)),
            ("POST", "/files/{id}/share", Some(SharesWrite)),
            ("GET", "/files/{id}/shares", Some(SharesWrite)),
            ("PATCH", "/files/{id}/shares/{share_id}", Some(SharesWrite)),
            ("DELETE", "/files/{id}/shares/{share_id}", Some(SharesWrite)),
            ("GET", "/files/{id}/shares/{share_id}/accesses", Some(SharesWrite)),
            ("POST", "/requests", Some(SharesWrite)),
            ("GET", "/requests", Some(SharesWrite)),
            ("PATCH", "/requests/{id}", Some(SharesWrite)),
            ("DELETE", "/requests/{id}", Some(SharesWrite)),
            ("POST", "/request/{token}/files", None),
            ("POST", "/shares", Some(SharesWrite)),
            ("GET", "/shares", Some(SharesWrite)),
            ("PATCH", "/shares/{share_id}", Some(SharesWrite)),
            ("DELETE", "/shares/{share_id}", Some(SharesWrite)),
            ("GET", "/shares/{share_id}/accesses", Some(SharesWrite)),
            ("GET", "/healthz", None),
            ("POST", "/auth/login", None),
            ("GET", "/share/{token}", None),
        ];
        let concrete = |path: &str| {
            path.replace("{id}", "0123456789abcdef0123456789abcdef")
                .replace("{share_id}", "s")
                .replace("{upload_id}", "u")
                .replace("{token}", "t")
        };
        let mut judged = std::collections::HashSet::new();
        for (method, path, scope) in expected {
            let path = concrete(path);
            let route = route(method, &path).unwrap();
            assert_eq!(route.scope(), scope, "{method} {path}");
            judged.insert((method.to_owned(), path));
        }
        // Every signed-in operation of the document is in the table above; every other
        // operation needs no scope.
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for (method, _) in operations.as_object().unwrap() {
                let (method, path) = (method.to_uppercase(), concrete(path));
                let route = route(&method, &path).unwrap();
                if route.access() == Access::SignedIn {
                    assert!(judged.contains(&(method.clone(), path.clone())), "{method} {path} has no judged scope");
                } else {
                    assert_eq!(route.scope(), None, "{method} {path} is not signed in");
                }
            }
        }
    }

    #[test]
    fn unknown_paths_are_404() {
        for path in ["/", "/files/", "/files/a/b", "/share/", "/share/a/b", "/auth", "//files", "/healthz/"] {
            assert_eq!(route("GET", path), Err(ApiError::RouteNotFound), "{path}");
        }
    }
}
