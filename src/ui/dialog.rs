//! Modal dialogs: confirmation (naming lifecycle, AMI, event, account and
//! region, focused on Cancel), the reason form, the MINOR/PATCH choice,
//! refusals and the quit-while-busy question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::approval::{OVERRIDE_WORD, OverrideField, OverrideForm};
use crate::app::create::{CreateForm, FIELDS, Pipelines};
use crate::app::state::Dialog;
use crate::lifecycle::Bump;

fn button(label: &str, focused: bool, theme: &Theme) -> Span<'static> {
    if focused {
        Span::styled(format!("[ {label} ]"), theme.button_focused)
    } else {
        Span::raw(format!("  {label}  "))
    }
}

pub fn render(dialog: &Dialog, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (title, lines) = match dialog {
        Dialog::Confirm {
            lines,
            confirm_focused,
            typed_ami,
            ..
        } => {
            // Labels line up at the longest one ("AMI eu-west-1").
            let label_width = lines
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0)
                .max(10);
            let mut out: Vec<Line> = lines
                .iter()
                .map(|(k, v)| {
                    Line::from(vec![
                        Span::styled(format!("{k:<label_width$} "), theme.dim),
                        Span::raw(v.clone()),
                    ])
                })
                .collect();
            out.push(Line::from(""));
            if let Some(typed) = typed_ami {
                out.push(Line::styled(
                    "PRODUCTION stack tag: type the AMI id to confirm, Enter to go, Esc to cancel."
                        .to_string(),
                    theme.stale,
                ));
                out.push(Line::from(vec![
                    Span::styled("> ", theme.key),
                    Span::raw(format!("{}█", typed.input)),
                ]));
                if let Some(error) = &typed.error {
                    out.push(Line::styled(error.clone(), theme.stale));
                }
            } else {
                out.push(Line::from(vec![
                    button("Cancel", !confirm_focused, theme),
                    Span::raw("   "),
                    button("Confirm (y)", *confirm_focused, theme),
                ]));
                out.push(Line::styled(
                    "y confirms · Esc or n cancels · Tab moves".to_string(),
                    theme.dim,
                ));
            }
            ("Confirm", out)
        }
        Dialog::Reason {
            certified,
            input,
            error,
            ..
        } => {
            let verb = if *certified { "Certify" } else { "Reject" };
            let mut out = vec![
                Line::from(format!("{verb} this AMI. A reason is required.")),
                Line::from(vec![
                    Span::styled("Reason> ", theme.key),
                    Span::raw(format!("{input}█")),
                ]),
            ];
            if let Some(error) = error {
                out.push(Line::styled(format!("✘ {error}"), theme.notice_error));
            }
            out.push(Line::styled(
                "Enter continue · Esc cancel".to_string(),
                theme.dim,
            ));
            (verb, out)
        }
        Dialog::PatchChoice { bump, .. } => (
            "Start a patch cycle",
            vec![
                Line::from("Which version component does the patch bump?"),
                Line::from(vec![
                    button("MINOR (m)", *bump == Bump::Minor, theme),
                    Span::raw("   "),
                    button("PATCH (p)", *bump == Bump::Patch, theme),
                ]),
                Line::styled("Enter continue · Esc cancel".to_string(), theme.dim),
            ],
        ),
        Dialog::Refused { title, sentence } => (
            title.as_str(),
            vec![
                Line::styled(format!("✘ {sentence}"), theme.notice_error),
                Line::from("Nothing was changed."),
                Line::styled("Esc or Enter closes".to_string(), theme.dim),
            ],
        ),
        Dialog::Create(form) => ("New lifecycle", create_lines(form, theme)),
        Dialog::Override(form) => (
            "Approval refused: break glass?",
            override_lines(form, theme),
        ),
        Dialog::QuitWhileBusy => (
            "Quit?",
            vec![
                Line::from(
                    "An action is still running. Quit anyway? Its result will not be shown.",
                ),
                Line::styled("y quits · n or Esc stays".to_string(), theme.dim),
            ],
        ),
    };
    let width = 76.min(area.width.saturating_sub(2));
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    // +1: word wrapping can take a row more than the estimate.
    let height = u16::try_from(rows).unwrap_or(20) + 3;
    let rect = super::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The new-lifecycle form: one line per field, the focused one with a cursor.
fn create_lines(form: &CreateForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, (label, value)) in FIELDS.iter().zip(form.values.iter()).enumerate() {
        let focused = form.focus == i;
        let marker = if focused { "▶ " } else { "  " };
        let cursor = if focused { "█" } else { "" };
        out.push(Line::from(vec![
            Span::styled(format!("{marker}{label:<22}"), theme.key),
            Span::raw(format!("{value}{cursor}")),
        ]));
    }
    let choice = match &form.pipelines {
        Pipelines::Loading => "looking for Image Builder pipelines…".to_string(),
        Pipelines::None { why } => format!("{} ({why})", form.pipeline_label()),
        Pipelines::Found(list) => {
            format!("◀ {} ▶  ({} available)", form.pipeline_label(), list.len())
        }
    };
    let marker = if form.focus == FIELDS.len() {
        "▶ "
    } else {
        "  "
    };
    out.push(Line::from(vec![
        Span::styled(format!("{marker}{:<22}", "Pipeline"), theme.key),
        Span::raw(choice),
    ]));
    if let Some(error) = &form.error {
        out.push(Line::styled(format!("✘ {error}"), theme.notice_error));
    }
    out.push(Line::styled(
        "Enter reviews, then y creates and starts AMI_BUILD · Tab next field · ←/→ pipeline · Esc cancel"
            .to_string(),
        theme.dim,
    ));
    out
}

/// The break-glass form: what refuses (the checklist, ✔ and ✘), the word
/// to type and the reason, each with a cursor when focused.
fn override_lines(form: &OverrideForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(format!("{}:", form.op.describe()))];
    if form.checks.is_empty() {
        for blocker in &form.blockers {
            out.push(Line::styled(format!("✘ {blocker}"), theme.notice_error));
        }
    } else {
        for check in &form.checks {
            let style = if check.ok {
                theme.dim
            } else {
                theme.notice_error
            };
            out.push(Line::styled(check.to_string(), style));
        }
    }
    out.push(Line::from(""));
    out.push(Line::from(format!(
        "To go ahead anyway, type `{OVERRIDE_WORD}` and a reason: both are recorded on the event and in its notification."
    )));
    let field = |label: &str, value: &str, focused: bool| {
        let marker = if focused { "▶ " } else { "  " };
        let cursor = if focused { "█" } else { "" };
        Line::from(vec![
            Span::styled(format!("{marker}{label:<9}"), theme.key),
            Span::raw(format!("{value}{cursor}")),
        ])
    };
    out.push(field("Type", &form.word, form.focus == OverrideField::Word));
    out.push(field(
        "Reason",
        &form.reason,
        form.focus == OverrideField::Reason,
    ));
    if let Some(error) = &form.error {
        out.push(Line::styled(format!("✘ {error}"), theme.notice_error));
    }
    out.push(Line::styled(
        "Enter goes on to the confirmation · Tab next field · Esc cancels (nothing changes)"
            .to_string(),
        theme.dim,
    ));
    out
}
