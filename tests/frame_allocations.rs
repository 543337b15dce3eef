//! Allocations of one steady-state frame with 100 000 lifecycles loaded,
//! counted by an allocator (deterministic, so it runs in CI): the list
//! screen at 160x48 drawn into a `TestBackend` after a full load and after
//! a full reload in which every record changed. A frame draws only the
//! visible rows, so its allocations must not grow with the table, and stay
//! within a stated number (issue 22).
//!
//! The counter is global: this binary holds this one test only, so nothing
//! else allocates while it counts.

use std::alloc::System;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

use amiboard::app::action::{Action, PageData};
use amiboard::app::keymap::Keymap;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::{start_load, update};
use amiboard::lifecycle::Lifecycle;
use amiboard::lifecycle::demo::demo_lifecycles;
use amiboard::ui::{render, theme::Theme};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The most allocations one steady-state list frame may make, whatever the
/// number of lifecycles: the header, footer, title, a notice and the column
/// fit (about 145 in all, none per row: the rows are drawn from borrowed or
/// stack-formatted text). Before issue 22 a frame at 100k made 1736.
const MAX_PER_FRAME: usize = 200;
const PAGE: u64 = 1000;

fn demo(from: u64, n: u64, changed: bool) -> Vec<Lifecycle> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .unwrap_or_default();
    let mut page = demo_lifecycles(from..from + n, now);
    if changed {
        for lc in &mut page {
            lc.item_version += 1;
            lc.updated_at += chrono::Duration::minutes(1);
        }
    }
    page
}

fn load(state: &mut State, n: u64, changed: bool) {
    let _ = start_load(state);
    for p in 0..n / PAGE {
        let request = state.request;
        let page = PageData::last(state, demo(p * PAGE, PAGE, changed));
        let _ = update(
            state,
            Action::PageLoaded {
                request,
                at: Utc::now(),
                result: Ok(page),
            },
        );
    }
}

/// Allocations of each of `frames` frames, the selection moving one row
/// down before each (a key's frame: new rows come into view sometimes).
fn frame_allocations(state: &mut State, frames: usize) -> Vec<usize> {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let theme = Theme::dark();
    // The first frame sizes the buffers; steady state is what follows.
    terminal.draw(|f| render(state, &theme, f)).expect("draw");
    terminal.draw(|f| render(state, &theme, f)).expect("draw");
    let mut counts = Vec::new();
    for i in 0..frames {
        let code = if i % 10 == 9 {
            KeyCode::PageDown
        } else {
            KeyCode::Down
        };
        let _ = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        let before = GLOBAL.stats().allocations + GLOBAL.stats().reallocations;
        terminal.draw(|f| render(state, &theme, f)).expect("draw");
        counts.push(GLOBAL.stats().allocations + GLOBAL.stats().reallocations - before);
    }
    counts
}

#[test]
fn a_steady_state_frame_at_100k_allocates_a_bounded_number_of_times() {
    let target = Connection {
        region: "us-east-1".into(),
        table: "amiboard-lifecycles".into(),
        ..Connection::default()
    };
    let mut state = State::new(Keymap::default(), false, target, Utc::now());
    let _ = update(
        &mut state,
        Action::Resized {
            width: 160,
            height: 48,
        },
    );
    load(&mut state, PAGE, false);
    let small = frame_allocations(&mut state, 50);
    load(&mut state, 100 * PAGE, false);
    assert_eq!(state.rows.len(), 100_000);
    let loaded = frame_allocations(&mut state, 50);
    load(&mut state, 100 * PAGE, true);
    assert_eq!(state.rows.len(), 100_000);
    let reloaded = frame_allocations(&mut state, 50);
    let max = |v: &[usize]| v.iter().copied().max().unwrap_or(0);
    let median = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    println!(
        "frame allocations (median / max of 50 frames): {} / {} at 1000 loaded, {} / {} at 100000 loaded, {} / {} after a reload that changed every one (limit {MAX_PER_FRAME}; the reload's frames also draw a notice)",
        median(&small),
        max(&small),
        median(&loaded),
        max(&loaded),
        median(&reloaded),
        max(&reloaded)
    );
    for (what, counts) in [("loaded", &loaded), ("reloaded", &reloaded)] {
        assert!(
            max(counts) <= MAX_PER_FRAME,
            "a frame at 100k {what} allocated {} times, over {MAX_PER_FRAME}",
            max(counts)
        );
    }
    assert!(
        median(&loaded) <= median(&small) + 5,
        "a frame at 100k allocates more ({}) than at 1k ({}): work proportional to the table",
        median(&loaded),
        median(&small)
    );
}
