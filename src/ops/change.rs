//! Changes amiboard makes itself: the QA decision, a new lifecycle, a new
//! patch cycle. Each write is conditional; each is refused before writing
//! when a rule says no.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use serde_json::json;

use super::Context;
use super::execution_input::stage_word;
use super::run::{Claim, acting, setting, start_claimed};
use super::{NewLifecycle, OpError, Outcome};
use crate::aws::AwsError;
use crate::lifecycle::approvals::{decide_blockers, gate, short};
use crate::lifecycle::lookup::rows_for;
use crate::lifecycle::rules::{
    check_decision, check_new_patch, check_not_replacing, earlier_decision,
};
use crate::lifecycle::{
    Bump, EventKind, EventRef, Lifecycle, PatchCycle, Refusal, Stage, build_version, checked_bump,
    parse_version,
};

/// Records certified (COMPLETED) or rejected (FAILED) with reason, who and
/// when, then announces it on the lifecycle topic. `seen` is the
/// `item_version` the person decided on (`None`: they saw no state, so they
/// decide the pending QA request): the write is conditional on it, and a
/// decision recorded since (or unseen) is never replaced; the refusal names it.
pub async fn decide(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    certified: bool,
    reason: &str,
    seen: Option<u64>,
    break_glass: Option<&str>,
) -> Result<Outcome, OpError> {
    acting(ctx, actor)?;
    let mut lc = ctx.store.get(lifecycle_id).await?;
    if let Some(seen) = seen.filter(|v| *v != lc.item_version) {
        return Err(changed_since(&lc, seen));
    }
    check_not_replacing(&lc, seen)?;
    let allowed = check_decision(&lc, reason)?;
    let target = allowed.target;
    let now = Utc::now();
    // Four eyes: who decides is not who requested QA, unless overridden.
    let rules = super::approvals::ApprovalRules::from_config(&ctx.config);
    let blockers = decide_blockers(&lc, actor, &rules.policy(&lc.stack_tag));
    let mark = gate(blockers, break_glass, actor, now).map_err(Refusal::Approval)?;
    let overridden = mark.is_some();
    if let Some(record) = lc.record_mut(target) {
        record.decide(certified, actor, allowed.attempt, reason, now);
        record.approval_override = mark.map(Box::new);
    }
    let saved = match ctx.store.save(&lc).await {
        Ok(saved) => saved,
        Err(AwsError::Conflict { .. }) => {
            let current = ctx.store.get(lifecycle_id).await?;
            return Err(changed_since(&current, lc.item_version));
        }
        Err(err) => return Err(err.into()),
    };
    let mut message = if certified {
        format!("Certified {lifecycle_id}.")
    } else {
        format!("Rejected {lifecycle_id}.")
    };
    if overridden {
        message.push_str(" The approval override was recorded.");
    }
    if let Err(err) = ctx.store.upsert_lookup_rows(&rows_for(&saved, now)).await {
        tracing::warn!(error = %err, "lookup rows not updated");
        message.push_str(&format!(" The AMI lookup rows were not updated: {err}."));
    }
    if let Err(err) = announce(ctx, &saved, target, actor).await {
        tracing::warn!(error = %err, "decision not announced");
        message.push_str(&format!(" It was not announced: {err}."));
    }
    Ok(Outcome {
        lifecycle: saved,
        target,
        execution_arn: None,
        message,
    })
}

/// Why a decision on version `seen` was not recorded: the decision made
/// since (who, when, why), or that the lifecycle changed.
fn changed_since(current: &Lifecycle, seen: u64) -> OpError {
    match earlier_decision(current) {
        Some(earlier) => Refusal::AlreadyDecided(earlier).into(),
        None => OpError::LostRace {
            message: format!(
                "{} changed since you looked (version {seen}, now {}); nothing was recorded: look again and decide on what it shows now.",
                current.lifecycle_id, current.item_version
            ),
        },
    }
}

/// Publishes amiboard's lifecycle notification for one record (with the
/// approval override that let it through, when there is one).
pub(super) async fn announce(
    ctx: &Context,
    lc: &Lifecycle,
    at: EventRef,
    actor: &str,
) -> Result<(), OpError> {
    let setting = setting(ctx).await?;
    announce_to(ctx, &setting.lifecycle_topic, lc, at, actor).await
}

/// [`announce`] on a lifecycle topic already resolved (one STS call for
/// many announcements, as an import makes).
pub(super) async fn announce_to(
    ctx: &Context,
    lifecycle_topic: &str,
    lc: &Lifecycle,
    at: EventRef,
    actor: &str,
) -> Result<(), OpError> {
    let Some(record) = lc.record(at) else {
        return Ok(());
    };
    let mut body = json!({
        "source": "amiboard",
        "kind": "lifecycle-event",
        "lifecycle_id": lc.lifecycle_id,
        "stack_tag": lc.stack_tag,
        "event": at.event.name(),
        "stage": stage_word(at.stage),
        "status": record.status.name(),
        "attempt": record.attempt,
        "time": record.finished_at.unwrap_or_else(Utc::now).to_rfc3339_opts(SecondsFormat::Secs, true),
        "actor": actor,
        "reason": record.reason,
        "ami_ids": lc.stage_amis(at.stage).iter().map(|a| a.ami_id.clone()).collect::<Vec<_>>(),
        "execution_arn": record.execution_arn,
    });
    if let Some(mark) = &record.approval_override {
        body["override"] = json!(mark);
    }
    let attributes: BTreeMap<String, String> = [
        ("lifecycle_id", lc.lifecycle_id.clone()),
        ("stack_tag", lc.stack_tag.clone()),
        ("event", at.event.name().to_string()),
        ("status", record.status.name().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let subject = format!("amiboard: {} {}", at.event.name(), record.status.name());
    ctx.publisher
        .publish(
            lifecycle_topic,
            Some(&subject),
            &body.to_string(),
            &attributes,
        )
        .await?;
    Ok(())
}

/// The Image Builder pipeline a new lifecycle builds with: the one given
/// (`create --pipeline`, the form's choice), else its stack tag's default,
/// else `[workflows] pipeline_arn` (`AMIBOARD_PIPELINE_ARN`). Without one
/// nothing is created: a build needs a real pipeline.
fn pipeline_for(ctx: &Context, new: &NewLifecycle) -> Result<String, OpError> {
    let workflows = &ctx.config.workflows;
    new.pipeline_arn
        .clone()
        .filter(|p| !p.trim().is_empty())
        .or_else(|| {
            workflows
                .stack_tags
                .get(&new.stack_tag)
                .and_then(|t| t.pipeline_arn.clone())
        })
        .or_else(|| workflows.pipeline_arn.clone())
        .ok_or_else(|| {
            OpError::Invalid(format!(
                "a lifecycle needs an Image Builder pipeline: pass --pipeline ARN (or pick one in the form), or set pipeline_arn under [workflows.stack_tags.{}] or [workflows] in the config (AMIBOARD_PIPELINE_ARN); nothing was created",
                new.stack_tag
            ))
        })
}

/// Creates a lifecycle with the stack tag's next MAJOR version and starts its
/// build. Everything that can refuse is checked before the MAJOR is reserved; the
/// lifecycle is then written with its AMI_BUILD already claimed (one
/// conditional put), so the version is reserved only for a claimed build.
pub async fn create(ctx: &Context, actor: &str, new: NewLifecycle) -> Result<Outcome, OpError> {
    acting(ctx, actor)?;
    check_new(&new).map_err(OpError::Invalid)?;
    let pipeline = pipeline_for(ctx, &new)?;
    let target = EventRef {
        stage: Stage::Creation,
        event: EventKind::AmiBuild,
    };
    let setting = setting(ctx).await?;
    let now = Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    // The owner is a label people read: the creator's short name.
    let owner = new.owner.clone().unwrap_or_else(|| short(actor));
    let mut lc = Lifecycle::new(
        &id,
        &new.stack_tag,
        &new.product_name,
        &new.product_version,
        owner,
        now,
    );
    lc.commit_ref = new.commit_ref.unwrap_or_default();
    lc.pipeline_arn = Some(pipeline);
    lc.properties = new.properties.into_iter().collect();
    let claim = Claim::take(&mut lc, target, actor, now)?;
    // Never at or below a version the lookup table or the reference
    // solution's seed already holds: raise the counter (raise-only), then
    // take the next MAJOR with the atomic ADD.
    let floor = super::version_floor(ctx, &new.stack_tag).await?;
    if let Some(last) = floor.checked_sub(1).filter(|last| *last > 0) {
        ctx.store.raise_major(&new.stack_tag, last).await?;
    }
    let major = ctx.store.reserve_major(&new.stack_tag).await?;
    lc.ami_semver = Some(build_version(major).to_string());
    if let Err(err) = ctx.store.create(&lc).await {
        // Nothing holds this MAJOR: give it back unless a later one was
        // handed out meanwhile (then it stays skipped, which costs nothing).
        if let Err(release) = ctx.store.release_major(&new.stack_tag, major).await {
            tracing::warn!(stack_tag = %new.stack_tag, major, error = %release, "reserved MAJOR not given back");
        }
        return Err(err.into());
    }
    let mut outcome = start_claimed(ctx, actor, lc, claim, &setting).await?;
    outcome.message = format!(
        "Created {id} ({} {}), version {}; {}",
        outcome.lifecycle.product_name,
        outcome.lifecycle.product_version,
        outcome.lifecycle.ami_semver.as_deref().unwrap_or("-"),
        outcome.message
    );
    Ok(outcome)
}

/// Refuses control characters and bidi controls in what a new lifecycle
/// would store, naming the field, before anything is written (the semver
/// counter included): they would reach every terminal that shows it.
fn check_new(new: &NewLifecycle) -> Result<(), String> {
    use crate::lifecycle::notification::sanitize::check_input;
    let refuse = |e: String| format!("cannot create the lifecycle: {e}");
    check_input("stack tag", &new.stack_tag).map_err(refuse)?;
    check_input("product name", &new.product_name).map_err(refuse)?;
    check_input("product version", &new.product_version).map_err(refuse)?;
    for (name, value) in [
        ("owner", &new.owner),
        ("commit ref", &new.commit_ref),
        ("pipeline", &new.pipeline_arn),
    ] {
        if let Some(value) = value {
            check_input(name, value).map_err(refuse)?;
        }
    }
    for (key, value) in &new.properties {
        check_input("property name", key).map_err(refuse)?;
        check_input("property value", value).map_err(refuse)?;
    }
    Ok(())
}

/// The version a new patch cycle receives: `bump` of the parent, bumped again
/// while an earlier (abandoned) cycle of this lifecycle already used it.
/// Refused when the part to bump is at its largest value (stored data can
/// hold anything).
pub fn patch_version(
    lc: &Lifecycle,
    parent: &semver::Version,
    how: Bump,
) -> Result<semver::Version, Refusal> {
    let used = |v: &semver::Version| {
        lc.patches
            .iter()
            .any(|c| parse_version(&c.semver).as_ref() == Some(v))
            || lc.ami_semver.as_deref().and_then(parse_version).as_ref() == Some(v)
    };
    let exhausted = |v: &semver::Version| Refusal::VersionExhausted {
        version: v.to_string(),
    };
    let mut next = checked_bump(parent, how).ok_or_else(|| exhausted(parent))?;
    while used(&next) {
        next = checked_bump(&next, how).ok_or_else(|| exhausted(&next))?;
    }
    Ok(next)
}

/// Adds a patch cycle on the newest production AMI with its AMI_PATCH
/// already claimed, in one conditional save (a loser writes nothing), then
/// starts the execution as a trigger does.
pub async fn start_patch(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    how: Bump,
    component: Option<String>,
    description: Option<String>,
) -> Result<Outcome, OpError> {
    acting(ctx, actor)?;
    let mut lc = ctx.store.get(lifecycle_id).await?;
    let production = check_new_patch(&lc)?;
    let parent_ami = lc
        .stage_amis(production)
        .first()
        .map(|a| a.ami_id.clone())
        .ok_or(Refusal::NotInProduction)?;
    let parent_semver = lc
        .stage_semver(production)
        .and_then(parse_version)
        .ok_or(Refusal::NotInProduction)?;
    let setting = setting(ctx).await?;
    let semver = patch_version(&lc, &parent_semver, how)?;
    let number = lc
        .patches
        .iter()
        .map(|c| c.number)
        .max()
        .unwrap_or(0)
        .checked_add(1)
        .ok_or(Refusal::UnknownPatchCycle { number: u32::MAX })?;
    let now = Utc::now();
    lc.patches.push(PatchCycle {
        number,
        bump: how,
        parent_ami_id: parent_ami,
        parent_semver: parent_semver.to_string(),
        semver: semver.to_string(),
        component,
        description,
        created_at: now,
        actor: Some(actor.to_string()),
        events: Lifecycle::empty_patch_events(),
    });
    let target = EventRef {
        stage: Stage::Patch(number),
        event: EventKind::AmiPatch,
    };
    let claim = Claim::take(&mut lc, target, actor, now)?;
    let claimed = match ctx.store.save(&lc).await {
        Ok(saved) => saved,
        Err(AwsError::Conflict { .. }) => return Err(lost_patch_race(ctx, lifecycle_id).await),
        Err(err) => return Err(err.into()),
    };
    let mut outcome = start_claimed(ctx, actor, claimed, claim, &setting).await?;
    outcome.message = format!(
        "Patch cycle {number} ({how} {parent_semver} → {semver}); {}",
        outcome.message
    );
    Ok(outcome)
}

/// The sentence for a patch that lost its conditional save: who runs what now.
async fn lost_patch_race(ctx: &Context, lifecycle_id: &str) -> OpError {
    let lc = match ctx.store.get(lifecycle_id).await {
        Ok(lc) => lc,
        Err(err) => return err.into(),
    };
    let now = match lc.running() {
        Some((running, record)) => format!(
            "{} started {running} first",
            record
                .actor
                .as_deref()
                .map_or_else(|| "someone else".to_string(), short)
        ),
        None => "someone else changed it first".to_string(),
    };
    OpError::LostRace {
        message: format!(
            "{lifecycle_id}: {now}; no patch cycle was added and nothing was started."
        ),
    }
}
