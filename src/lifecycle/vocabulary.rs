//! The words and glyphs people read for statuses and events, one place for
//! the dashboard and the CLI's human output (`show`, `timeline`, `list`):
//! `◐ running`, `QA requested`. `--json` keeps the reference names
//! (`IN_PROGRESS`, `QA_CERTIFICATION_REQUEST`).

use super::{EventKind, EventRef, EventStatus, Phase, Stage};

/// The width of the status column: a glyph, a space, the longest word.
pub const STATUS_WIDTH: usize = 14;

/// A status as people read it: `◐ running`, `✘ failed`; a run whose
/// execution does not exist reads `✗ lost`.
pub fn status_words(status: EventStatus, lost: bool) -> String {
    if lost {
        "✗ lost".to_string()
    } else {
        format!("{} {}", status.glyph(), status.word())
    }
}

/// [`status_words`] padded to [`STATUS_WIDTH`], for aligned columns.
pub fn status_column(status: EventStatus, lost: bool) -> String {
    format!("{:<STATUS_WIDTH$}", status_words(status, lost))
}

/// An event with its cycle, as the list's stage reads: `Smoke tests`,
/// `Smoke tests p2` in patch cycle 2.
pub fn event_words(at: EventRef) -> String {
    let mut out = String::new();
    let _ = write_event_words(&mut out, at);
    out
}

/// Writes [`event_words`] without allocating (the list draws it each frame).
pub fn write_event_words(out: &mut impl std::fmt::Write, at: EventRef) -> std::fmt::Result {
    match at.stage {
        Stage::Creation => out.write_str(at.event.label()),
        Stage::Patch(n) => write!(out, "{} p{n}", at.event.label()),
    }
}

/// A phase's events in the order they run: `Build → Smoke tests → …`.
pub fn sequence_words(phase: Phase) -> String {
    phase
        .sequence()
        .iter()
        .map(|e: &EventKind| e.label())
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_glyph_and_word_and_pad_to_one_column() {
        assert_eq!(status_words(EventStatus::InProgress, false), "◐ running");
        assert_eq!(
            status_words(EventStatus::NotStarted, false),
            "· not started"
        );
        assert_eq!(status_words(EventStatus::Error, true), "✗ lost");
        for status in EventStatus::ALL {
            assert_eq!(status_column(status, false).chars().count(), STATUS_WIDTH);
        }
    }

    #[test]
    fn events_read_as_labels_with_their_cycle() {
        let at = |stage| EventRef {
            stage,
            event: EventKind::QaCertificationRequest,
        };
        assert_eq!(event_words(at(Stage::Creation)), "QA requested");
        assert_eq!(
            event_words(EventRef {
                stage: Stage::Patch(2),
                event: EventKind::SmokeTests
            }),
            "Smoke tests p2"
        );
        assert!(sequence_words(Phase::Patch).starts_with("Patch build → Smoke tests"));
    }
}
