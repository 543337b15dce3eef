//! `amiboard logs ID [EVENT]`: the event's Step Functions execution, the
//! states it went through with times, the failing state's error and cause,
//! and the links to follow next.

use serde_json::json;

use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::rules::resolve_event;
use crate::lifecycle::{EventKind, format_duration};
use crate::ops::logs::{EventLog, event_log};

/// Prints one event's execution log.
pub async fn logs(
    ctx: &Context,
    lifecycle_id: &str,
    event: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let at = match event {
        Some(name) => {
            let (kind, phase) = EventKind::parse_with_phase(name).ok_or_else(|| {
                CliError::usage(format!("unknown event {name:?}: use e.g. SMOKE_TESTS"))
            })?;
            let lc = ctx.store.get(lifecycle_id).await?;
            Some(resolve_event(&lc, kind, phase))
        }
        None => None,
    };
    let log = event_log(ctx, lifecycle_id, at).await?;
    if json {
        return emit_json(&as_json(&log));
    }
    emit(&text(&log))
}

fn as_json(log: &EventLog) -> serde_json::Value {
    json!({
        "lifecycle_id": log.lifecycle_id,
        "event": log.at.event.name(),
        "stage": crate::ops::execution_input::stage_word(log.at.stage),
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

fn text(log: &EventLog) -> String {
    let mut out = format!(
        "lifecycle   {}\nevent       {} ({}), try {}\n",
        clean(&log.lifecycle_id),
        log.at.event,
        crate::ops::execution_input::stage_word(log.at.stage),
        log.attempt
    );
    let Some(arn) = &log.execution_arn else {
        out.push_str("execution   none: this event has not run a workflow\n");
        push_links(&mut out, log);
        return out;
    };
    out.push_str(&format!("execution   {}\n", clean(arn)));
    if let Some(e) = &log.execution {
        let took = match (e.started_at, e.stopped_at) {
            (Some(start), Some(stop)) => format!(", took {}", format_duration(stop - start)),
            _ => String::new(),
        };
        out.push_str(&format!("status      {}{}\n", e.status.name(), took));
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

fn push_links(out: &mut String, log: &EventLog) {
    if log.links.is_empty() {
        return;
    }
    out.push_str("\nlinks\n");
    for (what, to) in &log.links {
        out.push_str(&format!("  {:<16} {}\n", what, clean(to)));
    }
}
