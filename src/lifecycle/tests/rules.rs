//! The order rules in creation: what runs next, which triggers and decisions
//! are allowed, one event at a time, and retries.

use super::super::rules::{check_decision, check_new_patch, check_trigger, next_allowed};
use super::super::{CREATION_SEQUENCE, EventKind as K, Phase, Refusal};
use super::{C, E, F, Fixture, N, R, allowed, creation, patch, previous};

#[test]
fn next_allowed_walks_the_creation_sequence() {
    for done in 0..=CREATION_SEQUENCE.len() {
        let lc = Fixture::with_creation(&vec![C; done]).build();
        let expected = CREATION_SEQUENCE.get(done).map(|e| creation(*e));
        assert_eq!(next_allowed(&lc), expected, "{done} completed");
    }
}

#[test]
fn next_allowed_depends_on_the_status_of_the_next_event() {
    for (done, kind) in CREATION_SEQUENCE.iter().enumerate() {
        let next = creation(*kind);
        for (status, expected) in [(N, Some(next)), (F, Some(next)), (E, Some(next)), (R, None)] {
            let mut statuses = vec![C; done];
            statuses.push(status);
            let lc = Fixture::with_creation(&statuses).build();
            assert_eq!(
                next_allowed(&lc),
                expected,
                "{done} completed, next {status}"
            );
        }
    }
}

#[test]
fn triggers_in_creation() {
    let qa = creation(K::QaCertificationResponse);
    let prod = creation(K::MarkForProduction);
    let cases = [
        (
            "first build",
            &[][..],
            creation(K::AmiBuild),
            allowed(creation(K::AmiBuild), 1, false),
        ),
        (
            "smoke after build",
            &[C],
            creation(K::SmokeTests),
            allowed(creation(K::SmokeTests), 1, false),
        ),
        (
            "smoke before build",
            &[],
            creation(K::SmokeTests),
            previous(creation(K::SmokeTests), K::AmiBuild, N),
        ),
        (
            "scans after failed smoke",
            &[C, F],
            creation(K::VulnerabilityScans),
            previous(creation(K::VulnerabilityScans), K::SmokeTests, F),
        ),
        (
            "production skipping QA",
            &[C, C, C],
            prod,
            previous(prod, K::QaCertificationRequest, N),
        ),
        (
            "production after QA error",
            &[C, C, C, E],
            prod,
            previous(prod, K::QaCertificationRequest, E),
        ),
        (
            "production after rejection",
            &[C, C, C, C, F],
            prod,
            previous(prod, K::QaCertificationResponse, F),
        ),
        (
            "production after certification",
            &[C, C, C, C, C],
            prod,
            allowed(prod, 1, false),
        ),
        (
            "QA response is a decision",
            &[C, C, C, C],
            qa,
            Err(Refusal::DecisionRequired),
        ),
        (
            "QA response out of order",
            &[C, C, C],
            qa,
            previous(qa, K::QaCertificationRequest, N),
        ),
        (
            "completed build",
            &[C],
            creation(K::AmiBuild),
            Err(Refusal::AlreadyCompleted {
                target: creation(K::AmiBuild),
            }),
        ),
        (
            "completed production",
            &[C; 6],
            prod,
            Err(Refusal::AlreadyCompleted { target: prod }),
        ),
        (
            "patch build in creation",
            &[C; 6],
            creation(K::AmiPatch),
            Err(Refusal::NotInSequence {
                event: K::AmiPatch,
                phase: Phase::Creation,
            }),
        ),
        (
            "patch stage without patches",
            &[C; 6],
            patch(1, K::AmiPatch),
            Err(Refusal::UnknownPatchCycle { number: 1 }),
        ),
    ];
    for (name, statuses, target, expected) in cases {
        let lc = Fixture::with_creation(statuses).build();
        assert_eq!(check_trigger(&lc, target), expected, "{name}");
    }
}

#[test]
fn only_one_event_runs_at_a_time() {
    let build = creation(K::AmiBuild);
    let lc = Fixture::with_creation(&[R])
        .actor(build, "arn:aws:sts::1:assumed-role/dev/ana")
        .build();
    let expected = Err(Refusal::AnotherRunning {
        running: build,
        actor: Some("arn:aws:sts::1:assumed-role/dev/ana".to_string()),
    });
    // Neither the running event itself, nor the next one, nor a decision or a new patch.
    assert_eq!(check_trigger(&lc, build), expected);
    assert_eq!(check_trigger(&lc, creation(K::SmokeTests)), expected);
    assert_eq!(check_decision(&lc, "looks good"), expected);

    let lc = Fixture::in_production().patch(&[C, C, R]).build();
    let running = Err(Refusal::AnotherRunning {
        running: patch(1, K::VulnerabilityScans),
        actor: None,
    });
    assert_eq!(check_trigger(&lc, patch(1, K::MarkForProduction)), running);
    assert_eq!(check_new_patch(&lc).map(|_| ()), running.map(|_| ()));
    // Completed events stay immutable even while something else runs.
    assert_eq!(
        check_trigger(&lc, patch(1, K::SmokeTests)),
        Err(Refusal::AlreadyCompleted {
            target: patch(1, K::SmokeTests)
        })
    );
}

#[test]
fn failed_and_errored_events_are_retried_with_the_next_attempt() {
    for phase in [Phase::Creation, Phase::Patch] {
        for (index, kind) in phase.sequence().iter().enumerate() {
            for (status, attempt) in [(F, 1), (E, 1), (F, 3), (E, 4)] {
                let mut statuses = vec![C; index];
                statuses.push(status);
                let (fixture, target) = match phase {
                    Phase::Creation => (Fixture::with_creation(&statuses), creation(*kind)),
                    Phase::Patch => (Fixture::in_production().patch(&statuses), patch(1, *kind)),
                };
                let lc = fixture.attempt(target, attempt).build();
                let expected = allowed(target, attempt + 1, true);
                let got = if kind.is_decision() {
                    check_decision(&lc, "second look")
                } else {
                    check_trigger(&lc, target)
                };
                assert_eq!(got, expected, "{target} {status} attempt {attempt}");
            }
        }
    }
}

#[test]
fn decisions_need_their_turn_and_a_reason() {
    let qa = creation(K::QaCertificationResponse);
    let cases = [
        (
            "certified with a reason",
            &[C, C, C, C][..],
            "CIS benchmark passed",
            allowed(qa, 1, false),
        ),
        (
            "re-certified after rejection",
            &[C, C, C, C, F],
            "fixed",
            allowed(qa, 2, true),
        ),
        ("no reason", &[C, C, C, C], "", Err(Refusal::ReasonRequired)),
        (
            "blank reason",
            &[C, C, C, C],
            " \t\n",
            Err(Refusal::ReasonRequired),
        ),
        (
            "rejected without a reason",
            &[C, C, C, C, F],
            "",
            Err(Refusal::ReasonRequired),
        ),
        (
            "before QA was requested",
            &[C, C, C],
            "ok",
            previous(qa, K::QaCertificationRequest, N),
        ),
        (
            "while QA request runs",
            &[C, C, C, R],
            "ok",
            Err(Refusal::AnotherRunning {
                running: creation(K::QaCertificationRequest),
                actor: None,
            }),
        ),
        (
            "already certified",
            &[C, C, C, C, C],
            "again",
            Err(Refusal::AlreadyCompleted { target: qa }),
        ),
        // The position is judged before the reason.
        ("fresh, no reason", &[], "", previous(qa, K::AmiBuild, N)),
    ];
    for (name, statuses, reason, expected) in cases {
        let lc = Fixture::with_creation(statuses).build();
        assert_eq!(check_decision(&lc, reason), expected, "{name}");
    }
}
