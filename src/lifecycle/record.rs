//! The record each event of a lifecycle keeps: status, attempt, times, actor,
//! reason, execution and outputs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventKind, EventStatus};

/// One AMI an event produced, in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmiOutput {
    pub region: String,
    pub ami_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Vulnerability findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VulnerabilityCounts {
    #[serde(default)]
    pub critical: u32,
    #[serde(default)]
    pub high: u32,
    #[serde(default)]
    pub medium: u32,
    #[serde(default)]
    pub low: u32,
    #[serde(default)]
    pub informational: u32,
}

impl VulnerabilityCounts {
    pub fn total(&self) -> u32 {
        self.critical
            .saturating_add(self.high)
            .saturating_add(self.medium)
            .saturating_add(self.low)
            .saturating_add(self.informational)
    }

    /// A compact summary such as `C0 H2 M5 L9`.
    pub fn summary(&self) -> String {
        format!(
            "C{} H{} M{} L{}",
            self.critical, self.high, self.medium, self.low
        )
    }
}

/// What an event produced. Every field is optional: each kind fills its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOutputs {
    /// AMIs built or patched, one per region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amis: Vec<AmiOutput>,
    /// The semantic version of the AMI this event built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_semver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnerabilityCounts>,
    /// Where the QA export can be downloaded (an S3 location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_location: Option<String>,
    /// The backup object promotion to production wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_object: Option<String>,
    /// The Image Builder image ARN of a build or patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_arn: Option<String>,
    /// The Systems Manager Run Command id of the smoke tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_command_id: Option<String>,
    /// Anything else the workflow reported, as text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// The record of one event of a lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event: EventKind,
    #[serde(default)]
    pub status: EventStatus,
    /// How many times the event was triggered; 0 while `NOT_STARTED`.
    #[serde(default)]
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Who triggered it (an STS ARN or a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The reason for a decision, or the error of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    #[serde(default)]
    pub outputs: EventOutputs,
}

impl EventRecord {
    /// A fresh `NOT_STARTED` record.
    pub fn new(event: EventKind) -> Self {
        EventRecord {
            event,
            status: EventStatus::NotStarted,
            attempt: 0,
            started_at: None,
            finished_at: None,
            actor: None,
            reason: None,
            execution_arn: None,
            outputs: EventOutputs::default(),
        }
    }

    /// Claims the record for a new run of its workflow: IN_PROGRESS under
    /// `attempt`, by `actor`, from `now`; the previous run's results go.
    pub fn claim(&mut self, actor: &str, attempt: u32, now: DateTime<Utc>) {
        self.status = EventStatus::InProgress;
        self.attempt = attempt;
        self.actor = Some(actor.to_string());
        self.started_at = Some(now);
        self.finished_at = None;
        self.reason = None;
        self.execution_arn = None;
        self.outputs = EventOutputs::default();
    }

    /// Records a person's QA decision: certified (COMPLETED) or rejected
    /// (FAILED), with its reason, who and when.
    pub fn decide(
        &mut self,
        certified: bool,
        actor: &str,
        attempt: u32,
        reason: &str,
        now: DateTime<Utc>,
    ) {
        self.status = if certified {
            EventStatus::Completed
        } else {
            EventStatus::Failed
        };
        self.attempt = attempt;
        self.actor = Some(actor.to_string());
        self.started_at = Some(now);
        self.finished_at = Some(now);
        self.reason = Some(reason.trim().to_string());
        self.execution_arn = None;
    }

    /// When the record last changed, as far as it says.
    pub fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.finished_at.or(self.started_at)
    }

    /// Time from start to finish, or to `now` while running.
    pub fn duration(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let start = self.started_at?;
        let end = match (self.finished_at, self.status) {
            (Some(end), _) => end,
            (None, EventStatus::InProgress) => now,
            (None, _) => return None,
        };
        Some(end.signed_duration_since(start))
    }
}
