//! The retention policy of a stack tag (`[retention.stack_tags.<tag>]`) and
//! its planner: for each AMI of the stack tag, keep or retire, and why.
//! Only superseded production AMIs are ever retired: keep the last N
//! superseded versions, and/or those superseded for at most D days (when
//! both are set, an AMI is retired only when both allow it); never one with
//! recorded references, or whose references were never checked, unless
//! `include_in_use = true`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::{Lifecycle, Stage};
use super::{AmiState, RetireAction, superseded};

/// One stack tag's retention policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Keep this many superseded versions (the newest ones) per product.
    pub keep_last: Option<u32>,
    /// Keep what was superseded for at most this many days.
    pub superseded_for_days: Option<u32>,
    /// Retire AMIs with references too (off: they are kept).
    pub include_in_use: bool,
    /// What retiring means: deprecate (default), disable or delete.
    pub action: RetireAction,
}

/// Keep, or retire with the policy's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Keep,
    Retire,
}

/// The planner's answer for one lifecycle stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    pub lifecycle_id: String,
    pub stack_tag: String,
    pub product: String,
    pub stage: Stage,
    pub semver: Option<String>,
    pub ami_ids: Vec<String>,
    pub verdict: Verdict,
    /// The action when retired.
    pub action: RetireAction,
    pub reason: String,
}

/// Plans every lifecycle whose stack tag has a policy; the others are left
/// out. Sorted by stack tag, product, then version (newest first).
pub fn plan(
    lifecycles: &[Lifecycle],
    policies: &BTreeMap<String, RetentionPolicy>,
    now: DateTime<Utc>,
) -> Vec<PolicyDecision> {
    let supersessions = superseded(lifecycles);
    // Per (stack tag, product): the superseded stages, newest version first.
    let mut ranked: Ranked = BTreeMap::new();
    for lc in lifecycles {
        if !policies.contains_key(&lc.stack_tag) {
            continue;
        }
        for stage in lc.stages() {
            if supersessions.contains_key(&(lc.lifecycle_id.clone(), stage)) {
                let version = lc
                    .stage_semver(stage)
                    .and_then(super::super::parse_version)
                    .unwrap_or_else(|| semver::Version::new(0, 0, 0));
                ranked
                    .entry((lc.stack_tag.clone(), lc.product_name.clone()))
                    .or_default()
                    .push((version, lc.lifecycle_id.clone(), stage));
            }
        }
    }
    for list in ranked.values_mut() {
        list.sort_by(|a, b| b.0.cmp(&a.0));
    }
    let mut decisions = Vec::new();
    for lc in lifecycles {
        let Some(policy) = policies.get(&lc.stack_tag) else {
            continue;
        };
        for stage in lc.stages() {
            if lc.stage_amis(stage).is_empty() {
                continue;
            }
            let (verdict, reason) = decide(lc, stage, policy, &supersessions, &ranked, now);
            decisions.push(PolicyDecision {
                lifecycle_id: lc.lifecycle_id.clone(),
                stack_tag: lc.stack_tag.clone(),
                product: lc.product_name.clone(),
                stage,
                semver: lc.stage_semver(stage).map(str::to_string),
                ami_ids: lc
                    .stage_amis(stage)
                    .iter()
                    .map(|a| a.ami_id.clone())
                    .collect(),
                verdict,
                action: policy.action,
                reason,
            });
        }
    }
    decisions.sort_by(|a, b| {
        let version =
            |d: &PolicyDecision| d.semver.as_deref().and_then(super::super::parse_version);
        (&a.stack_tag, &a.product)
            .cmp(&(&b.stack_tag, &b.product))
            .then(version(b).cmp(&version(a)))
    });
    decisions
}

type Ranked = BTreeMap<(String, String), Vec<(semver::Version, String, Stage)>>;

fn decide(
    lc: &Lifecycle,
    stage: Stage,
    policy: &RetentionPolicy,
    supersessions: &std::collections::HashMap<(String, Stage), Vec<super::Supersession>>,
    ranked: &Ranked,
    now: DateTime<Utc>,
) -> (Verdict, String) {
    let keep = |why: String| (Verdict::Keep, why);
    if let Some(r) = lc.retirement(stage) {
        if r.running() {
            return keep(format!("{} is running", r.action.event_name()));
        }
        let reached = r.state();
        let done = match reached {
            AmiState::Deleted => true,
            AmiState::Disabled => policy.action != RetireAction::Delete,
            AmiState::Deprecated { .. } => policy.action == RetireAction::Deprecate,
            AmiState::Available => false,
        };
        if done {
            return keep(format!("already {}", reached.phrase()));
        }
    }
    if !lc.is_production(stage) {
        return keep(
            "never reached production: the policy retires superseded production AMIs only"
                .to_string(),
        );
    }
    let Some(found) = supersessions.get(&(lc.lifecycle_id.clone(), stage)) else {
        return keep("current production AMI: nothing supersedes it".to_string());
    };
    let first = found.iter().min_by_key(|s| s.at);
    let by = first.map(super::Supersession::line).unwrap_or_default();
    let rank = ranked
        .get(&(lc.stack_tag.clone(), lc.product_name.clone()))
        .and_then(|list| {
            list.iter()
                .position(|(_, id, s)| *id == lc.lifecycle_id && *s == stage)
        })
        .unwrap_or(0);
    let mut why = Vec::new();
    if let Some(n) = policy.keep_last {
        let n_usize = usize::try_from(n).unwrap_or(usize::MAX);
        if rank < n_usize {
            return keep(format!(
                "{by}: one of the last {n} superseded (keep_last = {n})"
            ));
        }
        why.push(format!("older than the last {n} superseded"));
    }
    if let Some(days) = policy.superseded_for_days {
        let since = first.and_then(|s| s.at);
        let age_days = since.map(|at| now.signed_duration_since(at).num_days());
        match age_days {
            Some(age) if age > i64::from(days) => {
                why.push(format!("superseded {age} days ago (more than {days})"));
            }
            Some(age) => {
                return keep(format!(
                    "{by}: superseded {age} day(s) ago (superseded_for_days = {days})"
                ));
            }
            None => return keep(format!("{by}: when it was superseded is unknown")),
        }
    }
    if why.is_empty() {
        return keep("the policy sets neither keep_last nor superseded_for_days".to_string());
    }
    if !policy.include_in_use {
        match &lc.where_used {
            Some(answer) => {
                let refs: usize = lc
                    .stage_amis(stage)
                    .iter()
                    .filter(|a| answer.covers(&a.region, &a.ami_id))
                    .map(|a| answer.references_to(&a.ami_id).len())
                    .sum();
                let covered = lc
                    .stage_amis(stage)
                    .iter()
                    .any(|a| answer.covers(&a.region, &a.ami_id));
                if refs > 0 {
                    return keep(format!(
                        "in use: {refs} reference(s) recorded at {} (include_in_use = false)",
                        answer.as_of.format("%Y-%m-%d %H:%M UTC")
                    ));
                }
                if !covered && policy.action != RetireAction::Deprecate {
                    return keep(
                        "references not checked in this region (where-used --refresh)".to_string(),
                    );
                }
            }
            None if policy.action != RetireAction::Deprecate => {
                return keep("references not checked (where-used --refresh)".to_string());
            }
            None => {}
        }
    }
    (Verdict::Retire, format!("{by}; {}", why.join(", ")))
}
