//! Brute-force counters: failed password attempts per key (an account, a share link, a
//! client) in fixed windows.

pub use crate::domain::limits::Counter;

pub(super) mod sql {
    use crate::db::{SqlArg, Statement};

    /// The failure counters of these keys.
    pub fn counters(keys: &[&str]) -> Statement {
        let marks = vec!["?"; keys.len()].join(", ");
        Statement::new(
            &format!("SELECT key, window_start, failures FROM rate_limits WHERE key IN ({marks})"),
            keys.iter().map(|k| SqlArg::from(*k)).collect(),
        )
    }

    /// Counts one failure against `key` in a fixed window of `window` milliseconds.
    pub fn count_failure(key: &str, now: i64, window: i64) -> Statement {
        Statement::new(
            "INSERT INTO rate_limits (key, window_start, failures) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE failures + 1 END, \
             window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END",
            args![key, now, window],
        )
    }

    /// Forgets the failures of `key` (after a success).
    pub fn clear_failures(key: &str) -> Statement {
        Statement::new("DELETE FROM rate_limits WHERE key = ?", args![key])
    }

    /// Housekeeping: counters whose window closed before `cutoff`.
    pub fn prune_counters(cutoff: i64) -> Statement {
        Statement::new("DELETE FROM rate_limits WHERE window_start < ?", args![cutoff])
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::sql;
    use crate::db::Db;
    use crate::error::ApiError;

    impl Db {
        /// Counts a failed login against each of `keys`, in one transaction.
        pub async fn record_failed_login(&self, keys: &[&str], now: i64, window: i64) -> Result<(), ApiError> {
            self.batch(keys.iter().map(|key| sql::count_failure(key, now, window)).collect()).await.map(drop)
        }

        /// Forgets the failures of `key`.
        pub async fn clear_failures(&self, key: &str) -> Result<(), ApiError> {
            self.run(sql::clear_failures(key)).await.map(drop)
        }

        /// Housekeeping: drops counters whose window closed before `cutoff`.
        pub async fn prune_counters(&self, cutoff: i64) -> Result<(), ApiError> {
            self.run(sql::prune_counters(cutoff)).await.map(drop)
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    vec![sql::counters(&["a", "b"]), sql::count_failure("a", 0, 1), sql::clear_failures("a"), sql::prune_counters(0)]
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("limits.rs"));
        assert_no_table_scans(&super::samples());
    }
}
