//! The production view derived from lifecycles.

// Test fixtures count minutes with plain arithmetic.
#![allow(clippy::arithmetic_side_effects)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::production;
use crate::lifecycle::{
    AmiOutput, Bump, EventKind, EventRef, EventStatus, Lifecycle, PatchCycle, Stage,
};

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

fn amis(list: &[(&str, &str)]) -> Vec<AmiOutput> {
    list.iter()
        .map(|(region, id)| AmiOutput {
            account: None,
            region: (*region).to_string(),
            ami_id: (*id).to_string(),
            name: None,
        })
        .collect()
}

fn promote(lc: &mut Lifecycle, stage: Stage, status: EventStatus, actor: &str, at: i64) {
    let record = lc
        .record_mut(EventRef {
            stage,
            event: EventKind::MarkForProduction,
        })
        .expect("record");
    record.status = status;
    record.actor = Some(actor.to_string());
    record.started_at = Some(t(at.saturating_sub(1)));
    record.finished_at = Some(t(at));
}

fn lifecycle(id: &str, tag: &str, semver: &str, built: &[(&str, &str)]) -> Lifecycle {
    let mut lc = Lifecycle::new(id, tag, "web", "3.2", "alice", t(0));
    lc.ami_semver = Some(semver.into());
    lc.creation[0].outputs.amis = amis(built);
    lc
}

fn add_patch(lc: &mut Lifecycle, number: u32, semver: &str, built: &[(&str, &str)]) {
    let mut cycle = PatchCycle {
        number,
        bump: Bump::Patch,
        parent_ami_id: "ami-parent".into(),
        parent_semver: "1.0.0".into(),
        semver: semver.into(),
        component: None,
        description: None,
        created_at: t(0),
        actor: None,
        events: Lifecycle::empty_patch_events(),
    };
    cycle.events[0].outputs.amis = amis(built);
    lc.patches.push(cycle);
}

#[test]
fn nothing_promoted_means_an_empty_view() {
    let mut lc = lifecycle("a", "main", "1.0.0", &[("us-east-1", "ami-1")]);
    assert!(production(std::slice::from_ref(&lc)).is_empty());
    // A failed promotion is not production either.
    promote(&mut lc, Stage::Creation, EventStatus::Failed, "rel", 10);
    assert!(production(&[lc]).is_empty());
}

#[test]
fn the_newest_promotion_is_current_per_region_and_the_rest_is_history() {
    let mut lc = lifecycle(
        "a",
        "prod",
        "1.0.0",
        &[("us-east-1", "ami-1e"), ("eu-west-1", "ami-1w")],
    );
    promote(
        &mut lc,
        Stage::Creation,
        EventStatus::Completed,
        "rel-1",
        10,
    );
    add_patch(
        &mut lc,
        1,
        "1.0.1",
        &[("us-east-1", "ami-2e"), ("eu-west-1", "ami-2w")],
    );
    promote(
        &mut lc,
        Stage::Patch(1),
        EventStatus::Completed,
        "rel-2",
        20,
    );
    // A patch cycle not yet promoted changes nothing.
    add_patch(&mut lc, 2, "1.0.2", &[("us-east-1", "ami-3e")]);

    let view = production(&[lc]);
    let keys: Vec<(&str, &str)> = view
        .iter()
        .map(|e| (e.stack_tag.as_str(), e.region.as_str()))
        .collect();
    assert_eq!(keys, [("prod", "eu-west-1"), ("prod", "us-east-1")]);
    let east = &view[1];
    assert_eq!(east.product_name, "web");
    assert_eq!(east.current.ami_id, "ami-2e");
    assert_eq!(east.current.semver.as_deref(), Some("1.0.1"));
    assert_eq!(east.current.promoted_by.as_deref(), Some("rel-2"));
    assert_eq!(east.current.promoted_at, Some(t(20)));
    assert_eq!(east.current.stage, "patch 1");
    assert_eq!(east.current.replaced_at, None);
    assert_eq!(east.history.len(), 1);
    let old = &east.history[0];
    assert_eq!(old.ami_id, "ami-1e");
    assert_eq!(old.semver.as_deref(), Some("1.0.0"));
    assert_eq!(old.promoted_at, Some(t(10)));
    assert_eq!(old.replaced_at, Some(t(20)));
    assert_eq!(view[0].current.ami_id, "ami-2w");
}

#[test]
fn lifecycles_of_one_product_share_a_history_and_stack_tags_stay_apart() {
    let mut first = lifecycle("first", "main", "1.0.0", &[("us-east-1", "ami-a")]);
    promote(
        &mut first,
        Stage::Creation,
        EventStatus::Completed,
        "rel",
        10,
    );
    let mut second = lifecycle("second", "main", "2.0.0", &[("us-east-1", "ami-b")]);
    promote(
        &mut second,
        Stage::Creation,
        EventStatus::Completed,
        "rel",
        30,
    );
    let mut other = lifecycle("other", "dev", "7.0.0", &[("us-east-1", "ami-c")]);
    promote(
        &mut other,
        Stage::Creation,
        EventStatus::Completed,
        "dev",
        40,
    );

    // The order lifecycles are read in does not matter.
    let view = production(&[second.clone(), other.clone(), first.clone()]);
    assert_eq!(view, production(&[first, second, other]));
    assert_eq!(view.len(), 2);
    assert_eq!(view[0].stack_tag, "dev");
    assert_eq!(view[0].current.ami_id, "ami-c");
    assert!(view[0].history.is_empty());
    let main = &view[1];
    assert_eq!(main.current.ami_id, "ami-b");
    assert_eq!(main.current.lifecycle_id, "second");
    let replaced: Vec<&str> = main.history.iter().map(|p| p.ami_id.as_str()).collect();
    assert_eq!(replaced, ["ami-a"]);
    assert_eq!(main.history[0].replaced_at, Some(t(30)));
}
