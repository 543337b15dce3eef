//! Keys for the notifications pane and its full screen: toggle, pause/freeze,
//! autoscroll, the feed's own filter, moving the selection and opening the
//! raw JSON of one message.

use crossterm::event::{KeyCode, KeyEvent};

use super::action::Effect;
use super::keymap::Command;
use super::state::{Screen, State};

/// Handles `command` when it concerns the feed; `None` lets the normal
/// handling run.
pub fn command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let on_feed = matches!(state.screen(), Screen::Feed);
    match command {
        Command::NotificationsPane => {
            state.feed.pane_open = !state.feed.pane_open;
            state.list_height = super::layout::list_rows_for(state.height, state.feed.pane_open);
            state.clamp_selection();
        }
        Command::NotificationsFull => {
            if on_feed {
                state.screens.pop();
            } else {
                state.screens.push(Screen::Feed);
            }
        }
        Command::Pause => state.feed.toggle_pause(),
        Command::Autoscroll => {
            state.feed.autoscroll = !state.feed.autoscroll;
            if state.feed.autoscroll {
                state.feed.selected = state.feed.view().len().saturating_sub(1);
            }
        }
        Command::Filter if on_feed => {
            state.feed.filter_input = Some(state.feed.filter.clone());
        }
        Command::Open if on_feed => {
            let id = state.feed.selected_item()?.notification.message_id.clone();
            state.screens.push(Screen::Raw {
                message_id: id,
                scroll: 0,
            });
        }
        Command::Up
        | Command::Down
        | Command::Top
        | Command::Bottom
        | Command::PageUp
        | Command::PageDown
            if on_feed =>
        {
            move_selection(state, command);
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn move_selection(state: &mut State, command: Command) {
    let feed = &mut state.feed;
    let last = feed.view().len().saturating_sub(1);
    let page = state.list_height.max(1);
    feed.selected = match command {
        Command::Up => feed.selected.saturating_sub(1),
        Command::Down => (feed.selected + 1).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        Command::PageUp => feed.selected.saturating_sub(page),
        _ => (feed.selected + page).min(last),
    };
    // Moving away from the newest stops following it; the last row resumes it.
    feed.autoscroll = feed.selected == last;
}

/// Keys while the feed's filter bar is open.
pub fn filter_key(state: &mut State, key: KeyEvent) {
    let Some(mut input) = state.feed.filter_input.take() else {
        return;
    };
    match key.code {
        KeyCode::Enter => return,
        KeyCode::Esc => input.clear(),
        _ => {
            if !super::input::edit_text(&mut input, &key) {
                state.feed.filter_input = Some(input);
                state.dirty = false;
                return;
            }
        }
    }
    state.feed.set_filter(&input);
    if key.code != KeyCode::Esc {
        state.feed.filter_input = Some(input);
    }
}
