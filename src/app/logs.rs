//! `l`: the execution log of the open lifecycle's running (or last run)
//! event, read with `ops::logs` and shown full screen.

use super::action::Effect;
use super::state::{Screen, State};
use crate::lifecycle::EventRef;
use crate::ops::logs::{EventLog, default_event};

/// The log on screen (or on its way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub lifecycle_id: String,
    pub at: EventRef,
    /// `None` while the read is in flight; the error as one sentence.
    pub result: Option<Result<EventLog, String>>,
}

/// Opens the log screen of the focused lifecycle and asks for its log.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some(lc) = state.focused() else {
        state.dirty = false;
        return Vec::new();
    };
    let id = lc.lifecycle_id.clone();
    let at = default_event(lc);
    state.logs = Some(LogView {
        lifecycle_id: id.clone(),
        at,
        result: None,
    });
    state.screens.push(Screen::Logs { scroll: 0 });
    vec![Effect::FetchLog { id, at }]
}

/// The log arrived: kept only if it is the one still asked for.
pub fn loaded(state: &mut State, id: &str, at: EventRef, result: Result<EventLog, String>) {
    match &mut state.logs {
        Some(view) if view.lifecycle_id == id && view.at == at => view.result = Some(result),
        _ => state.dirty = false,
    }
}
