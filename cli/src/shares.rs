//! Share links of a file: `share` (prints the URL), `shares` (lists them), `revoke`.

use crate::account::{read_stdin_line, signed_in};
use crate::api::encode;
use crate::args::Output;
use crate::files::resolve;
use crate::output::{file_path, print_json};
use anyhow::Result;
use edgedrop::views::{ShareList, ShareView};
use serde_json::json;

/// What `edgedrop share` asks for.
pub struct NewShare {
    pub expires: Option<u64>,
    pub max_downloads: Option<u32>,
    pub password_stdin: bool,
}

/// `edgedrop share FILE`: creates a link and prints its URL.
pub async fn share(file: &str, new: NewShare, output: &Output) -> Result<()> {
    let api = signed_in()?;
    let file = resolve(&api, file).await?;
    let password = if new.password_stdin { Some(read_stdin_line()?) } else { None };
    let body = json!({ "expires_in": new.expires, "max_downloads": new.max_downloads, "password": password });
    let share: ShareView = api.post(&format!("/files/{}/share", file.id), &body).await?;
    if output.json {
        return print_json(&share);
    }
    println!("{}", share.url.clone().unwrap_or_default());
    Ok(())
}

/// `edgedrop shares FILE`: its links, with their downloads and expiry.
pub async fn shares(file: &str, output: &Output) -> Result<()> {
    let api = signed_in()?;
    let file = resolve(&api, file).await?;
    let shares: ShareList = api.get(&format!("/files/{}/shares", file.id)).await?;
    if output.json {
        return print_json(&shares.items);
    }
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
    Ok(())
}

/// `edgedrop revoke FILE SHARE_ID`.
pub async fn revoke(file: &str, share_id: &str) -> Result<()> {
    let api = signed_in()?;
    let file = resolve(&api, file).await?;
    api.delete(&format!("/files/{}/shares/{}", file.id, encode(share_id))).await?;
    eprintln!("Revoked share {share_id} of {}", file_path(&file));
    Ok(())
}
