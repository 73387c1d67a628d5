//! `edgedrop`: the command line of an edgedrop server. Sign in once with `edgedrop login`
//! (it creates a personal access token and keeps it in the XDG config directory), then
//! upload, list, download and share files from scripts and terminals.

mod account;
mod api;
mod args;
mod config;
mod download;
mod files;
mod output;
mod shares;
mod upload;

use anyhow::Result;
use api::ApiFailure;
use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

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

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Login { server, email, password_stdin } => account::login(server, email, password_stdin).await,
        Command::Logout => account::logout().await,
        Command::Upload { paths, folder, parallel, part_size, verbose, output } => {
            let part_size = part_size.map(|mib| u64::from(mib) * 1024 * 1024);
            let options = upload::Options { parallel: parallel.into(), quiet: false, part_size, verbose };
            files::upload(&paths, &folder, options, &output).await
        }
        Command::Ls { folder, recursive, query, output } => files::ls(folder, recursive, query, &output).await,
        Command::Download { file, output } => download::run(&file, output).await,
        Command::Share { file, expires, max_downloads, password_stdin, output } => {
            let new = shares::NewShare { expires, max_downloads, password_stdin };
            shares::share(&file, new, &output).await
        }
        Command::Shares { file, output } => shares::shares(&file, &output).await,
        Command::Revoke { file, share_id } => shares::revoke(&file, &share_id).await,
        Command::Mv { file, dest, output } => files::mv(&file, &dest, &output).await,
        Command::Rm { files } => files::rm(&files).await,
        Command::Tokens { command } => account::tokens(command).await,
    }
}
