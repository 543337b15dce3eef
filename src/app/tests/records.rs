//! A table larger than the records the dashboard holds: every lifecycle
//! is a compact row, only a bounded set of full records is held, and what
//! needs a record that is not held reads it first (keys wait for it).

use crossterm::event::KeyCode;

use super::{demo, key, loaded, now};
use crate::app::action::{Action, Effect};
use crate::app::records::KEEP;
use crate::app::state::{Dialog, Screen, State};
use crate::app::update::update;
use crate::lifecycle::Lifecycle;

/// More lifecycles than the records held.
const MANY: u64 = 600;

fn fetches(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchLifecycle { id } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

fn answer(state: &mut State, all: &[Lifecycle], id: &str) -> Vec<Effect> {
    let lc = all
        .iter()
        .find(|l| l.lifecycle_id == id)
        .expect("known")
        .clone();
    update(
        state,
        Action::LifecycleFetched {
            id: id.to_string(),
            result: Ok(lc),
        },
    )
}

/// The list's first row whose record is not held (and not being read
/// already), selected.
fn select_unheld(state: &mut State) -> String {
    let at = (0..state.view.len())
        .find(|at| {
            let id = &state.rows[state.view[*at]].id;
            !state.records.contains(id) && state.fetching.as_deref() != Some(&**id)
        })
        .expect("a row without its record");
    state.selected = at;
    state.rows[state.view[at]].id.to_string()
}

#[test]
fn a_large_table_holds_every_row_and_a_bounded_set_of_records() {
    let state = loaded(demo(MANY), false);
    assert_eq!(state.rows.len(), 600);
    assert!(state.records.len() <= KEEP + 1, "{}", state.records.len());
    assert!(state.records.len() >= KEEP, "a small table's records stay");
}

#[test]
fn the_selected_rows_record_is_read_and_held_when_the_selection_lands_on_it() {
    let all = demo(MANY);
    let mut state = loaded(all.clone(), false);
    let id = select_unheld(&mut state);
    // Any key that leaves the selection there asks for its record.
    let effects = key(&mut state, KeyCode::Char('?'));
    let _ = key(&mut state, KeyCode::Esc);
    assert_eq!(fetches(&effects), vec![id.clone()], "{effects:?}");
    assert!(
        fetches(&key(&mut state, KeyCode::Char('?'))).is_empty(),
        "asked once"
    );
    let _ = key(&mut state, KeyCode::Esc);
    answer(&mut state, &all, &id);
    assert!(state.records.contains(&id), "held while selected");
    assert!(state.records.len() <= KEEP + 1);
}

#[test]
fn a_key_that_needs_the_record_waits_for_it_then_runs() {
    let all = demo(MANY);
    let mut state = loaded(all.clone(), false);
    let id = select_unheld(&mut state);
    let effects = key(&mut state, KeyCode::Char('d'));
    assert!(matches!(state.screen(), Screen::Detail { id: open, .. } if *open == id));
    assert!(super::screen_text(&state).contains("Loading lifecycle"));
    assert_eq!(fetches(&effects), vec![id.clone()]);
    answer(&mut state, &all, &id);
    assert!(super::screen_text(&state).contains(&format!("\"lifecycle_id\": \"{id}\"")));
    let _ = key(&mut state, KeyCode::Esc);

    // `t` on another row whose record is not held: read, then the dialog.
    let other = select_unheld(&mut state);
    let effects = key(&mut state, KeyCode::Char('t'));
    assert_eq!(fetches(&effects), vec![other.clone()]);
    assert!(
        state.dialog.is_none(),
        "nothing to confirm before the record"
    );
    assert!(
        state
            .notices
            .last()
            .is_some_and(|n| n.text.contains("Reading"))
    );
    answer(&mut state, &all, &other);
    assert!(
        matches!(
            state.dialog,
            Some(Dialog::Confirm { .. } | Dialog::Refused { .. })
        ),
        "the waiting key ran: {:?}",
        state.dialog
    );
}

#[test]
fn a_key_whose_lifecycle_lost_focus_meanwhile_does_not_run() {
    let all = demo(MANY);
    let mut state = loaded(all.clone(), false);
    let id = select_unheld(&mut state);
    let _ = key(&mut state, KeyCode::Char('t'));
    state.selected = (state.selected + 1) % state.view.len();
    answer(&mut state, &all, &id);
    assert!(state.dialog.is_none(), "{:?}", state.dialog);
    assert!(state.awaiting.is_none());
}

#[test]
fn inbox_and_production_come_from_every_row_not_only_the_held_records() {
    let all = demo(MANY);
    let state = loaded(all.clone(), false);
    let mut expected = crate::ops::inbox::waiting(&all, now());
    let mut shown = crate::app::inbox::items(&State {
        now: now(),
        ..state.clone()
    });
    for w in expected.iter_mut().chain(shown.iter_mut()) {
        for ami in &mut w.amis {
            ami.name = None;
        }
    }
    assert!(expected.len() > 10, "demo data waits for people");
    assert_eq!(shown, expected);
    let production = crate::ops::production::production(&all);
    assert!(!production.is_empty());
    assert_eq!(crate::app::inbox::production(&state), production);
}
