//! `edgedrop download`: from the presigned URL the API hands out, into `OUT.part`, which a
//! later run resumes with `Range`; renamed into place once it has the file's size.

use crate::account::signed_in;
use crate::api::{self, Api};
use crate::files::resolve;
use crate::output::{file_path, human};
use anyhow::{bail, Context, Result};
use edgedrop::views::{FileView, UrlView};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// `edgedrop download FILE [-o OUT]`.
pub async fn run(file: &str, output: Option<PathBuf>) -> Result<()> {
    let api = signed_in()?;
    let file = resolve(&api, file).await?;
    let link: UrlView = api.get(&format!("/files/{}/download", file.id)).await?;
    download(&api, &file, &link.url, output).await
}

/// Downloads `file` from the presigned `url` into `output`, through `<output>.part`, which
/// a later run resumes with `Range`; the result must have the file's size.
async fn download(api: &Api, file: &FileView, url: &str, output: Option<PathBuf>) -> Result<()> {
    let size = u64::try_from(file.size).unwrap_or(0);
    if output.as_deref() == Some(std::path::Path::new("-")) {
        return to_stdout(api, url, size).await;
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

/// Streams the file to stdout (no resuming: there is nothing to resume into).
async fn to_stdout(api: &Api, url: &str, size: u64) -> Result<()> {
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
    Ok(())
}
