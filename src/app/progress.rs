//! Live progress of the open timeline's running event: light polling of its
//! Step Functions execution on the clock, and what to do when the execution
//! ended without recording a result (reconcile it, or in read-only mode only
//! show the failure).

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::action::{Effect, Op};
use super::state::{Level, Screen, State};
use crate::lifecycle::EventRef;
use crate::lifecycle::execution::Progress;
use crate::ops::OpError;

/// What the timeline knows about one execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    pub lifecycle_id: String,
    pub event: EventRef,
    pub execution_arn: String,
    pub progress: Option<Progress>,
    /// When the next poll is due.
    pub next_poll: DateTime<Utc>,
    /// A poll is in flight.
    pub polling: bool,
    /// The execution ended without a result: why, for display.
    pub lost: Option<String>,
    /// A reconcile was asked for this execution (asked once).
    pub reconcile_sent: bool,
    /// The last poll failed: why. The progress shown is then stale.
    pub read_error: Option<String>,
    /// When the progress was last read.
    pub read_at: Option<DateTime<Utc>>,
}

/// The running event of the open timeline with an execution to poll.
fn running_target(state: &State) -> Option<(String, EventRef, String)> {
    let Screen::Timeline { id, .. } = state.screen() else {
        return None;
    };
    let lc = state.lifecycle(id)?;
    let (at, record) = lc.running()?;
    let arn = record.execution_arn.clone()?;
    Some((id.clone(), at, arn))
}

/// On each tick (and after a screen change): poll when due. Only the open
/// timeline's running event is polled.
pub fn poll_due(state: &mut State) -> Vec<Effect> {
    let Some((id, at, arn)) = running_target(state) else {
        // Keep a lost execution's failure on show (read-only mode) until the
        // record itself changes; drop anything else.
        if state
            .watch
            .as_ref()
            .is_some_and(|w| w.lost.is_none() || !is_open(state, &w.lifecycle_id))
        {
            state.watch = None;
            state.dirty = true;
        }
        return Vec::new();
    };
    let now = state.now;
    let same = state
        .watch
        .as_ref()
        .is_some_and(|w| w.execution_arn == arn && w.lifecycle_id == id);
    if !same {
        state.watch = Some(Watch {
            lifecycle_id: id,
            event: at,
            execution_arn: arn,
            progress: None,
            next_poll: now,
            polling: false,
            lost: None,
            reconcile_sent: false,
            read_error: None,
            read_at: None,
        });
    }
    let Some(watch) = state.watch.as_mut() else {
        return Vec::new();
    };
    if watch.polling || watch.lost.is_some() || now < watch.next_poll {
        return Vec::new();
    }
    watch.polling = true;
    vec![Effect::FetchProgress {
        lifecycle_id: watch.lifecycle_id.clone(),
        execution_arn: watch.execution_arn.clone(),
    }]
}

fn is_open(state: &State, lifecycle_id: &str) -> bool {
    matches!(state.screen(), Screen::Timeline { id, .. } if id == lifecycle_id)
}

/// A poll answered. A broken execution is reconciled at once (read-write) or
/// only shown as ERROR with its error and cause (read-only).
pub fn progress_fetched(
    state: &mut State,
    lifecycle_id: &str,
    execution_arn: &str,
    result: Result<Progress, OpError>,
) -> Vec<Effect> {
    let poll_every = ChronoDuration::from_std(state.workflow_poll)
        .unwrap_or_else(|_| ChronoDuration::seconds(2));
    let now = state.now;
    let read_only = state.read_only;
    let Some(watch) = state
        .watch
        .as_mut()
        .filter(|w| w.execution_arn == execution_arn && w.lifecycle_id == lifecycle_id)
    else {
        state.dirty = false;
        return Vec::new();
    };
    watch.polling = false;
    watch.next_poll = now + poll_every;
    let progress = match result {
        Ok(progress) => progress,
        Err(err) => {
            tracing::warn!(error = %err, "execution progress not read");
            watch.read_error = Some(err.to_string());
            return Vec::new();
        }
    };
    watch.read_error = None;
    watch.read_at = Some(now);
    let status = progress.status;
    let lost = status.is_broken().then(|| {
        format!(
            "execution {}: {}: {}",
            status.name(),
            progress.error.as_deref().unwrap_or("no error"),
            progress.cause.as_deref().unwrap_or("no cause")
        )
    });
    watch.progress = Some(progress);
    let mut effects = Vec::new();
    if let Some(reason) = lost {
        watch.lost = Some(reason.clone());
        if read_only {
            // Nothing is written: the timeline shows the failure instead.
            if !watch.reconcile_sent {
                watch.reconcile_sent = true;
                let text = format!("{} ended without a result: {reason}", watch.event);
                state.notify(Level::Error, text);
            }
        } else if !watch.reconcile_sent {
            watch.reconcile_sent = true;
            effects.extend(reconcile_effect(state, lifecycle_id));
        }
    } else if status != crate::lifecycle::execution::RunStatus::Running {
        // Ended well: the workflow recorded its result; read it.
        effects.push(Effect::FetchLifecycle {
            id: lifecycle_id.to_string(),
        });
    }
    effects
}

/// A reconcile of one lifecycle, as a mutating effect through the choke point.
pub fn reconcile_effect(state: &mut State, lifecycle_id: &str) -> Vec<Effect> {
    super::flow::submit(
        state,
        Op::Reconcile {
            lifecycle_id: lifecycle_id.to_string(),
        },
    )
}
