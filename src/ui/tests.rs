//! Screen snapshots: TestBackend + insta, one per screen state. The clock is
//! fixed (2026-11-23 12:00 UTC), so times in snapshots never drift.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use super::theme::Theme;
use crate::app::action::{Action, Effect, PageData};
use crate::app::keymap::Keymap;
use crate::app::state::State;
use crate::app::update::{start_load, update};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::demo::{demo_lifecycle, stack_tag_for};
use crate::lifecycle::image::{BuildImage, ImageState, ServiceAnswer};
use crate::ops::OpError;

use crate::app::tests::{now, target};

pub(super) fn state(read_only: bool, width: u16, height: u16) -> State {
    let mut state = State::new(Keymap::default(), read_only, target(), now());
    update(&mut state, Action::Resized { width, height });
    state
}

fn demo(n: u64) -> Vec<Lifecycle> {
    (0..n)
        .map(|i| demo_lifecycle(i, &stack_tag_for(i, None), i + 1, now()))
        .collect()
}

pub(super) fn load(state: &mut State, lifecycles: Vec<Lifecycle>) {
    let _ = start_load(state);
    let request = state.request;
    let page = PageData::last(state, lifecycles);
    update(
        state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(page),
        },
    );
}

pub(super) fn press(state: &mut State, code: KeyCode) {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub(super) fn draw(state: &State) -> String {
    let backend = TestBackend::new(state.width, state.height);
    let mut terminal = Terminal::new(backend).expect("terminal");
    terminal
        .draw(|f| render(state, &Theme::dark(), f))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn empty() {
    let mut s = state(false, 120, 30);
    load(&mut s, Vec::new());
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn loading() {
    let mut s = state(false, 120, 30);
    let _ = start_load(&mut s);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn loaded() {
    let mut s = state(false, 160, 30);
    load(&mut s, demo(40));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn stale() {
    let mut s = state(false, 120, 30);
    load(&mut s, demo(40));
    update(&mut s, Action::Refresh);
    let request = s.request;
    update(
        &mut s,
        Action::PageLoaded {
            request,
            at: now(),
            result: Err(OpError::Unavailable(
                "dispatch failure: connection refused".into(),
            )),
        },
    );
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn narrow() {
    let mut s = state(false, 80, 24);
    load(&mut s, demo(40));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn too_small() {
    let mut s = state(false, 60, 20);
    load(&mut s, demo(5));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn read_only() {
    let mut s = state(true, 120, 30);
    load(&mut s, demo(40));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn help() {
    let mut s = state(false, 100, 40);
    load(&mut s, demo(3));
    press(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn the_read_only_timeline_offers_no_next_allowed() {
    for (read_only, offered) in [(false, true), (true, false)] {
        let mut s = state(read_only, 120, 30);
        load(&mut s, demo(3));
        press(&mut s, KeyCode::Enter);
        let text = draw(&s);
        assert!(text.contains("Timeline"), "{text}");
        assert_eq!(text.contains("next allowed"), offered, "{text}");
    }
}

#[test]
fn help_at_80x24_says_there_is_more_and_scrolls() {
    let mut s = state(false, 80, 24);
    load(&mut s, demo(3));
    press(&mut s, KeyCode::Char('?'));
    let first = draw(&s);
    let title = first.lines().nth(2).unwrap_or_default().to_string();
    assert!(title.contains("more: ↓/PgDn"), "{first}");
    insta::assert_snapshot!(first);
    press(&mut s, KeyCode::Char('G'));
    let last = draw(&s);
    let title = last.lines().nth(2).unwrap_or_default().to_string();
    assert!(title.contains("above: ↑/PgUp"), "{last}");
    assert_ne!(first, last, "G scrolls the help");
}

#[test]
fn help_read_only() {
    let mut s = state(true, 100, 60);
    load(&mut s, demo(3));
    press(&mut s, KeyCode::Char('?'));
    let text = draw(&s);
    assert!(!text.contains("trigger next"), "{text}");
    assert!(text.contains("Read-only mode"));
}

#[test]
fn timeline() {
    let mut s = state(false, 120, 40);
    let lifecycles = demo(200);
    let patched = lifecycles
        .iter()
        .position(|l| !l.patches.is_empty())
        .expect("a demo lifecycle with a patch cycle");
    let id = lifecycles[patched].lifecycle_id.clone();
    load(&mut s, lifecycles);
    s.screens
        .push(crate::app::state::Screen::Timeline { id, scroll: 0 });
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn confirmation_dialog() {
    let mut s = state(false, 120, 30);
    let lc = Lifecycle::new("lc-0001", "main", "web-frontend", "4.2", "alice", now());
    load(&mut s, vec![lc]);
    press(&mut s, KeyCode::Char('t'));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn refusal() {
    let mut s = state(false, 120, 30);
    let lc = Lifecycle::new("lc-0001", "main", "web-frontend", "4.2", "alice", now());
    load(&mut s, vec![lc]);
    press(&mut s, KeyCode::Char('c'));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn filter_bar() {
    let mut s = state(false, 120, 30);
    load(&mut s, demo(60));
    press(&mut s, KeyCode::Char('/'));
    for c in "status:failed".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(draw(&s));
}

/// A lifecycle notification as SNS would deliver it, with a hostile summary
/// part (escape sequences) to show they are neutralised.
fn arrival(
    id: &str,
    message_id: &str,
    event: &str,
    status: &str,
) -> crate::lifecycle::notification::Arrival {
    let message = serde_json::json!({
        "source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": id,
        "stack_tag": "main", "event": event, "stage": "creation", "status": status,
        "attempt": 1, "time": "2026-11-23T11:59:30Z", "reason": "\u{1b}[31mred\u{1b}[0m",
    });
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:amiboard-lifecycle",
        "Message": message.to_string(), "Timestamp": "2026-11-23T11:59:30Z",
    });
    crate::lifecycle::notification::Arrival {
        notification: crate::lifecycle::notification::decode(&envelope.to_string()),
        lifecycle_id: Some(id.to_string()),
        received_at: now(),
    }
}

fn with_feed(s: &mut State) {
    use crate::ops::listener::StreamEvent;
    let lifecycles = demo(3);
    let ids: Vec<String> = lifecycles.iter().map(|l| l.lifecycle_id.clone()).collect();
    load(s, lifecycles);
    for event in [
        StreamEvent::Connected {
            queue: "amiboard-watch-1".into(),
            topics: vec!["lifecycle".into()],
        },
        StreamEvent::Rate { per_minute: 3 },
        StreamEvent::Notifications(vec![
            arrival(&ids[0], "m1", "AMI_BUILD", "IN_PROGRESS"),
            arrival(&ids[1], "m2", "SMOKE_TESTS", "FAILED"),
            arrival(&ids[2], "m3", "VULNERABILITY_SCANS", "COMPLETED"),
        ]),
    ] {
        update(s, Action::Stream { event });
    }
    // Toasts would hide the status line differences; let them expire.
    update(
        s,
        Action::Tick {
            now: now() + chrono::Duration::seconds(7),
        },
    );
}

#[test]
fn notifications_pane() {
    let mut s = state(false, 120, 30);
    with_feed(&mut s);
    press(&mut s, KeyCode::Char('n'));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn notifications_full_screen_paused_filtered() {
    let mut s = state(false, 120, 30);
    with_feed(&mut s);
    press(&mut s, KeyCode::Char('F'));
    press(&mut s, KeyCode::Char(' '));
    press(&mut s, KeyCode::Char('/'));
    for c in "fail".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn notification_raw_json() {
    let mut s = state(false, 100, 30);
    with_feed(&mut s);
    press(&mut s, KeyCode::Char('F'));
    press(&mut s, KeyCode::Enter);
    let text = draw(&s);
    assert!(!text.contains('\u{1b}'), "an escape reached the screen");
    insta::assert_snapshot!(text);
}

/// The header's second line in each stream state.
#[test]
fn header_stream_states() {
    use crate::app::feed::StreamStatus;
    let mut out = String::new();
    for (status, rate) in [
        (StreamStatus::Starting, 0),
        (
            StreamStatus::Connected {
                queue: "q".into(),
                topics: 4,
            },
            42,
        ),
        (
            StreamStatus::Reconnecting {
                reason: "connection refused".into(),
            },
            0,
        ),
        (
            StreamStatus::Off {
                reason: "access denied".into(),
            },
            0,
        ),
    ] {
        let mut s = state(false, 100, 24);
        load(&mut s, demo(1));
        s.feed.status = status;
        s.feed.per_minute = rate;
        let screen = draw(&s);
        out.push_str(screen.lines().nth(1).unwrap_or_default());
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

fn build_image(arn: &str, state: ImageState, reason: Option<&str>) -> BuildImage {
    let component = |c: &str| format!("arn:aws:imagebuilder:us-east-1:aws:component/{c}/1.0.0/1");
    BuildImage {
        arn: arn.to_string(),
        name: Some("payments-api".into()),
        version: Some("1.0.0/1".into()),
        state,
        reason: reason.map(str::to_string),
        recipe: Some("web-recipe".into()),
        recipe_version: Some("1.0.0".into()),
        components: ["update-linux", "aws-cli-version-2-linux", "web-app"]
            .map(component)
            .into(),
    }
}

#[test]
fn timeline_with_build_images() {
    const BUILD: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/payments/56.0.0/1";
    const PATCH: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/payments/56.0.1/1";
    let mut s = state(false, 120, 40);
    let mut lifecycles = demo(200);
    let patched = lifecycles
        .iter()
        .position(|l| !l.patches.is_empty())
        .expect("a demo lifecycle with a patch cycle");
    let lc = &mut lifecycles[patched];
    lc.creation[0].outputs.image_arn = Some(BUILD.into());
    let patch = &mut lc.patches[0].events[0];
    patch.status = crate::lifecycle::EventStatus::Failed;
    patch.reason = Some("Image Builder image FAILED".into());
    patch.outputs.image_arn = Some(PATCH.into());
    let id = lc.lifecycle_id.clone();
    load(&mut s, lifecycles);
    s.screens
        .push(crate::app::state::Screen::Timeline { id, scroll: 0 });
    let now = s.now;
    let effects = update(&mut s, Action::Tick { now });
    let asked: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchBuildImage { image_arn, .. } => Some(image_arn.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [BUILD, PATCH]);
    let reason = "Step 'update-linux' failed: yum exited with code 1";
    for (arn, state, reason) in [
        (BUILD, ImageState::Available, None),
        (PATCH, ImageState::Failed, Some(reason)),
    ] {
        let result = Ok(ServiceAnswer::Found(build_image(arn, state, reason)));
        let image_arn = arn.to_string();
        update(&mut s, Action::BuildImageFetched { image_arn, result });
    }
    insta::assert_snapshot!(draw(&s));
    // Narrow: the count stays, the component names go.
    update(
        &mut s,
        Action::Resized {
            width: 80,
            height: 40,
        },
    );
    let narrow = draw(&s);
    assert!(narrow.contains("image AVAILABLE · recipe web-recipe 1.0.0 · 3 components\n"));
    assert!(narrow.contains(&format!("image reason: {reason}")));
}

#[test]
fn header_doctor_badge_after_a_denied_call() {
    let mut s = state(false, 160, 24);
    load(&mut s, demo(3));
    let request = s.request;
    update(
        &mut s,
        Action::PageLoaded {
            request,
            at: now(),
            result: Err(OpError::Aws(crate::aws::AwsError::AccessDenied {
                service: "DynamoDB",
                operation: "Query",
                resource: "amiboard-lifecycles".into(),
                detail: "not authorized".into(),
            })),
        },
    );
    insta::assert_snapshot!(draw(&s));
}

/// On-call's view: `/status:error,failed` sorted problems first (`!`), with
/// each row's reason and age, and the header's counts by what rows need.
fn triage(width: u16, height: u16) -> String {
    let mut s = state(true, width, height);
    load(&mut s, demo(60));
    press(&mut s, KeyCode::Char('!'));
    press(&mut s, KeyCode::Char('/'));
    for c in "status:error,failed".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    draw(&s)
}

#[test]
fn triage_80x24() {
    let screen = triage(80, 24);
    assert!(
        screen.contains("REASON") && screen.contains("AGE"),
        "{screen}"
    );
    assert!(screen.contains("States.Timeout"), "{screen}");
    assert!(
        screen.contains("error") && screen.contains("failed"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn triage_120x40() {
    let screen = triage(120, 40);
    assert!(screen.contains("sort: problems first"), "{screen}");
    insta::assert_snapshot!(screen);
}
