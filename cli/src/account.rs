//! Signing in and out, and personal access tokens: `login`, `logout`, `tokens …`. What
//! tokens may not do (manage tokens) runs in a short password session, ended at once.

use crate::api::{encode, Api};
use crate::args::{Output, PasswordArgs, TokensCommand};
use crate::config::Config;
use crate::output::print_json;
use anyhow::{bail, Context, Result};
use edgedrop::model::Scope;
use edgedrop::views::{AccessTokenList, AccessTokenView};
use serde_json::json;
use std::io::{BufRead, Write};

/// The API with the stored (or given) server and token.
pub fn signed_in() -> Result<Api> {
    let config = Config::load()?;
    Api::new(&config.server()?, Some(config.token()?))
}

/// The first line of stdin, without its line ending.
pub fn read_stdin_line() -> Result<String> {
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

/// `edgedrop login`: a token with every scope, stored with the server and the email.
pub async fn login(server: Option<String>, email: Option<String>, password_stdin: bool) -> Result<()> {
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
    Ok(())
}

/// `edgedrop logout`: revokes the stored token and forgets it.
pub async fn logout() -> Result<()> {
    let mut config = Config::load()?;
    if let (Ok(server), Some(token)) = (config.server(), config.token.clone()) {
        Api::new(&server, Some(token))?.delete("/auth/session").await?;
    }
    config.token = None;
    config.token_id = None;
    config.save()?;
    eprintln!("Signed out: the token is revoked and forgotten.");
    Ok(())
}

/// `edgedrop tokens list|create|revoke`.
pub async fn tokens(command: TokensCommand) -> Result<()> {
    match command {
        TokensCommand::List { output, password } => list_tokens(&output, &password).await,
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
            Ok(())
        }
        TokensCommand::Revoke { id, password } => {
            with_password_session(&password, async |api| api.delete(&format!("/auth/tokens/{}", encode(&id))).await)
                .await?;
            eprintln!("Revoked token {id}");
            Ok(())
        }
    }
}

async fn list_tokens(output: &Output, password: &PasswordArgs) -> Result<()> {
    let list: AccessTokenList = with_password_session(password, async |api| api.get("/auth/tokens").await).await?;
    if output.json {
        return print_json(&list.items);
    }
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
    Ok(())
}
