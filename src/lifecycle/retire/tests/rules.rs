//! What may be retired when: one row per rule.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use super::super::super::{EventStatus, Lifecycle, Stage, lookup};
use super::super::*;
use super::*;

/// (case, lifecycle, its supersessions, the request, the refusal's code or Ok).
type Case = (
    &'static str,
    Lifecycle,
    Vec<Supersession>,
    RetireRequest,
    Result<(), &'static str>,
);

#[test]
fn the_rules_of_what_may_be_retired_when() {
    let old = lifecycle("old", "1.0.0", "ami-a", Some(2));
    let new = lifecycle("new", "2.0.0", "ami-b", Some(5));
    let all = [old.clone(), new.clone()];
    let sup = superseded_in(&all, "old", Stage::Creation);
    let clean = |mut lc: Lifecycle| {
        lc.where_used = Some(answer(&["ami-a", "ami-b", "ami-c"], &[], t(19)));
        lc
    };
    let used = |mut lc: Lifecycle| {
        lc.where_used = Some(answer(
            &["ami-a"],
            &[("ami-a", "ec2:LaunchTemplate"), ("ami-a", "ssm:Parameter")],
            t(19),
        ));
        lc
    };
    // (case, lifecycle, superseded, request, expected refusal code or Ok)
    let mut with_override = request(RetireAction::Delete);
    with_override.override_reason = Some("pen test finished".into());
    let mut empty_reason = request(RetireAction::Delete);
    empty_reason.override_reason = Some("  ".into());
    let mut future = request(RetireAction::Deprecate);
    future.deprecate_at = Some(t(25));
    let mut past = request(RetireAction::Deprecate);
    past.deprecate_at = Some(t(19));
    let mut time_on_delete = request(RetireAction::Delete);
    time_on_delete.deprecate_at = Some(t(25));
    let mut deleted = clean(old.clone());
    retired(&mut deleted, RetireAction::Delete, EventStatus::Completed);
    let mut disabled = clean(old.clone());
    retired(&mut disabled, RetireAction::Disable, EventStatus::Completed);
    let mut running = clean(old.clone());
    retired(
        &mut running,
        RetireAction::Deprecate,
        EventStatus::InProgress,
    );
    let mut event_running = clean(old.clone());
    event_running.creation[5].status = EventStatus::InProgress;
    let mut failed_delete = clean(old.clone());
    retired(
        &mut failed_delete,
        RetireAction::Delete,
        EventStatus::Failed,
    );
    let mut gone = disabled.clone();
    gone.where_used = Some(answer(&["ami-a"], &[], t(19)));
    gone.where_used.as_mut().unwrap().images_json = "[]".into();
    let built_only = lifecycle("b", "3.0.0", "ami-c", None);
    let mut no_image = clean(old.clone());
    no_image.creation[0].outputs.image_arn = None;
    let cases: Vec<Case> = vec![
        (
            "superseded, no references: delete goes",
            clean(old.clone()),
            sup.clone(),
            request(RetireAction::Delete),
            Ok(()),
        ),
        (
            "references recorded: delete refused",
            used(old.clone()),
            sup.clone(),
            request(RetireAction::Delete),
            Err("guarded"),
        ),
        (
            "references recorded: disable refused",
            used(old.clone()),
            sup.clone(),
            request(RetireAction::Disable),
            Err("guarded"),
        ),
        (
            "references recorded: deprecate goes",
            used(old.clone()),
            sup.clone(),
            request(RetireAction::Deprecate),
            Ok(()),
        ),
        (
            "references recorded: override with reason goes",
            used(old.clone()),
            sup.clone(),
            with_override.clone(),
            Ok(()),
        ),
        (
            "override needs a reason",
            used(old.clone()),
            sup.clone(),
            empty_reason,
            Err("override_reason_required"),
        ),
        (
            "references never checked: delete refused",
            old.clone(),
            sup.clone(),
            request(RetireAction::Delete),
            Err("guarded"),
        ),
        (
            "current production: deprecate refused",
            clean(new.clone()),
            vec![],
            request(RetireAction::Deprecate),
            Err("guarded"),
        ),
        (
            "current production: override goes",
            clean(new.clone()),
            vec![],
            with_override.clone(),
            Ok(()),
        ),
        (
            "only built, not in production: delete goes",
            clean(built_only),
            vec![],
            request(RetireAction::Delete),
            Ok(()),
        ),
        (
            "deprecate at a future time",
            clean(old.clone()),
            sup.clone(),
            future,
            Ok(()),
        ),
        (
            "deprecate at a past time refused",
            clean(old.clone()),
            sup.clone(),
            past,
            Err("deprecate_in_past"),
        ),
        (
            "a time on delete refused",
            clean(old.clone()),
            sup.clone(),
            time_on_delete,
            Err("time_only_for_deprecate"),
        ),
        (
            "deleted is final",
            deleted.clone(),
            sup.clone(),
            with_override.clone(),
            Err("deleted"),
        ),
        (
            "deleted cannot be restored",
            deleted,
            sup.clone(),
            request(RetireAction::Restore),
            Err("deleted"),
        ),
        (
            "restore of an available AMI refused",
            clean(old.clone()),
            sup.clone(),
            request(RetireAction::Restore),
            Err("not_retired"),
        ),
        (
            "restore of a disabled AMI goes",
            disabled.clone(),
            sup.clone(),
            request(RetireAction::Restore),
            Ok(()),
        ),
        (
            "restore of a disabled AMI EC2 lost refused",
            gone,
            sup.clone(),
            request(RetireAction::Restore),
            Err("gone"),
        ),
        (
            "disable of a disabled AMI refused",
            disabled.clone(),
            sup.clone(),
            request(RetireAction::Disable),
            Err("already_done"),
        ),
        (
            "delete of a disabled AMI goes",
            disabled,
            sup.clone(),
            request(RetireAction::Delete),
            Ok(()),
        ),
        (
            "a running retirement refuses another",
            running,
            sup.clone(),
            request(RetireAction::Delete),
            Err("running"),
        ),
        (
            "a running event refuses",
            event_running,
            sup.clone(),
            request(RetireAction::Delete),
            Err("running"),
        ),
        (
            "a failed delete may be tried again",
            failed_delete,
            sup.clone(),
            request(RetireAction::Delete),
            Ok(()),
        ),
        (
            "no image recorded refused",
            no_image,
            sup.clone(),
            request(RetireAction::Delete),
            Err("no_image"),
        ),
    ];
    for (case, lc, sup, req, expected) in cases {
        let got = check_retire(&lc, Stage::Creation, &sup, &req)
            .map(|_| ())
            .map_err(|r| r.code());
        assert_eq!(got, expected, "{case}");
    }
}

#[test]
fn the_preview_lists_amis_snapshots_regions_references_and_the_override() {
    let old = lifecycle("old", "1.0.0", "ami-a", Some(2));
    let new = lifecycle("new", "2.0.0", "ami-b", Some(5));
    let sup = superseded_in(&[old.clone(), new], "old", Stage::Creation);
    let mut lc = old;
    lc.where_used = Some(answer(
        &["ami-a"],
        &[("ami-a", "ec2:LaunchTemplate"), ("ami-a", "ssm:Parameter")],
        t(19),
    ));
    let mut req = request(RetireAction::Delete);
    req.override_reason = Some("migration done".into());
    let preview = check_retire(&lc, Stage::Creation, &sup, &req).unwrap();
    assert_eq!(preview.amis.len(), 2);
    let us = &preview.amis[0];
    assert_eq!(
        (us.region.as_str(), us.ami_id.as_str()),
        ("us-east-1", "ami-a")
    );
    assert_eq!(us.snapshots, vec!["snap-ami-a".to_string()]);
    assert_eq!(us.references.len(), 2);
    assert_eq!(us.ec2, Some(Ec2State::Available));
    let eu = &preview.amis[1];
    assert!(
        matches!(eu.ec2, Some(Ec2State::NotChecked { .. })),
        "{:?}",
        eu.ec2
    );
    assert_eq!(preview.references(), 2);
    let mark = preview.approval_override.unwrap();
    assert_eq!(mark.reason, "migration done");
    assert_eq!(mark.at, t(20));
    assert!(
        mark.overridden[0].starts_with("in use: 2 reference(s)"),
        "{:?}",
        mark.overridden
    );
    assert_eq!(preview.superseded[0].by_semver, "2.0.0");
}

#[test]
fn a_disabled_or_deleted_stage_has_no_lookup_rows_and_a_restored_one_has() {
    let mut lc = lifecycle("old", "1.0.0", "ami-a", Some(2));
    assert_eq!(lookup::rows_for(&lc, t(20)).len(), 2);
    retired(&mut lc, RetireAction::Deprecate, EventStatus::Completed);
    assert_eq!(
        lookup::rows_for(&lc, t(20)).len(),
        2,
        "deprecated keeps its rows"
    );
    lc.retirements[0].claim(RetireAction::Disable, None, "bob", t(21));
    assert_eq!(
        lookup::rows_for(&lc, t(20)).len(),
        2,
        "a running disable keeps them until it ends"
    );
    lc.retirements[0].status = EventStatus::Completed;
    assert!(lookup::rows_for(&lc, t(20)).is_empty());
    assert_eq!(lc.retirements[0].state(), AmiState::Disabled);
    lc.retirements[0].claim(RetireAction::Restore, None, "bob", t(22));
    lc.retirements[0].status = EventStatus::Failed;
    assert_eq!(
        lc.retirements[0].state(),
        AmiState::Disabled,
        "a failed restore changes nothing"
    );
    lc.retirements[0].claim(RetireAction::Restore, None, "bob", t(23));
    lc.retirements[0].status = EventStatus::Completed;
    assert_eq!(lookup::rows_for(&lc, t(20)).len(), 2);
    assert_eq!(lc.retirements[0].history.len(), 3);
    assert_eq!(lc.retirements[0].attempt, 4);
}

#[test]
fn a_retirement_round_trips_through_json_with_its_override() {
    let mut lc = lifecycle("old", "1.0.0", "ami-a", Some(2));
    let mut r = Retirement::claimed(Stage::Patch(2), RetireAction::Delete, None, "alice", t(3));
    r.approval_override = Some(crate::lifecycle::approvals::ApprovalOverride {
        by: "alice".into(),
        reason: "why".into(),
        at: t(3),
        overridden: vec!["in use".into()],
    });
    r.outputs.resources_json = Some(
        r#"[{"AccountId":"1","ResourceId":"ami-a","Region":"us-east-1","State":{"Status":"FAILED","Reason":"deregistration protection"},"Snapshots":[{"SnapshotId":"snap-1","State":{"Status":"SKIPPED"}}]}]"#.into(),
    );
    lc.retirements.push(r);
    let text = serde_json::to_string(&lc).unwrap();
    let back: Lifecycle = serde_json::from_str(&text).unwrap();
    assert_eq!(back, lc);
    assert_eq!(back.retirement(Stage::Patch(2)).unwrap().stage, "patch-2");
    let resources = back.retirements[0].outputs.resources();
    assert_eq!(
        resources[0].line(),
        "ami-a (us-east-1) FAILED: deregistration protection; snapshots: snap-1 SKIPPED"
    );
    assert_eq!(stage_of_key("patch-12"), Some(Stage::Patch(12)));
    assert_eq!(stage_of_key("patch-x"), None);
}

#[test]
fn ec2_state_from_the_recorded_answer() {
    let mut w = answer(&["ami-a", "ami-gone"], &[], t(19));
    w.images_json = serde_json::json!([
        {"ImageId": "ami-a", "State": "available", "DeprecationTime": "2026-11-25T00:00:00Z", "LastLaunchedTime": "2026-11-18T09:00:00Z"}
    ])
    .to_string();
    assert_eq!(
        w.state_of("us-east-1", "ami-a", t(20)),
        Some(Ec2State::Deprecated {
            at: "2026-11-25T00:00:00Z".into(),
            past: false
        })
    );
    assert_eq!(
        w.state_of("us-east-1", "ami-a", t(26)).unwrap().phrase(),
        "deprecated 2026-11-25T00:00:00Z"
    );
    assert_eq!(
        w.state_of("us-east-1", "ami-gone", t(20)),
        Some(Ec2State::Missing)
    );
    assert_eq!(w.state_of("us-east-1", "ami-other", t(20)), None);
    assert!(
        w.state_of("eu-west-1", "ami-a-eu", t(20))
            .unwrap()
            .phrase()
            .starts_with("not checked here")
    );
    assert_eq!(
        w.last_launched("ami-a").as_deref(),
        Some("2026-11-18T09:00:00Z")
    );
    let mut lc = lifecycle("x", "1.0.0", "ami-gone", Some(2));
    lc.where_used = Some(w);
    assert_eq!(lc.deregistered_outside(t(20)), vec!["ami-gone".to_string()]);
    retired(&mut lc, RetireAction::Delete, EventStatus::Completed);
    assert!(
        lc.deregistered_outside(t(20)).is_empty(),
        "amiboard deleted it itself"
    );
}
