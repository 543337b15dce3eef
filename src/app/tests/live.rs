//! Pure tests of the stream, the feed pane, execution progress and the
//! new-lifecycle form: actions in, state and effects out.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{chars, fresh, key, loaded, now};
use crate::app::action::{Action, Effect, Op};
use crate::app::feed::StreamStatus;
use crate::app::state::{Dialog, Screen, State};
use crate::app::update::update;
use crate::lifecycle::execution::Progress;
use crate::lifecycle::execution::RunStatus;
use crate::lifecycle::image::{NOT_AVAILABLE, ServiceAnswer};
use crate::lifecycle::notification::Arrival;
use crate::lifecycle::notification::decode;
use crate::lifecycle::{EventKind, EventRef, EventStatus, Lifecycle, Stage};
use crate::ops::listener::StreamEvent;

/// An amiboard lifecycle notification as SNS would deliver it.
pub(super) fn arrival(
    id: &str,
    message_id: &str,
    event: &str,
    status: &str,
    minutes: i64,
) -> Arrival {
    let time = (now() + Duration::minutes(minutes)).to_rfc3339();
    let message = serde_json::json!({
        "source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": id,
        "stack_tag": "main", "event": event, "stage": "creation", "status": status,
        "attempt": 1, "time": time,
    });
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:amiboard-lifecycle",
        "Message": message.to_string(), "Timestamp": time,
    });
    Arrival {
        notification: decode(&envelope.to_string()),
        lifecycle_id: Some(id.to_string()),
        received_at: now(),
    }
}

fn stream(state: &mut State, event: StreamEvent) -> Vec<Effect> {
    update(state, Action::Stream { event })
}

fn status(state: &State, id: &str, event: EventKind) -> EventStatus {
    let lc = state.lifecycle(id).expect("loaded");
    lc.creation
        .iter()
        .find(|r| r.event == event)
        .expect("record")
        .status
}

#[test]
fn stream_events_set_the_header_state() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    state.feed.status = StreamStatus::Starting;
    let effects = stream(
        &mut state,
        StreamEvent::Connected {
            queue: "amiboard-watch-1".into(),
            topics: vec!["a".into(), "b".into()],
        },
    );
    assert!(matches!(
        state.feed.status,
        StreamStatus::Connected { topics: 2, .. }
    ));
    assert!(
        effects.is_empty(),
        "the stream keeps the links the pages sent: nothing is rebuilt on connect: {effects:?}"
    );
    stream(&mut state, StreamEvent::Rate { per_minute: 12 });
    assert_eq!(state.feed.per_minute, 12);
    stream(
        &mut state,
        StreamEvent::Reconnecting {
            reason: "down".into(),
        },
    );
    assert!(matches!(
        state.feed.status,
        StreamStatus::Reconnecting { .. }
    ));
    let notices = state.notices.len();
    for _ in 0..2 {
        stream(
            &mut state,
            StreamEvent::Off {
                reason: "AccessDenied".into(),
                denied: true,
            },
        );
    }
    assert_eq!(
        state.notices.len(),
        notices + 1,
        "access denied is said once"
    );
    assert!(matches!(state.feed.status, StreamStatus::Off { .. }));
    // Periodic refresh carries on.
    assert!(state.next_refresh.is_some());
    let mut again = state.lifecycle(&state.rows[0].id).expect("held").clone();
    again.item_version += 1;
    let effects = update(
        &mut state,
        Action::LifecycleFetched {
            id: again.lifecycle_id.clone(),
            result: Ok(again),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::AddLinks { .. })),
        "no links once off"
    );
}

#[test]
fn a_newer_notification_updates_the_row_then_rereads_it() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    let effects = stream(
        &mut state,
        StreamEvent::Notifications(vec![arrival("lc-1", "m1", "AMI_BUILD", "IN_PROGRESS", 1)]),
    );
    assert_eq!(
        status(&state, "lc-1", EventKind::AmiBuild),
        EventStatus::InProgress
    );
    assert_eq!(effects, vec![Effect::FetchLifecycle { id: "lc-1".into() }]);
    stream(
        &mut state,
        StreamEvent::Notifications(vec![arrival("lc-1", "m2", "AMI_BUILD", "COMPLETED", 3)]),
    );
    assert_eq!(
        status(&state, "lc-1", EventKind::AmiBuild),
        EventStatus::Completed
    );
    // SNS does not keep order: an older message arriving late changes nothing.
    stream(
        &mut state,
        StreamEvent::Notifications(vec![arrival("lc-1", "m3", "AMI_BUILD", "IN_PROGRESS", 2)]),
    );
    assert_eq!(
        status(&state, "lc-1", EventKind::AmiBuild),
        EventStatus::Completed
    );
    assert_eq!(state.feed.items.len(), 3, "every message is shown");
    let row = &state.rows[state.by_id["lc-1"]];
    assert!(format!("{row:?}").contains("Completed") || format!("{row:?}").contains("COMPLETED"));
}

#[test]
fn a_record_newer_than_the_notification_is_kept() {
    let mut lc = fresh("lc-1", "main");
    let build = lc
        .record_mut(EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        })
        .expect("record");
    build.status = EventStatus::Failed;
    build.finished_at = Some(now() + Duration::minutes(10));
    let mut state = loaded(vec![lc], false);
    stream(
        &mut state,
        StreamEvent::Notifications(vec![arrival("lc-1", "m1", "AMI_BUILD", "COMPLETED", 5)]),
    );
    assert_eq!(
        status(&state, "lc-1", EventKind::AmiBuild),
        EventStatus::Failed
    );
}

#[test]
fn pause_freezes_the_pane_and_resume_shows_what_waited() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('n'));
    assert!(state.feed.pane_open);
    key(&mut state, KeyCode::Char(' '));
    assert!(state.feed.paused);
    stream(
        &mut state,
        StreamEvent::Notifications(vec![arrival("lc-1", "m1", "AMI_BUILD", "IN_PROGRESS", 1)]),
    );
    assert!(state.feed.items.is_empty(), "frozen while paused");
    assert_eq!(state.feed.held.len(), 1);
    // The row is still updated while the pane is frozen.
    assert_eq!(
        status(&state, "lc-1", EventKind::AmiBuild),
        EventStatus::InProgress
    );
    key(&mut state, KeyCode::Char(' '));
    assert_eq!(state.feed.items.len(), 1);
    assert!(state.feed.held.is_empty());
}

#[test]
fn feed_filter_autoscroll_and_raw_json() {
    let mut state = loaded(vec![fresh("lc-1", "main"), fresh("lc-2", "main")], false);
    stream(
        &mut state,
        StreamEvent::Notifications(vec![
            arrival("lc-1", "m1", "AMI_BUILD", "IN_PROGRESS", 1),
            arrival("lc-2", "m2", "AMI_BUILD", "IN_PROGRESS", 1),
            arrival("lc-1", "m3", "AMI_BUILD", "COMPLETED", 2),
        ]),
    );
    key(&mut state, KeyCode::Char('F'));
    assert_eq!(state.screen(), &Screen::Feed);
    assert_eq!(state.feed.selected, 2, "autoscroll follows the newest");
    key(&mut state, KeyCode::Char('k'));
    assert!(!state.feed.autoscroll, "moving up stops autoscroll");
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "lc-2");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.feed.view().len(), 1);
    assert_eq!(state.feed.filter, "lc-2");
    key(&mut state, KeyCode::Enter);
    assert!(
        matches!(state.screen(), Screen::Raw { message_id, .. } if message_id == "m2"),
        "{:?}",
        state.screen()
    );
    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Char('a'));
    assert!(state.feed.autoscroll);
}

fn running(id: &str) -> Lifecycle {
    let mut lc = fresh(id, "main");
    let build = lc
        .record_mut(EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        })
        .expect("record");
    build.status = EventStatus::InProgress;
    build.attempt = 1;
    build.started_at = Some(now());
    build.execution_arn = Some("arn:exec:1".into());
    lc
}

fn progress(status: RunStatus) -> Progress {
    Progress {
        status,
        state: Some("BuildImage".into()),
        started_at: Some(now()),
        elapsed: Some(Duration::seconds(5)),
        error: status.is_broken().then(|| "States.TaskFailed".into()),
        cause: status.is_broken().then(|| "boom".into()),
    }
}

fn open_running(read_only: bool) -> State {
    let mut state = loaded(vec![running("lc-1")], read_only);
    key(&mut state, KeyCode::Enter);
    state
}

/// A tick's effects, less the execution watcher's checks of every running
/// event (`tests/list_watch.rs` tests those).
fn tick(state: &mut State, seconds: i64) -> Vec<Effect> {
    let mut effects = update(
        state,
        Action::Tick {
            now: now() + Duration::seconds(seconds),
        },
    );
    effects.retain(|e| !matches!(e, Effect::WatchExecutions { .. }));
    effects
}

#[test]
fn the_open_timelines_running_event_is_polled_every_workflow_poll() {
    let mut state = open_running(false);
    let effects = tick(&mut state, 1);
    let poll = Effect::FetchProgress {
        lifecycle_id: "lc-1".into(),
        execution_arn: "arn:exec:1".into(),
    };
    assert_eq!(effects, vec![poll.clone()]);
    assert!(
        tick(&mut state, 2).is_empty(),
        "one poll in flight at a time"
    );
    update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-1".into(),
            execution_arn: "arn:exec:1".into(),
            result: Ok(progress(RunStatus::Running)),
        },
    );
    assert!(tick(&mut state, 3).is_empty(), "not before workflow_poll");
    assert_eq!(tick(&mut state, 5), vec![poll]);
    key(&mut state, KeyCode::Esc);
    assert!(
        tick(&mut state, 20).is_empty(),
        "only the open timeline is polled"
    );
}

#[test]
fn a_lost_execution_is_reconciled_within_one_poll() {
    let mut state = open_running(false);
    tick(&mut state, 1);
    let effects = update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-1".into(),
            execution_arn: "arn:exec:1".into(),
            result: Ok(progress(RunStatus::Failed)),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate { op: Op::Reconcile { lifecycle_id }, .. }] if lifecycle_id == "lc-1"),
        "{effects:?}"
    );
    let watch = state.watch.as_ref().expect("watch");
    assert!(watch.lost.as_deref().is_some_and(|l| l.contains("FAILED")));
    assert!(
        tick(&mut state, 10).is_empty(),
        "reconciled once, no more polls"
    );
}

#[test]
fn read_only_shows_a_lost_execution_without_writing() {
    let mut state = open_running(true);
    tick(&mut state, 1);
    let effects = update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-1".into(),
            execution_arn: "arn:exec:1".into(),
            result: Ok(progress(RunStatus::TimedOut)),
        },
    );
    assert!(
        effects.is_empty(),
        "no write in read-only mode: {effects:?}"
    );
    assert!(
        state
            .watch
            .as_ref()
            .and_then(|w| w.lost.as_deref())
            .is_some_and(|l| l.contains("TIMED_OUT") && l.contains("boom"))
    );
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("without a result"))
    );
}

#[test]
fn reconcile_key_and_new_lifecycle_form() {
    let mut state = open_running(false);
    // defect 18: `e` asks first, like every other mutating key.
    let effects = key(&mut state, KeyCode::Char('e'));
    assert!(effects.is_empty(), "nothing runs before it is confirmed");
    assert!(matches!(
        &state.dialog,
        Some(crate::app::state::Dialog::Confirm {
            op: Op::Reconcile { .. },
            ..
        })
    ));
    let effects = key(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Mutate {
            op: Op::Reconcile { .. },
            ..
        }]
    ));
    key(&mut state, KeyCode::Esc);
    let effects = key(&mut state, KeyCode::Char('+'));
    assert_eq!(effects, vec![Effect::ListPipelines]);
    update(
        &mut state,
        Action::PipelinesListed {
            result: Ok(ServiceAnswer::Unavailable {
                notice: NOT_AVAILABLE.into(),
            }),
        },
    );
    assert!(state.notices.iter().any(|n| n.text == NOT_AVAILABLE));
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "fields are required"
    );
    assert!(matches!(&state.dialog, Some(Dialog::Create(f)) if f.error.is_some()));
    chars(&mut state, "main");
    key(&mut state, KeyCode::Tab);
    chars(&mut state, "web");
    key(&mut state, KeyCode::Tab);
    chars(&mut state, "1.0");
    // Enter reviews: nothing is created before `y`.
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(matches!(
        &state.dialog,
        Some(Dialog::Confirm {
            op: Op::Create(_),
            ..
        })
    ));
    key(&mut state, KeyCode::Tab);
    let effects = key(&mut state, KeyCode::Char('y'));
    let op = match effects.as_slice() {
        [
            Effect::Mutate {
                op: op @ Op::Create(form),
                ..
            },
        ] if form.stack_tag == "main"
            && form.product_name == "web"
            && form.product_version == "1.0"
            && form.commit_ref.is_none() =>
        {
            op.clone()
        }
        _ => panic!("{effects:?}"),
    };
    // Created: the new lifecycle is selected and its timeline opens.
    let created =
        crate::lifecycle::Lifecycle::new("lc-new-1", "main", "web", "1.0", "alice", state.now);
    update(
        &mut state,
        Action::OperationFinished {
            op,
            result: Ok(crate::app::action::OpReport {
                lifecycle: Some(created),
                message: "Created lc-new-1".into(),
            }),
        },
    );
    assert!(
        matches!(state.screen(), crate::app::state::Screen::Timeline { id, .. } if id == "lc-new-1"),
        "{:?}",
        state.screen()
    );
    assert_eq!(state.selected_id(), Some("lc-new-1"));
    // Said once only.
    key(&mut state, KeyCode::Char('+'));
    update(
        &mut state,
        Action::PipelinesListed {
            result: Ok(ServiceAnswer::Unavailable {
                notice: NOT_AVAILABLE.into(),
            }),
        },
    );
    assert_eq!(
        state
            .notices
            .iter()
            .filter(|n| n.text == NOT_AVAILABLE)
            .count(),
        1
    );
}

#[test]
fn bottom_clamps_the_scroll_so_up_moves_at_once() {
    let mut state = loaded(vec![running("lc-1")], false);
    update(
        &mut state,
        Action::Resized {
            width: 80,
            height: 24,
        },
    );
    key(&mut state, KeyCode::Char('?'));
    key(&mut state, KeyCode::Char('G'));
    let Screen::Help { scroll } = *state.screen() else {
        panic!("help")
    };
    assert!(scroll < 100, "stored scroll {scroll} is past the end");
    assert_eq!(scroll, crate::ui::max_scroll(&state));
    key(&mut state, KeyCode::Char('k'));
    assert_eq!(state.screen(), &Screen::Help { scroll: scroll - 1 });
}
