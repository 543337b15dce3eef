//! Adopting a reference-solution deployment: the MAJOR floor its data sets
//! for new builds, and the import of its lifecycle table, idempotent and
//! never over a lifecycle amiboard changed since.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::adopt_accounts::{Published, keep_published, published_accounts};
use super::run::writable;
use super::{Context, OpError};
use crate::aws::AwsError;
use crate::lifecycle::lookup::highest_major;
use crate::lifecycle::reference::{major_floor, map_item};
use crate::lifecycle::{Lifecycle, parse_version};

/// The property naming the reference table a lifecycle was imported from.
pub const IMPORTED_FROM: &str = "amiboard.imported_from";
/// The property holding the `item_version` the import wrote: a higher stored
/// version means amiboard changed the lifecycle since.
pub const IMPORT_VERSION: &str = "amiboard.import_version";

/// The lowest MAJOR a new build of `stack_tag` may receive: above every
/// version in the lookup table and above the reference solution's seed
/// (`tables.reference_semver_seeds`, when configured).
pub async fn version_floor(ctx: &Context, stack_tag: &str) -> Result<u64, OpError> {
    let rows = ctx.store.lookup_rows(stack_tag).await?;
    let seed = match &ctx.config.tables.reference_semver_seeds {
        Some(table) => match ctx.store.reference_seed(table, stack_tag).await? {
            Some(text) => Some(parse_version(&text).ok_or_else(|| AwsError::Malformed {
                what: format!("reference semver seed of {stack_tag} in {table}"),
                detail: format!("`{text}` is not a version"),
            })?),
            None => None,
        },
        None => None,
    };
    Ok(major_floor(highest_major(&rows), seed.as_ref()))
}

/// What the import did (or, in a dry run, would do) with one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// New in amiboard.
    Create,
    /// Imported before, unchanged in amiboard since, and the reference moved on.
    Update,
    /// Imported before and the same: nothing to write.
    Unchanged,
    /// Changed in amiboard since it was imported: not overwritten.
    Kept,
    /// The item could not be read as a lifecycle (the reasons say why).
    Unmapped,
    /// A lifecycle with this id exists in amiboard and was not imported from this table.
    Refused,
    /// The write failed.
    Failed,
}

impl ImportAction {
    /// Whether this item counts against the import (exit 1).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            ImportAction::Unmapped | ImportAction::Refused | ImportAction::Failed
        )
    }
}

/// One item of the reference table and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportEntry {
    /// The item's `lifecycle_id`, or `(no lifecycle_id)`.
    pub lifecycle_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_tag: Option<String>,
    pub action: ImportAction,
    /// The lifecycle in a few words, or why it was kept, refused or failed.
    pub detail: String,
    /// Why it could not be mapped: every problem found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A stack tag whose version counter the import raised (or would make sure of).
#[derive(Debug, Clone, Serialize)]
pub struct CounterFloor {
    pub stack_tag: String,
    /// The highest MAJOR imported: new builds get a higher one.
    pub last_major: u64,
}

/// What one import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub table: String,
    pub dry_run: bool,
    pub entries: Vec<ImportEntry>,
    pub counters: Vec<CounterFloor>,
    /// What the import did not refuse but a person should know: versions
    /// held twice in one stack tag, versions that may collide with the
    /// reference solution's next builds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ImportReport {
    /// How many lifecycles were (or would be) written.
    pub fn written(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.action, ImportAction::Create | ImportAction::Update))
            .count()
    }

    /// How many items were not imported for a problem.
    pub fn problems(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.action.is_problem())
            .count()
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Read and compare only (allowed in read-only mode).
    pub dry_run: bool,
    /// The account whose AMIs the reference solution published in its
    /// lookup table (its `SHARED_SERVICES_ACCOUNT_ID`).
    pub shared_services_account: Option<String>,
}

/// Imports every lifecycle of a reference solution's lifecycle table.
/// `dry_run` reads and compares only (and is allowed in read-only mode).
pub async fn import_reference(
    ctx: &Context,
    table: &str,
    options: ImportOptions,
) -> Result<ImportReport, OpError> {
    let dry_run = options.dry_run;
    if !dry_run {
        writable(ctx)?;
    }
    let found = ctx.store.reference_items(table).await?;
    let mapped: Vec<_> = found
        .items
        .iter()
        .map(|item| (item, map_item(item)))
        .collect();
    let published = match options.shared_services_account.clone() {
        Some(account) => Published::Given(account),
        None => published_accounts(ctx, &mapped).await?,
    };
    let mut entries: Vec<ImportEntry> = found
        .skipped
        .into_iter()
        .map(|s| ImportEntry {
            lifecycle_id: s.key,
            stack_tag: None,
            action: ImportAction::Unmapped,
            detail: String::new(),
            reasons: vec![format!("not readable: {}", s.error)],
        })
        .collect();
    let mut majors: BTreeMap<String, u64> = BTreeMap::new();
    // (stack tag, version) -> the ids holding it, for the duplicates.
    let mut holders: BTreeMap<(String, semver::Version), Vec<String>> = BTreeMap::new();
    let mut unpublished: BTreeSet<String> = BTreeSet::new();
    let topic = tokio::sync::OnceCell::new();
    for (item, mapping) in mapped {
        let mut lc = match mapping {
            Ok(lc) => lc,
            Err(unmapped) => {
                entries.push(ImportEntry {
                    lifecycle_id: unmapped
                        .lifecycle_id
                        .unwrap_or_else(|| "(no lifecycle_id)".to_string()),
                    stack_tag: item
                        .get("stack_tag")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string),
                    action: ImportAction::Unmapped,
                    detail: String::new(),
                    reasons: unmapped.reasons,
                });
                continue;
            }
        };
        if let Some(accounts) = published.accounts() {
            unpublished.extend(keep_published(&mut lc, accounts));
        }
        for version in versions(&lc) {
            holders
                .entry((lc.stack_tag.clone(), version))
                .or_default()
                .push(lc.lifecycle_id.clone());
        }
        lc.properties
            .insert(IMPORTED_FROM.to_string(), table.to_string());
        let (action, note) = import_one(ctx, &topic, &mut lc, table, dry_run).await;
        if !action.is_problem() {
            let highest = versions(&lc).map(|v| v.major).max();
            if let Some(major) = highest {
                let entry = majors.entry(lc.stack_tag.clone()).or_default();
                *entry = (*entry).max(major);
            }
        }
        entries.push(ImportEntry {
            lifecycle_id: lc.lifecycle_id.clone(),
            stack_tag: Some(lc.stack_tag.clone()),
            action,
            detail: note.unwrap_or_else(|| summary(&lc)),
            reasons: Vec::new(),
        });
    }
    entries.sort_by(|a, b| a.lifecycle_id.cmp(&b.lifecycle_id));
    let mut warnings: Vec<String> = holders
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|((tag, version), ids)| {
            format!(
                "duplicate version {version} in stack tag {tag}: held by {} (selection shows only one of them)",
                ids.join(", ")
            )
        })
        .collect();
    match &published {
        Published::Unknown(accounts) if accounts.len() > 1 => warnings.push(format!(
            "the AMIs are of {} accounts ({}) and neither --shared-services-account nor the lookup table says which one the reference solution published: every AMI was kept",
            accounts.len(),
            accounts.iter().cloned().collect::<Vec<_>>().join(", ")
        )),
        _ => {}
    }
    if !unpublished.is_empty() {
        warnings.push(format!(
            "left out {} AMI(s) of accounts the reference solution did not publish ({}); each is named in its record's reference.unpublished_amis",
            unpublished.len(),
            published
                .accounts()
                .map(|a| format!("kept: {}", a.iter().cloned().collect::<Vec<_>>().join(", ")))
                .unwrap_or_default()
        ));
    }
    if ctx.config.tables.reference_semver_seeds.is_none() && !majors.is_empty() {
        warnings.push(
            "tables.reference_semver_seeds is not set: a new build may take the MAJOR the reference solution hands out next; set it to the reference seed table (see docs/migrating-from-reference.md)"
                .to_string(),
        );
    }
    let mut counters = Vec::new();
    for (stack_tag, last_major) in majors {
        // Imported versions are taken: a new build gets a higher MAJOR even
        // when no lookup row or seed says so.
        if dry_run || ctx.store.raise_major(&stack_tag, last_major).await? {
            counters.push(CounterFloor {
                stack_tag,
                last_major,
            });
        }
    }
    Ok(ImportReport {
        table: table.to_string(),
        dry_run,
        entries,
        counters,
        warnings,
    })
}

/// Every version a lifecycle holds (its build's and its patch cycles').
fn versions(lc: &Lifecycle) -> impl Iterator<Item = semver::Version> + '_ {
    lc.ami_semver
        .iter()
        .map(String::as_str)
        .chain(lc.patches.iter().map(|c| c.semver.as_str()))
        .filter_map(parse_version)
}

/// The lifecycle in a few words: product, newest version, where it stands.
fn summary(lc: &Lifecycle) -> String {
    let (at, record) = lc.current();
    format!(
        "{} {}, version {}, {at} {}",
        lc.product_name,
        lc.product_version,
        lc.newest_semver().unwrap_or("-"),
        record.status.name()
    )
}

/// Writes (or, in a dry run, decides) one mapped lifecycle: create when new,
/// update when imported before and untouched in amiboard since, else keep.
/// The note replaces the summary when the lifecycle was not written.
async fn import_one(
    ctx: &Context,
    topic: &tokio::sync::OnceCell<Option<String>>,
    lc: &mut Lifecycle,
    table: &str,
    dry_run: bool,
) -> (ImportAction, Option<String>) {
    let failed = |err: &dyn std::fmt::Display| (ImportAction::Failed, Some(err.to_string()));
    let current = match ctx.store.get(&lc.lifecycle_id).await {
        Ok(current) => Some(current),
        Err(AwsError::NotFound { .. }) => None,
        Err(err) => return failed(&err),
    };
    let Some(current) = current else {
        lc.item_version = 0;
        lc.properties
            .insert(IMPORT_VERSION.to_string(), "0".to_string());
        if dry_run {
            return (ImportAction::Create, None);
        }
        // Stamped with the time of the write, so that a dashboard's change
        // read sees it (the reference's own dates stay in the records).
        lc.updated_at = chrono::Utc::now();
        return match ctx.store.create(lc).await {
            Ok(()) => {
                announce(ctx, topic, lc).await;
                (ImportAction::Create, None)
            }
            Err(AwsError::Conflict { .. }) => (
                ImportAction::Refused,
                Some("created in amiboard while importing; not overwritten".to_string()),
            ),
            Err(err) => failed(&err),
        };
    };
    if current.properties.get(IMPORTED_FROM).map(String::as_str) != Some(table) {
        return (
            ImportAction::Refused,
            Some(format!(
                "a lifecycle with this id exists in amiboard and was not imported from {table}; not overwritten"
            )),
        );
    }
    let imported_as = current
        .properties
        .get(IMPORT_VERSION)
        .and_then(|v| v.parse::<u64>().ok());
    if imported_as != Some(current.item_version) {
        return (
            ImportAction::Kept,
            Some(format!(
                "changed in amiboard since it was imported (now version {}); not overwritten",
                current.item_version
            )),
        );
    }
    lc.item_version = current.item_version;
    lc.properties
        .insert(IMPORT_VERSION.to_string(), current.item_version.to_string());
    let mut stored = current.clone();
    stored.updated_at = lc.updated_at;
    if stored == *lc {
        return (ImportAction::Unchanged, None);
    }
    let Some(next) = current.item_version.checked_add(1) else {
        return failed(&"the stored item_version is at its largest value");
    };
    lc.properties
        .insert(IMPORT_VERSION.to_string(), next.to_string());
    if dry_run {
        return (ImportAction::Update, None);
    }
    match ctx.store.save(lc).await {
        Ok(stored) => {
            *lc = stored;
            announce(ctx, topic, lc).await;
            (ImportAction::Update, None)
        }
        Err(AwsError::Conflict { .. }) => (
            ImportAction::Kept,
            Some("changed in amiboard while importing; not overwritten".to_string()),
        ),
        Err(err) => failed(&err),
    }
}

/// Announces an imported lifecycle on the lifecycle topic, as every other
/// write does, so open dashboards show it at once. The write stands even
/// when the announcement fails: a dashboard's change read finds it anyway.
/// The topic is resolved once per import (`topic`).
async fn announce(ctx: &Context, topic: &tokio::sync::OnceCell<Option<String>>, lc: &Lifecycle) {
    let topic = topic
        .get_or_init(|| async {
            match super::run::setting(ctx).await {
                Ok(setting) => Some(setting.lifecycle_topic),
                Err(err) => {
                    tracing::warn!(error = %err, "imports not announced: no lifecycle topic");
                    None
                }
            }
        })
        .await;
    let Some(topic) = topic else {
        return;
    };
    let (at, _) = lc.current();
    if let Err(err) = super::change::announce_to(ctx, topic, lc, at, "amiboard import").await {
        tracing::warn!(lifecycle_id = %lc.lifecycle_id, error = %err, "import not announced");
    }
}
