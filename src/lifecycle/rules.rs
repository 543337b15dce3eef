//! The lifecycle rules, as pure functions the dashboard and the command line
//! share: what may run next, and a sentence a person understands when not.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{EventKind, EventRef, EventStatus, Lifecycle, Phase, Stage};

/// Why a requested change is not allowed. `Display` gives the sentence shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The event is not part of that sequence (QA in a patch cycle, `AMI_PATCH` in creation).
    NotInSequence { event: EventKind, phase: Phase },
    /// The patch cycle does not exist.
    UnknownPatchCycle { number: u32 },
    /// A newer patch cycle replaced the one asked for.
    SupersededCycle { number: u32, latest: u32 },
    /// An earlier event of the sequence has not completed.
    PreviousNotCompleted {
        target: EventRef,
        previous: EventKind,
        status: EventStatus,
    },
    /// Completed events are immutable.
    AlreadyCompleted { target: EventRef },
    /// Another event of the lifecycle runs; only one may.
    AnotherRunning {
        running: EventRef,
        actor: Option<String>,
    },
    /// `QA_CERTIFICATION_RESPONSE` is a person's decision: certify or reject it.
    DecisionRequired,
    /// Certify or reject applies only to `QA_CERTIFICATION_RESPONSE`.
    NotADecision { event: EventKind },
    /// A decision needs a reason.
    ReasonRequired,
    /// A patch cycle needs a production AMI.
    NotInProduction,
    /// A retry was asked for, but no event of the active stage failed or broke.
    NothingToRetry,
    /// The dashboard or command runs read-only.
    ReadOnly,
    /// Who the caller is is unknown (STS did not answer, or named nobody):
    /// amiboard records who acts, so it does not act for nobody.
    UnknownCaller { why: String },
    /// The stored attempt count cannot go higher (stored data can hold anything).
    AttemptsExhausted { target: EventRef },
    /// The version part to bump is already at its largest value.
    VersionExhausted { version: String },
    /// QA was decided since the caller looked (or the caller saw no state):
    /// a decision never replaces another unseen.
    AlreadyDecided(EarlierDecision),
    /// An approval rule (four eyes, the promotion checklist) refuses.
    Approval(super::approvals::ApprovalRefusal),
    /// A retirement rule refuses (`lifecycle::retire`).
    Retire(super::retire::RetireRefusal),
}

/// A QA decision already recorded: certified or rejected, by whom, when, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierDecision {
    pub certified: bool,
    pub actor: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl fmt::Display for EarlierDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.certified {
            "certified"
        } else {
            "rejected"
        };
        let actor = self
            .actor
            .as_deref()
            .map_or_else(|| "someone".to_string(), super::actor::short);
        write!(f, "{verb} by {actor}")?;
        if let Some(at) = self.at {
            write!(f, " at {}", at.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        if let Some(reason) = self.reason.as_deref().filter(|r| !r.is_empty()) {
            write!(f, " ({reason:?})")?;
        }
        Ok(())
    }
}

impl Refusal {
    /// A short machine-readable code for JSON output and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotInSequence { .. } => "not_in_sequence",
            Refusal::UnknownPatchCycle { .. } => "unknown_patch_cycle",
            Refusal::SupersededCycle { .. } => "superseded_cycle",
            Refusal::PreviousNotCompleted { .. } => "previous_not_completed",
            Refusal::AlreadyCompleted { .. } => "already_completed",
            Refusal::AnotherRunning { .. } => "another_running",
            Refusal::DecisionRequired => "decision_required",
            Refusal::NotADecision { .. } => "not_a_decision",
            Refusal::ReasonRequired => "reason_required",
            Refusal::NotInProduction => "not_in_production",
            Refusal::NothingToRetry => "nothing_to_retry",
            Refusal::ReadOnly => "read_only",
            Refusal::UnknownCaller { .. } => "unknown_caller",
            Refusal::AttemptsExhausted { .. } => "attempts_exhausted",
            Refusal::VersionExhausted { .. } => "version_exhausted",
            Refusal::AlreadyDecided(_) => "already_decided",
            Refusal::Approval(refusal) => refusal.code(),
            Refusal::Retire(refusal) => refusal.code(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotInSequence { event, phase } => write!(
                f,
                "{event} is not an event of {phase}: its events are {}.",
                join(phase.sequence())
            ),
            Refusal::UnknownPatchCycle { number } => {
                write!(f, "Patch cycle {number} does not exist.")
            }
            Refusal::SupersededCycle { number, latest } => write!(
                f,
                "Patch cycle {number} was superseded by patch cycle {latest}; only the latest cycle can move on."
            ),
            Refusal::PreviousNotCompleted {
                target,
                previous: EventKind::QaCertificationResponse,
                status: EventStatus::Failed,
            } => write!(
                f,
                "Cannot run {target}: QA rejected this AMI. Certify it again before it can go to production."
            ),
            Refusal::PreviousNotCompleted {
                target,
                previous,
                status,
            } => write!(
                f,
                "Cannot run {target}: {previous} {}. Events run in order: {}.",
                status.phrase(),
                join(target.stage.phase().sequence())
            ),
            Refusal::AlreadyCompleted { target } => write!(
                f,
                "{target} has already completed; completed events are immutable."
            ),
            Refusal::AnotherRunning { running, actor } => match actor {
                Some(actor) => write!(
                    f,
                    "{running} is running (started by {}); wait for it to finish.",
                    super::actor::short(actor)
                ),
                None => write!(f, "{running} is running; wait for it to finish."),
            },
            Refusal::DecisionRequired => write!(
                f,
                "QA_CERTIFICATION_RESPONSE is a person's decision: certify or reject the AMI with a reason."
            ),
            Refusal::NotADecision { event } => write!(
                f,
                "{event} is not a decision; only QA_CERTIFICATION_RESPONSE is certified or rejected."
            ),
            Refusal::ReasonRequired => write!(f, "A reason is required to certify or reject."),
            Refusal::NotInProduction => write!(
                f,
                "A patch cycle needs a production AMI: MARK_FOR_PRODUCTION has not completed."
            ),
            Refusal::NothingToRetry => write!(
                f,
                "Nothing to retry: no event of the active stage failed or ended in error."
            ),
            Refusal::ReadOnly => write!(f, "Read-only mode: nothing can be changed."),
            Refusal::UnknownCaller { why } => write!(
                f,
                "who you are is unknown ({why}); amiboard records who acts, so nothing was changed: check the credentials (`amiboard info`)."
            ),
            Refusal::AttemptsExhausted { target } => write!(
                f,
                "{target} has a stored attempt count that cannot go higher; nothing was started."
            ),
            Refusal::VersionExhausted { version } => write!(
                f,
                "Version {version} cannot be bumped: the part to raise is at its largest value."
            ),
            Refusal::AlreadyDecided(earlier) => write!(
                f,
                "QA_CERTIFICATION_RESPONSE was already {earlier}; a decision does not replace one made since you looked, so nothing was recorded. To decide again, look at it first (`certify` without --yes names it and asks), or in a script name what you replace: `certify ID --reason TEXT --yes --replaces-rejection`."
            ),
            Refusal::Approval(refusal) => write!(f, "{refusal}"),
            Refusal::Retire(refusal) => write!(f, "{refusal}"),
        }
    }
}

impl std::error::Error for Refusal {}

fn join(events: &[EventKind]) -> String {
    events
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// What an allowed trigger will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub target: EventRef,
    /// The attempt number the run will carry (previous attempt + 1).
    pub attempt: u32,
    /// Whether this re-runs a FAILED or ERROR event.
    pub retry: bool,
}

/// Checks where the event sits and whether its sequence lets it run, without
/// asking whether it is a workflow or a decision.
fn check_position(lc: &Lifecycle, target: EventRef) -> Result<Allowed, Refusal> {
    let phase = target.stage.phase();
    let Some(index) = Lifecycle::position(target) else {
        return Err(Refusal::NotInSequence {
            event: target.event,
            phase,
        });
    };
    if let Stage::Patch(number) = target.stage {
        let Some(latest) = lc.latest_patch() else {
            return Err(Refusal::UnknownPatchCycle { number });
        };
        if lc.patch(number).is_none() {
            return Err(Refusal::UnknownPatchCycle { number });
        }
        if latest.number != number {
            return Err(Refusal::SupersededCycle {
                number,
                latest: latest.number,
            });
        }
    }
    let records = lc.records(target.stage).unwrap_or(&[]);
    let record = records.iter().find(|r| r.event == target.event);
    let status = record.map_or(EventStatus::NotStarted, |r| r.status);
    if status == EventStatus::Completed {
        return Err(Refusal::AlreadyCompleted { target });
    }
    if let Some((running, record)) = lc.running() {
        return Err(Refusal::AnotherRunning {
            running,
            actor: record.actor.clone(),
        });
    }
    for previous in &phase.sequence()[..index] {
        let status = records
            .iter()
            .find(|r| r.event == *previous)
            .map_or(EventStatus::NotStarted, |r| r.status);
        if status != EventStatus::Completed {
            return Err(Refusal::PreviousNotCompleted {
                target,
                previous: *previous,
                status,
            });
        }
    }
    let Some(attempt) = record.map_or(0, |r| r.attempt).checked_add(1) else {
        return Err(Refusal::AttemptsExhausted { target });
    };
    Ok(Allowed {
        target,
        attempt,
        retry: status.is_retryable(),
    })
}

/// May this event's workflow be started (first run or retry)?
pub fn check_trigger(lc: &Lifecycle, target: EventRef) -> Result<Allowed, Refusal> {
    let allowed = check_position(lc, target)?;
    if target.event.is_decision() {
        return Err(Refusal::DecisionRequired);
    }
    Ok(allowed)
}

/// May `QA_CERTIFICATION_RESPONSE` be decided now (before a reason is asked for)?
pub fn decision_target(lc: &Lifecycle) -> Result<Allowed, Refusal> {
    check_position(
        lc,
        EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationResponse,
        },
    )
}

/// May `QA_CERTIFICATION_RESPONSE` be decided (certified or rejected) with this reason?
pub fn check_decision(lc: &Lifecycle, reason: &str) -> Result<Allowed, Refusal> {
    let allowed = decision_target(lc)?;
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    Ok(allowed)
}

/// The QA decision recorded on the lifecycle (certified or rejected), if any.
pub fn earlier_decision(lc: &Lifecycle) -> Option<EarlierDecision> {
    let qa = EventRef {
        stage: Stage::Creation,
        event: EventKind::QaCertificationResponse,
    };
    let record = lc.record(qa)?;
    let certified = match record.status {
        EventStatus::Completed => true,
        EventStatus::Failed => false,
        _ => return None,
    };
    Some(EarlierDecision {
        certified,
        actor: record.actor.clone(),
        at: record.changed_at(),
        reason: record.reason.clone(),
    })
}

/// A decision is made on the state a person saw: `seen` is that
/// `item_version` (`None`: they saw nothing, e.g. `--yes`, so they decide the
/// pending QA request). A decision already recorded on `lc` that the person
/// did not see is never replaced: re-deciding after a rejection is allowed
/// ([`check_decision`]) only on the state that shows the rejection.
pub fn check_not_replacing(lc: &Lifecycle, seen: Option<u64>) -> Result<(), Refusal> {
    match earlier_decision(lc) {
        Some(earlier) if seen != Some(lc.item_version) => Err(Refusal::AlreadyDecided(earlier)),
        _ => Ok(()),
    }
}

/// May a new patch cycle start? Returns the production stage it would patch.
pub fn check_new_patch(lc: &Lifecycle) -> Result<Stage, Refusal> {
    if let Some((running, record)) = lc.running() {
        return Err(Refusal::AnotherRunning {
            running,
            actor: record.actor.clone(),
        });
    }
    if !lc.is_production(Stage::Creation) {
        return Err(Refusal::NotInProduction);
    }
    lc.newest_production().ok_or(Refusal::NotInProduction)
}

/// The event a person would trigger next: the first not-completed event of the
/// active stage (the latest patch cycle, else creation), when the rules allow it.
/// A QA decision that is due is returned too; use [`check_trigger`] or
/// [`check_decision`] to tell them apart. `None` when nothing can run now.
pub fn next_allowed(lc: &Lifecycle) -> Option<EventRef> {
    let stage = lc.active_stage();
    let records = lc.records(stage)?;
    let next = records
        .iter()
        .find(|r| r.status != EventStatus::Completed)?;
    let target = EventRef {
        stage,
        event: next.event,
    };
    check_position(lc, target).ok().map(|_| target)
}

/// The event "trigger" without an event name means: the next allowed event;
/// when none may run, the active stage's first not-completed (else last)
/// event, so that the refusal says why it cannot run. A due QA decision is
/// refused with [`Refusal::DecisionRequired`].
pub fn trigger_target(lc: &Lifecycle) -> Result<Allowed, Refusal> {
    if let Some(next) = next_allowed(lc) {
        return check_trigger(lc, next);
    }
    let stage = lc.active_stage();
    let records = lc.records(stage).unwrap_or(&[]);
    let pick = records
        .iter()
        .find(|r| r.status != EventStatus::Completed)
        .or(records.last())
        .map(|r| EventRef {
            stage,
            event: r.event,
        });
    match pick {
        Some(target) => check_trigger(lc, target),
        None => Err(Refusal::UnknownPatchCycle {
            number: match stage {
                Stage::Creation => 0,
                Stage::Patch(n) => n,
            },
        }),
    }
}

/// The event a retry re-runs: the FAILED or ERROR event of the active stage.
/// A failed QA decision is decided again, not retried.
pub fn retry_target(lc: &Lifecycle) -> Result<Allowed, Refusal> {
    let stage = lc.active_stage();
    let failed = lc
        .records(stage)
        .unwrap_or(&[])
        .iter()
        .find(|r| r.status.is_retryable())
        .map(|r| EventRef {
            stage,
            event: r.event,
        });
    match failed {
        Some(target) if target.event.is_decision() => Err(Refusal::DecisionRequired),
        Some(target) => check_trigger(lc, target),
        None => Err(Refusal::NothingToRetry),
    }
}

/// Resolves a user's event name to a position: in the latest patch cycle when
/// patches exist and the event belongs to the patch sequence, else in creation.
pub fn resolve_event(lc: &Lifecycle, event: EventKind, phase: Option<Phase>) -> EventRef {
    let explicit_patch = phase == Some(Phase::Patch) || event == EventKind::AmiPatch;
    let patch_event = explicit_patch
        || (phase.is_none()
            && lc.latest_patch().is_some()
            && Phase::Patch.sequence().contains(&event));
    let stage = match lc.latest_patch() {
        Some(cycle) if patch_event => Stage::Patch(cycle.number),
        None if explicit_patch => Stage::Patch(1),
        _ => Stage::Creation,
    };
    EventRef { stage, event }
}
