//! The retention policy applied (`amiboard retire --policy`): the plan of
//! `lifecycle::retire::plan` over the configured stack tags, and its
//! retirements started one after the other, each judged again on a fresh
//! where-used answer. The retirements themselves are `ops::retire`'s.

use chrono::Utc;

use super::retire::{RetireAsk, RetireStarted, retire};
use super::run::acting;
use super::{Context, OpError};
use crate::lifecycle::retire::RetireAction;

/// The configured retention policies (`[retention.stack_tags.<tag>]`).
pub fn policies(
    ctx: &Context,
) -> std::collections::BTreeMap<String, crate::lifecycle::retire::RetentionPolicy> {
    ctx.config
        .retention
        .stack_tags
        .iter()
        .map(|(tag, p)| {
            let action = match p.action.as_deref() {
                Some("delete") => RetireAction::Delete,
                Some("disable") => RetireAction::Disable,
                _ => RetireAction::Deprecate,
            };
            (
                tag.clone(),
                crate::lifecycle::retire::RetentionPolicy {
                    keep_last: p.keep_last,
                    superseded_for_days: p.superseded_for_days,
                    include_in_use: p.include_in_use.unwrap_or(false),
                    action,
                },
            )
        })
        .collect()
}

/// What the retention policies would do now, for every AMI of the stack
/// tags that have one (or of `stack_tag` only). Writes nothing.
pub async fn policy_plan(
    ctx: &Context,
    stack_tag: Option<&str>,
) -> Result<Vec<crate::lifecycle::retire::PolicyDecision>, OpError> {
    let mut policies = policies(ctx);
    if let Some(tag) = stack_tag {
        policies.retain(|t, _| t == tag);
    }
    if policies.is_empty() {
        return Err(OpError::Invalid(match stack_tag {
            Some(tag) => format!("no retention policy for stack tag {tag}: add [retention.stack_tags.{tag}] to the configuration"),
            None => "no retention policy: add [retention.stack_tags.<tag>] with keep_last or superseded_for_days to the configuration".to_string(),
        }));
    }
    let mut lifecycles = Vec::new();
    for tag in policies.keys() {
        lifecycles.extend(ctx.store.list_all(Some(tag), &mut |_| {}).await?.lifecycles);
    }
    Ok(crate::lifecycle::retire::plan(
        &lifecycles,
        &policies,
        Utc::now(),
    ))
}

/// Starts each retirement a plan decided, one after the other, each after
/// asking EC2 again what uses its AMIs; a refusal or failure of one is
/// reported and the others go on.
pub async fn apply_policy(
    ctx: &Context,
    actor: &str,
    decisions: &[crate::lifecycle::retire::PolicyDecision],
) -> Result<Vec<(String, Result<RetireStarted, OpError>)>, OpError> {
    acting(ctx, actor)?;
    let policies = policies(ctx);
    let mut results = Vec::new();
    for d in decisions
        .iter()
        .filter(|d| d.verdict == crate::lifecycle::retire::Verdict::Retire)
    {
        let in_use = policies.get(&d.stack_tag).is_some_and(|p| p.include_in_use);
        let ask = RetireAsk {
            typed: d.lifecycle_id.clone(),
            stage: Some(d.stage),
            action: d.action,
            deprecate_at: None,
            override_reason: in_use.then(|| {
                format!(
                    "retention policy of {} (include_in_use = true): {}",
                    d.stack_tag, d.reason
                )
            }),
        };
        // The plan judged the recorded answers; each retirement asks EC2
        // again first and is judged again on that answer, so a reference
        // made since keeps the AMI.
        let result = match rejudged(ctx, actor, d).await {
            Ok(None) => retire(ctx, actor, &ask).await,
            Ok(Some(kept)) => Err(OpError::Unavailable(format!(
                "kept: after asking EC2 again, {kept}"
            ))),
            Err(err) => Err(err),
        };
        results.push((d.lifecycle_id.clone(), result));
    }
    Ok(results)
}

/// Asks EC2 again what uses `d`'s AMIs, then plans its stack tag again on
/// that answer: `Some(reason)` when the policy now keeps it.
async fn rejudged(
    ctx: &Context,
    actor: &str,
    d: &crate::lifecycle::retire::PolicyDecision,
) -> Result<Option<String>, OpError> {
    let (lc, _) = super::where_used::find(ctx, &d.lifecycle_id).await?;
    if !super::where_used::ask_before_retiring(ctx, actor, &lc, None).await? {
        return Ok(None);
    }
    let again = policy_plan(ctx, Some(&d.stack_tag)).await?;
    Ok(again
        .into_iter()
        .find(|n| n.lifecycle_id == d.lifecycle_id && n.stage == d.stage)
        .filter(|n| n.verdict != crate::lifecycle::retire::Verdict::Retire)
        .map(|n| n.reason))
}
