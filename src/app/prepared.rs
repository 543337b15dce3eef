//! A lifecycle as the list takes it in, worked out where it was read: its
//! compact row, what it means for the other screens, its outputs for the
//! stream's index and (on the first load) the last hour of its history;
//! its full record only when the dashboard holds it.
//!
//! A page of a load is prepared by the runner, on a worker thread, as the
//! state asked when it requested the page ([`PrepareFor`], carried by
//! `Effect::LoadPage`). So the UI thread neither builds the rows of a large
//! table nor frees its decoded records: the records it does not hold are
//! dropped on the thread that decoded them, and the UI thread only moves
//! rows and facts into place (issue 22: 280 ms of the 100k first load's
//! UI-thread work was freeing records).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::action::{CursorKey, PageData};
use super::facts::Noted;
use super::records::KEEP;
use super::rows::{Names, Row, Sort};
use super::state::State;
use crate::lifecycle::Lifecycle;
use crate::lifecycle::notification::{Arrival, Output, output_keys};
use crate::ops::Cursor;

/// One lifecycle, ready for the list.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub row: Row,
    pub noted: Noted,
    /// Its outputs (AMIs, image ARNs, Run Command ids), hashed for the
    /// stream's index.
    pub outputs: Box<[(Output, u64)]>,
    /// What happened to it in the last hour, for the feed (first load only).
    pub history: Vec<Arrival>,
    /// The record itself, when the dashboard holds it (`app::records`);
    /// boxed, as most rows come without it.
    pub record: Option<Box<Lifecycle>>,
}

impl Prepared {
    /// Prepares `lc`, with its record when `keep`, and its last hour when
    /// `history`.
    pub fn of(
        lc: Lifecycle,
        now: DateTime<Utc>,
        names: &mut Names,
        history: bool,
        keep: bool,
    ) -> Prepared {
        Prepared {
            row: Row::named(&lc, names),
            noted: Noted::of(&lc, now, names),
            outputs: output_keys(&lc),
            history: if history {
                super::feed::history(&lc, now)
            } else {
                Vec::new()
            },
            record: keep.then(|| Box::new(lc)),
        }
    }
}

/// How the runner prepares a page, decided by the state when it asks for it.
#[derive(Debug, Clone, Default)]
pub struct PrepareFor {
    /// The state's shared strings: the rows are built with its copies.
    pub names: Names,
    pub now: DateTime<Utc>,
    /// The first load: each lifecycle's last hour goes to the feed.
    pub history: bool,
    /// The records of the first `room` lifecycles of the page are kept
    /// (the table is still small enough to hold every record)...
    pub room: usize,
    /// ...and those of these lifecycles: held already, on screen, or
    /// waiting for their execution's state to be laid over them.
    pub keep: Arc<HashSet<Arc<str>>>,
    /// The list's order: a hand-over comes sorted, so the UI thread's
    /// merge finds it in order (`State::take_in`).
    pub sort: Sort,
}

/// Equal when they would prepare a page alike (the names by identity).
impl PartialEq for PrepareFor {
    fn eq(&self, other: &Self) -> bool {
        self.names.same(&other.names)
            && self.now == other.now
            && self.history == other.history
            && self.room == other.room
            && self.keep == other.keep
            && self.sort == other.sort
    }
}

impl Eq for PrepareFor {}

impl PrepareFor {
    /// Prepares a page; the records not kept are dropped here.
    pub fn page(&self, lifecycles: Vec<Lifecycle>) -> Vec<Prepared> {
        let mut prepared = Vec::with_capacity(lifecycles.len());
        self.page_into(&mut prepared, lifecycles);
        prepared
    }

    /// Prepares a page after the lifecycles already in `prepared` (the
    /// pages of one hand-over share the `room`).
    fn page_into(&self, prepared: &mut Vec<Prepared>, lifecycles: Vec<Lifecycle>) {
        let mut names = self.names.clone();
        let before = prepared.len();
        prepared.extend(lifecycles.into_iter().enumerate().map(|(i, lc)| {
            let keep = before + i < self.room || self.keep.contains(lc.lifecycle_id.as_str());
            Prepared::of(lc, self.now, &mut names, self.history, keep)
        }));
    }
}

impl PageData {
    /// A page read, prepared as `prepare` says.
    pub fn read(
        prepare: &PrepareFor,
        lifecycles: Vec<Lifecycle>,
        skipped: usize,
        next: Option<Cursor>,
    ) -> PageData {
        PageData {
            prepared: prepare.page(lifecycles),
            skipped,
            next,
        }
    }

    /// Adds the next page read to this hand-over: its lifecycles prepared
    /// after those already here, its skipped items counted, its cursor.
    pub fn add(
        &mut self,
        prepare: &PrepareFor,
        lifecycles: Vec<Lifecycle>,
        skipped: usize,
        next: Option<Cursor>,
    ) {
        prepare.page_into(&mut self.prepared, lifecycles);
        self.skipped += skipped;
        self.next = next;
    }

    /// Puts the lifecycles in the list's order (the runner does, before it
    /// hands them over).
    pub fn sort(&mut self, sort: Sort) {
        self.prepared
            .sort_unstable_by(|a, b| super::list_view::order(sort, &a.row, &b.row));
    }

    /// The last page of a load, prepared as `state` asks now (tests and
    /// benchmarks that hand pages to `update()` themselves).
    pub fn last(state: &State, lifecycles: Vec<Lifecycle>) -> PageData {
        PageData::read(&state.prepare_for(), lifecycles, 0, None)
    }
}

impl State {
    /// How a page asked for now is to be prepared.
    pub fn prepare_for(&self) -> PrepareFor {
        let mut keep: HashSet<Arc<str>> = self.records.ids().cloned().collect();
        keep.extend(self.pinned());
        keep.extend(
            self.executions
                .unrecorded
                .keys()
                .map(|id| Arc::from(id.as_str())),
        );
        PrepareFor {
            names: self.names.clone(),
            now: self.now,
            history: !self.feed.history_done,
            room: KEEP.saturating_sub(self.rows.len()),
            keep: Arc::new(keep),
            sort: self.sort,
        }
    }

    /// The next page's request.
    pub fn load_page(&self, cursor: Option<CursorKey>) -> super::action::Effect {
        super::action::Effect::LoadPage {
            request: self.request,
            stack_tag: self.connection.stack_tag.clone(),
            cursor,
            prepare: self.prepare_for(),
        }
    }
}
