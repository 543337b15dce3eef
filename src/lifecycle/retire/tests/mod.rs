//! Tables of cases for superseded, the retirement rules and the retention
//! planner, with a builder of production lifecycles and where-used answers.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

mod policy;
mod rules;

use chrono::{DateTime, TimeZone, Utc};

use super::super::{AmiOutput, EventStatus, Lifecycle, Stage};
use super::*;

pub(super) fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0).unwrap()
}

/// A lifecycle of product `web-frontend` (stack tag `web`) at `semver`,
/// in production from `day` (or only built when `day` is `None`).
pub(super) fn lifecycle(id: &str, semver: &str, ami: &str, day: Option<u32>) -> Lifecycle {
    let mut lc = Lifecycle::new(id, "web", "web-frontend", "4.2", "alice", t(1));
    lc.ami_semver = Some(semver.to_string());
    let last = if day.is_some() { 6 } else { 1 };
    for record in lc.creation.iter_mut().take(last) {
        record.status = EventStatus::Completed;
        record.attempt = 1;
        record.finished_at = Some(day.map_or(t(1), t));
    }
    lc.creation[0].outputs.amis = vec![
        AmiOutput {
            region: "us-east-1".into(),
            ami_id: ami.into(),
            name: None,
            account: None,
        },
        AmiOutput {
            region: "eu-west-1".into(),
            ami_id: format!("{ami}-eu"),
            name: None,
            account: None,
        },
    ];
    lc.creation[0].outputs.image_arn = Some(format!(
        "arn:aws:imagebuilder:us-east-1:111122223333:image/web/{semver}/1"
    ));
    lc
}

pub(super) fn answer(amis: &[&str], references: &[(&str, &str)], at: DateTime<Utc>) -> WhereUsed {
    let images: Vec<serde_json::Value> = amis
        .iter()
        .map(|a| serde_json::json!({"ImageId": a, "State": "available",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": format!("snap-{a}")}}]}))
        .collect();
    let refs: Vec<serde_json::Value> = references
        .iter()
        .map(|(a, ty)| serde_json::json!({"ImageId": a, "ResourceType": ty, "Arn": format!("arn:{ty}:{a}")}))
        .collect();
    WhereUsed {
        as_of: at,
        region: "us-east-1".into(),
        execution_arn: None,
        ami_ids: amis.iter().map(ToString::to_string).collect(),
        images_json: serde_json::to_string(&images).unwrap(),
        references_json: serde_json::to_string(&refs).unwrap(),
        actor: None,
        truncated: false,
    }
}

pub(super) fn request(action: RetireAction) -> RetireRequest {
    RetireRequest {
        action,
        deprecate_at: None,
        override_reason: None,
        actor: "arn:aws:iam::111122223333:user/alice".into(),
        now: t(20),
    }
}

pub(super) fn retired(lc: &mut Lifecycle, action: RetireAction, status: EventStatus) {
    let mut r = Retirement::claimed(Stage::Creation, action, None, "alice", t(10));
    r.status = status;
    lc.retirements.push(r);
}

#[test]
fn every_production_ami_but_the_newest_is_superseded_by_the_next() {
    let a = lifecycle("aaaaaaaa-1", "1.0.0", "ami-a", Some(2));
    let b = lifecycle("bbbbbbbb-2", "2.0.0", "ami-b", Some(5));
    let c = lifecycle("cccccccc-3", "3.0.0", "ami-c", None); // only built
    let all = [a, b, c];
    let found = superseded(&all);
    let of_a = &found[&("aaaaaaaa-1".to_string(), Stage::Creation)];
    assert_eq!(of_a.len(), 2, "superseded in both regions");
    let us = of_a.iter().find(|s| s.region == "us-east-1").unwrap();
    assert_eq!(us.by_lifecycle, "bbbbbbbb-2");
    assert_eq!(us.by_semver, "2.0.0");
    assert_eq!(us.by_ami, "ami-b");
    assert_eq!(us.at, Some(t(5)));
    assert_eq!(us.line(), "superseded by bbbbbbbb 2.0.0");
    assert!(!found.contains_key(&("bbbbbbbb-2".to_string(), Stage::Creation)));
    assert!(!found.contains_key(&("cccccccc-3".to_string(), Stage::Creation)));
}

#[test]
fn supersession_is_per_stack_tag_and_product() {
    let a = lifecycle("a", "1.0.0", "ami-a", Some(2));
    let mut b = lifecycle("b", "2.0.0", "ami-b", Some(5));
    b.product_name = "api".into();
    let mut c = lifecycle("c", "3.0.0", "ami-c", Some(6));
    c.stack_tag = "batch".into();
    assert!(superseded(&[a, b, c]).is_empty());
}
