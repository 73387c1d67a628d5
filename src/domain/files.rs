//! Files: what a form upload is called and where it goes, from its fields, the query
//! string and the file part's own filename.

use crate::error::ApiError;
use crate::model::{ContentType, FileName, FolderPath};

/// What a form upload carried besides the file bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormFields {
    /// The `filename` of the `file` part.
    pub file_name: Option<String>,
    /// The `Content-Type` of the `file` part.
    pub content_type: Option<String>,
    /// The `name` text field.
    pub name: Option<String>,
    /// The `folder` text field.
    pub folder: Option<String>,
    /// Bytes stored.
    pub size: u64,
}

/// A form upload's name and folder from the query string, used when the form has none.
#[derive(Debug, Default)]
pub struct FormDefaults {
    pub name: Option<FileName>,
    pub folder: Option<FolderPath>,
}

/// The lifetimes a deployment allows for files (`MAX_FILE_TTL_SECONDS`,
/// `DEFAULT_FILE_TTL_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTtlPolicy {
    /// The longest lifetime a file may ask for, in seconds.
    pub max_seconds: u64,
    /// What a file asking for none gets; `None`: such files never expire.
    pub default_seconds: Option<u64>,
}

impl FileTtlPolicy {
    /// How long a file asking for `expires_in` seconds (or the default) lives, in seconds
    /// (`None`: for ever): 422 on `expires_in` when it is 0 or beyond the maximum.
    pub fn lifetime(&self, expires_in: Option<u64>) -> Result<Option<u64>, ApiError> {
        let max = self.max_seconds;
        match expires_in.or(self.default_seconds) {
            Some(seconds) if seconds == 0 || seconds > max => {
                Err(ApiError::invalid("expires_in", format!("must be from 1 to {max} seconds")))
            }
            lifetime => Ok(lifetime),
        }
    }

    /// When a file stored at `now` asking for `expires_in` seconds (or the default) expires.
    pub fn expiry(&self, now: i64, expires_in: Option<u64>) -> Result<Option<i64>, ApiError> {
        Ok(self.lifetime(expires_in)?.map(|seconds| super::millis_after(now, seconds)))
    }

    /// A file's new expiry, `text` (RFC 3339), set at `now`: in the future and no further
    /// than the maximum; 422 on `expires_at` otherwise. Returns Unix milliseconds.
    pub fn expiry_at(&self, now: i64, text: &str) -> Result<i64, ApiError> {
        let at = chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|_| ApiError::invalid("expires_at", "must be an RFC 3339 time, like 2030-01-31T12:00:00Z"))?
            .timestamp_millis();
        let latest = super::millis_after(now, self.max_seconds);
        if at <= now || at > latest {
            return Err(ApiError::invalid(
                "expires_at",
                format!("must be in the future, at most {} seconds from now", self.max_seconds),
            ));
        }
        Ok(at)
    }
}

/// How a download is to be presented: as an attachment, or shown in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    pub inline: bool,
    /// The `Content-Type` the bucket answers with.
    pub content_type: String,
}

/// How a file of `content_type` is served when the client asks for it `inline` (a preview)
/// or not: inline only for types a browser shows without running anything of the file's
/// (images but SVG, which may hold script; PDF; audio; video; plain text, as UTF-8 so that
/// no other charset is guessed); everything else, and anything not asked inline, stays an
/// attachment with its own type.
pub fn presentation(content_type: &str, inline: bool) -> Presentation {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let shown = match essence.split_once('/') {
        Some(("image", "svg+xml")) => None,
        Some(("image" | "audio" | "video", sub)) if !sub.is_empty() => Some(essence.clone()),
        Some(("application", "pdf")) => Some(essence.clone()),
        Some(("text", "plain")) => Some("text/plain; charset=utf-8".to_owned()),
        _ => None,
    };
    match shown.filter(|_| inline) {
        Some(content_type) => Presentation { inline: true, content_type },
        None => Presentation { inline: false, content_type: content_type.to_owned() },
    }
}

/// What a file is called, where it lives, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    pub name: FileName,
    pub folder: FolderPath,
    pub content_type: ContentType,
}

impl FileMeta {
    /// From a form's fields: a `name` field wins over the query's, which wins over the file
    /// part's filename; a missing or unusable part type is stored as `application/octet-stream`.
    pub fn from_form(fields: &FormFields, defaults: FormDefaults) -> Result<Self, ApiError> {
        let name = match (&fields.name, defaults.name, &fields.file_name) {
            (Some(name), _, _) => FileName::parse(name, "name")?,
            (None, Some(name), _) => name,
            (None, None, Some(file_name)) => FileName::parse(file_name, "file")?,
            (None, None, None) => {
                return Err(ApiError::invalid("name", "give a 'name' field or a filename on the 'file' part"))
            }
        };
        let folder = match (&fields.folder, defaults.folder) {
            (Some(folder), _) => FolderPath::parse(folder, "folder")?,
            (None, Some(folder)) => folder,
            (None, None) => FolderPath::root(),
        };
        let content_type = fields
            .content_type
            .as_deref()
            .and_then(|c| ContentType::parse(c, "file").ok())
            .unwrap_or_else(ContentType::octet_stream);
        Ok(FileMeta { name, folder, content_type })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: Option<&str>, folder: Option<&str>, file_name: Option<&str>, kind: Option<&str>) -> FormFields {
        FormFields {
            name: name.map(str::to_owned),
            folder: folder.map(str::to_owned),
            file_name: file_name.map(str::to_owned),
            content_type: kind.map(str::to_owned),
            size: 0,
        }
    }

    fn defaults(name: Option<&str>, folder: Option<&str>) -> FormDefaults {
        FormDefaults {
            name: name.map(|n| FileName::parse(n, "name").unwrap()),
            folder: folder.map(|f| FolderPath::parse(f, "folder").unwrap()),
        }
    }

    #[test]
    fn the_name_field_wins_then_the_query_then_the_filename() {
        let all = fields(Some("field.txt"), None, Some("part.txt"), None);
        assert_eq!(FileMeta::from_form(&all, defaults(Some("query.txt"), None)).unwrap().name.as_str(), "field.txt");
        let no_field = fields(None, None, Some("part.txt"), None);
        let meta = FileMeta::from_form(&no_field, defaults(Some("query.txt"), None)).unwrap();
        assert_eq!(meta.name.as_str(), "query.txt");
        assert_eq!(FileMeta::from_form(&no_field, defaults(None, None)).unwrap().name.as_str(), "part.txt");
        let nothing = FileMeta::from_form(&fields(None, None, None, None), defaults(None, None)).unwrap_err();
        assert_eq!(nothing.problem().field.as_deref(), Some("name"));
    }

    #[test]
    fn the_folder_field_wins_over_the_query_and_the_root_is_the_default() {
        let meta = FileMeta::from_form(&fields(None, Some("/f"), Some("a"), None), defaults(None, Some("/q"))).unwrap();
        assert_eq!(meta.folder.as_str(), "/f");
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), None), defaults(None, Some("/q"))).unwrap();
        assert_eq!(meta.folder.as_str(), "/q");
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), None), defaults(None, None)).unwrap();
        assert_eq!(meta.folder.as_str(), "/");
        let bad = FileMeta::from_form(&fields(None, Some("no-slash"), Some("a"), None), defaults(None, None));
        assert_eq!(bad.unwrap_err().problem().field.as_deref(), Some("folder"));
    }

    #[test]
    fn a_bad_filename_names_the_file_part_and_a_bad_type_falls_back() {
        let bad = FileMeta::from_form(&fields(None, None, Some("a/b"), None), defaults(None, None)).unwrap_err();
        assert_eq!(bad.problem().field.as_deref(), Some("file"));
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), Some("not a type")), defaults(None, None));
        assert_eq!(meta.unwrap().content_type, ContentType::octet_stream());
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), Some("image/png")), defaults(None, None));
        assert_eq!(meta.unwrap().content_type.as_str(), "image/png");
    }

    #[test]
    fn a_files_lifetime_follows_the_request_the_default_and_the_maximum() {
        let policy = FileTtlPolicy { max_seconds: 100, default_seconds: None };
        assert_eq!(policy.expiry(1_000, None), Ok(None), "no default: never expires");
        assert_eq!(policy.expiry(1_000, Some(100)), Ok(Some(101_000)));
        assert!(policy.expiry(1_000, Some(101)).is_err() && policy.expiry(1_000, Some(0)).is_err());
        let defaulted = FileTtlPolicy { default_seconds: Some(10), ..policy };
        assert_eq!(defaulted.expiry(0, None), Ok(Some(10_000)));
    }

    #[test]
    fn a_new_expiry_is_an_rfc3339_time_in_the_future_within_the_maximum() {
        let policy = FileTtlPolicy { max_seconds: 3600, default_seconds: None };
        let now = 1_700_000_000_000; // 2023-11-14T22:13:20Z
        assert_eq!(policy.expiry_at(now, "2023-11-14T22:43:20Z"), Ok(now + 1_800_000));
        assert_eq!(policy.expiry_at(now, "2023-11-15T00:43:20.000+02:00"), Ok(now + 1_800_000), "offsets count");
        for bad in [
            "2023-11-14T22:13:20Z",
            "2023-11-15T00:13:20+02:00",
            "2023-11-14T23:13:21Z",
            "tomorrow",
            "2023-11-14 22:43:20",
            "",
        ] {
            let refused = policy.expiry_at(now, bad).unwrap_err();
            assert_eq!(refused.problem().field.as_deref(), Some("expires_at"), "{bad}");
        }
    }

    #[test]
    fn only_types_a_browser_shows_without_running_them_are_served_inline() {
        let inline = |t: &str| presentation(t, true);
        for (asked, served) in [
            ("image/png", "image/png"),
            ("IMAGE/JPEG", "image/jpeg"),
            ("application/pdf", "application/pdf"),
            ("audio/mpeg", "audio/mpeg"),
            ("video/mp4; codecs=avc1", "video/mp4"),
            ("text/plain", "text/plain; charset=utf-8"),
            ("text/plain; charset=iso-8859-1", "text/plain; charset=utf-8"),
        ] {
            assert_eq!(inline(asked), Presentation { inline: true, content_type: served.into() }, "{asked}");
        }
        for kept in
            ["image/svg+xml", "text/html", "application/xhtml+xml", "application/javascript", "text/xml", "image/", "x"]
        {
            assert_eq!(inline(kept), Presentation { inline: false, content_type: kept.into() }, "{kept}");
        }
        assert_eq!(presentation("image/png", false), Presentation { inline: false, content_type: "image/png".into() });
    }
}
