//! Validated values: user input becomes one of these through its one constructor,
//! and code past the routes only ever sees these types.

use crate::error::ApiError;
use serde::Serialize;

/// Longest accepted file name, in bytes (the common file-system limit).
pub const MAX_NAME_BYTES: usize = 255;
/// Longest accepted folder path, in bytes.
pub const MAX_FOLDER_BYTES: usize = 1024;
/// The longest lifetime a personal access token may be given: ten years, in seconds.
pub const MAX_TOKEN_LIFETIME_SECONDS: i64 = 10 * 366 * 24 * 3600;
/// Password length bounds, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1024;

/// True for C0 and C1 control characters, DEL, and the bidirectional formatting characters
/// (Unicode's `Bidi_Control`): never allowed in names or emails. The bidi controls make text
/// show as something else: `invoice\u{202E}fdp.exe` reads as `invoiceexe.pdf`.
fn is_control(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The characters of Unicode's `Bidi_Control` property: the Arabic letter mark, the
/// left-to-right and right-to-left marks, the embeddings and overrides (U+202A–202E) and
/// the isolates (U+2066–2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An email address, as typed (for display), with its [`canonical_email`] form (for
/// telling accounts apart: registration and login compare that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    typed: String,
    canonical: String,
}

impl Email {
    /// Accepts `local@domain.tld`, at most 254 bytes, without spaces or control characters.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let invalid = |why: &str| Err(ApiError::invalid("email", why));
        if raw.is_empty() || raw.len() > 254 {
            return invalid("must be 1 to 254 bytes long");
        }
        if raw.chars().any(|c| c.is_whitespace() || is_control(c)) {
            return invalid("must not contain spaces, control or bidirectional formatting characters");
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return invalid("must look like name@example.com");
        };
        let domain_ok =
            domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
                && domain.contains('.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return invalid("must look like name@example.com");
        }
        Ok(Email { typed: raw.to_owned(), canonical: canonical_email(raw) })
    }

    /// The address as typed.
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// The address as accounts are told apart by.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }
}

/// The form two spellings of one email address share, so that they are one account:
/// Unicode's canonical caseless match (NFD, full case folding) put back into NFC. `zoé`
/// written with `é` or with `e` and a combining accent, `ZOÉ`, and `Zoé` are all `zoé`;
/// full folding also makes `STRASSE` and `straße` one (`strasse`) and the Kelvin sign a `k`.
/// Folding lowercases the domain as well. For pure ASCII this is exactly ASCII lowercasing,
/// which is what the migration that introduced it could compute in SQL for existing rows.
///
/// Any text has a canonical form, so a login may look up whatever was typed.
pub fn canonical_email(raw: &str) -> String {
    use caseless::Caseless;
    use unicode_normalization::UnicodeNormalization;
    raw.chars().nfd().default_case_fold().nfc().collect()
}

/// A password of acceptable length. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Accepts 8 to 1024 characters.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let chars = raw.chars().count();
        if !PASSWORD_CHARS.contains(&chars) {
            return Err(ApiError::invalid("password", "must be 8 to 1024 characters long"));
        }
        Ok(Password(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A file name: 1 to 255 bytes, no `/`, no control or bidi formatting characters, not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    /// Parses a name given for the field `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        check_segment(raw, MAX_NAME_BYTES).map_err(|why| ApiError::invalid(field, why))?;
        Ok(FileName(raw.to_owned()))
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a path segment (a name, or a part of a folder) is refused, if it is.
fn check_segment(raw: &str, max_bytes: usize) -> Result<(), String> {
    if raw.is_empty() {
        return Err("must not be empty".into());
    }
    if raw.len() > max_bytes {
        return Err(format!("must be at most {max_bytes} bytes long"));
    }
    if raw.contains('/') {
        return Err("must not contain '/'".into());
    }
    if raw.chars().any(is_control) {
        return Err("must not contain control or bidirectional formatting characters".into());
    }
    if raw == "." || raw == ".." {
        return Err("must not be '.' or '..'".into());
    }
    Ok(())
}

/// A folder path: `/` or `/a/b` (leading `/`, no trailing `/`, no empty, `.` or `..`
/// segments, no control or bidi formatting characters, at most 1024 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FolderPath(String);

impl FolderPath {
    /// The root folder.
    pub fn root() -> Self {
        FolderPath("/".to_owned())
    }

    /// Parses a folder path given for the field `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        let invalid = |why: String| ApiError::invalid(field, why);
        if raw == "/" {
            return Ok(Self::root());
        }
        if raw.len() > MAX_FOLDER_BYTES {
            return Err(invalid(format!("must be at most {MAX_FOLDER_BYTES} bytes long")));
        }
        let Some(rest) = raw.strip_prefix('/') else {
            return Err(invalid("must start with '/'".into()));
        };
        for segment in rest.split('/') {
            check_segment(segment, MAX_NAME_BYTES).map_err(|why| invalid(format!("every folder segment {why}")))?;
        }
        Ok(FolderPath(raw.to_owned()))
    }

    /// The path as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix every strict sub-folder's path starts with (`/a/` for `/a`, `/` for the root).
    pub fn descendant_prefix(&self) -> String {
        if self.0 == "/" {
            "/".to_owned()
        } else {
            format!("{}/", self.0)
        }
    }
}

/// A media type such as `text/plain; charset=utf-8`, safe to echo in a signed response header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ContentType(String);

impl ContentType {
    /// What files without a declared type are stored as.
    pub fn octet_stream() -> Self {
        ContentType("application/octet-stream".to_owned())
    }

    /// Accepts `type/subtype` with optional parameters, printable ASCII, at most 255 bytes.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        let raw = raw.trim();
        let printable = raw.bytes().all(|b| (0x20..0x7f).contains(&b));
        let essence = raw.split(';').next().unwrap_or_default().trim();
        let well_formed = essence.split_once('/').is_some_and(|(kind, sub)| is_token(kind) && is_token(sub));
        if raw.len() > 255 || !printable || !well_formed {
            return Err(ApiError::invalid(field, "must be a media type such as text/plain"));
        }
        Ok(ContentType(raw.to_owned()))
    }

    /// The media type as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An RFC 9110 token: what a media type's type and subtype are made of.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// What a personal access token may do. Routes name the one they need
/// (`router::Route::scope`); a password session may do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// List, get and download files (and list folders).
    FilesRead,
    /// Upload (also directly to the bucket), rename, move and delete files.
    FilesWrite,
    /// Create, edit, list and revoke share links, and read their access logs.
    SharesWrite,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 3] = [Scope::FilesRead, Scope::FilesWrite, Scope::SharesWrite];

    /// The scope's name in the API (`files:read`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::FilesRead => "files:read",
            Scope::FilesWrite => "files:write",
            Scope::SharesWrite => "shares:write",
        }
    }

    /// The scope called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    /// The scope's bit in a [`Scopes`] set.
    fn bit(self) -> u8 {
        match self {
            Scope::FilesRead => 1,
            Scope::FilesWrite => 2,
            Scope::SharesWrite => 4,
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Scope::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown scope {name:?}")))
    }
}

/// The name of a personal access token: 1 to 100 characters, no control or bidi formatting
/// characters (kept as given: exactly what the OpenAPI document's pattern says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let name = raw;
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::invalid("name", "must be 1 to 100 characters long"));
        }
        if name.chars().any(is_control) {
            return Err(ApiError::invalid("name", "must not contain control or bidirectional formatting characters"));
        }
        Ok(TokenName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The owner's note on an upload request, shown to the guests: up to 2000 characters, no
/// control characters but line breaks and tabs, no bidirectional formatting characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNote(String);

impl RequestNote {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.chars().count() > 2000 {
            return Err(ApiError::invalid("note", "must be at most 2000 characters long"));
        }
        if raw.chars().any(|c| is_control(c) && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(ApiError::invalid("note", "must not contain control or bidirectional formatting characters"));
        }
        Ok(RequestNote(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-empty set of scopes: what one access token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope.
    pub fn all() -> Self {
        Scopes(Scope::ALL.iter().fold(0, |bits, scope| bits | scope.bit()))
    }

    /// The set of `names` (API names, duplicates allowed): a validation error on `scopes`
    /// for an unknown name or an empty list.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ApiError> {
        let mut bits = 0;
        for name in names {
            let scope = Scope::parse(name).ok_or_else(|| {
                ApiError::invalid("scopes", "must name only files:read, files:write and shares:write")
            })?;
            bits |= scope.bit();
        }
        Scopes::from_bits(bits).ok_or_else(|| ApiError::invalid("scopes", "must name at least one scope"))
    }

    /// The set of `bits`, when they name at least one scope and nothing else.
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits != 0 && bits & !Scopes::all().0 == 0).then_some(Scopes(bits))
    }

    /// The set as one byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether `scope` is in the set.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The scopes of the set, in [`Scope::ALL`] order.
    pub fn list(self) -> Vec<Scope> {
        Scope::ALL.into_iter().filter(|scope| self.contains(*scope)).collect()
    }

    /// The set as stored: names separated by spaces (`files:read files:write`).
    pub fn to_text(self) -> String {
        self.list().iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// The set stored as [`Scopes::to_text`] wrote it.
    pub fn from_text(text: &str) -> Option<Self> {
        Scopes::parse(text.split_whitespace()).ok()
    }
}

/// A server-generated identifier: 32 lowercase hex digits from 128 random bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// A fresh random id.
    pub fn generate() -> Result<Self, ApiError> {
        let bytes: [u8; 16] = crate::random::bytes()?;
        Ok(Id(hex(&bytes)))
    }

    /// Reads an id from a URL; anything that cannot be an id is `None`, which routes
    /// answer as "not found" rather than as a validation error.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Id(raw.to_owned()))
    }

    /// Wraps an id read back from the database.
    pub fn from_trusted(raw: String) -> Self {
        Id(raw)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The distinct files a link names (`file_ids`): 1 to `max` ids, in the order given, repeats
/// dropped. Something that cannot be an id is a file that does not exist (404), as in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIds(Vec<Id>);

impl FileIds {
    /// Reads `value`, the body's `field`.
    pub fn parse(value: &serde_json::Value, field: &str, max: usize) -> Result<Self, ApiError> {
        let invalid = || ApiError::invalid(field, format!("must be a list of 1 to {max} file ids"));
        let list = value.as_array().filter(|l| (1..=max).contains(&l.len())).ok_or_else(invalid)?;
        let mut ids: Vec<Id> = Vec::with_capacity(list.len());
        let mut seen = std::collections::HashSet::with_capacity(list.len());
        for item in list {
            let id = Id::parse(item.as_str().ok_or_else(invalid)?).ok_or(ApiError::FileNotFound)?;
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
        Ok(FileIds(ids))
    }

    pub fn as_slice(&self) -> &[Id] {
        &self.0
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The key under which a user's file lives in the bucket. Never derived from user input.
pub fn object_key(owner: &Id, file: &Id) -> String {
    format!("u/{}/{}", owner.as_str(), file.as_str())
}

/// An RFC 3339 UTC timestamp with milliseconds for a Unix time in milliseconds.
pub fn rfc3339(unix_millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(unix_millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A change to one field of a PATCH: keep it, or set it (to a value or to nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patch<T> {
    Keep,
    Set(T),
}

#[cfg(test)]
mod tests;
