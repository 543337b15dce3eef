//! Watching executions: live progress for the timeline, reconciling events
//! whose execution ended without recording a result, and provisioning the
//! topics and state machines.

use chrono::Utc;

use super::Context;
use super::by_name::{self, Lookup};
use super::execution_input::Setting;
use super::run::{setting, writable};
use super::watcher::CLAIM_GRACE_SECONDS;
use super::workflows::{LOCAL_SETUP, LOCAL_SETUP_SLUG, Workflow};
use super::{OpError, Outcome};
use crate::aws::AwsError;
use crate::aws::sfn::{Execution, MachineStatus};
use crate::aws::sns::TopicStatus;
use crate::aws::sns::topic_arn;
use crate::lifecycle::execution::{Progress, RunStatus};
use crate::lifecycle::lookup::rows_for;
use crate::lifecycle::{EventRecord, EventStatus, LOST, Lifecycle};

/// DescribeExecution and GetExecutionHistory of one execution.
pub async fn execution_progress(ctx: &Context, arn: &str) -> Result<Progress, OpError> {
    let execution = ctx.executions.describe(arn).await?;
    let state = ctx.executions.current_state(arn).await?;
    let elapsed = execution.started_at.map(|start| {
        execution
            .stopped_at
            .unwrap_or_else(Utc::now)
            .signed_duration_since(start)
    });
    Ok(Progress {
        status: execution.status,
        state,
        started_at: execution.started_at,
        elapsed,
        error: execution.error,
        cause: execution.cause,
    })
}

/// What `reconcile` makes of the running event of a lifecycle.
enum Verdict {
    /// Nothing to do: it runs, or nothing is claimed.
    Fine,
    /// Lost: record it ERROR with this reason.
    Lost(String),
    /// The claim has no ARN and its execution was found by name: write the
    /// ARN (and, when `lost`, record it ERROR as an ended execution is).
    Adopt { arn: String, lost: Option<String> },
    /// Whether its execution exists is unknown: keep the claim, check again.
    Unknown(String),
}

/// Why an execution that ended lost its run, if it did (broken, or
/// succeeded without its workflow recording a result).
fn ended_reason(execution: &Execution) -> Option<String> {
    match execution.status {
        status if status.is_broken() => Some(format!(
            "execution {}: {}: {}",
            status.name(),
            execution.error.as_deref().unwrap_or("no error"),
            execution.cause.as_deref().unwrap_or("no cause")
        )),
        RunStatus::Succeeded => Some("execution SUCCEEDED without recording a result".to_string()),
        _ => None,
    }
}

/// A claim with no execution: lost once the grace period is over.
fn unclaimed(record: &EventRecord, why: &str) -> Verdict {
    let age = record
        .started_at
        .map(|s| Utc::now().signed_duration_since(s).num_seconds());
    match age.filter(|a| *a > CLAIM_GRACE_SECONDS) {
        Some(a) => Verdict::Lost(format!("{LOST}{why} ({a} s after it was claimed)")),
        None => Verdict::Fine,
    }
}

/// What to do with the running event of `lc`. A claim without an ARN is
/// looked up by its deterministic name (killed after StartExecution, a lost
/// reply); only a name that does not exist after the grace period is lost.
async fn verdict(ctx: &Context, lc: &Lifecycle) -> Verdict {
    let Some((target, record)) = lc.running() else {
        return Verdict::Fine;
    };
    let unknown = |arn: &str, error: &AwsError| {
        Verdict::Unknown(format!(
            "{target} of {}: its execution {arn} is unknown ({error}), will check again",
            lc.lifecycle_id
        ))
    };
    let Some(arn) = record.execution_arn.as_deref() else {
        let named = match by_name::running_claim_arn(ctx, lc).await {
            Ok(Some(named)) => named,
            // No workflow runs this event: nothing can be found by name.
            Ok(None) => return unclaimed(record, "no execution was recorded for this run"),
            Err(err) => {
                return Verdict::Unknown(format!(
                    "{target} of {}: its execution's name cannot be resolved ({err}), will check again",
                    lc.lifecycle_id
                ));
            }
        };
        return match by_name::look_up(ctx, &named).await {
            Lookup::Found(execution) => Verdict::Adopt {
                lost: ended_reason(&execution),
                arn: execution.arn,
            },
            Lookup::Missing { arn } => unclaimed(
                record,
                &format!(
                    "no execution was recorded for this run and none exists under its name {arn}"
                ),
            ),
            Lookup::Unknown { arn, error } => unknown(&arn, &error),
        };
    };
    match by_name::look_up(ctx, arn).await {
        Lookup::Found(execution) => ended_reason(&execution).map_or(Verdict::Fine, Verdict::Lost),
        Lookup::Missing { .. } => {
            Verdict::Lost(format!("{LOST}its execution {arn} does not exist"))
        }
        Lookup::Unknown { arn, error } => unknown(&arn, &error),
    }
}

/// Marks lost events and retirements ERROR (conditional save), adopts the
/// executions of claims without an ARN (found by name), and refreshes lookup rows.
/// An execution that cannot be looked up is reported, not changed.
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
        changed.extend(super::retire::reconcile_retirements(ctx, &lc).await);
        let Some((target, before)) = lc.running().map(|(at, r)| (at, r.clone())) else {
            continue;
        };
        let (reason, adopted) = match verdict(ctx, &lc).await {
            Verdict::Fine => continue,
            Verdict::Unknown(message) => {
                tracing::warn!(lifecycle_id = %lc.lifecycle_id, %message, "execution unknown");
                changed.push(Outcome {
                    lifecycle: lc.clone(),
                    target,
                    execution_arn: None,
                    message,
                });
                continue;
            }
            Verdict::Lost(reason) => (reason, None),
            Verdict::Adopt { arn, lost } => {
                let saved = by_name::adopt(ctx, lc.clone(), target, before.attempt, &arn).await?;
                if let Some(reason) = lost {
                    (reason, Some(arn))
                } else {
                    changed.push(Outcome {
                        lifecycle: saved,
                        target,
                        message: format!(
                            "{target} of {}: adopted its running execution {arn}, found by name",
                            lc.lifecycle_id
                        ),
                        execution_arn: Some(arn),
                    });
                    continue;
                }
            }
        };
        // Read again: the execution may have recorded its result meanwhile.
        let mut fresh = ctx.store.get(&lc.lifecycle_id).await?;
        let still_running = fresh
            .record(target)
            .is_some_and(|r| r.status == EventStatus::InProgress && r.attempt == before.attempt);
        if !still_running {
            continue;
        }
        // A smoke test whose execution ended outside its graph may have left
        // its instance running: the cleanup machine terminates it. (A claim
        // that never had an execution launched nothing.)
        let ran = adopted.is_some() || before.execution_arn.is_some();
        let cleanup = if ran {
            super::cleanup::after_lost_run(ctx, &lc, target, before.attempt).await
        } else {
            None
        };
        let reason = match cleanup {
            Some(cleanup) => format!("{reason}; {cleanup}"),
            None => reason,
        };
        let Some(record) = fresh.record_mut(target) else {
            continue;
        };
        record.status = EventStatus::Error;
        record.finished_at = Some(Utc::now());
        record.reason = Some(reason.clone());
        let execution_arn = adopted.or(before.execution_arn.clone());
        match ctx.store.save(&fresh).await {
            Ok(saved) => changed.push(Outcome {
                lifecycle: saved,
                target,
                execution_arn,
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

/// Creates the four topics and seven state machines unless they exist (an
/// existing machine gets the repository's definition). The role ARN is
/// `AMIBOARD_WORKFLOW_ROLE_ARN`, else `<prefix>workflows` in the account.
/// On a custom endpoint (the local emulator) it also runs the local setup
/// machine: the demo pipeline, the buckets and the EC2 events rule.
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
    if ctx.target.endpoint.is_some() {
        report.push(local_setup(ctx, &s, &role).await?);
    }
    Ok(report)
}

/// What the local setup machine is given: names and ARNs of the demo
/// resources (the same prefix as everything else).
fn local_setup_input(s: &Setting) -> serde_json::Value {
    let name = format!("{}demo", s.prefix);
    let arn = |kind: &str, tail: &str| {
        format!(
            "arn:aws:imagebuilder:{}:{}:{kind}/{name}{tail}",
            s.region, s.account
        )
    };
    serde_json::json!({
        "region": s.region,
        "export_bucket": s.export_bucket(),
        "backup_bucket": s.backup_bucket(),
        "rule_name": format!("{}ec2-ami-events", s.prefix),
        "ec2_topic_arn": s.ec2_topic,
        "imagebuilder_topic_arn": s.imagebuilder_topic,
        "parent_image": format!("arn:aws:imagebuilder:{}:aws:image/amazon-linux-2023-x86/x.x.x", s.region),
        "components": [{ "ComponentArn": format!("arn:aws:imagebuilder:{}:aws:component/update-linux/x.x.x", s.region) }],
        "names": {
            "recipe": name,
            "infrastructure": name,
            "distribution": name,
            "pipeline": name,
            // As the template names them (SmokeInstanceProfile, VmImportRole,
            // the retire workflow's Image Builder lifecycle execution role).
            "smoke_instance": format!("{}smoke-instance", s.prefix),
            "vmimport": format!("{}vmimport", s.prefix),
            "image_lifecycle": format!("{}image-lifecycle", s.prefix),
        },
        "arns": {
            "recipe": arn("image-recipe", "/1.0.0"),
            "infrastructure": arn("infrastructure-configuration", ""),
            "distribution": arn("distribution-configuration", ""),
        },
    })
}

/// Creates or updates the local setup machine, runs it and waits (up to a
/// minute) for it to end.
async fn local_setup(ctx: &Context, s: &Setting, role: &str) -> Result<Provisioned, OpError> {
    let name = format!("{}{LOCAL_SETUP_SLUG}", s.prefix);
    let arn = format!(
        "arn:aws:states:{}:{}:stateMachine:{name}",
        s.region, s.account
    );
    let status = ctx
        .executions
        .ensure_machine(&name, &arn, LOCAL_SETUP, role)
        .await?;
    let run = format!("setup-{}", Utc::now().format("%Y%m%dT%H%M%S%.3f")).replace('.', "-");
    let input = local_setup_input(s).to_string();
    let started = ctx.executions.start(&arn, &run, &input).await?;
    for _ in 0..120 {
        let execution = ctx.executions.describe(&started.arn).await?;
        match execution.status {
            RunStatus::Running => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            RunStatus::Succeeded => return Ok(Provisioned::Machine(status)),
            other => {
                return Err(OpError::Unavailable(format!(
                    "the local setup {} ended {}: {}",
                    started.arn,
                    other.name(),
                    execution.cause.unwrap_or_default()
                )));
            }
        }
    }
    Err(OpError::Unavailable(format!(
        "the local setup {} did not end within a minute",
        started.arn
    )))
}
