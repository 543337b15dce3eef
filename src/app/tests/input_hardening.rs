//! Regression tests of the hardening issue's input defects: Ctrl keys in text
//! inputs, a bad filter on Enter, and a lifecycle that cannot be read.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{chars, fresh, key, loaded, now};
use crate::app::action::{Action, Effect};
use crate::app::state::{Dialog, Screen, State};
use crate::app::update::update;
use crate::ops::OpError;

fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    update(
        state,
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn form_values(state: &State) -> [String; 4] {
    match &state.dialog {
        Some(Dialog::Create(form)) => form.values.clone(),
        other => panic!("no create form: {other:?}"),
    }
}

fn reason_dialog() -> Dialog {
    Dialog::Reason {
        lifecycle_id: "lc-1".into(),
        certified: true,
        input: String::new(),
        error: None,
    }
}

#[test]
fn defect_14_ctrl_c_quits_from_the_filter_bar() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "web");
    ctrl(&mut state, 'c');
    assert!(state.should_quit);
    assert_ne!(state.filter_input.as_deref(), Some("webc"));
}

#[test]
fn defect_14_ctrl_c_quits_from_the_create_form_and_a_dialog() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('+'));
    assert!(matches!(state.dialog, Some(Dialog::Create(_))));
    chars(&mut state, "ab");
    ctrl(&mut state, 'c');
    assert!(state.should_quit);

    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    state.dialog = Some(reason_dialog());
    ctrl(&mut state, 'c');
    assert!(state.should_quit);
}

#[test]
fn defect_14_ctrl_c_with_work_in_flight_asks_like_q() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('/'));
    state.in_flight = 1;
    ctrl(&mut state, 'c');
    assert!(!state.should_quit);
    assert!(matches!(state.dialog, Some(Dialog::QuitWhileBusy)));
    // Asked already: a second Ctrl-C quits.
    ctrl(&mut state, 'c');
    assert!(state.should_quit);
}

#[test]
fn defect_14_ctrl_u_and_ctrl_w_edit_the_filter_bar() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "stack:main web");
    ctrl(&mut state, 'w');
    assert_eq!(state.filter_input.as_deref(), Some("stack:main "));
    ctrl(&mut state, 'x');
    for code in [KeyCode::Left, KeyCode::Right, KeyCode::Home, KeyCode::End] {
        key(&mut state, code);
    }
    assert_eq!(state.filter_input.as_deref(), Some("stack:main "));
    ctrl(&mut state, 'u');
    assert_eq!(state.filter_input.as_deref(), Some(""));
    assert!(state.filter.is_empty());
}

#[test]
fn defect_14_ctrl_keys_edit_the_form_and_dialog_inputs() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('+'));
    key(&mut state, KeyCode::Tab);
    chars(&mut state, "web front");
    ctrl(&mut state, 'w');
    ctrl(&mut state, 'a');
    assert_eq!(form_values(&state)[1], "web ");
    ctrl(&mut state, 'u');
    assert_eq!(form_values(&state)[1], "");

    state.dialog = Some(reason_dialog());
    chars(&mut state, "looks good");
    ctrl(&mut state, 'e');
    ctrl(&mut state, 'w');
    match &state.dialog {
        Some(Dialog::Reason { input, .. }) => assert_eq!(input, "looks "),
        other => panic!("no reason dialog: {other:?}"),
    }
}

#[test]
fn defect_15_an_invalid_filter_is_not_applied_on_enter() {
    let mut state = loaded(
        vec![fresh("lc-1", "main"), fresh("status-lc", "main")],
        false,
    );
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "status:bogus");
    assert!(state.filter_error.is_some());
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.filter_input.as_deref(), Some("status:bogus"));
    assert!(state.filter_error.is_some());
    // Esc cancels: no filter at all.
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.filter_input, None);
    assert_eq!(state.filter_error, None);
    assert!(state.filter.is_empty());
    assert_eq!(state.view.len(), 2);

    // Fixed, Enter applies it and closes the bar.
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "status:bogus");
    key(&mut state, KeyCode::Enter);
    ctrl(&mut state, 'w');
    chars(&mut state, "id:status");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.filter_input, None);
    assert_eq!(state.filter.text, "id:status");
    assert_eq!(state.view.len(), 1);
}

fn draw(state: &State) -> String {
    super::screen_text(state)
}

#[test]
fn defect_16_a_lifecycle_that_cannot_be_read_says_so_on_its_timeline() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    state.screens.push(Screen::Timeline {
        id: "nope".into(),
        scroll: 0,
    });
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "nope".into(),
            result: Err(OpError::Unavailable("lifecycle nope not found".into())),
        },
    );
    // Long after the toast is gone.
    update(
        &mut state,
        Action::Tick {
            now: now() + Duration::seconds(60),
        },
    );
    assert!(state.toast().is_none());
    let screen = draw(&state);
    assert!(!screen.contains("Loading lifecycle"), "{screen}");
    assert!(
        screen.contains("Lifecycle nope could not be read: lifecycle nope not found"),
        "{screen}"
    );
    // Read again successfully: the timeline shows it.
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "nope".into(),
            result: Ok(fresh("nope", "main")),
        },
    );
    assert!(!draw(&state).contains("could not be read"));
}

#[test]
fn question_mark_toggles_help_and_q_there_closes_it() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('?'));
    assert!(matches!(state.screen(), Screen::Help { .. }));
    key(&mut state, KeyCode::Char('?'));
    assert_eq!(state.screen(), &Screen::List);
    key(&mut state, KeyCode::Char('?'));
    key(&mut state, KeyCode::Char('q'));
    assert_eq!(state.screen(), &Screen::List);
    assert!(!state.should_quit, "q closed help, it did not quit");
    key(&mut state, KeyCode::Char('q'));
    assert!(state.should_quit);
}
