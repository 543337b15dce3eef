//! The end of the lifecycle in the dashboard: the end-of-life facts each
//! lifecycle shows (superseded by, amiboard's and EC2's state: the domain's
//! `end_of_life_with`, worked out again when the held records change), the
//! production view's selected row, and the where-used screen (`u`) with
//! its refresh (`U`, a where-used execution).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::action::{Effect, Op};
use super::keymap::Command;
use super::state::{Level, Screen, State};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::retire::{end_of_life_with, superseded};

/// What the end-of-life parts of the dashboard hold.
#[derive(Debug, Clone, Default)]
pub struct EndOfLife {
    /// The held records the facts were worked out from (ids and versions),
    /// and the minute (a deprecation time passes).
    seen: u64,
    /// Per lifecycle: one line per stage with an end-of-life fact.
    facts: HashMap<Arc<str>, Vec<String>>,
    /// The production view's selected promotion (current and earlier rows,
    /// in the order shown).
    pub production_row: usize,
    /// Where-used refreshes started here and not answered yet, by
    /// lifecycle id, with when they started.
    pub refreshing: HashMap<String, DateTime<Utc>>,
}

impl EndOfLife {
    /// The end-of-life lines of a lifecycle (empty: nothing to say).
    pub fn facts(&self, id: &str) -> &[String] {
        self.facts.get(id).map_or(&[], Vec::as_slice)
    }

    /// Whether the lifecycle has an end-of-life fact to show.
    pub fn has_note(&self, id: &str) -> bool {
        self.facts.get(id).is_some_and(|f| !f.is_empty())
    }

    /// One line for the list's REASON column: the stages' facts joined.
    pub fn row_note(&self, id: &str) -> Option<String> {
        match self.facts.get(id)?.as_slice() {
            [] => None,
            // One stage: its facts, without `creation 1.0.0: `.
            [one] => Some(
                one.split_once(": ")
                    .map_or(one.as_str(), |(_, f)| f)
                    .to_string(),
            ),
            many => Some(many.join(" · ")),
        }
    }

    /// The facts of one stage (`creation`, `patch 2`), without its label.
    pub fn stage_note(&self, id: &str, stage: &str) -> Option<String> {
        let prefix = format!("{stage} ");
        self.facts(id).iter().find_map(|line| {
            let rest = line.strip_prefix(&prefix)?;
            rest.split_once(": ").map(|(_, facts)| facts.to_string())
        })
    }
}

/// The list's row with its end-of-life note as its REASON, when no
/// failure's reason is there already.
pub fn noted(state: &State, row: &super::rows::Row) -> super::rows::Row {
    let mut row = row.clone();
    if row.reason.is_none() {
        row.reason = state
            .end_of_life
            .row_note(&row.id)
            .map(String::into_boxed_str);
    }
    row
}

fn fingerprint(state: &State) -> u64 {
    let mut ids: Vec<(&str, u64, bool, bool)> = state
        .records
        .iter()
        .map(|lc| {
            (
                lc.lifecycle_id.as_str(),
                lc.item_version,
                lc.where_used.is_some(),
                lc.retirements.is_empty(),
            )
        })
        .collect();
    ids.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    ids.hash(&mut hasher);
    (state.now.timestamp() / 60).hash(&mut hasher);
    hasher.finish()
}

/// Works the facts out again when the held records (or the minute) changed.
/// Called after every update; cheap when nothing changed.
pub fn after_update(state: &mut State) {
    let seen = fingerprint(state);
    if seen == state.end_of_life.seen {
        return;
    }
    let all: Vec<Lifecycle> = state.records.iter().cloned().collect();
    let sup = superseded(&all);
    let facts = all
        .iter()
        .filter_map(|lc| {
            let lines = end_of_life_with(lc, &sup, state.now);
            (!lines.is_empty()).then(|| (Arc::from(lc.lifecycle_id.as_str()), lines))
        })
        .collect();
    if facts != state.end_of_life.facts {
        state.end_of_life.facts = facts;
        state.dirty = true;
    }
    state.end_of_life.seen = seen;
    // A refresh whose answer (or failure) is recorded is done.
    let refreshing = std::mem::take(&mut state.end_of_life.refreshing);
    let asked = refreshing.len();
    state.end_of_life.refreshing = refreshing
        .into_iter()
        .filter(|(id, started)| {
            state.lifecycle(id).is_none_or(|lc| {
                let answered = lc.where_used.as_ref().is_some_and(|w| w.as_of >= *started);
                let failed = lc
                    .where_used_error
                    .as_ref()
                    .is_some_and(|e| e.at >= *started);
                !answered && !failed
            })
        })
        .collect();
    if state.end_of_life.refreshing.len() != asked {
        state.dirty = true;
    }
}

/// The clock moved on: the facts are worked out again once a minute (a
/// deprecation time passes), and the where-used screen's "asking EC2 (N s
/// ago)" moves on while it waits.
pub fn tick(state: &mut State) {
    after_update(state);
    if matches!(state.screen(), Screen::WhereUsed { id, .. } if state.end_of_life.refreshing.contains_key(id))
    {
        state.dirty = true;
    }
}

/// An operation of this module ended: a failed refresh is not waited for.
pub fn finished(state: &mut State, op: &Op, ok: bool) {
    if let Op::WhereUsed { lifecycle_id } = op {
        if !ok || state.lifecycle(lifecycle_id).is_none() {
            state.end_of_life.refreshing.remove(lifecycle_id);
        } else {
            // The re-read record decides (`after_update`); force the check.
            state.end_of_life.seen = 0;
        }
    }
}

/// The production view's rows as (lifecycle id, AMI id, stage label), in
/// the order shown: per stack tag, product and region, the current one,
/// then the ones it replaced.
pub fn production_rows(state: &State) -> Vec<(String, String, String)> {
    super::inbox::production(state)
        .into_iter()
        .flat_map(|entry| {
            std::iter::once(entry.current)
                .chain(entry.history)
                .map(|p| (p.lifecycle_id, p.ami_id, p.stage))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The production view's selected row, kept inside the rows there are.
pub fn production_selected(state: &State) -> Option<(String, String, String)> {
    let mut rows = production_rows(state);
    let at = state
        .end_of_life
        .production_row
        .min(rows.len().saturating_sub(1));
    (at < rows.len()).then(|| rows.swap_remove(at))
}

/// The AMI the screen on top points at: the production view's selected
/// row (its stage is the one to retire).
pub fn focused_ami(state: &State) -> Option<String> {
    match state.screen() {
        Screen::Production { .. } => production_selected(state).map(|(_, ami, _)| ami),
        _ => None,
    }
}

/// Commands of this module's screens: `u` opens the where-used screen of
/// the focused lifecycle; the arrows move the production view's selection.
/// `None` lets the normal handling run.
pub fn command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let on_production = matches!(state.screen(), Screen::Production { .. });
    match command {
        Command::WhereUsed => {
            if matches!(state.screen(), Screen::WhereUsed { .. }) {
                state.screens.pop();
                return Some(Vec::new());
            }
            let Some(id) = state.focused_id() else {
                state.notify(Level::Warn, "Select a lifecycle first.");
                return Some(Vec::new());
            };
            state.screens.push(Screen::WhereUsed {
                id: id.clone(),
                scroll: 0,
            });
            if state.lifecycle(&id).is_none() {
                return Some(vec![Effect::FetchLifecycle { id }]);
            }
            Some(Vec::new())
        }
        Command::Up
        | Command::Down
        | Command::Top
        | Command::Bottom
        | Command::PageUp
        | Command::PageDown
            if on_production =>
        {
            let len = production_rows(state).len();
            let page = state.list_height.max(1);
            let at = state.end_of_life.production_row.min(len.saturating_sub(1));
            state.end_of_life.production_row = match command {
                Command::Up => at.saturating_sub(1),
                Command::Down => at.saturating_add(1),
                Command::Top => 0,
                Command::Bottom => len,
                Command::PageUp => at.saturating_sub(page),
                _ => at.saturating_add(page),
            }
            .min(len.saturating_sub(1));
            Some(Vec::new())
        }
        Command::Open if on_production => {
            let Some(id) = state.focused_id() else {
                return Some(Vec::new());
            };
            state.screens.push(Screen::Timeline { id, scroll: 0 });
            Some(super::images::fetch_wanted(state, false))
        }
        Command::Refresh if matches!(state.screen(), Screen::WhereUsed { .. }) => {
            // Reads the recorded answer again (asking EC2 is `U`).
            let mut effects = super::update::start_load(state);
            if let Some(id) = state.focused_id() {
                effects.push(Effect::FetchLifecycle { id });
            }
            Some(effects)
        }
        Command::RefreshWhereUsed if !matches!(state.screen(), Screen::WhereUsed { .. }) => {
            let open = state.keymap.first_key(Command::WhereUsed);
            state.notify(
                Level::Info,
                format!(
                    "Open the where-used screen ({open}) first: it shows the answer it asks for."
                ),
            );
            Some(Vec::new())
        }
        _ => None,
    }
}

/// `U`: starts the where-used execution for `lc` (a write: read-only was
/// refused before). The screen says it is asking until the answer is recorded.
pub fn refresh(state: &mut State, lc: &Lifecycle) -> Vec<Effect> {
    if let Some(started) = state.end_of_life.refreshing.get(&lc.lifecycle_id) {
        state.notify(
            Level::Info,
            format!(
                "Already asking EC2 (since {}): the answer shows here when it is recorded.",
                started.format("%H:%M:%S")
            ),
        );
        return Vec::new();
    }
    state
        .end_of_life
        .refreshing
        .insert(lc.lifecycle_id.clone(), state.now);
    super::flow::submit(
        state,
        Op::WhereUsed {
            lifecycle_id: lc.lifecycle_id.clone(),
        },
    )
}
