//! `GET /files` query parameters and the opaque, tamper-evident keyset cursor.

use crate::error::ApiError;
use crate::model::{FolderPath, Id};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;

/// What a listing is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    CreatedAt,
    Name,
    Size,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    Desc,
}

/// The sort-key value of the last row of a page, from which the next page continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    Int(i64),
    Text(String),
}

/// Where the next page starts: strictly after the row with this key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    pub sort: SortKey,
    #[serde(rename = "o")]
    pub order: Order,
    #[serde(rename = "k")]
    pub key: KeyValue,
    #[serde(rename = "i")]
    pub id: String,
}

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks cursors, so that a client cannot forge one; keyed by the server secret.
pub struct CursorKey<'a>(pub &'a [u8]);

impl CursorKey<'_> {
    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        // Domain-separated from the JWT signatures made with the same secret.
        let mut mac = crate::auth::keyed_hmac(self.0);
        mac.update(b"edgedrop cursor v1\0");
        mac.update(payload);
        mac
    }

    /// The opaque text form of `cursor`.
    pub fn encode(&self, cursor: &Cursor) -> String {
        let payload = serde_json::to_vec(cursor).unwrap_or_default();
        let tag = self.mac(&payload).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(&tag[..16]))
    }

    /// The cursor `text` stands for, if this server made it.
    pub fn decode(&self, text: &str) -> Result<Cursor, ApiError> {
        let invalid = || ApiError::invalid("cursor", "is not a cursor this server issued");
        let (payload, tag) = text.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != 16 {
            return Err(invalid());
        }
        self.mac(&payload).verify_truncated_left(&tag).map_err(|_| invalid())?;
        serde_json::from_slice(&payload).map_err(|_| invalid())
    }
}

/// A validated `GET /files` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Lowercased substring the name must contain.
    pub search: Option<String>,
    pub folder: Option<FolderPath>,
    pub recursive: bool,
    pub limit: u32,
    pub sort: SortKey,
    pub order: Order,
    pub after: Option<Cursor>,
}

/// The case-folded form names are searched and sorted by.
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

impl ListQuery {
    /// The cursor of the page after the row with these values, in this listing's order.
    pub fn cursor_after(&self, created_at: i64, size: i64, name: &str, id: &str) -> Cursor {
        let key = match self.sort {
            SortKey::CreatedAt => KeyValue::Int(created_at),
            SortKey::Size => KeyValue::Int(size),
            SortKey::Name => KeyValue::Text(fold_case(name)),
        };
        Cursor { sort: self.sort, order: self.order, key, id: id.to_owned() }
    }

    /// Parses the query-string pairs of a listing request.
    pub fn parse(pairs: &[(String, String)], cursor_key: &CursorKey<'_>) -> Result<Self, ApiError> {
        let get = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let search = match get("q") {
            None | Some("") => None,
            Some(q) if q.len() > 255 || q.chars().any(char::is_control) => {
                return Err(ApiError::invalid("q", "must be at most 255 bytes without control characters"))
            }
            Some(q) => Some(fold_case(q)),
        };
        let folder = get("folder").map(|f| FolderPath::parse(f, "folder")).transpose()?;
        let recursive = match get("recursive") {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(ApiError::invalid("recursive", "must be true or false")),
        };
        let limit =
            match get("limit") {
                None => DEFAULT_LIMIT,
                Some(raw) => raw.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                    ApiError::invalid("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))
                })?,
            };
        let sort = match get("sort") {
            None | Some("created_at") => SortKey::CreatedAt,
            Some("name") => SortKey::Name,
            Some("size") => SortKey::Size,
            Some(_) => return Err(ApiError::invalid("sort", "must be created_at, name or size")),
        };
        let order = match get("order") {
            None | Some("desc") => Order::Desc,
            Some("asc") => Order::Asc,
            Some(_) => return Err(ApiError::invalid("order", "must be asc or desc")),
        };
        let after = match get("cursor") {
            None | Some("") => None,
            Some(text) => {
                let cursor = cursor_key.decode(text)?;
                let key_fits = matches!(
                    (cursor.sort, &cursor.key),
                    (SortKey::Name, KeyValue::Text(_)) | (SortKey::CreatedAt | SortKey::Size, KeyValue::Int(_))
                );
                if cursor.sort != sort || cursor.order != order || !key_fits || Id::parse(&cursor.id).is_none() {
                    return Err(ApiError::invalid("cursor", "belongs to a listing with another sort or order"));
                }
                Some(cursor)
            }
        };
        Ok(ListQuery { search, folder, recursive, limit, sort, order, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: CursorKey<'static> = CursorKey(b"0123456789abcdef0123456789abcdef");

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn cursor() -> Cursor {
        Cursor {
            sort: SortKey::Name,
            order: Order::Asc,
            key: KeyValue::Text("b.txt".into()),
            id: "0123456789abcdef0123456789abcdef".into(),
        }
    }

    #[test]
    fn defaults_are_newest_first_fifty_at_a_time() {
        let query = ListQuery::parse(&[], &KEY).unwrap();
        assert_eq!(
            (query.limit, query.sort, query.order, query.recursive),
            (50, SortKey::CreatedAt, Order::Desc, false)
        );
        assert_eq!((query.search, query.folder, query.after), (None, None, None));
    }

    #[test]
    fn cursors_round_trip_and_resist_tampering() {
        let text = KEY.encode(&cursor());
        assert_eq!(KEY.decode(&text).unwrap(), cursor());
        let (payload, tag) = text.split_once('.').unwrap();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(br#"{"s":"name","o":"asc","k":"a","i":"0123456789abcdef0123456789abcdef"}"#);
        for bad in [
            format!("{forged_payload}.{tag}"),
            format!("{payload}.AAAA"),
            format!("{payload}."),
            "garbage".into(),
            format!("{payload}.{tag}x"),
        ] {
            assert!(KEY.decode(&bad).is_err(), "{bad}");
        }
        assert!(CursorKey(b"another key entirely, also long").decode(&text).is_err());
    }

    #[test]
    fn a_cursor_only_continues_the_listing_it_came_from() {
        let text = KEY.encode(&cursor());
        let same = ListQuery::parse(&pairs(&[("sort", "name"), ("order", "asc"), ("cursor", &text)]), &KEY).unwrap();
        assert_eq!(same.after, Some(cursor()));
        let err = ListQuery::parse(&pairs(&[("sort", "size"), ("order", "asc"), ("cursor", &text)]), &KEY).unwrap_err();
        assert_eq!(err.problem().field.as_deref(), Some("cursor"));
    }

    #[test]
    fn out_of_range_and_malformed_parameters_name_their_field() {
        for (name, value) in [
            ("limit", "0"),
            ("limit", "1001"),
            ("limit", "100000"),
            ("limit", "-1"),
            ("limit", "ten"),
            ("limit", "1.5"),
            ("sort", "owner"),
            ("order", "up"),
            ("recursive", "yes"),
            ("folder", "relative"),
            ("q", "a\u{0}b"),
        ] {
            let err = ListQuery::parse(&pairs(&[(name, value)]), &KEY).unwrap_err();
            assert_eq!(err.problem().field.as_deref(), Some(name), "{name}={value}");
        }
    }

    #[test]
    fn searches_are_case_folded() {
        let query = ListQuery::parse(&pairs(&[("q", "ÉtÉ Report"), ("limit", "1000")]), &KEY).unwrap();
        assert_eq!(query.search.as_deref(), Some("été report"));
        assert_eq!(query.limit, 1000);
    }
}
