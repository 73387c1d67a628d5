//! Reading fields out of a JSON request body, with errors that name the field.

use crate::error::ApiError;
use crate::model::Patch;
use serde_json::{Map, Value};

/// A JSON request body that is an object.
pub type Object = Map<String, Value>;

/// The body as a JSON object: 400 when it is not JSON, 422 when it is not an object. An
/// empty body is an empty object when `empty_ok`.
pub fn parse_object(body: &[u8], empty_ok: bool) -> Result<Object, ApiError> {
    if empty_ok && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid("body", "must be a JSON object")),
        Err(e) => Err(ApiError::MalformedJson(e.to_string())),
    }
}

/// A string field that may be absent (but not null).
pub fn optional_str<'a>(body: &'a Object, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(field, "must be a string")),
    }
}

/// A string field that may be absent or null.
pub fn nullable_str<'a>(body: &'a Object, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        Some(Value::Null) => Ok(None),
        _ => optional_str(body, field),
    }
}

/// A string field that must be there.
pub fn required_str<'a>(body: &'a Object, field: &str) -> Result<&'a str, ApiError> {
    optional_str(body, field)?.ok_or_else(|| ApiError::invalid(field, "is required"))
}

/// A required list of strings (`what` names its items in the error: "scope names").
pub fn required_str_list<'a>(body: &'a Object, field: &str, what: &str) -> Result<Vec<&'a str>, ApiError> {
    let not_a_list = || ApiError::invalid(field, format!("must be a list of {what}"));
    match body.get(field) {
        Some(Value::Array(items)) => items.iter().map(|item| item.as_str().ok_or_else(not_a_list)).collect(),
        Some(_) => Err(not_a_list()),
        None => Err(ApiError::invalid(field, "is required")),
    }
}

/// A JSON number that is a whole number (`3` or `3.0`, as JSON Schema's `integer` has it).
pub fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64()?;
        (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
    })
}

fn int_in(value: &Value, field: &str, range: &std::ops::RangeInclusive<i64>) -> Result<i64, ApiError> {
    whole_number(value).filter(|n| range.contains(n)).ok_or_else(|| {
        ApiError::invalid(field, format!("must be a whole number from {} to {}", range.start(), range.end()))
    })
}

/// A whole-number field within `range`, absent or null as `None`.
pub fn optional_int(body: &Object, field: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => int_in(value, field, &range).map(Some),
    }
}

/// A whole-number field that must be there.
pub fn required_int(body: &Object, field: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, ApiError> {
    optional_int(body, field, range)?.ok_or_else(|| ApiError::invalid(field, "is required"))
}

/// A field of a PATCH: absent keeps the value, null removes it, a value sets it.
pub fn patch_field<T>(
    body: &Object,
    field: &str,
    parse: impl FnOnce(&Value) -> Result<T, ApiError>,
) -> Result<Patch<Option<T>>, ApiError> {
    match body.get(field) {
        None => Ok(Patch::Keep),
        Some(Value::Null) => Ok(Patch::Set(None)),
        Some(value) => parse(value).map(|v| Patch::Set(Some(v))),
    }
}

/// A PATCH field holding a whole number within `range`.
pub fn patch_int(
    body: &Object,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Patch<Option<i64>>, ApiError> {
    patch_field(body, field, |value| int_in(value, field, &range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert_eq!(parse_object(b"{\"a\":1", false).unwrap_err().problem().code, "malformed_json");
        assert_eq!(parse_object(b"[1]", false).unwrap_err().problem().field.as_deref(), Some("body"));
        assert_eq!(parse_object(b"", false).unwrap_err().problem().code, "malformed_json");
        assert!(parse_object(b"  ", true).unwrap().is_empty());
    }

    #[test]
    fn fields_of_the_wrong_type_or_range_name_themselves() {
        let body = object(json!({ "s": 1, "n": "1", "big": 10, "frac": 1.5, "ok": 3, "float": 4.0 }));
        assert_eq!(optional_str(&body, "s").unwrap_err().problem().field.as_deref(), Some("s"));
        let nulls = object(json!({ "n": null }));
        assert!(optional_str(&nulls, "n").is_err(), "null is not a string");
        assert_eq!(nullable_str(&nulls, "n").unwrap(), None);
        assert_eq!(optional_int(&body, "n", 1..=5).unwrap_err().problem().field.as_deref(), Some("n"));
        assert!(optional_int(&body, "big", 1..=5).is_err());
        assert!(optional_int(&body, "frac", 1..=5).is_err());
        assert_eq!(optional_int(&body, "ok", 1..=5).unwrap(), Some(3));
        assert_eq!(optional_int(&body, "float", 1..=5).unwrap(), Some(4), "JSON Schema counts 4.0 as an integer");
        assert_eq!(optional_int(&body, "absent", 1..=5).unwrap(), None);
        assert_eq!(required_int(&body, "absent", 1..=5).unwrap_err().problem().field.as_deref(), Some("absent"));
    }

    #[test]
    fn patches_tell_absent_from_null() {
        let body = object(json!({ "gone": null, "set": 4 }));
        assert_eq!(patch_int(&body, "absent", 1..=5).unwrap(), Patch::Keep);
        assert_eq!(patch_int(&body, "gone", 1..=5).unwrap(), Patch::Set(None));
        assert_eq!(patch_int(&body, "set", 1..=5).unwrap(), Patch::Set(Some(4)));
        assert!(patch_int(&body, "set", 5..=6).is_err());
    }
}
