//! Brute-force counters: password attempts per key (an account, a share link, a client) in
//! fixed windows, each counted before it is judged and taken back when it succeeds.

pub use crate::domain::limits::Counter;

pub(super) mod sql {
    use crate::db::Statement;

    /// Counts one attempt against `key` before its password is judged, and reads the count
    /// back in the same statement: concurrent attempts each see a different count, so no
    /// more than the limit are ever judged in one window.
    pub fn count_attempt(key: &str, now: i64, window: i64) -> Statement {
        Statement::new(
            "INSERT INTO rate_limits (key, window_start, failures) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE failures + 1 END, \
             window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END \
             RETURNING key, window_start, failures",
            args![key, now, window],
        )
    }

    /// Takes back one counted attempt of `key` (it succeeded, or was never judged).
    pub fn forgive_attempt(key: &str) -> Statement {
        Statement::new("UPDATE rate_limits SET failures = max(failures - 1, 0) WHERE key = ?", args![key])
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
    use super::{sql, Counter};
    use crate::db::runner::at;
    use crate::db::{Db, Statement};
    use crate::error::ApiError;
    use serde::Deserialize;

    impl Db {
        /// The first row of `lookup` (the thing a password is for), with one attempt counted
        /// against each of `attempts` (a key and its window) and the counts read back, in
        /// one transaction: before the password is judged, so however many race, each sees
        /// its own count.
        pub(in crate::db) async fn first_counting_attempts<T: for<'de> Deserialize<'de>>(
            &self,
            lookup: Statement,
            attempts: &[(&str, i64)],
            now: i64,
        ) -> Result<(Option<T>, Vec<Counter>), ApiError> {
            let mut statements = vec![lookup];
            statements.extend(attempts.iter().map(|(key, window)| sql::count_attempt(key, now, *window)));
            let results = self.batch(statements).await?;
            let mut counters = Vec::with_capacity(attempts.len());
            for index in 1..=attempts.len() {
                counters.extend(at(&results, index)?.first::<Counter>()?);
            }
            Ok((at(&results, 0)?.first()?, counters))
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
    vec![sql::count_attempt("a", 0, 1), sql::forgive_attempt("a"), sql::clear_failures("a"), sql::prune_counters(0)]
}

#[cfg(test)]
mod tests {
    use super::sql;
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, schema};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("limits.rs"));
        assert_no_table_scans(&super::samples());
    }

    /// The count `count_attempt` reads back (its third column).
    fn counted(db: &rusqlite::Connection, key: &str, now: i64) -> i64 {
        let statement = sql::count_attempt(key, now, 1000);
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let args: Vec<rusqlite::types::Value> = statement
            .args
            .iter()
            .map(|a| match a {
                crate::db::SqlArg::Text(t) => t.clone().into(),
                crate::db::SqlArg::Int(i) => (*i).into(),
                crate::db::SqlArg::Null => rusqlite::types::Value::Null,
            })
            .collect();
        prepared.query_row(rusqlite::params_from_iter(args), |row| row.get(2)).unwrap()
    }

    #[test]
    fn each_attempt_reads_back_its_own_count_and_a_new_window_starts_over() {
        let db = schema();
        assert_eq!((counted(&db, "k", 0), counted(&db, "k", 10), counted(&db, "k", 999)), (1, 2, 3));
        assert_eq!(counted(&db, "other", 5), 1, "keys count apart");
        assert_eq!(counted(&db, "k", 1000), 1, "the window closed");
        let forgive = sql::forgive_attempt("k");
        db.execute(&forgive.sql, ["k"]).unwrap();
        db.execute(&forgive.sql, ["k"]).unwrap();
        let failures: i64 = db.query_row("SELECT failures FROM rate_limits WHERE key = 'k'", [], |r| r.get(0)).unwrap();
        assert_eq!(failures, 0, "never below zero");
    }
}
