//! Approvals on the decide and promote paths: the `[approvals]` policy of a
//! stack tag, promotion gated by four eyes and the checklist (with the
//! break-glass override recorded on the claimed event and announced), and
//! the checklist preview of `promote --dry-run` and the promote dialog.

use std::collections::BTreeMap;

use chrono::Utc;

use super::change::announce;
use super::{Context, OpError, Outcome};
use crate::config::{ApprovalsFile, Config};
use crate::lifecycle::approvals::{Check, Policy, checklist, gate, promote_blockers};
use crate::lifecycle::rules::check_trigger;
use crate::lifecycle::{EventKind, EventRef, Lifecycle, Refusal};

/// The approval settings of every stack tag: `[approvals]`, the production
/// stack tags (four eyes is on for them by default) and the scan thresholds
/// of `[workflows]` (only those: the dashboard's state holds this).
#[derive(Debug, Clone)]
pub struct ApprovalRules {
    approvals: ApprovalsFile,
    production_stack_tags: Vec<String>,
    /// `[workflows]`'s scan thresholds (critical, high).
    scan: (Option<u32>, Option<u32>),
    /// `[workflows.stack_tags.<tag>]`'s scan thresholds.
    tag_scan: BTreeMap<String, (Option<u32>, Option<u32>)>,
}

impl Default for ApprovalRules {
    /// The defaults of an empty configuration.
    fn default() -> Self {
        ApprovalRules {
            approvals: ApprovalsFile::default(),
            production_stack_tags: vec!["prod".into(), "production".into()],
            scan: (None, None),
            tag_scan: BTreeMap::new(),
        }
    }
}

impl ApprovalRules {
    pub fn from_config(config: &Config) -> Self {
        let w = &config.workflows;
        ApprovalRules {
            approvals: config.approvals.clone(),
            production_stack_tags: config.production_stack_tags.clone(),
            scan: (w.scan_max_critical, w.scan_max_high),
            tag_scan: w
                .stack_tags
                .iter()
                .map(|(tag, t)| (tag.clone(), (t.scan_max_critical, t.scan_max_high)))
                .collect(),
        }
    }

    /// What approvals ask of `stack_tag`. The scan thresholds are the ones
    /// the scan workflow is given (default: no critical, any high).
    pub fn policy(&self, stack_tag: &str) -> Policy {
        let (tag_critical, tag_high) = self.tag_scan.get(stack_tag).copied().unwrap_or_default();
        Policy {
            distinct_approver: self
                .approvals
                .distinct_approver(stack_tag, &self.production_stack_tags),
            regions: self.approvals.regions(stack_tag),
            max_critical: tag_critical.or(self.scan.0).unwrap_or(0),
            max_high: tag_high.or(self.scan.1).unwrap_or(u32::MAX),
        }
    }
}

/// The promotion event of a lifecycle: MARK_FOR_PRODUCTION of its active stage.
pub fn promotion_target(lc: &Lifecycle) -> EventRef {
    EventRef {
        stage: lc.active_stage(),
        event: EventKind::MarkForProduction,
    }
}

/// What a promotion would meet: the checklist for the caller, and the
/// lifecycle rules' refusal when MARK_FOR_PRODUCTION cannot run at all.
#[derive(Debug, Clone)]
pub struct PromotionPreview {
    pub lifecycle: Lifecycle,
    pub target: EventRef,
    pub checks: Vec<Check>,
    pub refusal: Option<Refusal>,
}

impl PromotionPreview {
    /// Whether a promotion would go ahead without an override.
    pub fn passes(&self) -> bool {
        self.refusal.is_none() && self.checks.iter().all(|c| c.ok)
    }
}

/// The checklist of `lc`'s promotion for `caller` (pure: the dashboard uses it too).
pub fn preview(rules: &ApprovalRules, lc: &Lifecycle, caller: &str) -> PromotionPreview {
    let target = promotion_target(lc);
    let policy = rules.policy(&lc.stack_tag);
    PromotionPreview {
        lifecycle: lc.clone(),
        target,
        checks: checklist(lc, target.stage, &policy, caller),
        refusal: check_trigger(lc, target).err(),
    }
}

/// Reads the lifecycle and previews its promotion; writes nothing.
pub async fn promotion_preview(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
) -> Result<PromotionPreview, OpError> {
    let lc = ctx.store.get(lifecycle_id).await?;
    Ok(preview(
        &ApprovalRules::from_config(&ctx.config),
        &lc,
        actor,
    ))
}

/// Starts MARK_FOR_PRODUCTION of the active stage when four eyes and the
/// checklist pass, or when `break_glass` (a non-empty reason) overrides
/// them: the override is then written with the claim and announced.
pub async fn promote(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    break_glass: Option<&str>,
) -> Result<Outcome, OpError> {
    let lc = ctx.store.get(lifecycle_id).await?;
    let target = promotion_target(&lc);
    let rules = ApprovalRules::from_config(&ctx.config);
    let gated = |lc: &Lifecycle| {
        let policy = rules.policy(&lc.stack_tag);
        let blockers = promote_blockers(lc, target.stage, actor, &policy);
        gate(blockers, break_glass, actor, Utc::now()).map_err(Refusal::Approval)
    };
    let mut outcome =
        super::run::trigger_gated(ctx, actor, lifecycle_id, Some(target), gated).await?;
    let overridden = outcome
        .lifecycle
        .record(target)
        .is_some_and(|r| r.approval_override.is_some());
    if overridden {
        outcome
            .message
            .push_str(" The approval override was recorded.");
        if let Err(err) = announce(ctx, &outcome.lifecycle, target, actor).await {
            tracing::warn!(error = %err, "override not announced");
            outcome
                .message
                .push_str(&format!(" It was not announced: {err}."));
        }
    }
    Ok(outcome)
}
