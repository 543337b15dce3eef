//! The stream for a caller who may not create queues or subscribe, on mocked
//! clients (moto enforces no IAM): one `Off { denied: true }` naming the
//! operation, nothing left behind, and a dashboard that says so once and
//! keeps its periodic refresh.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{StreamEvent, StreamOptions, spawn};
use crate::app::action::{Action, Effect};
use crate::app::feed::StreamStatus;
use crate::app::state::Level;
use crate::app::tests::{fresh, loaded};
use crate::app::update::update;
use crate::aws::mocked::{self, Deny};

/// Every event the stream sends until it ends by itself.
async fn events_until_end(mock: &mocked::Mocks) -> Vec<StreamEvent> {
    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn(
        mock.clients.clone(),
        mocked::config(),
        StreamOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let mut events = Vec::new();
    // The stream drops its sender when it ends, after `Off`.
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the stream ends by itself")
    {
        events.push(event);
    }
    handle.join().await;
    events
}

#[tokio::test]
async fn access_denied_turns_the_stream_off_once_and_refresh_carries_on() {
    for (deny, operation, deleted) in [
        (Deny::CreateQueue, "CreateQueue", 0),
        (Deny::Subscribe, "Subscribe", 1),
    ] {
        let mock = mocked::denied(deny);
        let events = events_until_end(&mock).await;
        let [StreamEvent::Off { reason, denied }] = events.as_slice() else {
            panic!("{operation}: expected only Off, got {events:?}");
        };
        assert!(denied, "{operation}: {reason}");
        assert!(
            reason.contains(operation) && !reason.contains('\n'),
            "{operation}: {reason}"
        );
        assert_eq!(mock.delete_queue.num_calls(), deleted, "{operation}");
        assert_eq!(
            mock.unsubscribe.num_calls(),
            mock.subscribe_allowed.num_calls(),
            "{operation}: every subscription made is removed"
        );

        // The dashboard: one warning naming the operation, no live state,
        // and the next periodic refresh still starts a load.
        let mut state = loaded(vec![fresh("lc-1", "main")], false);
        let before = state.notices.len();
        let effects = update(
            &mut state,
            Action::Stream {
                event: events[0].clone(),
            },
        );
        assert!(effects.is_empty(), "{effects:?}");
        let notices = &state.notices[before..];
        assert_eq!(notices.len(), 1, "{operation}: {notices:?}");
        assert_eq!(notices[0].level, Level::Warn);
        assert!(
            notices[0].text.contains(operation) && notices[0].text.contains("refreshing every"),
            "{}",
            notices[0].text
        );
        assert!(matches!(state.feed.status, StreamStatus::Off { .. }));
        let due = state.next_refresh.expect("periodic refresh scheduled");
        let effects = update(&mut state, Action::Tick { now: due });
        assert!(
            effects.iter().any(|e| matches!(e, Effect::LoadPage { .. })),
            "{operation}: no refresh after Off: {effects:?}"
        );
    }
}
