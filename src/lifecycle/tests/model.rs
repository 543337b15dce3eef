//! The lifecycle model's queries: the running and current event, production
//! stages, the newest AMI, parent chains, durations and scan summaries.

use chrono::Duration;

use super::super::{
    EventKind as K, EventRecord, EventStatus, Lifecycle, Stage, VulnerabilityCounts,
};
use super::{C, F, Fixture, R, creation, patch, t0};

#[test]
fn running_and_current_event() {
    let cases = [
        (Fixture::with_creation(&[]), None, creation(K::AmiBuild)),
        (
            Fixture::with_creation(&[C, C, F]),
            None,
            creation(K::VulnerabilityScans),
        ),
        (
            Fixture::with_creation(&[C, R]),
            Some(creation(K::SmokeTests)),
            creation(K::SmokeTests),
        ),
        (
            Fixture::in_production(),
            None,
            creation(K::MarkForProduction),
        ),
        (
            Fixture::in_production().patch(&[]),
            None,
            creation(K::MarkForProduction),
        ),
        (
            Fixture::in_production().patch(&[C, R]),
            Some(patch(1, K::SmokeTests)),
            patch(1, K::SmokeTests),
        ),
        (
            Fixture::in_production().patch(&[C; 4]).patch(&[F]),
            None,
            patch(2, K::AmiPatch),
        ),
    ];
    for (fixture, running, current) in cases {
        let lc = fixture.build();
        assert_eq!(lc.running().map(|(at, _)| at), running, "running {current}");
        assert_eq!(lc.current().0, current);
    }
}

#[test]
fn newest_production_stage() {
    let cases = [
        (Fixture::with_creation(&[C, C, C, C, C]), None),
        (Fixture::in_production(), Some(Stage::Creation)),
        (
            Fixture::in_production().patch(&[C, C, C]),
            Some(Stage::Creation),
        ),
        (
            Fixture::in_production().patch(&[C; 4]),
            Some(Stage::Patch(1)),
        ),
        (
            Fixture::in_production().patch(&[C; 4]).patch(&[C, F]),
            Some(Stage::Patch(1)),
        ),
        (
            Fixture::in_production().patch(&[C, F]).patch(&[C; 4]),
            Some(Stage::Patch(2)),
        ),
    ];
    for (fixture, expected) in cases {
        let lc = fixture.build();
        assert_eq!(
            lc.newest_production(),
            expected,
            "{} cycles",
            lc.patches.len()
        );
        assert_eq!(lc.is_production(Stage::Creation), expected.is_some());
    }
}

#[test]
fn newest_ami_is_the_latest_stage_that_built_one() {
    let lc = Fixture::in_production()
        .amis(Stage::Creation, &[("eu-west-1", "ami-1")])
        .build();
    assert_eq!(
        lc.newest_ami().map(|(s, a)| (s, a.ami_id.as_str())),
        Some((Stage::Creation, "ami-1"))
    );
    assert_eq!(lc.newest_semver(), Some("1.0.0"));

    let lc = Fixture::in_production()
        .amis(Stage::Creation, &[("eu-west-1", "ami-1")])
        .patch(&[C; 4])
        .amis(Stage::Patch(1), &[("eu-west-1", "ami-2")])
        .patch(&[R])
        .build();
    // Patch 2 has not built its AMI yet: patch 1's is the newest.
    assert_eq!(
        lc.newest_ami().map(|(s, a)| (s, a.ami_id.as_str())),
        Some((Stage::Patch(1), "ami-2"))
    );
    assert_eq!(lc.newest_semver(), Some("1.1.0"));
    assert_eq!(Fixture::with_creation(&[]).build().newest_ami(), None);
}

#[test]
fn parent_chain_walks_back_to_the_creation() {
    let lc = Fixture::in_production()
        .patch(&[C; 4])
        .patch(&[C; 4])
        .patch(&[])
        .build();
    let chain: Vec<(String, String)> = lc.parent_chain(Stage::Patch(3));
    let expected = [
        ("ami-parent-3", "1.2.0"),
        ("ami-parent-2", "1.1.0"),
        ("ami-parent-1", "1.0.0"),
    ];
    let chain: Vec<(&str, &str)> = chain
        .iter()
        .map(|(a, s)| (a.as_str(), s.as_str()))
        .collect();
    assert_eq!(chain, expected);
    assert!(lc.parent_chain(Stage::Creation).is_empty());
    assert!(lc.parent_chain(Stage::Patch(9)).is_empty());
}

#[test]
fn a_new_lifecycle_holds_the_creation_sequence_not_started() {
    let lc = Lifecycle::new("id", "tag", "p", "1", "o", t0());
    let kinds: Vec<K> = lc.creation.iter().map(|r| r.event).collect();
    assert_eq!(kinds, super::super::CREATION_SEQUENCE);
    assert!(
        lc.creation
            .iter()
            .all(|r| r.status == EventStatus::NotStarted && r.attempt == 0)
    );
    let kinds: Vec<K> = Lifecycle::empty_patch_events()
        .iter()
        .map(|r| r.event)
        .collect();
    assert_eq!(kinds, super::super::PATCH_SEQUENCE);
    assert_eq!(lc.record(patch(1, K::AmiPatch)), None);
    assert_eq!(Lifecycle::position(creation(K::AmiPatch)), None);
    assert_eq!(Lifecycle::position(patch(1, K::MarkForProduction)), Some(3));
}

#[test]
fn durations_run_to_the_finish_or_to_now() {
    let now = t0() + Duration::minutes(30);
    let mut record = EventRecord::new(K::SmokeTests);
    assert_eq!(record.duration(now), None);
    record.started_at = Some(t0());
    record.status = EventStatus::InProgress;
    assert_eq!(record.duration(now), Some(Duration::minutes(30)));
    record.status = EventStatus::Failed;
    assert_eq!(record.duration(now), None, "failed without a finish time");
    record.finished_at = Some(t0() + Duration::minutes(7));
    assert_eq!(record.duration(now), Some(Duration::minutes(7)));
}

#[test]
fn vulnerability_counts_and_the_latest_scan() {
    let counts = VulnerabilityCounts {
        critical: 1,
        high: 2,
        medium: 5,
        low: 9,
        informational: 4,
    };
    assert_eq!(counts.total(), 21);
    assert_eq!(counts.summary(), "C1 H2 M5 L9");

    let mut lc = Fixture::in_production().patch(&[C, C, C]).build();
    assert_eq!(lc.latest_vulnerabilities(), None);
    let first = VulnerabilityCounts {
        high: 3,
        ..VulnerabilityCounts::default()
    };
    lc.record_mut(creation(K::VulnerabilityScans))
        .unwrap()
        .outputs
        .vulnerabilities = Some(first);
    assert_eq!(lc.latest_vulnerabilities(), Some(first));
    lc.record_mut(patch(1, K::VulnerabilityScans))
        .unwrap()
        .outputs
        .vulnerabilities = Some(counts);
    assert_eq!(lc.latest_vulnerabilities(), Some(counts));
}
