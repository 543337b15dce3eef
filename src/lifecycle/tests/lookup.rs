//! AMI lookup rows (one per AMI and region, scored by the highest completed
//! event) and the selection of the best AMI for a query.

use super::super::Phase;
use super::super::lookup::{
    LookupRow, MinStage, Selection, criterion, highest_major, reference_date, rows_for, select,
};
use super::super::{EventStatus, Stage};
use super::{C, E, F, Fixture, N, R, t0};

const REGIONS: [(&str, &str); 2] = [("eu-west-1", "ami-eu"), ("us-east-1", "ami-us")];

/// (score, event) of every row, in order.
fn scores(rows: &[LookupRow]) -> Vec<(u8, &str)> {
    rows.iter()
        .map(|r| (r.lifecycle_score, r.lifecycle_event.as_str()))
        .collect()
}

fn creation_rows(statuses: &[EventStatus]) -> Vec<LookupRow> {
    let lc = Fixture::with_creation(statuses)
        .amis(Stage::Creation, &REGIONS)
        .build();
    rows_for(&lc, t0())
}

#[test]
fn creation_rows_score_the_highest_completed_event() {
    let cases = [
        (&[C][..], 1, "BUILD_AMI"),
        (&[C, C], 2, "SMOKE_TESTS_AMI_CREATE"),
        (&[C, C, C], 3, "VULNERABILIY_SCANS_AMI_CREATE"),
        (&[C, C, C, C], 4, "QA_CERTIFICATION_REQUEST"),
        (&[C, C, C, C, C], 5, "QA_CERTIFICATION_RESPONSE"),
        (&[C; 6], 6, "MARK_FOR_PRODUCTION_CREATE"),
    ];
    for (statuses, score, event) in cases {
        let rows = creation_rows(statuses);
        assert_eq!(scores(&rows), [(score, event); 2], "{statuses:?}");
    }
}

#[test]
fn failed_errored_or_running_events_never_raise_a_score() {
    let cases = [
        (&[C, F][..], 1),
        (&[C, E], 1),
        (&[C, R], 1),
        (&[C, C, F], 2),
        (&[C, C, C, C, F], 4),
        (&[C, C, C, C, C, F], 5),
        (&[C, C, C, C, C, E], 5),
        (&[C, C, C, C, C, R], 5),
    ];
    for (statuses, score) in cases {
        let rows = creation_rows(statuses);
        assert_eq!(rows.len(), 2, "{statuses:?}");
        assert!(
            rows.iter().all(|r| r.lifecycle_score == score),
            "{statuses:?}"
        );
    }
}

#[test]
fn an_ami_without_a_completed_build_has_no_row() {
    for statuses in [&[][..], &[N], &[R], &[F], &[E]] {
        assert_eq!(creation_rows(statuses), [], "{statuses:?}");
    }
    // A completed build that reported no AMI has no row either.
    let lc = Fixture::with_creation(&[C, C]).build();
    assert_eq!(rows_for(&lc, t0()), []);
}

#[test]
fn a_row_carries_the_lifecycle_and_the_ami() {
    let mut lc = Fixture::with_creation(&[C, C])
        .amis(Stage::Creation, &[("eu-west-1", "ami-0abc")])
        .build();
    lc.commit_ref = "a1b2c3".to_string();
    let rows = rows_for(&lc, t0());
    let expected = LookupRow {
        lookup_id: "lc-1#eu-west-1#ami-0abc".to_string(),
        stack_tag: "web".to_string(),
        ami_id: "ami-0abc".to_string(),
        ami_semver: "1.0.0".to_string(),
        aws_region: "eu-west-1".to_string(),
        product_name: "nginx".to_string(),
        product_ver: "1.25".to_string(),
        commit_ref: "a1b2c3".to_string(),
        lifecycle_id: "lc-1".to_string(),
        lifecycle_type: "ami-creation".to_string(),
        lifecycle_event: "SMOKE_TESTS_AMI_CREATE".to_string(),
        lifecycle_score: 2,
        last_modified: "01/02/2024, 03:04:05".to_string(),
        last_modified_utc: "2024-01-02T03:04:05Z".to_string(),
    };
    assert_eq!(rows, [expected]);
    assert_eq!(reference_date(t0()), "01/02/2024, 03:04:05");
}

#[test]
fn patch_rows_are_ami_patch_rows_with_their_own_semver() {
    let cases = [
        (&[C][..], 1, "PATCH_AMI"),
        (&[C, C], 2, "SMOKE_TESTS_AMI_PATCH"),
        (&[C, C, C], 3, "VULNERABILITY_SCANS_AMI_PATCH"),
        (&[C, C, C, F], 3, "VULNERABILITY_SCANS_AMI_PATCH"),
        (&[C, F], 1, "PATCH_AMI"),
        (&[C; 4], 6, "MARK_FOR_PRODUCTION_PATCH"),
    ];
    for (statuses, score, event) in cases {
        let lc = Fixture::in_production()
            .amis(Stage::Creation, &[("eu-west-1", "ami-1")])
            .patch(statuses)
            .amis(Stage::Patch(1), &[("eu-west-1", "ami-2")])
            .build();
        let rows = rows_for(&lc, t0());
        let summary: Vec<_> = rows
            .iter()
            .map(|r| {
                let row = (
                    r.ami_id.as_str(),
                    r.ami_semver.as_str(),
                    r.lifecycle_type.as_str(),
                );
                (row, r.lifecycle_score, r.lifecycle_event.as_str())
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    ("ami-1", "1.0.0", "ami-creation"),
                    6,
                    "MARK_FOR_PRODUCTION_CREATE"
                ),
                (("ami-2", "1.1.0", "ami-patch"), score, event),
            ],
            "{statuses:?}"
        );
        assert_eq!(rows[1].lookup_id, "lc-1#eu-west-1#ami-2");
    }
}

/// A row with what `select` reads; the rest is fixed.
fn row(ami: &str, semver: &str, region: &str, score: u8, product: (&str, &str)) -> LookupRow {
    LookupRow {
        lookup_id: format!("lc#{region}#{ami}"),
        stack_tag: "web".to_string(),
        ami_id: ami.to_string(),
        ami_semver: semver.to_string(),
        aws_region: region.to_string(),
        product_name: product.0.to_string(),
        product_ver: product.1.to_string(),
        commit_ref: String::new(),
        lifecycle_id: "lc".to_string(),
        lifecycle_type: "ami-creation".to_string(),
        lifecycle_event: String::new(),
        lifecycle_score: score,
        last_modified: String::new(),
        last_modified_utc: "2024-01-01T00:00:00Z".to_string(),
    }
}

fn catalogue() -> Vec<LookupRow> {
    let nginx = ("nginx", "1.25");
    vec![
        row("ami-a", "1.0.0", "eu-west-1", 6, nginx),
        row("ami-b", "2.0.0", "eu-west-1", 6, nginx),
        row("ami-c", "2.1.0", "eu-west-1", 3, nginx),
        row("ami-d", "2.1.0", "us-east-1", 6, nginx),
        row("ami-e", "10.0.0", "us-east-1", 1, nginx),
        row("ami-f", "9.2.0", "eu-west-1", 5, nginx),
        row("ami-g", "4.0.0", "eu-west-1", 6, ("nginx", "1.27")),
        row("ami-h", "20.0.0", "eu-west-1", 6, ("postgres", "16")),
        row("ami-i", "not-a-version", "eu-west-1", 6, nginx),
    ]
}

#[test]
fn select_picks_the_highest_semver_meeting_every_criterion() {
    let q = |f: fn(&mut Selection)| {
        let mut query = Selection::default();
        f(&mut query);
        query
    };
    let cases = [
        ("no criteria", q(|_| {}), Some("ami-h")),
        (
            "product",
            q(|s| s.product = Some("nginx".into())),
            Some("ami-e"),
        ),
        (
            "product version",
            q(|s| s.product_version = Some("1.27".into())),
            Some("ami-g"),
        ),
        (
            "region",
            q(|s| s.region = Some("us-east-1".into())),
            Some("ami-e"),
        ),
        (
            "unknown region",
            q(|s| s.region = Some("ap-south-1".into())),
            None,
        ),
        (
            "unknown product",
            q(|s| s.product = Some("redis".into())),
            None,
        ),
        (
            "min stage",
            q(|s| {
                s.product = Some("nginx".into());
                s.min_stage = Some(MinStage::QaCertified);
            }),
            Some("ami-f"),
        ),
        (
            "production only",
            q(|s| {
                s.product_version = Some("1.25".into());
                s.min_stage = Some(MinStage::Production);
            }),
            Some("ami-d"),
        ),
        (
            "exact version",
            q(|s| s.semver = Some("2.0.0".into())),
            Some("ami-b"),
        ),
        (
            "exact version, v form",
            q(|s| s.semver = Some("v1.0.0".into())),
            Some("ami-a"),
        ),
        (
            "exact version absent",
            q(|s| s.semver = Some("3.0.0".into())),
            None,
        ),
        (
            "unparseable version",
            q(|s| s.semver = Some("2.1".into())),
            None,
        ),
        (
            "latest",
            q(|s| s.semver = Some("latest".into())),
            Some("ami-h"),
        ),
        (
            "LATEST",
            q(|s| s.semver = Some("LATEST".into())),
            Some("ami-h"),
        ),
        (
            "every criterion",
            q(|s| {
                s.region = Some("eu-west-1".into());
                s.min_stage = Some(MinStage::Scanned);
                s.product = Some("nginx".into());
                s.product_version = Some("1.25".into());
                s.semver = Some("2.1.0".into());
            }),
            Some("ami-c"),
        ),
        (
            "every criterion, too low a stage",
            q(|s| {
                s.region = Some("eu-west-1".into());
                s.min_stage = Some(MinStage::QaRequested);
                s.semver = Some("2.1.0".into());
            }),
            None,
        ),
    ];
    let rows = catalogue();
    for (name, query, expected) in cases {
        let got = select(&rows, &query).map(|r| r.ami_id.as_str());
        assert_eq!(got, expected, "{name}");
    }
    assert_eq!(select(&[], &Selection::default()), None);
}

#[test]
fn equal_versions_prefer_the_higher_score_then_the_newer_change() {
    let nginx = ("nginx", "1.25");
    let mut newer = row("ami-new", "2.1.0", "eu-west-1", 3, nginx);
    newer.last_modified_utc = "2024-06-01T00:00:00Z".to_string();
    let rows = [
        row("ami-old", "2.1.0", "eu-west-1", 3, nginx),
        newer,
        row("ami-low", "2.1.0", "eu-west-1", 2, nginx),
    ];
    let best = select(&rows, &Selection::default()).unwrap();
    assert_eq!(best.ami_id, "ami-new");
    let mut rows = rows.to_vec();
    rows.push(row("ami-top", "2.1.0", "eu-west-1", 6, nginx));
    assert_eq!(
        select(&rows, &Selection::default()).unwrap().ami_id,
        "ami-top"
    );
}

#[test]
fn min_stages_parse_with_their_scores() {
    let cases = [
        ("built", MinStage::Built, 1),
        ("smoke-tested", MinStage::SmokeTested, 2),
        ("Scanned", MinStage::Scanned, 3),
        ("qa-requested", MinStage::QaRequested, 4),
        (" qa-certified ", MinStage::QaCertified, 5),
        ("PRODUCTION", MinStage::Production, 6),
    ];
    for (text, stage, score) in cases {
        assert_eq!(MinStage::parse(text), Some(stage), "{text:?}");
        assert_eq!(stage.score(), score);
    }
    for name in MinStage::NAMES {
        assert!(MinStage::parse(name).is_some(), "{name}");
    }
    for text in [
        "",
        "prod",
        "qa certified",
        "certified",
        "mark_for_production_create",
        "PATCH",
    ] {
        assert_eq!(MinStage::parse(text), None, "{text:?}");
    }
}

/// The reference selection client's criteria: commit, lifecycle type, its
/// `--lifecycle_event` labels, and `any` as its wildcard.
#[test]
fn select_takes_every_criterion_of_the_reference_client() {
    let nginx = ("nginx", "1.25");
    let with = |ami: &str, semver: &str, score: u8, commit: &str, kind: &str| {
        let mut r = row(ami, semver, "eu-west-1", score, nginx);
        r.commit_ref = commit.to_string();
        r.lifecycle_type = kind.to_string();
        r
    };
    let rows = [
        with("ami-1", "1.0.0", 6, "aaa", "ami-creation"),
        with("ami-2", "1.1.0", 2, "aaa", "ami-patch"),
        with("ami-3", "2.0.0", 3, "bbb", "ami-creation"),
        with("ami-4", "2.0.1", 1, "bbb", "ami-patch"),
    ];
    let pick = |query: Selection| select(&rows, &query).map(|r| r.ami_id.as_str());
    let commit = |c: &str| Selection {
        commit_ref: criterion(Some(c)),
        ..Selection::default()
    };
    assert_eq!(pick(commit("aaa")), Some("ami-2"));
    assert_eq!(pick(commit("ccc")), None);
    assert_eq!(pick(commit("any")), Some("ami-4"));
    assert_eq!(pick(commit("ANY")), Some("ami-4"));
    let kind = |k: Phase| Selection {
        lifecycle_type: Some(k),
        ..Selection::default()
    };
    assert_eq!(pick(kind(Phase::Creation)), Some("ami-3"));
    assert_eq!(pick(kind(Phase::Patch)), Some("ami-4"));
    let stage = |label: &str| Selection {
        min_stage: Some(MinStage::parse(label).unwrap()),
        ..Selection::default()
    };
    assert_eq!(pick(stage("AMI_WITH_OS_HARDENING")), Some("ami-4"));
    // The server's scores, not the reference client's: a smoke-tested AMI
    // (score 2) is not "vulnerability scanned".
    assert_eq!(pick(stage("VULNERABILITY_SCANNED")), Some("ami-3"));
    assert_eq!(pick(stage("SMOKE_TESTED")), Some("ami-3"));
    assert_eq!(pick(stage("PRODUCTION_APPROVED")), Some("ami-1"));
    assert_eq!(pick(stage("MARK_FOR_PRODUCTION_PATCH")), Some("ami-1"));
    let all = Selection {
        commit_ref: criterion(Some("aaa")),
        lifecycle_type: Some(Phase::Patch),
        min_stage: MinStage::parse("SMOKE_TESTED"),
        product: criterion(Some("any")),
        product_version: criterion(Some("1.25")),
        region: Some("eu-west-1".into()),
        semver: Some("latest".into()),
    };
    assert_eq!(pick(all), Some("ami-2"));
}

#[test]
fn reference_labels_and_stored_names_parse_to_the_servers_scores() {
    let cases = [
        ("AMI_WITH_OS_HARDENING", 1),
        ("SMOKE_TESTED", 2),
        ("VULNERABILITY_SCANNED", 3),
        ("QA_CERTIFICATION_REQUESTED", 4),
        ("QA_CERTIFIED", 5),
        ("PRODUCTION_APPROVED", 6),
        ("BUILD_AMI", 1),
        ("PATCH_AMI", 1),
        ("VULNERABILIY_SCANS_AMI_CREATE", 3),
        ("QA_CERTIFICATION_RESPONSE", 5),
        ("MARK_FOR_PRODUCTION_CREATE", 6),
    ];
    for (text, score) in cases {
        assert_eq!(
            MinStage::parse(text).map(MinStage::score),
            Some(score),
            "{text}"
        );
    }
    for label in MinStage::REFERENCE_LABELS {
        assert!(MinStage::parse(label).is_some(), "{label}");
    }
}

#[test]
fn any_or_blank_is_no_criterion_and_the_highest_major_ignores_bad_versions() {
    assert_eq!(criterion(None), None);
    for wildcard in ["any", "Any", " ANY ", "", "  "] {
        assert_eq!(criterion(Some(wildcard)), None, "{wildcard:?}");
    }
    assert_eq!(criterion(Some(" web ")).as_deref(), Some("web"));
    assert_eq!(criterion(Some("anything")).as_deref(), Some("anything"));
    let nginx = ("nginx", "1.25");
    let rows = [
        row("a", "1.0.0", "eu-west-1", 6, nginx),
        row("b", "3.2.1", "eu-west-1", 1, nginx),
        row("c", "not-a-version", "eu-west-1", 1, nginx),
        row("d", "2.0.0", "us-east-1", 1, nginx),
    ];
    assert_eq!(highest_major(&rows), Some(3));
    assert_eq!(highest_major(&rows[2..3]), None);
    assert_eq!(highest_major(&[]), None);
}
