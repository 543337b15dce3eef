//! The execution watcher on the list: every few seconds, every running
//! event of the loaded lifecycles (not only the open timeline's) is checked
//! for an execution that ended FAILED, TIMED_OUT or ABORTED
//! (`ops::watcher::find_broken`: one filtered `ListExecutions` per state
//! machine and status, not one call per lifecycle).
//!
//! Read-write: each one found is reconciled (`Op::Reconcile` through the
//! runner's choke point: `reconcile`'s conditional write, so a result the
//! workflow recorded meanwhile wins). Read-only: nothing is written; the
//! event is shown ERROR from the execution, its reason ending "(not recorded:
//! read-only)", until the record itself moves on.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::action::{Effect, Op};
use super::state::{Level, State};
use crate::lifecycle::{EventStatus, Lifecycle};
use crate::ops::OpError;
use crate::ops::watcher::{Broken, Claim};

/// How often running events are checked: a broken execution shows within
/// this plus one round of calls (the goal is 10 s).
pub const WATCH_EVERY: Duration = Duration::from_secs(5);

/// The watcher's state.
#[derive(Debug, Clone, Default)]
pub struct ExecutionWatch {
    /// When the next check is due (`None`: at the next tick).
    pub next_at: Option<DateTime<Utc>>,
    /// A check is in flight.
    pub checking: bool,
    /// Executions already sent to reconcile (read-write), so each is sent once.
    pub sent: HashSet<String>,
    /// Read-only: broken executions shown ERROR without being written, by lifecycle id.
    pub unrecorded: HashMap<String, Broken>,
}

impl ExecutionWatch {
    /// Shows a known broken execution on a lifecycle just read (read-only
    /// mode); forgets it once the record moved on (a new attempt, or the
    /// event recorded by someone else).
    pub fn overlay(&mut self, lc: &mut Lifecycle) {
        let Some(broken) = self.unrecorded.get(&lc.lifecycle_id) else {
            return;
        };
        if broken.apply(lc) {
            return;
        }
        let still = lc.record(broken.claim.target).is_some_and(|r| {
            r.attempt == broken.claim.attempt
                && r.status == EventStatus::Error
                && r.reason
                    .as_deref()
                    .is_some_and(|t| t.ends_with("read-only)"))
        });
        if !still {
            self.unrecorded.remove(&lc.lifecycle_id);
        }
    }
}

/// On the clock: the check, when due and not in flight.
pub fn due(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let watch = &state.executions;
    if watch.checking || watch.next_at.is_some_and(|t| now < t) || state.rows.is_empty() {
        return Vec::new();
    }
    let claims = claims(state);
    let every = ChronoDuration::from_std(WATCH_EVERY).unwrap_or(ChronoDuration::seconds(5));
    let watch = &mut state.executions;
    let running: HashSet<String> = claims.iter().map(Claim::key).collect();
    watch.sent.retain(|key| running.contains(key));
    if claims.is_empty() {
        watch.next_at = Some(now + every);
        return Vec::new();
    }
    watch.checking = true;
    vec![Effect::WatchExecutions { claims }]
}

/// The running events worth asking about: not already sent to reconcile,
/// not already shown broken, not the open timeline's once its own poll
/// reconciled it.
fn claims(state: &State) -> Vec<Claim> {
    let timeline_sent = state
        .watch
        .as_ref()
        .filter(|w| w.reconcile_sent)
        .map(|w| w.execution_arn.as_str());
    // A claim without an ARN is looked up by name each round until it is
    // adopted (`ops::watcher`), so it is never skipped.
    let mut claims: Vec<Claim> = state
        .facts
        .running
        .values()
        .filter(|c| {
            !state.executions.sent.contains(&c.key())
                && !state.executions.unrecorded.contains_key(&c.lifecycle_id)
                && (timeline_sent.is_none() || timeline_sent != c.execution_arn.as_deref())
        })
        .cloned()
        .collect();
    // In lifecycle-id order, whatever order they are held in.
    claims.sort_by(|a, b| a.lifecycle_id.cmp(&b.lifecycle_id));
    claims
}

/// A reconcile the watcher sent ended: when the claim is still there as it
/// was (its execution unknown, or the reconcile failed), the watcher asks
/// about it again at its next round instead of never.
pub fn reconciled(state: &mut State, lifecycle_id: &str, stored: Option<&Lifecycle>) {
    let claim = match stored {
        Some(lc) => Claim::of(lc),
        None => state.facts.running.get(lifecycle_id).cloned(),
    };
    if let Some(claim) = claim {
        state.executions.sent.remove(&claim.key());
    }
}

/// A check answered.
pub fn watched(state: &mut State, result: Result<Vec<Broken>, OpError>) -> Vec<Effect> {
    let every = ChronoDuration::from_std(WATCH_EVERY).unwrap_or(ChronoDuration::seconds(5));
    state.executions.checking = false;
    state.executions.next_at = Some(state.now + every);
    let broken = match result {
        Ok(broken) => broken,
        Err(err) => {
            // Not a notice each time: the next check tries again.
            tracing::warn!(error = %err, "running executions not checked");
            state.dirty = false;
            return Vec::new();
        }
    };
    if broken.is_empty() {
        state.dirty = false;
        return Vec::new();
    }
    let mut effects = Vec::new();
    for b in broken {
        let id = b.claim.lifecycle_id.clone();
        if state.read_only && !b.ended() {
            // Found by name and still running: only a write adopts it.
            continue;
        }
        if state.read_only {
            let text = format!(
                "{} of {id} ended without a result: {} (read-only: not recorded)",
                b.claim.target,
                b.reason()
            );
            state.notify(Level::Error, text);
            let shown = state.lifecycle(&id).cloned();
            state.executions.unrecorded.insert(id, b);
            if let Some(lc) = shown {
                // `upsert` lays the broken execution over it.
                state.upsert(vec![lc]);
            }
        } else if state.executions.sent.insert(b.claim.key()) {
            state.in_flight = state.in_flight.saturating_add(1);
            effects.push(Effect::Mutate {
                op: Op::Reconcile { lifecycle_id: id },
                actor: state
                    .connection
                    .actor
                    .clone()
                    .unwrap_or_else(|| "amiboard".into()),
            });
        }
    }
    effects
}
