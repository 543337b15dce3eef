//! The header: account, profile, region, endpoint (when not AWS's own),
//! table, the READ-WRITE / READ-ONLY badge, stream state, data age, and the
//! warnings to run `amiboard provision` or `amiboard doctor`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fit::{Col, Step, fit};
use super::theme::Theme;
use crate::app::feed::StreamStatus;
use crate::app::rows::Triage;
use crate::app::state::{Load, State};
use crate::lifecycle::EventStatus;

/// The header's fields, on two lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Account,
    Profile,
    Region,
    Endpoint,
    Table,
    Stack,
    Counts,
    Stream,
    Workflows,
    Doctor,
    InFlight,
    Load,
}

/// What the first line gives up, in order, when it is too narrow
/// (docs/dashboard.md): the endpoint loses its scheme, then the table, the
/// endpoint, the region and the account go whole. Profile and stack tag stay.
const FIRST_STEPS: [Step<Field>; 5] = [
    Step::Shorten(Field::Endpoint),
    Step::Drop(Field::Table),
    Step::Drop(Field::Endpoint),
    Step::Drop(Field::Region),
    Step::Drop(Field::Account),
];

/// What the second line gives up, in order: the long warnings keep their
/// headline and command (the status line and the notices screen have the
/// whole sentence), the counts keep glyph and number, then the stream's
/// label goes. The badge and the data's age stay.
const SECOND_STEPS: [Step<Field>; 6] = [
    Step::Shorten(Field::Load),
    Step::Shorten(Field::Doctor),
    Step::Shorten(Field::Workflows),
    Step::Shorten(Field::Counts),
    Step::Shorten(Field::InFlight),
    Step::Drop(Field::Stream),
];

/// One field: its spans, and its short form when it has one.
struct Part {
    key: Field,
    full: Vec<Span<'static>>,
    short: Option<Vec<Span<'static>>>,
}

impl Part {
    fn new(key: Field, full: Vec<Span<'static>>) -> Part {
        Part {
            key,
            full,
            short: None,
        }
    }

    fn or_short(mut self, short: Vec<Span<'static>>) -> Part {
        self.short = Some(short);
        self
    }
}

fn width(spans: &[Span]) -> u16 {
    u16::try_from(spans.iter().map(Span::width).sum::<usize>()).unwrap_or(u16::MAX)
}

/// `lead` then the parts that fit in `room` after `steps`, two spaces apart.
fn line(
    lead: Vec<Span<'static>>,
    parts: Vec<Part>,
    steps: &[Step<Field>],
    room: u16,
) -> Line<'static> {
    let cols: Vec<Col<Field>> = parts
        .iter()
        .map(|p| {
            let col = Col::new(p.key, width(&p.full));
            match &p.short {
                Some(short) => col.with_short(width(short)),
                None => col,
            }
        })
        .collect();
    let room = room.saturating_sub(width(&lead));
    let fitted = fit(&cols, steps, None, room, 2);
    let mut spans = lead;
    for (i, f) in fitted.iter().enumerate() {
        let Some(part) = parts.iter().find(|p| p.key == f.key) else {
            continue;
        };
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        let chosen = match (&part.short, f.short) {
            (Some(short), true) => short,
            _ => &part.full,
        };
        spans.extend(chosen.iter().cloned());
    }
    Line::from(spans)
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &state.connection;
    let raw = |text: String| vec![Span::raw(text)];
    let mut first = vec![
        Part::new(
            Field::Account,
            raw(format!("account {}", t.account.as_deref().unwrap_or("…"))),
        ),
        Part::new(
            Field::Profile,
            raw(format!(
                "profile {}",
                t.profile.as_deref().unwrap_or("default")
            )),
        ),
        Part::new(Field::Region, raw(format!("region {}", t.region))),
    ];
    if let Some(endpoint) = &t.endpoint {
        let bare = endpoint
            .split_once("://")
            .map_or(endpoint.as_str(), |(_, rest)| rest)
            .trim_end_matches('/');
        first.push(
            Part::new(Field::Endpoint, raw(format!("endpoint {endpoint}")))
                .or_short(raw(format!("endpoint {bare}"))),
        );
    }
    first.push(Part::new(Field::Table, raw(format!("table {}", t.table))));
    if let Some(tag) = &t.stack_tag {
        first.push(Part::new(Field::Stack, raw(format!("stack {tag}"))));
    }
    let lead = vec![Span::styled(" amiboard ", theme.title), Span::raw(" ")];
    let first = line(lead, first, &FIRST_STEPS, area.width);

    let badge = if state.read_only {
        Span::styled(" READ-ONLY ", theme.badge_read_only)
    } else {
        Span::styled(" READ-WRITE ", theme.badge_read_write)
    };
    let mut second = Vec::new();
    let (full, short) = counts(state, theme);
    if !full.is_empty() {
        second.push(Part::new(Field::Counts, full).or_short(short));
    }
    let stream_style = match state.feed.status {
        StreamStatus::Connected { .. } => theme.status_completed,
        StreamStatus::Reconnecting { .. } => theme.stale,
        StreamStatus::Starting | StreamStatus::Off { .. } => theme.dim,
    };
    second.push(Part::new(
        Field::Stream,
        vec![Span::styled(stream_text(state), stream_style)],
    ));
    if state.workflows_problem.is_some() {
        // Outdated or missing state machines: `amiboard provision` fixes it
        // (the notices screen has the whole sentence).
        let deployed = state.workflows_version.as_deref().unwrap_or("outdated");
        second.push(
            Part::new(
                Field::Workflows,
                vec![Span::styled(
                    format!("⚠ workflows {deployed}: run amiboard provision"),
                    theme.stale,
                )],
            )
            .or_short(vec![Span::styled("⚠ run amiboard provision", theme.stale)]),
        );
    }
    if let Some(reason) = &state.doctor_hint {
        // A denied call or a missing resource: the deployment is not wired
        // right, and `amiboard doctor` says what to fix.
        second.push(
            Part::new(
                Field::Doctor,
                vec![Span::styled(
                    format!("⚠ {reason}: run amiboard doctor"),
                    theme.stale,
                )],
            )
            .or_short(vec![Span::styled("⚠ run amiboard doctor", theme.stale)]),
        );
    }
    if state.in_flight > 0 {
        second.push(
            Part::new(
                Field::InFlight,
                vec![Span::styled(
                    format!("◐ {} action(s) running", state.in_flight),
                    theme.status_running,
                )],
            )
            .or_short(vec![Span::styled(
                format!("◐ {}", state.in_flight),
                theme.status_running,
            )]),
        );
    }
    let (age, age_short) = load_spans(state, theme);
    let mut part = Part::new(Field::Load, vec![age]);
    if let Some(short) = age_short {
        part = part.or_short(vec![short]);
    }
    second.push(part);
    let second = line(
        vec![badge, Span::raw(" ")],
        second,
        &SECOND_STEPS,
        area.width,
    );
    let lines = vec![first.style(theme.header), second];
    frame.render_widget(Paragraph::new(lines).style(theme.base), area);
}

/// How old the data is and whether it is trusted, with a short form for a
/// narrow header (the status line says the rest).
fn load_spans(state: &State, theme: &Theme) -> (Span<'static>, Option<Span<'static>>) {
    let ago = || {
        state.loaded_at.map_or_else(
            || "earlier".to_string(),
            |at| format!("{} ago", crate::lifecycle::format_duration(state.now - at)),
        )
    };
    match &state.load {
        // Older data stays marked while the retries run, with the reason.
        Load::Loading { .. } | Load::Failed { .. } if state.is_stale() => (
            Span::styled(
                format!(
                    "⚠ STALE: refresh failed ({}), showing data read {} (retrying)",
                    state.stale_error.as_deref().unwrap_or("unknown error"),
                    ago()
                ),
                theme.stale,
            ),
            Some(Span::styled(
                format!("⚠ STALE: data read {} (retrying)", ago()),
                theme.stale,
            )),
        ),
        Load::Idle => (Span::raw("idle"), None),
        Load::Loading { pages } => (
            Span::raw(format!(
                "loading… {} lifecycles, page {}",
                state.rows.len(),
                pages + 1
            )),
            Some(Span::raw(format!("loading… {}", state.rows.len()))),
        ),
        Load::Loaded { .. } => match crate::app::changes::unvouched(state) {
            Some(text) => (
                Span::styled(text, theme.stale),
                Some(Span::styled(
                    format!("⚠ not live: read {}", ago()),
                    theme.stale,
                )),
            ),
            None => (Span::raw(state.age_text()), None),
        },
        Load::Failed { message, .. } if state.rows.is_empty() => (
            Span::styled(
                format!("✘ load failed: {message} (retrying)"),
                theme.status_failed,
            ),
            Some(Span::styled(
                "✘ load failed (retrying)".to_string(),
                theme.status_failed,
            )),
        ),
        Load::Failed { .. } => (
            Span::styled("⚠ STALE (retrying)".to_string(), theme.stale),
            None,
        ),
    }
}

/// The loaded lifecycles by triage group, the groups that have any
/// (`!3 error ✘2 failed ◐40 running`); `:error`, `:failed`, `:running`,
/// `:waiting` in the palette show each group. The short form keeps glyph and
/// number (`!3 ✘2 ◐40`).
fn counts(state: &State, theme: &Theme) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
    let (mut full, mut short) = (Vec::new(), Vec::new());
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
        if !full.is_empty() {
            full.push(Span::raw(" "));
            short.push(Span::raw(" "));
        }
        full.push(Span::styled(format!("{glyph}{n} {}", group.word()), style));
        short.push(Span::styled(format!("{glyph}{n}"), style));
    }
    (full, short)
}

/// The stream's label, with the countdown while it waits to start again.
fn stream_text(state: &State) -> String {
    let label = super::feed::stream_label(&state.feed);
    match state.feed.retry_label(state.now) {
        Some(retry) => format!("{label}, {retry}"),
        None => label,
    }
}
