//! The execution log screen (`l`): the event's execution, the states it went
//! through with their times, the failing state's error and cause, and the
//! links to follow next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::theme::Theme;
use crate::app::state::State;
use crate::lifecycle::{EventStatus, format_duration};

/// The screen's lines at `width`, long ones (a console link, a cause)
/// wrapped under their own text (what `max_scroll` measures, too).
pub fn lines(state: &State, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in raw_lines(state, theme) {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let style = line
            .spans
            .first()
            .map_or(line.style, |s| s.style.patch(line.style));
        let hang = hang_of(&text);
        for piece in wrap(&text, usize::from(width), hang) {
            out.push(Line::styled(piece, style));
        }
    }
    out
}

/// Where a wrapped line's continuation starts: under a link's address
/// (after its label), else under the line's own text.
fn hang_of(text: &str) -> usize {
    let indent = text.chars().take_while(|c| *c == ' ' || *c == '▶').count();
    match text.find("https://").or_else(|| text.find("s3://")) {
        Some(at) => text[..at].chars().count(),
        None => indent + 2,
    }
}

/// `text` cut into rows of `width`: at the last space that fits when there
/// is one (prose), else at the edge (an address has no space); rows after
/// the first start `hang` columns in.
pub(super) fn wrap(text: &str, width: usize, hang: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width < hang + 20 {
        return vec![text.to_string()];
    }
    let mut rows = Vec::new();
    let mut rest: &[char] = &chars;
    let mut first = true;
    while !rest.is_empty() {
        let room = if first { width } else { width - hang };
        let mut take = rest.len().min(room);
        if take < rest.len()
            && let Some(space) = rest[..take].iter().rposition(|c| *c == ' ')
            && space > room / 2
        {
            take = space + 1;
        }
        let piece: String = rest[..take].iter().collect();
        let piece = piece.trim_end();
        rows.push(if first {
            piece.to_string()
        } else {
            format!("{}{}", " ".repeat(hang), piece.trim_start())
        });
        rest = &rest[take..];
        first = false;
    }
    rows
}

/// The screen's lines before wrapping.
fn raw_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
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
    // What the run recorded on the event: an execution that SUCCEEDED may
    // have recorded a failure (the smoke test failed, the workflow did not).
    // Said once both ran, or when the record and the execution disagree.
    let running = log
        .execution
        .as_ref()
        .is_none_or(|e| e.status == crate::lifecycle::execution::RunStatus::Running);
    if !(log.recorded_status == EventStatus::InProgress && running) {
        let status = log.recorded_status;
        let reason = log
            .recorded_reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map_or_else(String::new, |r| format!(": {r}"));
        out.push(Line::styled(
            format!(
                "  recorded {} {} (try {}){reason}",
                status.glyph(),
                status.word(),
                log.attempt
            ),
            theme.status(status),
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
        for (i, (what, to)) in log.links.iter().enumerate() {
            let (mark, style) = if i == view.link {
                ("▶ ", theme.row_selected)
            } else {
                ("  ", theme.base)
            };
            out.push(Line::styled(format!("{mark}{what:<16} {to}"), style));
        }
    }
    out
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let lines = lines(state, theme, area.width);
    super::pages::page(
        frame,
        area,
        theme,
        state,
        " Execution log ".to_string(),
        lines,
        scroll,
    );
}
