//! Access tokens (JWT, one pinned HMAC algorithm) and password hashes (Argon2id, PHC strings).

use crate::error::ApiError;
use crate::model::{Id, Password};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use jwt_compact::alg::{Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

/// How far in the future a token's `iat` may lie, to forgive clock skew.
const IAT_LEEWAY_SECONDS: i64 = 60;

/// The HMAC algorithms a deployment may sign tokens with; tokens naming any other are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Hs384,
    Hs512,
}

impl JwtAlgorithm {
    /// The algorithm called `name` in a JWT header, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Self::Hs256),
            "HS384" => Some(Self::Hs384),
            "HS512" => Some(Self::Hs512),
            _ => None,
        }
    }
}

/// The claims of ours in a token: the user, and the session the token belongs to. Tokens
/// without a session (issued before sessions existed) are refused, as are ones whose values
/// cannot be ids.
#[derive(Debug, Serialize, Deserialize)]
struct Subject {
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

/// Who a verified token speaks for: a user, in one of their sessions. The session's row
/// decides whether it is still alive (see `db::sessions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: Id,
    pub session: Id,
}

/// Signs and checks access tokens with the deployment's secret and pinned algorithm.
pub struct TokenKeys<'a> {
    pub algorithm: JwtAlgorithm,
    pub secret: &'a [u8],
}

fn timestamp(unix_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl TokenKeys<'_> {
    /// A token for `user` in `session`, valid for `ttl_seconds` from `now` (Unix seconds).
    pub fn issue(&self, user: &Id, session: &Id, now: i64, ttl_seconds: u64) -> Result<String, ApiError> {
        let ttl = i64::try_from(ttl_seconds).unwrap_or(i64::MAX);
        let subject = Subject { sub: user.as_str().to_owned(), sid: Some(session.as_str().to_owned()) };
        let mut claims = Claims::new(subject);
        claims.issued_at = Some(timestamp(now));
        claims.expiration = Some(timestamp(now.saturating_add(ttl)));
        let header = Header::empty().with_token_type("JWT");
        let signed = match self.algorithm {
            JwtAlgorithm::Hs256 => Hs256.token(&header, &claims, &Hs256Key::new(self.secret)),
            JwtAlgorithm::Hs384 => Hs384.token(&header, &claims, &Hs384Key::new(self.secret)),
            JwtAlgorithm::Hs512 => Hs512.token(&header, &claims, &Hs512Key::new(self.secret)),
        };
        signed.map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    /// The user and session a token speaks for, if its algorithm is the pinned one, its
    /// signature is ours, it has not expired, it was not issued in the future and it names
    /// a session. Whether that session is still alive is the database's to say.
    pub fn verify(&self, token: &str, now: i64) -> Result<SignedIn, ApiError> {
        let untrusted =
            UntrustedToken::new(token).map_err(|_| ApiError::Unauthenticated("The access token is invalid."))?;
        let validated = match self.algorithm {
            JwtAlgorithm::Hs256 => Hs256.validator::<Subject>(&Hs256Key::new(self.secret)).validate(&untrusted),
            JwtAlgorithm::Hs384 => Hs384.validator::<Subject>(&Hs384Key::new(self.secret)).validate(&untrusted),
            JwtAlgorithm::Hs512 => Hs512.validator::<Subject>(&Hs512Key::new(self.secret)).validate(&untrusted),
        }
        .map_err(|_| ApiError::Unauthenticated("The access token is invalid."))?;
        let claims = validated.claims();
        let options = TimeOptions::new(Duration::zero(), move || timestamp(now));
        claims.validate_expiration(&options).map_err(|_| ApiError::Unauthenticated("The access token has expired."))?;
        match claims.issued_at {
            Some(iat) if iat.timestamp() <= now + IAT_LEEWAY_SECONDS => {}
            _ => return Err(ApiError::Unauthenticated("The access token is invalid.")),
        }
        let user = Id::parse(&claims.custom.sub).ok_or(ApiError::Unauthenticated("The access token is invalid."))?;
        let session = claims
            .custom
            .sid
            .as_deref()
            .and_then(Id::parse)
            .ok_or(ApiError::Unauthenticated("The access token names no session; log in again."))?;
        Ok(SignedIn { user, session })
    }
}

/// HMAC-SHA256 keyed with `secret`, built without a fallible step: the key is padded (or,
/// past 64 bytes, hashed) exactly as RFC 2104 prescribes, so nothing here can panic.
pub fn keyed_hmac(secret: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::digest::KeyInit;
    use sha2::Digest;
    let mut key = [0u8; 64];
    if secret.len() <= key.len() {
        key[..secret.len()].copy_from_slice(secret);
    } else {
        key[..32].copy_from_slice(&sha2::Sha256::digest(secret));
    }
    hmac::Hmac::<sha2::Sha256>::new(&key.into())
}

/// The token in an `Authorization: Bearer …` header value.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, ApiError> {
    let value =
        authorization.ok_or(ApiError::Unauthenticated("Send an access token as 'Authorization: Bearer <token>'."))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("Send an access token as 'Authorization: Bearer <token>'."));
    }
    Ok(token.trim())
}

/// Argon2id with OWASP's smallest recommended cost (19 MiB, 2 passes, 1 lane). The
/// parameters are stored in each hash, so they can be raised without breaking old hashes.
fn hasher() -> Result<Argon2<'static>, ApiError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| ApiError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A salted Argon2id hash of `password`, as a PHC string.
pub fn hash_password(password: &Password, salt: &[u8; 16]) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| ApiError::Internal(format!("salt: {e}")))?;
    let hash = hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))?;
    Ok(hash.to_string())
}

/// A valid hash no password matches, verified for unknown emails so that a login takes
/// as long whether or not the account exists.
pub const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$3AZLkCDJ6Y7SUeV0NryVhtGYF7zGqi1WYpyNV1Ti2jE";

/// True when `password` matches the PHC string `stored` (under the parameters it names).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use hmac::{Hmac, Mac};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_780_000_000;

    fn keys(algorithm: JwtAlgorithm) -> TokenKeys<'static> {
        TokenKeys { algorithm, secret: SECRET }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A token built by hand, so the checks are not judged by the code under test.
    fn handmade(alg: &str, claims: &str) -> String {
        let signing_input =
            format!("{}.{}", b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes()), b64(claims.as_bytes()));
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
    }

    fn user() -> Id {
        Id::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn session() -> Id {
        Id::parse("fedcba9876543210fedcba9876543210").unwrap()
    }

    fn signed_in() -> SignedIn {
        SignedIn { user: user(), session: session() }
    }

    /// The claims of a token of `user()` in `session()`, with `times` (e.g. `"iat":1,"exp":2`).
    fn claims_with(times: &str) -> String {
        format!(r#"{{"sub":"{}","sid":"{}",{times}}}"#, user().as_str(), session().as_str())
    }

    #[test]
    fn a_fresh_token_names_its_user_and_session_under_every_algorithm() {
        for alg in [JwtAlgorithm::Hs256, JwtAlgorithm::Hs384, JwtAlgorithm::Hs512] {
            let token = keys(alg).issue(&user(), &session(), NOW, 3600).unwrap();
            assert_eq!(keys(alg).verify(&token, NOW + 3599).unwrap(), signed_in());
        }
    }

    #[test]
    fn a_handmade_hs256_token_is_accepted() {
        let token = handmade("HS256", &claims_with(&format!(r#""iat":{NOW},"exp":{}"#, NOW + 60)));
        assert_eq!(keys(JwtAlgorithm::Hs256).verify(&token, NOW).unwrap(), signed_in());
    }

    #[test]
    fn tokens_without_a_session_or_with_a_malformed_one_are_refused() {
        let times = format!(r#""iat":{NOW},"exp":{}"#, NOW + 60);
        let sub = user();
        for claims in [
            format!(r#"{{"sub":"{}",{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"{}","sid":null,{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"{}","sid":"",{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"{}","sid":"../../etc",{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"{}","sid":"FEDCBA9876543210FEDCBA9876543210",{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"{}","sid":42,{times}}}"#, sub.as_str()),
            format!(r#"{{"sub":"not an id","sid":"{}",{times}}}"#, session().as_str()),
        ] {
            let refused = keys(JwtAlgorithm::Hs256).verify(&handmade("HS256", &claims), NOW);
            assert!(matches!(refused, Err(ApiError::Unauthenticated(_))), "{claims}: {refused:?}");
        }
    }

    #[test]
    fn expired_tokens_are_refused() {
        let token = keys(JwtAlgorithm::Hs256).issue(&user(), &session(), NOW, 60).unwrap();
        assert!(keys(JwtAlgorithm::Hs256).verify(&token, NOW + 61).is_err());
    }

    #[test]
    fn tokens_issued_in_the_future_or_without_times_are_refused() {
        let future = handmade("HS256", &claims_with(&format!(r#""iat":{},"exp":{}"#, NOW + 600, NOW + 900)));
        let no_exp = handmade("HS256", &claims_with(&format!(r#""iat":{NOW}"#)));
        let no_iat = handmade("HS256", &claims_with(&format!(r#""exp":{}"#, NOW + 60)));
        for token in [future, no_exp, no_iat] {
            assert!(keys(JwtAlgorithm::Hs256).verify(&token, NOW).is_err(), "{token}");
        }
    }

    #[test]
    fn other_algorithms_and_alg_none_are_refused() {
        let hs512 = keys(JwtAlgorithm::Hs512).issue(&user(), &session(), NOW, 60).unwrap();
        assert!(keys(JwtAlgorithm::Hs256).verify(&hs512, NOW).is_err());
        let claims = claims_with(&format!(r#""iat":{NOW},"exp":{}"#, NOW + 60));
        let unsigned = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), b64(claims.as_bytes()));
        assert!(keys(JwtAlgorithm::Hs256).verify(&unsigned, NOW).is_err());
        // An HS256 signature relabelled as another algorithm is no good either.
        let relabelled = handmade("HS384", &claims);
        assert!(keys(JwtAlgorithm::Hs384).verify(&relabelled, NOW).is_err());
    }

    #[test]
    fn tampered_tokens_and_foreign_keys_are_refused() {
        let token = keys(JwtAlgorithm::Hs256).issue(&user(), &session(), NOW, 60).unwrap();
        let (head, _) = token.rsplit_once('.').unwrap();
        let (header, _) = head.split_once('.').unwrap();
        let other = b64(
            br#"{"sub":"ffffffffffffffffffffffffffffffff","sid":"fedcba9876543210fedcba9876543210","iat":1780000000,"exp":1780000060}"#,
        );
        let swapped = format!("{header}.{other}.{}", token.rsplit_once('.').unwrap().1);
        assert!(keys(JwtAlgorithm::Hs256).verify(&swapped, NOW).is_err());
        let foreign = TokenKeys { algorithm: JwtAlgorithm::Hs256, secret: b"another secret, 32 bytes or more!" };
        assert!(foreign.verify(&token, NOW).is_err());
        assert!(keys(JwtAlgorithm::Hs256).verify("not.a.token", NOW).is_err());
        assert!(keys(JwtAlgorithm::Hs256).verify("", NOW).is_err());
    }

    #[test]
    fn keyed_hmac_is_plain_hmac_sha256_for_short_and_long_keys() {
        for secret in [&b"short key"[..], &[7u8; 64], &[9u8; 100]] {
            let mut ours = keyed_hmac(secret);
            ours.update(b"message");
            let mut reference = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
            reference.update(b"message");
            assert_eq!(ours.finalize().into_bytes(), reference.finalize().into_bytes());
        }
    }

    #[test]
    fn bearer_headers_are_parsed_strictly() {
        assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(Some("bearer  abc ")).unwrap(), "abc");
        for bad in [None, Some(""), Some("Bearer"), Some("Bearer "), Some("Basic abc")] {
            assert!(bearer_token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_hashes_are_salted_phc_strings_that_verify() {
        let password = Password::parse("correct horse battery").unwrap();
        let a = hash_password(&password, &[1; 16]).unwrap();
        let b = hash_password(&password, &[2; 16]).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn the_decoy_hash_is_well_formed_and_as_slow_as_a_real_one() {
        let parsed = PasswordHash::new(DECOY_HASH).unwrap();
        let real = hash_password(&Password::parse("whatever1").unwrap(), &[3; 16]).unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(parsed.params, real.params);
        assert!(!verify_password("whatever1", DECOY_HASH));
    }
}
