//! Personal access tokens: `POST /auth/tokens` creates one (its secret is in this answer
//! only), `GET /auth/tokens` lists them, `DELETE /auth/tokens/{id}` revokes one.

use super::request::{read_json, Request};
use super::respond::json;
use crate::error::ApiError;
use crate::input::{optional_int, required_str, required_str_list};
use crate::model::{Id, Scopes, TokenName, MAX_TOKEN_LIFETIME_SECONDS};
use crate::service::{App, TokenRequest};
use worker::Response;

/// Reads `{name, scopes, expires_in?}` and creates the token: 201 with it.
pub async fn create(req: &mut Request, app: &App, user: &Id) -> Result<Response, ApiError> {
    let body = read_json(req, false).await?;
    let name = TokenName::parse(required_str(&body, "name")?)?;
    let scopes = Scopes::parse(required_str_list(&body, "scopes", "scope names")?)?;
    let expires_in = optional_int(&body, "expires_in", 1..=MAX_TOKEN_LIFETIME_SECONDS)?;
    json(201, &app.create_token(user, TokenRequest { name, scopes, expires_in }).await?)
}
