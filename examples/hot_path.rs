//! Times the pure work of the hot paths natively (config, JWT, presigning), for profiling.
use edgedrop::auth::{JwtAlgorithm, TokenKeys};
use edgedrop::config::Config;
use edgedrop::model::Id;
use edgedrop::storage::presigned_download_url;
use std::time::{Duration, Instant, SystemTime};

fn main() {
    let vars = [
        ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("B2_ENDPOINT", "https://s3.us-west-004.backblazeb2.com"),
        ("B2_BUCKET", "files"),
        ("B2_ACCESS_KEY", "key"),
        ("B2_SECRET_KEY", "secret"),
    ];
    let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    let config = Config::from_lookup(lookup).unwrap();
    let user = Id::parse("0123456789abcdef0123456789abcdef").unwrap();
    let session = Id::parse("fedcba9876543210fedcba9876543210").unwrap();
    let keys = TokenKeys { algorithm: JwtAlgorithm::Hs256, secret: config.secret_key.expose() };
    let token = keys.issue(&user, &session, 1_780_000_000, 3600).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(Config::from_lookup(lookup).unwrap());
    }
    println!("config: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(keys.verify(&token, 1_780_000_001).unwrap());
    }
    println!("jwt verify: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            presigned_download_url(&config.bucket, "u/a/b", "report.pdf", "application/pdf", false, now, 300).unwrap(),
        );
    }
    println!("presign: {:?}/op", t.elapsed() / n);
}
