//! `amiboard inbox`: every lifecycle waiting for a person.

use chrono::Utc;

use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::ops::SkippedItem;
use crate::ops::inbox::{Waiting, inbox as read_inbox};

/// Says on stderr which items could not be read (the rest still prints).
pub fn warn_skipped(skipped: &[SkippedItem]) {
    for item in skipped {
        eprintln!(
            "warning: skipped malformed lifecycle {}: {}",
            clean(&item.key),
            clean(&item.error)
        );
    }
}

/// One line per waiting lifecycle, the longest waiting first, or JSON.
pub async fn inbox(ctx: &Context, stack_tag: Option<&str>, json: bool) -> Result<(), CliError> {
    let (items, skipped) = read_inbox(ctx, stack_tag, Utc::now()).await?;
    warn_skipped(&skipped);
    if json {
        return emit_json(&items);
    }
    if items.is_empty() {
        return emit("Nothing is waiting for a person.\n");
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    emit(&table(
        &[
            "LIFECYCLE",
            "STACK",
            "PRODUCT",
            "WAITING FOR",
            "STAGE",
            "SEMVER",
            "REQUESTED BY",
            "WAITED",
            "SMOKE",
            "SCANS",
            "AMI",
        ],
        &rows,
    ))
}

fn row(item: &Waiting) -> Vec<String> {
    vec![
        item.lifecycle_id.clone(),
        item.stack_tag.clone(),
        format!("{} {}", item.product_name, item.product_version),
        item.waiting_for.label().to_string(),
        item.stage.clone(),
        item.semver.clone().unwrap_or_else(|| "-".into()),
        item.requested_by
            .as_deref()
            .map_or_else(|| "-".into(), crate::lifecycle::actor::short),
        item.waiting.clone(),
        item.smoke_text(),
        item.scan_text(),
        item.amis
            .first()
            .map_or_else(|| "-".to_string(), |a| a.ami_id.clone()),
    ]
}
