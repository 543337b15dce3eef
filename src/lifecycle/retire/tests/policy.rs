//! The retention planner: keep or retire, and why.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use super::super::super::{EventStatus, Stage};
use super::super::*;
use super::*;

fn policy(
    keep_last: Option<u32>,
    days: Option<u32>,
    include_in_use: bool,
) -> BTreeMap<String, RetentionPolicy> {
    BTreeMap::from([(
        "web".to_string(),
        RetentionPolicy {
            keep_last,
            superseded_for_days: days,
            include_in_use,
            action: RetireAction::Delete,
        },
    )])
}

#[test]
fn the_retention_planner_keeps_and_retires_with_reasons() {
    // 1.0.0 (superseded day 3), 2.0.0 (day 5), 3.0.0 (day 8), 4.0.0 current, 5.0.0 only built.
    let mut all = vec![
        lifecycle("v1", "1.0.0", "ami-1", Some(2)),
        lifecycle("v2", "2.0.0", "ami-2", Some(3)),
        lifecycle("v3", "3.0.0", "ami-3", Some(5)),
        lifecycle("v4", "4.0.0", "ami-4", Some(8)),
        lifecycle("v5", "5.0.0", "ami-5", None),
    ];
    for lc in &mut all {
        lc.where_used = Some(answer(
            &[lc.stage_amis(Stage::Creation)[0].ami_id.as_str()],
            &[],
            t(19),
        ));
    }
    let verdicts = |plan: &[PolicyDecision]| -> Vec<(String, Verdict)> {
        plan.iter()
            .map(|d| (d.lifecycle_id.clone(), d.verdict))
            .collect()
    };
    let decided = plan(&all, &policy(Some(1), None, false), t(20));
    assert_eq!(
        verdicts(&decided),
        vec![
            ("v5".into(), Verdict::Keep),
            ("v4".into(), Verdict::Keep),
            ("v3".into(), Verdict::Keep),
            ("v2".into(), Verdict::Retire),
            ("v1".into(), Verdict::Retire),
        ]
    );
    assert!(
        decided[0].reason.starts_with("never reached production"),
        "{}",
        decided[0].reason
    );
    assert!(
        decided[1].reason.starts_with("current production AMI"),
        "{}",
        decided[1].reason
    );
    assert!(
        decided[2].reason.contains("one of the last 1 superseded"),
        "{}",
        decided[2].reason
    );
    assert!(
        decided[3].reason.contains("superseded by v3 3.0.0"),
        "{}",
        decided[3].reason
    );
    // Days: v1 superseded on day 3 (17 days at day 20), v2 on day 5, v3 on day 8 (12 days).
    let decided = plan(&all, &policy(None, Some(14), false), t(20));
    assert_eq!(
        verdicts(&decided)[2..].to_vec(),
        vec![
            ("v3".into(), Verdict::Keep),
            ("v2".into(), Verdict::Retire),
            ("v1".into(), Verdict::Retire)
        ]
    );
    assert!(
        decided[2].reason.contains("superseded 12 day(s) ago"),
        "{}",
        decided[2].reason
    );
    // Both: retired only when both allow it.
    let decided = plan(&all, &policy(Some(1), Some(16), false), t(20));
    assert_eq!(
        verdicts(&decided)[3..].to_vec(),
        vec![("v2".into(), Verdict::Keep), ("v1".into(), Verdict::Retire)]
    );
    // References keep an AMI unless include_in_use.
    all[0].where_used = Some(answer(&["ami-1"], &[("ami-1", "ec2:Instance")], t(19)));
    let decided = plan(&all, &policy(Some(1), None, false), t(20));
    assert_eq!(decided[4].verdict, Verdict::Keep);
    assert!(
        decided[4].reason.starts_with("in use: 1 reference(s)"),
        "{}",
        decided[4].reason
    );
    let decided = plan(&all, &policy(Some(1), None, true), t(20));
    assert_eq!(decided[4].verdict, Verdict::Retire);
    // Never checked: kept for a delete policy.
    all[1].where_used = None;
    let decided = plan(&all, &policy(Some(1), None, false), t(20));
    assert!(
        decided[3].reason.starts_with("references not checked"),
        "{}",
        decided[3].reason
    );
    // Already deleted: kept, saying so; other stack tags are not planned.
    retired(&mut all[0], RetireAction::Delete, EventStatus::Completed);
    let decided = plan(&all, &policy(Some(1), None, true), t(20));
    assert_eq!(decided[4].reason, "already deleted");
    for lc in &mut all {
        lc.stack_tag = "other".into();
    }
    assert!(plan(&all, &policy(Some(1), None, true), t(20)).is_empty());
}
