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

/// One state an execution went through, from its history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateVisit {
    pub name: String,
    pub entered_at: DateTime<Utc>,
    /// `None` while the execution is still in it (or it never left).
    pub exited_at: Option<DateTime<Utc>>,
    /// The error a task of this state raised (caught or not), if any.
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// An execution's path: the states in the order entered, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ExecutionPath {
    pub states: Vec<StateVisit>,
    /// The execution's own failure (ExecutionFailed/TimedOut/Aborted), if any.
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The history had more events than were read.
    pub truncated: bool,
}

impl ExecutionPath {
    /// The state the run failed in: the last one with an error, else the
    /// last one entered when the execution itself failed.
    pub fn failing_state(&self) -> Option<&StateVisit> {
        self.states
            .iter()
            .rev()
            .find(|s| s.error.is_some())
            .or_else(|| self.error.as_ref().and_then(|_| self.states.last()))
    }
}
