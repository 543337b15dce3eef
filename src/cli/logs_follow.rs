//! `amiboard logs --follow`: prints each state of a running execution as
//! it is entered, until the event's result is recorded, then the log's end
//! (status with the recorded outcome, failing state, links). Exit codes are
//! `wait`'s: 0 completed, 1 failed or broken, 4 not started.

use std::time::Duration;

use super::output::{clean, clean_text, emit, emit_json};
use super::{CliError, Context, Exit};
use crate::lifecycle::{EventStatus, Lifecycle};
use crate::ops::logs::{EventLog, event_log};

/// Follows the run `log` shows (its current attempt when it still runs).
pub async fn follow(
    ctx: &Context,
    lc: &Lifecycle,
    log: EventLog,
    json: bool,
) -> Result<(), CliError> {
    let id = lc.lifecycle_id.clone();
    let still_running = log.recorded_status == EventStatus::InProgress
        && lc.record(log.at).is_some_and(|r| r.attempt == log.attempt);
    if !still_running {
        if json {
            emit_json(&super::logs::as_json(&log))?;
        } else {
            emit(&super::logs::text(&log))?;
        }
        return ended(&id, &log);
    }
    if !json {
        emit(&format!(
            "lifecycle   {}\nevent       {} ({}), try {}, following\n",
            clean(&id),
            log.at.event,
            crate::lifecycle::runs::cycle_name(log.at.stage),
            log.attempt
        ))?;
    }
    let mut shown = 0usize;
    let mut execution = log.execution_arn.clone();
    let poll = ctx.config.workflow_poll.max(Duration::from_millis(200));
    let mut quiet = |_: &crate::ops::WaitProgress| {};
    let waiting = crate::ops::wait_for_result(
        ctx,
        &id,
        log.at,
        log.execution_arn.as_deref(),
        poll,
        &mut quiet,
    );
    tokio::pin!(waiting);
    let end = loop {
        tokio::select! {
            end = &mut waiting => break end,
            () = tokio::time::sleep(poll) => {
                if !json {
                    show_new_states(ctx, &id, log.at, &mut execution, &mut shown).await?;
                }
            }
        }
    };
    let end = end?;
    let last = event_log(ctx, &id, Some(log.at)).await?;
    if json {
        emit_json(&super::logs::as_json(&last))?;
    } else {
        show_new_states(ctx, &id, log.at, &mut execution, &mut shown).await?;
        emit(&ending(&last))?;
    }
    match end {
        crate::ops::WaitEnd::Completed => {
            if !json {
                emit(&format!("{} of {id} completed.\n", log.at.event))?;
            }
            Ok(())
        }
        crate::ops::WaitEnd::Failed { status, reason } => Err(CliError::failure(clean_text(
            &format!("{} of {id} ended {status}: {reason}", log.at.event),
        ))),
    }
}

/// Prints the states entered since the last look (the execution's ARN is
/// read from the record until the start path has written it).
async fn show_new_states(
    ctx: &Context,
    id: &str,
    at: crate::lifecycle::EventRef,
    execution: &mut Option<String>,
    shown: &mut usize,
) -> Result<(), CliError> {
    if execution.is_none() {
        let lc = ctx.store.get(id).await?;
        *execution = lc.record(at).and_then(|r| r.execution_arn.clone());
        if let Some(arn) = execution.as_deref() {
            emit(&format!("execution   {}\n", clean(arn)))?;
        }
    }
    let Some(arn) = execution.as_deref() else {
        return Ok(());
    };
    // A read that fails is not an end: the next look tries again.
    let Ok(path) = ctx.executions.path(arn).await else {
        return Ok(());
    };
    for state in path.states.iter().skip(*shown) {
        emit(&format!(
            "  {}  {}\n",
            state.entered_at.format("%H:%M:%S"),
            clean(&state.name)
        ))?;
    }
    *shown = (*shown).max(path.states.len());
    Ok(())
}

/// The end of a followed log: the status with the recorded outcome, the
/// failing state, the links.
fn ending(log: &EventLog) -> String {
    let full = super::logs::text(log);
    // The full text without its header and state table: from the status line on,
    // skipping the table (already streamed).
    let mut out = String::new();
    if let Some(status) = full.lines().find(|l| l.starts_with("status ")) {
        out.push_str(status);
        out.push('\n');
    }
    if let Some(start) = full.find("\nfailed in") {
        let rest = &full[start + 1..];
        let end = rest.find("\nlinks\n").map_or(rest.len(), |i| i + 1);
        out.push_str(&rest[..end]);
    }
    let mut links = String::new();
    super::logs::push_links(&mut links, log);
    out.push_str(&links);
    out
}

/// The exit of a run that is not running: `wait`'s for an ended event.
fn ended(id: &str, log: &EventLog) -> Result<(), CliError> {
    match log.recorded_status {
        EventStatus::Completed => Ok(()),
        EventStatus::NotStarted => Err(CliError::new(
            Exit::Refused,
            format!(
                "{} of {id} has not started: nothing to follow",
                log.at.event
            ),
        )),
        EventStatus::InProgress => Err(CliError::new(
            Exit::Refused,
            format!(
                "{} of {id}: try {} was replaced by a newer one; follow it without --attempt",
                log.at.event, log.attempt
            ),
        )),
        status => Err(CliError::failure(clean_text(&format!(
            "{} of {id} ended {}: {}",
            log.at.event,
            status.name(),
            log.recorded_reason
                .as_deref()
                .unwrap_or("no reason recorded")
        )))),
    }
}
