//! Navigation, filter parsing, sorting, loading, stale data and ticks.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{chars, demo, key, loaded, now};
use crate::app::action::{Action, Effect, PageData};
use crate::app::filter::{Filter, Term, fuzzy};
use crate::app::keymap::{Command, Keymap};
use crate::app::rows::SortColumn;
use crate::app::state::{Load, Screen};
use crate::app::update::update;
use crate::lifecycle::{EventKind, EventStatus};
use crate::ops::OpError;

#[test]
fn navigation_moves_and_clamps() {
    let mut state = loaded(demo(100), false);
    assert_eq!(state.selected, 0);
    key(&mut state, KeyCode::Char('j'));
    key(&mut state, KeyCode::Down);
    assert_eq!(state.selected, 2);
    key(&mut state, KeyCode::Char('k'));
    assert_eq!(state.selected, 1);
    key(&mut state, KeyCode::Char('G'));
    assert_eq!(state.selected, 99);
    assert!(state.offset + state.list_height > 99, "window follows");
    key(&mut state, KeyCode::Down);
    assert_eq!(state.selected, 99, "clamped at the end");
    key(&mut state, KeyCode::Char('g'));
    assert_eq!((state.selected, state.offset), (0, 0));
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.selected, state.list_height);
    key(&mut state, KeyCode::PageUp);
    assert_eq!(state.selected, 0);
}

#[test]
fn enter_opens_timeline_and_esc_goes_back() {
    let mut state = loaded(demo(10), false);
    key(&mut state, KeyCode::Down);
    let id = state
        .selected_lifecycle()
        .expect("row")
        .lifecycle_id
        .clone();
    key(&mut state, KeyCode::Enter);
    assert_eq!(
        state.screen(),
        &Screen::Timeline {
            id: id.clone(),
            scroll: 0
        }
    );
    key(&mut state, KeyCode::Char('d'));
    assert!(matches!(state.screen(), Screen::Detail { .. }));
    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.screen(), &Screen::List);
    key(&mut state, KeyCode::Char('?'));
    assert!(matches!(state.screen(), Screen::Help { .. }));
}

#[test]
fn filter_parsing_cases() {
    let cases: &[(&str, Result<usize, &str>)] = &[
        ("", Ok(0)),
        ("web", Ok(1)),
        ("status:failed event:smoke stack:main product:web", Ok(4)),
        ("owner:alice ami:ami-0 semver:1. id:ab", Ok(4)),
        ("status:bogus", Err("unknown status")),
        ("colour:red", Err("unknown field `colour`")),
        ("event:", Err("needs a value")),
        ("event:zzz", Err("no event matches")),
    ];
    for (text, expected) in cases {
        match (Filter::parse(text), expected) {
            (Ok(f), Ok(n)) => assert_eq!(f.terms.len(), *n, "{text}"),
            (Err(e), Err(start)) => assert!(e.contains(start), "{text}: {e}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
    let f = Filter::parse("status:fail event:smoke").expect("parse");
    assert_eq!(f.terms[0], Term::Status(vec![EventStatus::Failed]));
    assert_eq!(f.terms[1], Term::Event(vec![EventKind::SmokeTests]));
    assert!(fuzzy("web-frontend 4.2 main", "wfm"));
    assert!(!fuzzy("web-frontend", "xyz"));
}

#[test]
fn typing_a_filter_narrows_the_list_live() {
    let mut state = loaded(demo(200), false);
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "stack:prod");
    assert!(state.filter_input.is_some());
    assert!(!state.view.is_empty() && state.view.len() < 200);
    assert!(
        state
            .view
            .iter()
            .all(|i| &*state.rows[*i].stack_tag == "prod")
    );
    chars(&mut state, " status:bogus");
    assert!(state.filter_error.is_some(), "bad filter says why");
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.view.len(), 200, "Esc clears the filter");
}

#[test]
fn sorting_cycles_and_reverses() {
    let mut state = loaded(demo(50), false);
    assert_eq!(state.sort.column, SortColumn::Updated);
    let updated: Vec<_> = state.view.iter().map(|i| state.rows[*i].updated).collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "newest first");
    key(&mut state, KeyCode::Char('s'));
    assert_eq!(state.sort.column, SortColumn::Vulns);
    key(&mut state, KeyCode::Char('s'));
    assert_eq!(state.sort.column, SortColumn::Product);
    key(&mut state, KeyCode::Char('S'));
    let products: Vec<_> = state
        .view
        .iter()
        .map(|i| state.rows[*i].product.clone())
        .collect();
    assert!(products.windows(2).all(|w| w[0] <= w[1]), "ascending");
}

#[test]
fn stale_page_results_are_dropped() {
    let mut state = loaded(demo(5), false);
    update(&mut state, Action::Refresh);
    let old = state.request - 1;
    let page = PageData::last(&state, demo(50));
    update(
        &mut state,
        Action::PageLoaded {
            request: old,
            at: now(),
            result: Ok(page),
        },
    );
    assert_eq!(state.rows.len(), 5);
    assert!(matches!(state.load, Load::Loading { .. }));
}

#[test]
fn refresh_coalesces_while_loading() {
    let mut state = loaded(demo(5), false);
    let first = update(&mut state, Action::Refresh);
    assert_eq!(first.len(), 1);
    assert!(update(&mut state, Action::Refresh).is_empty());
}

#[test]
fn failed_refresh_keeps_data_stale_and_retries() {
    let mut state = loaded(demo(5), false);
    update(&mut state, Action::Refresh);
    let request = state.request;
    update(
        &mut state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Err(OpError::Unavailable("connection refused".into())),
        },
    );
    assert_eq!(state.rows.len(), 5, "data stays");
    assert!(state.is_stale());
    let early = update(
        &mut state,
        Action::Tick {
            now: now() + Duration::seconds(3),
        },
    );
    // No reload yet (the watcher may ask about the running events).
    assert!(
        !early.iter().any(|e| matches!(e, Effect::LoadPage { .. })),
        "{early:?}"
    );
    let retry = update(
        &mut state,
        Action::Tick {
            now: now() + Duration::seconds(11),
        },
    );
    assert!(
        matches!(
            retry.as_slice(),
            [Effect::LoadPage { cursor: None, .. }]
                | [
                    Effect::LoadPage { cursor: None, .. },
                    Effect::WatchExecutions { .. }
                ]
        ),
        "{retry:?}"
    );
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut state = loaded(demo(5), false);
    update(
        &mut state,
        Action::Tick {
            now: now() + Duration::seconds(1),
        },
    );
    state.dirty = false;
    for s in 2..9 {
        update(
            &mut state,
            Action::Tick {
                now: now() + Duration::seconds(s),
            },
        );
        assert!(!state.dirty, "tick {s} redrew");
    }
}

#[test]
fn periodic_refresh_fires() {
    let mut state = loaded(demo(5), false);
    let effects = update(
        &mut state,
        Action::Tick {
            now: now() + Duration::seconds(31),
        },
    );
    // Besides the reload, the watcher may ask about the running events.
    let reloads = effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadPage { .. }))
        .count();
    assert_eq!(reloads, 1, "{effects:?}");
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::LoadPage { .. } | Effect::WatchExecutions { .. })),
        "{effects:?}"
    );
}

#[test]
fn keymap_rejects_duplicates_and_unknowns() {
    let table: std::collections::BTreeMap<String, toml::Value> =
        toml::from_str("quit = \"x\"").expect("toml");
    let err = Keymap::from_config(&table).expect_err("x is reject's");
    assert!(err.contains("`x` is bound to both"), "{err}");
    let table = toml::from_str("launch = \"L\"").expect("toml");
    assert!(
        Keymap::from_config(&table)
            .expect_err("unknown")
            .contains("unknown action")
    );
    let table = toml::from_str("quit = [\"Q\", \"ctrl-q\"]").expect("toml");
    let keymap = Keymap::from_config(&table).expect("valid");
    assert_eq!(keymap.first_key(Command::Quit), "Q");
}
