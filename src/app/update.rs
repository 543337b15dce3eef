//! The pure update function: `update(&mut State, Action) -> Vec<Effect>`. No
//! I/O, no clock, no terminal: time arrives in actions, I/O leaves as effects.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::action::{Action, CursorKey, Effect, PageData};
use super::feed::StreamStatus;
use super::state::{Level, Load, RETRY_SECONDS, Screen, State};
use crate::ops::OpError;

/// Applies one action; returns the I/O to perform. Sets `state.dirty` when the
/// screen must be redrawn.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    if let Action::Tick { now } = action {
        let effects = tick(state, now);
        super::end_of_life::tick(state);
        return effects;
    }
    let mut effects = apply(state, action);
    super::end_of_life::after_update(state);
    effects.extend(super::list_view::fetch_focused(state));
    effects.extend(super::list_view::take_links(state));
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    state.dirty = true;
    super::doctor_badge::note(state, &action);
    match action {
        Action::Key(key) => super::input::key(state, key),
        Action::Resized { width, height } => {
            state.width = width;
            state.height = height;
            state.list_height = super::layout::list_rows_for(height, state.feed.pane_open);
            state.clamp_selection();
            Vec::new()
        }
        Action::Tick { .. } => Vec::new(),
        Action::Refresh => start_load(state),
        Action::Terminate => {
            state.should_quit = true;
            Vec::new()
        }
        Action::PageLoaded {
            request,
            at,
            result,
        } => page_loaded(state, request, at, result),
        Action::TargetChecked {
            profile,
            region,
            result,
        } => {
            match result {
                Ok(account) => {
                    let to = [profile.as_deref(), region.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    state.notify(
                        Level::Info,
                        format!("Switching to {to} (account {account})…"),
                    );
                    state.switch_to = Some(super::state::Switch { profile, region });
                    state.should_quit = true;
                }
                Err(e) => state.notify(
                    Level::Error,
                    format!("Cannot switch: {e}. Still on {}.", state.connection.region),
                ),
            }
            Vec::new()
        }
        Action::LogFetched { id, at, result } => {
            super::logs::loaded(state, &id, at, result.map_err(|e| e.to_string()));
            Vec::new()
        }
        Action::LifecycleFetched { id, result } => match result {
            Ok(lc) if !in_scope(state, &lc) => {
                // Announced, but of another stack tag than the list shows.
                state.dirty = false;
                Vec::new()
            }
            Ok(lc) => {
                state.lifecycle_errors.remove(&id);
                // Notifications that came before this record named their
                // output (a Run Command id, an AMI) are tied to it now.
                state.feed.relink(&lc);
                state.upsert(vec![lc]);
                let mut effects = super::progress::poll_due(state);
                // The open timeline was read again: so are its images still on their way.
                let reread =
                    matches!(state.screen(), Screen::Timeline { id: open, .. } if *open == id);
                effects.extend(super::images::fetch_wanted(state, reread));
                effects.extend(super::list_view::record_read(state, &id, true));
                effects
            }
            Err(message) => {
                state.notify(Level::Warn, format!("Cannot read {id}: {message}"));
                // The screen that waits for it says so too, after the toast is gone.
                state
                    .lifecycle_errors
                    .insert(id.clone(), message.to_string());
                super::list_view::record_read(state, &id, false)
            }
        },
        Action::IdentityResolved { result } => {
            match result {
                Ok(caller) => {
                    state.connection.account = Some(caller.account);
                    state.connection.actor = Some(caller.actor);
                }
                Err(message) => state.notify(Level::Warn, format!("Who am I failed: {message}")),
            }
            Vec::new()
        }
        Action::OperationFinished { op, result, .. } => {
            state.in_flight = state.in_flight.saturating_sub(1);
            super::end_of_life::finished(state, &op, result.is_ok());
            match result {
                Ok(report) => {
                    state.notify(Level::Info, report.message);
                    if let super::action::Op::Reconcile { lifecycle_id } = &op {
                        super::list_watch::reconciled(
                            state,
                            lifecycle_id,
                            report.lifecycle.as_ref(),
                        );
                    }
                    let mut id = op.lifecycle_id().map(str::to_string);
                    if let Some(lc) = report.lifecycle {
                        id = Some(lc.lifecycle_id.clone());
                        state.upsert(vec![lc]);
                    }
                    if let (super::action::Op::Create(_), Some(id)) = (&op, &id) {
                        super::create::created(state, id);
                    }
                    id.map(|id| vec![Effect::FetchLifecycle { id }])
                        .unwrap_or_default()
                }
                Err(err) => {
                    state.notify(Level::Error, format!("Could not {}: {err}", op.describe()));
                    if let super::action::Op::Reconcile { lifecycle_id } = &op {
                        super::list_watch::reconciled(state, lifecycle_id, None);
                    }
                    // Someone else changed it first: show what won.
                    let changed = matches!(
                        err,
                        OpError::LostRace { .. }
                            | OpError::Refused(crate::lifecycle::Refusal::AlreadyDecided(_))
                    );
                    op.lifecycle_id()
                        .filter(|_| changed)
                        .map(|id| vec![Effect::FetchLifecycle { id: id.to_string() }])
                        .unwrap_or_default()
                }
            }
        }
        Action::Stream { event } => {
            let was_reconnecting = matches!(state.feed.status, StreamStatus::Reconnecting { .. });
            let mut effects = super::live::on_stream(state, event);
            if was_reconnecting
                && stream_healthy(state)
                && matches!(state.load, Load::Loaded { .. })
            {
                // Notifications may have been missed while it was away.
                effects.extend(start_load(state));
            }
            effects
        }
        Action::ProgressFetched {
            lifecycle_id,
            execution_arn,
            result,
        } => super::progress::progress_fetched(state, &lifecycle_id, &execution_arn, result),
        Action::WorkflowsChecked { result } => {
            match result {
                Ok(deployed) => {
                    state.workflows_problem = deployed.problem();
                    if let Some(problem) = state.workflows_problem.clone() {
                        state.notify(Level::Warn, problem);
                    }
                    state.workflows_version = Some(deployed.summary());
                }
                // Not knowing is not a problem worth a notice (e.g. no
                // DescribeStateMachine permission for an on-call view).
                Err(err) => tracing::info!(error = %err, "deployed workflows not read"),
            }
            Vec::new()
        }
        Action::PipelinesListed { result } => {
            super::create::pipelines_listed(state, result);
            Vec::new()
        }
        Action::ExecutionsWatched { result } => super::list_watch::watched(state, result),
        Action::ChangesRead { result } => super::changes::read(state, result),
        Action::BuildImageFetched { image_arn, result } => {
            super::images::fetched(state, image_arn, result);
            Vec::new()
        }
    }
}

/// The clock: expire toasts, run the periodic refresh and the retry after a
/// failure. Redraws only when something visible changed.
fn tick(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let toast_before = state.toast().is_some();
    state.now = now;
    let age = match super::changes::unvouched(state) {
        Some(mark) => mark,
        None => state.age_text(),
    };
    if age != state.age_label || toast_before != state.toast().is_some() {
        state.age_label = age;
        state.dirty = true;
    }
    let due = match &state.load {
        Load::Failed { retry_at, .. } => now >= *retry_at,
        Load::Loaded { at } => now >= *at + reload_every(state),
        Load::Idle | Load::Loading { .. } => false,
    };
    let running = state
        .watch
        .as_ref()
        .and_then(|w| w.progress.as_ref())
        .is_some();
    let mut effects = super::progress::poll_due(state);
    effects.extend(super::list_watch::due(state));
    if !due {
        effects.extend(super::changes::due(state));
    }
    let images = super::images::fetch_wanted(state, false);
    if !images.is_empty() {
        // "image: reading…" appears.
        state.dirty = true;
        effects.extend(images);
    }
    if running {
        // The elapsed time moves on.
        state.dirty = true;
    }
    if due {
        state.dirty = true;
        effects.extend(start_load(state));
    }
    effects
}

/// Whether the notification stream is connected: then notifications and
/// re-reads keep the list current, and full reloads are rare.
fn stream_healthy(state: &State) -> bool {
    matches!(state.feed.status, StreamStatus::Connected { .. })
}

/// How long after a completed load the next full reload is due:
/// `full_reload` while the stream is healthy, else `refresh_every` (so the
/// stream's loss brings a reload within `refresh_every`).
/// Whether a lifecycle read by id belongs in the list: held or open
/// already, or of the stack tag the dashboard shows (any without one).
fn in_scope(state: &State, lc: &crate::lifecycle::Lifecycle) -> bool {
    state.by_id.contains_key(lc.lifecycle_id.as_str())
        || state.screens.iter().any(|s| {
            matches!(s, Screen::Timeline { id, .. } | Screen::Detail { id, .. } if *id == lc.lifecycle_id)
        })
        || state
            .connection
            .stack_tag
            .as_ref()
            .is_none_or(|tag| *tag == lc.stack_tag)
}

fn reload_every(state: &State) -> ChronoDuration {
    let every = if stream_healthy(state) {
        super::changes::full_reload(state)
    } else {
        state.refresh_every
    };
    ChronoDuration::from_std(every).unwrap_or(ChronoDuration::seconds(30))
}

/// Starts a reload from the first page. A load in flight is not restarted:
/// repeated refreshes coalesce into it.
pub fn start_load(state: &mut State) -> Vec<Effect> {
    if matches!(state.load, Load::Loading { .. }) {
        return Vec::new();
    }
    state.request += 1;
    state.load = Load::Loading { pages: 0 };
    state.changes.load_began = Some(state.now);
    state.seen = Some(vec![false; state.rows.len()]);
    state.next_cursor = None;
    vec![state.load_page(None)]
}

fn page_loaded(
    state: &mut State,
    request: u64,
    at: DateTime<Utc>,
    result: Result<PageData, OpError>,
) -> Vec<Effect> {
    if request != state.request {
        // A stale result of a load that was replaced: drop it.
        state.dirty = false;
        return Vec::new();
    }
    let pages = match state.load {
        Load::Loading { pages } => pages + 1,
        _ => 1,
    };
    match result {
        Err(err) => {
            let message = err.to_string();
            state.seen = None;
            state.notify(
                Level::Error,
                format!("Refresh failed: {message} (retrying in {RETRY_SECONDS} s)"),
            );
            state.stale_error = Some(message.clone());
            state.load = Load::Failed {
                message,
                retry_at: at + ChronoDuration::seconds(RETRY_SECONDS),
            };
            Vec::new()
        }
        Ok(page) => {
            if page.skipped > 0 {
                state.notify(
                    Level::Warn,
                    format!("Skipped {} malformed lifecycle item(s)", page.skipped),
                );
            }
            let mut effects = Vec::new();
            state.take_in(page.prepared);
            if let Some(cursor) = page.next {
                state.load = Load::Loading { pages };
                let key = CursorKey {
                    page: pages,
                    cursor,
                };
                state.next_cursor = Some(key.clone());
                effects.push(state.load_page(Some(key)));
                return effects;
            }
            state.drop_unseen();
            state.next_cursor = None;
            state.stale_error = None;
            state.load = Load::Loaded { at };
            state.feed.history_done = true;
            state.loaded_at = Some(at);
            state.age_label = state.age_text();
            state.next_refresh = Some(at + reload_every(state));
            super::changes::loaded(state, at);
            effects.extend(super::images::fetch_wanted(state, false));
            // What the load's pages needed on the worker threads is free now.
            effects.push(Effect::GiveBackMemory);
            effects
        }
    }
}
