//! The domain operations: what each request does with D1 and the bucket, on validated input.
//! Only the routes call these; nothing here reads or writes HTTP. The rules that need no
//! I/O live in [`crate::domain`]; these functions do the I/O around them.

mod accounts;
mod files;
mod shares;
mod sweeper;
mod uploads;

pub use shares::Landing;
pub use sweeper::SweepReport;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::limits::ip_pseudonym;
use crate::error::ApiError;
use crate::listing::CursorKey;
use crate::model::Id;
use crate::session::Credential;
use crate::storage::Bucket;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

/// One request's view of the world: configuration, database, and the time it started.
pub struct App {
    /// Parsed once per isolate and shared by its requests.
    pub config: Rc<Config>,
    pub db: Db,
    /// Unix milliseconds when the request arrived.
    pub now: i64,
}

/// Who is calling, as far as limits and access logs need to know.
pub struct Caller {
    /// The client IP (`CF-Connecting-IP`), or `unknown`.
    pub ip: String,
    /// The `User-Agent`, cut to 256 characters.
    pub user_agent: String,
}

impl App {
    fn keys(&self) -> TokenKeys<'_> {
        TokenKeys { algorithm: self.config.algorithm, secret: self.config.secret_key.expose() }
    }

    /// Unix seconds now.
    fn now_seconds(&self) -> i64 {
        self.now.div_euclid(1000)
    }

    fn bucket(&self) -> Bucket<'_> {
        let since_epoch = Duration::from_millis(u64::try_from(self.now).unwrap_or(0));
        Bucket { config: &self.config.bucket, now: SystemTime::UNIX_EPOCH + since_epoch }
    }

    /// The per-user quota, as the database compares it.
    fn quota(&self) -> Option<i64> {
        self.config.quota_bytes.map(|q| i64::try_from(q).unwrap_or(i64::MAX))
    }

    /// The caller's IP, pseudonymized under the server secret.
    fn ip_pseudonym(&self, caller: &Caller) -> String {
        ip_pseudonym(self.config.secret_key.expose(), &caller.ip)
    }

    /// The cursor signer, keyed by the server secret.
    pub fn cursor_key(&self) -> CursorKey<'_> {
        CursorKey(self.config.secret_key.expose())
    }

    /// The user a bearer token or session cookie speaks for. From then on every database
    /// call of this request checks, in its own batch, that the token's session is still
    /// alive and the user's (so a logged-out token, or one of a deleted account, gets 401).
    pub fn authenticate(&mut self, credential: Credential<'_>) -> Result<Id, ApiError> {
        let signed_in = self.keys().verify(credential.token(), self.now_seconds())?;
        self.db.act_in(signed_in.session, self.now);
        Ok(signed_in.user)
    }

    /// Deletes an object no file row owns and forgets it; if the bucket fails, the object
    /// stays on the ledger for the sweeper (and its quota reservation is given back now).
    async fn discard_object(&self, key: &str) {
        let result = match self.bucket().delete(key).await {
            Ok(()) => self.db.release_orphan(key).await,
            Err(_) => self.db.doom_object(key, self.now).await,
        };
        if let Err(e) = result {
            worker::console_error!("cannot record the discarded object {key}: {e}");
        }
    }
}
