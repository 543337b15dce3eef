//! Triggering one way for dashboard and CLI: check the rules locally, claim
//! the event with a conditional write, start the execution under a
//! deterministic name, record its ARN; undo the claim if nothing started.

use chrono::Utc;

use super::Context;
use super::by_name::{Lookup, look_up};
use super::execution_input::{Setting, execution_input, execution_name};
use super::workflows::Workflow;
use super::{OpError, Outcome};
use crate::aws::AwsError;
use crate::aws::sns::topic_arn;
use crate::lifecycle::approvals::{ApprovalOverride, person, short};
use crate::lifecycle::rules::{check_trigger, trigger_target};
use crate::lifecycle::{EventRecord, EventRef, EventStatus, Lifecycle, Refusal};

/// Who the caller is, as records name them: the caller's full ARN (STS).
/// Refused when STS does not answer or names nobody: nothing is done for
/// an unknown caller.
pub async fn actor(ctx: &Context) -> Result<String, OpError> {
    match ctx.identity.who_am_i().await {
        Ok(identity) => {
            let actor = identity.actor();
            known(&actor)?;
            Ok(actor)
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot tell who the caller is");
            Err(Refusal::UnknownCaller {
                why: err.to_string(),
            }
            .into())
        }
    }
}

/// Refuses to act for an actor that names nobody (empty, `unknown`).
fn known(actor: &str) -> Result<(), Refusal> {
    match person(actor) {
        Some(_) => Ok(()),
        None => Err(Refusal::UnknownCaller {
            why: "STS did not say who the caller is".to_string(),
        }),
    }
}

/// What every write checks first: not read-only, and a known caller.
pub(super) fn acting(ctx: &Context, actor: &str) -> Result<(), OpError> {
    writable(ctx)?;
    Ok(known(actor)?)
}

/// Where the workflows run: the account (STS), region, tables and topic ARNs.
pub async fn setting(ctx: &Context) -> Result<Setting, OpError> {
    let identity = ctx.identity.who_am_i().await?;
    let region = ctx.target.region.clone();
    let account = identity.account;
    let topic = |name: &str| topic_arn(name, &region, &account);
    Ok(Setting {
        prefix: ctx.config.prefix.clone(),
        lifecycle_table: ctx.config.tables.lifecycles.clone(),
        lookup_table: ctx.config.tables.ami_lookup.clone(),
        lifecycle_topic: topic(&ctx.config.topics.lifecycle),
        imagebuilder_topic: topic(&ctx.config.topics.imagebuilder),
        ec2_topic: topic(&ctx.config.topics.ec2_events),
        run_command_topic: topic(&ctx.config.topics.run_command),
        wait_seconds: ctx.config.workflow_wait_seconds,
        workflows: ctx.config.workflows.clone(),
        region,
        account,
    })
}

/// Refuses every change in read-only mode.
pub(super) fn writable(ctx: &Context) -> Result<(), OpError> {
    if ctx.config.read_only {
        Err(Refusal::ReadOnly.into())
    } else {
        Ok(())
    }
}

/// Turns a lost conditional write into the sentence naming who won.
pub(super) async fn lost_race(ctx: &Context, lifecycle_id: &str, target: EventRef) -> OpError {
    match ctx.store.get(lifecycle_id).await {
        Ok(lc) => {
            let who = lc
                .record(target)
                .and_then(|r| r.actor.clone())
                .or_else(|| lc.running().and_then(|(_, r)| r.actor.clone()))
                .map_or_else(|| "someone else".to_string(), |a| short(&a));
            let now = lc.record(target).map_or("changed", |r| r.status.word());
            OpError::LostRace {
                message: format!(
                    "{who} changed {lifecycle_id} first: {target} is now {now}; nothing was started."
                ),
            }
        }
        Err(err) => err.into(),
    }
}

/// Triggers `target` (or the next allowed event) and starts its workflow.
pub async fn trigger(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    target: Option<EventRef>,
) -> Result<Outcome, OpError> {
    trigger_gated(ctx, actor, lifecycle_id, target, |_| Ok(None)).await
}

/// Like [`trigger`], with an approval `gate` asked on the lifecycle as read,
/// once the rules allow the event: it refuses (nothing is written), or lets
/// it through with the override to record on the claimed event (promote).
pub(super) async fn trigger_gated(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    target: Option<EventRef>,
    gate: impl FnOnce(&Lifecycle) -> Result<Option<ApprovalOverride>, Refusal>,
) -> Result<Outcome, OpError> {
    acting(ctx, actor)?;
    let mut lc = ctx.store.get(lifecycle_id).await?;
    let target = match target {
        Some(target) => target,
        None => trigger_target(&lc)?.target,
    };
    // The rules refuse a QA decision here: a person makes it, no workflow.
    let claim = Claim::take(&mut lc, target, actor, Utc::now())?;
    let mark = gate(&lc)?;
    if let Some(record) = lc.record_mut(target) {
        record.approval_override = mark.map(Box::new);
    }
    let setting = setting(ctx).await?;
    let claimed = match ctx.store.save(&lc).await {
        Ok(saved) => saved,
        Err(AwsError::Conflict { .. }) => return Err(lost_race(ctx, lifecycle_id, target).await),
        Err(err) => return Err(err.into()),
    };
    start_claimed(ctx, actor, claimed, claim, &setting).await
}

/// An event claimed by this process's conditional write, to be started.
pub(super) struct Claim {
    pub target: EventRef,
    pub attempt: u32,
    /// Whether this re-runs a FAILED or ERROR event.
    pub retry: bool,
    /// The record before the claim, put back if nothing starts.
    pub previous: EventRecord,
    pub now: chrono::DateTime<Utc>,
}

impl Claim {
    /// Claims `target` on `lc` in memory when the rules allow it:
    /// IN_PROGRESS under the next attempt, by `actor`, from `now`. The
    /// caller then saves `lc` with its conditional write (trigger, create
    /// and patch each write it their own way).
    pub(super) fn take(
        lc: &mut Lifecycle,
        target: EventRef,
        actor: &str,
        now: chrono::DateTime<Utc>,
    ) -> Result<Claim, Refusal> {
        let allowed = check_trigger(lc, target)?;
        let record = lc.record_mut(target).ok_or(Refusal::NotInSequence {
            event: target.event,
            phase: target.stage.phase(),
        })?;
        let previous = record.clone();
        record.claim(actor, allowed.attempt, now);
        // An override belongs to the run it let through, not to the next.
        record.approval_override = None;
        Ok(Claim {
            target,
            attempt: allowed.attempt,
            retry: allowed.retry,
            previous,
            now,
        })
    }
}

/// Starts the claimed event's execution under its deterministic name and
/// records its ARN. If the call fails, the execution is looked up by that
/// name first: a slow reply may hide an execution that did start, whose
/// claim is then kept. Only when none exists is the record put back (with
/// the error noted), so nothing stays IN_PROGRESS with nothing running;
/// when the lookup fails too, the claim stays and the error says so.
/// Trigger, create and patch all start their work here.
pub(super) async fn start_claimed(
    ctx: &Context,
    actor: &str,
    claimed: Lifecycle,
    claim: Claim,
    setting: &Setting,
) -> Result<Outcome, OpError> {
    let Claim {
        target,
        attempt,
        retry,
        previous,
        now,
    } = claim;
    let Some(workflow) = Workflow::for_event(target.event) else {
        return Err(Refusal::DecisionRequired.into());
    };
    let input = execution_input(&claimed, target, attempt, actor, setting, now);
    let name = execution_name(&claimed.lifecycle_id, target, attempt);
    let machine = workflow.machine_arn(&setting.prefix, &setting.region, &setting.account);
    let started = match ctx
        .executions
        .start(&machine, &name, &input.to_string())
        .await
    {
        Ok(started) => started,
        Err(err) => {
            // The call may have failed after the execution started (a slow
            // reply): its deterministic name tells. A started one keeps the claim.
            let arn = crate::aws::sfn::execution_arn(&machine, &name);
            match look_up(ctx, &arn).await {
                Lookup::Found(found) => {
                    tracing::warn!(error = %err, execution = %found.arn, "StartExecution failed, but the execution exists: keeping the claim");
                    crate::aws::sfn::Started {
                        arn: found.arn,
                        already_existed: true,
                    }
                }
                Lookup::Missing { .. } => {
                    tracing::debug!("no execution under the deterministic name");
                    revert(ctx, claimed, target, attempt, previous, &err).await;
                    return Err(err.into());
                }
                // Neither call answered: the execution may run. The claim
                // stays (without an ARN) for reconcile and the watcher,
                // which find it by name; putting it back could start a second.
                Lookup::Unknown { error, .. } => {
                    tracing::warn!(start = %err, lookup = %error, execution = %arn, "whether the execution started is unknown: keeping the claim");
                    return Err(OpError::Unavailable(format!(
                        "{target} of {}: StartExecution failed ({err}) and its execution {arn} could not be looked up ({error}): whether it started is unknown, will check again (the claim is kept; `amiboard reconcile` or an open dashboard finds it by name).",
                        claimed.lifecycle_id
                    )));
                }
            }
        }
    };
    let stored = record_arn(ctx, claimed, target, attempt, &started.arn).await?;
    let verb = if retry { "Retried" } else { "Started" };
    Ok(Outcome {
        lifecycle: stored,
        target,
        execution_arn: Some(started.arn),
        message: format!("{verb} {target} (attempt {attempt})."),
    })
}

/// Applies `change` to the freshly read lifecycle until a conditional save
/// wins, while `still` holds for the record; gives up after a few rounds.
async fn update_record(
    ctx: &Context,
    mut lc: Lifecycle,
    target: EventRef,
    still: impl Fn(&crate::lifecycle::EventRecord) -> bool,
    change: impl Fn(&mut crate::lifecycle::EventRecord),
) -> Result<Lifecycle, AwsError> {
    for _ in 0..6 {
        let Some(record) = lc.record_mut(target).filter(|r| still(r)) else {
            return Ok(lc);
        };
        change(record);
        match ctx.store.save(&lc).await {
            Ok(saved) => return Ok(saved),
            Err(AwsError::Conflict { .. }) => {
                lc = ctx.store.get(&lc.lifecycle_id).await?;
            }
            Err(err) => return Err(err),
        }
    }
    Err(AwsError::Conflict {
        resource: format!("lifecycle {}", lc.lifecycle_id),
    })
}

/// Records the execution ARN on the claimed record (the execution may have
/// written its result already: then only the ARN is added).
async fn record_arn(
    ctx: &Context,
    lc: Lifecycle,
    target: EventRef,
    attempt: u32,
    arn: &str,
) -> Result<Lifecycle, OpError> {
    let saved = update_record(
        ctx,
        lc,
        target,
        |r| r.attempt == attempt && r.execution_arn.is_none(),
        |r| r.execution_arn = Some(arn.to_string()),
    )
    .await?;
    Ok(saved)
}

/// Puts the record back as it was, with the error noted, so nothing stays
/// IN_PROGRESS with nothing running.
async fn revert(
    ctx: &Context,
    lc: Lifecycle,
    target: EventRef,
    attempt: u32,
    previous: crate::lifecycle::EventRecord,
    err: &AwsError,
) {
    let note = format!("the workflow could not be started: {err}");
    let result = update_record(
        ctx,
        lc,
        target,
        |r| {
            r.attempt == attempt && r.status == EventStatus::InProgress && r.execution_arn.is_none()
        },
        |r| {
            *r = previous.clone();
            r.reason = Some(note.clone());
        },
    )
    .await;
    if let Err(revert_err) = result {
        tracing::error!(error = %revert_err, "could not revert a claimed event; reconcile will mark it ERROR");
    }
}
