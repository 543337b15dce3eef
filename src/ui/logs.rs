//! The execution log screen (`l`): the event's execution, the states it went
//! through with their times, the failing state's error and cause, and the
//! links to follow next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::theme::Theme;
use crate::app::state::State;
use crate::lifecycle::format_duration;

/// The screen's lines (what `max_scroll` measures, too).
pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let Some(view) = &state.logs else {
        return vec![Line::from("  No execution log open.")];
    };
    let mut out = vec![Line::styled(
        format!(
            "{} ({}) of {}",
            view.at.event,
            view.at.stage.label(),
            view.lifecycle_id
        ),
        theme.header,
    )];
    let log = match &view.result {
        None => {
            out.push(Line::from("  Reading the execution…"));
            return out;
        }
        Some(Err(e)) => {
            out.push(Line::styled(
                format!("  Cannot read it: {e}"),
                theme.notice_error,
            ));
            return out;
        }
        Some(Ok(log)) => log,
    };
    let Some(arn) = &log.execution_arn else {
        out.push(Line::from(format!(
            "  try {}: this event has not run a workflow.",
            log.attempt
        )));
        return out;
    };
    out.push(Line::from(format!(
        "  try {}  execution {arn}",
        log.attempt
    )));
    if let Some(e) = &log.execution {
        let took = match (e.started_at, e.stopped_at) {
            (Some(start), Some(stop)) => format!("  took {}", format_duration(stop - start)),
            (Some(start), None) => format!("  running for {}", format_duration(state.now - start)),
            _ => String::new(),
        };
        out.push(Line::styled(
            format!("  status {}{took}", e.status.name()),
            if e.status.is_broken() {
                theme.status_failed
            } else {
                theme.base
            },
        ));
    }
    if let Some(err) = &log.read_error {
        out.push(Line::styled(
            format!("  unreadable: {err}"),
            theme.notice_warn,
        ));
    }
    if let Some(path) = &log.path {
        out.push(Line::from(""));
        out.push(Line::styled(
            format!("  {:<32} {:<9} {:>7}", "STATE", "ENTERED", "TOOK"),
            theme.column_header,
        ));
        let running = log
            .execution
            .as_ref()
            .is_none_or(|e| e.status == crate::lifecycle::execution::RunStatus::Running);
        for s in &path.states {
            // A state never left: still running, or where the run ended.
            let took = match s.exited_at {
                Some(end) => format_duration(end - s.entered_at),
                None if running => "running".to_string(),
                None if s.error.is_some() => "failed".to_string(),
                None => "ended".to_string(),
            };
            let style = if s.error.is_some() {
                theme.status_failed
            } else {
                theme.base
            };
            out.push(Line::styled(
                format!(
                    "  {:<32} {:<9} {took:>7}",
                    s.name,
                    s.entered_at.format("%H:%M:%S")
                ),
                style,
            ));
        }
        if path.truncated {
            out.push(Line::styled(
                "  (only the first 5000 history events were read)",
                theme.dim,
            ));
        }
        if let Some(failing) = path.failing_state() {
            out.push(Line::from(""));
            let error = failing.error.as_ref().or(path.error.as_ref());
            out.push(Line::styled(
                format!(
                    "  failed in {}: {}",
                    failing.name,
                    error.map_or("-", String::as_str)
                ),
                theme.status_failed,
            ));
            if let Some(cause) = failing.cause.as_ref().or(path.cause.as_ref()) {
                out.push(Line::styled(
                    format!("  cause: {cause}"),
                    theme.status_failed,
                ));
            }
        }
    }
    if !log.links.is_empty() {
        out.push(Line::from(""));
        out.push(Line::styled("  Where to look next", theme.header));
        for (what, to) in &log.links {
            out.push(Line::from(format!("  {what:<16} {to}")));
        }
    }
    out
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let lines = lines(state, theme);
    super::pages::page(
        frame,
        area,
        theme,
        " Execution log ".to_string(),
        lines,
        scroll,
    );
}
