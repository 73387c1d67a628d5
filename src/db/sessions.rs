//! Sessions (`sessions`): one row per issued token (a login's bearer token, or the web app's
//! cookie), named by the token's `sid` claim. A token works while its row lives: logging out
//! deletes the row, logging out everywhere deletes all of the user's rows, and the sweeper
//! drops expired ones. Every signed-in batch starts with [`sql::session_alive`], so the
//! check costs no round trip of its own.
//!
//! Personal access tokens are sessions too (kind `api`, with a `token_hash`, a `name`,
//! `scopes` and `last_used_at`): what ends sessions ends them, and the same check covers
//! them, matching the hash of the token the request was sent with. The first batch of a
//! token's request also sets its `last_used_at`, when that is a minute old or more.

use crate::model::Id;

/// Where a session's token lives: `api` for a bearer token from `POST /auth/login`, `web`
/// for the web app's cookie from `POST /auth/session`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Api,
    Web,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Api => "api",
            SessionKind::Web => "web",
        }
    }
}

/// A session about to be opened.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id: &'a Id,
    pub user: &'a Id,
    pub kind: SessionKind,
    pub now: i64,
    pub expires_at: i64,
}

/// The session a signed-in request acts in, with the time it arrived: every batch on the
/// request's behalf checks that the session is still alive and the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    pub id: Id,
    pub now: i64,
    /// The SHA-256 (hex) of the personal access token the request came with; `None` for a
    /// login's or the web app's token, whose session rows have none.
    pub token_hash: Option<String>,
}

/// A personal access token about to be created.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: &'a Id,
    pub user: &'a Id,
    pub hash: &'a str,
    pub name: &'a str,
    /// Space-separated scope names.
    pub scopes: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// A personal access token as listed (never its hash).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

/// What the error of a signed-in batch whose session is gone says (SQLite's `SQLITE_TOOBIG`).
pub const SESSION_ENDED: &str = "string or blob too big";
/// What the error of a signed-in batch of a disabled account says.
pub const ACCOUNT_DISABLED: &str = "malformed JSON";

pub(super) mod sql {
    use super::{ActiveSession, NewSession, NewToken};
    use crate::db::Statement;
    use crate::domain::tokens::{LAST_USED_EVERY_MILLIS, MAX_TOKENS_PER_USER};
    use crate::model::Id;

    /// The columns of a listed token.
    const TOKEN_COLUMNS: &str = "id, name, scopes, created_at, expires_at, last_used_at";

    /// The first statement of every signed-in batch: one row (`0`) while `session` is alive,
    /// belongs to `user`, has not expired, its token hash is the request's (none for a JWT's
    /// session, so a JWT can never act in a token's row, nor a token in a login's), the user
    /// exists and no admin disabled them; otherwise it fails, so that D1 rolls the whole batch
    /// back and nothing of it is written for a token that no longer counts: with
    /// [`SESSION_ENDED`] in the error when the session is gone (401), [`ACCOUNT_DISABLED`]
    /// when the account is disabled (403). The failures are SQLite's own (a blob too big to
    /// make, text that is no JSON), raised only in the branch that needs them, from the
    /// (always one) aggregate row's values, so never evaluated ahead as constants. Two
    /// primary-key lookups.
    pub fn session_alive(user: &Id, session: &ActiveSession) -> Statement {
        Statement::new(
            "SELECT CASE WHEN count(u.id) = 0 THEN zeroblob(9223372036854775807 + count(u.id)) \
             WHEN max(u.disabled) <> 0 THEN json('account disabled ' || max(u.id)) ELSE 0 END AS ended \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = ?1 AND s.user_id = ?2 AND s.expires_at > ?3 AND s.token_hash IS ?4",
            args![&session.id, user, session.now, session.token_hash.as_deref()],
        )
    }

    /// Notes that a token was used at `session.now`, unless it was within the last minute
    /// (so a busy token is written once a minute, not once a request).
    pub fn touch_token(session: &ActiveSession) -> Statement {
        Statement::new(
            "UPDATE sessions SET last_used_at = ?3 WHERE id = ?1 AND token_hash = ?2 \
             AND (last_used_at IS NULL OR last_used_at <= ?3 - ?4)",
            args![&session.id, session.token_hash.as_deref(), session.now, LAST_USED_EVERY_MILLIS],
        )
    }

    /// Creates a personal access token, unless its user holds the most they may already;
    /// returns its id when it was created.
    pub fn insert_token(token: &NewToken<'_>) -> Statement {
        Statement::new(
            "INSERT INTO sessions (id, user_id, kind, created_at, expires_at, token_hash, name, scopes) \
             SELECT ?1, ?2, 'api', ?3, ?4, ?5, ?6, ?7 \
             WHERE (SELECT count(*) FROM sessions WHERE user_id = ?2 AND token_hash IS NOT NULL) < ?8 \
             RETURNING id",
            args![
                token.id,
                token.user,
                token.now,
                token.expires_at,
                token.hash,
                token.name,
                token.scopes,
                i64::try_from(MAX_TOKENS_PER_USER).unwrap_or(i64::MAX)
            ],
        )
    }

    /// The personal access tokens of `user`, newest first (expired ones until swept).
    pub fn tokens_of(user: &Id) -> Statement {
        Statement::new(
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM sessions WHERE user_id = ? AND token_hash IS NOT NULL \
                 ORDER BY created_at DESC, id"
            ),
            args![user],
        )
    }

    /// Revokes one personal access token of `user`; returns its id if there was one.
    pub fn delete_token(user: &Id, token: &Id) -> Statement {
        Statement::new(
            "DELETE FROM sessions WHERE id = ? AND user_id = ? AND token_hash IS NOT NULL RETURNING id",
            args![token, user],
        )
    }

    /// Opens a session.
    pub fn insert_session(session: &NewSession<'_>) -> Statement {
        Statement::new(
            "INSERT INTO sessions (id, user_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            args![session.id, session.user, session.kind.as_str(), session.now, session.expires_at],
        )
    }

    /// Ends the personal access token `token` whose hash is `hash` (logging out with it).
    pub fn end_token(token: &Id, hash: &str) -> Statement {
        Statement::new("DELETE FROM sessions WHERE id = ? AND token_hash = ?", args![token, hash])
    }

    /// Ends one session of `user` (logging out). Ending one that is gone already is no error.
    pub fn delete_session(user: &Id, session: &Id) -> Statement {
        Statement::new("DELETE FROM sessions WHERE id = ? AND user_id = ?", args![session, user])
    }

    /// Ends every session of `user`, personal access tokens included (logging out
    /// everywhere; a password change).
    pub fn delete_sessions_of(user: &Id) -> Statement {
        Statement::new("DELETE FROM sessions WHERE user_id = ?", args![user])
    }

    /// Housekeeping: drops up to `limit` sessions that expired by `now`, returning their ids.
    pub fn delete_expired_sessions(now: i64, limit: i64) -> Statement {
        Statement::new(
            "DELETE FROM sessions WHERE id IN \
             (SELECT id FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING id",
            args![now, limit],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, NewSession, NewToken, TokenRow};
    use crate::db::limits;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Opens a session after a successful login and, in the same transaction, forgets the
        /// failures of `clear` and takes back the attempt counted against each of `forgive`.
        pub async fn open_session(
            &self,
            session: NewSession<'_>,
            clear: &[&str],
            forgive: &[&str],
        ) -> Result<(), ApiError> {
            let mut statements = vec![sql::insert_session(&session)];
            statements.extend(clear.iter().map(|key| limits::sql::clear_failures(key)));
            statements.extend(forgive.iter().map(|key| limits::sql::forgive_attempt(key)));
            self.batch(statements).await.map(drop)
        }

        /// Ends one session of `user`, if it still exists (logging out needs no live session:
        /// ending one twice is fine).
        pub async fn end_session(&self, user: &Id, session: &Id) -> Result<(), ApiError> {
            self.run(sql::delete_session(user, session)).await.map(drop)
        }

        /// Ends every session of `user`, the request's own included; 401 when that one is
        /// no longer alive.
        pub async fn end_all_sessions(&self, user: &Id) -> Result<(), ApiError> {
            self.batch_as(user, vec![sql::delete_sessions_of(user)]).await.map(drop)
        }

        /// Creates a personal access token for the signed-in `user`; `false` when they hold
        /// the most they may already.
        pub async fn create_token(&self, user: &Id, token: NewToken<'_>) -> Result<bool, ApiError> {
            Ok(crate::db::runner::at(&self.batch_as(user, vec![sql::insert_token(&token)]).await?, 0)?.any())
        }

        /// The personal access tokens of `user`, newest first.
        pub async fn tokens(&self, user: &Id) -> Result<Vec<TokenRow>, ApiError> {
            crate::db::runner::at(&self.batch_as(user, vec![sql::tokens_of(user)]).await?, 0)?.all()
        }

        /// Revokes one token of `user`; `false` when they have none of that id.
        pub async fn revoke_token(&self, user: &Id, token: &Id) -> Result<bool, ApiError> {
            Ok(crate::db::runner::at(&self.batch_as(user, vec![sql::delete_token(user, token)]).await?, 0)?.any())
        }

        /// Revokes the token a request came with (logging out with it), if its hash is the
        /// one stored; no error when it is gone already.
        pub async fn end_token(&self, token: &Id, hash: &str) -> Result<(), ApiError> {
            self.run(sql::end_token(token, hash)).await.map(drop)
        }

        /// Housekeeping: drops up to `limit` expired sessions; returns how many.
        pub async fn delete_expired_sessions(&self, now: i64, limit: i64) -> Result<usize, ApiError> {
            Ok(self.run(sql::delete_expired_sessions(now, limit)).await?.all::<serde_json::Value>()?.len())
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let active = ActiveSession { id: id.clone(), now: 0, token_hash: Some("h".into()) };
    let session = NewSession { id: &id, user: &id, kind: SessionKind::Web, now: 0, expires_at: 1 };
    let token = NewToken { id: &id, user: &id, hash: "h", name: "ci", scopes: "files:read", now: 0, expires_at: 1 };
    vec![
        sql::session_alive(&id, &active),
        sql::touch_token(&active),
        sql::insert_token(&token),
        sql::tokens_of(&id),
        sql::delete_token(&id, &id),
        sql::end_token(&id, "h"),
        sql::insert_session(&session),
        sql::delete_session(&id, &id),
        sql::delete_sessions_of(&id),
        sql::delete_expired_sessions(0, 100),
    ]
}

#[cfg(test)]
mod tests {
    use super::{sql, ActiveSession, NewSession, SessionKind};
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, plan, schema, texts};
    use crate::db::Statement;
    use crate::model::Id;

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("sessions.rs"));
        assert_no_table_scans(&super::samples());
    }

    fn id(n: u8) -> Id {
        Id::from_trusted(format!("{n:032}"))
    }

    fn values(statement: &Statement) -> Vec<rusqlite::types::Value> {
        statement
            .args
            .iter()
            .map(|a| match a {
                crate::db::SqlArg::Text(t) => t.clone().into(),
                crate::db::SqlArg::Int(i) => (*i).into(),
                crate::db::SqlArg::Null => rusqlite::types::Value::Null,
            })
            .collect()
    }

    fn execute(db: &rusqlite::Connection, statement: &Statement) {
        db.prepare(&statement.sql).unwrap().execute(rusqlite::params_from_iter(values(statement))).unwrap();
    }

    /// A schema with users 1 and 2, and sessions 10 and 11 of user 1 (expiring at 100 and
    /// 200) and 20 of user 2 (expiring at 300).
    fn seeded() -> rusqlite::Connection {
        let db = schema();
        for n in [1, 2] {
            db.execute(
                "INSERT INTO users (id, email, email_canonical, password_hash, created_at) VALUES (?1, ?1, ?1, 'h', 0)",
                [id(n).as_str()],
            )
            .unwrap();
        }
        for (session, user, expires_at) in [(10, 1, 100), (11, 1, 200), (20, 2, 300)] {
            let kind = if session == 10 { SessionKind::Web } else { SessionKind::Api };
            let new = NewSession { id: &id(session), user: &id(user), kind, now: 0, expires_at };
            execute(&db, &sql::insert_session(&new));
        }
        db
    }

    /// Whether the check passes; panics unless it either passes or fails with the session's end.
    fn alive(db: &rusqlite::Connection, user: u8, session: u8, now: i64) -> bool {
        match check(db, user, session, now) {
            Ok(()) => true,
            Err(e) if e.contains(super::SESSION_ENDED) => false,
            Err(e) => panic!("{e}"),
        }
    }

    fn check(db: &rusqlite::Connection, user: u8, session: u8, now: i64) -> Result<(), String> {
        let statement = sql::session_alive(&id(user), &ActiveSession { id: id(session), now, token_hash: None });
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let mut rows = prepared.query(rusqlite::params_from_iter(values(&statement))).unwrap();
        let row = rows.next().map_err(|e| e.to_string())?.expect("always one row");
        assert_eq!(row.get::<_, i64>(0).unwrap(), 0);
        Ok(())
    }

    #[test]
    fn a_disabled_account_fails_the_check_with_its_own_error_and_rolls_the_batch_back() {
        let db = seeded();
        db.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [id(1).as_str()]).unwrap();
        let error = check(&db, 1, 10, 0).unwrap_err();
        assert!(error.contains(super::ACCOUNT_DISABLED), "{error}");
        assert!(alive(&db, 2, 20, 0), "other accounts are not concerned");
        assert!(!alive(&db, 1, 10, 100), "an expired session of a disabled account has ended");
        // In a transaction, the failed check takes the batch's writes with it.
        db.execute_batch("BEGIN; DELETE FROM sessions WHERE id = 'x'; INSERT INTO sessions (id, user_id, kind, created_at, expires_at) VALUES ('y', '00000000000000000000000000000001', 'api', 0, 1);").unwrap();
        assert!(check(&db, 1, 10, 0).is_err());
        db.execute_batch("ROLLBACK").unwrap();
        assert_eq!(sessions(&db), ["10", "11", "20"]);
    }

    fn sessions(db: &rusqlite::Connection) -> Vec<String> {
        let statement = Statement::new("SELECT id FROM sessions ORDER BY id", vec![]);
        texts(db, &statement).iter().map(|s| s.trim_start_matches('0').to_owned()).collect()
    }

    #[test]
    fn a_token_acts_only_with_its_own_hash_is_noted_once_a_minute_and_ends_with_its_user_s_sessions() {
        use super::NewToken;
        let db = seeded();
        let token = NewToken {
            id: &id(30),
            user: &id(1),
            hash: "h30",
            name: "ci",
            scopes: "files:read",
            now: 0,
            expires_at: 500,
        };
        assert_eq!(texts(&db, &sql::insert_token(&token)), [id(30).as_str()]);
        let acting =
            |hash: Option<&str>, now: i64| ActiveSession { id: id(30), now, token_hash: hash.map(str::to_owned) };
        let alive_as = |session: &ActiveSession| {
            let statement = sql::session_alive(&id(1), session);
            let mut prepared = db.prepare(&statement.sql).unwrap();
            let mut rows = prepared.query(rusqlite::params_from_iter(values(&statement))).unwrap();
            match rows.next() {
                Ok(_) => true,
                Err(e) if e.to_string().contains(super::SESSION_ENDED) => false,
                Err(e) => panic!("{e}"),
            }
        };
        assert!(alive_as(&acting(Some("h30"), 10)));
        assert!(!alive_as(&acting(Some("other"), 10)), "another token's hash");
        assert!(!alive_as(&acting(None, 10)), "a JWT naming the token's row");
        assert!(!alive_as(&acting(Some("h30"), 500)), "expired");
        let touched = |now| crate::db::testing::execute(&db, &sql::touch_token(&acting(Some("h30"), now)));
        assert_eq!(touched(1_000), 1);
        assert_eq!(touched(30_000), 0, "within the minute: no write");
        assert_eq!(touched(61_000), 1);
        assert_eq!(crate::db::testing::execute(&db, &sql::touch_token(&acting(Some("bad"), 200_000))), 0);
        let listed = texts(&db, &sql::tokens_of(&id(1)));
        assert_eq!(listed, [id(30).as_str()], "only tokens are listed, not sessions");
        assert!(texts(&db, &sql::delete_token(&id(2), &id(30))).is_empty(), "not user 2's to revoke");
        assert!(texts(&db, &sql::delete_token(&id(1), &id(10))).is_empty(), "a session is no token");
        execute(&db, &sql::delete_sessions_of(&id(1)));
        assert!(!alive_as(&acting(Some("h30"), 10)), "logging out everywhere ends tokens");
    }

    #[test]
    fn a_session_is_alive_for_its_own_user_until_it_expires() {
        let db = seeded();
        assert!(alive(&db, 1, 10, 99));
        assert!(!alive(&db, 1, 10, 100), "expired at 100");
        assert!(!alive(&db, 2, 10, 0), "not the session of user 2");
        assert!(!alive(&db, 1, 20, 0), "nor is user 2's session user 1's");
        assert!(!alive(&db, 1, 99, 0), "no such session");
        // The user's account gone, its sessions are no good either.
        db.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        db.execute("DELETE FROM users WHERE id = ?1", [id(2).as_str()]).unwrap();
        assert!(!alive(&db, 2, 20, 0));
    }

    #[test]
    fn logging_out_ends_one_session_and_logging_out_everywhere_all_of_the_users() {
        let db = seeded();
        execute(&db, &sql::delete_session(&id(2), &id(10)));
        assert_eq!(sessions(&db), ["10", "11", "20"], "only the owner can end a session");
        execute(&db, &sql::delete_session(&id(1), &id(10)));
        assert_eq!(sessions(&db), ["11", "20"]);
        execute(&db, &sql::delete_sessions_of(&id(1)));
        assert_eq!(sessions(&db), ["20"], "user 2's session stays");
    }

    #[test]
    fn the_sweeper_drops_expired_sessions_oldest_first_a_batch_at_a_time() {
        let db = seeded();
        assert_eq!(texts(&db, &sql::delete_expired_sessions(150, 100)), [id(10).as_str()]);
        assert_eq!(texts(&db, &sql::delete_expired_sessions(1000, 1)), [id(11).as_str()]);
        assert_eq!(sessions(&db), ["20"]);
        let steps = plan(&db, &sql::delete_expired_sessions(0, 1).sql);
        assert!(steps.iter().any(|s| s.contains("sessions_by_expiry")), "{steps:?}");
        let steps = plan(&db, &sql::delete_sessions_of(&id(1)).sql);
        assert!(steps.iter().any(|s| s.contains("sessions_by_user")), "{steps:?}");
    }

    #[test]
    fn sessions_go_with_their_account() {
        let db = seeded();
        db.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        db.execute("DELETE FROM users WHERE id = ?1", [id(2).as_str()]).unwrap();
        assert_eq!(sessions(&db), ["10", "11"]);
    }
}
