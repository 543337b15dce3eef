//! What is waiting for a person, case by case.

// Test fixtures count minutes with plain arithmetic.
#![allow(clippy::arithmetic_side_effects)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{WaitingFor, waiting, waiting_for};
use crate::lifecycle::{
    AmiOutput, Bump, EventKind, EventRef, EventStatus, Lifecycle, PatchCycle, Stage,
    VulnerabilityCounts,
};

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// Sets one event's status, actor and end time.
fn set(
    lc: &mut Lifecycle,
    stage: Stage,
    event: EventKind,
    status: EventStatus,
    actor: &str,
    at: i64,
) {
    let record = lc.record_mut(EventRef { stage, event }).expect("record");
    record.status = status;
    record.attempt = record.attempt.max(1);
    record.actor = Some(actor.to_string());
    record.started_at = Some(t(at));
    record.finished_at = (status != EventStatus::InProgress).then(|| t(at));
}

/// A lifecycle whose creation events up to `last` (inclusive) completed.
fn creation_until(id: &str, last: Option<EventKind>) -> Lifecycle {
    let mut lc = Lifecycle::new(id, "main", "web", "3.2", "alice", t(0));
    lc.ami_semver = Some("1.0.0".into());
    lc.creation[0].outputs.amis = vec![AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0001".into(),
        name: None,
    }];
    let Some(last) = last else { return lc };
    let mut minute = 0;
    for event in crate::lifecycle::CREATION_SEQUENCE {
        minute += 10;
        let actor = match event {
            EventKind::QaCertificationRequest => "requester",
            EventKind::QaCertificationResponse => "qa-lead",
            _ => "builder",
        };
        set(
            &mut lc,
            Stage::Creation,
            event,
            EventStatus::Completed,
            actor,
            minute,
        );
        if event == EventKind::VulnerabilityScans {
            lc.creation[2].outputs.vulnerabilities = Some(VulnerabilityCounts {
                critical: 0,
                high: 2,
                medium: 5,
                low: 9,
                informational: 0,
            });
        }
        if event == last {
            break;
        }
    }
    lc
}

#[test]
fn nothing_waits_before_qa_is_requested_or_while_a_step_runs() {
    assert_eq!(waiting_for(&creation_until("a", None), t(100)), None);
    let scanned = creation_until("b", Some(EventKind::VulnerabilityScans));
    assert_eq!(waiting_for(&scanned, t(100)), None);
    let mut running = scanned.clone();
    set(
        &mut running,
        Stage::Creation,
        EventKind::QaCertificationRequest,
        EventStatus::InProgress,
        "requester",
        40,
    );
    assert_eq!(waiting_for(&running, t(100)), None);
}

#[test]
fn a_requested_qa_waits_with_its_requester_time_scans_and_smoke_result() {
    let mut lc = creation_until("qa", Some(EventKind::QaCertificationRequest));
    lc.creation[1].attempt = 2;
    let item = waiting_for(&lc, t(40 + 75)).expect("waiting");
    assert_eq!(item.waiting_for, WaitingFor::QaDecision);
    assert_eq!(item.requested_by.as_deref(), Some("requester"));
    assert_eq!(item.requested_at, Some(t(40)));
    assert_eq!(item.waiting_seconds, 75 * 60);
    assert_eq!(item.waiting, "1h15m");
    assert_eq!(item.scan_text(), "C0 H2 M5 L9");
    assert_eq!(item.smoke_text(), "✔ passed (try 2)");
    assert_eq!(item.stage, "creation");
    assert_eq!(item.semver.as_deref(), Some("1.0.0"));
    assert_eq!(item.amis[0].ami_id, "ami-0001");
    assert_eq!(item.certified_by, None);
}

#[test]
fn a_rejection_is_a_decision_and_nothing_waits() {
    let mut lc = creation_until("rej", Some(EventKind::QaCertificationRequest));
    set(
        &mut lc,
        Stage::Creation,
        EventKind::QaCertificationResponse,
        EventStatus::Failed,
        "qa-lead",
        50,
    );
    assert_eq!(waiting_for(&lc, t(100)), None);
}

#[test]
fn a_certified_ami_waits_for_promotion_until_promoted() {
    let lc = creation_until("cert", Some(EventKind::QaCertificationResponse));
    let item = waiting_for(&lc, t(60)).expect("waiting");
    assert_eq!(item.waiting_for, WaitingFor::Promotion);
    assert_eq!(item.requested_by.as_deref(), Some("qa-lead"));
    assert_eq!(item.certified_by.as_deref(), Some("qa-lead"));
    assert_eq!(item.waiting, "10m00s");
    let promoted = creation_until("prod", Some(EventKind::MarkForProduction));
    assert_eq!(waiting_for(&promoted, t(100)), None);
}

#[test]
fn a_patch_cycle_waits_for_promotion_once_scanned() {
    let mut lc = creation_until("patch", Some(EventKind::MarkForProduction));
    let mut cycle = PatchCycle {
        number: 1,
        bump: Bump::Patch,
        parent_ami_id: "ami-0001".into(),
        parent_semver: "1.0.0".into(),
        semver: "1.0.1".into(),
        component: None,
        description: None,
        created_at: t(70),
        actor: Some("patcher".into()),
        events: Lifecycle::empty_patch_events(),
    };
    cycle.events[0].outputs.amis = vec![AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0002".into(),
        name: None,
    }];
    lc.patches.push(cycle);
    let patch = Stage::Patch(1);
    set(
        &mut lc,
        patch,
        EventKind::AmiPatch,
        EventStatus::Completed,
        "patcher",
        80,
    );
    set(
        &mut lc,
        patch,
        EventKind::SmokeTests,
        EventStatus::Completed,
        "patcher",
        85,
    );
    assert_eq!(waiting_for(&lc, t(100)), None, "not scanned yet");
    set(
        &mut lc,
        patch,
        EventKind::VulnerabilityScans,
        EventStatus::Completed,
        "scanner",
        90,
    );
    let item = waiting_for(&lc, t(100)).expect("waiting");
    assert_eq!(item.waiting_for, WaitingFor::Promotion);
    assert_eq!(item.stage, "patch 1");
    assert_eq!(item.semver.as_deref(), Some("1.0.1"));
    assert_eq!(item.amis[0].ami_id, "ami-0002");
    assert_eq!(item.requested_by.as_deref(), Some("scanner"));
    assert_eq!(item.certified_by, None);
    assert_eq!(
        item.vulnerabilities, None,
        "this cycle's scans reported none"
    );
}

#[test]
fn the_longest_waiting_comes_first() {
    let older = creation_until("z-older", Some(EventKind::QaCertificationRequest));
    let mut newer = creation_until("a-newer", Some(EventKind::QaCertificationRequest));
    set(
        &mut newer,
        Stage::Creation,
        EventKind::QaCertificationRequest,
        EventStatus::Completed,
        "requester",
        45,
    );
    let idle = creation_until("idle", None);
    let items = waiting(&[newer, idle, older], t(100));
    let ids: Vec<&str> = items.iter().map(|i| i.lifecycle_id.as_str()).collect();
    assert_eq!(ids, ["z-older", "a-newer"]);
}
