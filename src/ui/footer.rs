//! The status line (filter bar, toast or active filter) and the footer of keys
//! that apply on this screen, generated from the live keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::keymap::Command;
use crate::app::state::{Level, Screen, State};

pub fn status_line(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let line = if let Some(input) = &state.feed.filter_input {
        Line::from(vec![
            Span::styled("feed /", theme.key),
            Span::raw(format!("{input}█")),
            Span::styled("  Enter keep · Esc clear · plain text", theme.dim),
        ])
    } else if let Some(input) = &state.palette_input {
        let mut spans = vec![Span::styled(":", theme.key), Span::raw(format!("{input}█"))];
        match &state.palette_error {
            Some(error) => {
                spans.push(Span::styled(format!("  ✘ {error}"), theme.notice_error));
                spans.push(Span::styled("  · Esc cancel", theme.dim));
            }
            None if !state.palette_choices.is_empty() => spans.push(Span::styled(
                format!("  Tab: {}", state.palette_choices.join("  ")),
                theme.dim,
            )),
            None => spans.push(Span::styled(
                format!("  Enter run · Esc cancel · {}", crate::app::palette::WORDS),
                theme.dim,
            )),
        }
        Line::from(spans)
    } else if let Some(input) = &state.filter_input {
        let mut spans = vec![Span::styled("/", theme.key), Span::raw(format!("{input}█"))];
        if let Some(error) = &state.filter_error {
            spans.push(Span::styled(format!("  ✘ {error}"), theme.notice_error));
            spans.push(Span::styled("  · Esc cancel", theme.dim));
        } else {
            spans.push(Span::styled(
                "  Enter keep · Esc clear · status: event: stack: product: owner:",
                theme.dim,
            ));
        }
        Line::from(spans)
    } else if let Some(notice) = state.toast() {
        let (glyph, style) = match notice.level {
            Level::Info => ("ℹ", theme.notice_info),
            Level::Warn => ("⚠", theme.notice_warn),
            Level::Error => ("✘", theme.notice_error),
        };
        let text = format!("{glyph} {}", notice.text);
        // A toast longer than the line wraps upwards over the bottom of the
        // page (at most 4 rows), rather than being cut off.
        let rows = toast_rows(&text, area.width);
        if rows > 1 {
            let above = Rect {
                x: area.x,
                y: area.y.saturating_sub(rows - 1),
                width: area.width,
                height: rows,
            };
            frame.render_widget(ratatui::widgets::Clear, above);
            frame.render_widget(
                Paragraph::new(Line::styled(text, style))
                    .wrap(ratatui::widgets::Wrap { trim: false }),
                above,
            );
            return;
        }
        Line::styled(text, style)
    } else if !state.filter.is_empty() {
        Line::from(vec![
            Span::styled("filter ", theme.dim),
            Span::raw(state.filter.text.clone()),
            Span::styled("  (Esc clears)", theme.dim),
        ])
    } else {
        Line::from("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// How many rows a toast takes once wrapped to `width` (1 to 4).
fn toast_rows(text: &str, width: u16) -> u16 {
    let rows = Paragraph::new(text.to_string())
        .wrap(ratatui::widgets::Wrap { trim: false })
        .line_count(width.max(1));
    u16::try_from(rows).unwrap_or(4).clamp(1, 4)
}

/// The commands worth a footer slot on the screen on top.
pub fn footer_commands(state: &State) -> Vec<Command> {
    let mut commands = match state.screen() {
        Screen::List => vec![
            Command::Open,
            Command::Filter,
            Command::SortNext,
            Command::Detail,
            Command::Trigger,
            Command::Certify,
            Command::Promote,
            Command::NewLifecycle,
            Command::NotificationsPane,
            Command::Refresh,
        ],
        Screen::Timeline { .. } => vec![
            Command::Trigger,
            Command::Certify,
            Command::Reject,
            Command::Promote,
            Command::StartPatch,
            Command::Retry,
            Command::Reconcile,
            Command::NotificationsPane,
            Command::Detail,
            Command::Logs,
            Command::CopyAmi,
            Command::Back,
        ],
        Screen::Detail { .. } => vec![Command::CopyAmi, Command::CopyId, Command::Back],
        Screen::Feed => vec![
            Command::Pause,
            Command::Autoscroll,
            Command::Filter,
            Command::Open,
            Command::Back,
        ],
        Screen::Inbox { .. } => vec![
            Command::Open,
            Command::Certify,
            Command::Reject,
            Command::Promote,
            Command::Refresh,
            Command::Back,
        ],
        Screen::Production { .. } | Screen::WhereUsed { .. } => {
            vec![Command::Refresh, Command::Back]
        }
        // y only where there is a link to copy, Tab where there is another.
        Screen::Logs { .. } => match crate::app::logs::link_count(state) {
            0 => vec![Command::Back],
            1 => vec![Command::CopyAmi, Command::Back],
            _ => vec![Command::NextLink, Command::CopyAmi, Command::Back],
        },
        Screen::Help { .. } | Screen::Notices { .. } | Screen::Raw { .. } => {
            vec![Command::Back]
        }
    };
    // Only keys that do something here: no mutating key read-only, none the
    // focused lifecycle's rules refuse, no copy without something to copy.
    commands.retain(|c| {
        !(state.read_only && c.is_mutating()) && crate::app::applies::applies(state, *c)
    });
    let mut all = vec![Command::Help, Command::Quit];
    all.extend(commands);
    all.push(Command::NotificationsFull);
    all.push(Command::Notices);
    all
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for command in footer_commands(state) {
        let key = state.keymap.first_key(command);
        if key.is_empty() {
            continue;
        }
        let label = match (state.screen(), command) {
            (Screen::Feed, Command::Open) => "raw JSON",
            (Screen::Feed, Command::NotificationsFull) => "close",
            (Screen::Logs { .. }, Command::CopyAmi) => "copy link",
            (Screen::Logs { .. }, Command::NextLink) => "next link",
            _ => command.label(),
        };
        let width = key.chars().count() + label.len() + 3;
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
