//! The full-page screens: the record as pretty JSON, the help generated from
//! the live keymap, and the history of notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::keymap::{Command, Scope};
use crate::app::state::{Level, State};

pub(super) fn page(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    state: &State,
    title: String,
    lines: Vec<Line>,
    scroll: u16,
) {
    let height = area.height.saturating_sub(1);
    let scroll = super::clamp_scroll(scroll, lines.len(), height);
    let keys = |a, b| {
        [state.keymap.first_key(a), state.keymap.first_key(b)]
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    };
    let more = more_hint(
        lines.len(),
        scroll,
        height,
        &keys(Command::Down, Command::PageDown),
        &keys(Command::Up, Command::PageUp),
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::from(vec![
            Span::styled(title, theme.title),
            Span::styled(more, theme.dim),
        ]));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

/// What a page that does not fit says in its title: how much is above and
/// below, and the keys that scroll (`↓ 12 more: j/PgDn`).
pub(super) fn more_hint(lines: usize, scroll: u16, height: u16, down: &str, up: &str) -> String {
    let (scroll, height) = (usize::from(scroll), usize::from(height));
    let below = lines.saturating_sub(scroll + height);
    match (scroll, below) {
        (0, 0) => String::new(),
        (0, below) => format!(" ↓ {below} more: {down} "),
        (above, 0) => format!(" ↑ {above} above: {up} "),
        (above, below) => format!(" ↑ {above} above · ↓ {below} more "),
    }
}

/// The record as pretty JSON (or a loading line).
pub fn detail_text(state: &State, id: &str) -> String {
    state.lifecycle(id).map_or_else(
        || format!("Loading lifecycle {id}…"),
        |lc| serde_json::to_string_pretty(lc).unwrap_or_else(|e| format!("cannot show: {e}")),
    )
}

pub fn detail(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, id: &str, scroll: u16) {
    let text = detail_text(state, id);
    let lines = text.lines().map(|l| Line::from(l.to_string())).collect();
    page(
        frame,
        area,
        theme,
        state,
        format!(" Record {id} "),
        lines,
        scroll,
    );
}

/// Help lines from the live keymap; mutating keys are left out when read-only.
pub fn help_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (scope, heading) in [
        (Scope::Everywhere, "Everywhere"),
        (Scope::List, "Lifecycle list"),
        (
            Scope::Lifecycle,
            "A lifecycle (list row, timeline or record)",
        ),
        (
            Scope::Notifications,
            "Notifications (n pane, F full screen: / filter, Enter raw JSON)",
        ),
    ] {
        lines.push(Line::styled(heading.to_string(), theme.header));
        for command in Command::ALL {
            if command.scope() != scope || (state.read_only && command.is_mutating()) {
                continue;
            }
            let keys: Vec<String> = state
                .keymap
                .keys(command)
                .iter()
                .map(ToString::to_string)
                .collect();
            if keys.is_empty() {
                continue;
            }
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), theme.key),
                Span::raw(command.label().to_string()),
            ]));
        }
        lines.push(Line::from(""));
    }
    if state.read_only {
        lines.push(Line::styled(
            "Read-only mode: keys that change lifecycles are off.".to_string(),
            theme.stale,
        ));
    }
    lines.push(Line::styled(
        "Filter terms: text (fuzzy) and status: event: stack: product: owner: ami: semver: id:"
            .to_string(),
        theme.dim,
    ));
    lines
}

pub fn help(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let lines = help_lines(state, theme);
    page(
        frame,
        area,
        theme,
        state,
        " Help (Esc back) ".to_string(),
        lines,
        scroll,
    );
}

/// The notices, newest first, each wrapped at `width` under its own text
/// (what `max_scroll` measures, too).
pub fn notice_lines(state: &State, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    // `HH:MM:SS warn  `: where a wrapped notice continues.
    const HANG: usize = 15;
    let mut lines = Vec::new();
    for n in state.notices.iter().rev() {
        let (word, style) = match n.level {
            Level::Info => ("info ", theme.notice_info),
            Level::Warn => ("warn ", theme.notice_warn),
            Level::Error => ("error", theme.notice_error),
        };
        let at = n.at.format("%H:%M:%S").to_string();
        let text = format!("{at} {word} {}", n.text);
        for (i, row) in super::logs::wrap(&text, usize::from(width), HANG)
            .into_iter()
            .enumerate()
        {
            let line = if i == 0 {
                let rest: String = row.chars().skip(HANG - 1).collect();
                Line::from(vec![
                    Span::raw(format!("{at} ")),
                    Span::styled(word.to_string(), style),
                    Span::raw(rest),
                ])
            } else {
                Line::from(row)
            };
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No notices yet.".to_string(), theme.dim));
    }
    lines
}

pub fn notices(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let lines = notice_lines(state, theme, area.width);
    page(
        frame,
        area,
        theme,
        state,
        " Notices, newest first ".to_string(),
        lines,
        scroll,
    );
}
