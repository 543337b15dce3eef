//! `timeline`: every event of a lifecycle in order, with the running
//! execution's live state, as text, JSON or markdown (for change tickets).

use chrono::Utc;
use serde_json::{Value, json};

use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::execution::Progress;
use crate::lifecycle::notification::sanitize::markdown_cell;
use crate::lifecycle::{EventRecord, EventRef, EventStatus};
use crate::ops;

fn outputs_text(record: &EventRecord) -> String {
    let o = &record.outputs;
    let mut parts: Vec<String> = o
        .amis
        .iter()
        .map(|a| format!("{} {}", a.region, a.ami_id))
        .collect();
    if let Some(v) = &o.ami_semver {
        parts.push(format!("v{v}"));
    }
    if let Some(v) = &o.vulnerabilities {
        parts.push(v.summary());
    }
    for v in [&o.run_command_id, &o.export_location, &o.backup_object]
        .into_iter()
        .flatten()
    {
        parts.push(v.clone());
    }
    for (key, value) in &o.extra {
        parts.push(format!("{key}: {value}"));
    }
    parts.join(", ")
}

fn live_text(progress: &Progress) -> String {
    format!(
        "{} in {} for {}",
        progress.status.name(),
        progress.state.as_deref().unwrap_or("?"),
        crate::lifecycle::format_duration(progress.elapsed.unwrap_or_default())
    )
}

/// Prints the timeline of one lifecycle.
pub async fn timeline(ctx: &Context, id: &str, json: bool, markdown: bool) -> Result<(), CliError> {
    let lc = ctx.store.get(id).await?;
    let mut live: Option<(EventRef, Progress)> = None;
    if let Some((at, record)) = lc.running()
        && let Some(arn) = &record.execution_arn
    {
        match ops::execution_progress(ctx, arn).await {
            Ok(progress) => live = Some((at, progress)),
            Err(err) => tracing::warn!(error = %err, "no live progress"),
        }
    }
    let now = Utc::now();
    let live_for = |at: EventRef| live.as_ref().filter(|(x, _)| *x == at).map(|(_, p)| p);
    if json {
        let events: Vec<Value> = lc
            .all_records()
            .map(|(at, r)| {
                json!({
                    "stage": ops::execution_input::stage_word(at.stage),
                    "event": r.event.name(),
                    "status": r.status.name(),
                    "attempt": r.attempt,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "actor": r.actor,
                    "reason": r.reason,
                    "execution_arn": r.execution_arn,
                    "outputs": r.outputs,
                    "live": live_for(at).map(|p| json!({
                        "status": p.status.name(),
                        "state": p.state,
                        "elapsed_seconds": p.elapsed.map(|d| d.num_seconds()),
                    })),
                })
            })
            .collect();
        return emit_json(&json!({
            "lifecycle_id": lc.lifecycle_id,
            "stack_tag": lc.stack_tag,
            "product": format!("{} {}", lc.product_name, lc.product_version),
            "ami_semver": lc.ami_semver,
            "events": events,
        }));
    }
    let rows: Vec<Vec<String>> = lc
        .all_records()
        .map(|(at, r)| {
            let took = r
                .duration(now)
                .map_or_else(|| "-".to_string(), crate::lifecycle::format_duration);
            let note = match live_for(at) {
                Some(p) => live_text(p),
                None if r.status == EventStatus::NotStarted => String::new(),
                None => r.reason.clone().unwrap_or_else(|| outputs_text(r)),
            };
            vec![
                at.stage.label(),
                r.event.name().to_string(),
                r.status.name().to_string(),
                r.attempt.to_string(),
                r.started_at.map_or_else(
                    || "-".to_string(),
                    |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
                ),
                took,
                r.actor.clone().unwrap_or_else(|| "-".to_string()),
                note,
            ]
        })
        .collect();
    let header = [
        "STAGE",
        "EVENT",
        "STATUS",
        "TRY",
        "STARTED (UTC)",
        "TOOK",
        "BY",
        "DETAIL",
    ];
    if markdown {
        let mut out = format!(
            "### Lifecycle `{}` ({} {}, stack `{}`)\n\n| {} |\n|{}|\n",
            clean(&lc.lifecycle_id).replace('`', "'"),
            markdown_cell(&lc.product_name),
            markdown_cell(&lc.product_version),
            clean(&lc.stack_tag).replace('`', "'"),
            header.join(" | "),
            header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
        );
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        return emit(&out);
    }
    emit(&table(&header, &rows))
}
