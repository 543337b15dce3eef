//! Key presses: the filter bar and dialogs take keys first, then the live
//! keymap turns a key into a [`Command`] for the screen on top.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Effect;
use super::filter::Filter;
use super::keymap::Command;
use super::rows::{Sort, SortColumn};
use super::state::{Level, Screen, State};

pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        state.dirty = false;
        return Vec::new();
    }
    if is_ctrl_c(&key) {
        // Always the clean way out, whatever has the keys: the filter bar, a
        // form or a dialog. A second Ctrl-C while asked about work in flight quits.
        if state.in_flight > 0 && !matches!(state.dialog, Some(super::state::Dialog::QuitWhileBusy))
        {
            state.dialog = Some(super::state::Dialog::QuitWhileBusy);
        } else {
            state.should_quit = true;
        }
        return Vec::new();
    }
    if state.dialog.is_some() {
        return super::dialogs::key(state, key);
    }
    if state.filter_input.is_some() {
        filter_key(state, key);
        return Vec::new();
    }
    if state.feed.filter_input.is_some() {
        super::feed_keys::filter_key(state, key);
        return Vec::new();
    }
    if state.palette_input.is_some() {
        return palette_key(state, key);
    }
    if let Some(command) = state.keymap.command_for(&key) {
        run_command(state, command)
    } else {
        state.dirty = false;
        Vec::new()
    }
}

fn filter_key(state: &mut State, key: KeyEvent) {
    let Some(input) = state.filter_input.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Enter => {
            // A bad filter is never applied: the bar stays open with its error
            // until it is fixed or cancelled.
            let text = input.clone();
            apply_filter(state, &text);
            if state.filter_error.is_none() {
                state.filter_input = None;
            }
            return;
        }
        KeyCode::Esc => {
            input.clear();
            state.filter_input = None;
        }
        _ => {
            if !edit_text(input, &key) {
                state.dirty = false;
                return;
            }
        }
    }
    let text = state.filter_input.clone().unwrap_or_default();
    apply_filter(state, &text);
}

/// Keys of the `:` bar: Enter runs the line (a bad one keeps the bar open
/// with its sentence), Esc closes it.
fn palette_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(input) = state.palette_input.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Enter => match super::palette::parse(input) {
            Ok(command) => {
                state.palette_input = None;
                state.palette_error = None;
                state.palette_choices.clear();
                super::palette::run(state, command)
            }
            Err(sentence) => {
                state.palette_error = Some(sentence);
                Vec::new()
            }
        },
        KeyCode::Esc => {
            state.palette_input = None;
            state.palette_error = None;
            state.palette_choices.clear();
            Vec::new()
        }
        KeyCode::Tab => {
            let line = input.clone();
            let done = super::complete::complete(state, &line);
            state.palette_input = Some(done.line);
            state.palette_error = None;
            state.palette_choices = done.choices;
            Vec::new()
        }
        _ => {
            state.palette_choices.clear();
            if edit_text(input, &key) {
                state.palette_error = None;
            } else {
                state.dirty = false;
            }
            Vec::new()
        }
    }
}

/// Whether `key` is Ctrl-C.
pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    is_ctrl(key) && matches!(key.code, KeyCode::Char('c' | 'C'))
}

/// Whether `key` is a Ctrl combination (AltGr, reported as Ctrl+Alt, types).
pub fn is_ctrl(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && !key.modifiers.contains(KeyModifiers::ALT)
}

/// Edits a one-line text input: typing, Backspace, Ctrl-U (clear) and Ctrl-W
/// (delete the previous word). Other Ctrl combinations and keys such as
/// Left/Right/Home/End do nothing. Returns whether the text changed.
pub fn edit_text(input: &mut String, key: &KeyEvent) -> bool {
    let before = input.len();
    match key.code {
        KeyCode::Char('u' | 'U') if is_ctrl(key) => input.clear(),
        KeyCode::Char('w' | 'W') | KeyCode::Backspace if is_ctrl(key) => {
            let kept = input.trim_end().len();
            input.truncate(kept);
            let start = input
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(i, c)| i + c.len_utf8());
            input.truncate(start);
        }
        KeyCode::Char(_) if is_ctrl(key) => {}
        KeyCode::Char(c) => {
            input.push(c);
            return true;
        }
        KeyCode::Backspace => {
            input.pop();
        }
        _ => {}
    }
    input.len() != before
}

/// Parses and applies a filter; a bad one keeps the previous filter and says why.
pub fn apply_filter(state: &mut State, text: &str) {
    match Filter::parse(text) {
        Ok(filter) => {
            state.filter = filter;
            state.filter_error = None;
            state.rebuild_view();
        }
        Err(message) => state.filter_error = Some(message),
    }
}

/// A command that acts on the focused lifecycle's full record when that
/// record is not held (a large table keeps compact rows): it waits, the
/// record is read, and the command runs when it comes
/// (`list_view::record_read`), if the same lifecycle is still in focus.
fn await_record(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let needs = (command.is_mutating() && command != Command::NewLifecycle)
        || matches!(command, Command::Logs | Command::CopyAmi | Command::CopyId);
    if !needs || state.read_only && command.is_mutating() || state.focused().is_some() {
        return None;
    }
    let id = state.focused_id()?;
    state.notify(super::state::Level::Info, format!("Reading {id}…"));
    state.awaiting = Some((id.clone(), command));
    if state.fetching.as_deref() == Some(id.as_str()) {
        // Already on its way (`list_view::fetch_focused`).
        return Some(Vec::new());
    }
    state.fetching = Some(id.clone());
    Some(vec![Effect::FetchLifecycle { id }])
}

/// Runs one command on the screen on top.
pub fn run_command(state: &mut State, command: Command) -> Vec<Effect> {
    if let Some(effects) = await_record(state, command) {
        return effects;
    }
    if command.is_mutating() {
        return super::flow::begin(state, command);
    }
    let on_list = matches!(state.screen(), Screen::List);
    if let Some(effects) = super::feed_keys::command(state, command) {
        return effects;
    }
    if let Some(effects) = super::inbox::command(state, command) {
        return effects;
    }
    match command {
        // `q` on the help screen closes it, as in k9s and lazygit; quitting
        // is one `q` away from any other screen.
        Command::Quit if matches!(state.screen(), Screen::Help { .. }) => {
            state.screens.pop();
        }
        Command::Quit => {
            if state.in_flight > 0 {
                state.dialog = Some(super::state::Dialog::QuitWhileBusy);
            } else {
                state.should_quit = true;
            }
        }
        // `?` toggles the help screen.
        Command::Help => {
            if matches!(state.screen(), Screen::Help { .. }) {
                state.screens.pop();
            } else {
                state.screens.push(Screen::Help { scroll: 0 });
            }
        }
        Command::Notices => {
            if !matches!(state.screen(), Screen::Notices { .. }) {
                state.screens.push(Screen::Notices { scroll: 0 });
            }
        }
        Command::Back => {
            if state.screens.len() > 1 {
                state.screens.pop();
            } else if !state.filter.is_empty() {
                apply_filter(state, "");
            }
        }
        Command::Up | Command::Down | Command::Top | Command::Bottom => {
            move_by(state, command);
        }
        Command::PageUp | Command::PageDown => move_by(state, command),
        Command::Open => {
            if let Some(id) = state.selected_id().filter(|_| on_list) {
                let id = id.to_string();
                state.screens.push(Screen::Timeline { id, scroll: 0 });
                return super::images::fetch_wanted(state, false);
            }
        }
        Command::Detail => {
            if let Some(id) = state.focused_id() {
                state.screens.push(Screen::Detail { id, scroll: 0 });
            }
        }
        Command::WhereUsed if !matches!(state.screen(), Screen::WhereUsed { .. }) => {
            if let Some(id) = state.focused_id() {
                state.screens.push(Screen::WhereUsed { id, scroll: 0 });
            }
        }
        Command::Refresh => {
            let mut effects = super::update::start_load(state);
            if let Screen::Timeline { id, .. }
            | Screen::Detail { id, .. }
            | Screen::WhereUsed { id, .. } = state.screen()
            {
                let id = id.clone();
                state.lifecycle_errors.remove(&id);
                effects.push(Effect::FetchLifecycle { id });
            }
            return effects;
        }
        Command::Filter if on_list => {
            state.filter_input = Some(state.filter.text.clone());
        }
        Command::SortNext if on_list => {
            state.sort.column = state.sort.column.next();
            state.rebuild_view();
        }
        Command::SortReverse if on_list => {
            state.sort.descending = !state.sort.descending;
            state.rebuild_view();
        }
        Command::SortProblems if on_list => {
            // On again: back to the newest change first.
            state.sort = if state.sort.column == SortColumn::Problems {
                Sort::default()
            } else {
                Sort {
                    column: SortColumn::Problems,
                    descending: false,
                }
            };
            state.rebuild_view();
        }
        Command::CopyAmi if matches!(state.screen(), Screen::Logs { .. }) => {
            return super::logs::copy_link(state);
        }
        Command::NextLink if matches!(state.screen(), Screen::Logs { .. }) => {
            super::logs::next_link(state);
        }
        Command::CopyAmi | Command::CopyId => return copy(state, command),
        Command::Palette => {
            state.palette_input = Some(String::new());
            state.palette_error = None;
        }
        Command::Logs if !matches!(state.screen(), Screen::Logs { .. }) => {
            return super::logs::open(state);
        }
        Command::Attempts if matches!(state.screen(), Screen::Timeline { .. }) => {
            state.show_attempts = !state.show_attempts;
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

fn copy(state: &mut State, command: Command) -> Vec<Effect> {
    let Some(lc) = state.focused() else {
        state.dirty = false;
        return Vec::new();
    };
    let (what, text) = if command == Command::CopyAmi {
        if let Some((_, ami)) = lc.newest_ami() {
            ("AMI id", ami.ami_id.clone())
        } else {
            state.notify(Level::Warn, "This lifecycle has no AMI yet.");
            return Vec::new();
        }
    } else {
        ("lifecycle id", lc.lifecycle_id.clone())
    };
    state.notify(Level::Info, format!("Copied {what} {text}"));
    vec![Effect::Copy { text }]
}

pub fn move_by(state: &mut State, command: Command) {
    let page = state.list_height.max(1);
    // The same limit render applies (the loop measures it before each
    // key), so `G` then `k` moves at once.
    let max = state.scroll_limit;
    if let Some(scroll) = scroll_of(state) {
        let page = u16::try_from(page).unwrap_or(u16::MAX);
        *scroll = match command {
            Command::Up => scroll.saturating_sub(1),
            Command::Down => scroll.saturating_add(1),
            Command::Top => 0,
            Command::Bottom => max,
            Command::PageUp => scroll.saturating_sub(page),
            _ => scroll.saturating_add(page),
        }
        .min(max);
        return;
    }
    let last = state.view.len().saturating_sub(1);
    state.selected = match command {
        Command::Up => state.selected.saturating_sub(1),
        Command::Down => (state.selected + 1).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        Command::PageUp => state.selected.saturating_sub(page),
        _ => (state.selected + page).min(last),
    };
    state.clamp_selection();
}

fn scroll_of(state: &mut State) -> Option<&mut u16> {
    match state.screens.last_mut()? {
        Screen::List | Screen::Feed | Screen::Inbox { .. } => None,
        Screen::Timeline { scroll, .. }
        | Screen::Detail { scroll, .. }
        | Screen::Help { scroll }
        | Screen::Notices { scroll }
        | Screen::Raw { scroll, .. }
        | Screen::Production { scroll }
        | Screen::WhereUsed { scroll, .. }
        | Screen::Logs { scroll } => Some(scroll),
    }
}
