//! Personal access tokens: created (shown once), listed (without secrets) and revoked by
//! the signed-in user. They are sessions (`db::sessions`), so whatever ends sessions ends them.

use super::App;
use crate::db::sessions::NewToken;
use crate::domain::tokens;
use crate::error::ApiError;
use crate::model::{Id, Scopes, TokenName};
use crate::views::{AccessTokenList, AccessTokenView};

/// What a new token is asked to be.
pub struct TokenRequest {
    pub name: TokenName,
    pub scopes: Scopes,
    /// Seconds, 1 to [`crate::model::MAX_TOKEN_LIFETIME_SECONDS`]; `None`: it never expires.
    pub expires_in: Option<i64>,
}

impl App {
    /// Creates a token for `user`; the answer is the only time its secret is shown.
    pub async fn create_token(&self, user: &Id, request: TokenRequest) -> Result<AccessTokenView, ApiError> {
        let id = Id::generate()?;
        let token = tokens::issue(&id, user, request.scopes, &crate::random::bytes()?)?;
        let hash = tokens::hash(&token);
        let scopes = request.scopes.to_text();
        let expires_at = tokens::expires_at(self.now, request.expires_in);
        let new = NewToken {
            id: &id,
            user,
            hash: &hash,
            name: request.name.as_str(),
            scopes: &scopes,
            now: self.now,
            expires_at,
        };
        if !self.db.create_token(user, new).await? {
            return Err(ApiError::invalid(
                "name",
                format!("you hold {} tokens already: revoke one first", tokens::MAX_TOKENS_PER_USER),
            ));
        }
        Ok(AccessTokenView::created(id.as_str(), request.name.as_str(), request.scopes, token, self.now, expires_at))
    }

    /// The user's tokens, newest first, without their secrets.
    pub async fn tokens(&self, user: &Id) -> Result<AccessTokenList, ApiError> {
        Ok(AccessTokenList { items: self.db.tokens(user).await?.into_iter().map(AccessTokenView::from).collect() })
    }

    /// Revokes one of the user's tokens at once (404 when they have none of that id).
    pub async fn revoke_token(&self, user: &Id, token: &Id) -> Result<(), ApiError> {
        if self.db.revoke_token(user, token).await? {
            Ok(())
        } else {
            Err(ApiError::TokenNotFound)
        }
    }
}
