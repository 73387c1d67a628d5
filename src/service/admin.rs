//! What the deployment's admins (`ADMIN_EMAILS`) may do: see and search users with their
//! usage, set one user's quota, disable, enable and delete users, and make, list and revoke
//! invites. To anyone else these operations do not exist (404 `not_found`).

use super::App;
use crate::db::invites::NewInvite;
use crate::db::users::UserChange;
use crate::domain::accounts::{DEFAULT_INVITE_TTL_SECONDS, MAX_INVITE_TTL_SECONDS};
use crate::domain::millis_after;
use crate::domain::page_of;
use crate::domain::shares::{new_token, token_hash};
use crate::error::ApiError;
use crate::model::{canonical_email, rfc3339, Email, Id};
use crate::views::{AdminUserPage, AdminUserView, InviteList, InviteView, NewInviteView};

/// Live invites the admin's list shows.
const INVITE_LIST_LIMIT: i64 = 200;

impl App {
    /// Checks that `user` is an admin: anyone else learns nothing (404 `not_found`, as for a
    /// route that does not exist), whatever else went wrong (a dead session included).
    pub async fn require_admin(&self, user: &Id) -> Result<(), ApiError> {
        match self.db.user(user).await {
            Ok(row) if self.is_admin(&row) => Ok(()),
            Err(e @ (ApiError::Internal(_) | ApiError::Config(_))) => Err(e),
            _ => Err(ApiError::RouteNotFound),
        }
    }

    /// One page of users in email order after `cursor`, those whose email contains `q`.
    pub async fn admin_users(
        &self,
        admin: &Id,
        cursor: Option<&str>,
        q: Option<&str>,
        limit: u32,
    ) -> Result<AdminUserPage, ApiError> {
        let q = q.map(canonical_email);
        let mut rows = self.db.list_users(admin, cursor.unwrap_or(""), q.as_deref(), i64::from(limit) + 1).await?;
        let next_cursor = page_of(&mut rows, limit as usize).map(|last| last.sort_key.clone());
        let items = rows
            .into_iter()
            .map(|row| {
                let quota = self.quota_of(&row.user);
                AdminUserView::of(row.user, quota)
            })
            .collect();
        Ok(AdminUserPage { items, next_cursor })
    }

    /// Sets a user's own quota and/or disables or enables them.
    pub async fn change_user(&self, admin: &Id, user: &Id, change: UserChange) -> Result<AdminUserView, ApiError> {
        let row = self.db.change_user(admin, user, &change).await?.ok_or(ApiError::UserNotFound)?;
        let quota = self.quota_of(&row);
        Ok(AdminUserView::of(row, quota))
    }

    /// Deletes a user's account, as they could themselves.
    pub async fn delete_user(&self, admin: &Id, user: &Id) -> Result<(), ApiError> {
        if self.delete_account(admin, user).await? {
            Ok(())
        } else {
            Err(ApiError::UserNotFound)
        }
    }

    /// Makes an invite, for `email` only if given, lasting `expires_in` seconds; its token
    /// and URL (on `base_url`) are in the answer and nowhere else.
    pub async fn create_invite(
        &self,
        admin: &Id,
        email: Option<Email>,
        expires_in: Option<u64>,
        base_url: &str,
    ) -> Result<NewInviteView, ApiError> {
        let seconds = expires_in.unwrap_or(DEFAULT_INVITE_TTL_SECONDS);
        if !(1..=MAX_INVITE_TTL_SECONDS).contains(&seconds) {
            return Err(ApiError::invalid(
                "expires_in",
                format!("must be a whole number of seconds from 1 to {MAX_INVITE_TTL_SECONDS}"),
            ));
        }
        let id = Id::generate()?;
        let token = new_token()?;
        let hash = token_hash(&token);
        let invite = NewInvite {
            id: &id,
            token_hash: &hash,
            email: email.as_ref(),
            created_by: admin,
            now: self.now,
            expires_at: millis_after(self.now, seconds),
        };
        let row = self.db.create_invite(admin, invite).await?;
        Ok(NewInviteView {
            id: row.id,
            url: format!("{base_url}/register?invite={token}"),
            token,
            email: row.email,
            expires_at: rfc3339(row.expires_at),
        })
    }

    /// The invites that have not expired (used ones included, with when).
    pub async fn invites(&self, admin: &Id) -> Result<InviteList, ApiError> {
        let rows = self.db.live_invites(admin, self.now, INVITE_LIST_LIMIT).await?;
        Ok(InviteList { items: rows.into_iter().map(InviteView::from).collect() })
    }

    /// Revokes an invite.
    pub async fn revoke_invite(&self, admin: &Id, id: &Id) -> Result<(), ApiError> {
        if self.db.delete_invite(admin, id).await? {
            Ok(())
        } else {
            Err(ApiError::InviteNotFound)
        }
    }
}
