//! Table tests of notification decoding: every seed example, amiboard's own
//! format, hostile input, and the lifecycle links, dedup and order helpers.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

mod amiboard;
mod hostile;
mod linking;
mod properties;
mod run_command;
mod seeds;

use serde_json::{Map, Value, json};

use super::{Notification, NotificationKind};

/// A fixture from `tests/fixtures/notifications/`.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/notifications/",
            $name
        ))
    };
}
pub(super) use fixture;

/// The SNS publish time `wrap` puts on every envelope.
pub(super) const PUBLISHED: &str = "2026-11-23T12:00:00Z";

/// `message` in an SNS envelope with String attributes, as SQS delivers it.
pub(super) fn wrap(message: &str, attributes: &[(&str, &str)]) -> String {
    let attributes: Map<String, Value> = attributes
        .iter()
        .map(|(name, value)| {
            (
                (*name).to_owned(),
                json!({"Type": "String", "Value": value}),
            )
        })
        .collect();
    json!({
        "Type": "Notification",
        "MessageId": "0c1d2e3f-0000-4000-8000-000000000001",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:amiboard-notifications",
        "Message": message,
        "Timestamp": PUBLISHED,
        "SignatureVersion": "1",
        "MessageAttributes": attributes,
    })
    .to_string()
}

/// `fixture` as JSON with `key` set to `value` (at the top level).
pub(super) fn with_field(fixture: &str, key: &str, value: Value) -> String {
    let mut parsed: Value = serde_json::from_str(fixture).unwrap();
    parsed[key] = value;
    parsed.to_string()
}

/// Every string a notification carries, to check none is unsafe.
pub(super) fn one_line_texts(n: &Notification) -> Vec<String> {
    let mut texts = vec![n.message_id.clone(), n.summary.clone()];
    texts.extend(n.topic_arn.clone());
    texts.extend(n.subject.clone());
    texts.extend(n.lifecycle_id.clone());
    texts.extend(n.ami_ids.iter().cloned());
    texts.extend(n.image_arn.clone());
    texts.extend(n.command_id.clone());
    texts.extend(n.status.clone());
    texts.extend(n.warnings.iter().cloned());
    match &n.kind {
        NotificationKind::Retirement {
            event,
            stack_tag,
            actor,
            reason,
            execution_arn,
            override_line,
            ..
        } => {
            texts.push(event.clone());
            texts.extend(
                [stack_tag, actor, reason, execution_arn, override_line]
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        NotificationKind::Lifecycle {
            stack_tag,
            actor,
            reason,
            execution_arn,
            ..
        } => texts.extend(
            [stack_tag, actor, reason, execution_arn]
                .into_iter()
                .flatten()
                .cloned(),
        ),
        NotificationKind::ImageBuilderImage {
            state,
            reason,
            image_arn,
            name,
            version,
            amis,
        } => {
            texts.push(state.clone());
            texts.extend(
                [reason, image_arn, name, version]
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            for ami in amis {
                texts.push(ami.ami_id.clone());
                texts.push(ami.region.clone());
                texts.extend(ami.name.clone());
            }
        }
        NotificationKind::AmiStateChange {
            state,
            ami_id,
            region,
            error_message,
        } => {
            texts.push(state.clone());
            texts.push(ami_id.clone());
            texts.extend([region, error_message].into_iter().flatten().cloned());
        }
        NotificationKind::RunCommand {
            command_id,
            instance_id,
            instance_ids,
            status,
            document_name,
            ..
        } => {
            texts.push(command_id.clone());
            texts.push(status.clone());
            texts.extend(instance_ids.iter().cloned());
            texts.extend([instance_id, document_name].into_iter().flatten().cloned());
        }
        NotificationKind::Raw => {}
    }
    texts
}
