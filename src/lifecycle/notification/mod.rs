//! Decoding of the SNS notifications amiboard hears on its SQS queue, into
//! one safe, displayable [`Notification`] tied to a lifecycle where possible.
//!
//! [`decode`] takes an SQS message body: an SNS envelope (raw message
//! delivery off) or, failing that, the message itself. It never fails and
//! never panics: anything it cannot read becomes [`NotificationKind::Raw`]
//! with a warning, and every string it returns has been made safe for a
//! terminal by [`sanitize`].
//!
//! Sources understood:
//! - amiboard's own lifecycle messages (below);
//! - EC2 Image Builder image messages (`state.status` AVAILABLE / FAILED);
//! - `EventBridge` "EC2 AMI State Change" events (available / failed / deregistered);
//! - Systems Manager Run Command status messages, command summary and
//!   per-invocation, in `camelCase` and `PascalCase` spellings.
//!
//! # amiboard's lifecycle message
//!
//! Workflows publish one SNS message per event status change, with these
//! String message attributes (for subscription filters):
//! `lifecycle_id`, `stack_tag`, `event`, `status`; and this JSON `Message`:
//!
//! ```json
//! {"source": "amiboard", "kind": "lifecycle-event",
//!  "lifecycle_id": "2b4c443f-44fe-442f-a233-32fb5dac5e2c", "stack_tag": "web-frontend",
//!  "event": "SMOKE_TESTS", "stage": "creation", "status": "COMPLETED", "attempt": 1,
//!  "time": "2026-11-23T10:00:00Z", "actor": "arn:aws:sts::123456789012:assumed-role/r/s",
//!  "reason": null, "ami_ids": ["ami-0abc1234def567890"],
//!  "execution_arn": "arn:aws:states:eu-west-1:123456789012:execution:sm:run-1"}
//! ```
//!
//! - `source` is `"amiboard"` and `kind` is `"lifecycle-event"` (either one marks the message).
//! - `event`: amiboard's name (`AMI_BUILD`, `SMOKE_TESTS`, …) or the reference
//!   solution's (`SMOKE_TESTS_AMI_CREATE`, `VULNERABILIY_SCANS_AMI_CREATE`, …).
//! - `stage`: `"creation"` or `"patch-N"` (patch cycle N, from 1).
//! - `status`: `NOT_STARTED`, `IN_PROGRESS`, `COMPLETED`, `FAILED` or `ERROR`.
//! - `attempt`: 1 for the first trigger. `time`: RFC 3339 UTC, when the status changed.
//! - `actor`, `reason` (why it failed or was decided), `ami_ids`, `execution_arn`:
//!   optional; `null` or absent when unknown.
//!
//! When an attribute and the body disagree, the body wins (with a warning);
//! `lifecycle_id` is taken from either. A message whose body is not this JSON
//! but whose attributes carry `lifecycle_id` and `event` or `status` is still
//! decoded from the attributes.

mod amiboard;
mod apply;
mod ec2;
mod envelope;
mod imagebuilder;
mod json;
mod link;
mod order;
mod run_command;
pub mod sanitize;

#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use apply::apply_notification;
pub use link::{LinkIndex, Output, match_lifecycle, output_keys};

pub use order::{Deduper, compare_event_time, is_newer};

/// One notification as it arrived, tied to a lifecycle where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub notification: Notification,
    /// The lifecycle it names, or whose recorded outputs it matches.
    pub lifecycle_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

use super::{AmiOutput, EventKind, EventStatus, Phase, Stage};
use envelope::Envelope;
use sanitize::{MAX_BODY_BYTES, MAX_SUMMARY_CHARS};

/// One decoded notification. Every string in it is safe to display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The SNS `MessageId`; else an `EventBridge` event `id`; else a hash of the body.
    pub message_id: String,
    pub topic_arn: Option<String>,
    pub subject: Option<String>,
    /// When SNS published the message (its `Timestamp`).
    pub published_at: Option<DateTime<Utc>>,
    /// When the event happened, from the message; else `published_at`.
    pub event_time: Option<DateTime<Utc>>,
    pub source: Source,
    pub kind: NotificationKind,
    /// The lifecycle the message names (amiboard messages only).
    pub lifecycle_id: Option<String>,
    /// AMIs the message is about, to match against a lifecycle's outputs.
    pub ami_ids: Vec<String>,
    /// The Image Builder image ARN the message is about.
    pub image_arn: Option<String>,
    /// The Run Command id the message is about.
    pub command_id: Option<String>,
    /// The source's status word, normalised: `COMPLETED` (amiboard),
    /// `AVAILABLE` (Image Builder), `available` (EC2), `Timed Out` (Run Command).
    pub status: Option<String>,
    /// What the status means for a lifecycle event, when it means something.
    pub outcome: Option<EventStatus>,
    /// One line for lists and notices.
    pub summary: String,
    /// The message, pretty-printed when JSON, cut at 256 KiB.
    pub raw: String,
    /// Anything odd met while decoding, for a details view and the log.
    pub warnings: Vec<String>,
}

/// Who published a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Amiboard,
    ImageBuilder,
    Ec2,
    RunCommand,
    Unknown,
    /// Not a message: an event the lifecycle records show happened before
    /// the dashboard opened (its feed starts with the last hour of them).
    History,
}

impl Source {
    /// A short label for lists.
    pub fn label(self) -> &'static str {
        match self {
            Source::Amiboard => "amiboard",
            Source::ImageBuilder => "Image Builder",
            Source::Ec2 => "EC2",
            Source::RunCommand => "Run Command",
            Source::Unknown => "unknown",
            Source::History => "history",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a notification says, by source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationKind {
    /// amiboard's lifecycle message.
    Lifecycle {
        event: Option<EventKind>,
        status: Option<EventStatus>,
        /// The stage from `stage` (`creation`, `patch-N`).
        stage: Option<Stage>,
        /// The phase from `stage` or implied by a reference event name.
        phase: Option<Phase>,
        stack_tag: Option<String>,
        attempt: Option<u32>,
        actor: Option<String>,
        reason: Option<String>,
        execution_arn: Option<String>,
    },
    /// An EC2 Image Builder image message.
    ImageBuilderImage {
        /// Upper case: `AVAILABLE`, `FAILED`, …
        state: String,
        reason: Option<String>,
        image_arn: Option<String>,
        name: Option<String>,
        version: Option<String>,
        amis: Vec<AmiOutput>,
    },
    /// An `EventBridge` "EC2 AMI State Change" event.
    AmiStateChange {
        /// Lower case: `available`, `failed`, `deregistered`.
        state: String,
        ami_id: String,
        region: Option<String>,
        error_message: Option<String>,
    },
    /// A Run Command status message.
    RunCommand {
        command_id: String,
        /// The one node of a per-invocation message (or of a v1 summary).
        instance_id: Option<String>,
        /// The nodes a summary names (only when targeted by instance id).
        instance_ids: Vec<String>,
        /// `In Progress`, `Success`, `Failed`, `Timed Out`, `Canceled`, …
        status: String,
        /// A per-invocation message rather than a command summary.
        per_invocation: bool,
        document_name: Option<String>,
    },
    /// amiboard's retirement message (`kind` `retirement`): deprecate,
    /// disable, delete or restore of a stage's AMIs.
    Retirement {
        /// `RETIRE_DEPRECATE`, `RETIRE_DISABLE`, `RETIRE_DELETE` or `RESTORE`.
        event: String,
        status: Option<EventStatus>,
        stage: Option<Stage>,
        stack_tag: Option<String>,
        attempt: Option<u32>,
        actor: Option<String>,
        reason: Option<String>,
        execution_arn: Option<String>,
        /// Who overrode the in-production or in-use rule, and why.
        override_line: Option<String>,
    },
    /// Anything else, shown as it came.
    Raw,
}

/// What one source decoder read from a message; `decode` adds the envelope.
struct Decoded {
    source: Source,
    kind: NotificationKind,
    lifecycle_id: Option<String>,
    ami_ids: Vec<String>,
    image_arn: Option<String>,
    command_id: Option<String>,
    status: Option<String>,
    outcome: Option<EventStatus>,
    event_time: Option<DateTime<Utc>>,
    summary: String,
}

impl Decoded {
    fn new(source: Source, kind: NotificationKind, summary: String) -> Self {
        Decoded {
            source,
            kind,
            lifecycle_id: None,
            ami_ids: Vec::new(),
            image_arn: None,
            command_id: None,
            status: None,
            outcome: None,
            event_time: None,
            summary,
        }
    }
}

/// Decodes an SQS message body (bytes that may not be UTF-8: bad sequences
/// become U+FFFD, with a warning).
pub fn decode_bytes(body: &[u8]) -> Notification {
    let text = String::from_utf8_lossy(body);
    let mut notification = decode(&text);
    // Lossy conversion allocates only when it replaced something.
    if matches!(text, std::borrow::Cow::Owned(_)) {
        notification
            .warnings
            .push("body was not valid UTF-8; bad bytes were replaced".to_owned());
    }
    notification
}

/// Decodes an SQS message body. Never fails, never panics.
pub fn decode(body: &str) -> Notification {
    let mut warnings = Vec::new();
    let body = sanitize::truncate_bytes(body, MAX_BODY_BYTES, &mut warnings);
    let env = envelope::open(body, &mut warnings);
    let decoded = detect(&env, &mut warnings).unwrap_or_else(|| unknown(&env));
    let lifecycle_id = decoded
        .lifecycle_id
        .or_else(|| env.attribute("lifecycle_id").map(str::to_owned));
    let raw = match &env.value {
        Some(value) => serde_json::to_string_pretty(value).unwrap_or_else(|_| env.message.clone()),
        None => env.message.clone(),
    };
    let raw = sanitize::raw_text(&raw, MAX_BODY_BYTES, &mut warnings);
    Notification {
        message_id: message_id(&env, body),
        topic_arn: env.topic_arn.clone(),
        subject: env.subject.clone(),
        published_at: env.timestamp,
        event_time: decoded.event_time.or(env.timestamp),
        source: decoded.source,
        kind: decoded.kind,
        lifecycle_id,
        ami_ids: decoded.ami_ids,
        image_arn: decoded.image_arn,
        command_id: decoded.command_id,
        status: decoded.status,
        outcome: decoded.outcome,
        summary: sanitize::one_line(&decoded.summary, MAX_SUMMARY_CHARS),
        raw,
        warnings: warnings
            .iter()
            .map(|w| sanitize::one_line(w, MAX_SUMMARY_CHARS))
            .collect(),
    }
}

/// Tries each source in turn on the message, then amiboard's attributes.
fn detect(env: &Envelope, warnings: &mut Vec<String>) -> Option<Decoded> {
    if let Some(value) = &env.value {
        if let Some(found) = amiboard::decode(value, env, warnings) {
            return Some(found);
        }
        if let Some(found) = ec2::decode(value, warnings) {
            return Some(found);
        }
        if let Some(found) = imagebuilder::decode(value) {
            return Some(found);
        }
        if let Some(found) = run_command::decode(value, warnings) {
            return Some(found);
        }
    }
    amiboard::from_attributes(env, warnings)
}

/// A message no decoder knows: summarised by its subject, its `EventBridge`
/// source and detail type, or its first line.
fn unknown(env: &Envelope) -> Decoded {
    let event_bridge = env.value.as_ref().and_then(|v| {
        let source = json::text(v, "source")?;
        let detail_type = json::text(v, "detail-type")?;
        Some(format!("{source}: {detail_type}"))
    });
    let first_line = env.message.lines().find(|l| !l.trim().is_empty());
    let summary = env
        .subject
        .clone()
        .or(event_bridge)
        .or_else(|| first_line.map(str::to_owned))
        .unwrap_or_else(|| "(empty message)".to_owned());
    Decoded::new(Source::Unknown, NotificationKind::Raw, summary)
}

/// A stable id for deduplication: SNS `MessageId`, `EventBridge` `id`, or an
/// FNV-1a hash of the body.
fn message_id(env: &Envelope, body: &str) -> String {
    if let Some(id) = &env.message_id {
        return id.clone();
    }
    let event_id = env
        .value
        .as_ref()
        .filter(|v| json::get(v, "detail-type").is_some())
        .and_then(|v| json::text(v, "id"));
    if let Some(id) = event_id {
        return id;
    }
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("body-{hash:016x}")
}

/// `json::text`, for decoders that read a nested object.
fn text_in(value: Option<&Value>, key: &str) -> Option<String> {
    value.and_then(|v| json::text(v, key))
}
