//! Every refusal: its code, and a sentence a person reads that names what was refused.

use std::collections::HashSet;

use super::super::{EventKind as K, EventStatus, Phase, Refusal};
use super::{creation, patch};

/// Every variant, with words its sentence must contain.
fn every_refusal() -> Vec<(Refusal, &'static str, Vec<&'static str>)> {
    vec![
        (
            Refusal::NotInSequence {
                event: K::QaCertificationRequest,
                phase: Phase::Patch,
            },
            "not_in_sequence",
            vec![
                "QA_CERTIFICATION_REQUEST is not an event of ami-patch",
                "AMI_PATCH → SMOKE_TESTS → VULNERABILITY_SCANS → MARK_FOR_PRODUCTION",
            ],
        ),
        (
            Refusal::UnknownPatchCycle { number: 3 },
            "unknown_patch_cycle",
            vec!["Patch cycle 3 does not exist"],
        ),
        (
            Refusal::SupersededCycle {
                number: 1,
                latest: 2,
            },
            "superseded_cycle",
            vec!["Patch cycle 1", "superseded by patch cycle 2"],
        ),
        (
            Refusal::PreviousNotCompleted {
                target: creation(K::VulnerabilityScans),
                previous: K::SmokeTests,
                status: EventStatus::Failed,
            },
            "previous_not_completed",
            vec![
                "Cannot run VULNERABILITY_SCANS: SMOKE_TESTS failed.",
                "AMI_BUILD → SMOKE_TESTS",
            ],
        ),
        (
            Refusal::PreviousNotCompleted {
                target: patch(2, K::MarkForProduction),
                previous: K::VulnerabilityScans,
                status: EventStatus::NotStarted,
            },
            "previous_not_completed",
            vec![
                "Cannot run MARK_FOR_PRODUCTION (patch 2): VULNERABILITY_SCANS has not started.",
                "AMI_PATCH → SMOKE_TESTS",
            ],
        ),
        (
            Refusal::PreviousNotCompleted {
                target: creation(K::MarkForProduction),
                previous: K::QaCertificationResponse,
                status: EventStatus::Failed,
            },
            "previous_not_completed",
            vec![
                "Cannot run MARK_FOR_PRODUCTION: QA rejected this AMI",
                "Certify it again",
            ],
        ),
        (
            Refusal::AlreadyCompleted {
                target: patch(1, K::SmokeTests),
            },
            "already_completed",
            vec!["SMOKE_TESTS (patch 1) has already completed", "immutable"],
        ),
        (
            Refusal::AnotherRunning {
                running: creation(K::AmiBuild),
                actor: Some("ana".to_string()),
            },
            "another_running",
            vec!["AMI_BUILD is running (started by ana)", "wait"],
        ),
        (
            Refusal::AnotherRunning {
                running: patch(1, K::AmiPatch),
                actor: None,
            },
            "another_running",
            vec!["AMI_PATCH (patch 1) is running; wait for it to finish."],
        ),
        (
            Refusal::DecisionRequired,
            "decision_required",
            vec![
                "QA_CERTIFICATION_RESPONSE is a person's decision",
                "certify or reject",
            ],
        ),
        (
            Refusal::NotADecision {
                event: K::SmokeTests,
            },
            "not_a_decision",
            vec!["SMOKE_TESTS is not a decision", "QA_CERTIFICATION_RESPONSE"],
        ),
        (
            Refusal::ReasonRequired,
            "reason_required",
            vec!["A reason is required"],
        ),
        (
            Refusal::NotInProduction,
            "not_in_production",
            vec!["patch cycle needs a production AMI", "MARK_FOR_PRODUCTION"],
        ),
        (Refusal::ReadOnly, "read_only", vec!["Read-only"]),
        (
            Refusal::NothingToRetry,
            "nothing_to_retry",
            vec!["Nothing to retry", "failed"],
        ),
    ]
}

#[test]
fn every_refusal_has_its_code_and_names_what_was_refused() {
    for (refusal, code, phrases) in every_refusal() {
        let sentence = refusal.to_string();
        assert_eq!(refusal.code(), code, "{sentence}");
        for phrase in phrases {
            assert!(sentence.contains(phrase), "{sentence:?} lacks {phrase:?}");
        }
    }
}

#[test]
fn refusal_sentences_read_well() {
    for (refusal, _, _) in every_refusal() {
        let sentence = refusal.to_string();
        let first = sentence.chars().next().unwrap();
        assert!(first.is_uppercase(), "{sentence:?} starts with a capital");
        assert!(
            sentence.ends_with('.'),
            "{sentence:?} ends with a full stop"
        );
        assert!(!sentence.contains("  "), "{sentence:?} has a double space");
        assert!(!sentence.contains(".."), "{sentence:?} has a double stop");
        // No Debug leaking into prose.
        for debug in ["Some(", "None", "Creation", "Patch(", "{", "_ "] {
            assert!(!sentence.contains(debug), "{sentence:?} shows {debug:?}");
        }
    }
}

#[test]
fn codes_are_distinct_snake_case() {
    let codes: HashSet<_> = every_refusal().iter().map(|(r, _, _)| r.code()).collect();
    // Three sample pairs share their variant; every variant has its own code.
    assert_eq!(codes.len(), 12);
    for code in codes {
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
    }
}

#[test]
fn refusals_are_errors() {
    let error: Box<dyn std::error::Error> = Box::new(Refusal::ReasonRequired);
    assert_eq!(
        error.to_string(),
        "A reason is required to certify or reject."
    );
}
