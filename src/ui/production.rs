//! The production view: per stack tag, product and region, the AMI in
//! production now (version, when and by whom promoted) and, under it, what
//! it replaced.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::inbox::{Promotion, production};
use crate::app::state::{Load, State};
use crate::lifecycle::actor::short;

/// A date column: with the time of day when there is room.
fn when(at: Option<DateTime<Utc>>, wide: bool) -> String {
    let format = if wide { "%Y-%m-%d %H:%M" } else { "%Y-%m-%d" };
    at.map_or_else(String::new, |t| t.format(format).to_string())
}

fn date_width(wide: bool) -> usize {
    if wide { 16 } else { 10 }
}

fn header_line(wide: bool, theme: &Theme) -> Line<'static> {
    let w = date_width(wide);
    let mut text = format!(
        "  {:<7}{:<22}{:<8}{:<w$}   {:<w$} BY",
        "", "AMI", "SEMVER", "PROMOTED", "REPLACED"
    );
    if wide {
        text.push_str("                   LIFECYCLE");
    }
    Line::styled(text, theme.column_header)
}

fn promotion_line(label: &'static str, p: &Promotion, wide: bool, theme: &Theme) -> Line<'static> {
    let w = date_width(wide);
    let arrow = if p.replaced_at.is_some() {
        " → "
    } else {
        "   "
    };
    let by = p
        .promoted_by
        .as_deref()
        .map_or_else(|| "-".to_string(), short);
    let mut spans = vec![
        Span::styled(format!("  {label:<7}"), theme.dim),
        Span::raw(format!(
            "{:<22}{:<8}{:<w$}{arrow}{:<w$} ",
            p.ami_id,
            p.semver.as_deref().unwrap_or("-"),
            when(p.promoted_at, wide),
            when(p.replaced_at, wide),
        )),
    ];
    if wide {
        let id: String = p.lifecycle_id.chars().take(8).collect();
        spans.push(Span::raw(format!("{by:<20} ")));
        spans.push(Span::styled(
            format!("{id} {} ({})", p.stage, p.product_version),
            theme.dim,
        ));
    } else {
        spans.push(Span::raw(by));
    }
    Line::from(spans)
}

/// The view's lines: a heading per stack tag, product and region, the
/// current AMI, then the ones it replaced, newest first.
pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    marked(state, theme).0
}

/// The view's lines and the line of the selected promotion (`u`, `X` and
/// Enter act on it), marked `▶`, each with its end-of-life facts under it
/// (superseded by, amiboard's and EC2's state).
fn marked(state: &State, theme: &Theme) -> (Vec<Line<'static>>, Option<usize>) {
    let entries = production(state);
    if entries.is_empty() {
        let text = match state.load {
            Load::Idle | Load::Loading { .. } if state.rows.is_empty() => "Loading lifecycles…",
            _ => "No AMI has been promoted to production yet.",
        };
        return (
            vec![Line::from(""), Line::styled(format!("  {text}"), theme.dim)],
            None,
        );
    }
    let rows = crate::app::end_of_life::production_rows(state).len();
    let selected = state.end_of_life.production_row.min(rows.saturating_sub(1));
    let mut row = 0usize;
    let mut selected_line = None;
    let wide = state.width >= 120;
    let mut lines = vec![header_line(wide, theme)];
    for entry in &entries {
        lines.push(Line::styled(
            format!(
                "{} · {} · {}",
                entry.stack_tag, entry.product_name, entry.region
            ),
            theme.header,
        ));
        for (label, p) in std::iter::once(("now", &entry.current))
            .chain(entry.history.iter().map(|old| ("before", old)))
        {
            let mut line = promotion_line(label, p, wide, theme);
            if row == selected {
                selected_line = Some(lines.len());
                line = line.style(theme.row_selected);
                if let Some(first) = line.spans.first_mut() {
                    first.content = format!("▶{}", &first.content[1..]).into();
                }
            }
            row += 1;
            lines.push(line);
            if let Some(note) = state.end_of_life.stage_note(&p.lifecycle_id, &p.stage) {
                lines.push(Line::styled(
                    format!("           {note}"),
                    theme.notice_warn,
                ));
            }
            // Break glass is never silent: who, when, why, over what.
            for o in &p.overrides {
                lines.push(Line::styled(
                    format!("           {}", o.line()),
                    theme.notice_warn,
                ));
            }
        }
        lines.push(Line::from(""));
    }
    (lines, selected_line)
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let (lines, selected) = marked(state, theme);
    let height = area.height.saturating_sub(1);
    // The selected row stays in sight (the arrows move the selection).
    let scroll = match selected.and_then(|s| u16::try_from(s).ok()) {
        Some(line) if line >= scroll.saturating_add(height) => {
            line.saturating_sub(height.saturating_sub(1))
        }
        Some(line) if line < scroll => line,
        _ => scroll,
    };
    let scroll = super::clamp_scroll(scroll, lines.len(), height);
    let count = production(state).len();
    let title = Line::from(vec![
        Span::styled(" Production ", theme.title),
        Span::raw(format!(
            " {count} current AMI{} by stack tag · product · region ",
            if count == 1 { "" } else { "s" }
        )),
    ]);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}
