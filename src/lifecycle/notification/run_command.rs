//! Systems Manager Run Command status messages: the command summary and the
//! per-invocation message, spelt `camelCase` (`commandId`) or `PascalCase`
//! (`CommandId`), with statuses spelt `Timed Out` or `TimedOut`.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Decoded, EventStatus, NotificationKind, Source, json};

/// Fields only a command summary carries; a message with none of them but
/// an `instanceId` is per invocation.
const SUMMARY_ONLY: [&str; 4] = [
    "expiresAfter",
    "outputS3BucketName",
    "outputS3KeyPrefix",
    "instanceIds",
];

/// Decodes a message with a `commandId` and a `status`.
pub(super) fn decode(value: &Value, warnings: &mut Vec<String>) -> Option<Decoded> {
    let command_id = json::text(value, "commandId")?;
    let raw_status = json::text(value, "status")?;
    let (status, outcome) = normalise(&raw_status).map_or_else(
        || {
            warnings.push(format!("unknown Run Command status {raw_status:?}"));
            (raw_status.clone(), None)
        },
        |(word, outcome)| (word.to_owned(), outcome),
    );
    let document_name = json::text(value, "documentName");
    let instance_id = json::text(value, "instanceId");
    let instance_ids = json::strings(value, "instanceIds");
    let per_invocation =
        instance_id.is_some() && SUMMARY_ONLY.iter().all(|k| json::get(value, k).is_none());

    let mut summary = format!(
        "Run Command {}",
        document_name.as_deref().unwrap_or("command")
    );
    let _ = write!(summary, " {command_id}");
    if per_invocation && let Some(instance) = &instance_id {
        let _ = write!(summary, " on {instance}");
    }
    let _ = write!(summary, ": {status}");

    let mut decoded = Decoded::new(Source::RunCommand, NotificationKind::Raw, summary);
    decoded.command_id = Some(command_id.clone());
    decoded.status = Some(status.clone());
    decoded.outcome = outcome;
    decoded.event_time = json::time(value, "eventTime", warnings);
    decoded.kind = NotificationKind::RunCommand {
        command_id,
        instance_id,
        instance_ids,
        status,
        per_invocation,
        document_name,
    };
    Some(decoded)
}

/// The documented spelling of a status and what it means for the smoke
/// tests: a failed command is a negative outcome, a command that timed out
/// or was cancelled is broken work.
pub(super) fn normalise(status: &str) -> Option<(&'static str, Option<EventStatus>)> {
    let key: String = status
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(match key.as_str() {
        "pending" => ("Pending", Some(EventStatus::InProgress)),
        "inprogress" => ("In Progress", Some(EventStatus::InProgress)),
        "delayed" => ("Delayed", Some(EventStatus::InProgress)),
        "success" | "succeeded" => ("Success", Some(EventStatus::Completed)),
        "failed" => ("Failed", Some(EventStatus::Failed)),
        "timedout" => ("Timed Out", Some(EventStatus::Error)),
        "deliverytimedout" => ("Delivery Timed Out", Some(EventStatus::Error)),
        "executiontimedout" => ("Execution Timed Out", Some(EventStatus::Error)),
        "canceled" | "cancelled" => ("Canceled", Some(EventStatus::Error)),
        "canceling" | "cancelling" => ("Canceling", Some(EventStatus::InProgress)),
        "undeliverable" => ("Undeliverable", Some(EventStatus::Error)),
        "terminated" => ("Terminated", Some(EventStatus::Error)),
        _ => return None,
    })
}
