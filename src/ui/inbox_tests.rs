//! The approval inbox (`i`) and the production view (`W`) at 80x24 and
//! 160x48, read-only, and empty.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::state::State;
use crate::app::tests::now;
use crate::lifecycle::{
    AmiOutput, Bump, CREATION_SEQUENCE, EventKind, EventRef, EventStatus, Lifecycle, PatchCycle,
    Stage, VulnerabilityCounts,
};

fn ami(region: &str, id: &str) -> AmiOutput {
    AmiOutput {
        account: None,
        region: region.into(),
        ami_id: id.into(),
        name: None,
    }
}

/// Completes one event `minutes_ago`, by `actor`.
fn done(lc: &mut Lifecycle, stage: Stage, event: EventKind, actor: &str, minutes_ago: i64) {
    let record = lc.record_mut(EventRef { stage, event }).expect("record");
    record.status = EventStatus::Completed;
    record.attempt = record.attempt.max(1);
    record.actor = Some(actor.into());
    record.started_at = Some(now() - Duration::minutes(minutes_ago + 1));
    record.finished_at = Some(now() - Duration::minutes(minutes_ago));
}

/// A creation completed up to `last`, every step `minutes_ago`.
fn creation(
    id: &str,
    tag: &str,
    product: &str,
    semver: &str,
    amis: Vec<AmiOutput>,
    last: EventKind,
    minutes_ago: i64,
) -> Lifecycle {
    let mut lc = Lifecycle::new(id, tag, product, "3.2", "alice", now() - Duration::days(3));
    lc.ami_semver = Some(semver.into());
    lc.creation[0].outputs.amis = amis;
    lc.creation[2].outputs.vulnerabilities = Some(VulnerabilityCounts {
        critical: 0,
        high: 2,
        medium: 5,
        low: 9,
        informational: 1,
    });
    for event in CREATION_SEQUENCE {
        let actor = match event {
            EventKind::QaCertificationRequest => "dev-requester",
            EventKind::QaCertificationResponse => "qa-lead",
            EventKind::MarkForProduction => "release-mgr",
            _ => "pipeline",
        };
        done(&mut lc, Stage::Creation, event, actor, minutes_ago);
        if event == last {
            break;
        }
    }
    lc
}

fn patch(lc: &mut Lifecycle, semver: &str, amis: Vec<AmiOutput>, last: EventKind, ago: i64) {
    let number = u32::try_from(lc.patches.len()).expect("few") + 1;
    let mut cycle = PatchCycle {
        number,
        bump: Bump::Patch,
        parent_ami_id: "ami-parent".into(),
        parent_semver: "1.0.0".into(),
        semver: semver.into(),
        component: None,
        description: None,
        created_at: now() - Duration::minutes(ago + 5),
        actor: Some("patcher".into()),
        events: Lifecycle::empty_patch_events(),
    };
    cycle.events[0].outputs.amis = amis;
    lc.patches.push(cycle);
    for event in crate::lifecycle::PATCH_SEQUENCE {
        done(lc, Stage::Patch(number), event, "patch-bot", ago);
        if event == last {
            break;
        }
    }
}

/// QA pending (smoke passed on try 2), a certified AMI, a scanned patch
/// cycle, production history in two regions, and one lifecycle still building.
fn lifecycles() -> Vec<Lifecycle> {
    let mut qa = creation(
        "11111111-aaaa-4aaa-8aaa-000000000001",
        "main",
        "web",
        "4.0.0",
        vec![ami("us-east-1", "ami-0a1b2c3d4e5f60001")],
        EventKind::QaCertificationRequest,
        75,
    );
    qa.creation[1].attempt = 2;
    let certified = creation(
        "22222222-bbbb-4bbb-8bbb-000000000002",
        "prod",
        "api",
        "2.0.0",
        vec![ami("us-east-1", "ami-0a1b2c3d4e5f60002")],
        EventKind::QaCertificationResponse,
        10,
    );
    let mut patched = creation(
        "33333333-cccc-4ccc-8ccc-000000000003",
        "prod",
        "web",
        "1.0.0",
        vec![
            ami("us-east-1", "ami-0a1b2c3d4e5f60003"),
            ami("eu-west-1", "ami-0a1b2c3d4e5f60013"),
        ],
        EventKind::MarkForProduction,
        2 * 24 * 60,
    );
    patch(
        &mut patched,
        "1.0.1",
        vec![
            ami("us-east-1", "ami-0a1b2c3d4e5f60004"),
            ami("eu-west-1", "ami-0a1b2c3d4e5f60014"),
        ],
        EventKind::MarkForProduction,
        24 * 60,
    );
    patch(
        &mut patched,
        "1.0.2",
        vec![ami("us-east-1", "ami-0a1b2c3d4e5f60005")],
        EventKind::VulnerabilityScans,
        200,
    );
    let building = Lifecycle::new(
        "44444444-dddd-4ddd-8ddd-000000000004",
        "main",
        "batch",
        "1.0",
        "bob",
        now(),
    );
    vec![qa, certified, patched, building]
}

fn opened(key: char, width: u16, height: u16, read_only: bool) -> State {
    let mut s = state(read_only, width, height);
    load(&mut s, lifecycles());
    press(&mut s, KeyCode::Char(key));
    s
}

#[test]
fn inbox_80x24() {
    let s = opened('i', 80, 24, false);
    let text = draw(&s);
    // The stack tag stays at 80 columns; the requester and the wait are shown.
    assert!(text.contains("prod") && text.contains("dev-reque") && text.contains("1h15m"));
    insta::assert_snapshot!(text);
}

#[test]
fn inbox_160x48() {
    let mut s = opened('i', 160, 48, false);
    press(&mut s, KeyCode::Down);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn inbox_read_only_offers_no_decisions() {
    let s = opened('i', 160, 48, true);
    let text = draw(&s);
    let footer = text.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("Enter timeline"), "{footer}");
    assert!(
        !footer.contains("certify") && !footer.contains("promote"),
        "{footer}"
    );
}

#[test]
fn inbox_empty() {
    let mut s = state(false, 80, 24);
    load(&mut s, lifecycles().split_off(3));
    press(&mut s, KeyCode::Char('i'));
    let text = draw(&s);
    assert!(text.contains("Nothing is waiting for a person"), "{text}");
}

#[test]
fn production_80x24() {
    let s = opened('W', 80, 24, false);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn production_160x48() {
    let s = opened('W', 160, 48, false);
    let text = draw(&s);
    assert!(
        text.contains("ami-0a1b2c3d4e5f60004"),
        "the promoted patch is current"
    );
    assert!(
        !text.contains("ami-0a1b2c3d4e5f60005"),
        "a patch not promoted is not"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn production_empty() {
    let mut s = state(false, 80, 24);
    load(&mut s, lifecycles().split_off(3));
    press(&mut s, KeyCode::Char('W'));
    assert!(draw(&s).contains("No AMI has been promoted to production yet."));
}
