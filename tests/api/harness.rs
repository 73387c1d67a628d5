//! The one way tests reach the service: a real stack of s3s-fs (a signature-checking S3
//! server), a fresh local D1 with the migrations applied, and the built Worker in workerd
//! under `wrangler dev`, all on free loopback ports. Tests get a [`Client`] from it.
//!
//! [`Stack::shared`] is started once per test run and isolates tests by giving each its own
//! users; [`Stack::start`] starts a private stack with other settings (short TTLs, small
//! limits, a broken configuration, a bucket to kill).

use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The secret every test stack signs tokens with, so tests can forge tokens of their own.
pub const SECRET_KEY: &str = "test-secret-0123456789abcdef-0123456789";
pub const BUCKET: &str = "edgedrop";
const ACCESS_KEY: &str = "test-access-key";
const SECRET_ACCESS_KEY: &str = "test-secret-access-key";

/// Process groups to end and folders to remove when the test binary exits (the shared
/// stack is a static, and statics are never dropped).
static PROCESS_GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static STACK_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

extern "C" fn end_all_process_groups() {
    if let Ok(groups) = PROCESS_GROUPS.lock() {
        for pgid in groups.iter() {
            // SAFETY: kill(2) on a process group this binary started.
            unsafe { libc::kill(-pgid, libc::SIGTERM) };
        }
    }
    if let Ok(dirs) = STACK_DIRS.lock() {
        for dir in dirs.iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn register_cleanup_once() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // SAFETY: registering a plain extern "C" function with no captured state.
        unsafe { libc::atexit(end_all_process_groups) };
    });
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn tools_bin() -> PathBuf {
    std::env::var_os("TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/edgedrop/tools"))
        .join("bin")
}

/// PATH with the project's Node 22 and tools first, as the Makefile sets it.
fn tool_path() -> String {
    let node_bin = repo_root().join("node_modules/.bin");
    format!("{}:{}:{}", node_bin.display(), tools_bin().display(), std::env::var("PATH").unwrap_or_default())
}

fn wrangler() -> PathBuf {
    repo_root().join("node_modules/.bin/wrangler")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(mut command: Command, log: &Path) -> Child {
    register_cleanup_once();
    let log = std::fs::File::create(log).unwrap();
    command
        .env("PATH", tool_path())
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    PROCESS_GROUPS.lock().unwrap().push(child.id() as i32);
    child
}

/// A plain blocking GET, used to wait for servers before any async runtime is involved.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn wait_until(what: &str, log: &Path, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > timeout {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("{what} did not come up within {timeout:?}; its log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running Worker + D1 + bucket.
pub struct Stack {
    pub base: String,
    pub dir: PathBuf,
    pub s3_port: u16,
    bucket: Mutex<Option<Child>>,
    worker: Mutex<Option<Child>>,
}

impl Stack {
    /// The stack most tests share, with the default settings.
    pub fn shared() -> &'static Stack {
        static SHARED: OnceLock<Stack> = OnceLock::new();
        SHARED.get_or_init(|| Stack::start(&[]))
    }

    /// A private stack; `vars` override the Worker's defaults (a value of `None` unsets one).
    pub fn start(vars: &[(&str, Option<&str>)]) -> Stack {
        let bundle = repo_root().join("build/worker/shim.mjs");
        assert!(bundle.exists(), "no Worker bundle at {}: run `make build` (or `make test`)", bundle.display());
        let dir = std::env::temp_dir().join(format!("edgedrop-test-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(dir.join("bucket").join(BUCKET)).unwrap();
        STACK_DIRS.lock().unwrap().push(dir.clone());

        let s3_port = free_port();
        let stack_bucket = Self::start_bucket_at(&dir, s3_port);

        let migrate = Command::new(wrangler())
            .args(["d1", "migrations", "apply", "edgedrop", "--local", "--persist-to"])
            .arg(dir.join("d1"))
            .env("PATH", tool_path())
            .env("CI", "true")
            .current_dir(repo_root())
            .output()
            .expect("wrangler runs");
        assert!(migrate.status.success(), "migrations failed: {}", String::from_utf8_lossy(&migrate.stderr));

        let port = free_port();
        let endpoint = format!("http://127.0.0.1:{s3_port}");
        let mut settings: Vec<(&str, Option<&str>)> = vec![
            ("SECRET_KEY", Some(SECRET_KEY)),
            ("B2_ENDPOINT", Some(&endpoint)),
            ("B2_REGION", Some("us-east-1")),
            ("B2_BUCKET", Some(BUCKET)),
            ("B2_ACCESS_KEY", Some(ACCESS_KEY)),
            ("B2_SECRET_KEY", Some(SECRET_ACCESS_KEY)),
        ];
        settings.retain(|(name, _)| !vars.iter().any(|(n, _)| n == name));
        settings.extend(vars.iter().copied());
        // wrangler.toml without its [build] step: the bundle is built before the tests, and
        // the step's watch would reload the Worker whenever someone edits src/ meanwhile.
        let config = dir.join("wrangler.toml");
        let written = Command::new("node")
            .arg(repo_root().join("scripts/wrangler-test-config.mjs"))
            .arg(&config)
            .env("PATH", tool_path())
            .output()
            .expect("node runs");
        assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
        let mut command = Command::new(wrangler());
        command
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", "0"])
            .args(["--show-interactive-dev-session=false", "--log-level", "info", "--test-scheduled", "--config"])
            .arg(&config)
            .arg("--persist-to")
            .arg(dir.join("d1"))
            .env("CI", "true");
        for (name, value) in settings {
            if let Some(value) = value {
                command.arg("--var").arg(format!("{name}:{value}"));
            }
        }
        let log = dir.join("worker.log");
        let worker = spawn(command, &log);
        wait_until("wrangler dev", &log, Duration::from_secs(90), || http_status(port, "/healthz") == Some(200));
        Stack {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            s3_port,
            bucket: Mutex::new(Some(stack_bucket)),
            worker: Mutex::new(Some(worker)),
        }
    }

    fn start_bucket_at(dir: &Path, port: u16) -> Child {
        let mut command = Command::new(tools_bin().join("s3s-fs"));
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_ACCESS_KEY])
            .arg(dir.join("bucket"));
        let log = dir.join("s3s-fs.log");
        let child = spawn(command, &log);
        wait_until("s3s-fs", &log, Duration::from_secs(30), || TcpStream::connect(("127.0.0.1", port)).is_ok());
        child
    }

    /// Stops the bucket server, as if the storage provider went down.
    pub fn stop_bucket(&self) {
        if let Some(mut child) = self.bucket.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the bucket server again on its old port and data.
    pub fn restart_bucket(&self) {
        let child = Self::start_bucket_at(&self.dir, self.s3_port);
        *self.bucket.lock().unwrap() = Some(child);
    }

    /// What the Worker has logged once a line with `needle` arrived (wrangler writes its
    /// log a little after answering), or after five seconds without it.
    pub async fn worker_log_with(&self, needle: &str) -> String {
        let path = self.dir.join("worker.log");
        for _ in 0..50 {
            let log = std::fs::read_to_string(&path).unwrap_or_default();
            if log.contains(needle) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::fs::read_to_string(&path).unwrap_or_default()
    }

    /// The last `lines` lines the Worker logged: what a failed assertion shows beside an
    /// unexpected answer, since the stack's directory goes when the tests end.
    pub fn worker_log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join("worker.log")).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The keys of every object in the bucket, read from s3s-fs's directory.
    pub fn objects(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                    out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
        let root = self.dir.join("bucket").join(BUCKET);
        let mut keys = Vec::new();
        walk(&root, &root, &mut keys);
        keys.sort();
        keys
    }

    /// Files s3s-fs keeps for multipart uploads under way (parts not yet joined).
    pub fn pending_parts(&self) -> usize {
        let root = self.dir.join("bucket");
        std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".upload_id-"))
            .count()
    }

    /// Parts s3s-fs keeps of the multipart upload `multipart_id` (not yet joined).
    pub fn pending_parts_of(&self, multipart_id: &str) -> usize {
        let prefix = format!(".upload_id-{multipart_id}.part-");
        let root = self.dir.join("bucket");
        std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .count()
    }

    /// The objects of the user with this id.
    pub fn objects_of(&self, user_id: &str) -> Vec<String> {
        self.objects().into_iter().filter(|k| k.starts_with(&format!("u/{user_id}/"))).collect()
    }

    /// A client that is not signed in.
    pub fn client(&self) -> Client {
        Client { http: http_client(), base: self.base.clone(), token: None, ip: None }
    }

    /// A client that is not signed in and calls from an address of its own: every request
    /// carries `CF-Connecting-IP: ip`, which wrangler dev passes on to the Worker as it is
    /// (on Cloudflare the edge sets it), so the Worker keys limits and logs by it.
    pub fn client_at(&self, ip: &str) -> Client {
        Client { ip: Some(ip.to_owned()), ..self.client() }
    }

    /// A new account: its email and password (not signed in).
    pub async fn account(&self) -> (String, String) {
        self.register().await.0
    }

    async fn register(&self) -> ((String, String), Value) {
        let email = format!("user-{}@example.com", unique());
        let password = "a long enough password".to_owned();
        let created = self.client().post_json("/auth/register", &json!({ "email": email, "password": password })).await;
        assert_eq!(
            created.status,
            201,
            "{}\nthe Worker's last log lines:\n{}",
            created.text(),
            self.worker_log_tail(40)
        );
        ((email, password), created.json())
    }

    /// A new user with an account, signed in.
    pub async fn user(&self) -> User {
        let ((email, password), created) = self.register().await;
        let anonymous = self.client();
        let login = anonymous.post_json("/auth/login", &json!({ "email": email, "password": password })).await;
        assert_eq!(login.status, 200, "{}", login.text());
        let token = login.json()["access_token"].as_str().unwrap().to_owned();
        User {
            id: created["id"].as_str().unwrap().to_owned(),
            email,
            password,
            client: Client { token: Some(token), ..self.client() },
        }
    }

    /// The invariant audit (`scripts/audit.mjs`, the same one `make audit` runs) over this
    /// stack's D1 and bucket: panics with its report when rows, objects and the ledger
    /// disagree (a file without its bytes, bytes nothing accounts for, counters off).
    pub fn audit(&self) {
        let endpoint = format!("http://127.0.0.1:{}", self.s3_port);
        let output = Command::new("node")
            .arg(repo_root().join("scripts/audit.mjs"))
            .arg("--local")
            .arg(self.dir.join("d1"))
            .args(["--endpoint", &endpoint, "--bucket", BUCKET, "--region", "us-east-1"])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_ACCESS_KEY])
            .env("PATH", tool_path())
            .current_dir(repo_root())
            .output()
            .expect("node runs the audit");
        assert!(
            output.status.success(),
            "the invariant audit failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The rows `sql` reads from this stack's local D1 (its SQLite file), every column as
    /// text (NULL as an empty string): for checks of what is stored, never for setup.
    pub fn d1_rows(&self, sql: &str) -> Vec<Vec<String>> {
        fn sqlite_files(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sqlite_files(&path, found);
                } else if path.extension().is_some_and(|e| e == "sqlite") {
                    found.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sqlite_files(&self.dir.join("d1"), &mut files);
        let mut rows = Vec::new();
        for file in files {
            let db = rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            let Ok(mut statement) = db.prepare(sql) else { continue };
            let columns = statement.column_count();
            let mut found = statement.raw_query();
            while let Some(row) = found.next().unwrap() {
                rows.push(
                    (0..columns)
                        .map(|i| match row.get_ref(i).unwrap() {
                            rusqlite::types::ValueRef::Null => String::new(),
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            rusqlite::types::ValueRef::Real(f) => f.to_string(),
                            rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                        })
                        .collect(),
                );
            }
        }
        rows
    }

    /// Runs the Worker's scheduled handler once, as a Cron Trigger would.
    pub async fn run_scheduled(&self) {
        let answer = self.client().get("/__scheduled?cron=*/15+*+*+*+*").await;
        assert_eq!(answer.status, 200, "{}", answer.text());
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for slot in [&self.worker, &self.bucket] {
            if let Some(mut child) = slot.lock().unwrap().take() {
                // SAFETY: kill(2) on the process group of a child this stack started.
                unsafe { libc::kill(-(child.id() as i32), libc::SIGTERM) };
                let _ = child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// A process-wide unique number, for emails and names.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{nanos:x}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A client address (in 10.0.0.0/8) that no other call of this test run returns, so that
/// limits keyed by the client never carry over from another test.
pub fn fresh_ip() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// Polls `probe` every 100 ms until it answers `Some`, for up to a minute (then panics
/// naming `what`): for what the events queue's consumer writes a moment after the request
/// that sent it. Tests wait for an outcome this way, never for a fixed time.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what} did not happen within a minute");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A user with an account and a signed-in client.
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub client: Client,
}

/// An HTTP client for the API, optionally carrying a bearer token.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    /// The `CF-Connecting-IP` every request carries, if any.
    pub ip: Option<String>,
}

/// A whole answer, read.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    /// Asserts this is a problem document with `status` and `code`, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"));
        let problem = self.json();
        assert_eq!(problem["code"], code, "{problem}");
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string(), "{problem}");
        problem
    }
}

impl Client {
    /// The same client with another bearer token (or none).
    pub fn with_token(&self, token: Option<&str>) -> Client {
        Client { token: token.map(str::to_owned), ..self.clone() }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) };
        let mut builder = self.http.request(method, url);
        if let Some(ip) = &self.ip {
            builder = builder.header("cf-connecting-ip", ip);
        }
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Answer {
        let response = builder.send().await.expect("the request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("the body arrives").to_vec();
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.send(self.request(reqwest::Method::POST, path).json(body)).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Answer {
        self.send(self.request(reqwest::Method::PATCH, path).json(body)).await
    }

    /// Sends raw bytes with a content type.
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        self.send(self.request(reqwest::Method::POST, path).header("content-type", content_type).body(body)).await
    }

    /// Uploads `bytes` as a raw body named `name` into `folder`; asserts it was stored.
    pub async fn upload(&self, name: &str, folder: &str, bytes: &[u8]) -> Value {
        let path = format!("/files/upload?name={}&folder={}", encode(name), encode(folder));
        let answer = self.post_bytes(&path, "application/octet-stream", bytes.to_vec()).await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        answer.json()
    }

    /// Uploads a multipart form.
    pub async fn upload_form(&self, form: reqwest::multipart::Form) -> Answer {
        self.send(self.request(reqwest::Method::POST, "/files/upload").multipart(form)).await
    }

    /// PUTs bytes to an absolute URL (a presigned one), without any token.
    pub async fn put_url(&self, url: &str, bytes: Vec<u8>) -> Answer {
        let bare = self.bare();
        bare.send(bare.request(reqwest::Method::PUT, url).body(bytes)).await
    }

    /// Downloads from an absolute URL (a presigned one), without any token.
    pub async fn fetch(&self, url: &str) -> Answer {
        self.bare().get(url).await
    }

    /// The same client without a token or a client address, for the bucket's URLs.
    fn bare(&self) -> Client {
        Client { token: None, ip: None, ..self.clone() }
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
