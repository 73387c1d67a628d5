//! Every SQL statement of the service, one file per area, each beside the [`Db`] methods
//! that run it and the sample calls its query-plan check walks.
//!
//! | area | tables |
//! |---|---|
//! | [`users`] | `users` |
//! | [`sessions`] | `sessions`: one per issued token, checked by every signed-in batch |
//! | [`files`] | `files` (and its trigram index `files_search`) |
//! | [`expiry`] | expired `files`, which the sweeper deletes |
//! | [`uploads`] | `uploads`: pending direct uploads |
//! | [`shares`] | `shares`, `share_accesses` |
//! | [`collections`] | `share_files`, and what a `files` or `folder` link holds |
//! | [`ledger`] | `orphan_objects`: objects no file row owns, for the sweeper |
//! | [`limits`] | `rate_limits`: brute-force counters |
//! | [`invites`] | `invites`: single-use sign-up invites |
//! | [`webhooks`] | `webhooks`: accounts' subscriptions to their events |
//! | [`notices`] | `notices`: events kept for webhooks until their deliveries are queued |
//! | [`visits`] | `visit_receipts`: the events consumer's batches of share visits (log entries, counts) |
//! | [`requests`] | `upload_requests`: links through which guests upload, and their slots |
//!
//! The schema lives in `migrations/`. Statements that belong together go out as one D1
//! batch, which D1 runs as a single transaction in a single round trip. Every statement on
//! behalf of a user is scoped by `owner_id`, and every batch for a signed-in user starts
//! with a check that the request's session is still alive, is the user's and has not
//! expired (and that the user exists and is not disabled), so a token that was logged out,
//! or whose account is gone, gets 401 (403 when disabled) without a round trip of its own.
//! A failed check is an SQLite error, which rolls the whole batch back.
//!
//! Each area keeps its builders in a private `sql` module and lists a sample call of each in
//! its `samples()`; a native test reads the area's source and fails when a builder is
//! missing from `samples()`, so no statement escapes the plan check.

// The statements run only on wasm32 (and are planned by the native tests); a plain native
// build of the library sees them unused.
#![cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]

use crate::model::Id;

/// Builds an argument list from values of mixed types.
macro_rules! args {
    ($($value:expr),* $(,)?) => { vec![$($crate::db::SqlArg::from($value)),*] };
}

pub mod collections;
pub mod expiry;
pub mod files;
#[cfg(test)]
mod interleavings;
pub mod invites;
pub mod ledger;
pub mod limits;
pub mod notices;
pub mod requests;
pub mod sessions;
pub mod shares;
pub mod uploads;
pub mod users;
pub mod visits;
pub mod webhooks;

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlArg {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for SqlArg {
    fn from(value: &str) -> Self {
        SqlArg::Text(value.to_owned())
    }
}

impl From<String> for SqlArg {
    fn from(value: String) -> Self {
        SqlArg::Text(value)
    }
}

impl From<&String> for SqlArg {
    fn from(value: &String) -> Self {
        SqlArg::Text(value.clone())
    }
}

impl From<&Id> for SqlArg {
    fn from(value: &Id) -> Self {
        SqlArg::Text(value.as_str().to_owned())
    }
}

impl From<Option<&Id>> for SqlArg {
    fn from(value: Option<&Id>) -> Self {
        value.map_or(SqlArg::Null, SqlArg::from)
    }
}

impl From<i64> for SqlArg {
    fn from(value: i64) -> Self {
        SqlArg::Int(value)
    }
}

impl From<Option<i64>> for SqlArg {
    fn from(value: Option<i64>) -> Self {
        value.map_or(SqlArg::Null, SqlArg::Int)
    }
}

impl From<Option<&str>> for SqlArg {
    fn from(value: Option<&str>) -> Self {
        value.map_or(SqlArg::Null, SqlArg::from)
    }
}

impl From<bool> for SqlArg {
    fn from(value: bool) -> Self {
        SqlArg::Int(i64::from(value))
    }
}

/// A statement and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<SqlArg>,
}

impl Statement {
    fn new(sql: &str, args: Vec<SqlArg>) -> Self {
        Statement { sql: sql.to_owned(), args }
    }
}

/// `columns` (`a, b`) each prefixed with the table alias `table` (`t.a, t.b`).
fn qualified(columns: &str, table: &str) -> String {
    columns.split(", ").map(|c| format!("{table}.{c}")).collect::<Vec<_>>().join(", ")
}

#[cfg(target_arch = "wasm32")]
pub use self::runner::{Db, Rows};

/// What one request asked of D1: round trips (statements and batches), and the rows D1
/// reports it read and wrote (index entries included, as D1 bills them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct D1Usage {
    pub round_trips: u32,
    pub rows_read: u64,
    pub rows_written: u64,
}

/// The D1 calls: preparing, binding, batching, and reading rows back (wasm32 only).
#[cfg(target_arch = "wasm32")]
mod runner {
    use super::sessions::{self, ActiveSession};
    use super::{D1Usage, SqlArg, Statement};
    use crate::error::ApiError;
    use crate::model::Id;
    use js_sys::{Array, Function, Promise, Reflect, JSON};
    use serde::Deserialize;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use worker::D1Database;

    /// The D1 database, with one method per question the service asks it (in the area
    /// files of this module), and, for a signed-in request, the session it acts in.
    pub struct Db {
        d1: D1Database,
        /// What statements are prepared on and batched through: the database, or the
        /// request's D1 session (Sessions API: reads may go to a nearby replica, and every
        /// read sees the writes before it and those of the bookmark it started from).
        target: JsValue,
        /// What this request asked of D1, for its log line.
        usage: std::rc::Rc<std::cell::Cell<D1Usage>>,
        session: Option<ActiveSession>,
        /// Whether this request's batches already noted that its access token was used.
        touched: std::cell::Cell<bool>,
    }

    fn js_error(e: JsValue) -> ApiError {
        let message =
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"));
        ApiError::Internal(format!("D1: {message}"))
    }

    fn to_js(arg: &SqlArg) -> JsValue {
        match arg {
            SqlArg::Text(s) => JsValue::from_str(s),
            // D1 numbers are JS numbers: exact up to 2^53, far beyond any size or time here.
            SqlArg::Int(n) => JsValue::from_f64(*n as f64),
            SqlArg::Null => JsValue::NULL,
        }
    }

    /// The rows one statement returned, as the JSON text of its `results` array: one
    /// `JSON.stringify` across the JS boundary instead of one crossing per field.
    pub struct Rows(String);

    impl Rows {
        fn of(result: &JsValue) -> Result<Self, ApiError> {
            let rows = Reflect::get(result, &JsValue::from_str("results")).map_err(js_error)?;
            let text = JSON::stringify(&rows).map_err(js_error)?;
            Ok(Rows(text.as_string().unwrap_or_else(|| "[]".into())))
        }

        /// Every row, read as `T`.
        pub fn all<T: for<'de> Deserialize<'de>>(&self) -> Result<Vec<T>, ApiError> {
            if self.0 == "undefined" || self.0 == "null" {
                return Ok(Vec::new());
            }
            serde_json::from_str(&self.0).map_err(|e| ApiError::Internal(format!("D1 rows: {e}")))
        }

        /// The first row, read as `T`.
        pub fn first<T: for<'de> Deserialize<'de>>(&self) -> Result<Option<T>, ApiError> {
            Ok(self.all::<T>()?.into_iter().next())
        }

        /// True when the statement returned at least one row (read from the JSON text alone).
        pub fn any(&self) -> bool {
            !matches!(self.0.as_str(), "[]" | "null" | "undefined")
        }
    }

    /// The result of statement `index` of a batch (D1 answers one per statement; a short
    /// answer is an internal error, not a panic).
    pub(super) fn at(results: &[Rows], index: usize) -> Result<&Rows, ApiError> {
        results.get(index).ok_or_else(|| ApiError::Internal(format!("D1 batch: no result {index}")))
    }

    /// Calls the JS method `name` of `target` with `args` and awaits its promise.
    async fn call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, ApiError> {
        let method: Function =
            Reflect::get(target, &JsValue::from_str(name)).map_err(js_error)?.dyn_into().map_err(js_error)?;
        let promise: Promise = method.apply(target, args).map_err(js_error)?.dyn_into().map_err(js_error)?;
        JsFuture::from(promise).await.map_err(js_error)
    }

    /// The 401 of a well-signed token whose session ended (logged out, expired) or whose
    /// account is gone.
    pub(super) fn account_gone() -> ApiError {
        ApiError::Unauthenticated("The session of this access token has ended; log in again.")
    }

    impl Db {
        /// The database, acting in no session yet.
        pub fn new(d1: D1Database) -> Self {
            let target: JsValue = d1.as_ref().clone();
            Db { d1, target, usage: Default::default(), session: None, touched: std::cell::Cell::new(false) }
        }

        /// What this database was asked so far.
        pub fn usage(&self) -> D1Usage {
            self.usage.get()
        }

        /// From now on, this database's use is counted in `counter`.
        pub fn count_usage_in(&mut self, counter: std::rc::Rc<std::cell::Cell<D1Usage>>) {
            self.usage = counter;
        }

        /// Counts one round trip and the rows its `results` say D1 read and wrote.
        fn count(&self, results: &[&JsValue]) {
            let mut usage = self.usage.get();
            usage.round_trips = usage.round_trips.saturating_add(1);
            for result in results {
                let meta = Reflect::get(result, &JsValue::from_str("meta")).unwrap_or(JsValue::UNDEFINED);
                let field = |name: &str| {
                    Reflect::get(&meta, &JsValue::from_str(name)).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as u64
                };
                usage.rows_read = usage.rows_read.saturating_add(field("rows_read"));
                usage.rows_written = usage.rows_written.saturating_add(field("rows_written"));
            }
            self.usage.set(usage);
        }

        /// From now on, statements run in a D1 session starting at `constraint`: a
        /// bookmark, `first-unconstrained` (any replica) or `first-primary`. A constraint D1
        /// refuses (a stale or forged bookmark) leaves the database as it was, and is logged.
        pub fn start_session(&mut self, constraint: &str) {
            match self.d1.with_session(Some(constraint)) {
                Ok(session) => self.target = JsValue::from(session),
                Err(e) => worker::console_error!("D1 session not started at {constraint:?}: {e}"),
            }
        }

        /// The bookmark of the request's D1 session after its last statement, if it has one.
        pub fn bookmark(&self) -> Option<String> {
            let get =
                Reflect::get(&self.target, &JsValue::from_str("getBookmark")).ok()?.dyn_into::<Function>().ok()?;
            get.call0(&self.target).ok()?.as_string()
        }

        /// From now on, every signed-in batch checks first that session `id` is alive at
        /// `now` (Unix ms): the request's token named it (and, for a personal access token,
        /// that the session's hash is `token_hash`).
        pub fn act_in(&mut self, id: Id, now: i64, token_hash: Option<String>) {
            self.session = Some(ActiveSession { id, now, token_hash });
        }

        /// `statements` (whose first checks the session), followed, in the first batch of a
        /// request made with a personal access token, by the note that it was used (written
        /// only when the last one is a minute old).
        pub(super) fn with_touch(&self, mut statements: Vec<Statement>) -> Vec<Statement> {
            if let Some(session) = self.session.as_ref().filter(|s| s.token_hash.is_some()) {
                if !self.touched.replace(true) {
                    statements.push(sessions::sql::touch_token(session));
                }
            }
            statements
        }

        /// The session this request acts in; a signed-in statement without one is a bug,
        /// refused rather than run unchecked.
        pub(super) fn session(&self) -> Result<&ActiveSession, ApiError> {
            self.session.as_ref().ok_or_else(|| ApiError::Internal("a signed-in statement without a session".into()))
        }

        fn prepare(&self, statement: Statement) -> Result<JsValue, ApiError> {
            let args: Array = statement.args.iter().map(to_js).collect();
            let prepare: Function = Reflect::get(&self.target, &JsValue::from_str("prepare"))
                .map_err(js_error)?
                .dyn_into()
                .map_err(js_error)?;
            let prepared = prepare.call1(&self.target, &JsValue::from_str(&statement.sql)).map_err(js_error)?;
            let bind: Function =
                Reflect::get(&prepared, &JsValue::from_str("bind")).map_err(js_error)?.dyn_into().map_err(js_error)?;
            bind.apply(&prepared, &args).map_err(js_error)
        }

        /// Runs one statement.
        pub(super) async fn run(&self, statement: Statement) -> Result<Rows, ApiError> {
            let prepared = self.prepare(statement)?;
            let result = call(&prepared, "all", &Array::new()).await?;
            self.count(&[&result]);
            Rows::of(&result)
        }

        /// Runs `statements` as one transaction, in one round trip.
        pub(super) async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Rows>, ApiError> {
            let prepared = statements.into_iter().map(|s| self.prepare(s)).collect::<Result<Vec<_>, _>>()?;
            let list: Array = prepared.into_iter().collect();
            let results: Array = call(&self.target, "batch", &Array::of1(&list)).await?.dyn_into().map_err(js_error)?;
            let results: Vec<JsValue> = results.iter().collect();
            self.count(&results.iter().collect::<Vec<_>>());
            results.iter().map(Rows::of).collect()
        }

        /// Runs `statements` in one transaction after checking that the request's session is
        /// alive and `user`'s (401 otherwise) and that no admin disabled the account (403
        /// `account_disabled`); a failed check fails the whole transaction, so none of
        /// `statements` is written. Returns the results of `statements` (not of the check).
        pub(super) async fn batch_as(&self, user: &Id, statements: Vec<Statement>) -> Result<Vec<Rows>, ApiError> {
            let count = statements.len();
            let mut all = vec![sessions::sql::session_alive(user, self.session()?)];
            all.extend(statements);
            match self.batch(self.with_touch(all)).await {
                Ok(results) => {
                    let mut results = results.into_iter().skip(1).collect::<Vec<_>>();
                    results.truncate(count);
                    Ok(results)
                }
                Err(ApiError::Internal(why)) if why.contains(sessions::SESSION_ENDED) => Err(account_gone()),
                Err(ApiError::Internal(why)) if why.contains(sessions::ACCOUNT_DISABLED) => {
                    Err(ApiError::AccountDisabled)
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// The native checks every area shares: the real schema in SQLite, query plans, and the
/// completeness of each area's samples.
#[cfg(test)]
pub(crate) mod testing {
    use super::{SqlArg, Statement};

    /// The files of `migrations/`, in the order they apply.
    pub fn migrations() -> Vec<std::path::PathBuf> {
        let mut migrations: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        migrations.sort();
        migrations
    }

    /// The schema of `migrations/`, in SQLite.
    pub fn schema() -> rusqlite::Connection {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        for migration in migrations() {
            db.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        }
        db
    }

    /// The steps of `sql`'s query plan.
    pub fn plan(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
        let mut statement = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let mut rows = statement.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps
    }

    /// A full scan of a table; a lookup in the trigram index reads as `SCAN … VIRTUAL TABLE`.
    pub fn is_table_scan(step: &str) -> bool {
        // `seen` is the folder walk's own recursive CTE and a constant row is no table either.
        step.starts_with("SCAN ")
            && !step.contains("VIRTUAL TABLE INDEX")
            && !matches!(step, "SCAN seen" | "SCAN CONSTANT ROW")
    }

    /// Asserts that no statement of `samples` scans a whole table.
    pub fn assert_no_table_scans(samples: &[Statement]) {
        let db = schema();
        for statement in samples {
            for step in plan(&db, &statement.sql) {
                assert!(!is_table_scan(&step), "{step}\n  in {}", statement.sql);
            }
        }
    }

    /// The names of the statement builders in the `mod sql` block of an area's `source`:
    /// every `fn` whose signature returns a `Statement` or a list of them.
    pub fn builders(source: &str) -> Vec<String> {
        let start = source.find("pub(super) mod sql {").expect("the area has a `pub(super) mod sql` block");
        let block = &source[start..];
        let end = block.find("\n}\n").expect("the sql block ends");
        let block = &block[..end];
        let mut names = Vec::new();
        for (at, _) in block.match_indices("fn ") {
            let rest = &block[at + 3..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
            if signature.contains("-> Statement") || signature.contains("-> Vec<Statement>") {
                names.push(name);
            }
        }
        names
    }

    /// Asserts that the area's `samples()` calls every builder of its `sql` block.
    pub fn assert_samples_complete(source: &str) {
        let start = source.find("fn samples()").expect("the area has a samples() function");
        let samples = &source[start..];
        let samples = &samples[..samples.find("\n}\n").unwrap_or(samples.len())];
        let builders = builders(source);
        assert!(!builders.is_empty(), "no builders found");
        for name in builders {
            assert!(samples.contains(&format!("{name}(")), "sql::{name} is not in samples(): its plan goes unchecked");
        }
    }

    /// The arguments of `statement` as SQLite values.
    pub fn values(statement: &Statement) -> Vec<rusqlite::types::Value> {
        statement
            .args
            .iter()
            .map(|a| match a {
                SqlArg::Text(t) => rusqlite::types::Value::Text(t.clone()),
                SqlArg::Int(i) => rusqlite::types::Value::Integer(*i),
                SqlArg::Null => rusqlite::types::Value::Null,
            })
            .collect()
    }

    /// Runs `statement` against `db` for its effect; returns how many rows it changed.
    pub fn execute(db: &rusqlite::Connection, statement: &Statement) -> usize {
        db.execute(&statement.sql, rusqlite::params_from_iter(values(statement))).unwrap()
    }

    /// Runs `statement` against `db`, reading the first column of each row as text.
    pub fn texts(db: &rusqlite::Connection, statement: &Statement) -> Vec<String> {
        let mut prepared = db.prepare(&statement.sql).unwrap();
        let rows =
            prepared.query_map(rusqlite::params_from_iter(values(statement)), |row| row.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }
}
