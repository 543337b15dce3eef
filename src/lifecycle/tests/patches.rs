//! The rules of patch cycles: only the latest cycle moves, in order, and a new
//! cycle starts only on a production AMI while nothing runs.

use super::super::rules::{check_new_patch, check_trigger, next_allowed, resolve_event};
use super::super::{EventKind as K, PATCH_SEQUENCE, Phase, Refusal, Stage};
use super::{C, E, F, Fixture, N, R, allowed, creation, patch, previous};

#[test]
fn next_allowed_walks_the_latest_patch_cycle() {
    for done in 0..=PATCH_SEQUENCE.len() {
        let lc = Fixture::in_production().patch(&vec![C; done]).build();
        let expected = PATCH_SEQUENCE.get(done).map(|e| patch(1, *e));
        assert_eq!(next_allowed(&lc), expected, "patch 1, {done} completed");

        // An older cycle, finished or abandoned, never moves: only the latest one.
        for first in [[C, C, C, C], [C, F, N, N]] {
            let lc = Fixture::in_production()
                .patch(&first)
                .patch(&vec![C; done])
                .build();
            let expected = PATCH_SEQUENCE.get(done).map(|e| patch(2, *e));
            assert_eq!(
                next_allowed(&lc),
                expected,
                "patch 2 after {first:?}, {done} completed"
            );
        }
    }
}

#[test]
fn next_allowed_is_none_while_a_patch_event_runs_and_retries_a_failed_one() {
    let running = Fixture::in_production().patch(&[C, R]).build();
    assert_eq!(next_allowed(&running), None);
    let failed = Fixture::in_production().patch(&[C, C, F]).build();
    assert_eq!(next_allowed(&failed), Some(patch(1, K::VulnerabilityScans)));
    // A rejected certification is offered again: QA decides once more.
    let rejected = Fixture::with_creation(&[C, C, C, C, F]).build();
    assert_eq!(
        next_allowed(&rejected),
        Some(creation(K::QaCertificationResponse))
    );
}

#[test]
fn triggers_in_patch_cycles() {
    let cases = [
        (
            "patch build",
            Fixture::in_production().patch(&[]),
            patch(1, K::AmiPatch),
            allowed(patch(1, K::AmiPatch), 1, false),
        ),
        (
            "smoke before patch build",
            Fixture::in_production().patch(&[]),
            patch(1, K::SmokeTests),
            previous(patch(1, K::SmokeTests), K::AmiPatch, N),
        ),
        (
            "production after failed scans",
            Fixture::in_production().patch(&[C, C, F]),
            patch(1, K::MarkForProduction),
            previous(patch(1, K::MarkForProduction), K::VulnerabilityScans, F),
        ),
        (
            "production after scans",
            Fixture::in_production().patch(&[C, C, C]),
            patch(1, K::MarkForProduction),
            allowed(patch(1, K::MarkForProduction), 1, false),
        ),
        (
            "QA in a patch cycle",
            Fixture::in_production().patch(&[C, C, C]),
            patch(1, K::QaCertificationRequest),
            Err(Refusal::NotInSequence {
                event: K::QaCertificationRequest,
                phase: Phase::Patch,
            }),
        ),
        (
            "creation build in a patch cycle",
            Fixture::in_production().patch(&[]),
            patch(1, K::AmiBuild),
            Err(Refusal::NotInSequence {
                event: K::AmiBuild,
                phase: Phase::Patch,
            }),
        ),
        (
            "cycle that does not exist",
            Fixture::in_production().patch(&[]),
            patch(2, K::AmiPatch),
            Err(Refusal::UnknownPatchCycle { number: 2 }),
        ),
        (
            "superseded cycle",
            Fixture::in_production().patch(&[C, F]).patch(&[]),
            patch(1, K::SmokeTests),
            Err(Refusal::SupersededCycle {
                number: 1,
                latest: 2,
            }),
        ),
        (
            "superseded twice",
            Fixture::in_production().patch(&[C]).patch(&[C]).patch(&[]),
            patch(2, K::SmokeTests),
            Err(Refusal::SupersededCycle {
                number: 2,
                latest: 3,
            }),
        ),
        (
            "latest of two",
            Fixture::in_production().patch(&[C; 4]).patch(&[C]),
            patch(2, K::SmokeTests),
            allowed(patch(2, K::SmokeTests), 1, false),
        ),
        (
            "creation once patched",
            Fixture::in_production().patch(&[]),
            creation(K::SmokeTests),
            Err(Refusal::AlreadyCompleted {
                target: creation(K::SmokeTests),
            }),
        ),
    ];
    for (name, fixture, target, expected) in cases {
        assert_eq!(check_trigger(&fixture.build(), target), expected, "{name}");
    }
}

#[test]
fn a_patch_cycle_starts_on_the_newest_production_ami() {
    let cases = [
        (
            "fresh",
            Fixture::with_creation(&[]),
            Err(Refusal::NotInProduction),
        ),
        (
            "certified, not promoted",
            Fixture::with_creation(&[C, C, C, C, C]),
            Err(Refusal::NotInProduction),
        ),
        (
            "promotion failed",
            Fixture::with_creation(&[C, C, C, C, C, F]),
            Err(Refusal::NotInProduction),
        ),
        (
            "rejected",
            Fixture::with_creation(&[C, C, C, C, F]),
            Err(Refusal::NotInProduction),
        ),
        (
            "promotion running",
            Fixture::with_creation(&[C, C, C, C, C, R]),
            Err(Refusal::AnotherRunning {
                running: creation(K::MarkForProduction),
                actor: None,
            }),
        ),
        (
            "in production",
            Fixture::in_production(),
            Ok(Stage::Creation),
        ),
        (
            "patch 1 in production",
            Fixture::in_production().patch(&[C; 4]),
            Ok(Stage::Patch(1)),
        ),
        (
            "patch 1 abandoned",
            Fixture::in_production().patch(&[C, F]),
            Ok(Stage::Creation),
        ),
        (
            "patch 1 not started",
            Fixture::in_production().patch(&[]),
            Ok(Stage::Creation),
        ),
        (
            "patch 2 failed on patch 1",
            Fixture::in_production().patch(&[C; 4]).patch(&[C, C, C, E]),
            Ok(Stage::Patch(1)),
        ),
        (
            "patch 2 in production",
            Fixture::in_production().patch(&[C; 4]).patch(&[C; 4]),
            Ok(Stage::Patch(2)),
        ),
    ];
    for (name, fixture, expected) in cases {
        assert_eq!(check_new_patch(&fixture.build()), expected, "{name}");
    }
}

#[test]
fn event_names_resolve_to_the_active_stage() {
    let fresh = Fixture::with_creation(&[]).build();
    let patched = Fixture::in_production().patch(&[C; 4]).patch(&[C]).build();
    let cases = [
        (&fresh, K::SmokeTests, None, creation(K::SmokeTests)),
        (&fresh, K::AmiPatch, None, patch(1, K::AmiPatch)),
        (
            &fresh,
            K::SmokeTests,
            Some(Phase::Patch),
            patch(1, K::SmokeTests),
        ),
        (&patched, K::SmokeTests, None, patch(2, K::SmokeTests)),
        (
            &patched,
            K::MarkForProduction,
            None,
            patch(2, K::MarkForProduction),
        ),
        (&patched, K::AmiPatch, None, patch(2, K::AmiPatch)),
        (
            &patched,
            K::SmokeTests,
            Some(Phase::Creation),
            creation(K::SmokeTests),
        ),
        (
            &patched,
            K::QaCertificationRequest,
            None,
            creation(K::QaCertificationRequest),
        ),
        (&patched, K::AmiBuild, None, creation(K::AmiBuild)),
    ];
    for (lc, event, phase, expected) in cases {
        assert_eq!(
            resolve_event(lc, event, phase),
            expected,
            "{event} {phase:?}"
        );
    }
}
