//! Hostile input: garbage, huge, deeply nested, invalid UTF-8 and
//! escape-laden messages decode without panicking, and nothing a terminal
//! would interpret survives in any displayed string.

use serde_json::json;

use super::super::sanitize::{MAX_BODY_BYTES, is_inert};
use super::super::{Notification, NotificationKind, Source, decode, decode_bytes};
use super::{fixture, one_line_texts, wrap};

/// Escape sequences and controls an attacker might plant.
const NASTY: &str = "\u{1b}[2J\u{1b}[31mred\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]0;title\u{1b}\\\
                     \u{9b}6n\u{9d}8;;http://x\u{9c}back\u{8}\u{8}cr\roverride\u{202e}txt.exe\u{2066}\u{2069}\u{0}\u{7f}";

fn assert_safe(n: &Notification, what: &str) {
    for text in one_line_texts(n) {
        assert!(
            is_inert(&text, false),
            "{what}: unsafe one-line text {text:?}"
        );
        assert!(!text.contains('\u{1b}'), "{what}: ESC in {text:?}");
    }
    assert!(is_inert(&n.raw, true), "{what}: unsafe raw");
    assert!(!n.summary.contains('\n'), "{what}: summary spans lines");
    assert!(
        n.raw.len() <= MAX_BODY_BYTES + 64,
        "{what}: raw is {} bytes",
        n.raw.len()
    );
}

#[test]
fn garbage_becomes_raw_with_no_panic() {
    let cases = [
        "",
        " ",
        "null",
        "[]",
        "{}",
        "123",
        "true",
        "\"text\"",
        "{\"Type\":\"Notification\"}",
        "{\"Type\":1,\"Message\":{},\"MessageId\":[]}",
        "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"Message\":null}",
        "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"Message\":{\"state\":{\"status\":7}}}",
        "{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":\"[1,2\"}",
        "{{{{",
        "}}}}",
        "\u{0}\u{0}",
        "{\"detail-type\":\"EC2 AMI State Change\"}",
        "{\"detail-type\":\"EC2 AMI State Change\",\"detail\":[]}",
        "{\"commandId\":{},\"status\":[]}",
        "{\"state\":{\"status\":\"AVAILABLE\"}}",
        "{\"source\":\"amiboard\"}",
        "{\"kind\":\"lifecycle-event\",\"attempt\":-4,\"ami_ids\":{}}",
        "{\"source\":\"amiboard\",\"time\":12,\"event\":[],\"status\":{}}",
    ];
    for body in cases {
        let n = decode(body);
        assert!(!n.message_id.is_empty(), "{body}");
        assert!(!n.summary.is_empty(), "{body}");
        assert_safe(&n, body);
    }
    let n = decode("{\"broken\": [1, 2");
    assert_eq!(
        (n.source, &n.kind),
        (Source::Unknown, &NotificationKind::Raw)
    );
    assert_eq!(n.warnings.len(), 1);
    assert_eq!(n.raw, "{\"broken\": [1, 2");
}

#[test]
fn unknown_messages_are_kept_raw() {
    let event = json!({"version": "0", "id": "ev-1", "detail-type": "EC2 Instance State-change Notification",
                       "source": "aws.ec2", "detail": {"instance-id": "i-1", "state": "running"}});
    let n = decode(&wrap(&event.to_string(), &[]));
    assert_eq!(
        (n.source, &n.kind),
        (Source::Unknown, &NotificationKind::Raw)
    );
    assert_eq!(n.summary, "aws.ec2: EC2 Instance State-change Notification");
    assert!(n.raw.contains("\"instance-id\": \"i-1\""), "{}", n.raw);
    assert!(n.warnings.is_empty());
    assert_eq!(decode(&event.to_string()).message_id, "ev-1");

    let n = decode(&wrap("\n\n  Hello from ops\nsecond line", &[]));
    assert_eq!(n.summary, "Hello from ops");
    let same = decode("plain body");
    assert_eq!(same.message_id, decode("plain body").message_id);
    assert_ne!(same.message_id, decode("plain body!").message_id);
}

#[test]
fn huge_messages_are_cut_with_a_warning() {
    let huge_text = "x".repeat(MAX_BODY_BYTES * 2);
    let n = decode(&huge_text);
    assert_eq!(n.raw.len(), MAX_BODY_BYTES);
    assert_eq!(n.warnings.len(), 1, "{:?}", n.warnings);
    assert_safe(&n, "huge text");

    let big_reason = "é\u{1b}".repeat(MAX_BODY_BYTES / 2);
    let body = wrap(
        &json!({"source": "amiboard", "lifecycle_id": "lc", "reason": big_reason}).to_string(),
        &[],
    );
    let n = decode(&body);
    assert!(!n.warnings.is_empty());
    assert_safe(&n, "huge envelope");

    let fits = wrap(
        &json!({"source": "amiboard", "lifecycle_id": "lc", "reason": "r".repeat(200_000)})
            .to_string(),
        &[],
    );
    let n = decode(&fits);
    assert_eq!(n.lifecycle_id.as_deref(), Some("lc"));
    assert!(n.summary.chars().count() <= 201, "{}", n.summary.len());
    assert_safe(&n, "long reason");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let depth = 100_000;
    let cases = [
        "[".repeat(depth),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
    ];
    for body in &cases {
        let n = decode(body);
        assert_eq!(n.kind, NotificationKind::Raw);
        assert!(!n.warnings.is_empty());
        assert_safe(&n, "deep");
        let n = decode(&wrap(body, &[]));
        assert_eq!(n.kind, NotificationKind::Raw);
        assert_safe(&n, "deep in envelope");
    }
    // Nesting within serde_json's limit still decodes and pretty-prints.
    let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let body = json!({"source": "amiboard", "lifecycle_id": "lc", "extra": serde_json::from_str::<serde_json::Value>(&nested).unwrap()});
    assert_eq!(
        decode(&body.to_string()).lifecycle_id.as_deref(),
        Some("lc")
    );
}

#[test]
fn invalid_utf8_is_replaced() {
    let mut bytes = br#"{"source":"amiboard","lifecycle_id":"lc-"#.to_vec();
    bytes.extend([0xff, 0xfe, 0x9b, 0xc3]);
    bytes.extend(br"\u001b[2J\u009b6n");
    bytes.extend(br#"","status":"COMPLETED"}"#);
    let n = decode_bytes(&bytes);
    assert_eq!(n.source, Source::Amiboard);
    assert!(
        n.lifecycle_id
            .as_deref()
            .unwrap()
            .starts_with("lc-\u{fffd}")
    );
    assert_eq!(n.warnings.len(), 1, "{:?}", n.warnings);
    assert_safe(&n, "invalid utf-8");
    assert_safe(&decode_bytes(&[0x80, 0x9b, 0x1b, 0xff]), "bytes");
}

#[test]
fn escapes_never_survive_anywhere() {
    let amiboard = json!({"source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": NASTY,
        "stack_tag": NASTY, "event": NASTY, "stage": NASTY, "status": NASTY, "attempt": NASTY,
        "time": NASTY, "actor": NASTY, "reason": NASTY, "ami_ids": [NASTY], "execution_arn": NASTY});
    let image = json!({"arn": format!("arn:aws:imagebuilder:{NASTY}"), "name": NASTY, "version": NASTY,
        "buildVersion": NASTY, "state": {"status": NASTY, "reason": NASTY},
        "outputResources": {"amis": [{"image": NASTY, "region": NASTY, "name": NASTY}]}});
    let ec2 = json!({"detail-type": "EC2 AMI State Change", "source": NASTY, "region": NASTY, "time": NASTY,
        "detail": {"ImageId": NASTY, "State": NASTY, "ErrorMessage": NASTY}});
    let run = json!({"commandId": NASTY, "status": NASTY, "documentName": NASTY, "instanceId": NASTY,
        "instanceIds": [NASTY], "eventTime": NASTY});
    let unknown = json!({NASTY: NASTY, "source": NASTY, "detail-type": NASTY});
    let attributes = [
        ("lifecycle_id", NASTY),
        ("event", NASTY),
        ("status", NASTY),
        (NASTY, NASTY),
    ];
    for message in [&amiboard, &image, &ec2, &run, &unknown] {
        let text = message.to_string();
        for body in [
            text.clone(),
            wrap(&text, &attributes),
            wrap(NASTY, &attributes),
        ] {
            let n = decode(&body);
            assert_safe(&n, &body);
        }
    }
    let envelope = json!({"Type": NASTY, "MessageId": NASTY, "TopicArn": NASTY, "Subject": NASTY,
        "Message": NASTY, "Timestamp": NASTY, "MessageAttributes": {NASTY: {"Type": NASTY, "Value": NASTY}}});
    assert_safe(&decode(&envelope.to_string()), "envelope fields");
    assert_safe(&decode(NASTY), "bare");
}

#[test]
fn cut_and_mutated_fixtures_never_panic() {
    let fixtures = [
        fixture!("imagebuilder-available.json"),
        fixture!("ec2-ami-failed.json"),
        fixture!("run-command-summary-v1.json"),
        fixture!("amiboard-lifecycle-envelope.json"),
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for fixture in fixtures {
        for cut in (0..fixture.len())
            .step_by(7)
            .filter(|i| fixture.is_char_boundary(*i))
        {
            assert_safe(&decode(&fixture[..cut]), "cut");
        }
        let bytes = fixture.as_bytes();
        for _ in 0..200 {
            let mut mutated = bytes.to_vec();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = usize::try_from(seed % bytes.len() as u64).unwrap();
                mutated[at] = b"\x1b\x9b\"{}[]:,\\\x00\x07\r\x80\xff"
                    [usize::try_from(seed >> 59).unwrap() % 15];
            }
            assert_safe(&decode_bytes(&mutated), "mutated");
        }
    }
}
