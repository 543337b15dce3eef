//! amiboard's lifecycle message: reference event names, stages, attributes
//! against the body, attribute-only messages.

use serde_json::json;

use super::super::super::{EventKind, EventStatus, Phase, Stage};
use super::super::amiboard::parse_stage;
use super::super::{NotificationKind, Source, decode};
use super::{fixture, with_field, wrap};

const BODY: &str = fixture!("amiboard-lifecycle.json");
const LIFECYCLE: &str = "2b4c443f-44fe-442f-a233-32fb5dac5e2c";

fn lifecycle_of(
    body: &str,
) -> (
    Option<EventKind>,
    Option<EventStatus>,
    Option<Stage>,
    Option<Phase>,
) {
    match decode(body).kind {
        NotificationKind::Lifecycle {
            event,
            status,
            stage,
            phase,
            ..
        } => (event, status, stage, phase),
        other => panic!("{other:?}"),
    }
}

#[test]
fn event_names_amiboard_and_reference() {
    let cases = [
        ("AMI_BUILD", EventKind::AmiBuild, None),
        ("BUILD_AMI", EventKind::AmiBuild, Some(Phase::Creation)),
        (
            "SMOKE_TESTS_AMI_CREATE",
            EventKind::SmokeTests,
            Some(Phase::Creation),
        ),
        (
            "VULNERABILIY_SCANS_AMI_CREATE",
            EventKind::VulnerabilityScans,
            Some(Phase::Creation),
        ),
        (
            "VULNERABILITY_SCANS_AMI_PATCH",
            EventKind::VulnerabilityScans,
            Some(Phase::Patch),
        ),
        (
            "QA_CERTIFICATION_REQUEST",
            EventKind::QaCertificationRequest,
            Some(Phase::Creation),
        ),
        (
            "QA_CERTIFICATION_RESPONSE",
            EventKind::QaCertificationResponse,
            Some(Phase::Creation),
        ),
        (
            "MARK_FOR_PRODUCTION_PATCH",
            EventKind::MarkForProduction,
            Some(Phase::Patch),
        ),
        ("PATCH_AMI", EventKind::AmiPatch, Some(Phase::Patch)),
        ("smoke-tests", EventKind::SmokeTests, None),
    ];
    for (name, kind, implied) in cases {
        let mut body: serde_json::Value = serde_json::from_str(BODY).unwrap();
        body["event"] = json!(name);
        body["stage"] = json!(null);
        let (event, _, stage, phase) = lifecycle_of(&wrap(&body.to_string(), &[("event", name)]));
        assert_eq!((event, stage, phase), (Some(kind), None, implied), "{name}");
    }
}

#[test]
fn stages() {
    let cases = [
        ("creation", Some(Stage::Creation), Some(Phase::Creation)),
        ("ami-creation", Some(Stage::Creation), Some(Phase::Creation)),
        ("patch-2", Some(Stage::Patch(2)), Some(Phase::Patch)),
        ("Patch 12", Some(Stage::Patch(12)), Some(Phase::Patch)),
        ("patch_1", Some(Stage::Patch(1)), Some(Phase::Patch)),
        ("ami-patch", None, Some(Phase::Patch)),
        ("patch-0", None, None),
        ("patch--x", None, None),
        ("later", None, None),
    ];
    for (text, stage, phase) in cases {
        assert_eq!(parse_stage(text), (stage, phase), "{text}");
    }
}

#[test]
fn the_body_wins_over_disagreeing_attributes() {
    let attributes = [
        ("lifecycle_id", "someone-else"),
        ("event", "VULNERABILITY_SCANS"),
        ("status", "FAILED"),
        ("stack_tag", "web-frontend"),
    ];
    let n = decode(&wrap(BODY, &attributes));
    assert_eq!(n.lifecycle_id.as_deref(), Some(LIFECYCLE));
    assert_eq!(n.outcome, Some(EventStatus::Completed));
    assert_eq!(n.warnings.len(), 3, "{:?}", n.warnings);
    let (event, ..) = lifecycle_of(&wrap(BODY, &attributes));
    assert_eq!(event, Some(EventKind::SmokeTests));

    // Equivalent spellings are no disagreement.
    let same = [
        ("event", "smoke_tests"),
        ("status", "completed"),
        ("lifecycle_id", LIFECYCLE),
    ];
    assert!(decode(&wrap(BODY, &same)).warnings.is_empty());
}

#[test]
fn lifecycle_id_and_fields_from_either_side() {
    let without_id = with_field(BODY, "lifecycle_id", json!(null));
    let n = decode(&wrap(&without_id, &[("lifecycle_id", "from-attribute")]));
    assert_eq!(n.lifecycle_id.as_deref(), Some("from-attribute"));

    let without_status = with_field(BODY, "status", json!(null));
    let n = decode(&wrap(&without_status, &[("status", "IN_PROGRESS")]));
    assert_eq!(n.outcome, Some(EventStatus::InProgress));
    assert_eq!(n.status.as_deref(), Some("IN_PROGRESS"));

    let reference_status = with_field(BODY, "status", json!("ERROR_EVENT_TIMEOUT"));
    assert_eq!(decode(&reference_status).outcome, Some(EventStatus::Error));

    let attempt_text = with_field(BODY, "attempt", json!("4"));
    let NotificationKind::Lifecycle { attempt, .. } = decode(&attempt_text).kind else {
        panic!()
    };
    assert_eq!(attempt, Some(4));
}

#[test]
fn a_lifecycle_from_attributes_alone() {
    let attributes = [
        ("lifecycle_id", LIFECYCLE),
        ("stack_tag", "web-frontend"),
        ("event", "MARK_FOR_PRODUCTION_CREATE"),
        ("status", "COMPLETED"),
    ];
    let n = decode(&wrap("Your AMI is in production.", &attributes));
    assert_eq!(n.source, Source::Amiboard);
    assert_eq!(n.lifecycle_id.as_deref(), Some(LIFECYCLE));
    assert_eq!(
        n.summary,
        "web-frontend: MARK_FOR_PRODUCTION (creation) COMPLETED"
    );
    assert_eq!(n.raw, "Your AMI is in production.");
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(n.event_time, n.published_at);

    // A lifecycle id alone ties the message but does not make it a lifecycle event.
    let n = decode(&wrap("hello", &[("lifecycle_id", LIFECYCLE)]));
    assert_eq!(
        (n.source, &n.kind),
        (Source::Unknown, &NotificationKind::Raw)
    );
    assert_eq!(n.lifecycle_id.as_deref(), Some(LIFECYCLE));
}

#[test]
fn unknown_names_are_kept_with_warnings() {
    let odd = with_field(
        &with_field(BODY, "event", json!("DANCE")),
        "status",
        json!("MAYBE"),
    );
    let n = decode(&odd);
    let (event, status, ..) = lifecycle_of(&odd);
    assert_eq!((event, status), (None, None));
    assert_eq!(n.status, None);
    assert_eq!(n.warnings.len(), 2, "{:?}", n.warnings);
    assert!(
        n.summary.contains("event ?") && n.summary.contains("status ?"),
        "{}",
        n.summary
    );

    let other_kind = with_field(BODY, "kind", json!("orchestrator-error"));
    let n = decode(&other_kind);
    assert_eq!(
        (n.source, &n.kind),
        (Source::Amiboard, &NotificationKind::Raw)
    );
    assert_eq!(n.lifecycle_id.as_deref(), Some(LIFECYCLE));
    assert_eq!(n.warnings.len(), 1);

    let conflict = with_field(BODY, "event", json!("VULNERABILITY_SCANS_AMI_PATCH"));
    let (_, _, stage, phase) = lifecycle_of(&conflict);
    assert_eq!(
        (stage, phase),
        (Some(Stage::Creation), Some(Phase::Creation))
    );
    assert_eq!(decode(&conflict).warnings.len(), 1);
}

#[test]
fn a_retirement_message_decodes_with_its_override() {
    let decoded = decode(fixture!("amiboard-retirement.json"));
    assert_eq!(decoded.source, Source::Amiboard);
    assert_eq!(decoded.lifecycle_id.as_deref(), Some(LIFECYCLE));
    assert_eq!(decoded.ami_ids.len(), 2);
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    match &decoded.kind {
        NotificationKind::Retirement {
            event,
            status,
            stage,
            override_line,
            ..
        } => {
            assert_eq!(event, "RETIRE_DELETE");
            assert_eq!(*status, Some(EventStatus::Completed));
            assert_eq!(*stage, Some(Stage::Creation));
            assert_eq!(
                override_line.as_deref(),
                Some("⚠ override by platform/alice: moved to 2.0.0")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decoded.summary,
        "web-frontend: RETIRE_DELETE (creation) COMPLETED, attempt 1 by platform/alice; ⚠ override by platform/alice: moved to 2.0.0"
    );
    // A failed one carries its reason; an unknown status is a warning, not a panic.
    let failed = with_field(
        fixture!("amiboard-retirement.json"),
        "status",
        json!("FAILED"),
    );
    let failed = with_field(
        &failed,
        "reason",
        json!("ami-0abc (eu-west-1): DeregisterImage failed"),
    );
    assert!(
        decode(&failed)
            .summary
            .contains("FAILED, attempt 1 by platform/alice: ami-0abc")
    );
    let odd = with_field(
        fixture!("amiboard-retirement.json"),
        "status",
        json!("WHATEVER"),
    );
    assert_eq!(
        decode(&odd).warnings,
        vec!["unknown retirement status \"WHATEVER\"".to_string()]
    );
}
