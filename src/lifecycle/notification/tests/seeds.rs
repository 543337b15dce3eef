//! Every example message of the seed documents, wrapped in an SNS envelope
//! and bare: its source, kind, status, AMI ids and lifecycle.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::super::super::{AmiOutput, EventKind, EventStatus, Lifecycle, Stage};
use super::super::{LinkIndex, NotificationKind, Source, decode, match_lifecycle};
use super::{PUBLISHED, fixture, with_field, wrap};

const IB_AVAILABLE_ARN: &str =
    "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3";
const IB_FAILED_ARN: &str =
    "arn:aws:imagebuilder:us-west-2:123456789012:image/my-example-image/1.0.0/7";
const EC2_AMI: &str = "ami-0123456789example";
pub(super) const COMMAND: &str = "4fd7c1a2-8d3b-4c6e-9f0a-1b2c3d4e5f60";
pub(super) const COMMAND_V1: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

pub(super) fn at(text: &str) -> Option<DateTime<Utc>> {
    text.parse().ok()
}

/// Lifecycles that recorded the seeds' image ARNs, AMI ids and command ids.
fn index() -> LinkIndex {
    let now = at(PUBLISHED).unwrap();
    let mut build = Lifecycle::new("lc-build", "linux", "example", "1", "team", now);
    build.creation[0].outputs.image_arn = Some(IB_AVAILABLE_ARN.to_owned());
    let mut failed = Lifecycle::new("lc-failed-build", "linux", "example", "1", "team", now);
    failed.creation[0].outputs.image_arn = Some(IB_FAILED_ARN.to_owned());
    let mut ec2 = Lifecycle::new("lc-ec2", "linux", "example", "1", "team", now);
    ec2.creation[0].outputs.amis.push(AmiOutput {
        account: None,
        region: "us-east-1".to_owned(),
        ami_id: EC2_AMI.to_owned(),
        name: None,
    });
    let mut smoke = Lifecycle::new("lc-smoke", "linux", "example", "1", "team", now);
    smoke.creation[1].outputs.run_command_id = Some(COMMAND.to_owned());
    let mut smoke_v1 = Lifecycle::new("lc-smoke-v1", "win", "example", "1", "team", now);
    smoke_v1.creation[1].outputs.run_command_id = Some(COMMAND_V1.to_owned());
    LinkIndex::from_lifecycles(&[build, failed, ec2, smoke, smoke_v1])
}

struct Case {
    name: &'static str,
    message: &'static str,
    source: Source,
    status: &'static str,
    outcome: Option<EventStatus>,
    ami: Option<&'static str>,
    lifecycle: &'static str,
}

#[test]
fn every_seed_decodes_to_its_source_status_ami_and_lifecycle() {
    let cases = [
        Case {
            name: "imagebuilder-available",
            message: fixture!("imagebuilder-available.json"),
            source: Source::ImageBuilder,
            status: "AVAILABLE",
            outcome: Some(EventStatus::Completed),
            ami: Some("ami-01a23bc4def5a6789"),
            lifecycle: "lc-build",
        },
        Case {
            name: "imagebuilder-failed",
            message: fixture!("imagebuilder-failed.json"),
            source: Source::ImageBuilder,
            status: "FAILED",
            outcome: Some(EventStatus::Failed),
            ami: None,
            lifecycle: "lc-failed-build",
        },
        Case {
            name: "ec2-available",
            message: fixture!("ec2-ami-available.json"),
            source: Source::Ec2,
            status: "available",
            outcome: Some(EventStatus::Completed),
            ami: Some(EC2_AMI),
            lifecycle: "lc-ec2",
        },
        Case {
            name: "ec2-failed",
            message: fixture!("ec2-ami-failed.json"),
            source: Source::Ec2,
            status: "failed",
            outcome: Some(EventStatus::Failed),
            ami: Some(EC2_AMI),
            lifecycle: "lc-ec2",
        },
        Case {
            name: "ec2-deregistered",
            message: fixture!("ec2-ami-deregistered.json"),
            source: Source::Ec2,
            status: "deregistered",
            outcome: None,
            ami: Some(EC2_AMI),
            lifecycle: "lc-ec2",
        },
        Case {
            name: "run-command-summary",
            message: fixture!("run-command-summary.json"),
            source: Source::RunCommand,
            status: "Success",
            outcome: Some(EventStatus::Completed),
            ami: None,
            lifecycle: "lc-smoke",
        },
        Case {
            name: "run-command-invocation",
            message: fixture!("run-command-invocation.json"),
            source: Source::RunCommand,
            status: "Failed",
            outcome: Some(EventStatus::Failed),
            ami: None,
            lifecycle: "lc-smoke",
        },
        Case {
            name: "run-command-summary-v1",
            message: fixture!("run-command-summary-v1.json"),
            source: Source::RunCommand,
            status: "Timed Out",
            outcome: Some(EventStatus::Error),
            ami: None,
            lifecycle: "lc-smoke-v1",
        },
        Case {
            name: "run-command-invocation-v1",
            message: fixture!("run-command-invocation-v1.json"),
            source: Source::RunCommand,
            status: "In Progress",
            outcome: Some(EventStatus::InProgress),
            ami: None,
            lifecycle: "lc-smoke-v1",
        },
        Case {
            name: "amiboard-lifecycle",
            message: fixture!("amiboard-lifecycle.json"),
            source: Source::Amiboard,
            status: "COMPLETED",
            outcome: Some(EventStatus::Completed),
            ami: Some("ami-0abc1234def567890"),
            lifecycle: "2b4c443f-44fe-442f-a233-32fb5dac5e2c",
        },
        Case {
            name: "amiboard-reference-name",
            message: fixture!("amiboard-reference-name.json"),
            source: Source::Amiboard,
            status: "FAILED",
            outcome: Some(EventStatus::Failed),
            ami: Some("ami-0fedcba9876543210"),
            lifecycle: "7d0e5f7a-1c2b-4e3d-9f8a-6b5c4d3e2f1a",
        },
    ];
    let index = index();
    for case in cases {
        for (form, body) in [
            ("wrapped", wrap(case.message, &[])),
            ("bare", case.message.to_owned()),
        ] {
            let n = decode(&body);
            let name = format!("{} ({form})", case.name);
            assert_eq!(n.source, case.source, "{name}");
            assert_ne!(n.kind, NotificationKind::Raw, "{name}");
            assert_eq!(n.status.as_deref(), Some(case.status), "{name}");
            assert_eq!(n.outcome, case.outcome, "{name}");
            assert_eq!(n.ami_ids.first().map(String::as_str), case.ami, "{name}");
            assert_eq!(
                match_lifecycle(&n, &index).as_deref(),
                Some(case.lifecycle),
                "{name}"
            );
            assert!(!n.summary.is_empty() && !n.raw.is_empty(), "{name}");
            assert_eq!(n.published_at.is_some(), form == "wrapped", "{name}");
        }
    }
}

#[test]
fn image_builder_images() {
    let n = decode(&wrap(fixture!("imagebuilder-available.json"), &[]));
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(n.image_arn.as_deref(), Some(IB_AVAILABLE_ARN));
    assert_eq!(n.event_time, at(PUBLISHED), "no event time in the message");
    assert_eq!(
        n.summary,
        "Image Builder example-linux-image 1.0.0/3 AVAILABLE: ami-01a23bc4def5a6789 (us-west-1)"
    );
    let NotificationKind::ImageBuilderImage {
        state,
        reason,
        amis,
        name,
        version,
        ..
    } = n.kind
    else {
        panic!("{:?}", n.kind)
    };
    assert_eq!((state.as_str(), reason), ("AVAILABLE", None));
    assert_eq!(
        (name.as_deref(), version.as_deref()),
        (Some("example-linux-image"), Some("1.0.0"))
    );
    assert_eq!(
        amis,
        [AmiOutput {
            account: Some("123456789012".to_owned()),
            region: "us-west-1".to_owned(),
            ami_id: "ami-01a23bc4def5a6789".to_owned(),
            name: Some("example-linux-image 2022-07-28T01-14-17.416Z".to_owned()),
        }]
    );

    let n = decode(&wrap(fixture!("imagebuilder-failed.json"), &[]));
    assert!(n.ami_ids.is_empty());
    assert_eq!(n.image_arn.as_deref(), Some(IB_FAILED_ARN));
    assert_eq!(
        n.summary,
        "Image Builder My Example Image 1.0.0/7 FAILED: Image Failure reason."
    );
    let NotificationKind::ImageBuilderImage {
        state,
        reason,
        amis,
        ..
    } = n.kind
    else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(
        (state.as_str(), reason.as_deref()),
        ("FAILED", Some("Image Failure reason."))
    );
    assert!(amis.is_empty());
}

#[test]
fn ec2_ami_state_changes() {
    let cases = [
        (
            fixture!("ec2-ami-available.json"),
            "available",
            None,
            "AMI ami-0123456789example available in us-east-1",
        ),
        (
            fixture!("ec2-ami-failed.json"),
            "failed",
            Some("Description of failure"),
            "AMI ami-0123456789example failed in us-east-1: Description of failure",
        ),
        (
            fixture!("ec2-ami-deregistered.json"),
            "deregistered",
            None,
            "AMI ami-0123456789example deregistered in us-east-1",
        ),
    ];
    for (message, expected_state, expected_error, expected_summary) in cases {
        let n = decode(&wrap(message, &[]));
        assert_eq!(n.summary, expected_summary);
        // The seed's `time` is the doc's placeholder: warned, SNS time used.
        assert_eq!(n.warnings.len(), 1, "{:?}", n.warnings);
        assert_eq!(n.event_time, at(PUBLISHED));
        let NotificationKind::AmiStateChange {
            state,
            ami_id,
            region,
            error_message,
        } = n.kind
        else {
            panic!("{:?}", n.kind)
        };
        assert_eq!(state, expected_state);
        assert_eq!(ami_id, EC2_AMI);
        assert_eq!(region.as_deref(), Some("us-east-1"));
        assert_eq!(error_message.as_deref(), expected_error);

        let bare = decode(message);
        assert_eq!(bare.message_id, "example-9f07-51db-246b-d8b8441bcdf0");
        assert_eq!(bare.event_time, None);
    }
    let timed = with_field(
        fixture!("ec2-ami-available.json"),
        "time",
        json!("2026-11-23T09:59:00Z"),
    );
    let n = decode(&wrap(&timed, &[]));
    assert!(n.warnings.is_empty());
    assert_eq!(n.event_time, at("2026-11-23T09:59:00Z"));
}

#[test]
fn amiboard_seeds() {
    let n = decode(fixture!("amiboard-lifecycle-envelope.json"));
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(n.message_id, "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
    assert_eq!(
        n.subject.as_deref(),
        Some("amiboard: SMOKE_TESTS COMPLETED")
    );
    assert_eq!(n.event_time, at("2026-11-23T10:00:00Z"));
    assert_eq!(n.published_at, at("2026-11-23T10:00:02.517Z"));
    assert_eq!(
        n.summary,
        "web-frontend: SMOKE_TESTS (creation) COMPLETED, attempt 1"
    );
    let NotificationKind::Lifecycle {
        event,
        status,
        stage,
        stack_tag,
        attempt,
        reason,
        actor,
        execution_arn,
        ..
    } = n.kind
    else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(
        (event, status, stage),
        (
            Some(EventKind::SmokeTests),
            Some(EventStatus::Completed),
            Some(Stage::Creation)
        )
    );
    assert_eq!(
        (stack_tag.as_deref(), attempt, reason),
        (Some("web-frontend"), Some(1), None)
    );
    assert!(actor.is_some() && execution_arn.is_some());

    let n = decode(&wrap(fixture!("amiboard-reference-name.json"), &[]));
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(
        n.summary,
        "batch-workers: SMOKE_TESTS (patch 2) FAILED, attempt 3: 2 of 14 smoke tests failed"
    );
    let NotificationKind::Lifecycle {
        event,
        stage,
        reason,
        ..
    } = n.kind
    else {
        panic!()
    };
    assert_eq!(
        (event, stage),
        (Some(EventKind::SmokeTests), Some(Stage::Patch(2)))
    );
    assert_eq!(reason.as_deref(), Some("2 of 14 smoke tests failed"));
}
