//! Invites (`invites`): with `SIGNUP=invite`, a registration spends one. An admin creates
//! an invite and sees its token once; only its SHA-256 is stored. An invite is good for one
//! registration before it expires, and, when it names an email, only for that email
//! (compared canonically).

use serde::Deserialize;

/// A row of `invites`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct InviteRow {
    pub id: String,
    pub email: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const INVITE_COLUMNS: &str = "id, email, created_at, expires_at, used_at";

/// The values a new invite is made of.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    pub id: &'a crate::model::Id,
    pub token_hash: &'a str,
    pub email: Option<&'a crate::model::Email>,
    pub created_by: &'a crate::model::Id,
    pub now: i64,
    pub expires_at: i64,
}

pub(super) mod sql {
    use super::{NewInvite, INVITE_COLUMNS};
    use crate::db::Statement;
    use crate::model::Id;

    /// A subquery with a row while the invite with token hash `?T` may be spent by the
    /// registration of canonical email `?3` at time `?5` (the parameters of
    /// `users::sql::insert_invited_user`, which embeds it).
    pub const USABLE: &str = "SELECT id FROM invites WHERE token_hash = ?T AND used_at IS NULL AND expires_at > ?5 \
         AND (email_canonical IS NULL OR email_canonical = ?3)";

    /// A new invite; returns it.
    pub fn insert_invite(invite: &NewInvite<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO invites (id, token_hash, email, email_canonical, created_by, created_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {INVITE_COLUMNS}"
            ),
            args![
                invite.id,
                invite.token_hash,
                invite.email.map(|e| e.as_str()),
                invite.email.map(|e| e.canonical()),
                invite.created_by,
                invite.now,
                invite.expires_at
            ],
        )
    }

    /// Spends the invite with `token_hash` for the account `user`, once that account exists
    /// (it was created, in the same transaction, only if the invite was usable).
    pub fn spend_invite(token_hash: &str, user: &Id, now: i64) -> Statement {
        Statement::new(
            "UPDATE invites SET used_at = ?3 WHERE token_hash = ?1 AND used_at IS NULL \
             AND EXISTS (SELECT 1 FROM users WHERE id = ?2) RETURNING id",
            args![token_hash, user, now],
        )
    }

    /// A row while the invite with `token_hash` may be spent by a registration of the email
    /// `canonical` at `now` (read after a registration that created no account: was it the
    /// invite, or the email?).
    pub fn usable_invite(token_hash: &str, canonical: &str, now: i64) -> Statement {
        Statement::new(
            &USABLE.replace("?T", "?1").replace("?3", "?2").replace("?5", "?3"),
            args![token_hash, canonical, now],
        )
    }

    /// Up to `limit` invites that have not expired at `now`, the longest-lived first.
    pub fn live_invites(now: i64, limit: i64) -> Statement {
        Statement::new(
            &format!(
                "SELECT {INVITE_COLUMNS} FROM invites WHERE expires_at > ? ORDER BY expires_at DESC, id DESC LIMIT ?"
            ),
            args![now, limit],
        )
    }

    /// Revokes an invite; returns its id when it existed.
    pub fn delete_invite(id: &Id) -> Statement {
        Statement::new("DELETE FROM invites WHERE id = ? RETURNING id", args![id])
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, InviteRow, NewInvite};
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Stores a new invite (the caller, an admin, acts in their session).
        pub async fn create_invite(&self, admin: &Id, invite: NewInvite<'_>) -> Result<InviteRow, ApiError> {
            let results = self.batch_as(admin, vec![sql::insert_invite(&invite)]).await?;
            at(&results, 0)?.first()?.ok_or_else(|| ApiError::Internal("the invite was not stored".into()))
        }

        /// Up to `limit` live invites.
        pub async fn live_invites(&self, admin: &Id, now: i64, limit: i64) -> Result<Vec<InviteRow>, ApiError> {
            at(&self.batch_as(admin, vec![sql::live_invites(now, limit)]).await?, 0)?.all()
        }

        /// Revokes an invite; false when there was none.
        pub async fn delete_invite(&self, admin: &Id, id: &Id) -> Result<bool, ApiError> {
            Ok(at(&self.batch_as(admin, vec![sql::delete_invite(id)]).await?, 0)?.any())
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = crate::model::Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let email = crate::model::Email::parse("A@b.io").unwrap();
    let invite = NewInvite { id: &id, token_hash: "t", email: Some(&email), created_by: &id, now: 0, expires_at: 1 };
    vec![
        sql::insert_invite(&invite),
        sql::spend_invite("t", &id, 0),
        sql::usable_invite("t", "a@b.io", 0),
        sql::live_invites(0, 100),
        sql::delete_invite(&id),
    ]
}

#[cfg(test)]
mod tests {
    use super::{sql, NewInvite};
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, schema, texts};
    use crate::db::users::sql as users;
    use crate::model::{Email, Id};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("invites.rs"));
        assert_no_table_scans(&super::samples());
    }

    fn id(n: u8) -> Id {
        Id::from_trusted(format!("{n:032x}"))
    }

    /// Registers `email` with the invite `token` at `now` as the service does (create, spend,
    /// and read whether the invite is still usable); returns whether an account was created.
    fn register(db: &rusqlite::Connection, user: u8, email: &str, token: &str, now: i64) -> bool {
        let email = Email::parse(email).unwrap();
        let created = !texts(db, &users::insert_invited_user(&id(user), &email, "h", now, token)).is_empty();
        let spent = !texts(db, &sql::spend_invite(token, &id(user), now)).is_empty();
        assert_eq!(created, spent, "an invite is spent exactly when an account is created with it");
        created
    }

    #[test]
    fn an_invite_works_once_before_it_expires_and_only_for_its_email() {
        let db = schema();
        let bound = Email::parse("Ada@x.io").unwrap();
        for (n, token, email) in [(1, "open", None), (2, "bound", Some(&bound))] {
            let invite =
                NewInvite { id: &id(n), token_hash: token, email, created_by: &id(9), now: 0, expires_at: 100 };
            texts(&db, &sql::insert_invite(&invite));
        }
        assert!(!register(&db, 1, "bob@x.io", "nope", 10), "an unknown invite");
        assert!(!register(&db, 1, "bob@x.io", "open", 100), "an expired one");
        assert!(register(&db, 1, "bob@x.io", "open", 10));
        assert!(!register(&db, 2, "carol@x.io", "open", 10), "spent");
        assert!(texts(&db, &sql::usable_invite("open", "carol@x.io", 10)).is_empty());
        assert!(!register(&db, 2, "carol@x.io", "bound", 10), "for another email");
        assert!(register(&db, 2, "ADA@X.IO", "bound", 10), "its email, in any spelling");
        // A taken email creates no account and leaves the invite usable.
        let invite =
            NewInvite { id: &id(3), token_hash: "third", email: None, created_by: &id(9), now: 0, expires_at: 100 };
        texts(&db, &sql::insert_invite(&invite));
        assert!(!register(&db, 3, "bob@x.io", "third", 10));
        assert_eq!(texts(&db, &sql::usable_invite("third", "bob@x.io", 10)).len(), 1);
        assert_eq!(texts(&db, &sql::live_invites(10, 10)).len(), 3);
        assert_eq!(texts(&db, &sql::delete_invite(&id(3))), [id(3).as_str()]);
        assert!(texts(&db, &sql::live_invites(100, 10)).is_empty(), "expired ones are not listed");
    }
}
