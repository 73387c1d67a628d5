//! Times the pure work of the hot paths natively (config, JWT, presigning, a listing's rows
//! in and out of JSON) and counts its heap allocations, for profiling:
//! `cargo run --release --example hot_path`. Allocation counts are exact and do not move
//! with the machine's load; times do.
use edgedrop::auth::{JwtAlgorithm, TokenKeys};
use edgedrop::config::Config;
use edgedrop::db::files::FileRow;
use edgedrop::model::Id;
use edgedrop::storage::presigned_download_url;
use edgedrop::views::{FilePage, FileView};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `op` `n` times; prints the time and the allocations of one run.
fn measure<T>(name: &str, n: u32, mut op: impl FnMut() -> T) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    std::hint::black_box(op());
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(op());
    }
    println!("{name}: {:?}/op, {allocations} allocations/op", started.elapsed() / n);
}

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
    measure("config", n, || Config::from_lookup(lookup).unwrap());
    measure("jwt verify", n, || keys.verify(&token, 1_780_000_001).unwrap());
    measure("presign", n, || {
        presigned_download_url(&config.bucket, "u/a/b", "report.pdf", "application/pdf", false, now, 300).unwrap()
    });
    // A listing's page: 51 rows as D1 hands them over (JSON text), read, then rendered.
    let rows: Vec<serde_json::Value> = (0..51)
        .map(|n| {
            serde_json::json!({
                "id": format!("{:032x}", n), "name": format!("Report {n:07} Alpha.pdf"), "folder": "/7",
                "size": n * 7919, "content_type": "application/pdf",
                "created_at": 1_750_000_000_000_i64 + n, "updated_at": 1_750_000_000_000_i64 + n,
            })
        })
        .collect();
    let text = serde_json::to_string(&rows).unwrap();
    measure("list: 51 rows read", n / 10, || serde_json::from_str::<Vec<FileRow>>(&text).unwrap());
    measure("timestamp", n, || edgedrop::model::rfc3339(1_750_000_000_123));
    let read: Vec<FileRow> = serde_json::from_str(&text).unwrap();
    let views: Vec<FileView> = read.iter().take(50).cloned().map(FileView::from).collect();
    measure("list: 50 rows as views", n / 10, || read.iter().take(50).cloned().map(FileView::from).count());
    let page = FilePage { items: views, next_cursor: None };
    measure("list: a page rendered", n / 10, || serde_json::to_vec(&page).unwrap());
}
