//! The command line's shape: every subcommand, its arguments and its help text (clap's
//! derive), and the parsers of durations and scopes.

use clap::{Args, Parser, Subcommand};
use edgedrop::model::Scope;
use std::path::PathBuf;

/// Upload, list, download and share files on an edgedrop server.
///
/// Sign in once with `edgedrop login`; EDGEDROP_SERVER and EDGEDROP_TOKEN override what it
/// stored (for CI). Files are named by id or by path (`/folder/name`). Errors are one line
/// on stderr; the exit code is 1 for errors, 2 for bad usage, 3 when not signed in or not
/// allowed, 4 when something does not exist.
#[derive(Parser)]
#[command(name = "edgedrop", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// sent in parallel (a file no larger than one part in one PUT). An interrupted upload
    /// resumes: run the same command again and only the missing parts are sent.
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
        /// The size of each part in MiB, 5 to 1024 [default: 8]. A file larger than one part
        /// is sent in parts, so that it can resume; one no larger goes in one PUT.
        #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u32).range(5..=1024))]
        part_size: Option<u32>,
        /// Print how long each phase of each file took (create, parts, complete) on stderr.
        #[arg(short, long)]
        verbose: bool,
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
pub enum TokensCommand {
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
pub struct Output {
    /// Print JSON (stable; see the README) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PasswordArgs {
    /// Your email (default: the one you logged in with).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of stdin instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
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
}
