//! Which accounts' AMIs an import keeps: the reference solution publishes
//! only its shared-services account's AMIs in its lookup table, while its
//! `ami_details` also list the tooling account's.

use std::collections::BTreeSet;

use super::{Context, OpError};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::reference::Unmapped;

/// Which accounts' AMIs the reference solution published in its lookup table.
pub(super) enum Published {
    /// Named by `--shared-services-account`.
    Given(String),
    /// The accounts of the imported AMIs the lookup table holds rows for.
    Found(BTreeSet<String>),
    /// Not known: the accounts the AMIs are of.
    Unknown(BTreeSet<String>),
}

impl Published {
    /// The accounts whose AMIs are kept, when known.
    pub(super) fn accounts(&self) -> Option<BTreeSet<String>> {
        match self {
            Published::Given(account) => Some(BTreeSet::from([account.clone()])),
            Published::Found(accounts) => Some(accounts.clone()),
            Published::Unknown(_) => None,
        }
    }
}

/// Every AMI record of a lifecycle, creation and patch cycles.
fn all_amis(lc: &Lifecycle) -> impl Iterator<Item = &crate::lifecycle::AmiOutput> {
    lc.creation
        .iter()
        .chain(lc.patches.iter().flat_map(|c| c.events.iter()))
        .flat_map(|r| r.outputs.amis.iter())
}

/// The reference solution's lookup table holds only the shared-services
/// account's AMIs: the accounts of the imported AMIs it has rows for.
pub(super) async fn published_accounts(
    ctx: &Context,
    mapped: &[(&serde_json::Value, Result<Lifecycle, Unmapped>)],
) -> Result<Published, OpError> {
    let lifecycles: Vec<&Lifecycle> = mapped.iter().filter_map(|(_, m)| m.as_ref().ok()).collect();
    let all: BTreeSet<String> = lifecycles
        .iter()
        .flat_map(|lc| all_amis(lc))
        .filter_map(|a| a.account.clone())
        .collect();
    if all.len() < 2 {
        return Ok(Published::Unknown(all));
    }
    let tags: BTreeSet<&str> = lifecycles.iter().map(|lc| lc.stack_tag.as_str()).collect();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for tag in tags {
        for row in ctx.store.lookup_rows(tag).await? {
            listed.insert(row.ami_id);
        }
    }
    let found: BTreeSet<String> = lifecycles
        .iter()
        .flat_map(|lc| all_amis(lc))
        .filter(|a| listed.contains(&a.ami_id))
        .filter_map(|a| a.account.clone())
        .collect();
    Ok(if found.is_empty() {
        Published::Unknown(all)
    } else {
        Published::Found(found)
    })
}

/// Leaves out the AMIs of accounts the reference did not publish, naming
/// each in its record's `reference.unpublished_amis`; returns them.
pub(super) fn keep_published(lc: &mut Lifecycle, accounts: BTreeSet<String>) -> Vec<String> {
    let mut left_out = Vec::new();
    let records = lc
        .creation
        .iter_mut()
        .chain(lc.patches.iter_mut().flat_map(|c| c.events.iter_mut()));
    for record in records {
        let (kept, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut record.outputs.amis)
            .into_iter()
            .partition(|a| a.account.as_ref().is_none_or(|acc| accounts.contains(acc)));
        record.outputs.amis = kept;
        if dropped.is_empty() {
            continue;
        }
        let named: Vec<String> = dropped
            .iter()
            .map(|a| {
                format!(
                    "{} (account {}, {})",
                    a.ami_id,
                    a.account.as_deref().unwrap_or("-"),
                    a.region
                )
            })
            .collect();
        record
            .outputs
            .extra
            .insert("reference.unpublished_amis".to_string(), named.join(", "));
        left_out.extend(dropped.into_iter().map(|a| a.ami_id));
    }
    left_out
}
