//! Retire and restore, one way for the dashboard and the command line: the
//! preview (everything a retirement touches, before any write), then the
//! claim of the stage's retirement record (conditional write), the retire
//! workflow's execution under a deterministic name, and its ARN recorded.
//! The rules are `lifecycle::retire`'s.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::execution_input::{Setting, dynamo_json};
use super::run::{acting, setting};
use super::workflows::Workflow;
use super::{Context, OpError};
use crate::aws::AwsError;
use crate::lifecycle::lookup::{reference_date, rows_for};
use crate::lifecycle::retire::{
    Preview, RetireAction, RetireRefusal, RetireRequest, Retirement, check_retire, record_path,
    retire_target, stage_key, stage_of_key, superseded_in,
};
use crate::lifecycle::{EventStatus, Lifecycle, Refusal, Stage};

/// What a person asks: which lifecycle (id, short id or AMI id), what to do.
#[derive(Debug, Clone)]
pub struct RetireAsk {
    pub typed: String,
    pub action: RetireAction,
    pub deprecate_at: Option<DateTime<Utc>>,
    /// `--override-in-use --reason TEXT`.
    pub override_reason: Option<String>,
    /// The stage, when the caller knows it (the policy); else the AMI's
    /// stage, or the newest stage that built AMIs.
    pub stage: Option<Stage>,
}

/// How old a where-used answer may be for a retirement to judge its
/// references on it. An older one (or none) is asked again first, whoever
/// retires: the command line (which asks before its preview), the dashboard's
/// dialog and the retention policy alike.
pub const RECENT_ANSWER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// A retirement checked against the rules, with the records it read.
#[derive(Debug, Clone)]
pub struct Planned {
    pub lifecycle: Lifecycle,
    pub preview: Preview,
}

/// A started retirement.
#[derive(Debug, Clone)]
pub struct RetireStarted {
    pub lifecycle: Lifecycle,
    pub preview: Preview,
    pub execution_arn: String,
    pub message: String,
}

/// The ARN of the role Image Builder assumes for a retirement.
pub fn lifecycle_role_arn(s: &Setting) -> String {
    format!(
        "arn:aws:iam::{}:role/{}image-lifecycle",
        s.account, s.prefix
    )
}

fn refused(refusal: RetireRefusal) -> OpError {
    OpError::Refused(Refusal::Retire(refusal))
}

/// Checks a retirement on the records as they are now: writes nothing.
pub async fn plan(ctx: &Context, actor: &str, ask: &RetireAsk) -> Result<Planned, OpError> {
    let (lc, ami) = super::where_used::find(ctx, &ask.typed).await?;
    plan_for(ctx, actor, lc, ami.as_deref(), ask).await
}

async fn plan_for(
    ctx: &Context,
    actor: &str,
    lc: Lifecycle,
    ami: Option<&str>,
    ask: &RetireAsk,
) -> Result<Planned, OpError> {
    let stage = ask
        .stage
        .or_else(|| retire_target(&lc, ami))
        .ok_or_else(|| {
            refused(RetireRefusal::NothingBuilt {
                stage: Stage::Creation,
            })
        })?;
    let peers = ctx.store.list_all(Some(&lc.stack_tag), &mut |_| {}).await?;
    let mut all = peers.lifecycles;
    // The lifecycle as just read wins over the listing's copy.
    all.retain(|p| p.lifecycle_id != lc.lifecycle_id);
    all.push(lc.clone());
    let superseded = superseded_in(&all, &lc.lifecycle_id, stage);
    let request = RetireRequest {
        action: ask.action,
        deprecate_at: ask.deprecate_at,
        override_reason: ask.override_reason.clone(),
        actor: actor.to_string(),
        now: Utc::now(),
    };
    let preview = check_retire(&lc, stage, &superseded, &request).map_err(refused)?;
    Ok(Planned {
        lifecycle: lc,
        preview,
    })
}

/// Claims the stage's retirement and starts the retire workflow. The
/// preview the caller confirmed is checked again on the records as read
/// now; a concurrent change loses the conditional write and is named.
pub async fn retire(ctx: &Context, actor: &str, ask: &RetireAsk) -> Result<RetireStarted, OpError> {
    acting(ctx, actor)?;
    if ask.action != RetireAction::Restore {
        let (lc, _) = super::where_used::find(ctx, &ask.typed).await?;
        super::where_used::ask_before_retiring(ctx, actor, &lc, Some(RECENT_ANSWER)).await?;
    }
    let Planned {
        lifecycle: mut lc,
        preview,
    } = plan(ctx, actor, ask).await?;
    let now = Utc::now();
    let stage = preview.stage;
    let index = if let Some(i) = lc.retirement_index(stage) {
        lc.retirements[i].claim(ask.action, ask.deprecate_at, actor, now);
        i
    } else {
        lc.retirements.push(Retirement::claimed(
            stage,
            ask.action,
            ask.deprecate_at,
            actor,
            now,
        ));
        lc.retirements.len().saturating_sub(1)
    };
    lc.retirements[index]
        .approval_override
        .clone_from(&preview.approval_override);
    let attempt = lc.retirements[index].attempt;
    let s = setting(ctx).await?;
    let claimed = match ctx.store.save(&lc).await {
        Ok(saved) => saved,
        Err(AwsError::Conflict { .. }) => {
            return Err(OpError::LostRace {
                message: format!(
                    "{} changed while retiring: nothing was started; look again and retry.",
                    lc.lifecycle_id
                ),
            });
        }
        Err(err) => return Err(err.into()),
    };
    let input = retire_input(&claimed, &preview, index, attempt, actor, &s, now);
    let name = format!(
        "{}-{}-retire-{attempt}",
        claimed.lifecycle_id,
        stage_key(stage)
    );
    let machine = Workflow::Retire.machine_arn(&s.prefix, &s.region, &s.account);
    let arn = match ctx
        .executions
        .start(&machine, &name, &input.to_string())
        .await
    {
        Ok(started) => started.arn,
        Err(err) => {
            let arn = crate::aws::sfn::execution_arn(&machine, &name);
            if ctx.executions.describe(&arn).await.is_ok() {
                arn
            } else {
                note(ctx, &claimed.lifecycle_id, index, attempt, |r| {
                    r.status = EventStatus::Error;
                    r.reason = Some(format!("the workflow could not be started: {err}"));
                    r.finished_at = Some(Utc::now());
                })
                .await;
                return Err(err.into());
            }
        }
    };
    let stored = note(ctx, &claimed.lifecycle_id, index, attempt, |r| {
        if r.execution_arn.is_none() {
            r.execution_arn = Some(arn.clone());
        }
    })
    .await
    .unwrap_or(claimed);
    Ok(RetireStarted {
        lifecycle: stored,
        message: format!(
            "Started {} of {} ({}, attempt {attempt}).",
            ask.action.event_name(),
            preview.lifecycle_id,
            stage.label()
        ),
        preview,
        execution_arn: arn,
    })
}

/// Applies `change` to the retirement at `index` while it is still
/// `attempt`, re-reading on a lost conditional write (a few rounds).
async fn note(
    ctx: &Context,
    lifecycle_id: &str,
    index: usize,
    attempt: u32,
    change: impl Fn(&mut Retirement),
) -> Option<Lifecycle> {
    for _ in 0..6 {
        let mut lc = ctx.store.get(lifecycle_id).await.ok()?;
        let record = lc
            .retirements
            .get_mut(index)
            .filter(|r| r.attempt == attempt)?;
        change(record);
        match ctx.store.save(&lc).await {
            Ok(saved) => return Some(saved),
            Err(AwsError::Conflict { .. }) => {}
            Err(err) => {
                tracing::warn!(error = %err, "could not note the retirement's execution");
                return None;
            }
        }
    }
    None
}

/// The retire workflow's input (`docs/retirement.md`).
pub fn retire_input(
    lc: &Lifecycle,
    preview: &Preview,
    index: usize,
    attempt: u32,
    actor: &str,
    s: &Setting,
    now: DateTime<Utc>,
) -> Value {
    let action = preview.action;
    let amis: Vec<Value> = preview
        .amis
        .iter()
        .map(|a| json!({"Region": a.region, "Image": a.ami_id}))
        .collect();
    let lookup = match action {
        RetireAction::Disable | RetireAction::Delete => "remove",
        RetireAction::Restore => "restore",
        RetireAction::Deprecate => "keep",
    };
    json!({
        "lifecycle_id": lc.lifecycle_id,
        "stack_tag": lc.stack_tag,
        "table": s.lifecycle_table,
        "lookup_table": s.lookup_table,
        "record_path": record_path(index),
        "attempt": attempt,
        "attempt_text": attempt.to_string(),
        "actor": actor,
        "event": action.event_name(),
        "action": action.resource_status(),
        "resource_status": action.resource_status(),
        "stage": stage_key(preview.stage),
        "image_arn": preview.image_arn,
        "execution_role": lifecycle_role_arn(s),
        "update_at": preview.deprecate_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "include_resources": {"Amis": true, "Snapshots": action == RetireAction::Delete},
        "amis": amis,
        "ami_ids": preview.amis.iter().map(|a| a.ami_id.clone()).collect::<Vec<_>>(),
        "lookup": lookup,
        "lookup_row": restored_row(lc, preview.stage, now),
        "topic_arn": s.lifecycle_topic,
        "poll": s.poll(Workflow::Retire),
        "override": preview.approval_override.as_ref().map(|o| json!({
            "by": o.by, "reason": o.reason,
            "at": o.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "overridden": o.overridden,
        })),
    })
}

/// The lookup row fields of `stage` as they will be once it is available
/// again (DynamoDB's typed JSON; the workflow adds id, AMI and region).
fn restored_row(lc: &Lifecycle, stage: Stage, now: DateTime<Utc>) -> Value {
    let mut available = lc.clone();
    available.retirements.retain(|r| r.stage() != Some(stage));
    let first = lc.stage_amis(stage).first().map(|a| a.ami_id.clone());
    let Some(row) = rows_for(&available, now)
        .into_iter()
        .find(|r| Some(&r.ami_id) == first.as_ref())
    else {
        return Value::Null;
    };
    let value = json!({
        "stack_tag": row.stack_tag,
        "ami_semver": row.ami_semver,
        "product_name": row.product_name,
        "product_ver": row.product_ver,
        "commit_ref": row.commit_ref,
        "lifecycle_id": row.lifecycle_id,
        "lifecycle_type": row.lifecycle_type,
        "lifecycle_event": row.lifecycle_event,
        "lifecycle_score": row.lifecycle_score,
        "last_modified": reference_date(now),
        "last_modified_utc": row.last_modified_utc,
    });
    dynamo_json(&value).get("M").cloned().unwrap_or(Value::Null)
}

/// Retirements whose run was lost: a claim still IN_PROGRESS whose
/// execution ended without recording (aborted, timed out, failed outside its
/// graph, or SUCCEEDED with nothing written), or that has no execution once
/// the claim's grace period is over. Each is marked ERROR with the reason
/// (conditional save of that attempt only), so the lifecycle can be retired
/// again; a running execution found by its deterministic name is adopted.
/// An execution that cannot be looked up is left as it is.
pub async fn reconcile_retirements(ctx: &Context, lc: &Lifecycle) -> Vec<super::Outcome> {
    use super::by_name::{self, Lookup};
    use crate::lifecycle::execution::RunStatus;
    use crate::lifecycle::{EventKind, EventRef, LOST};

    let mut changed = Vec::new();
    let running: Vec<(usize, Retirement)> = lc
        .retirements
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == EventStatus::InProgress)
        .map(|(i, r)| (i, r.clone()))
        .collect();
    if running.is_empty() {
        return changed;
    }
    let Ok(s) = setting(ctx).await else {
        return changed;
    };
    let machine = Workflow::Retire.machine_arn(&s.prefix, &s.region, &s.account);
    for (index, r) in running {
        let arn = r.execution_arn.clone().unwrap_or_else(|| {
            let name = format!("{}-{}-retire-{}", lc.lifecycle_id, r.stage, r.attempt);
            crate::aws::sfn::execution_arn(&machine, &name)
        });
        let grace_over = r.started_at.is_none_or(|at| {
            Utc::now().signed_duration_since(at).num_seconds() > super::watcher::CLAIM_GRACE_SECONDS
        });
        let lost = match by_name::look_up(ctx, &arn).await {
            Lookup::Found(execution) => match execution.status {
                status if status.is_broken() => Some(format!(
                    "{LOST}execution {}: {}: {}",
                    status.name(),
                    execution.error.as_deref().unwrap_or("no error"),
                    execution.cause.as_deref().unwrap_or("no cause")
                )),
                RunStatus::Succeeded => Some(format!(
                    "{LOST}execution {arn} SUCCEEDED without recording a result"
                )),
                _ => {
                    if r.execution_arn.is_none() {
                        note(ctx, &lc.lifecycle_id, index, r.attempt, |rec| {
                            if rec.execution_arn.is_none() {
                                rec.execution_arn = Some(arn.clone());
                            }
                        })
                        .await;
                    }
                    None
                }
            },
            Lookup::Missing { .. } if grace_over => {
                Some(format!("{LOST}its execution {arn} does not exist"))
            }
            Lookup::Missing { .. } => None,
            Lookup::Unknown { arn, error } => {
                tracing::warn!(%arn, %error, "retirement's execution unknown");
                None
            }
        };
        let Some(reason) = lost else { continue };
        let saved = note(ctx, &lc.lifecycle_id, index, r.attempt, |rec| {
            if rec.status == EventStatus::InProgress {
                rec.status = EventStatus::Error;
                rec.finished_at = Some(Utc::now());
                rec.reason = Some(reason.clone());
            }
        })
        .await;
        let Some(saved) = saved else { continue };
        let stage = stage_of_key(&r.stage).unwrap_or(Stage::Creation);
        changed.push(super::Outcome {
            lifecycle: saved,
            target: EventRef {
                stage,
                event: EventKind::MarkForProduction,
            },
            execution_arn: Some(arn),
            message: format!(
                "{} of {} ({}) is ERROR: {reason}",
                r.action.event_name(),
                lc.lifecycle_id,
                stage.label()
            ),
        });
    }
    changed
}
