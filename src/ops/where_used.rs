//! Where a lifecycle's AMIs are used: the recorded answer of the where-used
//! workflow, and refreshing it (a write: it starts an execution). The
//! workflow asks EC2 in the region it runs in only (Step Functions' SDK
//! integrations call their own region), so other regions' AMIs are "not
//! checked here".

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;

use super::run::{acting, setting};
use super::workflows::Workflow;
use super::{Context, OpError};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::execution::RunStatus;

/// How long `--refresh` waits for the answer before it says so.
pub const REFRESH_WAIT: Duration = Duration::from_mins(5);

/// The lifecycle an id, a short id or an AMI id names, with the AMI when
/// one was given (`ami-…`: the lifecycle whose stage built it).
pub async fn find(ctx: &Context, typed: &str) -> Result<(Lifecycle, Option<String>), OpError> {
    let typed = typed.trim();
    if typed.starts_with("ami-") {
        let listing = ctx.store.list_all(None, &mut |_| {}).await?;
        return listing
            .lifecycles
            .into_iter()
            .find(|lc| {
                lc.stages()
                    .into_iter()
                    .any(|s| lc.stage_amis(s).iter().any(|a| a.ami_id == typed))
            })
            .map(|lc| (lc, Some(typed.to_string())))
            .ok_or_else(|| {
                crate::aws::AwsError::NotFound {
                    resource: format!("a lifecycle that built {typed}"),
                }
                .into()
            });
    }
    let id = super::resolve_id(ctx, typed).await?;
    Ok((ctx.store.get(&id).await?, None))
}

/// The AMIs of `lc` in `region`, every stage, without repeats.
pub fn regional_amis(lc: &Lifecycle, region: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for stage in lc.stages() {
        for ami in lc.stage_amis(stage) {
            if ami.region == region && !ids.contains(&ami.ami_id) {
                ids.push(ami.ami_id.clone());
            }
        }
    }
    ids
}

/// Starts the where-used workflow for `lc` and waits for its answer (at
/// most `wait`); returns the lifecycle as re-read.
pub async fn refresh(
    ctx: &Context,
    actor: &str,
    lc: &Lifecycle,
    wait: Duration,
) -> Result<Lifecycle, OpError> {
    acting(ctx, actor)?;
    let s = setting(ctx).await?;
    let amis = regional_amis(lc, &s.region);
    if amis.is_empty() {
        return Err(OpError::Invalid(format!(
            "{} has no AMI in {}, the region the workflows run in: other regions' AMIs are not checked here (Step Functions' SDK integrations call only their own region).",
            lc.lifecycle_id, s.region
        )));
    }
    let now = Utc::now();
    let name = format!(
        "{}-whereused-{}",
        lc.lifecycle_id,
        now.format("%Y%m%dT%H%M%S%3f")
    );
    let input = json!({
        "lifecycle_id": lc.lifecycle_id,
        "table": s.lifecycle_table,
        "region": s.region,
        "actor": actor,
        "ami_ids": amis,
    });
    let machine = Workflow::WhereUsed.machine_arn(&s.prefix, &s.region, &s.account);
    let started = ctx
        .executions
        .start(&machine, &name, &input.to_string())
        .await?;
    wait_for_execution(ctx, &started.arn, wait).await?;
    let read = ctx.store.get(&lc.lifecycle_id).await?;
    match failed_run(&read, &started.arn) {
        Some(why) => Err(OpError::Unavailable(why)),
        None => Ok(read),
    }
}

/// Asks EC2 again about `lc` before a retirement
/// judges its references, so no retirement goes on an old answer: unless
/// `recent` is given and the recorded answer is at most that old and covers
/// the lifecycle's AMIs of the workflows' region. `Ok(false)` when nothing
/// was asked (no AMI in that region, or the answer is recent); a refresh
/// that fails is the error.
pub async fn ask_before_retiring(
    ctx: &Context,
    actor: &str,
    lc: &Lifecycle,
    recent: Option<chrono::TimeDelta>,
) -> Result<bool, OpError> {
    let region = &ctx.target.region;
    let amis = regional_amis(lc, region);
    if amis.is_empty() {
        return Ok(false);
    }
    let fresh = recent.is_some_and(|limit| {
        lc.where_used.as_ref().is_some_and(|w| {
            Utc::now().signed_duration_since(w.as_of) <= limit
                && amis.iter().all(|a| w.covers(region, a))
        })
    });
    if fresh {
        return Ok(false);
    }
    refresh(ctx, actor, lc, REFRESH_WAIT).await?;
    Ok(true)
}

/// The refusal when `arn`'s run recorded a failure instead of an answer:
/// the execution succeeded (the failure is recorded, not raised), but what
/// was asked is not known, and nothing may go on as if it were (a retirement
/// would judge an old answer).
pub fn failed_run(lc: &Lifecycle, arn: &str) -> Option<String> {
    let failure = lc.where_used_error.as_ref()?;
    if failure.execution_arn.as_deref() != Some(arn) {
        return None;
    }
    let kept = match &lc.where_used {
        Some(w) => format!(
            "the answer of {} is kept",
            w.as_of.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => "no answer is recorded".to_string(),
    };
    Some(format!(
        "EC2 could not be asked ({}): {}; {kept}",
        arn, failure.reason
    ))
}

/// Waits until the execution ends (at most `wait`); a failed execution is
/// an error naming its cause.
pub async fn wait_for_execution(ctx: &Context, arn: &str, wait: Duration) -> Result<(), OpError> {
    let start = Instant::now();
    let deadline = start.checked_add(wait).unwrap_or(start);
    loop {
        let execution = ctx.executions.describe(arn).await?;
        match execution.status {
            RunStatus::Running => {}
            RunStatus::Succeeded => return Ok(()),
            other => {
                return Err(OpError::Unavailable(format!(
                    "execution {arn} ended {other:?}: {} {}",
                    execution.error.unwrap_or_default(),
                    execution.cause.unwrap_or_default()
                )));
            }
        }
        if Instant::now() >= deadline {
            return Err(OpError::Unavailable(format!(
                "execution {arn} is still running after {}s: its answer will be recorded when it ends",
                wait.as_secs()
            )));
        }
        tokio::time::sleep(ctx.config.workflow_poll).await;
    }
}
