//! The timeline of one lifecycle: the creation events, then each patch cycle,
//! with status glyph and word, times, who, attempt, reason and key outputs.
//! The next allowed event is highlighted; refused ones are dimmed with the reason.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::fit::Fitted;
use super::theme::Theme;
use super::timeline_row as row;
use crate::app::images::Images;
use crate::app::keymap::Command;
use crate::app::progress::Watch;
use crate::app::state::State;
use crate::lifecycle::actor::short;
use crate::lifecycle::rules::{check_trigger, decision_target, next_allowed};
use crate::lifecycle::{EventRecord, EventRef, EventStatus, Lifecycle, Stage};

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, id: &str, scroll: u16) {
    let Some(lc) = state.lifecycle(id) else {
        let paragraph = match state.lifecycle_errors.get(id) {
            Some(error) => {
                let mut lines = vec![Line::styled(
                    format!("  Lifecycle {id} could not be read: {error}"),
                    theme.notice_error,
                )];
                let retry = state.keymap.first_key(Command::Refresh);
                if !retry.is_empty() {
                    lines.push(Line::styled(
                        format!("  Press {retry} to read it again."),
                        theme.dim,
                    ));
                }
                Paragraph::new(lines).wrap(Wrap { trim: false })
            }
            None => Paragraph::new(format!("  Loading lifecycle {id}…")),
        };
        frame.render_widget(paragraph.block(Block::new().borders(Borders::TOP)), area);
        return;
    };
    let lines = lines_with(
        lc,
        theme,
        state.now,
        state.watch.as_ref(),
        &state.images,
        area.width,
        Options::of(state),
    );
    let title = Line::from(vec![
        Span::styled(" Timeline ", theme.title),
        Span::raw(super::timeline_row::title(lc, area.width)),
    ]);
    let height = area.height.saturating_sub(1);
    let scroll = super::clamp_scroll(scroll, rendered_rows(&lines, area.width), height);
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

/// How many rows `lines` take once wrapped to `width` (what scrolling counts:
/// a wrapped line is more than one row).
pub fn rendered_rows(lines: &[Line<'static>], width: u16) -> usize {
    Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width)
}

/// How the timeline is drawn: earlier attempts listed or folded (`h`),
/// whether this is the read-only view (which offers no "next allowed"), and
/// the region the workflows run in (other regions' AMIs are distributed, not
/// tested there).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    pub show_attempts: bool,
    pub read_only: bool,
    pub region: &'a str,
}

impl Options<'_> {
    pub fn of(state: &State) -> Options<'_> {
        Options {
            show_attempts: state.show_attempts,
            read_only: state.read_only,
            region: &state.connection.region,
        }
    }
}

/// The timeline's lines, with the running event's execution progress and the
/// build images Image Builder described (pure).
pub fn lines_with(
    lc: &Lifecycle,
    theme: &Theme,
    now: DateTime<Utc>,
    watch: Option<&Watch>,
    images: &Images,
    width: u16,
    options: Options<'_>,
) -> Vec<Line<'static>> {
    let show_attempts = options.show_attempts;
    let watch = watch.filter(|w| w.lifecycle_id == lc.lifecycle_id);
    // Read-only: nothing is allowed next, so nothing is offered.
    let next = next_allowed(lc).filter(|_| !options.read_only);
    let mut out = Vec::new();
    let layout = row::layout(lc, width);
    let semver = lc.ami_semver.as_deref().unwrap_or("-");
    out.push(Line::styled(
        format!("Creation  semver {semver}"),
        theme.header,
    ));
    let mut explained = false;
    for record in &lc.creation {
        let at = EventRef {
            stage: Stage::Creation,
            event: record.event,
        };
        event_lines(
            lc,
            at,
            record,
            next,
            theme,
            now,
            options.region,
            &layout,
            &mut explained,
            &mut out,
        );
        attempt_lines(record, show_attempts, theme, &mut out);
        progress_lines(at, record, watch, theme, now, &mut out);
        super::image::lines(record, images, theme, width, &mut out);
    }
    for cycle in &lc.patches {
        let stage = Stage::Patch(cycle.number);
        out.push(Line::from(""));
        let mut heading = format!(
            "Patch cycle {} ({})  semver {} ← {} {}",
            cycle.number, cycle.bump, cycle.semver, cycle.parent_semver, cycle.parent_ami_id
        );
        let chain = lc.parent_chain(stage);
        if chain.len() > 1 {
            for (ami, semver) in chain.iter().skip(1) {
                heading.push_str(&format!(" ← {semver} {ami}"));
            }
        }
        out.push(Line::styled(heading, theme.header));
        if let Some(description) = &cycle.description {
            out.push(Line::styled(format!("    {description}"), theme.dim));
        }
        let mut explained = false;
        for record in &cycle.events {
            let at = EventRef {
                stage,
                event: record.event,
            };
            event_lines(
                lc,
                at,
                record,
                next,
                theme,
                now,
                options.region,
                &layout,
                &mut explained,
                &mut out,
            );
            attempt_lines(record, show_attempts, theme, &mut out);
            progress_lines(at, record, watch, theme, now, &mut out);
            super::image::lines(record, images, theme, width, &mut out);
        }
    }
    hang(out, width)
}

/// Wraps the detail lines under an event (reason, outputs, attempts, the
/// refusal: one style, indented by four or more spaces) that are wider than
/// `width` so their continuation rows start under their own text, not at the
/// left edge. Other lines are left to the paragraph's wrap.
fn hang(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let single = line.spans.len() == 1;
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let indent = text.chars().take_while(|c| *c == ' ').count();
        let chars: Vec<char> = text.chars().collect();
        if !single || indent < 4 || chars.len() <= width || width < indent + 20 {
            out.push(line);
            continue;
        }
        let style = line.spans[0].style;
        let hanging = indent + 2;
        let mut rest: &[char] = &chars;
        let mut first = true;
        while !rest.is_empty() {
            let room = if first { width } else { width - hanging };
            let mut take = rest.len().min(room);
            // Break at the last space that fits, when there is one.
            if take < rest.len()
                && let Some(space) = rest[..take].iter().rposition(|c| *c == ' ')
                && space > 0
            {
                take = space + 1;
            }
            let piece: String = rest[..take].iter().collect();
            let piece = piece.trim_end().to_string();
            let text = if first {
                piece
            } else {
                format!("{}{}", " ".repeat(hanging), piece.trim_start())
            };
            out.push(Line::styled(text, style));
            rest = &rest[take..];
            first = false;
        }
    }
    out
}

/// Under an event tried more than once: its earlier attempts, folded into one
/// line naming the last one (`h` lists them all, oldest first).
fn attempt_lines(
    record: &EventRecord,
    show_all: bool,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let Some(last) = record.history.last() else {
        return;
    };
    let describe = |a: &crate::lifecycle::Attempt| {
        let mut text = format!("try {} {} {}", a.attempt, a.status.glyph(), a.status.word());
        if let Some(by) = &a.actor {
            text.push_str(&format!(" by {}", short(by)));
        }
        if a.started_at.is_some() {
            text.push_str(&format!(
                " {} → {}",
                time(a.started_at),
                time(a.finished_at)
            ));
        }
        if let Some(reason) = &a.reason {
            text.push_str(&format!(": {reason}"));
        }
        text
    };
    if show_all {
        for attempt in &record.history {
            out.push(Line::styled(
                format!("      {}", describe(attempt)),
                theme.dim,
            ));
        }
        return;
    }
    let earlier = record.history.len();
    let more = if earlier > 1 {
        format!(" (+{} more, h)", earlier.saturating_sub(1))
    } else {
        " (h)".to_string()
    };
    out.push(Line::styled(
        format!("      previous: {}{more}", describe(last)),
        theme.dim,
    ));
}

/// Under the running event: its execution's state and elapsed time, or, when
/// the execution ended without a result, ERROR with its error and cause.
fn progress_lines(
    at: EventRef,
    record: &EventRecord,
    watch: Option<&Watch>,
    theme: &Theme,
    now: DateTime<Utc>,
    out: &mut Vec<Line<'static>>,
) {
    let Some(w) = watch.filter(|w| w.event == at && record.status == EventStatus::InProgress)
    else {
        return;
    };
    if let Some(lost) = &w.lost {
        out.push(Line::styled(
            format!(
                "      {} {}: {lost}",
                EventStatus::Error.glyph(),
                EventStatus::Error.word()
            ),
            theme.status(EventStatus::Error),
        ));
        return;
    }
    let Some(p) = &w.progress else {
        let text = match &w.read_error {
            // Say why, and what a person can do (e.g. a seeded record whose
            // execution never existed).
            Some(err) => {
                format!("      execution: cannot be read: {err} (reconcile marks a lost run ERROR)")
            }
            None => "      execution: reading…".to_string(),
        };
        out.push(Line::styled(text, theme.dim));
        return;
    };
    // A running execution's elapsed time moves with the clock between polls,
    // but not past the last good read while polls fail (then it is stale).
    let until = match (&w.read_error, w.read_at) {
        (Some(_), Some(read_at)) => read_at,
        _ => now,
    };
    let elapsed = match (p.status, p.started_at) {
        (crate::lifecycle::execution::RunStatus::Running, Some(start)) => Some(until - start),
        _ => p.elapsed,
    };
    let elapsed = elapsed.map_or_else(String::new, |d| {
        format!("  elapsed {}", crate::lifecycle::format_duration(d))
    });
    let stale = match (&w.read_error, w.read_at) {
        (Some(err), Some(read_at)) => format!(
            "  STALE: last read {} ago ({err})",
            crate::lifecycle::format_duration(now - read_at)
        ),
        _ => String::new(),
    };
    out.push(Line::styled(
        format!(
            "      execution {}  state {}{elapsed}{stale}",
            p.status.name(),
            p.state.as_deref().unwrap_or("-")
        ),
        if stale.is_empty() {
            theme.status_running
        } else {
            theme.stale
        },
    ));
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| t.format("%m-%d %H:%M:%S").to_string(),
    )
}

fn refusal(lc: &Lifecycle, at: EventRef) -> Option<String> {
    let result = if at.event.is_decision() {
        decision_target(lc).map(|_| ())
    } else {
        check_trigger(lc, at).map(|_| ())
    };
    result.err().map(|r| r.to_string())
}

#[allow(clippy::too_many_arguments)]
fn event_lines(
    lc: &Lifecycle,
    at: EventRef,
    record: &EventRecord,
    next: Option<EventRef>,
    theme: &Theme,
    now: DateTime<Utc>,
    region: &str,
    layout: &[Fitted<row::Field>],
    explained: &mut bool,
    out: &mut Vec<Line<'static>>,
) {
    let is_next = next == Some(at);
    let refused = if is_next || record.status == EventStatus::Completed {
        None
    } else {
        refusal(lc, at)
    };
    let marker = if is_next { "▶ " } else { "  " };
    let name_style = if is_next {
        theme.next_event
    } else if refused.is_some() && record.status == EventStatus::NotStarted {
        theme.dim
    } else {
        theme.base
    };
    let mut spans = vec![Span::styled(marker.to_string(), theme.next_event)];
    for (i, col) in row::shown(record, layout).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let style = match col.key {
            row::Field::Status => theme.status(record.status),
            row::Field::Event => name_style,
            _ => theme.base,
        };
        spans.push(Span::styled(row::text(record, col, now), style));
    }
    if is_next {
        spans.push(Span::styled("  next allowed", theme.next_event));
    }
    out.push(Line::from(spans));
    if let Some(reason) = &record.reason {
        let style = if record.status.is_retryable() {
            theme.status(record.status)
        } else {
            theme.base
        };
        out.push(Line::styled(format!("      reason: {reason}"), style));
    }
    // A break-glass override stays visible on the event it let through.
    if let Some(o) = &record.approval_override {
        out.push(Line::styled(
            format!("      {}", o.line()),
            theme.notice_warn,
        ));
    }
    let o = &record.outputs;
    let mut outputs = Vec::new();
    for ami in &o.amis {
        if region.is_empty() || ami.region == region {
            outputs.push(format!("{} {}", ami.region, ami.ami_id));
        } else {
            outputs.push(format!(
                "{} {} (distributed, not tested here)",
                ami.region, ami.ami_id
            ));
        }
    }
    if let Some(v) = o.vulnerabilities {
        outputs.push(format!(
            "vulns critical {} high {} medium {} low {}",
            v.critical, v.high, v.medium, v.low
        ));
    }
    if let Some(e) = &o.export_location {
        outputs.push(format!("export {e}"));
    }
    if let Some(b) = &o.backup_object {
        outputs.push(format!("backup {b}"));
    }
    if !outputs.is_empty() {
        out.push(Line::styled(
            format!("      {}", outputs.join("  ")),
            theme.dim,
        ));
    }
    // What else the workflow reported: image version, recipe, sharing, the
    // production parameter, and the optional steps it skipped.
    for (key, value) in &o.extra {
        out.push(Line::styled(format!("      {key}: {value}"), theme.dim));
    }
    // One refusal sentence per stage: the events after it wait for the same
    // reason. While an event of the stage runs, its own "running" line says
    // why the rest wait, so no refusal is repeated under them.
    let stage_running = lc
        .running()
        .is_some_and(|(running, _)| running.stage == at.stage);
    if let Some(sentence) = refused.filter(|_| !*explained && !stage_running) {
        *explained = true;
        out.push(Line::styled(
            format!("      refused: {sentence}"),
            theme.dim,
        ));
    }
}
