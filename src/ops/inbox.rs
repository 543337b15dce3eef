//! The approval inbox: every lifecycle waiting for a person (a QA decision
//! pending, or a production promotion the rules allow), with who asked, how
//! long it has waited, and the scan counts and smoke-test result beside it.
//! [`waiting`] is pure; [`inbox`] reads the lifecycles through the store.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Context, OpError};
use crate::aws::dynamodb::SkippedItem;
use crate::lifecycle::rules::{check_trigger, decision_target};
use crate::lifecycle::{
    AmiOutput, EventKind, EventRecord, EventRef, EventStatus, Lifecycle, Stage,
    VulnerabilityCounts, format_duration,
};

/// What a person is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingFor {
    /// QA was requested and nobody certified or rejected it yet.
    QaDecision,
    /// The stage is ready for MARK_FOR_PRODUCTION and was not promoted.
    Promotion,
}

impl WaitingFor {
    /// A few words for screens and tables.
    pub fn label(self) -> &'static str {
        match self {
            WaitingFor::QaDecision => "QA decision",
            WaitingFor::Promotion => "promotion",
        }
    }
}

/// One lifecycle waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub lifecycle_id: String,
    pub stack_tag: String,
    pub product_name: String,
    pub product_version: String,
    pub waiting_for: WaitingFor,
    /// `creation` or `patch N`.
    pub stage: String,
    pub semver: Option<String>,
    pub amis: Vec<AmiOutput>,
    /// Who asked: the actor of the event that made it ready (QA request,
    /// certification, or the patch cycle's scans).
    pub requested_by: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    /// How long it has waited, in seconds and as every screen writes it.
    pub waiting_seconds: i64,
    pub waiting: String,
    /// The scan counts of this stage, when the scans reported any.
    pub vulnerabilities: Option<VulnerabilityCounts>,
    /// This stage's SMOKE_TESTS status and attempt.
    pub smoke_tests: EventStatus,
    pub smoke_attempt: u32,
    /// The person who certified (promotion of a new AMI only).
    pub certified_by: Option<String>,
}

impl Waiting {
    /// The smoke-test result in a few characters: `✔ passed`, `✔ passed (try 2)`.
    pub fn smoke_text(&self) -> String {
        let word = match self.smoke_tests {
            EventStatus::Completed => "passed",
            other => other.word(),
        };
        let tries = if self.smoke_attempt > 1 {
            format!(" (try {})", self.smoke_attempt)
        } else {
            String::new()
        };
        format!("{} {word}{tries}", self.smoke_tests.glyph())
    }

    /// The scan counts as `C0 H2 M5 L9`, or `-`.
    pub fn scan_text(&self) -> String {
        self.vulnerabilities
            .map_or_else(|| "-".to_string(), |v| v.summary())
    }
}

fn record(lc: &Lifecycle, stage: Stage, event: EventKind) -> Option<&EventRecord> {
    lc.record(EventRef { stage, event })
}

/// Whether a person is due to act on the lifecycle (what [`waiting_for`]
/// answers, without building the inbox row): the list's problems-first sort.
pub fn waits_for_person(lc: &Lifecycle) -> bool {
    waiting_kind(lc).is_some()
}

/// What the active stage waits for, and the event whose record says who
/// asked and when.
fn waiting_kind(lc: &Lifecycle) -> Option<(WaitingFor, EventKind)> {
    let stage = lc.active_stage();
    let qa_open = stage == Stage::Creation
        && decision_target(lc).is_ok()
        && record(lc, stage, EventKind::QaCertificationResponse)
            .is_some_and(|r| r.status == EventStatus::NotStarted);
    if qa_open {
        return Some((WaitingFor::QaDecision, EventKind::QaCertificationRequest));
    }
    let promote = EventRef {
        stage,
        event: EventKind::MarkForProduction,
    };
    check_trigger(lc, promote).ok()?;
    let asked = match stage {
        Stage::Creation => EventKind::QaCertificationResponse,
        Stage::Patch(_) => EventKind::VulnerabilityScans,
    };
    Some((WaitingFor::Promotion, asked))
}

/// What the lifecycle waits for, if a person is due to act on it: QA
/// requested and not decided, or MARK_FOR_PRODUCTION of the active stage
/// allowed by the rules. A rejection is a decision (nothing waits), and so
/// is a running or failed earlier step (nothing a person can approve).
pub fn waiting_for(lc: &Lifecycle, now: DateTime<Utc>) -> Option<Waiting> {
    let stage = lc.active_stage();
    let (kind, asked) = waiting_kind(lc)?;
    let asked = record(lc, stage, asked);
    let requested_at = asked.and_then(EventRecord::changed_at);
    let waited =
        requested_at.map_or_else(chrono::Duration::zero, |at| now.signed_duration_since(at));
    let smoke = record(lc, stage, EventKind::SmokeTests);
    let scans = record(lc, stage, EventKind::VulnerabilityScans);
    let certified_by = (kind == WaitingFor::Promotion && stage == Stage::Creation)
        .then(|| asked.and_then(|r| r.actor.clone()))
        .flatten();
    Some(Waiting {
        lifecycle_id: lc.lifecycle_id.clone(),
        stack_tag: lc.stack_tag.clone(),
        product_name: lc.product_name.clone(),
        product_version: lc.product_version.clone(),
        waiting_for: kind,
        stage: stage.label(),
        semver: lc.stage_semver(stage).map(ToString::to_string),
        amis: lc.stage_amis(stage).to_vec(),
        requested_by: asked.and_then(|r| r.actor.clone()),
        requested_at,
        waiting_seconds: waited.num_seconds().max(0),
        waiting: format_duration(waited),
        vulnerabilities: scans.and_then(|r| r.outputs.vulnerabilities),
        smoke_tests: smoke.map_or(EventStatus::NotStarted, |r| r.status),
        smoke_attempt: smoke.map_or(0, |r| r.attempt),
        certified_by,
    })
}

/// Every lifecycle waiting for a person, the longest waiting first (ties by id).
pub fn waiting(lifecycles: &[Lifecycle], now: DateTime<Utc>) -> Vec<Waiting> {
    let mut items: Vec<Waiting> = lifecycles
        .iter()
        .filter_map(|lc| waiting_for(lc, now))
        .collect();
    order(&mut items, now);
    items
}

/// Times each item again at `now` and puts the longest waiting first (ties
/// by id): items worked out earlier, shown later.
pub fn order(items: &mut [Waiting], now: DateTime<Utc>) {
    for item in items.iter_mut() {
        let waited = item
            .requested_at
            .map_or_else(chrono::Duration::zero, |at| now.signed_duration_since(at));
        item.waiting_seconds = waited.num_seconds().max(0);
        item.waiting = format_duration(waited);
    }
    items.sort_by(|a, b| {
        b.waiting_seconds
            .cmp(&a.waiting_seconds)
            .then_with(|| a.lifecycle_id.cmp(&b.lifecycle_id))
    });
}

/// The inbox as stored now, of one stack tag or of all, with the items that
/// could not be read.
pub async fn inbox(
    ctx: &Context,
    stack_tag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Vec<Waiting>, Vec<SkippedItem>), OpError> {
    let listing = ctx.store.list_all(stack_tag, &mut |_| {}).await?;
    Ok((waiting(&listing.lifecycles, now), listing.skipped))
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
