//! `amiboard logs` and the dashboard's `l`: one event's Step Functions
//! execution, the states it went through with their times, the failing
//! state's error and cause, and the links a person follows next.

use crate::aws::sfn::Execution;
use crate::lifecycle::execution::{ExecutionPath, RunStatus};
use crate::lifecycle::runs::Run;
use crate::lifecycle::{EventRecord, EventRef, EventStatus, Lifecycle};

use super::{Context, OpError};

/// What `l` shows for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLog {
    pub lifecycle_id: String,
    pub at: EventRef,
    pub attempt: u32,
    pub execution_arn: Option<String>,
    /// DescribeExecution; `None` without an execution.
    pub execution: Option<Execution>,
    pub path: Option<ExecutionPath>,
    /// Where to look next, as (what, where).
    pub links: Vec<(String, String)>,
    /// Why the execution could not be read, when it could not.
    pub read_error: Option<String>,
    /// What the event's record says of this run: a workflow can record
    /// FAILED (a smoke test that failed) in an execution that SUCCEEDED.
    pub recorded_status: EventStatus,
    pub recorded_reason: Option<String>,
}

/// The event `logs` shows when none is named: the running one, else the
/// last one that ran an execution, else the current one.
pub fn default_event(lc: &Lifecycle) -> EventRef {
    if let Some((at, _)) = lc.running() {
        return at;
    }
    lc.all_records()
        .filter(|(_, r)| r.execution_arn.is_some())
        .max_by_key(|(_, r)| r.changed_at())
        .map_or_else(|| lc.current().0, |(at, _)| at)
}

/// Reads the execution of `at` (or the default event) of a lifecycle.
pub async fn event_log(
    ctx: &Context,
    lifecycle_id: &str,
    at: Option<EventRef>,
) -> Result<EventLog, OpError> {
    let lc = ctx.store.get(lifecycle_id).await?;
    let at = at.unwrap_or_else(|| default_event(&lc));
    let record = lc
        .record(at)
        .ok_or_else(|| OpError::Invalid(format!("{lifecycle_id} has no {at} event")))?;
    let run = crate::lifecycle::runs::attempts(at, record)
        .pop()
        .unwrap_or_else(|| Run::of_record(at, record));
    run_log(ctx, &lc, &run).await
}

/// Reads the execution of one run (`lifecycle::runs::pick_run`): the
/// current attempt's links come from its record's outputs; an earlier
/// attempt keeps only its execution.
pub async fn run_log(ctx: &Context, lc: &Lifecycle, run: &Run) -> Result<EventLog, OpError> {
    let links = match lc.record(run.at) {
        Some(record) if run.current => links(record),
        _ => {
            let mut kept = EventRecord::new(run.at.event);
            kept.execution_arn.clone_from(&run.execution_arn);
            links(&kept)
        }
    };
    let mut log = EventLog {
        lifecycle_id: lc.lifecycle_id.clone(),
        at: run.at,
        attempt: run.attempt,
        execution_arn: run.execution_arn.clone(),
        execution: None,
        path: None,
        links,
        read_error: None,
        recorded_status: run.status,
        recorded_reason: run.reason.clone(),
    };
    if let Some(arn) = run.execution_arn.as_deref() {
        let (execution, path) =
            tokio::join!(ctx.executions.describe(arn), ctx.executions.path(arn));
        match (execution, path) {
            (Ok(execution), Ok(path)) => {
                log.execution = Some(execution);
                log.path = Some(path);
            }
            (Err(e), _) | (_, Err(e)) => log.read_error = Some(e.to_string()),
        }
    }
    Ok(log)
}

/// The execution's status with the event's recorded outcome beside it, as
/// `logs` and the `l` screen print it: `SUCCEEDED, took 41s; recorded
/// FAILED: smoke test failed`. The record is the event's result; the
/// execution's status alone can read SUCCEEDED for a smoke test whose
/// workflow recorded a failure.
pub fn status_line(log: &EventLog) -> String {
    let mut line = match &log.execution {
        Some(e) => {
            let took = match (e.started_at, e.stopped_at) {
                (Some(start), Some(stop)) => {
                    format!(
                        ", took {}",
                        crate::lifecycle::format_duration(stop.signed_duration_since(start))
                    )
                }
                _ => String::new(),
            };
            format!("{}{took}", e.status.name())
        }
        None => "unknown".to_string(),
    };
    if let Some(recorded) = recorded_outcome(log) {
        line.push_str("; ");
        line.push_str(&recorded);
    }
    line
}

/// The event's recorded outcome of this run, `recorded FAILED: reason`,
/// when the record holds one (it ended) or disagrees with the execution
/// (the record still runs while the execution ended). `None` while both run.
pub fn recorded_outcome(log: &EventLog) -> Option<String> {
    let running = log
        .execution
        .as_ref()
        .is_none_or(|e| e.status == RunStatus::Running);
    if log.recorded_status == EventStatus::InProgress && running {
        return None;
    }
    let reason = log
        .recorded_reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    Some(format!("recorded {}{reason}", log.recorded_status.name()))
}

/// The region of an ARN (`arn:aws:svc:REGION:…`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Where a person looks next for this record: the execution in the console,
/// the Image Builder image and its log group, the Run Command and its
/// output, the export and the backup.
pub fn links(record: &EventRecord) -> Vec<(String, String)> {
    let mut links = Vec::new();
    if let Some(arn) = &record.execution_arn
        && let Some(region) = arn_region(arn)
    {
        links.push((
            "execution".to_string(),
            format!(
                "https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{arn}"
            ),
        ));
    }
    let o = &record.outputs;
    if let Some(image) = &o.image_arn {
        links.push(("image".to_string(), image.clone()));
        // arn:aws:imagebuilder:REGION:ACCOUNT:image/NAME/VERSION/BUILD: Image
        // Builder logs each build to /aws/imagebuilder/NAME.
        if let Some(name) = image
            .split(":image/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
        {
            links.push((
                "image log group".to_string(),
                format!("/aws/imagebuilder/{name}"),
            ));
        }
    }
    if let Some(command) = &o.run_command_id {
        links.push(("run command".to_string(), command.clone()));
    }
    if let Some(output) = o.extra.get("output_location") {
        links.push(("command output".to_string(), output.clone()));
    }
    if let Some(export) = &o.export_location {
        links.push(("export".to_string(), export.clone()));
    }
    if let Some(backup) = &o.backup_object {
        links.push(("backup".to_string(), backup.clone()));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{EventKind, EventStatus};
    use chrono::Utc;

    #[test]
    fn links_lead_to_the_console_the_image_log_group_and_the_command_output() {
        let mut record = EventRecord::new(EventKind::AmiBuild);
        record.execution_arn =
            Some("arn:aws:states:eu-west-1:111122223333:execution:amiboard-build:x-1".into());
        record.outputs.image_arn =
            Some("arn:aws:imagebuilder:eu-west-1:111122223333:image/web-recipe/1.0.0/3".into());
        record.outputs.run_command_id = Some("cmd-1".into());
        record
            .outputs
            .extra
            .insert("output_location".into(), "s3://logs/cmd-1/".into());
        let links = links(&record);
        assert!(links.contains(&(
            "execution".into(),
            "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:111122223333:execution:amiboard-build:x-1".into()
        )));
        assert!(links.contains(&(
            "image log group".into(),
            "/aws/imagebuilder/web-recipe".into()
        )));
        assert!(links.contains(&("run command".into(), "cmd-1".into())));
        assert!(links.contains(&("command output".into(), "s3://logs/cmd-1/".into())));
    }

    #[test]
    fn the_default_event_is_the_running_one_else_the_last_that_ran() {
        let now = Utc::now();
        let mut lc = Lifecycle::new("lc-1", "main", "web", "1.0", "alice", now);
        assert_eq!(default_event(&lc).event, EventKind::AmiBuild);
        lc.creation[0].claim("alice", 1, now);
        lc.creation[0].execution_arn = Some("arn:a".into());
        lc.creation[0].status = EventStatus::Completed;
        lc.creation[0].finished_at = Some(now);
        lc.creation[1].claim("alice", 1, now + chrono::Duration::seconds(5));
        lc.creation[1].execution_arn = Some("arn:b".into());
        lc.creation[1].status = EventStatus::Failed;
        lc.creation[1].finished_at = Some(now + chrono::Duration::seconds(9));
        assert_eq!(default_event(&lc).event, EventKind::SmokeTests);
        lc.creation[1].claim("alice", 2, now + chrono::Duration::seconds(20));
        assert_eq!(default_event(&lc).event, EventKind::SmokeTests);
    }
}
