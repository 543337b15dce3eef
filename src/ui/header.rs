//! The header: account, profile, region, endpoint (when not AWS's own),
//! table, the READ-WRITE / READ-ONLY badge, stream state, data age, and the
//! warnings to run `amiboard provision` or `amiboard doctor`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::feed::StreamStatus;
use crate::app::rows::Triage;
use crate::app::state::{Load, State};
use crate::lifecycle::EventStatus;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &state.connection;
    let mut first = vec![
        Span::styled(" amiboard ", theme.title),
        Span::raw(format!(
            " account {}  profile {}  region {}",
            t.account.as_deref().unwrap_or("…"),
            t.profile.as_deref().unwrap_or("default"),
            t.region
        )),
    ];
    if let Some(endpoint) = &t.endpoint {
        first.push(Span::raw(format!("  endpoint {endpoint}")));
    }
    first.push(Span::raw(format!("  table {}", t.table)));
    if let Some(tag) = &t.stack_tag {
        first.push(Span::raw(format!("  stack {tag}")));
    }
    let badge = if state.read_only {
        Span::styled(" READ-ONLY ", theme.badge_read_only)
    } else {
        Span::styled(" READ-WRITE ", theme.badge_read_write)
    };
    let load = match &state.load {
        // Older data stays marked while the retries run, with the reason.
        Load::Loading { .. } | Load::Failed { .. } if state.is_stale() => Span::styled(
            format!(
                "⚠ STALE: refresh failed ({}), showing data read {} (retrying)",
                state.stale_error.as_deref().unwrap_or("unknown error"),
                state.loaded_at.map_or_else(
                    || "earlier".to_string(),
                    |at| format!("{} ago", crate::lifecycle::format_duration(state.now - at))
                )
            ),
            theme.stale,
        ),
        Load::Idle => Span::raw("idle"),
        Load::Loading { pages } => Span::raw(format!(
            "loading… {} lifecycles, page {}",
            state.rows.len(),
            pages + 1
        )),
        Load::Loaded { .. } => match crate::app::changes::unvouched(state) {
            Some(text) => Span::styled(text, theme.stale),
            None => Span::raw(state.age_text()),
        },
        Load::Failed { message, .. } if state.rows.is_empty() => Span::styled(
            format!("✘ load failed: {message} (retrying)"),
            theme.status_failed,
        ),
        Load::Failed { .. } => Span::styled("⚠ STALE (retrying)".to_string(), theme.stale),
    };
    let stream_style = match state.feed.status {
        StreamStatus::Connected { .. } => theme.status_completed,
        StreamStatus::Reconnecting { .. } => theme.stale,
        StreamStatus::Starting | StreamStatus::Off { .. } => theme.dim,
    };
    let mut second = vec![badge, Span::raw(" ")];
    second.extend(counts(state, theme));
    second.extend([
        Span::raw(" "),
        Span::styled(stream_text(state), stream_style),
        Span::raw("  "),
    ]);
    if state.workflows_problem.is_some() {
        // Outdated or missing state machines: `amiboard provision` fixes it
        // (the notices screen has the whole sentence).
        let deployed = state.workflows_version.as_deref().unwrap_or("outdated");
        second.push(Span::styled(
            format!("⚠ workflows {deployed}: run amiboard provision  "),
            theme.stale,
        ));
    }
    if let Some(reason) = &state.doctor_hint {
        // A denied call or a missing resource: the deployment is not wired
        // right, and `amiboard doctor` says what to fix.
        second.push(Span::styled(
            format!("⚠ {reason}: run amiboard doctor  "),
            theme.stale,
        ));
    }
    if state.in_flight > 0 {
        second.push(Span::styled(
            format!("◐ {} action(s) running  ", state.in_flight),
            theme.status_running,
        ));
    }
    second.push(load);
    let lines = vec![Line::from(first).style(theme.header), Line::from(second)];
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}

/// The loaded lifecycles by triage group, the groups that have any
/// (`!3 error ✘2 failed ◐40 running`); `:error`, `:failed`, `:running`,
/// `:waiting` in the palette show each group.
fn counts(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for group in Triage::ALL {
        let n = state.triage_counts[group as usize];
        if n == 0 || group == Triage::Done {
            continue;
        }
        let (glyph, style) = match group {
            Triage::Error => (EventStatus::Error.glyph(), theme.status_error),
            Triage::Failed => (EventStatus::Failed.glyph(), theme.status_failed),
            Triage::Lost => ("?", theme.status_error),
            Triage::Waiting => ("◇", theme.stale),
            Triage::Running | Triage::Done => {
                (EventStatus::InProgress.glyph(), theme.status_running)
            }
        };
        spans.push(Span::styled(format!("{glyph}{n} {}", group.word()), style));
        spans.push(Span::raw(" "));
    }
    spans
}

/// The stream's label, with the countdown while it waits to start again.
fn stream_text(state: &State) -> String {
    let label = super::feed::stream_label(&state.feed);
    match state.feed.retry_label(state.now) {
        Some(retry) => format!("{label}, {retry}"),
        None => label,
    }
}
