//! `--wait`: follows one event until its result is recorded, for the
//! commands that start work (trigger, retry, patch, promote).
//!
//! The record decides: the state machine writes COMPLETED or FAILED when it
//! ends. An execution that ended without writing (aborted, timed out, failed
//! in a recording state) ends the wait too, with its own error and cause, so
//! `--wait` never hangs on a lost execution; nothing is written here (that is
//! `reconcile`'s job).

use std::time::Duration;

use crate::lifecycle::execution::RunStatus;
use crate::lifecycle::{EventRef, EventStatus};

use super::{Context, OpError};

/// How a followed event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitEnd {
    Completed,
    /// FAILED or ERROR, with the reason recorded or the execution's error.
    Failed {
        status: String,
        reason: String,
    },
}

/// One observation while waiting, for a progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitProgress {
    pub status: EventStatus,
    /// The state the execution is in, when it can be read.
    pub state: Option<String>,
}

/// Polls the lifecycle (and the execution, when known) every `every` until
/// the event at `at` has a result or its execution ended without one.
pub async fn wait_for_result(
    ctx: &Context,
    lifecycle_id: &str,
    at: EventRef,
    execution_arn: Option<&str>,
    every: Duration,
    on_progress: &mut (dyn FnMut(&WaitProgress) + Send),
) -> Result<WaitEnd, OpError> {
    // An execution seen ended without a recorded result gets one more round
    // to let its last write land before it counts as lost.
    let mut ended_unrecorded = 0u8;
    loop {
        let lc = ctx.store.get(lifecycle_id).await?;
        let record = lc.record(at).ok_or_else(|| {
            OpError::Invalid(format!(
                "{lifecycle_id} has no {} event to follow",
                at.event
            ))
        })?;
        match record.status {
            EventStatus::Completed => return Ok(WaitEnd::Completed),
            EventStatus::Failed | EventStatus::Error => {
                let reason = record
                    .reason
                    .clone()
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| "no reason recorded".to_string());
                return Ok(WaitEnd::Failed {
                    status: record.status.name().to_string(),
                    reason,
                });
            }
            _ => {}
        }
        let arn = execution_arn
            .map(str::to_string)
            .or_else(|| record.execution_arn.clone());
        let mut state = None;
        if let Some(arn) = arn.as_deref() {
            // A read that fails is not an end: the record still decides.
            if let Ok(execution) = ctx.executions.describe(arn).await {
                if execution.status == RunStatus::Running {
                    ended_unrecorded = 0;
                    state = ctx.executions.current_state(arn).await.ok().flatten();
                } else if execution.status.is_broken() {
                    ended_unrecorded = ended_unrecorded.saturating_add(1);
                    if ended_unrecorded > 1 {
                        let what = [execution.error, execution.cause]
                            .into_iter()
                            .flatten()
                            .filter(|s| !s.trim().is_empty())
                            .collect::<Vec<_>>()
                            .join(": ");
                        return Ok(WaitEnd::Failed {
                            status: format!("execution {}", execution.status.name()),
                            reason: if what.is_empty() {
                                "the execution ended without recording a result; run `amiboard reconcile`".to_string()
                            } else {
                                format!(
                                    "{what} (not recorded yet; `amiboard reconcile` marks it ERROR)"
                                )
                            },
                        });
                    }
                }
            }
        }
        on_progress(&WaitProgress {
            status: record.status,
            state,
        });
        tokio::time::sleep(every).await;
    }
}
