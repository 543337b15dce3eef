//! Event kinds, phases and statuses: sequences, names (amiboard's and the
//! reference solution's), parsing, scores and glyphs.

use std::collections::HashSet;

use super::super::{CREATION_SEQUENCE, EventKind as K, EventStatus, PATCH_SEQUENCE, Phase};
use super::{C, E, F, N, R};

#[test]
fn sequences_are_in_the_issue_order() {
    assert_eq!(
        CREATION_SEQUENCE,
        [
            K::AmiBuild,
            K::SmokeTests,
            K::VulnerabilityScans,
            K::QaCertificationRequest,
            K::QaCertificationResponse,
            K::MarkForProduction,
        ]
    );
    assert_eq!(
        PATCH_SEQUENCE,
        [
            K::AmiPatch,
            K::SmokeTests,
            K::VulnerabilityScans,
            K::MarkForProduction
        ]
    );
    assert_eq!(Phase::Creation.sequence(), CREATION_SEQUENCE);
    assert_eq!(Phase::Patch.sequence(), PATCH_SEQUENCE);
}

#[test]
fn amiboard_names_display_and_parse_back() {
    let cases = [
        (K::AmiBuild, "AMI_BUILD"),
        (K::SmokeTests, "SMOKE_TESTS"),
        (K::VulnerabilityScans, "VULNERABILITY_SCANS"),
        (K::QaCertificationRequest, "QA_CERTIFICATION_REQUEST"),
        (K::QaCertificationResponse, "QA_CERTIFICATION_RESPONSE"),
        (K::MarkForProduction, "MARK_FOR_PRODUCTION"),
        (K::AmiPatch, "AMI_PATCH"),
    ];
    assert_eq!(cases.len(), K::ALL.len(), "every kind has a case");
    for (kind, name) in cases {
        assert_eq!(kind.name(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(K::parse(name), Some(kind), "{name}");
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{name}\""), "stored name of {name}");
    }
}

#[test]
fn reference_names_per_phase() {
    let cases = [
        (K::AmiBuild, Phase::Creation, "BUILD_AMI"),
        (K::SmokeTests, Phase::Creation, "SMOKE_TESTS_AMI_CREATE"),
        (
            K::VulnerabilityScans,
            Phase::Creation,
            "VULNERABILIY_SCANS_AMI_CREATE",
        ),
        (
            K::QaCertificationRequest,
            Phase::Creation,
            "QA_CERTIFICATION_REQUEST",
        ),
        (
            K::QaCertificationResponse,
            Phase::Creation,
            "QA_CERTIFICATION_RESPONSE",
        ),
        (
            K::MarkForProduction,
            Phase::Creation,
            "MARK_FOR_PRODUCTION_CREATE",
        ),
        (K::AmiPatch, Phase::Patch, "PATCH_AMI"),
        (K::SmokeTests, Phase::Patch, "SMOKE_TESTS_AMI_PATCH"),
        (
            K::VulnerabilityScans,
            Phase::Patch,
            "VULNERABILITY_SCANS_AMI_PATCH",
        ),
        (
            K::MarkForProduction,
            Phase::Patch,
            "MARK_FOR_PRODUCTION_PATCH",
        ),
    ];
    for (kind, phase, name) in cases {
        assert_eq!(kind.reference_name(phase), name);
    }
    // Every event of every sequence parses back from its reference name to itself and its phase.
    for phase in [Phase::Creation, Phase::Patch] {
        for kind in phase.sequence() {
            let name = kind.reference_name(phase);
            assert_eq!(
                K::parse_with_phase(name),
                Some((*kind, Some(phase))),
                "{name}"
            );
        }
    }
}

#[test]
fn parsing_accepts_every_spelling() {
    let cases = [
        // amiboard names: the kind is clear, the phase is not (except QA and patch).
        ("AMI_BUILD", K::AmiBuild, None),
        ("SMOKE_TESTS", K::SmokeTests, None),
        ("VULNERABILITY_SCANS", K::VulnerabilityScans, None),
        ("MARK_FOR_PRODUCTION", K::MarkForProduction, None),
        (
            "QA_CERTIFICATION_REQUEST",
            K::QaCertificationRequest,
            Some(Phase::Creation),
        ),
        (
            "QA_CERTIFICATION_RESPONSE",
            K::QaCertificationResponse,
            Some(Phase::Creation),
        ),
        ("AMI_PATCH", K::AmiPatch, Some(Phase::Patch)),
        // Reference names, the typo and its corrected spelling.
        ("BUILD_AMI", K::AmiBuild, Some(Phase::Creation)),
        (
            "SMOKE_TESTS_AMI_CREATE",
            K::SmokeTests,
            Some(Phase::Creation),
        ),
        (
            "VULNERABILIY_SCANS_AMI_CREATE",
            K::VulnerabilityScans,
            Some(Phase::Creation),
        ),
        (
            "VULNERABILITY_SCANS_AMI_CREATE",
            K::VulnerabilityScans,
            Some(Phase::Creation),
        ),
        (
            "MARK_FOR_PRODUCTION_CREATE",
            K::MarkForProduction,
            Some(Phase::Creation),
        ),
        ("PATCH_AMI", K::AmiPatch, Some(Phase::Patch)),
        ("SMOKE_TESTS_AMI_PATCH", K::SmokeTests, Some(Phase::Patch)),
        (
            "VULNERABILITY_SCANS_AMI_PATCH",
            K::VulnerabilityScans,
            Some(Phase::Patch),
        ),
        (
            "MARK_FOR_PRODUCTION_PATCH",
            K::MarkForProduction,
            Some(Phase::Patch),
        ),
        // Case, spaces, dashes and short forms.
        ("build_ami", K::AmiBuild, Some(Phase::Creation)),
        ("Smoke_Tests_Ami_Patch", K::SmokeTests, Some(Phase::Patch)),
        (
            "vulnerabiliy_scans_ami_create",
            K::VulnerabilityScans,
            Some(Phase::Creation),
        ),
        ("  mark_for_production  ", K::MarkForProduction, None),
        ("smoke-tests", K::SmokeTests, None),
        ("smoke tests", K::SmokeTests, None),
        ("ami-patch", K::AmiPatch, Some(Phase::Patch)),
        ("build", K::AmiBuild, None),
        ("scans", K::VulnerabilityScans, None),
        ("production", K::MarkForProduction, None),
        ("patch", K::AmiPatch, Some(Phase::Patch)),
    ];
    for (text, kind, phase) in cases {
        assert_eq!(K::parse_with_phase(text), Some((kind, phase)), "{text:?}");
        assert_eq!(K::parse(text), Some(kind), "{text:?}");
    }
}

#[test]
fn unknown_event_names_are_none() {
    for text in [
        "",
        "   ",
        "QA",
        "BUILD_AMIS",
        "AMI_BUILDS",
        "VULN_SCANS",
        "MARK_FOR_PRODUCTION_DELETE",
        "SMOKE_TESTS_AMI",
        "QA_CERTIFICATION",
        "AMI_BUILD_X",
        "AMIBUILD",
    ] {
        assert_eq!(K::parse_with_phase(text), None, "{text:?}");
        assert_eq!(K::parse(text), None, "{text:?}");
    }
}

#[test]
fn lookup_scores_and_decisions() {
    let cases = [
        (K::AmiBuild, 1, false),
        (K::AmiPatch, 1, false),
        (K::SmokeTests, 2, false),
        (K::VulnerabilityScans, 3, false),
        (K::QaCertificationRequest, 4, false),
        (K::QaCertificationResponse, 5, true),
        (K::MarkForProduction, 6, false),
    ];
    for (kind, score, decision) in cases {
        assert_eq!(kind.lookup_score(), score, "{kind}");
        assert_eq!(kind.is_decision(), decision, "{kind}");
    }
}

#[test]
fn labels_are_distinct() {
    let labels: HashSet<_> = K::ALL.iter().map(|k| k.label()).collect();
    assert_eq!(labels.len(), K::ALL.len());
}

#[test]
fn phases_parse_and_name_their_lifecycle_type() {
    assert_eq!(Phase::Creation.lifecycle_type(), "ami-creation");
    assert_eq!(Phase::Patch.lifecycle_type(), "ami-patch");
    assert_eq!(Phase::Patch.to_string(), "ami-patch");
    let cases = [
        ("ami-creation", Some(Phase::Creation)),
        ("AMI-Creation", Some(Phase::Creation)),
        (" creation ", Some(Phase::Creation)),
        ("ami-patch", Some(Phase::Patch)),
        ("PATCH", Some(Phase::Patch)),
        ("ami_patch", None),
        ("", None),
        ("build", None),
    ];
    for (text, phase) in cases {
        assert_eq!(Phase::parse(text), phase, "{text:?}");
    }
}

#[test]
fn statuses_parse_from_every_stored_spelling() {
    let cases = [
        ("NOT_STARTED", Some(N)),
        ("notstarted", Some(N)),
        ("not started", Some(N)),
        ("IN_PROGRESS", Some(R)),
        ("in-progress", Some(R)),
        ("RUNNING", Some(R)),
        ("EVENT_IN_PROGRESS", Some(R)),
        ("started", Some(R)),
        ("COMPLETED", Some(C)),
        ("Succeeded", Some(C)),
        ("success", Some(C)),
        ("done", Some(C)),
        ("FAILED", Some(F)),
        ("rejected", Some(F)),
        ("ERROR", Some(E)),
        ("ERROR_EVENT_TIMEOUT", Some(E)),
        ("EVENT_IN_PROGRESS_WITH_ERROR", Some(E)),
        ("timed_out", Some(E)),
        ("aborted", Some(E)),
        ("  completed  ", Some(C)),
        ("", None),
        ("PENDING", None),
        ("COMPLETE", None),
        ("FAIL", None),
    ];
    for (text, status) in cases {
        assert_eq!(EventStatus::parse(text), status, "{text:?}");
    }
}

#[test]
fn status_names_words_and_glyphs() {
    let cases = [
        (N, "NOT_STARTED", "not started", false),
        (R, "IN_PROGRESS", "running", false),
        (C, "COMPLETED", "completed", false),
        (F, "FAILED", "failed", true),
        (E, "ERROR", "error", true),
    ];
    assert_eq!(cases.len(), EventStatus::ALL.len());
    for (status, name, word, retryable) in cases {
        assert_eq!(status.name(), name);
        assert_eq!(status.to_string(), name);
        assert_eq!(status.word(), word);
        assert_eq!(status.is_retryable(), retryable, "{name}");
        assert_eq!(EventStatus::parse(name), Some(status));
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            format!("\"{name}\"")
        );
    }
    // Never colour alone: every status has its own glyph.
    let glyphs: HashSet<_> = EventStatus::ALL.iter().map(|s| s.glyph()).collect();
    assert_eq!(glyphs.len(), EventStatus::ALL.len());
    assert!(
        EventStatus::ALL
            .iter()
            .all(|s| s.glyph().chars().count() == 1)
    );
    assert_eq!(EventStatus::default(), N);
}
