//! Step Functions executions as the timeline shows them: how one stands and
//! how far it got. `aws::sfn` reads them; nothing here does I/O.

use chrono::{DateTime, Utc};

/// How an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    /// Any status this build does not know (e.g. PENDING_REDRIVE).
    Other,
}

impl RunStatus {
    /// Whether the execution ended without success.
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            RunStatus::Failed | RunStatus::TimedOut | RunStatus::Aborted
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Succeeded => "SUCCEEDED",
            RunStatus::Failed => "FAILED",
            RunStatus::TimedOut => "TIMED_OUT",
            RunStatus::Aborted => "ABORTED",
            RunStatus::Other => "UNKNOWN",
        }
    }
}

/// A running (or ended) execution, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub status: RunStatus,
    /// The state it entered last, e.g. `BuildImage`.
    pub state: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    /// Time since start, or start to stop once ended.
    pub elapsed: Option<chrono::Duration>,
    pub error: Option<String>,
    pub cause: Option<String>,
}
