//! Heap per loaded lifecycle, counted by an allocator (deterministic, so it
//! runs in CI): the dashboard state with N and with 4N demo lifecycles
//! loaded through the real `update()` path, plus the stream's link index
//! built from the effects the load sends. The marginal bytes per lifecycle
//! must stay within issue 12's goal of 700 B, and a reload that changes
//! every lifecycle must leave the heap where it was (never two copies).
//!
//! The counter is global: this binary holds this one test only, so nothing
//! else allocates while it counts.

use std::alloc::System;

use chrono::{TimeZone, Utc};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

use amiboard::app::action::{Action, Effect, PageData};
use amiboard::app::feed::StreamStatus;
use amiboard::app::keymap::Keymap;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::{start_load, update};
use amiboard::lifecycle::Lifecycle;
use amiboard::lifecycle::demo::demo_lifecycles;
use amiboard::lifecycle::notification::LinkIndex;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The goal: heap per loaded lifecycle.
const GOAL_BYTES: f64 = 700.0;
const PAGE: u64 = 1000;

fn live_bytes() -> i128 {
    // A reallocation is counted in both sums already (its new block
    // allocated, its old one deallocated).
    let s = GLOBAL.stats();
    i128::try_from(s.bytes_allocated).unwrap_or(i128::MAX)
        - i128::try_from(s.bytes_deallocated).unwrap_or(i128::MAX)
}

fn demo(from: u64, n: u64) -> Vec<Lifecycle> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .unwrap_or_default();
    demo_lifecycles(from..from + n, now)
}

/// What the stream would hold: every link index the load sent.
fn keep_links(links: &mut LinkIndex, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::SetLinks { index } => *links = *index,
            Effect::AddLinks { index } => links.merge(*index),
            _ => {}
        }
    }
}

/// Hands `pages` to the state as a load's pages, keeping their links.
fn load(state: &mut State, links: &mut LinkIndex, pages: Vec<Vec<Lifecycle>>) {
    keep_links(links, start_load(state));
    // Each page arrives as a load's last (a cursor cannot be made outside
    // the store), so every page also runs what a completed load does.
    for lifecycles in pages {
        let request = state.request;
        let page = PageData::last(state, lifecycles);
        let effects = update(
            state,
            Action::PageLoaded {
                request,
                at: Utc::now(),
                result: Ok(page),
            },
        );
        keep_links(links, effects);
    }
}

/// Loads `n` demo lifecycles in pages as the runner hands them over, then
/// reloads them all changed. Returns the live heap of the state and the
/// link index after the load and after the reload, in bytes, and the rows.
fn loaded_heap(n: u64) -> (i128, i128, usize) {
    // Counted from before the demo data exists: what the load drops nets
    // out, what the state keeps of it stays counted.
    let before = live_bytes();
    let pages: Vec<Vec<Lifecycle>> = (0..n / PAGE).map(|p| demo(p * PAGE, PAGE)).collect();
    let target = Connection {
        region: "us-east-1".into(),
        table: "amiboard-lifecycles".into(),
        ..Connection::default()
    };
    let mut state = State::new(Keymap::default(), false, target, Utc::now());
    // As in the dashboard, the stream is starting while the pages arrive,
    // so each page's links go to the stream's index.
    state.feed.status = StreamStatus::Starting;
    let mut links = LinkIndex::default();
    load(&mut state, &mut links, pages);
    let held = live_bytes() - before;

    let changed: Vec<Vec<Lifecycle>> = (0..n / PAGE)
        .map(|p| {
            let mut page = demo(p * PAGE, PAGE);
            for lc in &mut page {
                lc.item_version += 1;
                lc.updated_at += chrono::Duration::minutes(1);
            }
            page
        })
        .collect();
    load(&mut state, &mut links, changed);
    let after_reload = live_bytes() - before;
    let rows = state.rows.len();
    drop(state);
    drop(links);
    (held, after_reload, rows)
}

#[test]
fn heap_per_loaded_lifecycle_is_within_the_goal() {
    let (small, _, small_rows) = loaded_heap(2 * PAGE);
    let (large, reloaded, large_rows) = loaded_heap(8 * PAGE);
    assert_eq!(small_rows, 2000, "every demo lifecycle is a row");
    assert_eq!(large_rows, 8000, "every demo lifecycle is a row");
    #[allow(clippy::cast_precision_loss)]
    let per = (large - small) as f64 / (large_rows - small_rows) as f64;
    #[allow(clippy::cast_precision_loss)]
    let grown = (reloaded - large) as f64 / large_rows as f64;
    println!(
        "heap: {small} B with {small_rows}, {large} B with {large_rows}: {per:.0} B per lifecycle; after a reload that changed every one: {grown:+.0} B per lifecycle"
    );
    assert!(
        per <= GOAL_BYTES,
        "{per:.0} B of heap per loaded lifecycle, over the {GOAL_BYTES} B goal"
    );
    assert!(
        grown.abs() <= 16.0,
        "a reload that changed every lifecycle left {grown:+.0} B per lifecycle"
    );
}
