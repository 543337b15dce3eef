//! Every attempt kept: the timeline folds an event's earlier attempts into
//! one line naming the last failure, `h` lists them all, and the retry
//! dialog says which attempt it starts and why the previous one failed.

use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::state::Dialog;
use crate::lifecycle::{EventStatus, Lifecycle};

use crate::app::tests::now;

/// A lifecycle whose smoke tests failed twice: try 1 (by alice) and try 2
/// (by bob), the second one the current record.
fn failed_twice() -> Lifecycle {
    let mut lc = Lifecycle::new("lc-attempts-1", "main", "web", "1.0", "alice", now());
    lc.creation[0].status = EventStatus::Completed;
    lc.creation[0].attempt = 1;
    let smoke = &mut lc.creation[1];
    smoke.claim("alice", 1, now() - chrono::Duration::minutes(30));
    smoke.status = EventStatus::Failed;
    smoke.finished_at = Some(now() - chrono::Duration::minutes(25));
    smoke.reason = Some("invocation Failed: disk full".into());
    smoke.claim("bob", 2, now() - chrono::Duration::minutes(20));
    smoke.status = EventStatus::Failed;
    smoke.finished_at = Some(now() - chrono::Duration::minutes(15));
    smoke.reason = Some("invocation TimedOut".into());
    lc
}

#[test]
fn earlier_attempts_fold_under_the_event_and_h_lists_them() {
    let mut s = state(false, 120, 30);
    load(&mut s, vec![failed_twice()]);
    press(&mut s, KeyCode::Enter);
    let folded = draw(&s);
    assert!(
        folded.contains("previous: try 1 ✘ failed by alice")
            && folded.contains("invocation Failed: disk full (h)"),
        "{folded}"
    );
    press(&mut s, KeyCode::Char('h'));
    let all = draw(&s);
    assert!(all.contains("try 1 ✘ failed by alice"), "{all}");
    assert!(!all.contains("previous:"), "{all}");
    press(&mut s, KeyCode::Char('h'));
    assert!(draw(&s).contains("previous: try 1"));
}

#[test]
fn the_retry_dialog_names_the_attempt_and_the_previous_failure() {
    let mut s = state(false, 120, 30);
    load(&mut s, vec![failed_twice()]);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('R'));
    let Some(Dialog::Confirm { lines, .. }) = &s.dialog else {
        panic!("a confirmation, not {:?}", s.dialog);
    };
    assert!(
        lines.contains(&(
            "Attempt".to_string(),
            "3, previous failed: invocation TimedOut".to_string()
        )),
        "{lines:?}"
    );
    let screen = draw(&s);
    assert!(
        screen.contains("3, previous failed: invocation TimedOut"),
        "{screen}"
    );
}

#[test]
fn a_break_glass_override_is_shown_under_its_event() {
    let mut lc = failed_twice();
    lc.creation[1].approval_override =
        Some(Box::new(crate::lifecycle::approvals::ApprovalOverride {
            by: "carol".into(),
            reason: "hotfix for CVE-2026-1".into(),
            at: now(),
            overridden: vec!["four eyes".into()],
        }));
    let mut s = state(false, 140, 30);
    load(&mut s, vec![lc]);
    press(&mut s, KeyCode::Enter);
    let screen = draw(&s);
    assert!(
        screen.contains(
            "⚠ override by carol at 2026-11-23 12:00 UTC: hotfix for CVE-2026-1 (over: four eyes)"
        ),
        "{screen}"
    );
}

#[test]
fn a_long_toast_wraps_instead_of_being_cut() {
    use crate::app::state::Level;
    let mut s = state(false, 80, 24);
    load(&mut s, vec![failed_twice()]);
    let long = "Cannot switch: the credentials are missing, invalid or expired; for an SSO profile run aws sso login --profile prod-admin, then try again. Still on us-east-1.";
    s.notify(Level::Error, long);
    let screen = draw(&s);
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Still on us-east-1."), "{screen}");
    assert!(
        flat.contains("aws sso login --profile prod-admin"),
        "{screen}"
    );
}

#[test]
fn a_wrapped_reason_continues_under_its_own_text() {
    let mut lc = failed_twice();
    lc.creation[1].reason = Some(
        "the Run Command invocation ended Failed on i-0123456789abcdef0 after 3 polls: exit code 2, see the output location for the script's own messages"
            .into(),
    );
    let mut s = state(false, 80, 40);
    load(&mut s, vec![lc]);
    press(&mut s, KeyCode::Enter);
    let screen = draw(&s);
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("      reason: the Run Command"))
        .unwrap_or_else(|| panic!("no reason line:\n{screen}"));
    assert!(
        lines[at + 1].starts_with("        ") && !lines[at + 1].trim().is_empty(),
        "the continuation is indented under the reason:\n{screen}"
    );
    assert!(screen.contains("own messages"), "{screen}");
}

#[test]
fn a_running_stage_shows_its_running_line_not_a_refusal() {
    let mut lc = failed_twice();
    lc.creation[1].claim("bob", 3, now());
    let mut s = state(false, 120, 30);
    load(&mut s, vec![lc]);
    press(&mut s, KeyCode::Enter);
    let screen = draw(&s);
    assert!(screen.contains("◐ running"), "{screen}");
    assert!(!screen.contains("refused:"), "{screen}");
}
