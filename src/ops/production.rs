//! The production view: per stack tag, product and region, the AMI in
//! production now, when and by whom it was promoted, and what it replaced.
//! Derived from the lifecycles' completed MARK_FOR_PRODUCTION records (of
//! creations and patch cycles); [`production`] is pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Context, OpError};
use crate::aws::dynamodb::SkippedItem;
use crate::lifecycle::approvals::ApprovalOverride;
use crate::lifecycle::{
    EventKind, EventRecord, EventRef, EventStatus, Lifecycle, Stage, parse_version,
};

/// One AMI that went to production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Promotion {
    pub ami_id: String,
    pub semver: Option<String>,
    pub product_version: String,
    pub lifecycle_id: String,
    /// `creation` or `patch N`.
    pub stage: String,
    pub promoted_at: Option<DateTime<Utc>>,
    pub promoted_by: Option<String>,
    /// When a newer promotion replaced it (`None` for the current one).
    pub replaced_at: Option<DateTime<Utc>>,
    /// The break-glass overrides it went through: of its certification
    /// (the creation's QA decision) and of its promotion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<ApprovalOverride>,
}

/// What runs in production for one stack tag, product and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductionEntry {
    pub stack_tag: String,
    pub product_name: String,
    pub region: String,
    pub current: Promotion,
    /// What it replaced, newest first.
    pub history: Vec<Promotion>,
}

/// Every production AMI of one lifecycle: (stack tag, product, region, promotion).
pub fn promotions(lc: &Lifecycle) -> Vec<(String, String, String, Promotion)> {
    let mut stages = vec![Stage::Creation];
    stages.extend(lc.patches.iter().map(|c| Stage::Patch(c.number)));
    let mut found = Vec::new();
    for stage in stages {
        let Some(record) = lc
            .record(EventRef {
                stage,
                event: EventKind::MarkForProduction,
            })
            .filter(|r| r.status == EventStatus::Completed)
        else {
            continue;
        };
        for ami in lc.stage_amis(stage) {
            found.push((
                lc.stack_tag.clone(),
                lc.product_name.clone(),
                ami.region.clone(),
                Promotion {
                    ami_id: ami.ami_id.clone(),
                    semver: lc.stage_semver(stage).map(ToString::to_string),
                    product_version: lc.product_version.clone(),
                    lifecycle_id: lc.lifecycle_id.clone(),
                    stage: stage.label(),
                    promoted_at: record.changed_at(),
                    promoted_by: record.actor.clone(),
                    replaced_at: None,
                    overrides: overrides(lc, record),
                },
            ));
        }
    }
    found
}

/// The overrides a promotion went through: the certification's, then its own.
fn overrides(lc: &Lifecycle, promotion: &EventRecord) -> Vec<ApprovalOverride> {
    let certification = lc.record(EventRef {
        stage: Stage::Creation,
        event: EventKind::QaCertificationResponse,
    });
    certification
        .into_iter()
        .chain([promotion])
        .filter_map(|r| r.approval_override.as_deref().cloned())
        .collect()
}

/// Newest first: by promotion time, then by version, then by AMI id (so the
/// order never depends on the order lifecycles were read in).
fn newest_first(a: &Promotion, b: &Promotion) -> std::cmp::Ordering {
    let version = |p: &Promotion| p.semver.as_deref().and_then(parse_version);
    b.promoted_at
        .cmp(&a.promoted_at)
        .then_with(|| version(b).cmp(&version(a)))
        .then_with(|| b.ami_id.cmp(&a.ami_id))
}

/// The production view of these lifecycles, ordered by stack tag, product
/// and region. Each entry's current AMI is the newest promotion; the rest are
/// its history, each with the time the next newer one replaced it.
pub fn production(lifecycles: &[Lifecycle]) -> Vec<ProductionEntry> {
    grouped(lifecycles.iter().flat_map(promotions))
}

/// The production view of these promotions (as [`promotions`] gives them).
pub fn grouped(
    promotions: impl IntoIterator<Item = (String, String, String, Promotion)>,
) -> Vec<ProductionEntry> {
    let mut groups: BTreeMap<(String, String, String), Vec<Promotion>> = BTreeMap::new();
    for (stack_tag, product, region, promotion) in promotions {
        groups
            .entry((stack_tag, product, region))
            .or_default()
            .push(promotion);
    }
    groups
        .into_iter()
        .filter_map(|((stack_tag, product_name, region), mut list)| {
            list.sort_by(newest_first);
            let mut replaced_at = None;
            for promotion in &mut list {
                promotion.replaced_at = replaced_at;
                replaced_at = promotion.promoted_at;
            }
            let mut list = list.into_iter();
            let current = list.next()?;
            Some(ProductionEntry {
                stack_tag,
                product_name,
                region,
                current,
                history: list.collect(),
            })
        })
        .collect()
}

/// The production view as stored now, of one stack tag or of all, with the
/// items that could not be read.
pub async fn read(
    ctx: &Context,
    stack_tag: Option<&str>,
) -> Result<(Vec<ProductionEntry>, Vec<SkippedItem>), OpError> {
    let listing = ctx.store.list_all(stack_tag, &mut |_| {}).await?;
    Ok((production(&listing.lifecycles), listing.skipped))
}

/// [`read`], with the lifecycles it was read from (for their end-of-life state).
pub async fn read_with_lifecycles(
    ctx: &Context,
    stack_tag: Option<&str>,
) -> Result<(Vec<ProductionEntry>, Vec<SkippedItem>, Vec<Lifecycle>), OpError> {
    let listing = ctx.store.list_all(stack_tag, &mut |_| {}).await?;
    Ok((
        production(&listing.lifecycles),
        listing.skipped,
        listing.lifecycles,
    ))
}

#[cfg(test)]
#[path = "production_tests.rs"]
mod tests;
