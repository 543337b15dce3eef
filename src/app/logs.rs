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
    /// The link under the cursor (`Tab` moves it, `y` copies it).
    pub link: usize,
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
        link: 0,
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

/// The links of the open log, if it has any.
fn links(state: &State) -> &[(String, String)] {
    match &state.logs {
        Some(LogView {
            result: Some(Ok(log)),
            ..
        }) => &log.links,
        _ => &[],
    }
}

/// `Tab`: the cursor moves to the next link (round to the first), and the
/// page scrolls to the end, where the links are.
pub fn next_link(state: &mut State) {
    let n = links(state).len();
    let limit = state.scroll_limit;
    match (&mut state.logs, state.screens.last_mut()) {
        (Some(view), Some(Screen::Logs { scroll })) if n > 0 => {
            view.link = (view.link + 1) % n;
            *scroll = limit;
        }
        _ => state.dirty = false,
    }
}

/// `y` on the log screen: the link under the cursor, to the clipboard (OSC
/// 52), and a toast that says what was copied.
pub fn copy_link(state: &mut State) -> Vec<Effect> {
    let at = state.logs.as_ref().map_or(0, |v| v.link);
    let Some((what, to)) = links(state).get(at).cloned() else {
        state.notify(
            super::state::Level::Warn,
            "This execution log has no link to copy.",
        );
        return Vec::new();
    };
    state.notify(
        super::state::Level::Info,
        format!("Copied the {what} link: {to}"),
    );
    vec![Effect::Copy { text: to }]
}

/// How many links the open log has (the footer offers `y` for one, `Tab`
/// too for more).
pub fn link_count(state: &State) -> usize {
    links(state).len()
}
