//! The retire dialog: the choice (deprecate now or at a time, disable,
//! delete, restore), then the preview of everything it touches
//! (`lifecycle::retire::preview_lines`), the rules that hold it back with
//! the break-glass fields, and the confirmation (the AMI id for delete).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::approval::OVERRIDE_WORD;
use crate::app::retire::{Choice, Field, RetireForm, Step};
use crate::app::state::State;
use crate::lifecycle::retire::preview_lines;

fn title(form: &RetireForm) -> String {
    let short: String = form.lifecycle_id.chars().take(8).collect();
    format!(" Retire {short} ({}) ", form.stage.label())
}

fn choose_lines(form: &RetireForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from("What should happen to this stage's AMIs?")];
    for choice in Choice::ALL {
        let on = choice == form.choice;
        let marker = if on { "▶ " } else { "  " };
        let style = if on { theme.button_focused } else { theme.base };
        out.push(Line::from(vec![
            Span::styled(marker.to_string(), theme.key),
            Span::styled(choice.label().to_string(), style),
        ]));
        if choice == Choice::DeprecateAt && on {
            out.push(Line::from(vec![
                Span::styled("    at> ".to_string(), theme.key),
                Span::raw(format!("{}█", form.at)),
                Span::styled(
                    "  2026-12-31T00:00:00Z, 2026-12-31 or +7d".to_string(),
                    theme.dim,
                ),
            ]));
        }
    }
    out
}

fn field(label: &str, value: &str, focused: bool, theme: &Theme) -> Line<'static> {
    let marker = if focused { "▶ " } else { "  " };
    let cursor = if focused { "█" } else { "" };
    Line::from(vec![
        Span::styled(format!("{marker}{label:<9}"), theme.key),
        Span::raw(format!("{value}{cursor}")),
    ])
}

/// The preview's lines, styled: references and missing AMIs stand out.
fn preview_body(state: &State, form: &RetireForm, theme: &Theme) -> Vec<Line<'static>> {
    let Some(preview) = &form.preview else {
        return Vec::new();
    };
    preview_lines(preview, state.now)
        .into_iter()
        .map(|text| {
            let style = if text.contains("used by ")
                || text.contains("deregistered/missing")
                || text.starts_with("  in production")
            {
                theme.notice_warn
            } else if text.contains("not checked here") || text.starts_with("  lookup rows") {
                theme.dim
            } else {
                theme.base
            };
            Line::styled(text, style)
        })
        .collect()
}

/// The part under the preview: the rules, the fields, the keys.
fn confirm_lines(form: &RetireForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for rule in &form.rules {
        out.push(Line::styled(format!("✘ {rule}"), theme.notice_error));
    }
    if !form.rules.is_empty() {
        out.push(Line::from(format!(
            "To go ahead anyway, type `{OVERRIDE_WORD}` and a reason: recorded with your name, like four eyes."
        )));
        out.push(field(
            "Type",
            &form.word,
            form.focus == Some(Field::Word),
            theme,
        ));
        out.push(field(
            "Reason",
            &form.reason,
            form.focus == Some(Field::Reason),
            theme,
        ));
    }
    if form.choice == Choice::Delete {
        let ami = form.expected_ami().unwrap_or("?");
        out.push(Line::styled(
            format!("DELETE is final: type {ami} to confirm."),
            theme.stale,
        ));
        out.push(field(
            "AMI id",
            &form.typed_ami,
            form.focus == Some(Field::Ami),
            theme,
        ));
    }
    out
}

fn keys_line(form: &RetireForm, theme: &Theme) -> Line<'static> {
    let text = match form.step {
        Step::Choose => "↑/↓ choose · Enter preview · Esc cancel (nothing changes)",
        Step::Preview if form.fields().is_empty() => {
            "y confirms · ↑/↓ PgUp/PgDn scroll · Esc cancels (nothing changes)"
        }
        Step::Preview => {
            "Enter confirms · Tab next field · ↑/↓ PgUp/PgDn scroll · Esc cancels (nothing changes)"
        }
    };
    Line::styled(text.to_string(), theme.dim)
}

fn rows(lines: &[Line], inner: u16) -> u16 {
    let n = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(inner.max(1));
    u16::try_from(n).unwrap_or(u16::MAX)
}

pub fn render(state: &State, form: &RetireForm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = 120.min(area.width.saturating_sub(2));
    let inner = width.saturating_sub(2);
    let body = match form.step {
        Step::Choose => choose_lines(form, theme),
        Step::Preview => super::timeline::hang(preview_body(state, form, theme), inner),
    };
    let mut tail = match form.step {
        Step::Choose => Vec::new(),
        Step::Preview => confirm_lines(form, theme),
    };
    if let Some(error) = &form.error {
        tail.push(Line::styled(format!("✘ {error}"), theme.notice_error));
    }
    tail.push(keys_line(form, theme));
    let tail_rows = rows(&tail, inner);
    let body_rows = rows(&body, inner);
    // The preview scrolls inside the room left once the fields are placed.
    let height = (body_rows + tail_rows + 2).min(area.height.saturating_sub(2));
    let rect = super::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title(form), theme.title))
        .style(theme.dialog);
    // How much of the preview is out of sight, so nothing is missed.
    let room = height.saturating_sub(tail_rows + 2);
    let scroll = super::clamp_scroll(form.scroll, usize::from(body_rows), room);
    let below = body_rows.saturating_sub(scroll.saturating_add(room));
    if scroll > 0 || below > 0 {
        block = block.title_bottom(Span::styled(
            format!(" ↑ {scroll} more · ↓ {below} more (↑/↓ PgUp/PgDn) "),
            theme.key,
        ));
    }
    let inside = block.inner(rect);
    frame.render_widget(block, rect);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(tail_rows)]).areas(inside);
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        top,
    );
    frame.render_widget(Paragraph::new(tail).wrap(Wrap { trim: false }), bottom);
}
