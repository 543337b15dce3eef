//! Opens the SNS envelope an SQS body carries when raw message delivery is
//! off (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`,
//! `MessageAttributes`). A body that is no envelope is the message itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{json, sanitize};

/// What the envelope said, and the message inside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    /// Whether the body was an SNS envelope at all.
    pub is_sns: bool,
    /// The SNS `Type`, e.g. `Notification` or `SubscriptionConfirmation`.
    pub sns_type: Option<String>,
    pub message_id: Option<String>,
    pub topic_arn: Option<String>,
    pub subject: Option<String>,
    /// When SNS published the message.
    pub timestamp: Option<DateTime<Utc>>,
    /// The `MessageAttributes` values by name, made safe.
    pub attributes: BTreeMap<String, String>,
    /// The message text as received: untrusted, never displayed unsanitised.
    pub message: String,
    /// The message parsed as JSON, when it is JSON.
    pub value: Option<Value>,
}

impl Envelope {
    /// A message attribute, when present and non-empty.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Opens `body`, noting anything odd in `warnings`. Never fails.
pub fn open(body: &str, warnings: &mut Vec<String>) -> Envelope {
    let parsed = parse_json(body, "body", warnings);
    let Some(outer) = parsed else {
        return Envelope {
            message: body.to_owned(),
            ..Envelope::default()
        };
    };
    if !is_sns(&outer) {
        return Envelope {
            message: body.to_owned(),
            value: Some(outer),
            ..Envelope::default()
        };
    }
    let sns_type = json::text(&outer, "Type");
    if let Some(other) = sns_type.as_deref().filter(|t| *t != "Notification") {
        warnings.push(format!("SNS {other} message, not a notification"));
    }
    let (message, value) = match outer.get("Message") {
        Some(Value::String(text)) => {
            let value = parse_json(text, "SNS Message", warnings);
            (text.clone(), value)
        }
        Some(other @ (Value::Object(_) | Value::Array(_))) => {
            (other.to_string(), Some(other.clone()))
        }
        Some(Value::Null) | None => (String::new(), None),
        Some(other) => (other.to_string(), None),
    };
    Envelope {
        is_sns: true,
        sns_type,
        message_id: json::text(&outer, "MessageId"),
        topic_arn: json::text(&outer, "TopicArn"),
        subject: json::text(&outer, "Subject"),
        timestamp: json::time(&outer, "Timestamp", warnings),
        attributes: attributes(&outer),
        message,
        value,
    }
}

/// An SNS envelope has a `Type` and a `Message`, and a `MessageId` or `TopicArn`.
fn is_sns(value: &Value) -> bool {
    value.get("Type").is_some_and(Value::is_string)
        && value.get("Message").is_some()
        && (value.get("MessageId").is_some() || value.get("TopicArn").is_some())
}

/// `MessageAttributes` as `{name: {Type, Value}}`; a bare string value is accepted too.
fn attributes(outer: &Value) -> BTreeMap<String, String> {
    let Some(map) = outer.get("MessageAttributes").and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(name, attribute)| {
            let value = match attribute {
                Value::String(bare) => sanitize::field(bare),
                _ => json::text(attribute, "Value")?,
            };
            Some((sanitize::field(name), value))
        })
        .collect()
}

/// Parses text that should be JSON. Plain text is no error; text that starts
/// like JSON but does not parse gives a warning. A JSON string that itself
/// holds a JSON object (double encoding) is unwrapped once.
fn parse_json(text: &str, what: &str, warnings: &mut Vec<String>) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"')) {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::String(inner)) if inner.trim_start().starts_with('{') => {
            serde_json::from_str(&inner).ok()
        }
        Ok(value) => Some(value),
        Err(error) => {
            warnings.push(format!(
                "{what} is not valid JSON ({}); shown raw",
                sanitize::one_line(&error.to_string(), 120)
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn opens_an_envelope() {
        let body = json!({
            "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:1:t",
            "Subject": "hi", "Message": "{\"a\":1}", "Timestamp": "2026-11-23T10:00:00.123Z",
            "MessageAttributes": {"lifecycle_id": {"Type": "String", "Value": "lc-1"},
                                  "attempt": {"Type": "Number", "Value": "2"},
                                  "odd": {"Type": "String"}}
        })
        .to_string();
        let mut warnings = Vec::new();
        let env = open(&body, &mut warnings);
        assert!(env.is_sns);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(env.message_id.as_deref(), Some("m-1"));
        assert_eq!(env.subject.as_deref(), Some("hi"));
        assert_eq!(env.attribute("lifecycle_id"), Some("lc-1"));
        assert_eq!(env.attribute("attempt"), Some("2"));
        assert_eq!(env.attribute("odd"), None);
        assert_eq!(env.value.unwrap()["a"], 1);
        assert!(env.timestamp.is_some());
    }

    #[test]
    fn a_body_without_envelope_is_the_message() {
        let cases = [
            ("{\"detail\":{}}", true, 0),
            ("plain text", false, 0),
            ("{\"broken\": ", false, 1),
            ("\"{\\\"a\\\":1}\"", true, 0),
        ];
        for (body, has_value, warning_count) in cases {
            let mut warnings = Vec::new();
            let env = open(body, &mut warnings);
            assert!(!env.is_sns, "{body}");
            assert_eq!(env.message, body);
            assert_eq!(env.value.is_some(), has_value, "{body}");
            assert_eq!(warnings.len(), warning_count, "{body}: {warnings:?}");
        }
    }

    #[test]
    fn malformed_inner_message_and_other_types_warn() {
        let body = json!({"Type": "SubscriptionConfirmation", "MessageId": "m",
                          "Message": "{nope", "Timestamp": "soon"})
        .to_string();
        let mut warnings = Vec::new();
        let env = open(&body, &mut warnings);
        assert!(env.is_sns);
        assert_eq!(env.value, None);
        assert_eq!(env.message, "{nope");
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }
}
