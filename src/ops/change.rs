//! Changes amiboard makes itself: the QA decision, a new lifecycle, a new
//! patch cycle. Each write is conditional; each is refused before writing
//! when a rule says no.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use serde_json::json;

use super::Context;
use super::execution_input::stage_word;
use super::run::{lost_race, setting, trigger, writable};
use super::{NewLifecycle, OpError, Outcome};
use crate::aws::AwsError;
use crate::lifecycle::lookup::rows_for;
use crate::lifecycle::rules::{check_decision, check_new_patch};
use crate::lifecycle::{
    Bump, EventKind, EventRef, Lifecycle, PatchCycle, Refusal, Stage, build_version, bump,
    parse_version,
};

/// Records certified (COMPLETED) or rejected (FAILED) with reason, who and
/// when, then announces it on the lifecycle topic.
pub async fn decide(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    certified: bool,
    reason: &str,
) -> Result<Outcome, OpError> {
    writable(ctx)?;
    let mut lc = ctx.store.get(lifecycle_id).await?;
    let allowed = check_decision(&lc, reason)?;
    let target = allowed.target;
    let now = Utc::now();
    if let Some(record) = lc.record_mut(target) {
        record.decide(certified, actor, allowed.attempt, reason, now);
    }
    let saved = match ctx.store.save(&lc).await {
        Ok(saved) => saved,
        Err(AwsError::Conflict { .. }) => return Err(lost_race(ctx, lifecycle_id, target).await),
        Err(err) => return Err(err.into()),
    };
    let mut message = if certified {
        format!("Certified {lifecycle_id}.")
    } else {
        format!("Rejected {lifecycle_id}.")
    };
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

/// Publishes amiboard's lifecycle notification for one record.
async fn announce(ctx: &Context, lc: &Lifecycle, at: EventRef, actor: &str) -> Result<(), OpError> {
    let setting = setting(ctx).await?;
    let Some(record) = lc.record(at) else {
        return Ok(());
    };
    let body = json!({
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
            &setting.lifecycle_topic,
            Some(&subject),
            &body.to_string(),
            &attributes,
        )
        .await?;
    Ok(())
}

/// Creates a lifecycle with the stack tag's next MAJOR version and starts its build.
pub async fn create(ctx: &Context, actor: &str, new: NewLifecycle) -> Result<Outcome, OpError> {
    writable(ctx)?;
    let major = ctx.store.reserve_major(&new.stack_tag).await?;
    let now = Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    let owner = new.owner.clone().unwrap_or_else(|| actor.to_string());
    let mut lc = Lifecycle::new(
        &id,
        &new.stack_tag,
        &new.product_name,
        &new.product_version,
        owner,
        now,
    );
    lc.commit_ref = new.commit_ref.unwrap_or_default();
    lc.pipeline_arn = new.pipeline_arn;
    lc.properties = new.properties.into_iter().collect();
    lc.ami_semver = Some(build_version(major).to_string());
    ctx.store.create(&lc).await?;
    let target = EventRef {
        stage: Stage::Creation,
        event: EventKind::AmiBuild,
    };
    let mut outcome = trigger(ctx, actor, &id, Some(target)).await?;
    outcome.message = format!(
        "Created {id} ({} {}), version {}; {}",
        lc.product_name,
        lc.product_version,
        lc.ami_semver.as_deref().unwrap_or("-"),
        outcome.message
    );
    Ok(outcome)
}

/// The version a new patch cycle receives: `bump` of the parent, bumped again
/// while an earlier (abandoned) cycle of this lifecycle already used it.
pub fn patch_version(lc: &Lifecycle, parent: &semver::Version, how: Bump) -> semver::Version {
    let used = |v: &semver::Version| {
        lc.patches
            .iter()
            .any(|c| parse_version(&c.semver).as_ref() == Some(v))
            || lc.ami_semver.as_deref().and_then(parse_version).as_ref() == Some(v)
    };
    let mut next = bump(parent, how);
    while used(&next) {
        next = bump(&next, how);
    }
    next
}

/// Adds a patch cycle on the newest production AMI and starts its AMI_PATCH.
pub async fn start_patch(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    how: Bump,
    component: Option<String>,
    description: Option<String>,
) -> Result<Outcome, OpError> {
    writable(ctx)?;
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
    let semver = patch_version(&lc, &parent_semver, how);
    let number = lc.patches.iter().map(|c| c.number).max().unwrap_or(0) + 1;
    lc.patches.push(PatchCycle {
        number,
        bump: how,
        parent_ami_id: parent_ami,
        parent_semver: parent_semver.to_string(),
        semver: semver.to_string(),
        component,
        description,
        created_at: Utc::now(),
        actor: Some(actor.to_string()),
        events: Lifecycle::empty_patch_events(),
    });
    let target = EventRef {
        stage: Stage::Patch(number),
        event: EventKind::AmiPatch,
    };
    match ctx.store.save(&lc).await {
        Ok(_) => {}
        Err(AwsError::Conflict { .. }) => return Err(lost_race(ctx, lifecycle_id, target).await),
        Err(err) => return Err(err.into()),
    }
    let mut outcome = trigger(ctx, actor, lifecycle_id, Some(target)).await?;
    outcome.message = format!(
        "Patch cycle {number} ({how} {parent_semver} → {semver}); {}",
        outcome.message
    );
    Ok(outcome)
}
