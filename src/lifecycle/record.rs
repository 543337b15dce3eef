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
    /// The AWS account that owns the AMI, when known (an import reads the
    /// reference's `accountId`): the tooling account builds, a distribution
    /// account receives copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
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
        let mut out = String::new();
        let _ = self.write_summary(&mut out);
        out
    }

    /// Writes [`Self::summary`] without allocating (the list draws it each frame).
    pub fn write_summary(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        write!(
            out,
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
    /// The earlier attempts of this event, oldest first (at most
    /// [`MAX_HISTORY`]): a retry or a new decision keeps what it replaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Attempt>,
    /// A break-glass override of the approval rules that let this run
    /// through (`docs/approvals.md`); a new claim or decision replaces it.
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub approval_override: Option<Box<super::approvals::ApprovalOverride>>,
}

/// How the reason of an event begins when its run is lost: its execution
/// does not exist. Lists show such an event `✗ lost`, not as an error of
/// the work.
pub const LOST: &str = "lost: ";

/// How many earlier attempts a record keeps (the oldest go first), so a
/// lifecycle item stays far below DynamoDB's 400 KB.
pub const MAX_HISTORY: usize = 10;

/// One earlier attempt of an event, as it ended (or was left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub attempt: u32,
    pub status: EventStatus,
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
    /// The break-glass override that attempt ran under, if any.
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub approval_override: Option<Box<super::approvals::ApprovalOverride>>,
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
            history: Vec::new(),
            approval_override: None,
        }
    }

    /// Keeps the current run as an earlier attempt before it is replaced
    /// (nothing to keep while `NOT_STARTED`).
    fn keep_attempt(&mut self) {
        if self.status == EventStatus::NotStarted {
            return;
        }
        self.history.push(Attempt {
            attempt: self.attempt,
            status: self.status,
            started_at: self.started_at,
            finished_at: self.finished_at,
            actor: self.actor.clone(),
            reason: self.reason.clone(),
            execution_arn: self.execution_arn.clone(),
            approval_override: self.approval_override.clone(),
        });
        let excess = self.history.len().saturating_sub(MAX_HISTORY);
        self.history.drain(..excess);
    }

    /// Whether the run is lost: ERROR because its execution does not exist.
    pub fn is_lost(&self) -> bool {
        self.status == EventStatus::Error
            && self.reason.as_deref().is_some_and(|r| r.starts_with(LOST))
    }

    /// The attempt before this one, if any.
    pub fn previous_attempt(&self) -> Option<&Attempt> {
        self.history.last()
    }

    /// Claims the record for a new run of its workflow: IN_PROGRESS under
    /// `attempt`, by `actor`, from `now`; the previous run's results go, and
    /// how it ended is kept in `history`.
    pub fn claim(&mut self, actor: &str, attempt: u32, now: DateTime<Utc>) {
        self.keep_attempt();
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
        self.keep_attempt();
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

/// A duration the way every screen and command prints it: `42s`, `12m26s`,
/// `3h05m`, `29d14h` (negative durations, from skewed clocks, read as `0s`).
pub fn format_duration(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s >= 86_400 {
        format_age(d)
    } else if s >= 3600 {
        format!(
            "{}h{:02}m",
            s.div_euclid(3600),
            s.rem_euclid(3600).div_euclid(60)
        )
    } else if s >= 60 {
        format!("{}m{:02}s", s.div_euclid(60), s.rem_euclid(60))
    } else {
        format!("{s}s")
    }
}

/// How long ago, in at most six characters, for narrow columns: `42s`,
/// `12m`, `3h05m`, `29d14h` (a skewed clock's future reads `0s`).
pub fn format_age(d: chrono::Duration) -> String {
    let mut out = String::new();
    let _ = write_age(&mut out, d);
    out
}

/// Writes [`format_age`] without allocating (the list draws it each frame).
pub fn write_age(out: &mut impl std::fmt::Write, d: chrono::Duration) -> std::fmt::Result {
    let s = d.num_seconds().max(0);
    let (day, hour, minute) = (86_400, 3600, 60);
    if s >= day {
        write!(
            out,
            "{}d{:02}h",
            s.div_euclid(day),
            s.rem_euclid(day).div_euclid(hour)
        )
    } else if s >= hour {
        write!(
            out,
            "{}h{:02}m",
            s.div_euclid(hour),
            s.rem_euclid(hour).div_euclid(minute)
        )
    } else if s >= minute {
        write!(out, "{}m", s.div_euclid(minute))
    } else {
        write!(out, "{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn ages_are_short_and_whole() {
        for (secs, text) in [
            (-5, "0s"),
            (42, "42s"),
            (12 * 60 + 26, "12m"),
            (3 * 3600 + 5 * 60, "3h05m"),
            (29 * 86_400 + 14 * 3600 + 59, "29d14h"),
        ] {
            assert_eq!(format_age(Duration::seconds(secs)), text, "{secs}");
        }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, minute, 0)
            .single()
            .expect("a valid time")
    }

    #[test]
    fn a_retry_keeps_the_failed_attempt_with_its_reason_actor_times_and_execution() {
        let mut record = EventRecord::new(EventKind::SmokeTests);
        record.claim("alice", 1, at(0));
        assert!(
            record.history.is_empty(),
            "NOT_STARTED leaves nothing to keep"
        );
        record.execution_arn = Some("arn:exec:1".into());
        record.status = EventStatus::Failed;
        record.finished_at = Some(at(5));
        record.reason = Some("invocation Failed on i-1".into());
        record.claim("bob", 2, at(10));
        assert_eq!(record.attempt, 2);
        assert_eq!(record.reason, None);
        assert_eq!(
            record.previous_attempt(),
            Some(&Attempt {
                attempt: 1,
                status: EventStatus::Failed,
                started_at: Some(at(0)),
                finished_at: Some(at(5)),
                actor: Some("alice".into()),
                reason: Some("invocation Failed on i-1".into()),
                execution_arn: Some("arn:exec:1".into()),
                approval_override: None,
            })
        );
        // Stored and read back unchanged; an old record without history reads as empty.
        let json = serde_json::to_string(&record).expect("json");
        assert_eq!(
            serde_json::from_str::<EventRecord>(&json).expect("back"),
            record
        );
        let old = r#"{"event":"SMOKE_TESTS","status":"COMPLETED","attempt":1}"#;
        assert!(
            serde_json::from_str::<EventRecord>(old)
                .expect("old")
                .history
                .is_empty()
        );
    }

    #[test]
    fn a_new_decision_keeps_the_earlier_one_and_history_is_bounded() {
        let mut record = EventRecord::new(EventKind::QaCertificationResponse);
        record.decide(false, "qa-1", 1, "broken login", at(1));
        record.decide(true, "qa-2", 2, "fixed", at(2));
        let earlier = record.previous_attempt().expect("the rejection");
        assert_eq!(earlier.status, EventStatus::Failed);
        assert_eq!(earlier.reason.as_deref(), Some("broken login"));
        for n in 3..40 {
            record.claim("x", n, at(3));
        }
        assert_eq!(record.history.len(), MAX_HISTORY);
        assert_eq!(record.history.last().map(|a| a.attempt), Some(38));
    }

    #[test]
    fn durations_read_the_same_everywhere() {
        assert_eq!(format_duration(Duration::seconds(0)), "0s");
        assert_eq!(format_duration(Duration::seconds(59)), "59s");
        assert_eq!(format_duration(Duration::seconds(746)), "12m26s");
        assert_eq!(
            format_duration(Duration::seconds(3600 + 5 * 60 + 9)),
            "1h05m"
        );
        // Waits of weeks read in days, never `710h44m`.
        assert_eq!(
            format_duration(Duration::seconds(29 * 86_400 + 14 * 3600 + 44 * 60)),
            "29d14h"
        );
        assert_eq!(format_duration(Duration::seconds(-4)), "0s");
    }
}
