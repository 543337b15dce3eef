//! `u` opens where a lifecycle's AMIs are used: the recorded answer with
//! its age, EC2's state per AMI (other regions "not checked here"), every
//! reference, what supersedes it, and the retirement runs; read-only too.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::state::Screen;
use crate::app::tests::now;
use crate::lifecycle::retire::{RetireAction, Retirement, WhereUsed};
use crate::lifecycle::{AmiOutput, EventStatus, Lifecycle, Stage};

/// A production lifecycle of `web` at `semver` with AMIs in two regions.
fn production(id: &str, semver: &str, ami: &str, hours_ago: i64) -> Lifecycle {
    let at = now() - Duration::hours(hours_ago);
    let mut lc = Lifecycle::new(id, "main", "web", "1.0", "alice", at);
    lc.ami_semver = Some(semver.into());
    for r in &mut lc.creation {
        r.status = EventStatus::Completed;
        r.attempt = 1;
        r.finished_at = Some(at);
    }
    lc.creation[0].outputs.amis = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|region| AmiOutput {
            region: (*region).into(),
            ami_id: format!("{ami}{}", if *region == "us-east-1" { "" } else { "-eu" }),
            name: None,
            account: None,
        })
        .collect();
    lc.creation[0].outputs.image_arn = Some(format!(
        "arn:aws:imagebuilder:us-east-1:123456789012:image/web/{semver}/1"
    ));
    lc
}

fn used_and_deprecated() -> Vec<Lifecycle> {
    let mut old = production(
        "0ld00000-1111-4111-8111-000000000001",
        "1.0.0",
        "ami-0aaa",
        48,
    );
    old.where_used = Some(WhereUsed {
        as_of: now() - Duration::minutes(12),
        region: "us-east-1".into(),
        execution_arn: None,
        ami_ids: vec!["ami-0aaa".into()],
        images_json: r#"[{"ImageId":"ami-0aaa","State":"available","DeprecationTime":"2026-11-30T00:00:00Z","LastLaunchedTime":"2026-11-22T08:00:00Z"}]"#.into(),
        references_json: r#"[{"ImageId":"ami-0aaa","ResourceType":"ec2:LaunchTemplate","Arn":"arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0123"},{"ImageId":"ami-0aaa","ResourceType":"ssm:Parameter","Arn":"arn:aws:ssm:us-east-1:123456789012:parameter/web/ami"}]"#.into(),
        actor: Some("alice".into()),
        truncated: false,
    });
    let mut r = Retirement::claimed(
        Stage::Creation,
        RetireAction::Deprecate,
        None,
        "alice",
        now() - Duration::minutes(10),
    );
    r.deprecate_at = Some(now() + Duration::days(7));
    r.status = EventStatus::Completed;
    r.finished_at = Some(now() - Duration::minutes(9));
    old.retirements.push(r);
    let new = production(
        "n3w00000-2222-4222-8222-000000000002",
        "2.0.0",
        "ami-0bbb",
        2,
    );
    vec![old, new]
}

fn opened(read_only: bool, width: u16, height: u16) -> String {
    let mut s = state(read_only, width, height);
    let lifecycles = used_and_deprecated();
    load(&mut s, lifecycles);
    // Select the older lifecycle (the list shows the newest change first).
    while s.selected_id() != Some("0ld00000-1111-4111-8111-000000000001") {
        press(&mut s, KeyCode::Down);
    }
    press(&mut s, KeyCode::Char('u'));
    assert!(
        matches!(s.screen(), Screen::WhereUsed { .. }),
        "{:?}",
        s.screen()
    );
    draw(&s)
}

#[test]
fn where_used_80x24() {
    let screen = opened(false, 80, 24);
    for expected in [
        "Where used",
        "EC2 answered 12m",
        "ago in us-east-1",
        "used by ec2:LaunchTemplate",
        "not checked here",
    ] {
        assert!(screen.contains(expected), "{expected:?} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn where_used_160x48_read_only() {
    let screen = opened(true, 160, 48);
    for expected in [
        "superseded by n3w00000 2.0.0",
        "deprecation at 2026-11-30T00:00:00Z",
        "last launched 2026-11-22T08:00:00Z",
        "used by ssm:Parameter",
        "RETIRE_DEPRECATE (creation)",
        "amiboard: deprecated",
    ] {
        assert!(screen.contains(expected), "{expected:?} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn a_lifecycle_not_held_yet_says_it_loads_and_esc_goes_back() {
    let mut s = state(false, 80, 24);
    load(&mut s, used_and_deprecated());
    press(&mut s, KeyCode::Char('u'));
    assert!(draw(&s).contains("Where used"));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen(), &Screen::List);
}

/// `X` on the superseded lifecycle: the confirmation shows the preview
/// (AMIs, regions, references, lookup rows); `y` asks the runner to
/// deprecate; read-only names the CLI command instead.
fn retire_dialog(
    read_only: bool,
    width: u16,
    height: u16,
) -> (String, Vec<crate::app::action::Effect>) {
    use crossterm::event::{KeyEvent, KeyModifiers};

    use crate::app::action::Action;
    use crate::app::update::update;
    let mut s = state(read_only, width, height);
    let mut lifecycles = used_and_deprecated();
    lifecycles[0].retirements.clear();
    load(&mut s, lifecycles);
    while s.selected_id() != Some("0ld00000-1111-4111-8111-000000000001") {
        press(&mut s, KeyCode::Down);
    }
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('X'));
    let screen = draw(&s);
    let effects = update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    (screen, effects)
}

#[test]
fn retire_dialog_80x24() {
    let (screen, effects) = retire_dialog(false, 80, 24);
    assert!(screen.contains("RETIRE_DEPRECATE"), "{screen}");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            crate::app::action::Effect::Mutate {
                op: crate::app::action::Op::Retire { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn retire_dialog_160x48() {
    let (screen, _) = retire_dialog(false, 160, 48);
    for expected in [
        "RETIRE_DEPRECATE: 0ld00000 1.0.0 (creation), now available",
        "superseded by n3w00000 2.0.0 (us-east-1",
        "used by ec2:LaunchTemplate",
        "its lookup rows stay",
    ] {
        assert!(screen.contains(expected), "{expected:?} missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    let (read_only, effects) = retire_dialog(true, 160, 48);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, crate::app::action::Effect::Mutate { .. })),
        "{effects:?}"
    );
    assert!(
        read_only.contains("amiboard retire 0ld00000 --dry-run"),
        "{read_only}"
    );
}
