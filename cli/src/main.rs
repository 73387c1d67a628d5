//! `edgedrop`: the command line of an edgedrop server. Sign in once with `edgedrop login`
//! (it creates a personal access token and keeps it in the XDG config directory), then
//! upload, list, download and share files from scripts and terminals.

mod api;
mod config;
mod upload;

use anyhow::{bail, Context, Result};
use api::{encode, Api, ApiFailure};
use clap::{Args, Parser, Subcommand};
use config::Config;
use edgedrop::model::Scope;
use edgedrop::views::{AccessTokenList, AccessTokenView, FilePage, FileView, ShareList, ShareView, UrlView};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Upload, list, download and share files on an edgedrop server.
///
/// Sign in once with `edgedrop login`; EDGEDROP_SERVER and EDGEDROP_TOKEN override what it
/// stored (for CI). Files are named by id or by path (`/folder/name`). Errors are one line
/// on stderr; the exit code is 1 for errors, 2 for bad usage, 3 when not signed in or not
/// allowed, 4 when something does not exist.
#[derive(Parser)]
#[command(name = "edgedrop", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in with your password and store a personal access token with every scope.
    Login {
        /// The server, e.g. https://files.example.com (default: the stored one).
        #[arg(long, env = "EDGEDROP_SERVER")]
        server: Option<String>,
        /// Your email (asked for when missing).
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of stdin instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Revoke the stored token and forget it.
    Logout,
    /// Upload files and directories (recursively, keeping their structure).
    ///
    /// Files up to 5 MiB go in one request; larger ones straight to the bucket, in parts
    /// sent in parallel. An interrupted upload resumes: run the same command again and only
    /// the missing parts are sent.
    Upload {
        /// Files and directories to upload.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The folder to upload into (directories go into it under their own name).
        #[arg(long, default_value = "/")]
        folder: String,
        /// Parts sent at once.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        parallel: u16,
        #[command(flatten)]
        output: Output,
    },
    /// List files (the root folder by default).
    Ls {
        /// The folder to list, e.g. /docs.
        folder: Option<String>,
        /// Include sub-folders.
        #[arg(short, long)]
        recursive: bool,
        /// Only names containing TERM (case-insensitive).
        #[arg(short = 'q', long = "query", value_name = "TERM")]
        query: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Download a file (resuming a partial download, checking its size).
    Download {
        /// The file: its id or its path (/folder/name).
        file: String,
        /// Where to write it (default: its name, in the current directory; `-` for stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Create a share link and print its URL.
    Share {
        /// The file: its id or its path.
        file: String,
        /// When the link expires: 30m, 12h, 7d or seconds (default: the server's).
        #[arg(long, value_parser = parse_duration)]
        expires: Option<u64>,
        /// How many downloads the link allows.
        #[arg(long)]
        max_downloads: Option<u32>,
        /// Protect the link with a password read from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        output: Output,
    },
    /// List a file's share links.
    Shares {
        /// The file: its id or its path.
        file: String,
        #[command(flatten)]
        output: Output,
    },
    /// Revoke a share link.
    Revoke {
        /// The file: its id or its path.
        file: String,
        /// The link's id (from `edgedrop shares`).
        share_id: String,
    },
    /// Rename or move a file: DEST is a new name, a folder ending in `/`, or /folder/name.
    Mv {
        /// The file: its id or its path.
        file: String,
        dest: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete files (and their share links).
    Rm {
        /// The files: ids or paths.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Manage personal access tokens (asks for your password: tokens cannot manage tokens).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// List your tokens.
    List {
        #[command(flatten)]
        output: Output,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Create a token and print it (shown once).
    Create {
        /// What it is for.
        name: String,
        /// Its scopes (repeat; default: all): files:read, files:write, shares:write.
        #[arg(long = "scope", value_parser = parse_scope)]
        scopes: Vec<Scope>,
        /// When it expires: 30m, 12h, 90d or seconds (default: never).
        #[arg(long, value_parser = parse_duration)]
        expires: Option<u64>,
        #[command(flatten)]
        output: Output,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Revoke a token at once.
    Revoke {
        id: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Args)]
struct Output {
    /// Print JSON (stable; see the README) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct PasswordArgs {
    /// Your email (default: the one you logged in with).
    #[arg(long)]
    email: Option<String>,
    /// Read the password from the first line of stdin instead of a prompt.
    #[arg(long)]
    password_stdin: bool,
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).ok_or_else(|| "one of files:read, files:write, shares:write".to_owned())
}

/// `30m`, `12h`, `7d`, `90s` or plain seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], c),
        _ => (text, 's'),
    };
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 30m, 12h or 7d"))?;
    let unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(format!("unknown unit in {text:?}: use s, m, h, d or w")),
    };
    number.checked_mul(unit).filter(|s| *s > 0).ok_or_else(|| format!("{text:?} is not a positive duration"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("edgedrop: {}", message.join(": "));
            match error.chain().find_map(|e| e.downcast_ref::<ApiFailure>()) {
                Some(f) if matches!(f.status, 401 | 403) => ExitCode::from(3),
                Some(f) if matches!(f.status, 404 | 410) => ExitCode::from(4),
                _ => ExitCode::from(1),
            }
        }
    }
}

/// The API with the stored (or given) server and token.
fn signed_in() -> Result<Api> {
    let config = Config::load()?;
    Api::new(&config.server()?, Some(config.token()?))
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn read_stdin_line() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        return read_stdin_line();
    }
    rpassword::prompt_password("Password: ").context("cannot read the password (use --password-stdin)")
}

fn prompt(question: &str) -> Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    read_stdin_line()
}

/// A password session of `email` (a login's token), for what tokens may not do.
async fn password_session(server: &str, email: &str, from_stdin: bool) -> Result<Api> {
    let password = password(from_stdin)?;
    let anonymous = Api::new(server, None)?;
    let login: serde_json::Value =
        anonymous.post("/auth/login", &json!({ "email": email, "password": password })).await?;
    let token = login["access_token"].as_str().context("the login answer has no token")?;
    Api::new(server, Some(token.to_owned()))
}

/// Ends a password session opened by [`password_session`].
async fn end_session(api: &Api) {
    let _ = api.delete("/auth/session").await;
}

async fn with_password_session<T>(args: &PasswordArgs, work: impl AsyncFnOnce(&Api) -> Result<T>) -> Result<T> {
    let config = Config::load()?;
    let server = config.server()?;
    let email = match args.email.clone().or(config.email.clone()) {
        Some(email) => email,
        None => bail!("no email: pass --email"),
    };
    let api = password_session(&server, &email, args.password_stdin).await?;
    let result = work(&api).await;
    end_session(&api).await;
    result
}

fn is_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The file `spec` names: an id, or a path `/folder/name`.
async fn resolve(api: &Api, spec: &str) -> Result<FileView> {
    if is_id(spec) {
        return api.get(&format!("/files/{spec}")).await;
    }
    let Some((folder, name)) = spec.rsplit_once('/').filter(|_| spec.starts_with('/')) else {
        bail!("{spec:?} is neither a file id nor a path such as /folder/name");
    };
    let folder = if folder.is_empty() { "/" } else { folder };
    let matches: Vec<FileView> = list(api, Some(folder), false, Some(name))
        .await?
        .into_iter()
        .filter(|f| f.name == name && f.folder == folder)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => {
            Err(ApiFailure { status: 404, code: "file_not_found".into(), detail: format!("no file at {spec}") }.into())
        }
        several => bail!("{} files are at {spec}: name one by id", several.len()),
    }
}

/// Every file of `folder` (all when `None`), following the cursor.
async fn list(api: &Api, folder: Option<&str>, recursive: bool, query: Option<&str>) -> Result<Vec<FileView>> {
    let mut base = "/files?limit=1000&sort=name&order=asc".to_owned();
    if let Some(folder) = folder {
        base.push_str(&format!("&folder={}", encode(folder)));
        if recursive {
            base.push_str("&recursive=true");
        }
    }
    if let Some(query) = query {
        base.push_str(&format!("&q={}", encode(query)));
    }
    let mut files = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{base}&cursor={}", encode(cursor)),
            None => base.clone(),
        };
        let page: FilePage = api.get(&path).await?;
        files.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(files),
        }
    }
}

fn human(bytes: i64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

fn file_path(file: &FileView) -> String {
    if file.folder == "/" {
        format!("/{}", file.name)
    } else {
        format!("{}/{}", file.folder, file.name)
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Login { server, email, password_stdin } => {
            let mut config = Config::load()?;
            let server = match server.or(config.server.clone()) {
                Some(server) => server.trim_end_matches('/').to_owned(),
                None => bail!("no server: pass --server URL"),
            };
            let email = match email {
                Some(email) => email,
                None => prompt("Email: ")?,
            };
            let session = password_session(&server, &email, password_stdin).await?;
            let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
            let name = format!("edgedrop CLI on {}", host.as_deref().unwrap_or("this machine"));
            let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            let created: Result<AccessTokenView> =
                session.post("/auth/tokens", &json!({ "name": name, "scopes": scopes })).await;
            end_session(&session).await;
            let created = created?;
            config.server = Some(server.clone());
            config.email = Some(email.clone());
            config.token = created.token.clone();
            config.token_id = Some(created.id.clone());
            let path = config.save()?;
            eprintln!("Signed in to {server} as {email}; token {} stored in {}", created.id, path.display());
        }
        Command::Logout => {
            let mut config = Config::load()?;
            if let (Ok(server), Some(token)) = (config.server(), config.token.clone()) {
                Api::new(&server, Some(token))?.delete("/auth/session").await?;
            }
            config.token = None;
            config.token_id = None;
            config.save()?;
            eprintln!("Signed out: the token is revoked and forgotten.");
        }
        Command::Upload { paths, folder, parallel, output } => {
            let api = signed_in()?;
            let items = upload::collect(&paths, &folder)?;
            let quiet = output.json || !std::io::stderr().is_terminal();
            let done = upload::run(&api, items, &upload::Options { parallel: parallel.into(), quiet }).await?;
            if output.json {
                print_json(&done)?;
            } else {
                for uploaded in &done {
                    println!("{}  {}  {}", uploaded.file.id, human(uploaded.file.size), file_path(&uploaded.file));
                }
            }
        }
        Command::Ls { folder, recursive, query, output } => {
            let api = signed_in()?;
            let folder = folder.or_else(|| (!recursive && query.is_none()).then(|| "/".to_owned()));
            let files = list(&api, folder.as_deref(), recursive, query.as_deref()).await?;
            if output.json {
                print_json(&files)?;
            } else {
                for file in &files {
                    println!("{}  {:>10}  {}  {}", file.id, human(file.size), file.updated_at, file_path(file));
                }
            }
        }
        Command::Download { file, output } => {
            let api = signed_in()?;
            let file = resolve(&api, &file).await?;
            let link: UrlView = api.get(&format!("/files/{}/download", file.id)).await?;
            download(&api, &file, &link.url, output).await?;
        }
        Command::Share { file, expires, max_downloads, password_stdin, output } => {
            let api = signed_in()?;
            let file = resolve(&api, &file).await?;
            let password = if password_stdin { Some(read_stdin_line()?) } else { None };
            let body = json!({ "expires_in": expires, "max_downloads": max_downloads, "password": password });
            let share: ShareView = api.post(&format!("/files/{}/share", file.id), &body).await?;
            if output.json {
                print_json(&share)?;
            } else {
                println!("{}", share.url.clone().unwrap_or_default());
            }
        }
        Command::Shares { file, output } => {
            let api = signed_in()?;
            let file = resolve(&api, &file).await?;
            let shares: ShareList = api.get(&format!("/files/{}/shares", file.id)).await?;
            if output.json {
                print_json(&shares.items)?;
            } else {
                for share in &shares.items {
                    let limit = share.max_downloads.map_or("unlimited".to_owned(), |n| n.to_string());
                    let expires = share.expires_at.clone().unwrap_or_else(|| "never".into());
                    println!(
                        "{}  downloads {}/{}  expires {}{}",
                        share.id,
                        share.download_count,
                        limit,
                        expires,
                        if share.password_protected { "  password" } else { "" }
                    );
                }
            }
        }
        Command::Revoke { file, share_id } => {
            let api = signed_in()?;
            let file = resolve(&api, &file).await?;
            api.delete(&format!("/files/{}/shares/{}", file.id, encode(&share_id))).await?;
            eprintln!("Revoked share {share_id} of {}", file_path(&file));
        }
        Command::Mv { file, dest, output } => {
            let api = signed_in()?;
            let file = resolve(&api, &file).await?;
            let body = if let Some(folder) = dest.strip_suffix('/') {
                json!({ "folder": if folder.is_empty() { "/" } else { folder } })
            } else if let Some((folder, name)) = dest.rsplit_once('/') {
                json!({ "folder": if folder.is_empty() { "/" } else { folder }, "name": name })
            } else {
                json!({ "name": dest })
            };
            let moved: FileView =
                api.json(api.request(Method::PATCH, &format!("/files/{}", file.id)).json(&body)).await?;
            if output.json {
                print_json(&moved)?;
            } else {
                println!("{}  {}", moved.id, file_path(&moved));
            }
        }
        Command::Rm { files } => {
            let api = signed_in()?;
            for spec in files {
                let file = resolve(&api, &spec).await?;
                api.delete(&format!("/files/{}", file.id)).await?;
                eprintln!("Deleted {}", file_path(&file));
            }
        }
        Command::Tokens { command } => tokens(command).await?,
    }
    Ok(())
}

async fn tokens(command: TokensCommand) -> Result<()> {
    match command {
        TokensCommand::List { output, password } => {
            let list: AccessTokenList =
                with_password_session(&password, async |api| api.get("/auth/tokens").await).await?;
            if output.json {
                print_json(&list.items)?;
            } else {
                for token in &list.items {
                    let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
                    println!(
                        "{}  {}  [{}]  expires {}  last used {}",
                        token.id,
                        token.name,
                        scopes.join(" "),
                        token.expires_at.as_deref().unwrap_or("never"),
                        token.last_used_at.as_deref().unwrap_or("never")
                    );
                }
            }
        }
        TokensCommand::Create { name, scopes, expires, output, password } => {
            let scopes = if scopes.is_empty() { Scope::ALL.to_vec() } else { scopes };
            let body = json!({ "name": name, "scopes": scopes, "expires_in": expires });
            let created: AccessTokenView =
                with_password_session(&password, async |api| api.post("/auth/tokens", &body).await).await?;
            if output.json {
                print_json(&created)?;
            } else {
                println!("{}", created.token.clone().unwrap_or_default());
                eprintln!("Token {} created; it is shown this once.", created.id);
            }
        }
        TokensCommand::Revoke { id, password } => {
            with_password_session(&password, async |api| api.delete(&format!("/auth/tokens/{}", encode(&id))).await)
                .await?;
            eprintln!("Revoked token {id}");
        }
    }
    Ok(())
}

/// Downloads `file` from the presigned `url` into `output`, through `<output>.part`, which
/// a later run resumes with `Range`; the result must have the file's size.
async fn download(api: &Api, file: &FileView, url: &str, output: Option<PathBuf>) -> Result<()> {
    let size = u64::try_from(file.size).unwrap_or(0);
    if output.as_deref() == Some(std::path::Path::new("-")) {
        let response = api.http.get(url).send().await.context("cannot reach the bucket")?;
        if !response.status().is_success() {
            return Err(api::failure(response).await.into());
        }
        let mut stdout = std::io::stdout().lock();
        let mut stream = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.context("the download broke off")?;
            written += chunk.len() as u64;
            stdout.write_all(&chunk)?;
        }
        if written != size {
            bail!("got {written} bytes of {size}");
        }
        return Ok(());
    }
    let output = output.unwrap_or_else(|| PathBuf::from(&file.name));
    let partial = PathBuf::from(format!("{}.part", output.display()));
    let mut have = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if have > size {
        std::fs::remove_file(&partial)?;
        have = 0;
    }
    let mut request = api.http.get(url);
    if have > 0 && have < size {
        request = request.header("range", format!("bytes={have}-"));
    }
    if have < size || size == 0 {
        let response = request.send().await.context("cannot reach the bucket")?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(api::failure(response).await.into());
        }
        if status == 200 {
            have = 0; // The whole file came back: start over.
        }
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(status == 206)
            .write(true)
            .truncate(status != 206)
            .open(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        let bar = if std::io::stderr().is_terminal() { ProgressBar::new(size) } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template(
                "{bytes:>10}/{total_bytes:<10} [{bar:30}] {binary_bytes_per_sec:>12} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(have);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.context("the download broke off; run the same command to resume")?;
            out.write_all(&chunk)?;
            bar.inc(chunk.len() as u64);
        }
        out.flush()?;
        bar.finish_and_clear();
    }
    let got = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if got != size {
        bail!("got {got} bytes of {size}; run the same command to resume");
    }
    std::fs::rename(&partial, &output).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!("Downloaded {} ({}) to {}", file_path(file), human(file.size), output.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("90"), Ok(90));
        for bad in ["", "0", "d", "7y", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_and_paths_are_told_apart() {
        assert!(is_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_id("/docs/a.txt"));
        assert!(!is_id("0123456789ABCDEF0123456789ABCDEF"));
    }
}
