//! `amiboard logs ID [EVENT] [--cycle C] [--attempt N] [--follow]`: one run
//! of an event (any cycle, any attempt), its Step Functions execution, the
//! states it went through with times, the failing state's error and cause,
//! the event's recorded outcome beside the execution's status, and the
//! links to follow next.

use serde_json::json;

use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::EventKind;
use crate::lifecycle::format_duration;
use crate::lifecycle::runs::{parse_cycle, pick_run};
use crate::ops::logs::{
    EventLog, default_event, event_log, recorded_outcome, run_log, status_line,
};

/// Which run `logs` shows, as the command line named it.
pub struct Pick<'a> {
    pub event: Option<&'a str>,
    pub cycle: Option<&'a str>,
    pub attempt: Option<u32>,
    pub follow: bool,
}

/// Prints one run's execution log (or follows it).
pub async fn logs(
    ctx: &Context,
    lifecycle_id: &str,
    pick: &Pick<'_>,
    json: bool,
) -> Result<(), CliError> {
    let cycle = match pick.cycle {
        Some(text) => Some(parse_cycle(text).ok_or_else(|| {
            CliError::usage(format!(
                "unknown cycle {text:?}: use `creation` or `patch-N` (e.g. patch-1)"
            ))
        })?),
        None => None,
    };
    let named = match pick.event {
        Some(name) => Some(EventKind::parse_with_phase(name).ok_or_else(|| {
            CliError::usage(format!("unknown event {name:?}: use e.g. SMOKE_TESTS"))
        })?),
        None => None,
    };
    let lc = ctx.store.get(lifecycle_id).await?;
    let run = match named {
        None if cycle.is_none() && pick.attempt.is_none() => None,
        _ => {
            let (kind, phase) = named.unwrap_or_else(|| (default_event(&lc).event, None));
            // An event named with its phase (PATCH:SMOKE_TESTS) picks the
            // cycle `resolve_event` gives it, unless --cycle names one.
            let cycle = cycle.or_else(|| {
                phase.map(|p| crate::lifecycle::rules::resolve_event(&lc, kind, Some(p)).stage)
            });
            let run = pick_run(&lc, kind, cycle, pick.attempt)
                .map_err(|e| CliError::usage(format!("{}: {e}", clean(&lc.lifecycle_id))))?;
            Some(run)
        }
    };
    let log = match &run {
        Some(run) => run_log(ctx, &lc, run).await?,
        None => event_log(ctx, lifecycle_id, None).await?,
    };
    if pick.follow {
        return super::logs_follow::follow(ctx, &lc, log, json).await;
    }
    if json {
        return emit_json(&as_json(&log));
    }
    emit(&text(&log))
}

pub fn as_json(log: &EventLog) -> serde_json::Value {
    json!({
        "lifecycle_id": log.lifecycle_id,
        "event": log.at.event.name(),
        "stage": crate::ops::execution_input::stage_word(log.at.stage),
        "cycle": crate::lifecycle::runs::cycle_name(log.at.stage),
        "recorded_status": log.recorded_status.name(),
        "recorded_reason": log.recorded_reason,
        "attempt": log.attempt,
        "execution_arn": log.execution_arn,
        "status": log.execution.as_ref().map(|e| e.status.name()),
        "started_at": log.execution.as_ref().and_then(|e| e.started_at),
        "stopped_at": log.execution.as_ref().and_then(|e| e.stopped_at),
        "error": log.execution.as_ref().and_then(|e| e.error.clone()),
        "cause": log.execution.as_ref().and_then(|e| e.cause.clone()),
        "states": log.path.as_ref().map(|p| &p.states),
        "failing_state": log.path.as_ref().and_then(|p| p.failing_state()).map(|s| &s.name),
        "truncated": log.path.as_ref().is_some_and(|p| p.truncated),
        "links": log.links.iter().map(|(what, to)| json!({"what": what, "to": to})).collect::<Vec<_>>(),
        "read_error": log.read_error,
    })
}

pub fn text(log: &EventLog) -> String {
    let mut out = format!(
        "lifecycle   {}\nevent       {} ({}), try {}\n",
        clean(&log.lifecycle_id),
        log.at.event,
        crate::lifecycle::runs::cycle_name(log.at.stage),
        log.attempt
    );
    let Some(arn) = &log.execution_arn else {
        out.push_str("execution   none: this event has not run a workflow\n");
        push_links(&mut out, log);
        return out;
    };
    out.push_str(&format!("execution   {}\n", clean(arn)));
    if log.execution.is_some() {
        out.push_str(&format!("status      {}\n", clean(&status_line(log))));
    } else if let Some(recorded) = recorded_outcome(log) {
        out.push_str(&format!("status      {}\n", clean(&recorded)));
    }
    if let Some(err) = &log.read_error {
        out.push_str(&format!("unreadable  {}\n", clean(err)));
    }
    if let Some(path) = &log.path {
        let running = log
            .execution
            .as_ref()
            .is_none_or(|e| e.status == crate::lifecycle::execution::RunStatus::Running);
        let rows: Vec<Vec<String>> = path
            .states
            .iter()
            .map(|s| {
                vec![
                    clean(&s.name),
                    s.entered_at.format("%H:%M:%S").to_string(),
                    match s.exited_at {
                        Some(end) => format_duration(end - s.entered_at),
                        None if running => "running".to_string(),
                        None if s.error.is_some() => "failed".to_string(),
                        None => "ended".to_string(),
                    },
                    s.error.as_deref().map(clean).unwrap_or_default(),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(&["STATE", "ENTERED", "TOOK", "ERROR"], &rows));
        if path.truncated {
            out.push_str("(the history is longer: only its first 5000 events were read)\n");
        }
        if let Some(failing) = path.failing_state() {
            let error = failing.error.as_ref().or(path.error.as_ref());
            let cause = failing.cause.as_ref().or(path.cause.as_ref());
            out.push_str(&format!(
                "\nfailed in   {}: {}{}\n",
                clean(&failing.name),
                error.map_or("-".to_string(), |e| clean(e)),
                cause.map_or(String::new(), |c| format!("\ncause       {}", clean(c)))
            ));
        }
    }
    push_links(&mut out, log);
    out
}

pub fn push_links(out: &mut String, log: &EventLog) {
    if log.links.is_empty() {
        return;
    }
    out.push_str("\nlinks\n");
    for (what, to) in &log.links {
        out.push_str(&format!("  {:<16} {}\n", what, clean(to)));
    }
}
