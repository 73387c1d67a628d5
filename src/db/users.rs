//! Accounts: creating them, finding one by email for a login, and a user's profile with the
//! counters kept beside it.

use serde::Deserialize;

/// A user's profile with the counters kept beside it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    /// The email the account is told apart by; `conflict:…` for an account from before
    /// canonical emails whose address another account already had, NULL until the sweeper
    /// canonicalizes an account from before them.
    pub email_canonical: Option<String>,
    pub created_at: i64,
    pub file_count: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
    /// The user's own quota (NULL: the default, 0: unlimited).
    pub quota_bytes: Option<i64>,
    /// 1 when an admin disabled the account.
    pub disabled: i64,
}

/// The columns of a [`UserRow`].
const USER_COLUMNS: &str =
    "id, email, email_canonical, created_at, file_count, used_bytes, reserved_bytes, quota_bytes, disabled";

/// A row of the admin's list of users, with the key the next page starts after.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ListedUser {
    #[serde(flatten)]
    pub user: UserRow,
    pub sort_key: String,
}

/// What a login needs to check a password.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub id: String,
    pub password_hash: String,
    /// 1 when an admin disabled the account.
    pub disabled: i64,
}

/// What became of a registration with an invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invited {
    Created,
    EmailTaken,
    InvalidInvite,
}

/// What an admin changes of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserChange {
    /// The user's own quota: `Set(None)` back to the default, `Set(Some(0))` unlimited.
    pub quota_bytes: crate::model::Patch<Option<i64>>,
    pub disabled: crate::model::Patch<bool>,
}

/// An account whose email has no canonical form yet.
#[derive(Debug, Clone, Deserialize)]
pub struct UncanonicalEmail {
    pub id: String,
    pub email: String,
}

pub(super) mod sql {
    use super::{UserChange, USER_COLUMNS};
    use crate::db::{SqlArg, Statement};
    use crate::model::{Email, Id, Patch};

    /// Creates an account unless its canonical email is taken (then it returns no row). The
    /// old unique index on the typed address (ASCII case-insensitive) can only refuse what the
    /// canonical one refuses too, but for a legacy row not yet canonicalized; either way the
    /// answer is "taken".
    pub fn insert_user(id: &Id, email: &Email, password_hash: &str, now: i64) -> Statement {
        Statement::new(
            "INSERT INTO users (id, email, email_canonical, password_hash, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id",
            args![id, email.as_str(), email.canonical(), password_hash, now],
        )
    }

    /// Creates an account like [`insert_user`], only while the invite with `token_hash` is
    /// unused, unexpired at `now` and for this email (or for any): the invite is spent by
    /// `invites::sql::spend_invite` in the same transaction.
    pub fn insert_invited_user(id: &Id, email: &Email, password_hash: &str, now: i64, token_hash: &str) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO users (id, email, email_canonical, password_hash, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS ({}) ON CONFLICT DO NOTHING RETURNING id",
                crate::db::invites::sql::USABLE.replace("?T", "?6")
            ),
            args![id, email.as_str(), email.canonical(), password_hash, now, token_hash],
        )
    }

    /// The id and password hash of the account with the email `typed` (canonically `canonical`).
    /// An account is found by its canonical email; a legacy one whose canonical form the
    /// sweeper has not computed yet (NULL), or could not keep (another account had it), by its
    /// address as typed, compared as before (ASCII case-insensitively). The typed address is
    /// the stronger match, so it wins when both find an account.
    pub fn credentials(typed: &str, canonical: &str) -> Statement {
        Statement::new(
            "SELECT id, password_hash, disabled, 1 AS as_typed FROM users WHERE email = ?1 \
             AND (email_canonical IS NULL OR email_canonical = 'conflict:' || id) \
             UNION ALL SELECT id, password_hash, disabled, 0 FROM users WHERE email_canonical = ?2 \
             ORDER BY as_typed DESC LIMIT 1",
            args![typed, canonical],
        )
    }

    /// Up to `limit` accounts whose email has no canonical form yet (from before emails had
    /// one), for the sweeper.
    pub fn uncanonical_emails(limit: i64) -> Statement {
        Statement::new("SELECT id, email FROM users WHERE email_canonical IS NULL LIMIT ?", args![limit])
    }

    /// Gives a legacy account its canonical email, or, when another account has it already,
    /// the marker `conflict:<id>` (no address: it never matches a login), so that the account
    /// leaves the sweeper's queue and keeps logging in with its address as typed.
    pub fn set_canonical_email(user: &Id, canonical: &str) -> Statement {
        Statement::new(
            "UPDATE users SET email_canonical = CASE \
             WHEN EXISTS (SELECT 1 FROM users WHERE email_canonical = ?2) THEN 'conflict:' || id ELSE ?2 END \
             WHERE id = ?1 AND email_canonical IS NULL RETURNING email_canonical = ?2 AS canonicalized",
            args![user, canonical],
        )
    }

    /// A user's profile and counters.
    pub fn user(user: &Id) -> Statement {
        Statement::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"), args![user])
    }

    /// Replaces a user's password hash (a password change; the caller ends their sessions
    /// in the same transaction).
    pub fn set_password(user: &Id, password_hash: &str) -> Statement {
        Statement::new("UPDATE users SET password_hash = ? WHERE id = ?", args![password_hash, user])
    }

    /// One page of the admin's list of users, in canonical email order after `after` (the
    /// previous page's last `sort_key`; `""` for the first), keeping those whose canonical
    /// email contains `q` (already canonical), with one extra row when more follow. The walk
    /// is a range of the canonical email index, filtered: an admin's tool, a page at a time.
    pub fn list_users(after: &str, q: Option<&str>, limit: i64) -> Statement {
        Statement::new(
            &format!(
                "SELECT {USER_COLUMNS}, email_canonical AS sort_key FROM users \
                 WHERE email_canonical > ?1 AND (?2 IS NULL OR instr(email_canonical, ?2) > 0) \
                 ORDER BY email_canonical LIMIT ?3"
            ),
            args![after, q, limit],
        )
    }

    /// Changes what an admin may change of a user (no row when there is no such user).
    pub fn change_user(user: &Id, change: &UserChange) -> Statement {
        let (set_quota, quota) = match change.quota_bytes {
            Patch::Keep => (0, SqlArg::Null),
            Patch::Set(quota) => (1, SqlArg::from(quota)),
        };
        let (set_disabled, disabled) = match change.disabled {
            Patch::Keep => (0, 0),
            Patch::Set(disabled) => (1, i64::from(disabled)),
        };
        Statement::new(
            &format!(
                "UPDATE users SET quota_bytes = CASE WHEN ?2 THEN ?3 ELSE quota_bytes END, \
                 disabled = CASE WHEN ?4 THEN ?5 ELSE disabled END WHERE id = ?1 RETURNING {USER_COLUMNS}"
            ),
            args![user, set_quota, quota, set_disabled, disabled],
        )
    }

    /// Deletes an account, as one transaction: every file's object goes on the ledger
    /// claimed by `claim` (until `until`) for this request to delete (returned), and so does
    /// every pending multipart upload's object (and every pending single-PUT upload's whose
    /// URLs are dead by `now`); the other objects of the account's uploads stay on the
    /// ledger as they are, due when nothing can write them any more (a live single-PUT URL,
    /// a completion or a streamed upload under way: none of them can become a file without
    /// the account). Each entry of an upload's key keeps the upload's URL deadline
    /// (`writable_until`). Then the uploads (the foreign key on `owner_id`), the share
    /// links' logs, the share links, the files, the upload requests, the sessions and the
    /// user go. The last statement returns the user's id when it existed.
    pub fn delete_account(user: &Id, claim: &str, now: i64, until: i64) -> Vec<Statement> {
        vec![
            Statement::new(
                "INSERT INTO orphan_objects (object_key, sweep_after, claim) \
                 SELECT object_key, ?3, ?2 FROM files WHERE owner_id = ?1 \
                 ON CONFLICT DO NOTHING RETURNING object_key, multipart_id",
                args![user, claim, until],
            ),
            Statement::new(
                "UPDATE orphan_objects SET claim = ?2, sweep_after = ?4, reserved_bytes = 0 \
                 WHERE object_key IN (SELECT object_key FROM uploads WHERE owner_id = ?1 AND state = 'pending' \
                 AND (multipart_id IS NOT NULL OR expires_at <= ?3)) AND claim IS NULL \
                 RETURNING object_key, multipart_id",
                args![user, claim, now, until],
            ),
            // The uploads' URL deadlines outlive their rows on the ledger (see `release_claimed`).
            Statement::new(
                "UPDATE orphan_objects SET writable_until = \
                 (SELECT max(u.expires_at) FROM uploads u WHERE u.object_key = orphan_objects.object_key) \
                 WHERE object_key IN (SELECT object_key FROM uploads WHERE owner_id = ?1)",
                args![user],
            ),
            Statement::new("DELETE FROM uploads WHERE owner_id = ?", args![user]),
            Statement::new(
                "DELETE FROM share_accesses WHERE share_id IN (SELECT id FROM shares WHERE owner_id = ?)",
                args![user],
            ),
            Statement::new(
                "DELETE FROM share_files WHERE share_id IN (SELECT id FROM shares WHERE owner_id = ?)",
                args![user],
            ),
            Statement::new("DELETE FROM shares WHERE owner_id = ?", args![user]),
            Statement::new("DELETE FROM files WHERE owner_id = ?", args![user]),
            crate::db::requests::sql::delete_requests_of(user),
            Statement::new("DELETE FROM sessions WHERE user_id = ?", args![user]),
            Statement::new("DELETE FROM users WHERE id = ? RETURNING id", args![user]),
        ]
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, Credentials, Invited, ListedUser, UncanonicalEmail, UserChange, UserRow};
    use crate::db::invites::sql as invites;
    use crate::db::ledger::OrphanRow;
    use crate::db::limits::{self, Counter};
    use crate::db::runner::{account_gone, at};
    use crate::db::sessions::{sql as sessions, NewSession};
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::{Email, Id};

    impl Db {
        /// Creates an account while spending the invite with `token_hash`, in one
        /// transaction: both happen, or neither.
        pub async fn create_invited_user(
            &self,
            id: &Id,
            email: &Email,
            hash: &str,
            now: i64,
            token_hash: &str,
        ) -> Result<Invited, ApiError> {
            let statements = vec![
                sql::insert_invited_user(id, email, hash, now, token_hash),
                invites::spend_invite(token_hash, id, now),
                invites::usable_invite(token_hash, email.canonical(), now),
            ];
            let results = self.batch(statements).await?;
            Ok(if at(&results, 0)?.any() {
                Invited::Created
            } else if at(&results, 2)?.any() {
                Invited::EmailTaken
            } else {
                Invited::InvalidInvite
            })
        }

        /// Changes the user's password, ends every session of theirs and opens `session`,
        /// forgetting the failures of `clear` and taking back the attempt counted against each
        /// of `forgive`, in one transaction in the request's session (401 when it ended).
        pub async fn change_password(
            &self,
            hash: &str,
            session: NewSession<'_>,
            clear: &[&str],
            forgive: &[&str],
        ) -> Result<(), ApiError> {
            let user = session.user;
            let mut statements = vec![
                sql::set_password(user, hash),
                sessions::delete_sessions_of(user),
                sessions::insert_session(&session),
            ];
            statements.extend(clear.iter().map(|key| limits::sql::clear_failures(key)));
            statements.extend(forgive.iter().map(|key| limits::sql::forgive_attempt(key)));
            self.batch_as(user, statements).await.map(drop)
        }

        /// One page of the admin's list of users (with one extra row when more follow).
        pub async fn list_users(
            &self,
            admin: &Id,
            after: &str,
            q: Option<&str>,
            limit: i64,
        ) -> Result<Vec<ListedUser>, ApiError> {
            at(&self.batch_as(admin, vec![sql::list_users(after, q, limit)]).await?, 0)?.all()
        }

        /// Changes a user's quota or disabled flag; `None` when there is no such user.
        pub async fn change_user(
            &self,
            admin: &Id,
            user: &Id,
            change: &UserChange,
        ) -> Result<Option<UserRow>, ApiError> {
            at(&self.batch_as(admin, vec![sql::change_user(user, change)]).await?, 0)?.first()
        }

        /// Deletes the account `user` in one transaction, acting in the session of `actor`
        /// (the user themself, or an admin). Returns whether it existed and the objects this
        /// request holds the claims of, to delete.
        pub async fn delete_account(
            &self,
            actor: &Id,
            user: &Id,
            claim: &str,
            now: i64,
            until: i64,
        ) -> Result<(bool, Vec<OrphanRow>), ApiError> {
            let statements = sql::delete_account(user, claim, now, until);
            // The last statement deletes the user (both features add statements before it).
            let user_deleted = statements.len() - 1;
            let results = self.batch_as(actor, statements).await?;
            let mut claimed: Vec<OrphanRow> = at(&results, 0)?.all()?;
            claimed.extend(at(&results, 1)?.all::<OrphanRow>()?);
            Ok((at(&results, user_deleted)?.any(), claimed))
        }

        /// Creates an account; false when the email is taken.
        pub async fn create_user(&self, id: &Id, email: &Email, hash: &str, now: i64) -> Result<bool, ApiError> {
            Ok(self.run(sql::insert_user(id, email, hash, now)).await?.any())
        }

        /// The id and password hash of the account with this email (as typed, and
        /// canonical), with this login attempt counted against each of `keys` (windows of
        /// `window` ms) and the counts read back, in one round trip: the count comes before
        /// the password is judged.
        pub async fn credentials_counting_attempt(
            &self,
            email: (&str, &str),
            keys: &[&str],
            now: i64,
            window: i64,
        ) -> Result<(Option<Credentials>, Vec<Counter>), ApiError> {
            let mut statements = vec![sql::credentials(email.0, email.1)];
            statements.extend(keys.iter().map(|key| limits::sql::count_attempt(key, now, window)));
            let results = self.batch(statements).await?;
            let mut counters = Vec::with_capacity(keys.len());
            for index in 1..=keys.len() {
                counters.extend(at(&results, index)?.first::<Counter>()?);
            }
            Ok((at(&results, 0)?.first()?, counters))
        }

        /// The user's profile and counters; 401 when the session ended or the account is gone.
        pub async fn user(&self, user: &Id) -> Result<UserRow, ApiError> {
            at(&self.batch_as(user, vec![sql::user(user)]).await?, 0)?.first()?.ok_or_else(account_gone)
        }

        /// Up to `limit` accounts whose email has no canonical form yet.
        pub async fn uncanonical_emails(&self, limit: i64) -> Result<Vec<UncanonicalEmail>, ApiError> {
            self.run(sql::uncanonical_emails(limit)).await?.all()
        }

        /// Stores the canonical emails the sweeper computed, in one transaction; returns how
        /// many took theirs (the others conflicted with another account's).
        pub async fn set_canonical_emails(&self, emails: &[(Id, String)]) -> Result<usize, ApiError> {
            #[derive(serde::Deserialize)]
            struct Row {
                canonicalized: i64,
            }
            if emails.is_empty() {
                return Ok(0);
            }
            let statements = emails.iter().map(|(id, canonical)| sql::set_canonical_email(id, canonical)).collect();
            let mut taken = 0;
            for rows in self.batch(statements).await? {
                taken += rows.all::<Row>()?.iter().filter(|row| row.canonicalized == 1).count();
            }
            Ok(taken)
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    use super::users::UserChange;
    let id = crate::model::Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let email = crate::model::Email::parse("A@b.io").unwrap();
    vec![
        sql::insert_user(&id, &email, "h", 0),
        sql::insert_invited_user(&id, &email, "h", 0, "t"),
        sql::credentials("A@b.io", "a@b.io"),
        sql::user(&id),
        sql::uncanonical_emails(100),
        sql::set_canonical_email(&id, "a@b.io"),
        sql::set_password(&id, "h"),
        sql::list_users("", Some("a"), 51),
        sql::change_user(
            &id,
            &UserChange { quota_bytes: crate::model::Patch::Set(None), disabled: crate::model::Patch::Set(true) },
        ),
    ]
    .into_iter()
    .chain(sql::delete_account(&id, "c", 0, 1))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::sql;
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, plan, schema, texts};
    use crate::db::{SqlArg, Statement};
    use crate::model::{canonical_email, Email, Id};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("users.rs"));
        assert_no_table_scans(&super::samples());
    }

    #[test]
    fn logins_and_the_sweeper_find_accounts_through_the_canonical_email_index() {
        let db = schema();
        let uses = |statement: Statement, index: &str| {
            let steps = plan(&db, &statement.sql);
            assert!(steps.iter().any(|s| s.contains(index)), "{index}: {steps:?}\n  in {}", statement.sql);
        };
        uses(sql::credentials("a@b.io", "a@b.io"), "users_by_canonical_email (email_canonical=?)");
        uses(sql::credentials("a@b.io", "a@b.io"), "sqlite_autoindex_users_2 (email=?)");
        uses(sql::uncanonical_emails(10), "users_by_canonical_email (email_canonical=?)");
    }

    fn id(n: u8) -> Id {
        Id::from_trusted(format!("{n:032x}"))
    }

    /// Every statement's rows, each row's first column as text (NULL as "NULL").
    fn run(db: &rusqlite::Connection, statement: &Statement) -> Vec<String> {
        let args: Vec<rusqlite::types::Value> = statement
            .args
            .iter()
            .map(|a| match a {
                SqlArg::Text(t) => t.clone().into(),
                SqlArg::Int(i) => (*i).into(),
                SqlArg::Null => rusqlite::types::Value::Null,
            })
            .collect();
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let rows = prepared
            .query_map(rusqlite::params_from_iter(args), |row| {
                Ok(match row.get::<_, rusqlite::types::Value>(0)? {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    _ => "NULL".to_owned(),
                })
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// The id of the account a login with `typed` finds.
    fn login(db: &rusqlite::Connection, typed: &str) -> Option<String> {
        texts(db, &sql::credentials(typed, &canonical_email(typed))).into_iter().next()
    }

    #[test]
    fn accounts_from_before_canonical_emails_are_canonicalized_in_sql_or_by_the_sweeper() {
        // The schema as it was before this change, with the accounts it could hold: the old
        // unique index folded ASCII letters only, so Unicode variants were separate accounts.
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let mut migrations: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        migrations.sort();
        let (before, after): (Vec<_>, Vec<_>) =
            migrations.into_iter().partition(|path| path.file_name().unwrap().to_string_lossy().as_ref() < "0007");
        for migration in before {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }
        let legacy = [
            (1, "Ada@Example.com"),
            (2, "zo\u{e9}@x.io"),
            (3, "ZO\u{c9}@x.io"),
            (4, "K@x.io"),
            (5, "\u{212a}@x.io"),
            (6, "stra\u{df}e@x.de"),
        ];
        for (n, email) in legacy {
            db.execute(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, 'h', 0)",
                [id(n).as_str(), email],
            )
            .unwrap();
        }
        for migration in after {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }

        // Pure-ASCII addresses are canonical at once; the others wait for the sweeper, and
        // meanwhile log in with their address as typed (ASCII letters in any case), as before.
        let canonical = |n: u8| {
            db.query_row("SELECT email_canonical FROM users WHERE id = ?1", [id(n).as_str()], |row| {
                row.get::<_, Option<String>>(0)
            })
            .unwrap()
        };
        assert_eq!(canonical(1).as_deref(), Some("ada@example.com"));
        assert_eq!(canonical(4).as_deref(), Some("k@x.io"));
        assert_eq!([2, 3, 5, 6].map(canonical), [None, None, None, None]);
        assert_eq!(login(&db, "ADA@example.COM"), Some(id(1).as_str().to_owned()));
        assert_eq!(login(&db, "Zo\u{e9}@X.io"), Some(id(2).as_str().to_owned()));
        assert_eq!(login(&db, "zoe\u{301}@x.io"), None, "variants wait for the sweeper");

        // The sweeper's run: what is left, canonicalized in Rust, written back in order.
        let pending = run(&db, &sql::uncanonical_emails(100));
        assert_eq!(pending.len(), 4);
        let mut taken = Vec::new();
        for user in pending {
            let email: String =
                db.query_row("SELECT email FROM users WHERE id = ?1", [&user], |row| row.get(0)).unwrap();
            let statement = sql::set_canonical_email(&Id::from_trusted(user.clone()), &canonical_email(&email));
            taken.push((user, run(&db, &statement)));
        }
        assert_eq!(taken.iter().filter(|(_, rows)| rows == &["1"]).count(), 2, "{taken:?}");
        assert!(run(&db, &sql::uncanonical_emails(100)).is_empty(), "the queue is empty");
        assert_eq!(canonical(2).as_deref(), Some("zo\u{e9}@x.io"));
        assert_eq!(canonical(6).as_deref(), Some("strasse@x.de"));
        // The second zoé, and the Kelvin sign after the plain K, conflict: they are marked,
        // and still log in with the address they typed.
        assert_eq!(canonical(3), Some(format!("conflict:{}", id(3).as_str())));
        assert_eq!(canonical(5), Some(format!("conflict:{}", id(5).as_str())));
        assert_eq!(login(&db, "zoe\u{301}@x.io"), Some(id(2).as_str().to_owned()), "any spelling now");
        assert_eq!(login(&db, "STRASSE@x.de"), Some(id(6).as_str().to_owned()));
        assert_eq!(login(&db, "ZO\u{c9}@x.io"), Some(id(3).as_str().to_owned()), "as typed wins");
        assert_eq!(login(&db, "\u{212a}@x.io"), Some(id(5).as_str().to_owned()));
        assert_eq!(login(&db, "k@X.io"), Some(id(4).as_str().to_owned()));
        assert_eq!(login(&db, "conflict:".to_owned().as_str()), None);
        // A second run finds nothing to do and changes nothing.
        assert!(run(&db, &sql::set_canonical_email(&id(2), "other@x.io")).is_empty());

        // New accounts: a canonical form that is taken, or an address equal to a legacy one
        // but for ASCII case, is refused (no row), whichever index finds it.
        for email in ["ZOE\u{301}@X.IO", "k@x.io", "zO\u{c9}@x.io", "Strasse@X.DE"] {
            let email = Email::parse(email).unwrap();
            assert!(run(&db, &sql::insert_user(&id(9), &email, "h", 0)).is_empty(), "{email:?}");
        }
        let fresh = Email::parse("Zo\u{eb}@x.io").unwrap();
        assert_eq!(run(&db, &sql::insert_user(&id(9), &fresh, "h", 0)), [id(9).as_str()]);
        assert_eq!(login(&db, "ZOE\u{308}@x.io"), Some(id(9).as_str().to_owned()));
    }
}
