//! What the commands print: `--json` documents (stable; see the README) and the text rows
//! of people's terminals.

use anyhow::Result;
use edgedrop::views::FileView;

/// Prints `value` as the `--json` output of a command.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A size for people: `512 B`, `1.5 MiB`.
pub fn human(bytes: i64) -> String {
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

/// A file's path: `/folder/name`.
pub fn file_path(file: &FileView) -> String {
    if file.folder == "/" {
        format!("/{}", file.name)
    } else {
        format!("{}/{}", file.folder, file.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(256 * 1024 * 1024), "256.0 MiB");
    }
}
