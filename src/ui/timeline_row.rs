//! The timeline's event row and title at any width: whole fields dropped or
//! shortened in a declared order, so a narrow terminal never wraps an event's
//! duration and actor to the left edge.

use chrono::{DateTime, Utc};

use super::fit::{Col, Fitted, Step, cells, fit};
use crate::lifecycle::actor::short;
use crate::lifecycle::{EventRecord, EventStatus, Lifecycle};

/// The fields of an event's row after its marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Glyph and status word; short: the glyph.
    Status,
    Event,
    /// Start → finish; short: the start.
    Times,
    Duration,
    Actor,
    Try,
}

/// What an event row gives up, in order, when the terminal is narrow
/// (docs/dashboard.md): the finish time, the status word (the glyph
/// stays), the attempt, the times, the actor. Status, event and duration
/// never go.
const EVENT_STEPS: [Step<Field>; 5] = [
    Step::Shorten(Field::Times),
    Step::Shorten(Field::Status),
    Step::Drop(Field::Try),
    Step::Drop(Field::Times),
    Step::Drop(Field::Actor),
];

/// The marker before every row (`▶ ` on the next allowed event).
const MARKER: u16 = 2;
/// The widest event name (`QA_CERTIFICATION_RESPONSE`).
const EVENT: u16 = 25;
/// `29d14h`.
const DURATION: u16 = 6;

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| t.format("%m-%d %H:%M:%S").to_string(),
    )
}

fn actor(record: &EventRecord) -> String {
    format!(
        "by {}",
        record
            .actor
            .as_deref()
            .map_or_else(|| "-".to_string(), short)
    )
}

/// The row layout of `lc`'s events at `width`: one for every event, so the
/// columns line up (the actor as wide as the widest one).
pub fn layout(lc: &Lifecycle, width: u16) -> Vec<Fitted<Field>> {
    let records = lc
        .creation
        .iter()
        .chain(lc.patches.iter().flat_map(|p| p.events.iter()));
    let actor = records.map(|r| cells(&actor(r))).max().unwrap_or(4);
    let cols = [
        Col::new(Field::Status, 13).with_short(1),
        Col::new(Field::Event, EVENT),
        Col::new(Field::Times, 31).with_short(14),
        Col::new(Field::Duration, DURATION),
        Col::new(Field::Actor, actor),
        Col::new(Field::Try, 6),
    ];
    fit(&cols, &EVENT_STEPS, None, width.saturating_sub(MARKER), 1)
}

/// One field's text, padded to its column (`short` per the layout).
pub fn text(record: &EventRecord, col: Fitted<Field>, now: DateTime<Utc>) -> String {
    let w = usize::from(col.width);
    match col.key {
        Field::Status if col.short => record.status.glyph().to_string(),
        Field::Status => format!(
            "{:<13}",
            crate::lifecycle::vocabulary::status_words(record.status, false)
        ),
        Field::Event => format!("{:<w$}", record.event.name()),
        Field::Times if col.short => format!("{:<w$}", time(record.started_at)),
        Field::Times => format!("{} → {}", time(record.started_at), time(record.finished_at)),
        Field::Duration => format!(
            "{:>w$}",
            record
                .duration(now)
                .map_or_else(String::new, crate::lifecycle::format_duration)
        ),
        Field::Actor => format!("{:<w$}", actor(record)),
        Field::Try => format!("try {}", record.attempt),
    }
}

/// The fields of a row: a not-started event shows its status and name only.
pub fn shown(record: &EventRecord, layout: &[Fitted<Field>]) -> Vec<Fitted<Field>> {
    layout
        .iter()
        .filter(|c| {
            record.status != EventStatus::NotStarted
                || matches!(c.key, Field::Status | Field::Event)
        })
        .copied()
        .collect()
}

/// The parts of the timeline's title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Title {
    Product,
    Stack,
    Owner,
    Id,
}

/// What the title gives up, in order: the id shortens to its first eight
/// characters, then the owner, the id and the stack tag go (the screen
/// below has them all).
const TITLE_STEPS: [Step<Title>; 4] = [
    Step::Shorten(Title::Id),
    Step::Drop(Title::Owner),
    Step::Drop(Title::Id),
    Step::Drop(Title::Stack),
];

/// The title's text after ` Timeline `, for a block `width` wide.
pub fn title(lc: &Lifecycle, width: u16) -> String {
    let parts = [
        (
            Title::Product,
            format!("{} {}", lc.product_name, lc.product_version),
        ),
        (Title::Stack, format!("stack {}", lc.stack_tag)),
        (Title::Owner, format!("owner {}", lc.owner)),
        (Title::Id, lc.lifecycle_id.clone()),
    ];
    let short_id: String = lc.lifecycle_id.chars().take(8).collect();
    let cols: Vec<Col<Title>> = parts
        .iter()
        .map(|(k, t)| {
            let col = Col::new(*k, cells(t));
            if *k == Title::Id {
                col.with_short(cells(&short_id))
            } else {
                col
            }
        })
        .collect();
    // ` Timeline `, the spaces around the text, and a dash or two of the border.
    let room = width.saturating_sub(10 + 2 + 2);
    let fitted = fit(&cols, &TITLE_STEPS, None, room, 2);
    let texts: Vec<String> = fitted
        .iter()
        .filter_map(|f| {
            let (_, text) = parts.iter().find(|(k, _)| *k == f.key)?;
            Some(if f.short {
                short_id.clone()
            } else {
                text.clone()
            })
        })
        .collect();
    format!(" {} ", texts.join("  "))
}
