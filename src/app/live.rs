//! What the live stream's events do to the state: the header's stream state
//! and rate, the feed, and a lifecycle notification applied to its row and
//! open timeline at once (only when its event time is newer than what the
//! record holds), followed by a re-read of the record.

use std::collections::BTreeSet;

use super::action::Effect;
use super::feed::StreamStatus;
use super::state::{Level, State};
use crate::lifecycle::notification::{Arrival, Source, apply_notification};
use crate::ops::listener::StreamEvent;

pub fn on_stream(state: &mut State, event: StreamEvent) -> Vec<Effect> {
    match event {
        StreamEvent::Connected { queue, topics } => {
            let was_live = matches!(state.feed.status, StreamStatus::Connected { .. });
            state.feed.retry_at = None;
            state.feed.status = StreamStatus::Connected {
                queue,
                topics: topics.len(),
            };
            if !was_live {
                state.notify(
                    Level::Info,
                    format!("Live notifications on ({} topic(s))", topics.len()),
                );
            }
            Vec::new()
        }
        StreamEvent::Notice(text) => {
            state.notify(Level::Warn, text);
            Vec::new()
        }
        StreamEvent::Reconnecting { reason } => {
            state.feed.retry_at = None;
            state.feed.status = StreamStatus::Reconnecting { reason };
            Vec::new()
        }
        StreamEvent::Retrying { reason, after } => {
            let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
            state.feed.retry_at = state.now.checked_add_signed(after);
            state.feed.status = StreamStatus::Reconnecting { reason };
            Vec::new()
        }
        StreamEvent::Off { reason, denied } => {
            if denied && !state.feed.told_denied {
                state.feed.told_denied = true;
                state.notify(
                    Level::Warn,
                    format!("Live notifications are off (access denied: {reason}); refreshing every {} s instead", state.refresh_every.as_secs()),
                );
            } else if !denied {
                state.notify(Level::Info, format!("Live notifications off: {reason}"));
            }
            state.feed.status = StreamStatus::Off { reason };
            state.feed.retry_at = None;
            state.feed.per_minute = 0;
            Vec::new()
        }
        StreamEvent::Rate { per_minute } => {
            if state.feed.per_minute == per_minute {
                state.dirty = false;
            }
            state.feed.per_minute = per_minute;
            Vec::new()
        }
        StreamEvent::Notifications(arrivals) => notifications(state, arrivals),
    }
}

/// Shows arrivals in the feed, applies lifecycle news to loaded records, and
/// re-reads each lifecycle they concern.
pub fn notifications(state: &mut State, arrivals: Vec<Arrival>) -> Vec<Effect> {
    let mut ids = BTreeSet::new();
    let mut new = 0_usize;
    for arrival in &arrivals {
        if let Some(id) = &arrival.lifecycle_id {
            apply(state, id, arrival);
            if state.by_id.contains_key(id.as_str()) || opened(state, id) {
                ids.insert(id.clone());
            } else if arrival.notification.source == Source::Amiboard
                && new < NEW_PER_BATCH
                && ids.insert(id.clone())
            {
                // A lifecycle amiboard announced that the list does not
                // hold yet (created, imported): read it now rather than at
                // the next change read. Bounded per batch; the change read
                // brings the rest.
                new += 1;
            }
        }
    }
    state.feed.push(arrivals);
    ids.into_iter()
        .map(|id| Effect::FetchLifecycle { id })
        .collect()
}

/// How many lifecycles one batch of notifications may add by reading them.
const NEW_PER_BATCH: usize = 50;

fn opened(state: &State, id: &str) -> bool {
    state.screens.iter().any(|s| {
        matches!(s, super::state::Screen::Timeline { id: open, .. } | super::state::Screen::Detail { id: open, .. } if open == id)
    })
}

/// Applies an amiboard lifecycle notification to the loaded lifecycle when
/// it is newer than the record (`lifecycle::notification::apply_notification`).
/// Returns whether it did.
pub fn apply(state: &mut State, id: &str, arrival: &Arrival) -> bool {
    let Some(mut lc) = state.lifecycle(id).cloned() else {
        return false;
    };
    if !apply_notification(&mut lc, &arrival.notification) {
        return false;
    }
    state.upsert(vec![lc]);
    true
}
