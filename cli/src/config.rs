//! Where the CLI keeps what `edgedrop login` stored: `config.toml` in the XDG config
//! directory (`$XDG_CONFIG_HOME/edgedrop/`, `~/.config/edgedrop/` by default), readable by
//! its owner only. `EDGEDROP_SERVER` and `EDGEDROP_TOKEN` override it (for CI).

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Config {
    /// The server, e.g. `https://files.example.com`.
    pub server: Option<String>,
    /// The email `login` signed in with (asked again for nothing but `tokens`).
    pub email: Option<String>,
    /// The personal access token `login` created.
    pub token: Option<String>,
    /// Its id, so `logout` can say which token it revoked.
    pub token_id: Option<String>,
}

pub fn config_dir() -> Result<PathBuf> {
    Ok(dirs::config_dir().context("no configuration directory (set XDG_CONFIG_HOME)")?.join("edgedrop"))
}

/// Where interrupted uploads are remembered, to be resumed.
pub fn state_dir() -> Result<PathBuf> {
    let base = dirs::state_dir().or_else(dirs::cache_dir).context("no state directory (set XDG_STATE_HOME)")?;
    Ok(base.join("edgedrop").join("uploads"))
}

pub fn path() -> Result<PathBuf> {
    Ok(config_dir()?.join("config.toml"))
}

impl Config {
    pub fn load() -> Result<Config> {
        let path = path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("{} is not valid", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save(&self) -> Result<PathBuf> {
        let path = path()?;
        let dir = config_dir()?;
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let text = toml::to_string(self).context("cannot write the configuration")?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).with_context(|| format!("cannot write {}", path.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        Ok(path)
    }

    /// The server to talk to: `EDGEDROP_SERVER`, else the stored one.
    pub fn server(&self) -> Result<String> {
        match std::env::var("EDGEDROP_SERVER").ok().filter(|s| !s.is_empty()).or_else(|| self.server.clone()) {
            Some(server) => Ok(server.trim_end_matches('/').to_owned()),
            None => bail!("no server: run `edgedrop login --server URL` or set EDGEDROP_SERVER"),
        }
    }

    /// The token to send: `EDGEDROP_TOKEN`, else the stored one.
    pub fn token(&self) -> Result<String> {
        match std::env::var("EDGEDROP_TOKEN").ok().filter(|s| !s.is_empty()).or_else(|| self.token.clone()) {
            Some(token) => Ok(token),
            None => bail!("not signed in: run `edgedrop login` or set EDGEDROP_TOKEN"),
        }
    }
}
