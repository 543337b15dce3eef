//! Defect 8: a stream that cannot start says when it tries again, the
//! header counts down with the clock, and connecting clears it.

use std::time::Duration;

use super::{fresh, loaded, now};
use crate::app::action::Action;
use crate::app::feed::StreamStatus;
use crate::app::update::update;
use crate::ops::listener::StreamEvent;

#[test]
fn defect_08_the_header_counts_down_to_the_next_stream_attempt() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    state.feed.status = StreamStatus::Starting;
    update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Retrying {
                reason: "no notification topic (run `amiboard provision`)".into(),
                after: Duration::from_secs(8),
            },
        },
    );
    assert!(
        matches!(&state.feed.status, StreamStatus::Reconnecting { reason } if reason.contains("provision")),
        "{:?}",
        state.feed.status
    );
    assert_eq!(
        state.feed.retry_label(state.now).as_deref(),
        Some("retrying in 8s")
    );
    update(
        &mut state,
        Action::Tick {
            now: now() + chrono::Duration::seconds(3),
        },
    );
    assert_eq!(
        state.feed.retry_label(state.now).as_deref(),
        Some("retrying in 5s")
    );
    update(
        &mut state,
        Action::Tick {
            now: now() + chrono::Duration::seconds(30),
        },
    );
    assert_eq!(
        state.feed.retry_label(state.now).as_deref(),
        Some("retrying in 0s")
    );
    update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Connected {
                queue: "amiboard-q".into(),
                topics: vec!["a".into()],
            },
        },
    );
    assert!(matches!(state.feed.status, StreamStatus::Connected { .. }));
    assert_eq!(state.feed.retry_label(state.now), None);
    assert_eq!(state.feed.retry_at, None);
}
