//! Table-driven unit tests of the pure domain, with a small builder that
//! puts a lifecycle in any state: statuses per event, patch cycles, AMIs.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

mod approvals;
mod events;
mod lookup;
mod model;
mod patches;
mod refusals;
mod rules;
mod sanitize_output;
mod targets;
mod versions;

use chrono::{DateTime, TimeZone, Utc};

use super::{
    Allowed, AmiOutput, Bump, EventKind, EventRef, EventStatus, Lifecycle, PatchCycle, Refusal,
    Stage, bump, parse_version,
};

/// Short names so the tables read as a row of statuses.
pub(super) const N: EventStatus = EventStatus::NotStarted;
pub(super) const R: EventStatus = EventStatus::InProgress;
pub(super) const C: EventStatus = EventStatus::Completed;
pub(super) const F: EventStatus = EventStatus::Failed;
pub(super) const E: EventStatus = EventStatus::Error;

/// The fixed instant every fixture uses.
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
}

/// An event of the creation sequence.
pub(super) fn creation(event: EventKind) -> EventRef {
    EventRef {
        stage: Stage::Creation,
        event,
    }
}

/// An event of patch cycle `number`.
pub(super) fn patch(number: u32, event: EventKind) -> EventRef {
    EventRef {
        stage: Stage::Patch(number),
        event,
    }
}

/// An allowed trigger, as the rules return it (a `Result` to compare with theirs).
#[allow(clippy::unnecessary_wraps)]
pub(super) fn allowed(target: EventRef, attempt: u32, retry: bool) -> Result<Allowed, Refusal> {
    Ok(Allowed {
        target,
        attempt,
        retry,
    })
}

/// A refusal because an earlier event has not completed.
pub(super) fn previous(
    target: EventRef,
    previous: EventKind,
    status: EventStatus,
) -> Result<Allowed, Refusal> {
    Err(Refusal::PreviousNotCompleted {
        target,
        previous,
        status,
    })
}

/// Builds a lifecycle in a given state.
pub(super) struct Fixture {
    lc: Lifecycle,
}

impl Fixture {
    /// A lifecycle whose creation events have these statuses, in sequence order;
    /// the events not listed stay `NOT_STARTED`.
    pub(super) fn with_creation(statuses: &[EventStatus]) -> Self {
        let mut lc = Lifecycle::new("lc-1", "web", "nginx", "1.25", "team-a", t0());
        lc.ami_semver = Some("1.0.0".to_string());
        set_statuses(&mut lc.creation, statuses);
        Fixture { lc }
    }

    /// A lifecycle whose creation reached production.
    pub(super) fn in_production() -> Self {
        Self::with_creation(&[C; 6])
    }

    /// Adds the next patch cycle, patching the newest production AMI with a
    /// MINOR bump, its events having these statuses.
    pub(super) fn patch(mut self, statuses: &[EventStatus]) -> Self {
        let number = u32::try_from(self.lc.patches.len()).unwrap() + 1;
        let parent_stage = self.lc.newest_production().unwrap_or(Stage::Creation);
        let parent_semver = self.lc.stage_semver(parent_stage).unwrap().to_string();
        let semver = bump(&parse_version(&parent_semver).unwrap(), Bump::Minor);
        let mut events = Lifecycle::empty_patch_events();
        set_statuses(&mut events, statuses);
        self.lc.patches.push(PatchCycle {
            number,
            bump: Bump::Minor,
            parent_ami_id: format!("ami-parent-{number}"),
            parent_semver,
            semver: semver.to_string(),
            component: None,
            description: None,
            created_at: t0(),
            actor: None,
            events,
        });
        self
    }

    /// Sets who triggered an event.
    pub(super) fn actor(mut self, at: EventRef, actor: &str) -> Self {
        self.lc.record_mut(at).unwrap().actor = Some(actor.to_string());
        self
    }

    /// Sets how many times an event was triggered.
    pub(super) fn attempt(mut self, at: EventRef, attempt: u32) -> Self {
        self.lc.record_mut(at).unwrap().attempt = attempt;
        self
    }

    /// Records the AMIs a stage built, as (region, AMI id).
    pub(super) fn amis(mut self, stage: Stage, amis: &[(&str, &str)]) -> Self {
        // The build or patch event, the first of its sequence, holds the AMIs.
        let first = EventRef {
            stage,
            event: stage.phase().sequence()[0],
        };
        self.lc.record_mut(first).unwrap().outputs.amis = amis
            .iter()
            .map(|(region, id)| AmiOutput {
                account: None,
                region: (*region).to_string(),
                ami_id: (*id).to_string(),
                name: None,
            })
            .collect();
        self
    }

    pub(super) fn build(self) -> Lifecycle {
        self.lc
    }
}

fn set_statuses(records: &mut [super::EventRecord], statuses: &[EventStatus]) {
    assert!(statuses.len() <= records.len(), "more statuses than events");
    for (record, status) in records.iter_mut().zip(statuses) {
        record.status = *status;
        if *status != EventStatus::NotStarted {
            record.attempt = 1;
            record.started_at = Some(t0());
        }
    }
}

#[test]
fn fixture_builds_the_state_it_is_asked_for() {
    let lc = Fixture::in_production()
        .patch(&[C, C, C, C])
        .patch(&[C, F])
        .amis(Stage::Patch(2), &[("eu-west-1", "ami-2")])
        .build();
    assert!(lc.creation.iter().all(|r| r.status == C && r.attempt == 1));
    assert_eq!(lc.patches.len(), 2);
    assert_eq!(lc.patch(1).unwrap().semver, "1.1.0");
    assert_eq!(lc.patch(2).unwrap().parent_semver, "1.1.0");
    assert_eq!(lc.patch(2).unwrap().semver, "1.2.0");
    let statuses: Vec<_> = lc
        .patch(2)
        .unwrap()
        .events
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [C, F, N, N]);
    assert_eq!(lc.stage_amis(Stage::Patch(2))[0].ami_id, "ami-2");
}
