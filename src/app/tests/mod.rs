//! Pure tests of update(): action sequences in, state and effects out. No
//! runtime, no terminal, a fixed clock.

mod approvals;
mod changes;
mod doctor_badge;
mod flows;
mod hardening;
mod images;
mod input_hardening;
mod list;
mod list_view;
mod list_watch;
mod live;
mod prepared;
mod records;
pub(crate) mod retire;
mod small_things;
mod stream_retry;
mod triage;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Effect, PageData};
use super::keymap::Keymap;
use super::state::{Connection, State};
use super::update::{start_load, update};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::demo::demo_lifecycles;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("time")
}

pub fn target() -> Connection {
    Connection {
        account: Some("123456789012".into()),
        actor: Some("alice".into()),
        profile: Some("default".into()),
        region: "us-east-1".into(),
        endpoint: Some("http://127.0.0.1:5000".into()),
        table: "amiboard-lifecycles".into(),
        stack_tag: None,
    }
}

pub fn demo(n: u64) -> Vec<Lifecycle> {
    demo_lifecycles(0..n, now())
}

/// A fresh lifecycle: nothing has run.
pub fn fresh(id: &str, stack: &str) -> Lifecycle {
    Lifecycle::new(id, stack, "web-frontend", "4.2", "alice", now())
}

/// Every full record the state holds, by id.
pub fn held(state: &State) -> Vec<Lifecycle> {
    let mut all: Vec<Lifecycle> = state.records.iter().cloned().collect();
    all.sort_by(|a, b| a.lifecycle_id.cmp(&b.lifecycle_id));
    all
}

/// A state with `lifecycles` loaded through the real actions.
pub fn loaded(lifecycles: Vec<Lifecycle>, read_only: bool) -> State {
    let mut state = State::new(Keymap::default(), read_only, target(), now());
    update(
        &mut state,
        Action::Resized {
            width: 120,
            height: 40,
        },
    );
    let _ = start_load(&mut state);
    let page = PageData::last(&state, lifecycles);
    last_page(&mut state, page);
    state
}

/// Hands `page` to the state as the last page of the load in flight.
pub fn last_page(state: &mut State, page: PageData) -> Vec<Effect> {
    let request = state.request;
    update(
        state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(page),
        },
    )
}

/// A key press as the event loop delivers it: the view measures the scroll
/// limit first.
pub fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    state.scroll_limit = crate::ui::max_scroll(state);
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn chars(state: &mut State, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(key(state, KeyCode::Char(c)));
    }
    effects
}

/// The screen as text after drawing `state` at its size (mono theme).
pub fn screen_text(state: &State) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut terminal =
        Terminal::new(TestBackend::new(state.width, state.height)).expect("terminal");
    let theme = crate::ui::theme::Theme::mono();
    terminal
        .draw(|f| crate::ui::render(state, &theme, f))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .map(|row| {
            row.iter()
                .map(ratatui::buffer::Cell::symbol)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
