//! HTTP in and out: each route turns a request into validated values, calls one domain
//! operation, and renders its result (or the error's problem document).

mod accounts;
mod assets;
mod events;
mod files;
mod request;
mod requests;
mod respond;
mod session;
mod shares;
mod tokens;
mod webhooks;

use crate::config::Config;
use crate::db::{D1Usage, Db};
use crate::error::ApiError;
use crate::input::{optional_str, required_str};
use crate::model::{Email, Id, Password};
use crate::router::{route, Access, Route};
use crate::service::{App, Sender};
use crate::session::{
    bookmark_cookie, check_csrf, cookie_value, requested_bookmark, session_constraint, Credential, BOOKMARK_HEADER,
    COOKIE_NAME, CSRF_HEADER,
};
pub use events::queue;
pub use request::Request;
use request::{caller, header, read_json, read_login};
use respond::{html, internal, json};
use std::cell::Cell;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{console_error, console_log, Context, Env, Response};

const OPENAPI: &str = include_str!("../../openapi.json");
const DOCS_PAGE: &str = include_str!("../docs.html");
const DOCS_CSP: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Answers one request; never fails, never panics on input. API routes come first; any
/// other `GET` is a page or file of the web app. What the request owes after its answer
/// (the isolate's outbox of visits) runs in `ctx`'s `waitUntil`.
pub async fn handle(req: Request, env: Env, ctx: Context) -> Response {
    let started = js_sys::Date::now();
    // The raw method: workers-rs maps methods it does not know (QUERY, …) to GET.
    let method = req.inner().method();
    let path = req.path();
    let usage = Rc::new(Cell::new(D1Usage::default()));
    let (name, answer) = match route(&method, &path) {
        Ok(route) => (route.name(), dispatch(route, &method, req, &env, &ctx, &usage).await),
        Err(ApiError::RouteNotFound) if matches!(method.as_str(), "GET" | "HEAD") => match config(&env) {
            Ok(config) => ("Asset".to_owned(), assets::serve(req, &env, &config, &path).await),
            Err(error) => ("Asset".to_owned(), Err(error)),
        },
        Err(error) => ("Unrouted".to_owned(), Err(error)),
    };
    let code = answer.as_ref().err().map(|error| error.problem().code);
    let response = answer.unwrap_or_else(|error| {
        if let Some(line) = error.log_line() {
            console_error!("{line}");
        }
        respond::problem(&error)
    });
    // One structured line per request: what was asked (the route's name, never its path,
    // which may hold a share token), how it ended, how long it took and how many D1 round
    // trips it made. Nothing of the request's headers or body.
    console_log!(
        "{}",
        serde_json::json!({
            "route": name, "method": method, "status": response.status_code(),
            "ms": js_sys::Date::now() - started, "d1_round_trips": usage.get().round_trips,
            "d1_rows_read": usage.get().rows_read, "d1_rows_written": usage.get().rows_written, "code": code,
        })
    );
    response
}

thread_local! {
    /// The configuration, parsed by the first request of this isolate. Vars and secrets
    /// cannot change while an isolate lives, so every later request reuses it. A
    /// configuration that fails to parse is not kept, so each request reports it.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

/// The deployment's configuration, read and checked once per isolate.
fn config(env: &Env) -> Result<Rc<Config>, ApiError> {
    if let Some(config) = CONFIG.with(|cell| cell.borrow().clone()) {
        return Ok(config);
    }
    let parsed = Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string())).map_err(ApiError::Config)?;
    let config = Rc::new(parsed);
    CONFIG.with(|cell| *cell.borrow_mut() = Some(config.clone()));
    Ok(config)
}

/// The request's [`App`]: configuration, D1 bound, the clock read.
fn app(env: &Env) -> Result<App, ApiError> {
    Ok(App {
        config: config(env)?,
        db: Db::new(env.d1("DB").map_err(|e| ApiError::Config(format!("D1 binding DB: {e}")))?),
        events: env.queue("EVENTS").ok(),
        now: js_sys::Date::now() as i64,
        flush_owed: Cell::new(false),
    })
}

/// The Cron Trigger: one sweep, logged.
pub async fn scheduled(env: Env) {
    let outcome = match app(&env) {
        Ok(app) => app.sweep().await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(report) => console_log!(
            "sweep: {} expired files deleted; {} objects deleted, {} failed, {} held by other requests; {} expired \
             shares, {} expired upload requests, {} finished uploads and {} expired sessions dropped; {} emails \
             canonicalized, {} left as typed (another account has their canonical form); {} kept webhook notices \
             sent, {} dropped past the retry window",
            report.files_expired,
            report.objects_deleted,
            report.objects_failed,
            report.objects_skipped,
            report.shares_deleted,
            report.requests_deleted,
            report.uploads_forgotten,
            report.sessions_deleted,
            report.emails_canonicalized,
            report.email_conflicts,
            report.notices_sent,
            report.notices_dropped
        ),
        Err(e) => console_error!("sweep failed: {}", e.log_line().unwrap_or_else(|| e.to_string())),
    }
}

/// Runs `route`: the caller is authenticated first when the route needs a user, then one
/// arm per route reads the request, calls one operation and answers.
async fn dispatch(
    route: Route<'_>,
    method: &str,
    mut req: Request,
    env: &Env,
    ctx: &Context,
    usage: &Rc<Cell<D1Usage>>,
) -> Result<Response, ApiError> {
    let access = route.access();
    let mut this_app = if access == Access::Document { None } else { Some(app(env)?) };
    if let Some(app) = this_app.as_mut() {
        app.db.count_usage_in(usage.clone());
    }
    let cookie = header(&req, "cookie");
    let sent_bookmark = header(&req, BOOKMARK_HEADER);
    let bookmark = requested_bookmark(sent_bookmark.as_deref(), cookie.as_deref());
    let web_app = cookie.as_deref().is_some_and(|c| cookie_value(c, COOKIE_NAME).is_some());
    if let Some(app) = this_app.as_mut() {
        app.db.start_session(&session_constraint(method, bookmark));
    }
    let user = match (access, this_app.as_mut()) {
        (Access::SignedIn, Some(app)) => Some(authenticate(&req, method, app, &route)?),
        // To anyone but an admin, the admin's routes do not exist.
        (Access::Admin, Some(app)) => {
            Some(authenticate(&req, method, app, &route).map_err(|_| ApiError::RouteNotFound)?)
        }
        _ => None,
    };
    let the_app = this_app.as_ref();
    // Every route but a document has an app; every signed-in route has a user.
    let app = || the_app.ok_or_else(|| ApiError::Internal("route without its app".into()));
    let user = || user.as_ref().ok_or_else(|| ApiError::Internal("signed-in route without a user".into()));
    if access == Access::Admin {
        app()?.require_admin(user()?).await?;
    }
    // Ids that cannot exist are "not found", exactly like ids of other users' files.
    let file_id = |raw: &str| Id::parse(raw).ok_or(ApiError::FileNotFound);
    let upload_id = |raw: &str| Id::parse(raw).ok_or(ApiError::UploadNotFound);
    let share_id = |raw: &str| Id::parse(raw).ok_or(ApiError::ShareNotFound);
    let request_id = |raw: &str| Id::parse(raw).ok_or(ApiError::RequestNotFound);
    let answer = match route {
        Route::Health => json(200, &serde_json::json!({ "status": "ok" })),
        Route::OpenApi => json(
            200,
            &serde_json::from_str::<serde_json::Value>(OPENAPI).map_err(|e| ApiError::Internal(e.to_string()))?,
        ),
        Route::Docs => html(200, DOCS_PAGE, DOCS_CSP),
        Route::Register => {
            let body = read_json(&mut req, false).await?;
            let email = Email::parse(required_str(&body, "email")?)?;
            let password = Password::parse(required_str(&body, "password")?)?;
            let invite = optional_str(&body, "invite")?;
            json(201, &app()?.register(email, password, invite).await?)
        }
        Route::ChangePassword => accounts::change_password(&mut req, app()?, user()?).await,
        Route::DeleteMe => {
            accounts::delete_me(&mut req, app()?, user()?).await?;
            session::ended()
        }
        Route::AdminUsers => accounts::users(&req, app()?, user()?).await,
        Route::UpdateUser(id) => accounts::update_user(&mut req, app()?, user()?, id).await,
        Route::DeleteUser(id) => accounts::delete_user(app()?, user()?, id).await,
        Route::CreateInvite => accounts::create_invite(&mut req, app()?, user()?).await,
        Route::ListInvites => json(200, &app()?.invites(user()?).await?),
        Route::RevokeInvite(id) => accounts::revoke_invite(app()?, user()?, id).await,
        Route::Login => {
            let (email, password) = read_login(&mut req).await?;
            json(200, &app()?.login(&email, &password, &caller(&req)).await?)
        }
        Route::StartSession => session::start(&mut req, app()?).await,
        Route::EndSession => session::end(&req, app()?).await,
        Route::EndAllSessions => {
            app()?.end_all_sessions(user()?).await?;
            session::ended()
        }
        Route::ResolveShare(token) => shares::resolve(&req, app()?, token, None).await,
        Route::UnlockShare(token) => shares::unlock(&mut req, app()?, token, None).await,
        Route::ResolveSharedFile { token, file } => {
            shares::resolve(&req, app()?, token, Some(&shares::shared_file_id(file)?)).await
        }
        Route::UnlockSharedFile { token, file } => {
            shares::unlock(&mut req, app()?, token, Some(&shares::shared_file_id(file)?)).await
        }
        Route::ZipShare(token) => shares::zip(&mut req, app()?, token).await,
        Route::Me => json(200, &app()?.me(user()?).await?),
        Route::CreateToken => tokens::create(&mut req, app()?, user()?).await,
        Route::ListTokens => json(200, &app()?.tokens(user()?).await?),
        Route::RevokeToken(id) => {
            app()?.revoke_token(user()?, &Id::parse(id).ok_or(ApiError::TokenNotFound)?).await?;
            respond::no_content()
        }
        Route::CreateWebhook => webhooks::create(&mut req, app()?, user()?).await,
        Route::ListWebhooks => json(200, &app()?.webhooks(user()?).await?),
        Route::DeleteWebhook(id) => webhooks::delete(app()?, user()?, id).await,
        Route::Folders => files::folders(&req, app()?, user()?).await,
        Route::Upload => json(201, &files::upload(&mut req, app()?, Sender::Owner(user()?)).await?),
        Route::ListFiles => files::list(&req, app()?, user()?).await,
        Route::GetFile(id) => json(200, &app()?.file(user()?, &file_id(id)?).await?),
        Route::UpdateFile(id) => files::update(&mut req, app()?, user()?, &file_id(id)?).await,
        Route::DeleteFile(id) => {
            app()?.delete_file(user()?, &file_id(id)?).await?;
            respond::no_content()
        }
        Route::Download(id) => files::download(&req, app()?, user()?, &file_id(id)?).await,
        Route::CreateUpload => files::create_upload(&mut req, app()?, Sender::Owner(user()?)).await,
        Route::UploadStatus(id) => json(200, &app()?.upload_status(Sender::Owner(user()?), &upload_id(id)?).await?),
        Route::UploadParts(id) => files::part_urls(&req, app()?, Sender::Owner(user()?), &upload_id(id)?).await,
        Route::CompleteUpload(id) => {
            json(201, &files::complete_upload(&mut req, app()?, Sender::Owner(user()?), &upload_id(id)?).await?)
        }
        Route::AbortUpload(id) => {
            app()?.abort_upload(Sender::Owner(user()?), &upload_id(id)?).await?;
            respond::no_content()
        }
        Route::CreateRequest => requests::create(&mut req, app()?, user()?).await,
        Route::ListRequests => json(200, &app()?.requests(user()?).await?),
        Route::UpdateRequest(id) => requests::update(&mut req, app()?, user()?, &request_id(id)?).await,
        Route::RevokeRequest(id) => {
            app()?.revoke_request(user()?, &request_id(id)?).await?;
            respond::no_content()
        }
        // A browser gets the web app's guest upload page.
        Route::OpenRequest(_) if request::wants_html(&req) => {
            let path = req.path();
            assets::serve(req, env, &app()?.config, &path).await
        }
        Route::OpenRequest(token) => requests::open(&req, app()?, token).await,
        Route::RequestUpload(token) => requests::upload(&mut req, app()?, token).await,
        Route::RequestCreateUpload(token) => requests::create_upload(&mut req, app()?, token).await,
        Route::RequestUploadStatus { token, upload } => {
            requests::upload_status(app()?, token, &upload_id(upload)?).await
        }
        Route::RequestUploadParts { token, upload } => {
            requests::part_urls(&req, app()?, token, &upload_id(upload)?).await
        }
        Route::RequestCompleteUpload { token, upload } => {
            requests::complete_upload(&mut req, app()?, token, &upload_id(upload)?).await
        }
        Route::RequestAbortUpload { token, upload } => requests::abort_upload(app()?, token, &upload_id(upload)?).await,
        Route::CreateShare(id) => shares::create(&mut req, app()?, user()?, &file_id(id)?).await,
        Route::ListShares(id) => json(200, &app()?.shares_of_file(user()?, &file_id(id)?).await?),
        Route::UpdateShare { file, share } => {
            shares::update(&mut req, app()?, user()?, Some(&file_id(file)?), &share_id(share)?).await
        }
        Route::RevokeShare { file, share } => {
            app()?.revoke_share(user()?, Some(&file_id(file)?), &share_id(share)?).await?;
            respond::no_content()
        }
        Route::ShareAccesses { file, share } => {
            shares::accesses(&req, app()?, user()?, Some(&file_id(file)?), &share_id(share)?).await
        }
        Route::CreateLink => shares::create_collection(&mut req, app()?, user()?).await,
        Route::ListLinks => shares::list(&req, app()?, user()?).await,
        Route::UpdateLink(share) => shares::update(&mut req, app()?, user()?, None, &share_id(share)?).await,
        Route::RevokeLink(share) => {
            app()?.revoke_share(user()?, None, &share_id(share)?).await?;
            respond::no_content()
        }
        Route::LinkAccesses(share) => shares::accesses(&req, app()?, user()?, None, &share_id(share)?).await,
    };
    let answer = answer.map(|response| with_bookmark(response, the_app.and_then(|app| app.db.bookmark()), web_app));
    if let Some(app) = this_app.filter(|app| app.flush_owed.get()) {
        ctx.wait_until(async move { app.flush_outbox().await });
    }
    answer
}

/// The response with the bookmark of the request's D1 session, for the client to send back
/// (`X-Edgedrop-Bookmark`; the web app gets it as a cookie too), so its next reads see this
/// request's writes wherever they are served.
fn with_bookmark(mut response: Response, bookmark: Option<String>, web_app: bool) -> Response {
    if let Some(bookmark) = bookmark {
        let headers = response.headers_mut();
        let _ = headers.set(BOOKMARK_HEADER, &bookmark);
        if web_app {
            let _ = headers.append("set-cookie", &bookmark_cookie(&bookmark));
        }
    }
    response
}

/// The caller's account, from a bearer token or the web app's session cookie (which must
/// also pass the CSRF check); the app's database calls check the token's session from now on.
/// A personal access token must also hold the route's scope.
fn authenticate(req: &Request, method: &str, app: &mut App, route: &Route<'_>) -> Result<Id, ApiError> {
    let (authorization, cookie) = (header(req, "authorization"), header(req, "cookie"));
    let credential = Credential::of(authorization.as_deref(), cookie.as_deref())?;
    if let Credential::Session(_) = credential {
        check_csrf(method, header(req, CSRF_HEADER).as_deref(), header(req, "sec-fetch-site").as_deref())?;
    }
    app.authenticate(credential, route.scope())
}

/// The origin share links are built on.
fn base_url(req: &Request, config: &Config) -> Result<String, ApiError> {
    if let Some(base) = &config.public_base_url {
        return Ok(base.clone());
    }
    Ok(req.url().map_err(internal)?.origin().ascii_serialization())
}
