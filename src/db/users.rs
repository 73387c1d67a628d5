//! Accounts: creating them, finding one by email for a login, and a user's profile with the
//! counters kept beside it.

use serde::Deserialize;

/// A user's profile with the counters kept beside it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    pub file_count: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
}

/// What a login needs to check a password.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub id: String,
    pub password_hash: String,
}

pub(super) mod sql {
    use crate::db::Statement;
    use crate::model::Id;

    /// `SELECT 1` when the user exists: the first statement of every signed-in batch.
    pub fn user_exists(user: &Id) -> Statement {
        Statement::new("SELECT 1 AS present FROM users WHERE id = ?", args![user])
    }

    /// Creates an account unless the email is taken (then it returns no row).
    pub fn insert_user(id: &Id, email: &str, password_hash: &str, now: i64) -> Statement {
        Statement::new(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (email) DO NOTHING RETURNING id",
            args![id, email, password_hash, now],
        )
    }

    /// The id and password hash for an email.
    pub fn credentials(email: &str) -> Statement {
        Statement::new("SELECT id, password_hash FROM users WHERE email = ?", args![email])
    }

    /// A user's profile and counters.
    pub fn user(user: &Id) -> Statement {
        Statement::new(
            "SELECT id, email, created_at, file_count, used_bytes, reserved_bytes FROM users WHERE id = ?",
            args![user],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, Credentials, UserRow};
    use crate::db::limits::{self, Counter};
    use crate::db::runner::{account_gone, at};
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Creates an account; false when the email is taken.
        pub async fn create_user(&self, id: &Id, email: &str, hash: &str, now: i64) -> Result<bool, ApiError> {
            Ok(self.run(sql::insert_user(id, email, hash, now)).await?.any())
        }

        /// The id and password hash of the account with this email, with this login
        /// attempt counted against each of `keys` (windows of `window` ms) and the counts
        /// read back, in one round trip: the count comes before the password is judged.
        pub async fn credentials_counting_attempt(
            &self,
            email: &str,
            keys: &[&str],
            now: i64,
            window: i64,
        ) -> Result<(Option<Credentials>, Vec<Counter>), ApiError> {
            let mut statements = vec![sql::credentials(email)];
            statements.extend(keys.iter().map(|key| limits::sql::count_attempt(key, now, window)));
            let results = self.batch(statements).await?;
            let mut counters = Vec::with_capacity(keys.len());
            for index in 1..=keys.len() {
                counters.extend(at(&results, index)?.first::<Counter>()?);
            }
            Ok((at(&results, 0)?.first()?, counters))
        }

        /// The user's profile and counters; 401 when the account is gone.
        pub async fn user(&self, user: &Id) -> Result<UserRow, ApiError> {
            self.run(sql::user(user)).await?.first()?.ok_or_else(account_gone)
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = crate::model::Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    vec![sql::user_exists(&id), sql::insert_user(&id, "a@b.io", "h", 0), sql::credentials("a@b.io"), sql::user(&id)]
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("users.rs"));
        assert_no_table_scans(&super::samples());
    }
}
