//! An execution's path through its states (GetExecutionHistory, oldest
//! first): what `amiboard logs` and the dashboard's `l` show.

use aws_sdk_sfn::types::HistoryEvent as AwsHistoryEvent;
use aws_sdk_sfn::types::HistoryEventType as AwsType;

use super::client::Clients;
use super::error::{AwsError, Call, classify};
use crate::lifecycle::execution::{ExecutionPath, StateVisit};

/// Events read at most (a long polling run has thousands); the path says
/// when it was cut.
const MAX_EVENTS: usize = 5000;

/// Reads the history of `arn` and folds it into the states it went through.
pub async fn execution_path(clients: &Clients, arn: &str) -> Result<ExecutionPath, AwsError> {
    let mut events = Vec::new();
    let mut token = None;
    let mut truncated = false;
    loop {
        let out = clients
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .include_execution_data(false)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                classify(
                    Call {
                        service: "Step Functions",
                        operation: "GetExecutionHistory",
                        resource: arn,
                    },
                    &clients.endpoint_label_for("SFN"),
                    e,
                )
            })?;
        events.extend(out.events().iter().cloned());
        token = out.next_token().map(str::to_string);
        if events.len() >= MAX_EVENTS {
            truncated = token.is_some();
            break;
        }
        if token.is_none() {
            break;
        }
    }
    let mut path = fold(&events);
    path.truncated = truncated;
    Ok(path)
}

fn time(t: &aws_smithy_types::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Folds history events into state visits: an entered event opens a visit,
/// the matching exited event closes the newest open visit of that name, and
/// a task or execution failure is kept on the state it happened in.
fn fold(events: &[AwsHistoryEvent]) -> ExecutionPath {
    let mut path = ExecutionPath::default();
    for event in events {
        let Some(at) = time(event.timestamp()) else {
            continue;
        };
        if let Some(d) = event.state_entered_event_details() {
            path.states.push(StateVisit {
                name: d.name().to_string(),
                entered_at: at,
                exited_at: None,
                error: None,
                cause: None,
            });
            continue;
        }
        if let Some(d) = event.state_exited_event_details() {
            if let Some(open) = path
                .states
                .iter_mut()
                .rev()
                .find(|s| s.name == d.name() && s.exited_at.is_none())
            {
                open.exited_at = Some(at);
            }
            continue;
        }
        let (error, cause) = match event.r#type() {
            AwsType::TaskFailed => event
                .task_failed_event_details()
                .map(|d| (d.error(), d.cause()))
                .unwrap_or_default(),
            AwsType::TaskTimedOut => event
                .task_timed_out_event_details()
                .map(|d| (d.error(), d.cause()))
                .unwrap_or_default(),
            AwsType::ExecutionFailed => {
                let (e, c) = event
                    .execution_failed_event_details()
                    .map(|d| (d.error(), d.cause()))
                    .unwrap_or_default();
                path.error = e.map(str::to_string).or(Some("States.Failed".into()));
                path.cause = c.map(str::to_string);
                continue;
            }
            AwsType::ExecutionTimedOut => {
                let (e, c) = event
                    .execution_timed_out_event_details()
                    .map(|d| (d.error(), d.cause()))
                    .unwrap_or_default();
                path.error = e.map(str::to_string).or(Some("States.Timeout".into()));
                path.cause = c.map(str::to_string);
                continue;
            }
            AwsType::ExecutionAborted => {
                let (e, c) = event
                    .execution_aborted_event_details()
                    .map(|d| (d.error(), d.cause()))
                    .unwrap_or_default();
                path.error = e.map(str::to_string).or(Some("Aborted".into()));
                path.cause = c.map(str::to_string);
                continue;
            }
            _ => continue,
        };
        if let Some(state) = path.states.iter_mut().rev().find(|s| s.exited_at.is_none()) {
            state.error = error.map(str::to_string);
            state.cause = cause.map(str::to_string);
        }
    }
    path
}
