//! The status of one event record, with the glyph and word every screen shows
//! (never colour alone).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where one event of a lifecycle stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventStatus {
    /// Never triggered.
    #[default]
    NotStarted,
    /// Its work is running.
    InProgress,
    /// Finished successfully; immutable from then on.
    Completed,
    /// A negative outcome: tests failed, a scan over threshold, a rejection. May be retried.
    Failed,
    /// The work itself broke (execution failed, timed out, aborted). May be retried.
    Error,
}

impl EventStatus {
    pub const ALL: [EventStatus; 5] = [
        EventStatus::NotStarted,
        EventStatus::InProgress,
        EventStatus::Completed,
        EventStatus::Failed,
        EventStatus::Error,
    ];

    /// The stored and displayed word, e.g. `IN_PROGRESS`.
    pub fn name(self) -> &'static str {
        match self {
            EventStatus::NotStarted => "NOT_STARTED",
            EventStatus::InProgress => "IN_PROGRESS",
            EventStatus::Completed => "COMPLETED",
            EventStatus::Failed => "FAILED",
            EventStatus::Error => "ERROR",
        }
    }

    /// A lower-case word for prose and narrow columns.
    pub fn word(self) -> &'static str {
        match self {
            EventStatus::NotStarted => "not started",
            EventStatus::InProgress => "running",
            EventStatus::Completed => "completed",
            EventStatus::Failed => "failed",
            EventStatus::Error => "error",
        }
    }

    /// How a sentence says an event is in this status: "SMOKE_TESTS failed",
    /// "... has not started".
    pub fn phrase(self) -> &'static str {
        match self {
            EventStatus::NotStarted => "has not started",
            EventStatus::InProgress => "is still running",
            EventStatus::Completed => "has completed",
            EventStatus::Failed => "failed",
            EventStatus::Error => "ended in error",
        }
    }

    /// A one-character glyph that differs for every status.
    pub fn glyph(self) -> &'static str {
        match self {
            EventStatus::NotStarted => "·",
            EventStatus::InProgress => "◐",
            EventStatus::Completed => "✔",
            EventStatus::Failed => "✘",
            EventStatus::Error => "!",
        }
    }

    /// Parses a stored status, also the reference solution's `ERROR_EVENT_TIMEOUT`
    /// and its derived `EVENT_IN_PROGRESS*` names.
    pub fn parse(text: &str) -> Option<EventStatus> {
        let upper = text.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        Some(match upper.as_str() {
            "NOT_STARTED" | "NOTSTARTED" => EventStatus::NotStarted,
            "IN_PROGRESS" | "RUNNING" | "EVENT_IN_PROGRESS" | "STARTED" => EventStatus::InProgress,
            "COMPLETED" | "SUCCEEDED" | "SUCCESS" | "DONE" => EventStatus::Completed,
            "FAILED" | "REJECTED" => EventStatus::Failed,
            "ERROR"
            | "ERROR_EVENT_TIMEOUT"
            | "EVENT_IN_PROGRESS_WITH_ERROR"
            | "TIMED_OUT"
            | "ABORTED" => EventStatus::Error,
            _ => return None,
        })
    }

    /// FAILED and ERROR events may be triggered again.
    pub fn is_retryable(self) -> bool {
        matches!(self, EventStatus::Failed | EventStatus::Error)
    }
}

impl fmt::Display for EventStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
