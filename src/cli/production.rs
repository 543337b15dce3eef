//! `amiboard production`: the AMI in production per stack tag, product and
//! region, and the history of what it replaced.

use chrono::{DateTime, Utc};

use super::inbox::warn_skipped;
use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::actor::short;
use crate::lifecycle::retire::stage_of_key;
use crate::ops::production::{ProductionEntry, Promotion, read_with_lifecycles};

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
    let (entries, skipped, lifecycles) = read_with_lifecycles(ctx, stack_tag).await?;
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
    out.push_str(&end_of_life(&entries, &lifecycles));
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

/// One line per replaced AMI (superseded by the one above it) and per AMI
/// amiboard retired or EC2 no longer has, under the table.
fn end_of_life(entries: &[ProductionEntry], lifecycles: &[Lifecycle]) -> String {
    let now = Utc::now();
    let mut out = String::new();
    for entry in entries {
        let mut newer = &entry.current;
        for old in std::iter::once(&entry.current).chain(&entry.history) {
            let mut facts = Vec::new();
            if !std::ptr::eq(old, newer) {
                let short: String = newer.lifecycle_id.chars().take(8).collect();
                facts.push(format!(
                    "superseded by {short} {}",
                    newer.semver.as_deref().unwrap_or("?")
                ));
            }
            let lc = lifecycles
                .iter()
                .find(|l| l.lifecycle_id == old.lifecycle_id);
            let stage = stage_of_key(&old.stage.replace(' ', "-"));
            if let (Some(lc), Some(stage)) = (lc, stage) {
                if let Some(r) = lc.retirement(stage) {
                    facts.push(format!("amiboard: {}", r.state().phrase()));
                }
                if let Some(state) = lc
                    .where_used
                    .as_ref()
                    .and_then(|w| w.state_of(&entry.region, &old.ami_id, now))
                    .filter(|s| {
                        !matches!(
                            s,
                            crate::lifecycle::retire::Ec2State::Available
                                | crate::lifecycle::retire::Ec2State::NotChecked { .. }
                        )
                    })
                {
                    facts.push(format!("EC2: {}", state.phrase()));
                }
            }
            if !facts.is_empty() {
                out.push_str(&clean(&format!(
                    "{} {} ({}, {}): {}\n",
                    old.ami_id,
                    entry.region,
                    old.lifecycle_id,
                    old.stage,
                    facts.join("; ")
                )));
            }
            newer = old;
        }
    }
    out
}
