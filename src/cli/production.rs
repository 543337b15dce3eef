//! `amiboard production`: the AMI in production per stack tag, product and
//! region, and the history of what it replaced.

use chrono::{DateTime, Utc};

use super::inbox::warn_skipped;
use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::actor::short;
use crate::ops::production::{Promotion, read};

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "-".to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn cells(lead: [String; 3], ami: String, p: &Promotion) -> Vec<String> {
    let [stack, product, region] = lead;
    vec![
        stack,
        product,
        region,
        ami,
        p.semver.clone().unwrap_or_else(|| "-".into()),
        when(p.promoted_at),
        p.promoted_by.as_deref().map_or_else(|| "-".into(), short),
        p.replaced_at.map_or_else(String::new, |t| when(Some(t))),
        p.lifecycle_id.clone(),
    ]
}

/// The current production AMIs with their history (indented under them), or JSON.
pub async fn production(
    ctx: &Context,
    stack_tag: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let (entries, skipped) = read(ctx, stack_tag).await?;
    warn_skipped(&skipped);
    if json {
        return emit_json(&entries);
    }
    if entries.is_empty() {
        return emit("No AMI has been promoted to production yet.\n");
    }
    let mut rows = Vec::new();
    for entry in &entries {
        rows.push(cells(
            [
                entry.stack_tag.clone(),
                entry.product_name.clone(),
                entry.region.clone(),
            ],
            entry.current.ami_id.clone(),
            &entry.current,
        ));
        for old in &entry.history {
            rows.push(cells(
                [String::new(), String::new(), String::new()],
                format!("↳ {}", old.ami_id),
                old,
            ));
        }
    }
    let mut out = table(
        &[
            "STACK",
            "PRODUCT",
            "REGION",
            "AMI",
            "SEMVER",
            "PROMOTED",
            "BY",
            "REPLACED",
            "LIFECYCLE",
        ],
        &rows,
    );
    // Break glass is never silent: one line per override, under the table.
    for entry in &entries {
        for p in std::iter::once(&entry.current).chain(&entry.history) {
            for o in &p.overrides {
                let line = format!(
                    "{} {} ({}, {}): {}",
                    p.ami_id,
                    entry.region,
                    p.lifecycle_id,
                    p.stage,
                    o.line()
                );
                out.push_str(&clean(&line));
                out.push('\n');
            }
        }
    }
    emit(&out)
}
