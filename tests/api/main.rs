//! Black-box tests of the HTTP API against the real Worker in workerd, a real local D1 and
//! a real S3 server that checks signatures. Each test is a user story.

mod accounts;
mod admin;
mod bad_input;
mod chaos;
mod cleanup;
mod cli;
mod collections;
mod direct;
mod docs;
mod download_all;
mod events;
mod expiry;
mod faults;
mod files;
mod found_by_fuzzing;
mod fuzz;
mod harness;
mod integrity;
mod limits;
mod previews;
mod races;
mod replicas;
mod requests;
mod security;
mod sessions;
mod share_controls;
mod sharing;
mod tokens;
mod upload_urls;
mod uploads;
mod web;
mod webhooks;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};

/// A JWT built by hand with the test stacks' secret: `alg` in the header, HMAC-SHA256
/// signature, whatever `claims` say.
pub fn forge_token(alg: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(harness::SECRET_KEY.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The claims of a token, read without checking it (tests take tokens apart to forge others).
pub fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}
