//! The execution watcher on the list: every running event is checked on the
//! clock (one effect for all), a broken one is reconciled once (read-write)
//! or shown ERROR without any write (read-only), also after a reload.

use chrono::Duration;

use super::{fresh, loaded, now};
use crate::app::action::{Action, Effect, Op, PageData};
use crate::app::state::State;
use crate::app::update::{start_load, update};
use crate::lifecycle::execution::RunStatus;
use crate::lifecycle::{EventKind, EventRef, EventStatus, Lifecycle, Stage};
use crate::ops::watcher::{Broken, Claim, Finding};

const BUILD: EventRef = EventRef {
    stage: Stage::Creation,
    event: EventKind::AmiBuild,
};

fn running(id: &str) -> Lifecycle {
    let mut lc = fresh(id, "main");
    let build = lc.record_mut(BUILD).expect("record");
    build.status = EventStatus::InProgress;
    build.attempt = 1;
    build.started_at = Some(now());
    build.execution_arn = Some(format!(
        "arn:aws:states:us-east-1:1:execution:p-ami-build:{id}"
    ));
    lc
}

fn tick(state: &mut State, seconds: i64) -> Vec<Effect> {
    update(
        state,
        Action::Tick {
            now: now() + Duration::seconds(seconds),
        },
    )
}

fn checks(effects: &[Effect]) -> Vec<Vec<Claim>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::WatchExecutions { claims } => Some(claims.clone()),
            _ => None,
        })
        .collect()
}

fn aborted(claim: &Claim) -> Broken {
    Broken {
        claim: claim.clone(),
        finding: Finding::Ended,
        status: RunStatus::Aborted,
        stopped_at: Some(now()),
        error: Some("Stopped".into()),
        cause: Some("by hand".into()),
    }
}

fn status(state: &State, id: &str) -> (EventStatus, Option<String>) {
    let r = state
        .lifecycle(id)
        .expect("loaded")
        .record(BUILD)
        .expect("record");
    (r.status, r.reason.clone())
}

#[test]
fn every_running_event_is_checked_in_one_effect_every_five_seconds() {
    let mut state = loaded(
        vec![running("lc-1"), fresh("lc-2", "main"), running("lc-3")],
        false,
    );
    let found = checks(&tick(&mut state, 1));
    assert_eq!(found.len(), 1, "one check for all running events");
    let ids: Vec<&str> = found[0].iter().map(|c| c.lifecycle_id.as_str()).collect();
    assert_eq!(ids, ["lc-1", "lc-3"], "only the running ones, none open");
    assert!(
        checks(&tick(&mut state, 2)).is_empty(),
        "one in flight at a time"
    );
    update(&mut state, Action::ExecutionsWatched { result: Ok(vec![]) });
    assert!(checks(&tick(&mut state, 5)).is_empty(), "not before 5 s");
    assert_eq!(checks(&tick(&mut state, 7)).len(), 1, "again after 5 s");
}

#[test]
fn a_broken_execution_is_reconciled_once() {
    let mut state = loaded(vec![running("lc-1"), running("lc-2")], false);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![aborted(&claims[1])]),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate { op: Op::Reconcile { lifecycle_id }, .. }] if lifecycle_id == "lc-2"),
        "{effects:?}"
    );
    let next = checks(&tick(&mut state, 7)).remove(0);
    let ids: Vec<&str> = next.iter().map(|c| c.lifecycle_id.as_str()).collect();
    assert_eq!(
        ids,
        ["lc-1"],
        "the one sent to reconcile is not asked again"
    );
}

#[test]
fn read_only_shows_a_broken_execution_without_writing_also_after_a_reload() {
    let mut state = loaded(vec![running("lc-1")], true);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![aborted(&claims[0])]),
        },
    );
    assert!(effects.is_empty(), "nothing written: {effects:?}");
    let (shown, reason) = status(&state, "lc-1");
    assert_eq!(shown, EventStatus::Error);
    let reason = reason.expect("reason");
    assert!(reason.contains("ABORTED: Stopped: by hand"), "{reason}");
    assert!(reason.ends_with("(not recorded: read-only)"), "{reason}");
    assert_eq!(state.rows[0].status, EventStatus::Error, "the list row too");

    // A reload brings the record as stored (still IN_PROGRESS): still ERROR.
    let _ = start_load(&mut state);
    let request = state.request;
    let page = PageData::last(&state, vec![running("lc-1")]);
    update(
        &mut state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(page),
        },
    );
    assert_eq!(status(&state, "lc-1").0, EventStatus::Error);
    assert!(checks(&tick(&mut state, 7)).is_empty(), "not asked again");

    // A retry moves the record on: the overlay is dropped.
    let mut retried = running("lc-1");
    retried.record_mut(BUILD).expect("record").attempt = 2;
    retried.item_version = 2;
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "lc-1".into(),
            result: Ok(retried),
        },
    );
    assert_eq!(status(&state, "lc-1").0, EventStatus::InProgress);
    assert!(state.executions.unrecorded.is_empty());
}

/// What the watcher reports of a claim whose execution does not exist.
fn missing(claim: &Claim) -> Broken {
    Broken {
        claim: claim.clone(),
        finding: Finding::Missing,
        status: RunStatus::Other,
        stopped_at: None,
        error: None,
        cause: None,
    }
}

#[test]
fn trust_02d_a_missing_execution_is_lost_in_the_list_not_running() {
    // Read-only: shown lost without writing.
    let mut state = loaded(vec![running("lc-1")], true);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![missing(&claims[0])]),
        },
    );
    assert!(effects.is_empty(), "nothing written: {effects:?}");
    assert!(state.rows[0].lost, "{:?}", state.rows[0]);
    // Wide enough for the status word (narrower lists show the glyph only).
    update(
        &mut state,
        Action::Resized {
            width: 160,
            height: 40,
        },
    );
    let screen = super::screen_text(&state);
    assert!(screen.contains("✗ lost"), "{screen}");
    assert!(!screen.contains("◐ running"), "{screen}");
    // Read-write: reconcile records it (once).
    let mut state = loaded(vec![running("lc-1")], false);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![missing(&claims[0])]),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate { op: Op::Reconcile { lifecycle_id }, .. }] if lifecycle_id == "lc-1"),
        "{effects:?}"
    );
}

#[test]
fn trust_02c_a_claim_without_an_arn_is_watched_and_one_found_running_is_reconciled() {
    let mut bare = running("lc-1");
    bare.record_mut(BUILD).expect("record").execution_arn = None;
    let mut state = loaded(vec![bare], false);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    assert_eq!(claims.len(), 1, "the claim without an ARN is watched");
    assert_eq!(claims[0].execution_arn, None);
    let found = Broken {
        claim: claims[0].clone(),
        finding: Finding::FoundByName {
            arn: "arn:aws:states:us-east-1:1:execution:p-ami-build:lc-1-c-build-1".into(),
        },
        status: RunStatus::Running,
        stopped_at: None,
        error: None,
        cause: None,
    };
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![found.clone()]),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate { op: Op::Reconcile { lifecycle_id }, .. }] if lifecycle_id == "lc-1"),
        "adopted through reconcile: {effects:?}"
    );
    // Read-only cannot adopt: a running execution is not shown as an error.
    let mut bare = running("lc-1");
    bare.record_mut(BUILD).expect("record").execution_arn = None;
    let mut state = loaded(vec![bare], true);
    let effects = update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![found]),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(status(&state, "lc-1").0, EventStatus::InProgress);
}

#[test]
fn trust_02_a_reconcile_that_left_the_claim_as_it_was_is_asked_again() {
    use crate::app::action::OpReport;
    let mut bare = running("lc-1");
    bare.record_mut(BUILD).expect("record").execution_arn = None;
    let mut state = loaded(vec![bare.clone()], false);
    let claims = checks(&tick(&mut state, 1)).remove(0);
    update(
        &mut state,
        Action::ExecutionsWatched {
            result: Ok(vec![missing(&claims[0])]),
        },
    );
    assert!(
        checks(&tick(&mut state, 7)).is_empty(),
        "sent: not asked again"
    );
    // Step Functions did not answer: the claim is as it was.
    update(
        &mut state,
        Action::OperationFinished {
            op: Op::Reconcile {
                lifecycle_id: "lc-1".into(),
            },
            result: Ok(OpReport {
                message: "AMI_BUILD of lc-1: its execution … is unknown, will check again".into(),
                lifecycle: Some(bare),
            }),
        },
    );
    let again = checks(&tick(&mut state, 13));
    assert_eq!(again.len(), 1, "asked again at the next round");
}
