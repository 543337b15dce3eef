//! The retirement record of one stage's AMIs: the action asked for, its run
//! (claim, attempt, actor, execution, outcome), the break-glass override
//! that let it through, and the earlier runs. Stored in the lifecycle's
//! `retirements` list at a fixed position, so the workflow updates it by
//! path (`retirements[0]`) like the other events.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::approvals::ApprovalOverride;
use super::super::{EventStatus, MAX_HISTORY, Stage};

/// What a retirement asks of Image Builder (`StartResourceStateUpdate`'s
/// state), or of amiboard for the lookup rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RetireAction {
    /// EC2 deprecation (now or at a time): still launches by id, hidden from
    /// searches; lookup rows kept.
    Deprecate,
    /// EC2 disable: cannot launch, not shared; lookup rows removed.
    Disable,
    /// Deregister the AMIs and delete their snapshots in every region: final.
    Delete,
    /// Back to available (undeprecated, enabled): lookup rows written again.
    Restore,
}

impl RetireAction {
    /// The Image Builder resource state the action asks for.
    pub fn resource_status(self) -> &'static str {
        match self {
            RetireAction::Deprecate => "DEPRECATED",
            RetireAction::Disable => "DISABLED",
            RetireAction::Delete => "DELETED",
            RetireAction::Restore => "AVAILABLE",
        }
    }

    /// The event name the timeline, notifications and JSON use.
    pub fn event_name(self) -> &'static str {
        match self {
            RetireAction::Deprecate => "RETIRE_DEPRECATE",
            RetireAction::Disable => "RETIRE_DISABLE",
            RetireAction::Delete => "RETIRE_DELETE",
            RetireAction::Restore => "RESTORE",
        }
    }

    /// Parses an event name ([`RetireAction::event_name`]).
    pub fn from_event_name(name: &str) -> Option<RetireAction> {
        [
            RetireAction::Deprecate,
            RetireAction::Disable,
            RetireAction::Delete,
            RetireAction::Restore,
        ]
        .into_iter()
        .find(|a| a.event_name() == name)
    }

    /// The verb people read: `deprecate`, `disable`, `delete`, `restore`.
    pub fn verb(self) -> &'static str {
        match self {
            RetireAction::Deprecate => "deprecate",
            RetireAction::Disable => "disable",
            RetireAction::Delete => "delete",
            RetireAction::Restore => "restore",
        }
    }

    /// Whether selection clients must no longer be handed the AMI.
    pub fn removes_lookup_rows(self) -> bool {
        matches!(self, RetireAction::Disable | RetireAction::Delete)
    }

    /// How far the action goes: a later action of a lower degree never
    /// undoes a higher one (restore excepted).
    fn degree(self) -> u8 {
        match self {
            RetireAction::Restore => 0,
            RetireAction::Deprecate => 1,
            RetireAction::Disable => 2,
            RetireAction::Delete => 3,
        }
    }

    /// Whether this action goes at least as far as `other`.
    pub fn at_least(self, other: RetireAction) -> bool {
        self.degree() >= other.degree()
    }
}

impl fmt::Display for RetireAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// How amiboard's records say a stage's AMIs stand after its retirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmiState {
    Available,
    /// Deprecated from this time (possibly in the future).
    Deprecated {
        at: Option<DateTime<Utc>>,
    },
    Disabled,
    Deleted,
}

impl AmiState {
    /// A short phrase for rows and `show`.
    pub fn phrase(self) -> String {
        match self {
            AmiState::Available => "available".to_string(),
            AmiState::Deprecated { at: Some(at) } => {
                format!("deprecated {}", at.format("%Y-%m-%d %H:%M UTC"))
            }
            AmiState::Deprecated { at: None } => "deprecated".to_string(),
            AmiState::Disabled => "disabled".to_string(),
            AmiState::Deleted => "deleted".to_string(),
        }
    }
}

/// One resource the Image Builder lifecycle execution acted on
/// (`ListLifecycleExecutionResources`, as Step Functions returns it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceOutcome {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub resource_id: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub state: Option<OutcomeState>,
    #[serde(default)]
    pub snapshots: Vec<SnapshotOutcome>,
}

/// A resource's status and reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutcomeState {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A snapshot of an AMI the lifecycle execution acted on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotOutcome {
    #[serde(default)]
    pub snapshot_id: String,
    #[serde(default)]
    pub state: Option<OutcomeState>,
}

impl ResourceOutcome {
    /// `ami-… (us-east-1) SUCCESS`, with the reason when there is one.
    pub fn line(&self) -> String {
        let region = self.region.as_deref().unwrap_or("?");
        let status = self
            .state
            .as_ref()
            .and_then(|s| s.status.as_deref())
            .unwrap_or("?");
        let mut line = format!("{} ({region}) {status}", self.resource_id);
        if let Some(reason) = self.state.as_ref().and_then(|s| s.reason.as_deref()) {
            line.push_str(": ");
            line.push_str(reason);
        }
        if !self.snapshots.is_empty() {
            let snaps: Vec<String> = self
                .snapshots
                .iter()
                .map(|s| {
                    let status = s
                        .state
                        .as_ref()
                        .and_then(|st| st.status.as_deref())
                        .unwrap_or("?");
                    format!("{} {status}", s.snapshot_id)
                })
                .collect();
            line.push_str(&format!("; snapshots: {}", snaps.join(", ")));
        }
        line
    }
}

/// What the retire workflow recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireOutputs {
    /// Image Builder's lifecycle execution id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_execution_id: Option<String>,
    /// Its final status (`SUCCESS`, `FAILED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_status: Option<String>,
    /// `ListLifecycleExecutionResources`'s resources, as JSON text (the
    /// workflow cannot turn a list of any shape into DynamoDB's types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_json: Option<String>,
}

impl RetireOutputs {
    /// The per-resource outcomes (empty when none were recorded or the text
    /// does not decode).
    pub fn resources(&self) -> Vec<ResourceOutcome> {
        self.resources_json
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }
}

/// One run of a retirement action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementRun {
    pub action: RetireAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecate_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: EventStatus,
    #[serde(default)]
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub approval_override: Option<ApprovalOverride>,
    #[serde(default)]
    pub outputs: RetireOutputs,
}

/// The retirement record of one stage: the current run (flat, so the
/// workflow's paths are `retirements[i].status`, like an event's) and the
/// earlier runs, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retirement {
    /// `creation` or `patch-N` ([`stage_key`]).
    pub stage: String,
    pub action: RetireAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecate_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: EventStatus,
    /// Counts every run of every action on this stage.
    #[serde(default)]
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub approval_override: Option<ApprovalOverride>,
    #[serde(default)]
    pub outputs: RetireOutputs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<RetirementRun>,
}

/// How a stage is named in retirement records and notifications.
pub fn stage_key(stage: Stage) -> String {
    match stage {
        Stage::Creation => "creation".to_string(),
        Stage::Patch(n) => format!("patch-{n}"),
    }
}

/// The stage a [`stage_key`] names.
pub fn stage_of_key(key: &str) -> Option<Stage> {
    if key == "creation" {
        return Some(Stage::Creation);
    }
    key.strip_prefix("patch-")?.parse().ok().map(Stage::Patch)
}

impl Retirement {
    /// A new record claimed for `action` by `actor` (attempt 1).
    pub fn claimed(
        stage: Stage,
        action: RetireAction,
        deprecate_at: Option<DateTime<Utc>>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Retirement {
        Retirement {
            stage: stage_key(stage),
            action,
            deprecate_at,
            status: EventStatus::InProgress,
            attempt: 1,
            started_at: Some(now),
            finished_at: None,
            actor: Some(actor.to_string()),
            reason: None,
            execution_arn: None,
            approval_override: None,
            outputs: RetireOutputs::default(),
            history: Vec::new(),
        }
    }

    /// The stage this record belongs to.
    pub fn stage(&self) -> Option<Stage> {
        stage_of_key(&self.stage)
    }

    /// The current run as a [`RetirementRun`].
    pub fn current(&self) -> RetirementRun {
        RetirementRun {
            action: self.action,
            deprecate_at: self.deprecate_at,
            status: self.status,
            attempt: self.attempt,
            started_at: self.started_at,
            finished_at: self.finished_at,
            actor: self.actor.clone(),
            reason: self.reason.clone(),
            execution_arn: self.execution_arn.clone(),
            approval_override: self.approval_override.clone(),
            outputs: self.outputs.clone(),
        }
    }

    /// Every run, oldest first, the current one last.
    pub fn runs(&self) -> Vec<RetirementRun> {
        let mut runs = self.history.clone();
        runs.push(self.current());
        runs
    }

    /// Claims the record for a new run: the current run goes to `history`.
    pub fn claim(
        &mut self,
        action: RetireAction,
        deprecate_at: Option<DateTime<Utc>>,
        actor: &str,
        now: DateTime<Utc>,
    ) {
        self.history.push(self.current());
        let excess = self.history.len().saturating_sub(MAX_HISTORY);
        self.history.drain(..excess);
        self.action = action;
        self.deprecate_at = deprecate_at;
        self.status = EventStatus::InProgress;
        self.attempt = self.attempt.saturating_add(1);
        self.started_at = Some(now);
        self.finished_at = None;
        self.actor = Some(actor.to_string());
        self.reason = None;
        self.execution_arn = None;
        self.approval_override = None;
        self.outputs = RetireOutputs::default();
    }

    /// Where the stage's AMIs stand: the last COMPLETED run decides.
    pub fn state(&self) -> AmiState {
        let last = self
            .runs()
            .into_iter()
            .rev()
            .find(|r| r.status == EventStatus::Completed);
        match last {
            None => AmiState::Available,
            Some(run) => match run.action {
                RetireAction::Restore => AmiState::Available,
                RetireAction::Deprecate => AmiState::Deprecated {
                    at: run.deprecate_at.or(run.finished_at),
                },
                RetireAction::Disable => AmiState::Disabled,
                RetireAction::Delete => AmiState::Deleted,
            },
        }
    }

    /// Whether a run is in progress.
    pub fn running(&self) -> bool {
        self.status == EventStatus::InProgress
    }
}
