//! The where-used screen (`u`): the where-used workflow's recorded answer
//! for one lifecycle (references by type, each AMI's EC2 state and last
//! launch, other regions "not checked here" and why) with its age, and how
//! to ask EC2 again (`U`; the CLI's `where-used --refresh` when read-only).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::keymap::Command;
use crate::app::state::State;
use crate::lifecycle::format_age;
use crate::lifecycle::retire::where_used_lines;

fn style_of(text: &str, theme: &Theme) -> ratatui::style::Style {
    if text.contains("used by ") || text.contains("deregistered/missing") {
        theme.notice_warn
    } else if text.contains("failed") {
        theme.notice_error
    } else if text.contains("not checked here") || text.contains("no references") {
        theme.dim
    } else if !text.starts_with(' ') {
        theme.header
    } else {
        theme.base
    }
}

/// The screen's lines (pure; what scrolling measures too).
pub fn lines(state: &State, theme: &Theme, id: &str) -> Vec<Line<'static>> {
    let Some(lc) = state.lifecycle(id) else {
        let text = match state.lifecycle_errors.get(id) {
            Some(error) => format!("  Lifecycle {id} could not be read: {error}"),
            None => format!("  Loading lifecycle {id}…"),
        };
        return vec![Line::styled(text, theme.dim)];
    };
    let short: String = lc.lifecycle_id.chars().take(8).collect();
    let mut out = Vec::new();
    if let Some(started) = state.end_of_life.refreshing.get(id) {
        out.push(Line::styled(
            format!(
                "Asking EC2 (where-used workflow started {}, {} ago)…",
                started.format("%H:%M:%S"),
                format_age(state.now - *started)
            ),
            theme.status_running,
        ));
    }
    // References by type over every AMI the answer covers.
    if let Some(answer) = &lc.where_used {
        let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
        for ami in &answer.ami_ids {
            for (kind, n) in answer.counts(ami) {
                *by_type.entry(kind).or_default() += n;
            }
        }
        let summary = if by_type.is_empty() {
            "none".to_string()
        } else {
            by_type
                .iter()
                .map(|(kind, n)| format!("{kind} {n}"))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        out.push(Line::from(vec![
            Span::styled("References by type: ", theme.dim),
            Span::styled(
                summary,
                if by_type.is_empty() {
                    theme.base
                } else {
                    theme.notice_warn
                },
            ),
        ]));
    }
    let peers: Vec<_> = state
        .records
        .iter()
        .filter(|p| p.stack_tag == lc.stack_tag && p.product_name == lc.product_name)
        .cloned()
        .collect();
    for text in where_used_lines(lc, &peers, state.now) {
        let style = style_of(&text, theme);
        out.push(Line::styled(text, style));
    }
    out.push(Line::from(""));
    if state.read_only {
        out.push(Line::styled(
            format!(
                "Read-only: asking EC2 again starts a workflow; a writer would run `amiboard where-used {short} --refresh`."
            ),
            theme.dim,
        ));
    } else {
        let ask = state.keymap.first_key(Command::RefreshWhereUsed);
        let reread = state.keymap.first_key(Command::Refresh);
        let retire = state.keymap.first_key(Command::Retire);
        out.push(Line::styled(
            format!(
                "{ask} asks EC2 again (starts the where-used workflow) · {reread} reads the record again · {retire} retire/restore"
            ),
            theme.dim,
        ));
    }
    out
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, id: &str, scroll: u16) {
    let lines = super::timeline::hang(lines(state, theme, id), area.width);
    let rows = Paragraph::new(lines.clone())
        .wrap(Wrap { trim: false })
        .line_count(area.width);
    let scroll = super::clamp_scroll(scroll, rows, area.height.saturating_sub(1));
    let subtitle = state.lifecycle(id).map_or_else(
        || format!(" {id} "),
        |lc| {
            format!(
                " {} {}  stack {}  {} ",
                lc.product_name, lc.product_version, lc.stack_tag, lc.lifecycle_id
            )
        },
    );
    let title = Line::from(vec![
        Span::styled(" Where used ", theme.title),
        Span::raw(subtitle),
    ]);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

/// Rows the screen takes at `width` (for `max_scroll`).
pub fn rendered_rows(state: &State, theme: &Theme, id: &str, width: u16) -> usize {
    Paragraph::new(super::timeline::hang(lines(state, theme, id), width))
        .wrap(Wrap { trim: false })
        .line_count(width)
}
