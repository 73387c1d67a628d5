//! Upload requests (`upload_requests`): the owner's statements (create, list, change,
//! revoke) and the guest's (find a request by the hash of its token, reserve a slot for
//! one upload). A slot is reserved in the batch that puts the upload's object on the
//! ledger, by a conditional insert that holds only while the request is live, has room for
//! one more file of that many bytes, still has the password the guest proved, and the
//! owner's quota has room: however many guests race, no more than the limits get a slot.
//! The ledger entry carries the slot until its object becomes a file (`files::commit_file`
//! counts it as received, and refuses while the request is expired or revoked) or is
//! deleted (`ledger::sql::release_claimed`/`defer_claimed` give it back).

use crate::domain::requests::RequestState;
use crate::model::{Id, Patch};
use serde::Deserialize;

/// The columns of a request, in the order [`RequestRow`] reads them.
const REQUEST_COLUMNS: &str = "id, folder, note, created_at, expires_at, max_files, max_bytes, files_used, \
     bytes_used, files_received, bytes_received, password_hash IS NOT NULL AS protected";

/// A request, as its owner sees it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RequestRow {
    pub id: String,
    pub folder: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    pub files_used: i64,
    pub bytes_used: i64,
    pub files_received: i64,
    pub bytes_received: i64,
    /// 1 when the request has a password.
    pub protected: i64,
}

/// A request found by its token, as a guest's upload needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenRequest {
    pub id: String,
    pub owner_id: String,
    pub folder: String,
    pub note: Option<String>,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
    pub files_used: i64,
    pub bytes_used: i64,
    pub password_hash: Option<String>,
    /// 1 while an admin has disabled the owner.
    pub owner_disabled: i64,
}

impl OpenRequest {
    /// What decides whether it takes another upload.
    pub fn state(&self) -> RequestState {
        RequestState {
            expires_at: self.expires_at,
            max_files: self.max_files,
            max_bytes: self.max_bytes,
            files_used: self.files_used,
            bytes_used: self.bytes_used,
            protected: self.password_hash.is_some(),
            owner_disabled: self.owner_disabled != 0,
        }
    }
}

/// The values a new request is made of.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub token_hash: &'a str,
    pub folder: &'a str,
    pub note: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub now: i64,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub max_bytes: Option<i64>,
}

/// A change to a request; `Patch::Keep` leaves a value as it is.
#[derive(Debug, Clone)]
pub struct RequestChange<'a> {
    pub folder: Patch<&'a str>,
    pub note: Patch<Option<&'a str>>,
    pub password_hash: Patch<Option<&'a str>>,
    pub expires_at: Patch<Option<i64>>,
    pub max_files: Patch<Option<i64>>,
    pub max_bytes: Patch<Option<i64>>,
}

/// One guest upload's claim on a request's capacity.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    pub request: &'a Id,
    pub owner: &'a Id,
    pub object_key: &'a str,
    /// When the sweeper may take the object's ledger entry.
    pub sweep_after: i64,
    /// Bytes reserved in the owner's quota.
    pub quota_bytes: i64,
    /// Bytes counted against the request's `max_bytes`.
    pub request_bytes: i64,
    /// The password hash the guest's password was verified against (`None`: no password).
    pub password_hash: Option<&'a str>,
    pub now: i64,
}

pub(super) mod sql {
    use super::{NewRequest, RequestChange, Slot, REQUEST_COLUMNS};
    use crate::db::shares::sql::bind;
    use crate::db::Statement;
    use crate::model::Id;

    /// The most requests one listing shows.
    pub const MAX_LISTED: i64 = 1000;

    /// A request of the user's.
    pub fn insert_request(request: &NewRequest<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO upload_requests (id, owner_id, token_hash, folder, note, password_hash, created_at, \
                 expires_at, max_files, max_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 RETURNING {REQUEST_COLUMNS}"
            ),
            args![
                request.id,
                request.owner,
                request.token_hash,
                request.folder,
                request.note,
                request.password_hash,
                request.now,
                request.expires_at,
                request.max_files,
                request.max_bytes
            ],
        )
    }

    /// The user's requests, newest first (at most [`MAX_LISTED`]).
    pub fn list_requests(owner: &Id) -> Statement {
        Statement::new(
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM upload_requests WHERE owner_id = ? \
                 ORDER BY created_at DESC, id DESC LIMIT ?"
            ),
            args![owner, MAX_LISTED],
        )
    }

    /// Changes one of the user's requests.
    pub fn update_request(owner: &Id, id: &Id, change: &RequestChange<'_>) -> Statement {
        let (set_folder, folder) = bind(change.folder);
        let (set_note, note) = bind(change.note);
        let (set_password, password) = bind(change.password_hash);
        let (set_expiry, expiry) = bind(change.expires_at);
        let (set_files, files) = bind(change.max_files);
        let (set_bytes, bytes) = bind(change.max_bytes);
        Statement::new(
            &format!(
                "UPDATE upload_requests SET \
                 folder = CASE WHEN ?1 THEN ?2 ELSE folder END, \
                 note = CASE WHEN ?3 THEN ?4 ELSE note END, \
                 password_hash = CASE WHEN ?5 THEN ?6 ELSE password_hash END, \
                 expires_at = CASE WHEN ?7 THEN ?8 ELSE expires_at END, \
                 max_files = CASE WHEN ?9 THEN ?10 ELSE max_files END, \
                 max_bytes = CASE WHEN ?11 THEN ?12 ELSE max_bytes END \
                 WHERE id = ?13 AND owner_id = ?14 RETURNING {REQUEST_COLUMNS}"
            ),
            vec![
                set_folder,
                folder,
                set_note,
                note,
                set_password,
                password,
                set_expiry,
                expiry,
                set_files,
                files,
                set_bytes,
                bytes,
                id.into(),
                owner.into(),
            ],
        )
    }

    /// Revokes one of the user's requests: the row goes, so its token finds nothing, and
    /// uploads under way through it can no longer become files.
    pub fn delete_request(owner: &Id, id: &Id) -> Statement {
        Statement::new("DELETE FROM upload_requests WHERE id = ? AND owner_id = ? RETURNING id", args![id, owner])
    }

    /// Housekeeping: up to `limit` requests that expired before `cutoff` (their link has
    /// answered 410 for the grace period); slots still on the ledger are then given back to
    /// nothing, as for a revoked request. Returns their ids.
    pub fn delete_expired_requests(cutoff: i64, limit: i64) -> Statement {
        Statement::new(
            "DELETE FROM upload_requests WHERE id IN \
             (SELECT id FROM upload_requests WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2) RETURNING id",
            args![cutoff, limit],
        )
    }

    /// Every request of an account, for its deletion.
    pub fn delete_requests_of(owner: &Id) -> Statement {
        Statement::new("DELETE FROM upload_requests WHERE owner_id = ?", args![owner])
    }

    /// The request with this token hash, with whether its owner is disabled.
    pub fn request_by_token(token_hash: &str) -> Statement {
        Statement::new(
            "SELECT r.id, r.owner_id, r.folder, r.note, r.expires_at, r.max_files, r.max_bytes, r.files_used, \
             r.bytes_used, r.password_hash, u.disabled AS owner_disabled \
             FROM upload_requests r JOIN users u ON u.id = r.owner_id WHERE r.token_hash = ?",
            args![token_hash],
        )
    }

    /// Reserves a slot of the request for one upload, in one transaction: the object goes
    /// on the ledger (carrying the slot and the owner's quota reservation) only while the
    /// request is live (not expired, owner enabled), still has the password the guest
    /// proved, has room for one more file of `request_bytes`, and the owner's quota (their
    /// own, else `quota`, the default) has room for `quota_bytes`; the next statements
    /// apply the reservation to the owner and the request; the last reads the owner's usage.
    /// The first returns a row only when the slot was reserved.
    pub fn reserve_slot(slot: &Slot<'_>, quota: Option<i64>) -> Vec<Statement> {
        let q = crate::db::ledger::sql::effective_quota("?9");
        vec![
            Statement::new(
                &format!(
                    "INSERT INTO orphan_objects (object_key, sweep_after, owner_id, reserved_bytes, request_id, \
                     request_bytes) SELECT ?1, ?2, users.id, ?3, r.id, ?4 \
                     FROM upload_requests r JOIN users ON users.id = r.owner_id \
                     WHERE r.id = ?5 AND r.owner_id = ?6 AND r.password_hash IS ?7 AND users.disabled = 0 \
                     AND (r.expires_at IS NULL OR r.expires_at > ?8) \
                     AND (r.max_files IS NULL OR r.files_used < r.max_files) \
                     AND (r.max_bytes IS NULL OR r.bytes_used + ?4 <= r.max_bytes) \
                     AND ({q} = 0 OR users.used_bytes + users.reserved_bytes + ?3 <= {q}) \
                     RETURNING object_key"
                ),
                args![
                    slot.object_key,
                    slot.sweep_after,
                    slot.quota_bytes,
                    slot.request_bytes,
                    slot.request,
                    slot.owner,
                    slot.password_hash,
                    slot.now,
                    quota
                ],
            ),
            Statement::new(
                "UPDATE users SET reserved_bytes = reserved_bytes + ?1 \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?3 AND request_id = ?4)",
                args![slot.quota_bytes, slot.owner, slot.object_key, slot.request],
            ),
            Statement::new(
                "UPDATE upload_requests SET files_used = files_used + 1, bytes_used = bytes_used + ?1 \
                 WHERE id = ?2 AND EXISTS (SELECT 1 FROM orphan_objects WHERE object_key = ?3 AND request_id = ?2)",
                args![slot.request_bytes, slot.request, slot.object_key],
            ),
            Statement::new(
                &format!(
                    "SELECT used_bytes, reserved_bytes, {} AS quota_bytes FROM users WHERE id = ?1",
                    crate::db::ledger::sql::effective_quota("?2")
                ),
                args![slot.owner, quota],
            ),
        ]
    }

    /// In SQL, for the ledger entry of the key bound at `key` and the time bound at `now`:
    /// true unless the entry holds a request's slot and that request is revoked or expired.
    /// A file is only born from an entry for which this holds.
    pub(in crate::db) fn request_open(key: &str, now: &str) -> String {
        format!(
            "NOT EXISTS (SELECT 1 FROM orphan_objects o WHERE o.object_key = {key} AND o.request_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM upload_requests r WHERE r.id = o.request_id \
             AND (r.expires_at IS NULL OR r.expires_at > {now})))"
        )
    }

    /// Once the file `file` of `object_key` was born: its request slot (if the ledger entry
    /// holds one) counts as received, with the bytes it really holds (a form's body, which
    /// was reserved, is larger than its file). Runs before the entry goes.
    pub fn count_received(file: &Id, object_key: &str, size: i64) -> Statement {
        Statement::new(
            "UPDATE upload_requests SET files_received = files_received + 1, bytes_received = bytes_received + ?3, \
             bytes_used = bytes_used - (SELECT request_bytes FROM orphan_objects WHERE object_key = ?2) + ?3 \
             WHERE id = (SELECT request_id FROM orphan_objects WHERE object_key = ?2) \
             AND EXISTS (SELECT 1 FROM files WHERE id = ?1)",
            args![file, object_key, size],
        )
    }

    /// Gives back the request slot held by the ledger entry `claim` holds (its object is
    /// deleted, or about to be): a no-op for an entry without one, or whose request was
    /// revoked. The statement that follows must clear the entry's `request_id`.
    pub fn release_slot(object_key: &str, claim: &str) -> Statement {
        Statement::new(
            "UPDATE upload_requests SET files_used = files_used - 1, \
             bytes_used = bytes_used - (SELECT request_bytes FROM orphan_objects WHERE object_key = ?1 AND claim = ?2) \
             WHERE id = (SELECT request_id FROM orphan_objects WHERE object_key = ?1 AND claim = ?2)",
            args![object_key, claim],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, NewRequest, OpenRequest, RequestChange, RequestRow, Slot};
    use crate::db::ledger::Usage;
    use crate::db::limits::{self, Counter};
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Creates a request of the user's.
        pub async fn create_request(&self, request: NewRequest<'_>) -> Result<RequestRow, ApiError> {
            let results = self.batch_as(request.owner, vec![sql::insert_request(&request)]).await?;
            at(&results, 0)?.first()?.ok_or_else(|| ApiError::Internal("the request was not written".into()))
        }

        /// The user's requests, newest first.
        pub async fn requests(&self, owner: &Id) -> Result<Vec<RequestRow>, ApiError> {
            at(&self.batch_as(owner, vec![sql::list_requests(owner)]).await?, 0)?.all()
        }

        /// Changes a request of the user's; 404 when it is not theirs.
        pub async fn update_request(
            &self,
            owner: &Id,
            id: &Id,
            change: RequestChange<'_>,
        ) -> Result<RequestRow, ApiError> {
            let results = self.batch_as(owner, vec![sql::update_request(owner, id, &change)]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::RequestNotFound)
        }

        /// Revokes a request of the user's; 404 when it is not theirs.
        pub async fn delete_request(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
            let results = self.batch_as(owner, vec![sql::delete_request(owner, id)]).await?;
            if at(&results, 0)?.any() {
                Ok(())
            } else {
                Err(ApiError::RequestNotFound)
            }
        }

        /// The request with this token hash.
        pub async fn request_by_token(&self, token_hash: &str) -> Result<Option<OpenRequest>, ApiError> {
            self.run(sql::request_by_token(token_hash)).await?.first()
        }

        /// The request with this token hash, with one password attempt counted against each
        /// of `attempts` (key, window) and the counts read back, in one round trip.
        pub async fn request_counting_attempt(
            &self,
            token_hash: &str,
            attempts: &[(&str, i64)],
            now: i64,
        ) -> Result<(Option<OpenRequest>, Vec<Counter>), ApiError> {
            self.first_counting_attempts(sql::request_by_token(token_hash), attempts, now).await
        }

        /// Housekeeping: deletes up to `limit` requests that expired before `cutoff`.
        pub async fn delete_expired_requests(&self, cutoff: i64, limit: i64) -> Result<usize, ApiError> {
            Ok(self.run(sql::delete_expired_requests(cutoff, limit)).await?.all::<serde_json::Value>()?.len())
        }

        /// Takes back counted password attempts (the password was right).
        pub async fn forgive_attempts(&self, keys: &[&str]) -> Result<(), ApiError> {
            self.batch(keys.iter().map(|key| limits::sql::forgive_attempt(key)).collect()).await.map(drop)
        }

        /// Reserves a slot of the request (and the owner's quota) for one upload; `None`
        /// when the request or the quota has no room any more (or the request changed).
        pub async fn reserve_slot(&self, slot: Slot<'_>, quota: Option<i64>) -> Result<Option<Usage>, ApiError> {
            let results = self.batch(sql::reserve_slot(&slot, quota)).await?;
            if !at(&results, 0)?.any() {
                return Ok(None);
            }
            at(&results, 3)?.first()
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let request = NewRequest {
        id: &id,
        owner: &id,
        token_hash: "h",
        folder: "/",
        note: None,
        password_hash: None,
        now: 0,
        expires_at: None,
        max_files: Some(1),
        max_bytes: None,
    };
    let change = RequestChange {
        folder: Patch::Set("/a"),
        note: Patch::Keep,
        password_hash: Patch::Set(None),
        expires_at: Patch::Keep,
        max_files: Patch::Set(Some(2)),
        max_bytes: Patch::Keep,
    };
    let slot = Slot {
        request: &id,
        owner: &id,
        object_key: "k",
        sweep_after: 0,
        quota_bytes: 1,
        request_bytes: 1,
        password_hash: None,
        now: 0,
    };
    let mut all = vec![
        sql::insert_request(&request),
        sql::list_requests(&id),
        sql::update_request(&id, &id, &change),
        sql::delete_request(&id, &id),
        sql::delete_requests_of(&id),
        sql::delete_expired_requests(0, 10),
        sql::request_by_token("h"),
        sql::count_received(&id, "k", 1),
        sql::release_slot("k", "c"),
    ];
    all.extend(sql::reserve_slot(&slot, Some(10)));
    all
}

#[cfg(test)]
mod tests {
    use super::sql;
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, execute, schema, texts};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("requests.rs"));
        assert_no_table_scans(&super::samples());
    }

    /// Runs the reservation of slot `key` for `bytes`; true when it was reserved.
    fn reserve(db: &rusqlite::Connection, key: &str, bytes: i64, password: Option<&str>, now: i64) -> bool {
        let id = crate::model::Id::from_trusted("r".repeat(32));
        let owner = crate::model::Id::from_trusted("u".repeat(32));
        let slot = super::Slot {
            request: &id,
            owner: &owner,
            object_key: key,
            sweep_after: 0,
            quota_bytes: bytes,
            request_bytes: bytes,
            password_hash: password,
            now,
        };
        let statements = sql::reserve_slot(&slot, Some(1000));
        let reserved = !texts(db, &statements[0]).is_empty();
        for statement in &statements[1..3] {
            execute(db, statement);
        }
        reserved
    }

    fn used(db: &rusqlite::Connection) -> (i64, i64, i64) {
        db.query_row(
            "SELECT r.files_used, r.bytes_used, u.reserved_bytes FROM upload_requests r JOIN users u \
             ON u.id = r.owner_id",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
    }

    fn setup() -> rusqlite::Connection {
        let db = schema();
        db.execute_batch(&format!(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('{u}', 'a@b.io', 'h', 0); \
             INSERT INTO upload_requests (id, owner_id, token_hash, folder, password_hash, created_at, expires_at, \
             max_files, max_bytes) VALUES ('{r}', '{u}', 't', '/in', 'pw', 0, 100, 2, 50);",
            u = "u".repeat(32),
            r = "r".repeat(32)
        ))
        .unwrap();
        db
    }

    #[test]
    fn slots_are_reserved_only_within_the_limits_the_expiry_and_the_password() {
        let db = setup();
        assert!(!reserve(&db, "a", 10, None, 0), "the password was not proved");
        assert!(!reserve(&db, "a", 10, Some("old"), 0), "the password changed since");
        assert!(!reserve(&db, "a", 10, Some("pw"), 100), "expired");
        assert!(!reserve(&db, "a", 51, Some("pw"), 0), "too many bytes");
        assert!(reserve(&db, "a", 30, Some("pw"), 0));
        assert!(!reserve(&db, "b", 30, Some("pw"), 0), "30 + 30 > 50");
        assert!(reserve(&db, "b", 20, Some("pw"), 0));
        assert_eq!(used(&db), (2, 50, 50));
        assert!(!reserve(&db, "c", 0, Some("pw"), 0), "two files taken");
    }

    /// Runs the commit of object `key` as file `file` at `now`; the value of each statement's
    /// first row (none: `None`) tells what happened: a file row, then `request_open` last.
    fn commit(db: &rusqlite::Connection, key: &str, now: i64) -> (bool, Option<i64>) {
        let (file, owner) =
            (crate::model::Id::from_trusted("f".repeat(32)), crate::model::Id::from_trusted("u".repeat(32)));
        let new = crate::db::files::NewFile {
            id: &file,
            owner: &owner,
            name: "n",
            name_folded: "n".into(),
            folder: "/in",
            size: 10,
            content_type: "x",
            object_key: key,
            now,
            expires_at: None,
        };
        let statements = crate::db::files::sql::commit_file(&new, None, None, None);
        let born = !texts(db, &statements[0]).is_empty();
        for statement in &statements[1..statements.len() - 1] {
            execute(db, statement);
        }
        let last = &statements[statements.len() - 1];
        let open = db
            .query_row(&last.sql, rusqlite::params_from_iter(crate::db::testing::values(last)), |row| row.get(1))
            .unwrap();
        (born, open)
    }

    #[test]
    fn no_file_is_born_through_a_revoked_or_expired_request() {
        let db = setup();
        assert!(reserve(&db, "a", 10, Some("pw"), 0));
        assert_eq!(commit(&db, "a", 100), (false, Some(0)), "expired meanwhile");
        db.execute("DELETE FROM upload_requests", []).unwrap();
        assert_eq!(commit(&db, "a", 50), (false, Some(0)), "revoked meanwhile");
        let files: i64 = db.query_row("SELECT count(*) FROM files", [], |row| row.get(0)).unwrap();
        assert_eq!(files, 0);
        let db = setup();
        assert!(reserve(&db, "a", 10, Some("pw"), 0));
        assert_eq!(commit(&db, "a", 50), (true, Some(1)), "live: born, and counted as received");
        let counted: (i64, i64) = db
            .query_row("SELECT files_used, files_received FROM upload_requests", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        assert_eq!(counted, (1, 1));
    }

    #[test]
    fn a_released_slot_is_given_back_once_and_a_received_one_keeps_its_real_size() {
        let db = setup();
        assert!(reserve(&db, "a", 30, Some("pw"), 0));
        assert!(reserve(&db, "b", 20, Some("pw"), 0));
        // "a" is deleted: the deleter claims its entry, gives the slot back and clears it.
        db.execute("UPDATE orphan_objects SET claim = 'c' WHERE object_key = 'a'", []).unwrap();
        for statement in crate::db::ledger::sql::release_claimed("a", "c", 0, 1) {
            execute(&db, &statement);
        }
        assert_eq!(used(&db), (1, 20, 20));
        for statement in crate::db::ledger::sql::release_claimed("a", "c", 0, 1) {
            execute(&db, &statement);
        }
        assert_eq!(used(&db), (1, 20, 20), "a second release changes nothing");
        // "b" becomes a file of 15 bytes (a form's body was reserved, its file is smaller).
        db.execute(
            &format!(
                "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, \
                 created_at, updated_at) VALUES ('f', '{}', 'n', 'n', '/in', 15, 'x', 'b', 0, 0)",
                "u".repeat(32)
            ),
            [],
        )
        .unwrap();
        let id = crate::model::Id::from_trusted("f".into());
        execute(&db, &sql::count_received(&id, "b", 15));
        let received: (i64, i64, i64) = db
            .query_row("SELECT files_used, bytes_used, files_received FROM upload_requests", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap();
        assert_eq!(received, (1, 15, 1));
    }
}
