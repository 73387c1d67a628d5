//! Personal access tokens: their shape, their hash, and what their scopes permit.
//!
//! A token is `edp_` and the base64url of 65 bytes: the session row it belongs to (16),
//! its user (16), its scopes (1) and 32 random bytes (256 bits). Only its SHA-256 is
//! stored, in that session row. The request's first batch checks the row exists with that
//! hash (`db::sessions::sql::session_alive`), so the user, the session and the scopes
//! read from the token are believed only once the hash of the whole token matched: a token
//! whose user or scopes were edited hashes to nothing stored. Reading them from the token
//! lets a request be refused for scope (403) or routed to its user without a round trip.

use crate::error::ApiError;
use crate::model::{hex, Id, Scope, Scopes};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// What every personal access token starts with (so secret scanners can find leaked ones).
pub const PREFIX: &str = "edp_";
/// The `expires_at` (Unix ms) of a token without an expiry: the last second of year 9999.
pub const NEVER: i64 = 253_402_300_799_000;
/// `last_used_at` is written at most once per this many milliseconds per token.
pub const LAST_USED_EVERY_MILLIS: i64 = 60_000;
/// How many tokens one user may hold.
pub const MAX_TOKENS_PER_USER: usize = 100;
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

const PAYLOAD_BYTES: usize = 16 + 16 + 1 + 32;

/// What a well-formed token says of itself, and its hash (which the database must know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub session: Id,
    pub user: Id,
    pub scopes: Scopes,
    /// Lowercase hex SHA-256 of the whole token.
    pub hash: String,
}

/// Whether a bearer credential is a personal access token (rather than a login's JWT).
pub fn is_access_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// The token of session `session` of `user` with `scopes` and the 256 bits `secret`.
pub fn issue(session: &Id, user: &Id, scopes: Scopes, secret: &[u8; 32]) -> Result<String, ApiError> {
    let mut payload = Vec::with_capacity(PAYLOAD_BYTES);
    for id in [session, user] {
        payload.extend(unhex(id.as_str()).ok_or_else(|| ApiError::Internal("an id that is not hex".into()))?);
    }
    payload.push(scopes.bits());
    payload.extend_from_slice(secret);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(payload)))
}

/// Lowercase hex SHA-256 of `token`: what is stored of it.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// What `token` claims, if it has a token's shape (`None`: answer 401). Nothing here is
/// trusted until the database finds its hash.
pub fn read(token: &str) -> Option<TokenClaims> {
    let payload = URL_SAFE_NO_PAD.decode(token.strip_prefix(PREFIX)?).ok()?;
    if payload.len() != PAYLOAD_BYTES {
        return None;
    }
    let session = Id::from_trusted(hex(&payload[..16]));
    let user = Id::from_trusted(hex(&payload[16..32]));
    let scopes = Scopes::from_bits(payload[32])?;
    Some(TokenClaims { session, user, scopes, hash: hash(token) })
}

/// Whether a caller may call a route that needs `needed` (`None`: only a password session
/// may). A password session (`granted` = `None`) may call everything.
pub fn permits(granted: Option<Scopes>, needed: Option<Scope>) -> Result<(), ApiError> {
    match (granted, needed) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(ApiError::InsufficientScope("")),
        (Some(scopes), Some(scope)) if scopes.contains(scope) => Ok(()),
        (Some(_), Some(scope)) => Err(ApiError::InsufficientScope(scope.as_str())),
    }
}

/// When a token created at `now` (Unix ms) with `expires_in` seconds ends ([`NEVER`] without).
pub fn expires_at(now: i64, expires_in: Option<i64>) -> i64 {
    match expires_in {
        Some(seconds) => now.saturating_add(seconds.saturating_mul(1000)).min(NEVER),
        None => NEVER,
    }
}

/// The bytes of lowercase hex `text`.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> Id {
        Id::from_trusted(format!("{n:032x}"))
    }

    #[test]
    fn a_token_reads_back_as_what_it_was_issued_for_and_hashes_to_sha256() {
        let scopes = Scopes::parse(["files:read", "shares:write"]).unwrap();
        let token = issue(&id(1), &id(2), scopes, &[7; 32]).unwrap();
        assert!(token.starts_with("edp_") && token.len() == 4 + 87, "{token}");
        let claims = read(&token).unwrap();
        assert_eq!((claims.session, claims.user, claims.scopes), (id(1), id(2), scopes));
        assert_eq!(claims.hash.len(), 64);
        assert_eq!(claims.hash, hash(&token));
        assert_ne!(hash(&token), hash(&issue(&id(1), &id(2), scopes, &[8; 32]).unwrap()));
        // The known answer for SHA-256("abc").
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn anything_else_is_no_token() {
        let token = issue(&id(1), &id(2), Scopes::all(), &[7; 32]).unwrap();
        let with_scope_byte = |byte: u8| {
            let mut payload = URL_SAFE_NO_PAD.decode(&token[4..]).unwrap();
            payload[32] = byte;
            format!("edp_{}", URL_SAFE_NO_PAD.encode(payload))
        };
        let (no_scopes, unknown_scope) = (with_scope_byte(0), with_scope_byte(9));
        for bad in [
            "".to_owned(),
            "edp_".to_owned(),
            token[..token.len() - 1].to_owned(),
            format!("{token}A"),
            token.replace("edp_", "edx_"),
            format!("edp_{}", "!".repeat(87)),
            no_scopes,
            unknown_scope,
        ] {
            assert_eq!(read(&bad), None, "{bad}");
        }
        assert!(is_access_token(&token));
        assert!(!is_access_token("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    }

    #[test]
    fn sessions_may_do_everything_tokens_only_their_scopes_and_never_session_business() {
        let read_only = Scopes::parse(["files:read"]).unwrap();
        assert_eq!(permits(None, None), Ok(()));
        assert_eq!(permits(None, Some(Scope::FilesWrite)), Ok(()));
        assert_eq!(permits(Some(read_only), Some(Scope::FilesRead)), Ok(()));
        assert_eq!(permits(Some(read_only), Some(Scope::FilesWrite)), Err(ApiError::InsufficientScope("files:write")));
        assert_eq!(permits(Some(Scopes::all()), None), Err(ApiError::InsufficientScope("")));
        assert_eq!(ApiError::InsufficientScope("files:write").problem().status, 403);
        assert_eq!(ApiError::InsufficientScope("").problem().code, "insufficient_scope");
    }

    #[test]
    fn scopes_parse_strictly_and_store_as_text() {
        assert_eq!(Scopes::parse(["files:write", "files:write"]).unwrap().list(), [Scope::FilesWrite]);
        assert!(Scopes::parse([]).is_err());
        assert!(Scopes::parse(["files:read", "admin"]).is_err());
        assert!(Scopes::parse(["FILES:READ"]).is_err());
        let all = Scopes::all();
        assert_eq!(all.to_text(), "files:read files:write shares:write");
        assert_eq!(Scopes::from_text(&all.to_text()), Some(all));
        assert_eq!(Scopes::from_bits(8), None);
        assert_eq!(Scopes::from_bits(9), None);
    }

    #[test]
    fn expiry_is_optional_and_saturates() {
        assert_eq!(expires_at(1_000, Some(60)), 61_000);
        assert_eq!(expires_at(1_000, None), NEVER);
        assert_eq!(expires_at(i64::MAX - 5, Some(crate::model::MAX_TOKEN_LIFETIME_SECONDS)), NEVER);
    }
}
