//! The approval inbox and the production view as dashboard screens: what they
//! show comes from the loaded lifecycles through the pure `ops::inbox` and
//! `ops::production`; `c`/`x`/`p` on the inbox act on its selected row
//! through the usual flows (`State::focused` is that row).

use super::action::Effect;
use super::keymap::Command;
use super::state::{Screen, State};
pub use crate::ops::inbox::{Waiting, WaitingFor};
pub use crate::ops::production::{ProductionEntry, Promotion};

/// The lifecycles waiting for a person, the longest waiting first.
pub fn items(state: &State) -> Vec<Waiting> {
    state.facts.inbox(state.now)
}

/// The production view of the loaded lifecycles.
pub fn production(state: &State) -> Vec<ProductionEntry> {
    state.facts.production()
}

/// The selected row of the inbox, kept inside the rows there are.
pub fn clamp(selected: usize, len: usize) -> usize {
    selected.min(len.saturating_sub(1))
}

/// The lifecycle id of the inbox's selected row.
pub fn selected_id(state: &State, selected: usize) -> Option<String> {
    let mut items = items(state);
    let at = clamp(selected, items.len());
    (at < items.len()).then(|| items.swap_remove(at).lifecycle_id)
}

/// Handles `command` when it opens or moves in these screens; `None` lets
/// the normal handling run (mutating commands go to `flow::begin`, which
/// acts on the selected row).
pub fn command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let on_inbox = matches!(state.screen(), Screen::Inbox { .. });
    match command {
        Command::Inbox | Command::Production => {
            let open = if command == Command::Inbox {
                Screen::Inbox { selected: 0 }
            } else {
                Screen::Production { scroll: 0 }
            };
            // The key that opened a screen closes it.
            if std::mem::discriminant(state.screen()) == std::mem::discriminant(&open) {
                state.screens.pop();
            } else {
                state.screens.push(open);
            }
        }
        Command::Open if on_inbox => {
            let id = state.focused_id()?;
            state.screens.push(Screen::Timeline { id, scroll: 0 });
            return Some(super::images::fetch_wanted(state, false));
        }
        Command::Up
        | Command::Down
        | Command::Top
        | Command::Bottom
        | Command::PageUp
        | Command::PageDown
            if on_inbox =>
        {
            let len = items(state).len();
            let page = state.list_height.max(1);
            if let Some(Screen::Inbox { selected }) = state.screens.last_mut() {
                let at = clamp(*selected, len);
                *selected = clamp(
                    match command {
                        Command::Up => at.saturating_sub(1),
                        Command::Down => at.saturating_add(1),
                        Command::Top => 0,
                        Command::Bottom => len,
                        Command::PageUp => at.saturating_sub(page),
                        _ => at.saturating_add(page),
                    },
                    len,
                );
            }
        }
        _ => return None,
    }
    Some(Vec::new())
}

#[cfg(test)]
mod tests {
    use crate::lifecycle::Lifecycle;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::action::Action;
    use crate::app::state::Dialog;
    use crate::app::tests::{now, target};
    use crate::app::update::update;
    use crate::lifecycle::{EventKind, EventStatus};

    fn press(state: &mut State, c: char) {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Two lifecycles with QA requested (b waited longer) and one idle.
    fn state() -> State {
        let mut state = State::new(
            crate::app::keymap::Keymap::default(),
            false,
            target(),
            now(),
        );
        let mut lcs = Vec::new();
        for (id, minutes) in [("a", 5), ("idle", 0), ("b", 50)] {
            let mut lc = Lifecycle::new(id, "main", "web", "1", "o", now());
            if minutes > 0 {
                for r in lc.creation.iter_mut().take(4) {
                    r.status = EventStatus::Completed;
                    r.attempt = 1;
                    r.actor = Some(format!("req-{id}"));
                    r.finished_at = Some(now() - chrono::Duration::minutes(minutes));
                }
            }
            lcs.push(lc);
        }
        state.replace_all(lcs);
        state
    }

    #[test]
    fn i_opens_the_inbox_and_c_decides_the_selected_row() {
        let mut s = state();
        press(&mut s, 'i');
        assert_eq!(s.screen(), &Screen::Inbox { selected: 0 });
        let ids: Vec<String> = items(&s).into_iter().map(|w| w.lifecycle_id).collect();
        assert_eq!(
            ids,
            ["b", "a"],
            "the longest waiting first; idle is not waiting"
        );
        press(&mut s, 'j');
        press(&mut s, 'j');
        assert_eq!(
            s.screen(),
            &Screen::Inbox { selected: 1 },
            "stops at the last row"
        );
        press(&mut s, 'c');
        match &s.dialog {
            Some(Dialog::Reason {
                lifecycle_id,
                certified,
                ..
            }) => {
                assert_eq!(lifecycle_id, "a");
                assert!(*certified);
            }
            other => panic!("a reason dialog, got {other:?}"),
        }
    }

    #[test]
    fn enter_opens_the_timeline_and_the_key_closes_its_screen() {
        let mut s = state();
        press(&mut s, 'i');
        press(&mut s, '\n');
        assert!(matches!(s.screen(), Screen::Timeline { id, .. } if id == "b"));
        press(&mut s, 'W');
        assert_eq!(s.screen(), &Screen::Production { scroll: 0 });
        press(&mut s, 'W');
        assert!(matches!(s.screen(), Screen::Timeline { .. }));
    }

    #[test]
    fn x_rejects_and_p_is_refused_with_the_rule_on_a_qa_row() {
        let mut s = state();
        press(&mut s, 'i');
        press(&mut s, 'x');
        assert!(
            matches!(&s.dialog, Some(Dialog::Reason { certified: false, lifecycle_id, .. }) if lifecycle_id == "b")
        );
        s.dialog = None;
        press(&mut s, 'p');
        match &s.dialog {
            Some(Dialog::Refused { sentence, .. }) => {
                assert!(
                    sentence.contains(EventKind::QaCertificationResponse.name()),
                    "{sentence}"
                );
            }
            other => panic!("a refusal, got {other:?}"),
        }
    }
}
