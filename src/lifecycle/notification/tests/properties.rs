//! Property tests: any bytes in, no panic and no control character out of
//! the decoders; the sanitiser's output is always inert.

use proptest::prelude::*;

use super::super::sanitize::{field, is_inert, markdown_cell, sanitize};
use super::super::{Notification, decode_bytes};

/// Every string of a decoded notification a screen may show, with whether
/// it may span lines.
fn shown(n: &Notification) -> Vec<(&str, bool)> {
    let mut out = vec![(n.message_id.as_str(), false), (n.summary.as_str(), false)];
    out.push((n.raw.as_str(), true));
    for text in [
        &n.topic_arn,
        &n.subject,
        &n.lifecycle_id,
        &n.image_arn,
        &n.command_id,
        &n.status,
    ]
    .into_iter()
    .flatten()
    {
        out.push((text.as_str(), false));
    }
    out.extend(n.ami_ids.iter().map(|a| (a.as_str(), false)));
    out.extend(n.warnings.iter().map(|w| (w.as_str(), false)));
    out
}

/// Text rich in what terminals interpret: escapes, C1, bidi, separators.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("\u{1b}]52;c;cm0gLXJmIH4=\u{7}".to_string()),
            Just("\u{1b}[2J".to_string()),
            Just("\u{9b}31m".to_string()),
            Just("\u{202e}".to_string()),
            Just("\u{2066}".to_string()),
            Just("\u{2028}".to_string()),
            Just("\r\n\t\u{7f}\u{0}".to_string()),
            Just("\"".to_string()),
            Just("|".to_string()),
            "[a-zA-Z0-9 :{}\\[\\],.-]{0,12}",
            any::<char>().prop_map(String::from),
        ],
        0..24,
    );
    pieces.prop_map(|p| p.concat())
}

/// An SNS envelope around `message`, with hostile attributes and subject.
fn envelope(message: &str, subject: &str, attribute: &str) -> String {
    serde_json::json!({
        "Type": "Notification",
        "MessageId": format!("m-{subject}"),
        "TopicArn": format!("arn:aws:sns:us-east-1:123456789012:{attribute}"),
        "Subject": subject,
        "Message": message,
        "Timestamp": "2026-11-23T12:00:00Z",
        "MessageAttributes": {
            "lifecycle_id": {"Type": "String", "Value": attribute},
            "status": {"Type": "String", "Value": subject},
        },
    })
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_decode_without_panic_and_show_nothing_raw(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let n = decode_bytes(&bytes);
        for (text, multi_line) in shown(&n) {
            prop_assert!(is_inert(text, multi_line), "{text:?}");
        }
    }

    #[test]
    fn hostile_envelopes_decode_to_inert_text(
        message in hostile_text(),
        subject in hostile_text(),
        attribute in hostile_text(),
    ) {
        let n = decode_bytes(envelope(&message, &subject, &attribute).as_bytes());
        for (text, multi_line) in shown(&n) {
            prop_assert!(is_inert(text, multi_line), "{text:?}");
        }
    }

    #[test]
    fn hostile_amiboard_messages_decode_to_inert_text(reason in hostile_text(), id in hostile_text()) {
        let message = serde_json::json!({
            "source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": id,
            "event": "SMOKE_TESTS", "status": "FAILED", "reason": reason,
            "time": "2026-11-23T12:00:00Z", "ami_ids": [id],
        })
        .to_string();
        let n = decode_bytes(envelope(&message, "s", "t").as_bytes());
        for (text, multi_line) in shown(&n) {
            prop_assert!(is_inert(text, multi_line), "{text:?}");
        }
    }

    #[test]
    fn the_sanitiser_leaves_nothing_a_terminal_would_interpret(text in hostile_text()) {
        prop_assert!(is_inert(&sanitize(&text), true));
        prop_assert!(is_inert(&field(&text), false));
        let cell = markdown_cell(&text);
        prop_assert!(is_inert(&cell, false));
        prop_assert!(!cell.contains('\n'));
        prop_assert!(cell.chars().zip(cell.chars().skip(1)).all(|(a, b)| b != '|' || a == '\\'));
    }
}
