//! The notifications feed: the split pane under the list or timeline, its
//! full screen with the selection, and the raw JSON of one message. Every
//! string shown was sanitised by the decoder.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::feed::{Feed, StreamStatus};
use crate::app::state::State;
use crate::lifecycle::notification::Arrival;

/// The header's words for the stream: state and messages per minute.
pub fn stream_label(feed: &Feed) -> String {
    match &feed.status {
        StreamStatus::Starting => "stream: starting…".to_string(),
        StreamStatus::Connected { .. } => format!("stream: ● connected {}/min", feed.per_minute),
        StreamStatus::Reconnecting { .. } => "stream: ◌ reconnecting".to_string(),
        StreamStatus::Off { .. } => "stream: off".to_string(),
    }
}

fn title(feed: &Feed, full: bool) -> String {
    // What the filter shows, and of how many when it hides some.
    let shown = if feed.filter.is_empty() {
        feed.items.len()
    } else {
        feed.view().len()
    };
    let mut title = if shown == feed.items.len() {
        format!(" Notifications ({shown})")
    } else {
        format!(" Notifications ({shown} of {})", feed.items.len())
    };
    if feed.paused {
        title.push_str(&format!("  ⏸ PAUSED, {} waiting", feed.held.len()));
    }
    if full && !feed.autoscroll {
        title.push_str("  autoscroll off");
    }
    if !feed.filter.is_empty() {
        title.push_str(&format!("  filter \"{}\"", feed.filter));
    }
    title.push(' ');
    title
}

/// One feed line: time, source, lifecycle, one-line summary.
fn line(arrival: &Arrival, theme: &Theme, selected: bool) -> Line<'static> {
    let n = &arrival.notification;
    let at = n.event_time.unwrap_or(arrival.received_at);
    let lifecycle = arrival.lifecycle_id.as_deref().map_or_else(
        || "-".to_string(),
        |id| id.chars().take(8).collect::<String>(),
    );
    let style = if selected {
        theme.row_selected
    } else {
        theme.base
    };
    let mut spans = vec![
        Span::raw(format!("{} ", at.format("%H:%M:%S"))),
        Span::styled(format!("{:<13} ", n.source.label()), theme.dim),
        Span::raw(format!("{lifecycle:<9} ")),
        Span::raw(n.summary.clone()),
    ];
    if !n.warnings.is_empty() {
        spans.push(Span::styled(" ⚠".to_string(), theme.notice_warn));
    }
    Line::from(spans).style(style)
}

/// The lines of the filtered view that fit `height` rows, ending at the
/// selection (the newest when autoscrolling), and the selected row.
fn window(feed: &Feed, height: usize) -> (Vec<&Arrival>, Option<usize>) {
    let view = feed.view();
    if view.is_empty() || height == 0 {
        return (Vec::new(), None);
    }
    let selected = feed.selected.min(view.len() - 1);
    let end = (selected + 1).max(height.min(view.len()));
    let start = end.saturating_sub(height);
    let rows = view[start..end]
        .iter()
        .filter_map(|i| feed.items.get(*i))
        .collect();
    (rows, Some(selected - start))
}

fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, full: bool) {
    let feed = &state.feed;
    let height = usize::from(area.height.saturating_sub(1));
    let (rows, selected) = window(feed, height);
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, a)| line(a, theme, full && Some(i) == selected))
        .collect();
    if lines.is_empty() {
        let text = match &feed.status {
            StreamStatus::Off { reason } => format!("Live notifications are off: {reason}"),
            _ if !feed.filter.is_empty() => "No notification matches the filter.".to_string(),
            _ => "No notifications yet.".to_string(),
        };
        lines.push(Line::styled(text, theme.dim));
    }
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title(feed, full), theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The split pane (no selection shown).
pub fn pane(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    draw(state, theme, frame, area, false);
}

/// The full screen, with the selection.
pub fn full(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    draw(state, theme, frame, area, true);
}

/// The raw message's lines, with what the decoder noticed first.
pub fn raw_lines(state: &State, message_id: &str) -> Vec<String> {
    let Some(arrival) = state
        .feed
        .items
        .iter()
        .find(|a| a.notification.message_id == message_id)
    else {
        return vec!["This message is no longer in the feed.".to_string()];
    };
    let n = &arrival.notification;
    let mut out = vec![
        format!("message {}  source {}", n.message_id, n.source.label()),
        format!(
            "published {}  received {}",
            n.published_at
                .map_or_else(|| "-".into(), |t| t.to_rfc3339()),
            arrival.received_at.to_rfc3339()
        ),
    ];
    out.extend(n.warnings.iter().map(|w| format!("⚠ {w}")));
    out.push(String::new());
    out.extend(n.raw.lines().map(str::to_string));
    out
}

pub fn raw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, id: &str, scroll: u16) {
    let lines: Vec<Line> = raw_lines(state, id).into_iter().map(Line::from).collect();
    let scroll = super::clamp_scroll(scroll, lines.len(), area.height.saturating_sub(1));
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(" Raw message (Esc back) ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}
