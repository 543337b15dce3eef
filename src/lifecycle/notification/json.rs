//! Lenient readers over `serde_json::Value` shared by the source decoders:
//! case-insensitive keys (Run Command spells fields both `commandId` and
//! `CommandId`), strings made safe on the way out, and RFC 3339 times.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::sanitize;

/// The value under `key`, matched exactly first, then ignoring ASCII case.
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The raw text under `key`, untouched, when it is a non-empty string.
pub fn raw_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The text under `key`, made safe and one line. Numbers and booleans are
/// written out; null, empty strings, arrays and objects give `None`.
pub fn text(value: &Value, key: &str) -> Option<String> {
    match get(value, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(sanitize::field(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A non-negative count under `key`, from a number or a numeric string.
pub fn count(value: &Value, key: &str) -> Option<u32> {
    match get(value, key)? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The strings of the array under `key`, made safe; a lone string counts as one.
pub fn strings(value: &Value, key: &str) -> Vec<String> {
    match get(value, key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(sanitize::field)
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![sanitize::field(s)],
        _ => Vec::new(),
    }
}

/// An RFC 3339 time under `key`. A present but unreadable time adds a warning.
pub fn time(value: &Value, key: &str, warnings: &mut Vec<String>) -> Option<DateTime<Utc>> {
    let text = raw_str(value, key)?;
    let parsed = parse_time(text);
    if parsed.is_none() {
        warnings.push(format!(
            "unreadable {key} {:?}; using the SNS timestamp",
            sanitize::one_line(text, 40)
        ));
    }
    parsed
}

/// Parses an RFC 3339 time such as `2016-04-26T13:15:30Z` or `…30.000Z`.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_either_case() {
        let v = json!({"CommandId": "c-1", "commandId": "c-2", "Status": "Success"});
        assert_eq!(text(&v, "commandId").as_deref(), Some("c-2"));
        assert_eq!(text(&v, "status").as_deref(), Some("Success"));
        assert_eq!(text(&v, "missing"), None);
        assert_eq!(text(&json!("not an object"), "status"), None);
    }

    #[test]
    fn lenient_values() {
        let v = json!({"n": 3, "s": "4", "neg": -1, "big": 1_u64 << 40, "e": " ",
                       "list": ["a", 1, "", "b"], "one": "c", "null": null});
        assert_eq!(count(&v, "n"), Some(3));
        assert_eq!(count(&v, "s"), Some(4));
        assert_eq!(count(&v, "neg"), None);
        assert_eq!(count(&v, "big"), None);
        assert_eq!(text(&v, "e"), None);
        assert_eq!(text(&v, "null"), None);
        assert_eq!(strings(&v, "list"), ["a", "b"]);
        assert_eq!(strings(&v, "one"), ["c"]);
        assert!(strings(&v, "n").is_empty());
    }

    #[test]
    fn times() {
        let mut warnings = Vec::new();
        let v = json!({"a": "2016-04-26T13:15:30Z", "b": "2016-04-26T13:15:30.000Z",
                       "c": "yyyy-mm-ddThh:mm:ssZ"});
        assert!(time(&v, "a", &mut warnings).is_some());
        assert_eq!(time(&v, "a", &mut warnings), time(&v, "b", &mut warnings));
        assert!(warnings.is_empty());
        assert_eq!(time(&v, "c", &mut warnings), None);
        assert_eq!(warnings.len(), 1);
        assert_eq!(time(&v, "missing", &mut warnings), None);
        assert_eq!(warnings.len(), 1);
    }
}
