//! The periodic reconciliation while the notification stream is healthy:
//! every `refresh_every`, only the lifecycles written since the last read
//! are read (the table's change index, `ops::changed_since`) and applied
//! like re-reads. A full reload then comes only on start, on `r`, when the
//! stream is lost or comes back, and every `full_reload` (6 h by default),
//! which also catches deletions and items the index does not hold.
//!
//! A table without the index (made by an older amiboard) says so once;
//! the dashboard then keeps the shorter full-reload interval it had before.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::action::Effect;
use super::feed::StreamStatus;
use super::state::{Level, Load, State};
use crate::ops::{ChangedSince, OpError};

/// At most this many lifecycles a read found past the ones it handed over
/// whole are read again one by one; more start a reload, page by page.
pub const REREAD_AT_MOST: usize = 100;

/// The full-reload interval while the stream is healthy but the table has
/// no change index: what it was before the index existed.
pub const WITHOUT_INDEX: std::time::Duration = std::time::Duration::from_mins(30);

#[derive(Debug, Clone, Default)]
pub struct ChangeRead {
    /// When the load in flight began: once it completes, what changed
    /// after it is what the next read asks for.
    pub load_began: Option<DateTime<Utc>>,
    /// What the next read asks for: written at or after this.
    pub since: Option<DateTime<Utc>>,
    /// When the next read is due.
    pub next_at: Option<DateTime<Utc>>,
    pub reading: bool,
    /// Why the table cannot answer (no change index), once it said so.
    pub unavailable: Option<String>,
    /// Reads answered, and lifecycles they brought that were newer than
    /// the held copy (for the notices screen and the benchmark).
    pub reads: u64,
    pub changed: u64,
    /// The last read failed, with why: the list may be missing changes made
    /// since `since`, and the header says so with that age.
    pub failing: Option<String>,
}

/// Why the dashboard cannot vouch that the list is current, with the age of
/// what it can vouch for: the change read failing while the stream is
/// healthy, or the stream lost (a notification may have been missed until
/// the next full load). `None` while it can.
pub fn unvouched(state: &State) -> Option<String> {
    if !matches!(state.load, Load::Loaded { .. }) {
        return None;
    }
    let age = |at: Option<DateTime<Utc>>| {
        at.map_or_else(
            || "earlier".to_string(),
            |at| format!("{} ago", crate::lifecycle::format_duration(state.now - at)),
        )
    };
    if let Some(err) = &state.changes.failing {
        return Some(format!(
            "⚠ STALE: change read failed ({err}); changes known up to {} (retrying)",
            age(state.changes.since)
        ));
    }
    if let StreamStatus::Reconnecting { .. } = state.feed.status {
        return Some(format!(
            "⚠ not live: data read {}, reloaded every {} s",
            age(state.loaded_at),
            state.refresh_every.as_secs()
        ));
    }
    None
}

fn every(state: &State) -> ChronoDuration {
    ChronoDuration::from_std(state.refresh_every).unwrap_or(ChronoDuration::seconds(30))
}

/// How long after a full load the next is due while the stream is healthy.
pub fn full_reload(state: &State) -> std::time::Duration {
    if state.changes.unavailable.is_some() {
        state.full_reload.min(WITHOUT_INDEX)
    } else {
        state.full_reload
    }
}

/// A full load completed at `at`: the changes after its start are next.
pub fn loaded(state: &mut State, at: DateTime<Utc>) {
    let began = state.changes.load_began.take().unwrap_or(at);
    state.changes.since = Some(began);
    state.changes.next_at = Some(at + every(state));
}

/// On the clock: the read, when due, the stream healthy and the data loaded.
pub fn due(state: &mut State) -> Vec<Effect> {
    let healthy = matches!(state.feed.status, StreamStatus::Connected { .. });
    let loaded = matches!(state.load, Load::Loaded { .. });
    let reads = &state.changes;
    let time_come = reads.next_at.is_some_and(|t| state.now >= t);
    if !healthy || !loaded || reads.reading || reads.unavailable.is_some() || !time_come {
        return Vec::new();
    }
    let Some(since) = reads.since else {
        return Vec::new();
    };
    state.changes.reading = true;
    vec![Effect::ReadChanges { since }]
}

/// The read answered.
pub fn read(state: &mut State, result: Result<ChangedSince, OpError>) -> Vec<Effect> {
    state.changes.reading = false;
    state.changes.next_at = Some(state.now + every(state));
    match result {
        Ok(ChangedSince::Changes(changes)) => {
            state.changes.reads += 1;
            state.changes.failing = None;
            // The window reaches minutes back: most of what it answers is
            // already held at that version. Only newer ones count and apply.
            let holds = |id: &str, version: u64| {
                state
                    .by_id
                    .get(id)
                    .and_then(|&i| state.rows.get(i))
                    .is_some_and(|row| row.item_version >= version)
            };
            // A large read (a write to many items) left its decoded pages
            // free on a worker thread.
            let large = changes.lifecycles.len() + changes.beyond.len() >= REREAD_AT_MOST;
            let newer: Vec<_> = changes
                .lifecycles
                .into_iter()
                .filter(|lc| !holds(&lc.lifecycle_id, lc.item_version))
                .collect();
            // Past what the read handed over whole (a write to many items):
            // a few are read again, more reload the list page by page.
            let wanted: Vec<String> = changes
                .beyond
                .into_iter()
                .filter(|(id, version)| !holds(id, *version))
                .map(|(id, _)| id)
                .collect();
            let mut effects = Vec::new();
            if large {
                effects.push(Effect::GiveBackMemory);
            }
            if wanted.len() > REREAD_AT_MOST {
                state.notify(
                    Level::Info,
                    format!(
                        "{} lifecycles changed since the last read: reloading the list page by page",
                        newer.len() + wanted.len()
                    ),
                );
                effects.extend(super::update::start_load(state));
            } else {
                effects.extend(wanted.into_iter().map(|id| Effect::FetchLifecycle { id }));
            }
            state.changes.changed += newer.len() as u64;
            state.changes.since = Some(changes.read_at);
            if !changes.skipped.is_empty() {
                state.notify(
                    Level::Warn,
                    format!(
                        "Skipped {} malformed lifecycle item(s)",
                        changes.skipped.len()
                    ),
                );
            }
            if newer.is_empty() {
                state.dirty = !effects.is_empty() && state.dirty;
            } else {
                // Like re-reads: a held copy with a newer item_version stays.
                state.upsert(newer);
            }
            return effects;
        }
        Ok(ChangedSince::NoIndex(why)) => {
            let minutes = state.full_reload.min(WITHOUT_INDEX).as_secs() / 60;
            state.notify(
                Level::Info,
                format!(
                    "{why}: full reloads every {minutes} min instead of reading only the changes (see `amiboard doctor`)"
                ),
            );
            state.changes.unavailable = Some(why);
            // The next full reload comes at the shorter interval.
            if let Load::Loaded { at } = state.load {
                let next = ChronoDuration::from_std(full_reload(state))
                    .unwrap_or(ChronoDuration::minutes(30));
                state.next_refresh = Some(at + next);
            }
        }
        Err(err) => {
            // The next read tries again; the stream still keeps the list current.
            tracing::warn!(error = %err, "changed-since read failed");
            // The stream may still keep the list current, but a write whose
            // notification was lost would not show: the header says so.
            state.changes.failing = Some(err.to_string());
        }
    }
    Vec::new()
}
