//! `l` opens the execution log of the running (or last run) event: the read
//! is asked for, and once it arrives the states, the failing state's error
//! and cause, and the links are on screen.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{draw, load, press, state};
use crate::app::action::{Action, Effect};
use crate::app::tests::now;
use crate::app::update::update;
use crate::aws::sfn::Execution;
use crate::lifecycle::execution::{ExecutionPath, RunStatus, StateVisit};
use crate::lifecycle::{EventKind, EventRef, EventStatus, Lifecycle, Stage};
use crate::ops::logs::{EventLog, links};

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:amiboard-smoke-tests:lc-1";

fn smoke_failed() -> Lifecycle {
    let mut lc = Lifecycle::new("lc-logs-1", "main", "web", "1.0", "alice", now());
    lc.creation[0].status = EventStatus::Completed;
    lc.creation[0].attempt = 1;
    lc.creation[1].claim("alice", 1, now() - Duration::minutes(3));
    lc.creation[1].execution_arn = Some(ARN.into());
    lc.creation[1].status = EventStatus::Error;
    lc
}

fn visit(name: &str, from: i64, to: Option<i64>, error: Option<&str>) -> StateVisit {
    StateVisit {
        name: name.into(),
        entered_at: now() - Duration::seconds(from),
        exited_at: to.map(|t| now() - Duration::seconds(t)),
        error: error.map(Into::into),
        cause: error.map(|_| "Run Command is not at this endpoint".into()),
    }
}

/// The log of `lc`'s smoke test whose execution failed in SendCommand.
fn failed_log(lc: &Lifecycle, at: EventRef) -> EventLog {
    EventLog {
        lifecycle_id: "lc-logs-1".into(),
        at,
        attempt: 1,
        execution_arn: Some(ARN.into()),
        execution: Some(Execution {
            arn: ARN.into(),
            status: RunStatus::Failed,
            started_at: Some(now() - Duration::seconds(180)),
            stopped_at: Some(now() - Duration::seconds(100)),
            error: Some("SSM.InvalidInstanceId".into()),
            cause: None,
        }),
        path: Some(ExecutionPath {
            states: vec![
                visit("LaunchInDefaultVpc", 179, Some(170), None),
                visit("WaitForInstance", 170, Some(140), None),
                visit("SendCommand", 120, None, Some("SSM.InvalidInstanceId")),
            ],
            error: Some("SSM.InvalidInstanceId".into()),
            cause: None,
            truncated: false,
        }),
        links: links(&lc.creation[1]),
        read_error: None,
        recorded_status: crate::lifecycle::EventStatus::Failed,
        recorded_reason: Some("SSM.InvalidInstanceId".into()),
    }
}

#[test]
fn l_asks_for_the_log_and_shows_the_failing_state_and_where_to_look() {
    let mut s = state(false, 120, 30);
    let lc = smoke_failed();
    load(&mut s, vec![lc.clone()]);
    press(&mut s, KeyCode::Enter);
    let effects = update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::NONE)),
    );
    let at = EventRef {
        stage: Stage::Creation,
        event: EventKind::SmokeTests,
    };
    assert_eq!(
        effects,
        vec![Effect::FetchLog {
            id: "lc-logs-1".into(),
            at
        }]
    );
    assert!(draw(&s).contains("Reading the execution"));
    let log = failed_log(&lc, at);
    update(
        &mut s,
        Action::LogFetched {
            id: "lc-logs-1".into(),
            at,
            result: Ok(log),
        },
    );
    let screen = draw(&s);
    for expected in [
        "status FAILED  took 1m20s",
        "LaunchInDefaultVpc",
        "failed in SendCommand: SSM.InvalidInstanceId",
        "cause: Run Command is not at this endpoint",
        "https://us-east-1.console.aws.amazon.com/states/home",
    ] {
        assert!(screen.contains(expected), "{expected:?} missing:\n{screen}");
    }
    // An answer for another event (a late one) does not replace it.
    update(
        &mut s,
        Action::LogFetched {
            id: "lc-other".into(),
            at,
            result: Err(crate::ops::OpError::Unavailable("late".into())),
        },
    );
    assert!(draw(&s).contains("failed in SendCommand"));
    press(&mut s, KeyCode::Esc);
    assert!(draw(&s).contains("Timeline"));
}

/// The log screen with the failed smoke test's log loaded, at a size.
fn log_screen(width: u16, height: u16) -> String {
    let mut s = state(false, width, height);
    let lc = smoke_failed();
    load(&mut s, vec![lc.clone()]);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('l'));
    let at = EventRef {
        stage: Stage::Creation,
        event: EventKind::SmokeTests,
    };
    let log = failed_log(&lc, at);
    update(
        &mut s,
        Action::LogFetched {
            id: "lc-logs-1".into(),
            at,
            result: Ok(log),
        },
    );
    draw(&s)
}

#[test]
fn logs_80x24() {
    insta::assert_snapshot!(log_screen(80, 24));
}

#[test]
fn logs_160x48() {
    insta::assert_snapshot!(log_screen(160, 48));
}

/// The log screen of `lc`'s smoke test with `log` loaded.
fn open_with(width: u16, height: u16, lc: &Lifecycle, log: EventLog) -> crate::app::state::State {
    let mut s = state(false, width, height);
    load(&mut s, vec![lc.clone()]);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('l'));
    let at = log.at;
    update(
        &mut s,
        Action::LogFetched {
            id: lc.lifecycle_id.clone(),
            at,
            result: Ok(log),
        },
    );
    s
}

fn smoke_at() -> EventRef {
    EventRef {
        stage: Stage::Creation,
        event: EventKind::SmokeTests,
    }
}

#[test]
fn a_run_that_succeeded_shows_the_failure_it_recorded() {
    let lc = smoke_failed();
    let mut log = failed_log(&lc, smoke_at());
    if let Some(e) = log.execution.as_mut() {
        e.status = RunStatus::Succeeded;
        e.error = None;
    }
    log.path = None;
    log.recorded_status = EventStatus::Failed;
    log.recorded_reason = Some("2 of 14 smoke tests failed: login, checkout".into());
    let screen = draw(&open_with(120, 30, &lc, log.clone()));
    assert!(screen.contains("status SUCCEEDED"), "{screen}");
    assert!(
        screen.contains("recorded ✘ failed (try 1): 2 of 14 smoke tests failed: login, checkout"),
        "{screen}"
    );
    // While both still run there is nothing recorded to say.
    if let Some(e) = log.execution.as_mut() {
        e.status = RunStatus::Running;
        e.stopped_at = None;
    }
    log.recorded_status = EventStatus::InProgress;
    let screen = draw(&open_with(120, 30, &lc, log));
    assert!(!screen.contains("recorded"), "{screen}");
}

#[test]
fn long_links_wrap_whole_and_y_copies_the_one_under_the_cursor() {
    let lc = smoke_failed();
    let mut log = failed_log(&lc, smoke_at());
    log.links.push((
        "command output".into(),
        "s3://amiboard-logs/ssm/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/".into(),
    ));
    let console = log.links[0].1.clone();
    assert!(console.len() > 160, "{console}");
    let mut s = open_with(160, 48, &lc, log);
    let screen = draw(&s);
    // Every character of the link is on screen, its rows under its start.
    let joined: String = screen
        .lines()
        .skip_while(|l| !l.contains("https://"))
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    assert!(joined.contains(&console), "{console}\n{screen}");
    assert!(
        screen.contains("Tab next link") && screen.contains("y copy link"),
        "{screen}"
    );
    let effects = update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert_eq!(
        effects,
        vec![Effect::Copy {
            text: console.clone()
        }]
    );
    let toast = s.toast().map(|n| n.text.clone()).unwrap_or_default();
    assert!(
        toast.starts_with("Copied the execution link: https://"),
        "{toast}"
    );
    // Tab moves the cursor to the next link; y copies that one.
    let second = s
        .logs
        .as_ref()
        .and_then(|v| v.result.clone())
        .and_then(Result::ok)
        .map(|l| l.links[1].1.clone())
        .expect("a second link");
    press(&mut s, KeyCode::Tab);
    let effects = update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert_eq!(effects, vec![Effect::Copy { text: second }]);
}

#[test]
fn notices_wrap_under_their_text() {
    let mut s = state(true, 80, 24);
    load(&mut s, Vec::new());
    s.notify(
        crate::app::state::Level::Warn,
        "Read-only mode: nothing can be changed. Nothing was changed: a writer would run `amiboard trigger 2bc3f1a0`.",
    );
    s.notify(
        crate::app::state::Level::Info,
        "Live notifications on (4 topic(s))",
    );
    press(&mut s, KeyCode::Char('N'));
    let screen = draw(&s);
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("a writer would run `amiboard trigger 2bc3f1a0`."),
        "{screen}"
    );
    assert!(
        screen.contains("\n               writer would run"),
        "{screen}"
    );
}
