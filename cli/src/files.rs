//! Naming files (by id or by path) and the commands on them: `ls`, `mv`, `rm` and `upload`.

use crate::account::signed_in;
use crate::api::{encode, Api, ApiFailure};
use crate::args::Output;
use crate::output::{file_path, human, print_json};
use crate::upload;
use anyhow::{bail, Result};
use edgedrop::views::{FilePage, FileView};
use reqwest::Method;
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Whether `text` is a file id (32 lowercase hex digits) rather than a path.
fn is_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The file `spec` names: an id, or a path `/folder/name`.
pub async fn resolve(api: &Api, spec: &str) -> Result<FileView> {
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

/// `edgedrop ls`: the root folder by default; everything with `--recursive` or `-q`
/// and no folder.
pub async fn ls(folder: Option<String>, recursive: bool, query: Option<String>, output: &Output) -> Result<()> {
    let api = signed_in()?;
    let folder = folder.or_else(|| (!recursive && query.is_none()).then(|| "/".to_owned()));
    let files = list(&api, folder.as_deref(), recursive, query.as_deref()).await?;
    if output.json {
        return print_json(&files);
    }
    for file in &files {
        println!("{}  {:>10}  {}  {}", file.id, human(file.size), file.updated_at, file_path(file));
    }
    Ok(())
}

/// The body of `PATCH /files/{id}` that `edgedrop mv FILE DEST` sends.
fn move_body(dest: &str) -> serde_json::Value {
    let root_if_empty = |folder: &str| if folder.is_empty() { "/".to_owned() } else { folder.to_owned() };
    if let Some(folder) = dest.strip_suffix('/') {
        json!({ "folder": root_if_empty(folder) })
    } else if let Some((folder, name)) = dest.rsplit_once('/') {
        json!({ "folder": root_if_empty(folder), "name": name })
    } else {
        json!({ "name": dest })
    }
}

/// `edgedrop mv FILE DEST`: a new name, a folder ending in `/`, or `/folder/name`.
pub async fn mv(file: &str, dest: &str, output: &Output) -> Result<()> {
    let api = signed_in()?;
    let file = resolve(&api, file).await?;
    let request = api.request(Method::PATCH, &format!("/files/{}", file.id)).json(&move_body(dest));
    let moved: FileView = api.json(request).await?;
    if output.json {
        return print_json(&moved);
    }
    println!("{}  {}", moved.id, file_path(&moved));
    Ok(())
}

/// `edgedrop rm FILE…`, one after the other; stops at the first that fails.
pub async fn rm(files: &[String]) -> Result<()> {
    let api = signed_in()?;
    for spec in files {
        let file = resolve(&api, spec).await?;
        api.delete(&format!("/files/{}", file.id)).await?;
        eprintln!("Deleted {}", file_path(&file));
    }
    Ok(())
}

/// `edgedrop upload PATH…`.
pub async fn upload(paths: &[PathBuf], folder: &str, options: upload::Options, output: &Output) -> Result<()> {
    let api = signed_in()?;
    let items = upload::collect(paths, folder)?;
    let options =
        upload::Options { quiet: options.quiet || output.json || !std::io::stderr().is_terminal(), ..options };
    let done = upload::run(&api, items, &options).await?;
    if output.json {
        return print_json(&done);
    }
    for uploaded in &done {
        println!("{}  {}  {}", uploaded.file.id, human(uploaded.file.size), file_path(&uploaded.file));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_paths_are_told_apart() {
        assert!(is_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_id("/docs/a.txt"));
        assert!(!is_id("0123456789ABCDEF0123456789ABCDEF"));
    }

    #[test]
    fn a_move_names_a_folder_a_name_or_both() {
        assert_eq!(move_body("/archive/"), json!({ "folder": "/archive" }));
        assert_eq!(move_body("/"), json!({ "folder": "/" }));
        assert_eq!(move_body("/archive/2024.pdf"), json!({ "folder": "/archive", "name": "2024.pdf" }));
        assert_eq!(move_body("/top.pdf"), json!({ "folder": "/", "name": "top.pdf" }));
        assert_eq!(move_body("new name.pdf"), json!({ "name": "new name.pdf" }));
    }
}
