//! Watching executions: live progress for the timeline, reconciling events
//! whose execution ended without recording a result, and provisioning the
//! topics and state machines.

use chrono::Utc;

use super::Context;
use super::run::{setting, writable};
use super::workflows::Workflow;
use super::{OpError, Outcome};
use crate::aws::AwsError;
use crate::aws::sfn::MachineStatus;
use crate::aws::sns::TopicStatus;
use crate::aws::sns::topic_arn;
use crate::lifecycle::execution::{Progress, RunStatus};
use crate::lifecycle::lookup::rows_for;
use crate::lifecycle::{EventStatus, Lifecycle};

/// How long an IN_PROGRESS event may have no execution before it counts as lost.
const CLAIM_GRACE_SECONDS: i64 = 120;

/// DescribeExecution and GetExecutionHistory of one execution.
pub async fn execution_progress(ctx: &Context, arn: &str) -> Result<Progress, OpError> {
    let execution = ctx.executions.describe(arn).await?;
    let state = ctx.executions.current_state(arn).await?;
    let elapsed = execution
        .started_at
        .map(|start| execution.stopped_at.unwrap_or_else(Utc::now) - start);
    Ok(Progress {
        status: execution.status,
        state,
        started_at: execution.started_at,
        elapsed,
        error: execution.error,
        cause: execution.cause,
    })
}

/// Why the running event of `lc` is lost, if it is.
async fn lost_reason(ctx: &Context, lc: &Lifecycle) -> Result<Option<String>, OpError> {
    let Some((_, record)) = lc.running() else {
        return Ok(None);
    };
    let Some(arn) = record.execution_arn.as_deref() else {
        let age = record.started_at.map(|s| (Utc::now() - s).num_seconds());
        return Ok(age.filter(|a| *a > CLAIM_GRACE_SECONDS).map(|a| {
            format!("no execution was recorded for this run ({a} s after it was claimed)")
        }));
    };
    let execution = match ctx.executions.describe(arn).await {
        Ok(execution) => execution,
        Err(err) if err.is_missing_resource() => {
            return Ok(Some(format!("its execution {arn} does not exist")));
        }
        Err(err) => return Err(err.into()),
    };
    Ok(match execution.status {
        status if status.is_broken() => Some(format!(
            "execution {}: {}: {}",
            status.name(),
            execution.error.as_deref().unwrap_or("no error"),
            execution.cause.as_deref().unwrap_or("no cause")
        )),
        RunStatus::Succeeded => Some("execution SUCCEEDED without recording a result".to_string()),
        _ => None,
    })
}

/// Marks lost events ERROR (conditional save) and refreshes lookup rows.
pub async fn reconcile(ctx: &Context, lifecycle_id: Option<&str>) -> Result<Vec<Outcome>, OpError> {
    writable(ctx)?;
    let lifecycles = match lifecycle_id {
        Some(id) => vec![ctx.store.get(id).await?],
        None => ctx.store.list_all(None, &mut |_| {}).await?.lifecycles,
    };
    let mut changed = Vec::new();
    for lc in lifecycles {
        if let Err(err) = ctx
            .store
            .upsert_lookup_rows(&rows_for(&lc, Utc::now()))
            .await
        {
            tracing::warn!(error = %err, "lookup rows not refreshed");
        }
        let Some(reason) = lost_reason(ctx, &lc).await? else {
            continue;
        };
        // Read again: the execution may have recorded its result meanwhile.
        let mut fresh = ctx.store.get(&lc.lifecycle_id).await?;
        let Some((target, before)) = lc.running().map(|(at, r)| (at, r.clone())) else {
            continue;
        };
        let Some(record) = fresh
            .record_mut(target)
            .filter(|r| r.status == EventStatus::InProgress && r.attempt == before.attempt)
        else {
            continue;
        };
        record.status = EventStatus::Error;
        record.finished_at = Some(Utc::now());
        record.reason = Some(reason.clone());
        match ctx.store.save(&fresh).await {
            Ok(saved) => changed.push(Outcome {
                lifecycle: saved,
                target,
                execution_arn: before.execution_arn.clone(),
                message: format!("{target} of {} is ERROR: {reason}", lc.lifecycle_id),
            }),
            Err(AwsError::Conflict { .. }) => {
                tracing::info!(lifecycle_id = %lc.lifecycle_id, "changed while reconciling; left for the next pass");
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(changed)
}

/// One line of what provisioning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    Topic(TopicStatus),
    Machine(MachineStatus),
}

/// Creates the four topics and six state machines unless they exist (an
/// existing machine gets the repository's definition). The role ARN is
/// `AMIBOARD_WORKFLOW_ROLE_ARN`, else `<prefix>workflows` in the account.
pub async fn provision_workflows(ctx: &Context) -> Result<Vec<Provisioned>, OpError> {
    writable(ctx)?;
    let s = setting(ctx).await?;
    let identity = ctx.identity.who_am_i().await?;
    let mut report = Vec::new();
    let topics = &ctx.config.topics;
    for name in [
        &topics.lifecycle,
        &topics.imagebuilder,
        &topics.ec2_events,
        &topics.run_command,
    ] {
        let arn = topic_arn(name, &s.region, &identity.account);
        let short = arn.rsplit(':').next().unwrap_or(name).to_string();
        report.push(Provisioned::Topic(
            ctx.publisher.ensure_topic(&short, &arn).await?,
        ));
    }
    let role = std::env::var("AMIBOARD_WORKFLOW_ROLE_ARN")
        .unwrap_or_else(|_| format!("arn:aws:iam::{}:role/{}workflows", s.account, s.prefix));
    for workflow in Workflow::ALL {
        let name = workflow.machine_name(&s.prefix);
        let arn = workflow.machine_arn(&s.prefix, &s.region, &s.account);
        report.push(Provisioned::Machine(
            ctx.executions
                .ensure_machine(&name, &arn, workflow.definition(), &role)
                .await?,
        ));
    }
    Ok(report)
}
