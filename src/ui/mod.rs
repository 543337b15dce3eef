//! Rendering: one module per screen or region. Draws state; does no I/O and
//! mutates nothing.

mod dialog;
mod end_of_life;
mod feed;
mod fit;
mod footer;
mod header;
mod image;
mod inbox;
mod list;
mod logs;
mod pages;
mod production;
mod retire_dialog;
mod small;
pub mod theme;
mod timeline;
mod timeline_row;
mod where_used;

#[cfg(test)]
mod approvals_tests;
#[cfg(test)]
mod attempts_tests;
#[cfg(test)]
mod inbox_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod where_used_tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::event_loop::View;
use crate::app::layout::PANE_HEIGHT;
use crate::app::state::{Screen, State};
use theme::Theme;

/// The smallest terminal the layout is designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Whether the split notifications pane shows under the screen on top.
fn shows_pane(state: &State) -> bool {
    state.feed.pane_open && !matches!(state.screen(), Screen::Feed | Screen::Raw { .. })
}

/// Rows of the page area under its top border, for the screen on top.
fn page_height(state: &State) -> u16 {
    let pane = if shows_pane(state) { PANE_HEIGHT } else { 0 };
    // Header 2, status 1, footer 1, the page's top border 1.
    state.height.saturating_sub(5 + pane)
}

/// The largest scroll offset the screen on top can show: the same limit
/// render applies, so update() never stores a scroll past the end.
pub fn max_scroll(state: &State) -> u16 {
    let theme = Theme::dark();
    let lines = match state.screen() {
        Screen::List | Screen::Feed | Screen::Inbox { .. } => 0,
        Screen::Timeline { id, .. } => state.lifecycle(id).map_or(0, |lc| {
            let lines = timeline::lines_with(
                lc,
                &theme,
                state.now,
                state.watch.as_ref(),
                &state.images,
                state.width,
                timeline::Options::of(state),
            );
            // Rows once wrapped, not lines: `G` must reach the end at 80x24.
            timeline::rendered_rows(&lines, state.width)
        }),
        Screen::Detail { id, .. } => pages::detail_text(state, id).lines().count(),
        Screen::Help { .. } => pages::help_lines(state, &theme).len(),
        Screen::Notices { .. } => pages::notice_lines(state, &theme, state.width).len(),
        Screen::Raw { message_id, .. } => feed::raw_lines(state, message_id).len(),
        Screen::Production { .. } => production::lines(state, &theme).len(),
        Screen::WhereUsed { id, .. } => where_used::rendered_rows(state, &theme, id, state.width),
        Screen::Logs { .. } => logs::lines(state, &theme, state.width).len(),
    };
    clamp_scroll(u16::MAX, lines, page_height(state))
}

/// The dashboard's view: draws with one theme and measures how far each
/// screen may scroll. The event loop calls it through [`View`].
#[derive(Debug, Clone)]
pub struct Renderer {
    pub theme: Theme,
}

impl View for Renderer {
    fn draw(&self, state: &State, frame: &mut Frame) {
        render(state, &self.theme, frame);
    }

    fn max_scroll(&self, state: &State) -> u16 {
        max_scroll(state)
    }
}

/// Draws the whole dashboard.
pub fn render(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    frame.render_widget(Clear, area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::styled("terminal too small", theme.stale),
            Line::from(format!(
                "{}x{} here; amiboard needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            )),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [head, body, status, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(state, theme, frame, head);
    let body = if shows_pane(state) {
        let [top, pane] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(PANE_HEIGHT)]).areas(body);
        feed::pane(state, theme, frame, pane);
        top
    } else {
        body
    };
    match state.screen() {
        Screen::List => list::render(state, theme, frame, body),
        Screen::Timeline { id, scroll } => timeline::render(state, theme, frame, body, id, *scroll),
        Screen::Detail { id, scroll } => pages::detail(state, theme, frame, body, id, *scroll),
        Screen::Help { scroll } => pages::help(state, theme, frame, body, *scroll),
        Screen::Notices { scroll } => pages::notices(state, theme, frame, body, *scroll),
        Screen::Feed => feed::full(state, theme, frame, body),
        Screen::Raw { message_id, scroll } => {
            feed::raw(state, theme, frame, body, message_id, *scroll);
        }
        Screen::Inbox { selected } => inbox::render(state, theme, frame, body, *selected),
        Screen::Production { scroll } => production::render(state, theme, frame, body, *scroll),
        Screen::Logs { scroll } => logs::render(state, theme, frame, body, *scroll),
        Screen::WhereUsed { id, scroll } => {
            where_used::render(state, theme, frame, body, id, *scroll);
        }
    }
    footer::status_line(state, theme, frame, status);
    footer::render(state, theme, frame, foot);
    match &state.dialog {
        Some(crate::app::state::Dialog::Retire(form)) => {
            retire_dialog::render(state, form, theme, frame, area);
        }
        Some(d) => dialog::render(d, theme, frame, area),
        None => {}
    }
}

/// A rectangle of `width` x `height` centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Clamps a scroll offset to content of `lines` lines in a view `height` high.
pub(crate) fn clamp_scroll(scroll: u16, lines: usize, height: u16) -> u16 {
    let max = u16::try_from(lines.saturating_sub(usize::from(height))).unwrap_or(u16::MAX);
    scroll.min(max)
}
