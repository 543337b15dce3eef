//! Step Functions: create or update amiboard's state machines, start an
//! execution under a deterministic name, and read an execution's status,
//! current state and history, in domain types.

use chrono::{DateTime, Utc};

use aws_sdk_sfn::types::ExecutionStatus as AwsExecutionStatus;
use aws_sdk_sfn::types::HistoryEventType as AwsHistoryEventType;

use super::client::Clients;
use super::error::{AwsError, Call, classify};
use crate::lifecycle::execution::RunStatus;

/// What provisioning did to one state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineStatus {
    Created {
        name: String,
        arn: String,
    },
    /// It existed; its definition was updated to the one in the repository.
    Existed {
        name: String,
        arn: String,
    },
}

/// One execution, as DescribeExecution tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub arn: String,
    pub status: RunStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// The result of StartExecution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub arn: String,
    /// An execution of that name existed already (a retried call).
    pub already_existed: bool,
}

fn call<'a>(operation: &'static str, resource: &'a str) -> Call<'a> {
    Call {
        service: "Step Functions",
        operation,
        resource,
    }
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// Creates the state machine, or updates its definition when it exists.
pub async fn ensure_state_machine(
    clients: &Clients,
    name: &str,
    arn: &str,
    definition: &str,
    role_arn: &str,
) -> Result<MachineStatus, AwsError> {
    let endpoint = clients.endpoint_label_for("SFN");
    if clients
        .sfn
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .is_ok()
    {
        clients
            .sfn
            .update_state_machine()
            .state_machine_arn(arn)
            .definition(definition)
            .role_arn(role_arn)
            .send()
            .await
            .map_err(|e| classify(call("UpdateStateMachine", name), &endpoint, e))?;
        return Ok(MachineStatus::Existed {
            name: name.to_string(),
            arn: arn.to_string(),
        });
    }
    let out = clients
        .sfn
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role_arn)
        .send()
        .await
        .map_err(|e| classify(call("CreateStateMachine", name), &endpoint, e))?;
    Ok(MachineStatus::Created {
        name: name.to_string(),
        arn: out.state_machine_arn().to_string(),
    })
}

/// The definition of a deployed state machine, or `None` when there is none.
pub async fn machine_definition(clients: &Clients, arn: &str) -> Result<Option<String>, AwsError> {
    match clients
        .sfn
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.definition().to_string())),
        Err(e) => {
            let err = classify(
                call("DescribeStateMachine", arn),
                &clients.endpoint_label_for("SFN"),
                e,
            );
            if err.is_missing_resource() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Starts an execution named `name`. An execution of that name that exists
/// already counts as started: a retried call never starts a second one.
pub async fn start_execution(
    clients: &Clients,
    machine_arn: &str,
    name: &str,
    input: &str,
) -> Result<Started, AwsError> {
    let started = std::time::Instant::now();
    let result = clients
        .sfn
        .start_execution()
        .state_machine_arn(machine_arn)
        .name(name)
        .input(input)
        .send()
        .await;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis(), %name, "sfn StartExecution");
    match result {
        Ok(out) => Ok(Started {
            arn: out.execution_arn().to_string(),
            already_existed: false,
        }),
        Err(e) => {
            let err = classify(
                call("StartExecution", name),
                &clients.endpoint_label_for("SFN"),
                e,
            );
            if err.code() == Some("ExecutionAlreadyExists") {
                Ok(Started {
                    arn: execution_arn(machine_arn, name),
                    already_existed: true,
                })
            } else {
                Err(err)
            }
        }
    }
}

/// The ARN of execution `name` of a state machine.
pub fn execution_arn(machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

/// DescribeExecution.
pub async fn describe(clients: &Clients, arn: &str) -> Result<Execution, AwsError> {
    let out = clients
        .sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("DescribeExecution", arn),
                &clients.endpoint_label_for("SFN"),
                e,
            )
        })?;
    let status = match out.status() {
        AwsExecutionStatus::Running => RunStatus::Running,
        AwsExecutionStatus::Succeeded => RunStatus::Succeeded,
        AwsExecutionStatus::Failed => RunStatus::Failed,
        AwsExecutionStatus::TimedOut => RunStatus::TimedOut,
        AwsExecutionStatus::Aborted => RunStatus::Aborted,
        _ => RunStatus::Other,
    };
    Ok(Execution {
        arn: arn.to_string(),
        status,
        started_at: time(Some(out.start_date())),
        stopped_at: time(out.stop_date()),
        error: out.error().map(str::to_string),
        cause: out.cause().map(str::to_string),
    })
}

/// The name of the state the execution entered last (GetExecutionHistory, newest first).
pub async fn current_state(clients: &Clients, arn: &str) -> Result<Option<String>, AwsError> {
    let out = clients
        .sfn
        .get_execution_history()
        .execution_arn(arn)
        .reverse_order(true)
        .max_results(50)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("GetExecutionHistory", arn),
                &clients.endpoint_label_for("SFN"),
                e,
            )
        })?;
    Ok(out
        .events()
        .iter()
        .filter(|e| {
            !matches!(
                e.r#type(),
                AwsHistoryEventType::MapIterationStarted | AwsHistoryEventType::MapStateStarted
            )
        })
        .find_map(|e| {
            e.state_entered_event_details()
                .map(|d| d.name().to_string())
        }))
}

/// The ARNs of every execution of a state machine (ListExecutions, to the end).
pub async fn list_executions(
    clients: &Clients,
    machine_arn: &str,
) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let out = clients
            .sfn
            .list_executions()
            .state_machine_arn(machine_arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                classify(
                    call("ListExecutions", machine_arn),
                    &clients.endpoint_label_for("SFN"),
                    e,
                )
            })?;
        arns.extend(
            out.executions()
                .iter()
                .map(|e| e.execution_arn().to_string()),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(arns)
}

/// The ARNs of a state machine's executions in `status` started at or after
/// `since` (ListExecutions with a status filter; it lists newest first, so
/// paging stops at the first older one).
pub async fn list_in_status(
    clients: &Clients,
    machine_arn: &str,
    status: RunStatus,
    since: DateTime<Utc>,
) -> Result<Vec<String>, AwsError> {
    let filter = match status {
        RunStatus::Running => AwsExecutionStatus::Running,
        RunStatus::Succeeded => AwsExecutionStatus::Succeeded,
        RunStatus::Failed => AwsExecutionStatus::Failed,
        RunStatus::TimedOut => AwsExecutionStatus::TimedOut,
        RunStatus::Aborted => AwsExecutionStatus::Aborted,
        RunStatus::Other => return Ok(Vec::new()),
    };
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let started = std::time::Instant::now();
        let out = clients
            .sfn
            .list_executions()
            .state_machine_arn(machine_arn)
            .status_filter(filter.clone())
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                classify(
                    call("ListExecutions", machine_arn),
                    &clients.endpoint_label_for("SFN"),
                    e,
                )
            })?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis(), %machine_arn, status = status.name(), "sfn ListExecutions");
        let mut older = false;
        for item in out.executions() {
            // Newest first: one older than `since` ends the search.
            if time(Some(item.start_date())).is_some_and(|at| at < since) {
                older = true;
                break;
            }
            arns.push(item.execution_arn().to_string());
        }
        token = out.next_token().map(str::to_string);
        if older || token.is_none() {
            break;
        }
    }
    Ok(arns)
}

#[async_trait::async_trait]
impl super::ports::Executions for Clients {
    async fn list_in_status(
        &self,
        machine_arn: &str,
        status: RunStatus,
        since: DateTime<Utc>,
    ) -> Result<Vec<String>, AwsError> {
        list_in_status(self, machine_arn, status, since).await
    }
    async fn start(&self, machine_arn: &str, name: &str, input: &str) -> Result<Started, AwsError> {
        start_execution(self, machine_arn, name, input).await
    }
    async fn describe(&self, execution_arn: &str) -> Result<Execution, AwsError> {
        describe(self, execution_arn).await
    }
    async fn current_state(&self, execution_arn: &str) -> Result<Option<String>, AwsError> {
        current_state(self, execution_arn).await
    }
    async fn path(
        &self,
        execution_arn: &str,
    ) -> Result<crate::lifecycle::execution::ExecutionPath, AwsError> {
        super::sfn_history::execution_path(self, execution_arn).await
    }
    async fn ensure_machine(
        &self,
        name: &str,
        arn: &str,
        definition: &str,
        role_arn: &str,
    ) -> Result<MachineStatus, AwsError> {
        ensure_state_machine(self, name, arn, definition, role_arn).await
    }
    async fn machine_definition(&self, arn: &str) -> Result<Option<String>, AwsError> {
        machine_definition(self, arn).await
    }
}
