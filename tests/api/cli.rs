//! The `edgedrop` command line (cli/) against the real stack: a directory tree goes up
//! (one file large enough for a parallel multipart upload), is listed, comes back byte for
//! byte and is shared; an upload killed half-way resumes and sends only the missing parts,
//! a mid-size one (below the server's multipart threshold) too; tokens are made, listed and
//! revoked from the command line, and their scopes hold.
//!
//! The binary is cargo's `target/debug/edgedrop`: `make test` builds it before the API
//! tests, and these tests build it when it is not there.

use crate::harness::{repo_root, Stack, User};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MIB: usize = 1024 * 1024;

fn binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from);
            let binary = target.join("debug/edgedrop");
            if !binary.exists() {
                let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                    .args(["build", "-p", "edgedrop-cli", "--bin", "edgedrop"])
                    .current_dir(repo_root())
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "cannot build the CLI");
            }
            binary
        })
        .clone()
}

/// A user of the CLI: their own config and state directories, signed in to `stack`.
struct Terminal {
    home: tempfile::TempDir,
}

impl Terminal {
    async fn signed_in(stack: &Stack, user: &User) -> Terminal {
        let terminal = Terminal { home: tempfile::tempdir().unwrap() };
        let login = terminal.run_with_stdin(
            &["login", "--server", &stack.base, "--email", &user.email, "--password-stdin"],
            &format!("{}\n", user.password),
            &[],
        );
        assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
        let config = std::fs::read_to_string(terminal.home.path().join("config/edgedrop/config.toml")).unwrap();
        assert!(config.contains("token = \"edp_"), "{config}");
        terminal
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .env_remove("EDGEDROP_SERVER")
            .env_remove("EDGEDROP_TOKEN")
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("HOME", self.home.path())
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        command
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args, env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args, env).output().unwrap()
    }

    /// Runs a command that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args, &[]);
        assert!(output.status.success(), "edgedrop {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }

    /// The uploads the CLI remembers, to resume them.
    fn remembered(&self) -> Vec<Value> {
        let dir = self.path("state/edgedrop/uploads");
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect()
    }
}

/// `len` bytes that differ from part to part (so a misplaced part cannot go unnoticed).
fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i / 4096) as u8).wrapping_mul(31).wrapping_add(seed).wrapping_add(i as u8)).collect()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn multipart_stack() -> Stack {
    Stack::start(&[("MULTIPART_THRESHOLD_BYTES", Some("5242880"))])
}

#[tokio::test]
async fn a_tree_goes_up_is_listed_comes_back_identical_and_is_shared() {
    let stack = multipart_stack();
    let user = stack.user().await;
    let terminal = Terminal::signed_in(&stack, &user).await;
    let big = content(20 * MIB + 12345, 7);
    write(&terminal.path("work/tree/notes.txt"), b"hello from the CLI");
    write(&terminal.path("work/tree/sub/small.bin"), &content(300_000, 3));
    write(&terminal.path("work/tree/sub/deep/big.bin"), &big);

    let tree = terminal.path("work/tree");
    let uploaded = terminal.json(&["upload", tree.to_str().unwrap(), "--folder", "/backup", "--json"]);
    let uploaded = uploaded.as_array().unwrap();
    assert_eq!(uploaded.len(), 3, "{uploaded:?}");
    let big_upload = uploaded.iter().find(|u| u["file"]["name"] == "big.bin").unwrap();
    assert_eq!(big_upload["file"]["folder"], "/backup/tree/sub/deep");
    assert_eq!((big_upload["parts_total"].as_u64(), big_upload["parts_sent"].as_u64()), (Some(3), Some(3)));
    assert!(terminal.remembered().is_empty(), "a finished upload is forgotten");

    let listed = terminal.json(&["ls", "/backup", "--recursive", "--json"]);
    let mut paths: Vec<(String, String, i64)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (f["folder"].as_str().unwrap().into(), f["name"].as_str().unwrap().into(), f["size"].as_i64().unwrap())
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("/backup/tree".into(), "notes.txt".into(), 18),
            ("/backup/tree/sub".into(), "small.bin".into(), 300_000),
            ("/backup/tree/sub/deep".into(), "big.bin".into(), big.len() as i64),
        ]
    );
    assert!(terminal.ok(&["ls", "/backup/tree"]).contains("/backup/tree/notes.txt"));
    let found = terminal.json(&["ls", "-q", "BIG", "--json"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");

    terminal.ok(&["download", "/backup/tree/sub/deep/big.bin", "-o", "big.copy"]);
    assert!(std::fs::read(terminal.path("big.copy")).unwrap() == big, "identical bytes");
    let id = big_upload["file"]["id"].as_str().unwrap();
    terminal.ok(&["download", id, "-o", "by-id.copy"]);
    assert!(std::fs::read(terminal.path("by-id.copy")).unwrap() == big);

    // A partial download resumes with Range.
    write(&terminal.path("resumed.copy.part"), &big[..5 * MIB]);
    terminal.ok(&["download", id, "-o", "resumed.copy"]);
    assert!(std::fs::read(terminal.path("resumed.copy")).unwrap() == big);
    // One longer than the file is not trusted: the download starts over.
    write(&terminal.path("long.copy.part"), &vec![0u8; big.len() + 10]);
    terminal.ok(&["download", id, "-o", "long.copy"]);
    assert!(std::fs::read(terminal.path("long.copy")).unwrap() == big);
    assert_eq!(terminal.ok(&["download", "/backup/tree/notes.txt", "-o", "-"]), "hello from the CLI");

    let url = terminal.ok(&["share", "/backup/tree/notes.txt", "--expires", "1d", "--max-downloads", "3"]);
    let url = url.trim();
    assert!(url.starts_with(&format!("{}/share/", stack.base)), "{url}");
    let anyone = stack.client();
    let redirect = anyone.get(url).await;
    assert_eq!(redirect.status, 302, "{}", redirect.text());
    assert_eq!(anyone.fetch(&redirect.header("location").unwrap()).await.body, b"hello from the CLI");
    let shares = terminal.json(&["shares", "/backup/tree/notes.txt", "--json"]);
    let share_id = shares[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(shares[0]["download_count"], 1);
    terminal.ok(&["revoke", "/backup/tree/notes.txt", &share_id]);
    assert_eq!(anyone.get(url).await.status, 404);

    terminal.ok(&["mv", "/backup/tree/notes.txt", "/archive/"]);
    terminal.ok(&["rm", "/archive/notes.txt"]);

    // Problems are one line on stderr and a non-zero exit code.
    let missing = terminal.run(&["download", "/backup/nothing-here.txt"], &[]);
    assert_eq!(missing.status.code(), Some(4));
    let stderr = String::from_utf8(missing.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("edgedrop: ") && stderr.contains("file_not_found"), "{stderr}");
    let refused = terminal.run(&["ls"], &[("EDGEDROP_TOKEN", "edp_nonsense")]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(String::from_utf8(refused.stderr).unwrap().contains("not_authenticated"));

    // Logging out revokes the token.
    let token = std::fs::read_to_string(terminal.path("config/edgedrop/config.toml")).unwrap();
    let token = token.split("token = \"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    terminal.ok(&["logout"]);
    user.client.with_token(Some(&token)).get("/files").await.problem(401, "not_authenticated");
    stack.audit();
}

#[tokio::test]
async fn an_upload_killed_half_way_resumes_and_sends_only_the_missing_parts() {
    let stack = multipart_stack();
    let user = stack.user().await;
    let terminal = Terminal::signed_in(&stack, &user).await;
    let bytes = content(36 * MIB + 777, 11);
    write(&terminal.path("video.bin"), &bytes);
    let local = terminal.path("video.bin");
    let args = ["upload", local.to_str().unwrap(), "--folder", "/media", "--parallel", "1", "--json"];

    // Killed after two of its five parts.
    let killed = terminal.run(&args, &[("EDGEDROP_TEST_ABORT_AFTER_PARTS", "2")]);
    assert!(!killed.status.success(), "the first run dies");
    let remembered = terminal.remembered();
    assert_eq!(remembered.len(), 1, "the upload is remembered: {remembered:?}");
    let upload_id = remembered[0]["upload_id"].as_str().unwrap();
    let status = user.client.get(&format!("/files/uploads/{upload_id}")).await.json();
    assert_eq!(status["part_count"], 5);
    let stored: Vec<u64> =
        status["parts"].as_array().unwrap().iter().map(|p| p["part_number"].as_u64().unwrap()).collect();
    assert_eq!(stored, [1, 2], "{status}");
    assert!(user.client.get("/files?folder=/media").await.json()["items"].as_array().unwrap().is_empty());

    // The same command again sends the other three, and the file is whole.
    let resumed = terminal.run(&args, &[]);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let resumed: Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!((resumed[0]["parts_total"].as_u64(), resumed[0]["parts_sent"].as_u64()), (Some(5), Some(3)));
    assert_eq!(resumed[0]["file"]["size"].as_u64(), Some(bytes.len() as u64));
    assert!(terminal.remembered().is_empty());
    terminal.ok(&["download", "/media/video.bin", "-o", "video.copy"]);
    assert!(std::fs::read(terminal.path("video.copy")).unwrap() == bytes, "identical bytes");
    stack.audit();
}

#[tokio::test]
async fn a_mid_size_file_below_the_servers_threshold_goes_in_parts_and_resumes_too() {
    // The server's default threshold (64 MiB): the CLI asks for 8 MiB parts itself, so a
    // file larger than one part is resumable whatever the threshold.
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    let terminal = Terminal::signed_in(&stack, &user).await;
    let bytes = content(20 * MIB + 5, 13);
    write(&terminal.path("mid.bin"), &bytes);
    let local = terminal.path("mid.bin");
    let args = ["upload", local.to_str().unwrap(), "--folder", "/mid", "--parallel", "1", "--json", "--verbose"];

    let killed = terminal.run(&args, &[("EDGEDROP_TEST_ABORT_AFTER_PARTS", "1")]);
    assert!(!killed.status.success(), "the first run dies");
    let remembered = terminal.remembered();
    assert_eq!(remembered.len(), 1, "the upload is remembered: {remembered:?}");
    let upload_id = remembered[0]["upload_id"].as_str().unwrap();
    let status = user.client.get(&format!("/files/uploads/{upload_id}")).await.json();
    assert_eq!((status["method"].as_str(), status["part_count"].as_u64()), (Some("multipart"), Some(3)), "{status}");
    let stored: Vec<u64> =
        status["parts"].as_array().unwrap().iter().map(|p| p["part_number"].as_u64().unwrap()).collect();
    assert_eq!(stored, [1], "{status}");

    let resumed = terminal.run(&args, &[]);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let stderr = String::from_utf8(resumed.stderr).unwrap();
    assert!(
        stderr.contains("mid.bin: status=") && stderr.contains(" parts=") && stderr.contains(" complete="),
        "{stderr}"
    );
    let resumed: Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!((resumed[0]["parts_total"].as_u64(), resumed[0]["parts_sent"].as_u64()), (Some(3), Some(2)));
    assert!(terminal.remembered().is_empty());
    terminal.ok(&["download", "/mid/mid.bin", "-o", "mid.copy"]);
    assert!(std::fs::read(terminal.path("mid.copy")).unwrap() == bytes, "identical bytes");

    // A file no larger than one part goes in one PUT.
    write(&terminal.path("one-part.bin"), &content(7 * MIB, 17));
    let one = terminal.json(&["upload", terminal.path("one-part.bin").to_str().unwrap(), "--json"]);
    assert_eq!((one[0]["parts_total"].as_u64(), one[0]["file"]["size"].as_u64()), (Some(0), Some(7 * MIB as u64)));
    stack.audit();
}

#[tokio::test]
async fn tokens_are_made_listed_and_revoked_from_the_command_line_and_their_scopes_hold() {
    let stack = Stack::start(&[]);
    let user = stack.user().await;
    let terminal = Terminal::signed_in(&stack, &user).await;
    let password = format!("{}\n", user.password);
    let with_password = |args: &[&str]| {
        let output = terminal.run_with_stdin(args, &password, &[]);
        assert!(output.status.success(), "edgedrop {args:?}:\n{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<Value>(&output.stdout).unwrap_or(Value::Null)
    };

    let created = with_password(&[
        "tokens",
        "create",
        "ci reader",
        "--scope",
        "files:read",
        "--expires",
        "1d",
        "--json",
        "--password-stdin",
    ]);
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("edp_"), "{created}");
    assert_eq!(created["scopes"], serde_json::json!(["files:read"]));
    assert!(created["expires_at"].is_string(), "{created}");

    // It reads, and it may not write: exit code 3 and one line naming the problem.
    let reader = [("EDGEDROP_TOKEN", token.as_str())];
    let listed = terminal.run(&["ls", "--json"], &reader);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    write(&terminal.path("note.txt"), b"not allowed");
    let refused = terminal.run(&["upload", terminal.path("note.txt").to_str().unwrap()], &reader);
    assert_eq!(refused.status.code(), Some(3));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("insufficient_scope"), "{stderr}");
    assert!(user.client.get("/files").await.json()["items"].as_array().unwrap().is_empty());

    // Listed without its secret, beside the CLI's own token from `login`.
    let tokens = with_password(&["tokens", "list", "--json", "--password-stdin"]);
    let tokens = tokens.as_array().unwrap();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let listed = tokens.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(listed["name"], "ci reader");
    assert!(listed.get("token").is_none(), "{listed}");

    // Revoked, it stops working at once; a wrong password is one line and exit code 3.
    with_password(&["tokens", "revoke", &id, "--password-stdin"]);
    let after = terminal.run(&["ls"], &reader);
    assert_eq!(after.status.code(), Some(3));
    assert!(String::from_utf8(after.stderr).unwrap().contains("not_authenticated"));
    let wrong = terminal.run_with_stdin(&["tokens", "list", "--password-stdin"], "not the password\n", &[]);
    assert_eq!(wrong.status.code(), Some(3));
    assert_eq!(String::from_utf8(wrong.stderr).unwrap().lines().count(), 1);
    assert!(terminal.ok(&["ls"]).is_empty(), "the login's own token still works");
}
