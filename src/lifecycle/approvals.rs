//! Approvals that are safe, as pure rules: four eyes (who certifies differs
//! from who requested QA, who promotes from who certified), the promotion
//! checklist, and the break-glass override that lets a person past either
//! with a recorded reason. `docs/approvals.md` describes them for people.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventKind, EventRef, EventStatus, Lifecycle, Stage};

pub use super::actor::{person, same_person, short};

/// The step a person takes that needs a second person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Certify or reject QA (`QA_CERTIFICATION_RESPONSE`).
    Decide,
    /// Promote to production (`MARK_FOR_PRODUCTION`).
    Promote,
}

/// What one stack tag's approvals ask for (`[approvals]`, resolved by `ops`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Four eyes: the deciding and the promoting person must differ from the
    /// one before them.
    pub distinct_approver: bool,
    /// Regions that must each hold an AMI before promotion; `None`: the
    /// regions the creation build produced AMIs in.
    pub regions: Option<Vec<String>>,
    /// Scan thresholds: the most critical and high findings allowed.
    pub max_critical: u32,
    pub max_high: u32,
}

/// A break-glass override, stored on the event it let through (JSON key
/// `override`) and announced in its notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalOverride {
    /// Who overrode (the caller's ARN, as records name people).
    pub by: String,
    /// Why (required, never empty).
    pub reason: String,
    pub at: DateTime<Utc>,
    /// What was overridden, one line each (a four-eyes rule, a ✘ line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<String>,
}

impl ApprovalOverride {
    /// The one line every human output shows for an override: who, when,
    /// why, over what (`⚠ override by alice at 2026-11-30 18:00 UTC: bob is
    /// on leave (over: four eyes: …)`).
    pub fn line(&self) -> String {
        let over = if self.overridden.is_empty() {
            String::new()
        } else {
            format!(" (over: {})", self.overridden.join("; "))
        };
        format!(
            "⚠ override by {} at {}: {}{over}",
            short(&self.by),
            self.at.format("%Y-%m-%d %H:%M UTC"),
            self.reason
        )
    }
}

/// Why four eyes refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The caller is the person who took the earlier step.
    SamePerson,
    /// Who the caller is is unknown (STS did not say).
    CallerUnknown,
    /// Who took the earlier step cannot be compared: no actor recorded,
    /// `unknown`, empty, an ARN without a name.
    EarlierUnknown,
}

/// A four-eyes rule that refuses: who acted before, and the step refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FourEyes {
    pub step: Step,
    /// The earlier actor, as stored; `None` when none was recorded.
    pub earlier: Option<String>,
    pub mismatch: Mismatch,
}

impl FourEyes {
    /// The caller could not be identified (STS did not say who).
    pub fn caller_unknown(&self) -> bool {
        self.mismatch == Mismatch::CallerUnknown
    }
}

impl fmt::Display for FourEyes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let earlier = self
            .earlier
            .as_deref()
            .map_or_else(|| "nobody recorded".to_string(), short);
        let did = match self.step {
            Step::Decide => "requested QA of this AMI",
            Step::Promote => "certified this AMI",
        };
        match self.mismatch {
            Mismatch::SamePerson => match self.step {
                Step::Decide => write!(
                    f,
                    "four eyes: {earlier} {did}, so someone else certifies or rejects it"
                ),
                Step::Promote => {
                    write!(f, "four eyes: {earlier} {did}, so someone else promotes it")
                }
            },
            Mismatch::CallerUnknown => write!(
                f,
                "four eyes: who you are is unknown (STS did not say), so amiboard cannot tell you from {earlier}"
            ),
            Mismatch::EarlierUnknown => write!(
                f,
                "four eyes: who {did} is not known (recorded: {earlier:?}), so amiboard cannot tell them from you"
            ),
        }
    }
}

/// The record of the earlier step of the four-eyes pair for `step` on
/// `stage`: the QA request (deciding), the certification (promoting).
/// `None`: there is no earlier step to compare with (a patch cycle has no
/// QA step; a rejection certified nothing).
fn earlier_step(lc: &Lifecycle, step: Step, stage: Stage) -> Option<&super::EventRecord> {
    let (event, wanted) = match (step, stage) {
        (Step::Decide, _) => (EventKind::QaCertificationRequest, None),
        (Step::Promote, Stage::Creation) => (
            EventKind::QaCertificationResponse,
            Some(EventStatus::Completed),
        ),
        (Step::Promote, Stage::Patch(_)) => return None,
    };
    let record = lc.record(EventRef {
        stage: Stage::Creation,
        event,
    })?;
    if record.status == EventStatus::NotStarted || wanted.is_some_and(|w| w != record.status) {
        return None;
    }
    Some(record)
}

/// Four eyes for `caller` taking `step` on `stage`: `Some` when the rule
/// refuses: the same person, a caller who is unknown, or an earlier step
/// whose actor cannot be compared (it blocks, never lets through). Off
/// (`required` false), or no earlier step: nothing to compare.
pub fn check_four_eyes(
    lc: &Lifecycle,
    step: Step,
    stage: Stage,
    caller: &str,
    required: bool,
) -> Option<FourEyes> {
    if !required {
        return None;
    }
    let earlier = earlier_step(lc, step, stage)?.actor.as_deref();
    let mismatch = match (earlier.and_then(person), person(caller)) {
        (_, None) => Mismatch::CallerUnknown,
        (None, Some(_)) => Mismatch::EarlierUnknown,
        (Some(a), Some(b)) if a == b => Mismatch::SamePerson,
        (Some(_), Some(_)) => return None,
    };
    Some(FourEyes {
        step,
        earlier: earlier.map(ToString::to_string),
        mismatch,
    })
}

/// One line of the promotion checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What is checked: `smoke tests`, `scan`, `QA`, `regions`, `four eyes`.
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.ok { '✔' } else { '✘' };
        write!(f, "{mark} {:<11} {}", self.name, self.detail)
    }
}

fn check(name: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok,
        detail: detail.into(),
    }
}

fn record_of(lc: &Lifecycle, stage: Stage, event: EventKind) -> Option<&super::EventRecord> {
    lc.record(EventRef { stage, event })
}

fn smoke_line(lc: &Lifecycle, stage: Stage) -> Check {
    match record_of(lc, stage, EventKind::SmokeTests) {
        Some(r) if r.status == EventStatus::Completed => check(
            "smoke tests",
            true,
            format!("passed (attempt {})", r.attempt),
        ),
        Some(r) => check(
            "smoke tests",
            false,
            format!("SMOKE_TESTS {}", r.status.phrase()),
        ),
        None => check("smoke tests", false, "no SMOKE_TESTS in this stage"),
    }
}

fn scan_line(lc: &Lifecycle, stage: Stage, policy: &Policy) -> Check {
    let limit = |max: u32| {
        if max == u32::MAX {
            "any".to_string()
        } else {
            format!("≤ {max}")
        }
    };
    let thresholds = format!(
        "thresholds: critical {}, high {}",
        limit(policy.max_critical),
        limit(policy.max_high)
    );
    let Some(record) = record_of(lc, stage, EventKind::VulnerabilityScans) else {
        return check("scan", false, "no VULNERABILITY_SCANS in this stage");
    };
    if record.status != EventStatus::Completed {
        return check(
            "scan",
            false,
            format!("VULNERABILITY_SCANS {}", record.status.phrase()),
        );
    }
    match record.outputs.vulnerabilities {
        Some(v) => check(
            "scan",
            v.critical <= policy.max_critical && v.high <= policy.max_high,
            format!("critical {}, high {} ({thresholds})", v.critical, v.high),
        ),
        // The scan workflow fails above its thresholds, so a completed scan
        // without counts passed the thresholds it ran with.
        None => check(
            "scan",
            true,
            format!("VULNERABILITY_SCANS completed, no finding counts recorded ({thresholds})"),
        ),
    }
}

fn qa_line(lc: &Lifecycle, stage: Stage) -> Check {
    let Some(r) = record_of(lc, Stage::Creation, EventKind::QaCertificationResponse) else {
        return check("QA", false, "no QA decision");
    };
    let who = r
        .actor
        .as_deref()
        .map_or_else(|| "someone".to_string(), short);
    let when = r
        .changed_at()
        .map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    let patch = if matches!(stage, Stage::Patch(_)) {
        " (the creation's: a patch cycle has no QA step)"
    } else {
        ""
    };
    // A certification that went through break glass says so on its line.
    let glass = r
        .approval_override
        .as_ref()
        .map(|o| format!("; {}", o.line()))
        .unwrap_or_default();
    match r.status {
        EventStatus::Completed => check(
            "QA",
            true,
            format!("certified by {who}{when}{patch}{glass}"),
        ),
        EventStatus::Failed => check("QA", false, format!("rejected by {who}{when}")),
        _ => check("QA", false, "not certified yet"),
    }
}

fn regions_line(lc: &Lifecycle, stage: Stage, policy: &Policy) -> Check {
    let amis = lc.stage_amis(stage);
    let wanted: Vec<String> = policy.regions.clone().unwrap_or_else(|| {
        let mut built: Vec<String> = lc
            .stage_amis(Stage::Creation)
            .iter()
            .map(|a| a.region.clone())
            .collect();
        built.dedup();
        built
    });
    if amis.is_empty() {
        return check("regions", false, "no AMI recorded for this stage");
    }
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    for region in &wanted {
        match amis.iter().find(|a| &a.region == region) {
            Some(ami) => parts.push(format!("{region} {}", ami.ami_id)),
            None => missing.push(region.as_str()),
        }
    }
    if missing.is_empty() {
        check("regions", true, parts.join(", "))
    } else {
        let have = if parts.is_empty() {
            String::new()
        } else {
            format!(" (have {})", parts.join(", "))
        };
        check(
            "regions",
            false,
            format!("no AMI in {}{have}", missing.join(", ")),
        )
    }
}

/// The promotion checklist of `stage` for `caller`: smoke tests passed, scan
/// within the thresholds, QA certified (and by whom), an AMI in every
/// configured region, and, when the policy asks for it, four eyes.
pub fn checklist(lc: &Lifecycle, stage: Stage, policy: &Policy, caller: &str) -> Vec<Check> {
    let mut lines = vec![
        smoke_line(lc, stage),
        scan_line(lc, stage, policy),
        qa_line(lc, stage),
        regions_line(lc, stage, policy),
    ];
    if policy.distinct_approver {
        let line = match check_four_eyes(lc, Step::Promote, stage, caller, true) {
            Some(refused) => check("four eyes", false, refused.to_string()),
            None => match earlier_step(lc, Step::Promote, stage).and_then(|r| r.actor.as_deref()) {
                Some(certifier) => check(
                    "four eyes",
                    true,
                    format!(
                        "certified by {}, promoted by someone else",
                        short(certifier)
                    ),
                ),
                None => check("four eyes", true, "no certifier to compare with"),
            },
        };
        lines.push(line);
    }
    lines
}

/// Why approvals refuse a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalRefusal {
    /// The four-eyes rule: the same person cannot take both steps.
    FourEyes(FourEyes),
    /// The promotion checklist has ✘ lines.
    Checklist { failing: Vec<Check> },
    /// A break-glass override needs a reason.
    OverrideReasonRequired,
}

/// How a refused approval is broken open, said after every refusal.
pub const BREAK_GLASS: &str = "--override-four-eyes --reason TEXT (in the dashboard: type `override` and a reason); the override is recorded";

impl ApprovalRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ApprovalRefusal::FourEyes(_) => "four_eyes",
            ApprovalRefusal::Checklist { .. } => "promotion_checklist",
            ApprovalRefusal::OverrideReasonRequired => "override_reason_required",
        }
    }
}

impl fmt::Display for ApprovalRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApprovalRefusal::FourEyes(rule) => {
                write!(f, "{rule} (or break glass: {BREAK_GLASS}).")
            }
            ApprovalRefusal::Checklist { failing } => {
                let lines: Vec<String> = failing
                    .iter()
                    .map(|c| format!("✘ {}: {}", c.name, c.detail))
                    .collect();
                write!(
                    f,
                    "the promotion checklist does not pass: {} (or break glass: {BREAK_GLASS}).",
                    lines.join("; ")
                )
            }
            ApprovalRefusal::OverrideReasonRequired => write!(
                f,
                "an override needs a reason: --override-four-eyes --reason TEXT, with the reason not empty."
            ),
        }
    }
}

/// Lets a step through or refuses it: `blockers` are what stands in the way
/// (four eyes, ✘ lines); `override_reason` is the break glass. Nothing in
/// the way: `Ok(None)` (an override given anyway is not recorded). In the
/// way and overridden with a reason: `Ok(Some(override))` to record. An
/// override without a reason is always refused.
pub fn gate(
    blockers: Vec<ApprovalRefusal>,
    override_reason: Option<&str>,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApprovalOverride>, ApprovalRefusal> {
    let reason = match override_reason.map(str::trim) {
        Some("") => return Err(ApprovalRefusal::OverrideReasonRequired),
        other => other,
    };
    let Some(first) = blockers.first() else {
        return Ok(None);
    };
    let Some(reason) = reason else {
        return Err(first.clone());
    };
    let overridden = blockers
        .iter()
        .flat_map(|b| match b {
            ApprovalRefusal::FourEyes(rule) => vec![rule.to_string()],
            ApprovalRefusal::Checklist { failing } => failing
                .iter()
                .map(|c| format!("✘ {}: {}", c.name, c.detail))
                .collect(),
            ApprovalRefusal::OverrideReasonRequired => Vec::new(),
        })
        .collect();
    Ok(Some(ApprovalOverride {
        by: caller.to_string(),
        reason: reason.to_string(),
        at: now,
        overridden,
    }))
}

/// What stands in the way of deciding QA: the four-eyes rule, if it refuses.
pub fn decide_blockers(lc: &Lifecycle, caller: &str, policy: &Policy) -> Vec<ApprovalRefusal> {
    check_four_eyes(
        lc,
        Step::Decide,
        Stage::Creation,
        caller,
        policy.distinct_approver,
    )
    .map(ApprovalRefusal::FourEyes)
    .into_iter()
    .collect()
}

/// What stands in the way of promoting `stage`: four eyes (named as such)
/// and the other ✘ lines of the checklist.
pub fn promote_blockers(
    lc: &Lifecycle,
    stage: Stage,
    caller: &str,
    policy: &Policy,
) -> Vec<ApprovalRefusal> {
    let mut blockers = Vec::new();
    if let Some(rule) = check_four_eyes(lc, Step::Promote, stage, caller, policy.distinct_approver)
    {
        blockers.push(ApprovalRefusal::FourEyes(rule));
    }
    let failing: Vec<Check> = checklist(lc, stage, policy, caller)
        .into_iter()
        .filter(|c| !c.ok && c.name != "four eyes")
        .collect();
    if !failing.is_empty() {
        blockers.push(ApprovalRefusal::Checklist { failing });
    }
    blockers
}
