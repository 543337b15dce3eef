//! The list's data kept in order incrementally: the view is a sorted index
//! (the sort column, then the id: a total order), so one changed lifecycle
//! leaves it by binary search and comes back by binary search, and a page of
//! a load is sorted on its own and merged in; nothing re-filters or re-sorts
//! the whole table except a change of filter or sort.
//!
//! A refresh applies its pages to the data in place and marks what it saw
//! (`State::seen`); when it completes, what it did not see is dropped. The
//! table is never held twice.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use super::action::Effect;
use super::facts::Noted;
use super::prepared::Prepared;
use super::records::KEEP;
use super::rows::{Row, Sort, Triage, build_view};
use super::state::{Level, State};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::notification::{Arrival, Output};

/// How many rows on each side of the selection it may move to when the
/// selected lifecycle disappears.
const SELECTION_NEIGHBOURS: usize = 3;

/// Up to this many changed rows leave the view one binary search each;
/// more are removed in one pass.
const FEW: usize = 8;

/// The view's total order: the sort column (reversed when descending), then the id.
pub fn order(sort: Sort, a: &Row, b: &Row) -> Ordering {
    let primary = sort.column.compare(a, b);
    let primary = if sort.descending {
        primary.reverse()
    } else {
        primary
    };
    primary.then_with(|| a.id.cmp(&b.id))
}

impl State {
    /// Where `row` is (`Ok`) or would go (`Err`) in the view.
    fn view_position(&self, row: &Row) -> Result<usize, usize> {
        let sort = self.sort;
        self.view
            .binary_search_by(|k| order(sort, &self.rows[*k], row))
    }

    /// Takes rows out of the view before they change.
    fn unview(&mut self, changed: &[usize]) {
        if changed.len() <= FEW {
            for i in changed {
                if let Ok(at) = self.view_position(&self.rows[*i])
                    && self.view[at] == *i
                {
                    self.view.remove(at);
                }
            }
            return;
        }
        let mut out = vec![false; self.rows.len()];
        for i in changed {
            out[*i] = true;
        }
        self.view.retain(|k| !out[*k]);
    }

    /// Puts rows into the view where they belong when they pass the filter:
    /// a binary-search insert each for a few, a sort and merge for many.
    fn view_in(&mut self, mut fresh: Vec<usize>) {
        fresh.retain(|i| self.filter.matches(&self.rows[*i]));
        if fresh.len() <= FEW {
            for i in fresh {
                let at = self.view_position(&self.rows[i]).unwrap_or_else(|e| e);
                self.view.insert(at, i);
            }
            return;
        }
        let sort = self.sort;
        let rows = &self.rows;
        fresh.sort_unstable_by(|a, b| order(sort, &rows[*a], &rows[*b]));
        // Merged in place from the back: the largest fresh row finds its
        // place in what is left of the view by binary search, and the rows
        // after it move up without a comparison. A page of k rows into n
        // costs k log n comparisons, not n (rows are scattered in memory,
        // so each comparison is a cache miss or two), and no new view is
        // allocated per page.
        let view = &mut self.view;
        let mut old_end = view.len();
        view.resize(old_end + fresh.len(), usize::MAX);
        let mut write = view.len();
        for f in fresh.into_iter().rev() {
            let at = view[..old_end]
                .partition_point(|k| order(sort, &rows[*k], &rows[f]) != Ordering::Greater);
            let after = old_end - at;
            view.copy_within(at..old_end, write - after);
            write -= after + 1;
            view[write] = f;
            old_end = at;
        }
    }

    /// Replaces all data (a completed load). A lifecycle this state holds
    /// in a newer `item_version` (written after the load began) is kept.
    pub fn replace_all(&mut self, lifecycles: Vec<Lifecycle>) {
        self.seen = Some(vec![false; self.rows.len()]);
        self.upsert(lifecycles);
        self.drop_unseen();
    }

    /// Adds or replaces lifecycles by id (records read on the UI thread: a
    /// re-read, a change read, an operation's result), as [`State::take_in`].
    pub fn upsert(&mut self, lifecycles: Vec<Lifecycle>) {
        let mut names = self.names.clone();
        let history = !self.feed.history_done;
        let prepared = lifecycles
            .into_iter()
            .map(|lc| Prepared::of(lc, self.now, &mut names, history, true))
            .collect();
        self.take_in(prepared);
    }

    /// Adds or replaces prepared lifecycles by id; never replaces one with
    /// an older `item_version` (a read that started before a write and
    /// ended after it). Each keeps its compact row; its full record is held
    /// when `app::records` says so. Only the rows that changed move in the
    /// view.
    pub fn take_in(&mut self, prepared: Vec<Prepared>) {
        let anchor = self.selection_anchor();
        let pinned = self.pinned();
        let mut changed = Vec::new();
        let mut added = Vec::new();
        for p in prepared {
            let mut p = self.overlaid(p);
            let Some(&i) = self.by_id.get(&p.row.id) else {
                added.push(p);
                continue;
            };
            if let Some(seen) = self.seen.as_mut().and_then(|s| s.get_mut(i)) {
                *seen = true;
            }
            if self.rows[i].item_version > p.row.item_version {
                continue;
            }
            // One copy of the id, shared by the row, `by_id` and the facts.
            p.row.id = Arc::clone(&self.rows[i].id);
            // Unchanged, and its record held or not wanted: nothing to do.
            let unchanged = match (self.records.get(&p.row.id), &p.record) {
                (Some(held), Some(lc)) => held == &**lc,
                (Some(held), None) => held.item_version == p.row.item_version,
                (None, _) => !pinned.contains(&p.row.id),
            };
            if self.rows[i] == p.row && unchanged {
                continue;
            }
            changed.push((i, p));
        }
        let indices: Vec<usize> = changed.iter().map(|(i, _)| *i).collect();
        self.unview(&indices);
        let mut fresh = indices;
        for (i, p) in changed {
            // The same id twice in one batch: the newer wins.
            if self.rows[i].item_version <= p.row.item_version {
                self.replace(i, p, &pinned);
            }
        }
        for mut p in added {
            let j = self.rows.len();
            // One lookup: the id placed, or found twice in this batch.
            let twice = match self.by_id.entry(Arc::clone(&p.row.id)) {
                Entry::Occupied(seen) => Some(*seen.get()),
                Entry::Vacant(place) => {
                    place.insert(j);
                    None
                }
            };
            if let Some(j) = twice {
                if self.rows[j].item_version <= p.row.item_version {
                    p.row.id = Arc::clone(&self.rows[j].id);
                    self.replace(j, p, &pinned);
                }
                continue;
            }
            self.replace(j, p, &pinned);
            if let Some(seen) = self.seen.as_mut() {
                seen.push(true);
            }
            fresh.push(j);
        }
        fresh.sort_unstable();
        fresh.dedup();
        self.view_in(fresh);
        self.place_selection(&anchor);
    }

    /// The lifecycle with what the execution watcher found laid over it
    /// (its run ended without recording a result, read-only): prepared
    /// again from its record, kept for that (`PrepareFor::keep`).
    fn overlaid(&mut self, p: Prepared) -> Prepared {
        if self.executions.unrecorded.is_empty()
            || !self.executions.unrecorded.contains_key(&*p.row.id)
        {
            return p;
        }
        let Some(mut lc) = p.record else {
            return p;
        };
        self.executions.overlay(&mut lc);
        let history = !p.history.is_empty();
        Prepared::of(*lc, self.now, &mut self.names, history, true)
    }

    /// Puts `p` in row `i`'s place, or after the last row when `i` is the
    /// number of rows (a lifecycle seen for the first time).
    fn replace(&mut self, i: usize, p: Prepared, pinned: &[Arc<str>]) {
        let Prepared {
            row,
            noted,
            outputs,
            history,
            record,
        } = p;
        self.count(row.triage, true);
        let noted = if i == self.rows.len() {
            self.rows.push(row);
            self.facts.add(&self.rows[i].id, noted);
            None
        } else {
            self.count(self.rows[i].triage, false);
            self.rows[i] = row;
            Some(noted)
        };
        self.hold(i, noted, &outputs, history, record, pinned);
    }

    /// Counts a row into (or out of) its triage group.
    fn count(&mut self, triage: Triage, add: bool) {
        let slot = &mut self.triage_counts[triage as usize];
        *slot = if add {
            slot.saturating_add(1)
        } else {
            slot.saturating_sub(1)
        };
    }

    /// Keeps what row `i`'s lifecycle means for the other screens (`noted`,
    /// unless it was added already), and holds
    /// its record when the table is small, when it was held already or
    /// when it is on screen. A held record of another version that did not
    /// come with the row is let go (read again when a screen needs it).
    fn hold(
        &mut self,
        i: usize,
        noted: Option<Noted>,
        outputs: &[(Output, u64)],
        history: Vec<Arrival>,
        record: Option<Box<Lifecycle>>,
        pinned: &[Arc<str>],
    ) {
        let id = Arc::clone(&self.rows[i].id);
        if self.feed.status.is_live() {
            self.new_links.add_keys(&id, outputs);
        }
        if let Some(noted) = noted {
            self.facts.set(&id, noted);
        }
        if !self.feed.history_done && !history.is_empty() {
            // The first load: what happened in the last hour, from the records.
            self.feed.push(history);
        }
        match record {
            Some(lc)
                if self.rows.len() <= KEEP
                    || self.records.contains(&id)
                    || pinned.contains(&id) =>
            {
                self.records.put(id, *lc, pinned);
            }
            Some(_) => {}
            None => {
                let version = self.rows[i].item_version;
                if self
                    .records
                    .get(&id)
                    .is_some_and(|held| held.item_version != version)
                {
                    self.records.remove(&id);
                }
            }
        }
    }

    /// The end of a refresh: drops the lifecycles it did not see (deleted
    /// from the table), renumbering the rest in one pass.
    pub fn drop_unseen(&mut self) {
        let Some(seen) = self.seen.take() else {
            return;
        };
        if seen.len() != self.rows.len() || seen.iter().all(|s| *s) {
            self.rows.shrink_to_fit();
            return;
        }
        let anchor = self.selection_anchor();
        let mut remap = vec![usize::MAX; seen.len()];
        let mut next = 0_usize;
        for (i, kept) in seen.iter().enumerate() {
            if *kept {
                remap[i] = next;
                next += 1;
            }
        }
        let mut keep = seen.iter().copied();
        self.rows.retain(|_| keep.next().unwrap_or(true));
        self.rows.shrink_to_fit();
        self.triage_counts = [0; 6];
        for i in 0..self.rows.len() {
            self.count(self.rows[i].triage, true);
        }
        self.by_id.retain(|_, i| {
            let to = remap[*i];
            *i = to;
            to != usize::MAX
        });
        let by_id = &self.by_id;
        self.records.retain(|id| by_id.contains_key(id));
        self.facts.retain(|id| by_id.contains_key(id));
        self.names.prune();
        self.view = self
            .view
            .iter()
            .map(|k| remap[*k])
            .filter(|k| *k != usize::MAX)
            .collect();
        self.place_selection(&anchor);
    }

    /// Refilters and resorts (a new filter or sort), keeping the same
    /// lifecycle selected.
    pub fn rebuild_view(&mut self) {
        let anchor = self.selection_anchor();
        self.view = build_view(&self.rows, &self.filter, self.sort);
        self.place_selection(&anchor);
    }

    /// The selected lifecycle's id, then its neighbours' nearest first
    /// (below, above, ...), read from the view as it is now.
    fn selection_anchor(&self) -> Vec<String> {
        let id = |at: usize| {
            self.view
                .get(at)
                .and_then(|i| self.rows.get(*i))
                .map(|r| r.id.to_string())
        };
        let mut anchor: Vec<String> = id(self.selected).into_iter().collect();
        for step in 1..=SELECTION_NEIGHBOURS {
            anchor.extend(id(self.selected.saturating_add(step)));
            if let Some(above) = self.selected.checked_sub(step) {
                anchor.extend(id(above));
            }
        }
        anchor
    }

    /// Selects the first anchor still shown (found by binary search). When
    /// the selected lifecycle itself is gone from the data, says so.
    fn place_selection(&mut self, anchor: &[String]) {
        let found = anchor.iter().find_map(|id| {
            let i = *self.by_id.get(id.as_str())?;
            self.view_position(&self.rows[i]).ok()
        });
        match found {
            Some(at) => self.selected = at,
            None => self.selected = self.selected.min(self.view.len().saturating_sub(1)),
        }
        if let Some(gone) = anchor
            .first()
            .filter(|id| !self.by_id.contains_key(id.as_str()))
        {
            let now_on = self
                .view
                .get(self.selected)
                .map_or_else(|| "nothing".to_string(), |i| self.rows[*i].id.to_string());
            let text = format!("Lifecycle {gone} is gone; the selection moved to {now_on}.");
            self.notify(Level::Warn, text);
        }
        self.clamp_selection();
    }
}

/// The links of the lifecycles this update read, for the stream's index:
/// only theirs, added in place (never a rebuild over the table).
pub fn take_links(state: &mut State) -> Vec<Effect> {
    if state.new_links.is_empty() {
        return Vec::new();
    }
    let index = std::mem::take(&mut state.new_links);
    vec![Effect::AddLinks {
        index: Box::new(index),
    }]
}

/// The focused lifecycle's record, read when it is not held (a large
/// table): so a key that needs it finds it, and the timeline and detail
/// screens fill in. Asked once per lifecycle in focus; a selection that
/// moves on asks for the next one (the earlier answer is let go unless it
/// is still on screen).
pub fn fetch_focused(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.focused_id() else {
        return Vec::new();
    };
    if state.records.contains(&id) {
        state.records.touch(&id);
        return Vec::new();
    }
    if state.fetching.as_deref() == Some(id.as_str())
        || state.lifecycle_errors.contains_key(&id)
        || !state.by_id.contains_key(id.as_str()) && !state.screens.iter().any(|s| {
            matches!(s, super::state::Screen::Timeline { id: open, .. } | super::state::Screen::Detail { id: open, .. } if *open == id)
        })
    {
        return Vec::new();
    }
    state.fetching = Some(id.clone());
    vec![Effect::FetchLifecycle { id }]
}

/// A lifecycle was read (or could not be): the command that waited for it
/// runs now, if the same lifecycle is still in focus.
pub fn record_read(state: &mut State, id: &str, ok: bool) -> Vec<Effect> {
    if state.fetching.as_deref() == Some(id) {
        state.fetching = None;
    }
    let Some((waiting, command)) = state.awaiting.take() else {
        return Vec::new();
    };
    if waiting != id {
        state.awaiting = Some((waiting, command));
        return Vec::new();
    }
    if !ok || state.focused_id().as_deref() != Some(id) || state.focused().is_none() {
        return Vec::new();
    }
    super::input::run_command(state, command)
}
