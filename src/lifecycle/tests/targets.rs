//! The rules the dashboard and the operations used to derive each on their
//! own: the active stage, what a bare trigger and a retry mean, whether a
//! decision is due, and the record changes of a claim and a decision.

use super::super::rules::{decision_target, retry_target, trigger_target};
use super::super::{EventKind as K, EventStatus, Refusal, Stage};
use super::{C, E, F, Fixture, N, R, allowed, creation, patch, t0};

#[test]
fn the_active_stage_is_the_latest_patch_cycle_else_creation() {
    assert_eq!(
        Fixture::with_creation(&[C]).build().active_stage(),
        Stage::Creation
    );
    let patched = Fixture::in_production().patch(&[C]).patch(&[N]).build();
    assert_eq!(patched.active_stage(), Stage::Patch(2));
}

#[test]
fn a_bare_trigger_means_the_next_allowed_event_or_says_why_none_can_run() {
    let cases = [
        (
            "nothing done",
            &[][..],
            allowed(creation(K::AmiBuild), 1, false),
        ),
        (
            "after the build",
            &[C],
            allowed(creation(K::SmokeTests), 1, false),
        ),
        (
            "a failed smoke test",
            &[C, F],
            allowed(creation(K::SmokeTests), 2, true),
        ),
        (
            "QA decision due",
            &[C, C, C, C],
            Err(Refusal::DecisionRequired),
        ),
        (
            "while smoke tests run",
            &[C, R],
            Err(Refusal::AnotherRunning {
                running: creation(K::SmokeTests),
                actor: None,
            }),
        ),
        (
            "all done",
            &[C, C, C, C, C, C],
            Err(Refusal::AlreadyCompleted {
                target: creation(K::MarkForProduction),
            }),
        ),
    ];
    for (name, statuses, expected) in cases {
        let lc = Fixture::with_creation(statuses).build();
        assert_eq!(trigger_target(&lc), expected, "{name}");
    }
    let patched = Fixture::in_production().patch(&[C]).build();
    assert_eq!(
        trigger_target(&patched),
        allowed(patch(1, K::SmokeTests), 1, false)
    );
}

#[test]
fn a_retry_reruns_the_failed_or_broken_event_of_the_active_stage() {
    let cases = [
        (
            "failed smoke",
            &[C, F][..],
            allowed(creation(K::SmokeTests), 2, true),
        ),
        (
            "broken scan",
            &[C, C, E],
            allowed(creation(K::VulnerabilityScans), 2, true),
        ),
        ("nothing failed", &[C, C], Err(Refusal::NothingToRetry)),
        (
            "rejected QA",
            &[C, C, C, C, F],
            Err(Refusal::DecisionRequired),
        ),
    ];
    for (name, statuses, expected) in cases {
        let lc = Fixture::with_creation(statuses).build();
        assert_eq!(retry_target(&lc), expected, "{name}");
    }
    let patched = Fixture::in_production().patch(&[C, F]).build();
    assert_eq!(
        retry_target(&patched),
        allowed(patch(1, K::SmokeTests), 2, true)
    );
}

#[test]
fn a_decision_is_due_only_after_the_qa_request() {
    let due = Fixture::with_creation(&[C, C, C, C]).build();
    assert_eq!(
        decision_target(&due),
        allowed(creation(K::QaCertificationResponse), 1, false)
    );
    let early = Fixture::with_creation(&[C, C]).build();
    assert!(matches!(
        decision_target(&early),
        Err(Refusal::PreviousNotCompleted { .. })
    ));
}

#[test]
fn a_claim_starts_a_fresh_run_and_a_decision_records_who_and_why() {
    let mut lc = Fixture::with_creation(&[C, F]).build();
    let at = creation(K::SmokeTests);
    let record = lc.record_mut(at).expect("record");
    record.reason = Some("old failure".into());
    record.execution_arn = Some("arn:old".into());
    record.claim("alice", 2, t0());
    assert_eq!(record.status, EventStatus::InProgress);
    assert_eq!(record.attempt, 2);
    assert_eq!(record.actor.as_deref(), Some("alice"));
    assert_eq!(record.started_at, Some(t0()));
    assert_eq!(
        (record.finished_at, &record.reason, &record.execution_arn),
        (None, &None, &None)
    );

    let mut lc = Fixture::with_creation(&[C, C, C, C]).build();
    let qa = creation(K::QaCertificationResponse);
    let record = lc.record_mut(qa).expect("record");
    record.decide(false, "bob", 1, "  fails CIS check ", t0());
    assert_eq!(record.status, EventStatus::Failed);
    assert_eq!(record.reason.as_deref(), Some("fails CIS check"));
    assert_eq!(record.changed_at(), Some(t0()));
    record.decide(true, "bob", 2, "fixed", t0());
    assert_eq!(record.status, EventStatus::Completed);
}
