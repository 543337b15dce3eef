//! `timeline`: every event of a lifecycle in order, with the running
//! execution's live state, as text, JSON or markdown (for change tickets).

use chrono::Utc;
use serde_json::{Value, json};

use super::output::{clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::lifecycle::actor::short;
use crate::lifecycle::execution::Progress;
use crate::lifecycle::notification::sanitize::markdown_cell;
use crate::lifecycle::{EventRecord, EventRef, EventStatus, Lifecycle, vocabulary};
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

/// The DETAIL column of `show` and `timeline`: the reason, else the outputs
/// (nothing for an event that has not started).
pub fn detail(record: &EventRecord) -> String {
    if record.status == EventStatus::NotStarted {
        return String::new();
    }
    record
        .reason
        .clone()
        .unwrap_or_else(|| outputs_text(record))
}

fn live_text(progress: &Progress) -> String {
    format!(
        "{} in {} for {}",
        progress.status.name(),
        progress.state.as_deref().unwrap_or("?"),
        crate::lifecycle::format_duration(progress.elapsed.unwrap_or_default())
    )
}

/// What the table leaves out, one line each, made safe to print: every
/// break-glass override (who, when, why, over what) and every earlier
/// attempt of an event (how it ended, who, when, why), in timeline order.
pub fn trail_lines(lc: &Lifecycle) -> Vec<String> {
    let mut lines = Vec::new();
    for (at, r) in lc.all_records() {
        let event = format!("{} {}", at.stage.label(), r.event.label());
        for a in &r.history {
            let by = a
                .actor
                .as_deref()
                .map(|who| format!(" by {}", short(who)))
                .unwrap_or_default();
            let when = a
                .finished_at
                .or(a.started_at)
                .map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default();
            let why = a
                .reason
                .as_deref()
                .map(|why| format!(": {why}"))
                .unwrap_or_default();
            lines.push(format!(
                "{event} try {} {}{by}{when}{why}",
                a.attempt,
                vocabulary::status_words(a.status, false),
            ));
            if let Some(o) = &a.approval_override {
                lines.push(format!("{event} try {}: {}", a.attempt, o.line()));
            }
        }
        if let Some(o) = &r.approval_override {
            lines.push(format!("{event} try {}: {}", r.attempt, o.line()));
        }
    }
    lines.iter().map(|l| clean(l)).collect()
}

/// The one sentence on order, under the table rather than under every
/// event that waits: which event is next and the order the active cycle's
/// events run in. `None` once the cycle has nothing left to run.
pub fn order_line(lc: &Lifecycle) -> Option<String> {
    let stage = lc.active_stage();
    let waiting = lc
        .records(stage)?
        .iter()
        .any(|r| r.status == EventStatus::NotStarted);
    if !waiting {
        return None;
    }
    let next = match crate::lifecycle::rules::next_allowed(lc) {
        Some(at) => format!("next: {}", vocabulary::event_words(at)),
        None => match lc.running() {
            Some((at, _)) => format!("{} is running", vocabulary::event_words(at)),
            None => "a decision or a retry comes next".to_string(),
        },
    };
    Some(format!(
        "Events run in order: {}; {next}.",
        vocabulary::sequence_words(stage.phase())
    ))
}

/// Appends [`trail_lines`] under a heading, when there are any.
pub fn push_trail(out: &mut String, lc: &Lifecycle) {
    let trail = trail_lines(lc);
    if trail.is_empty() {
        return;
    }
    out.push_str("\nOverrides and earlier attempts:\n");
    for line in trail {
        out.push_str(&format!("  {line}\n"));
    }
}

/// Appends the retirement runs (who, when, why, the override) and the
/// end-of-life facts (superseded by, amiboard's and EC2's state).
pub fn push_retirement(out: &mut String, lc: &Lifecycle, end_of_life: &[String]) {
    let trail = crate::lifecycle::retire::retirement_trail(lc);
    if !end_of_life.is_empty() {
        out.push_str("\nEnd of life:\n");
        for line in end_of_life {
            out.push_str(&format!("  {}\n", clean(line)));
        }
    }
    if !trail.is_empty() {
        out.push_str("\nRetirement:\n");
        for line in trail {
            out.push_str(&format!("  {}\n", clean(&line)));
        }
    }
}

/// The end-of-life lines of `lc`, reading its stack tag's lifecycles for
/// what supersedes what (a failed read leaves supersession out, with a log line).
pub async fn end_of_life(ctx: &Context, lc: &Lifecycle) -> Vec<String> {
    let peers = match ctx.store.list_all(Some(&lc.stack_tag), &mut |_| {}).await {
        Ok(listing) => listing.lifecycles,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the stack tag for supersession");
            Vec::new()
        }
    };
    crate::lifecycle::retire::end_of_life_lines(lc, &peers, Utc::now())
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
                    "override": r.approval_override,
                    "history": r.history,
                    "live": live_for(at).map(|p| json!({
                        "status": p.status.name(),
                        "state": p.state,
                        "elapsed_seconds": p.elapsed.map(|d| d.num_seconds()),
                    })),
                })
            })
            .collect();
        let end_of_life = end_of_life(ctx, &lc).await;
        return emit_json(&json!({
            "lifecycle_id": lc.lifecycle_id,
            "stack_tag": lc.stack_tag,
            "product": format!("{} {}", lc.product_name, lc.product_version),
            "ami_semver": lc.ami_semver,
            "events": events,
            "retirements": lc.retirements,
            "end_of_life": end_of_life,
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
                None => detail(r),
            };
            vec![
                at.stage.label(),
                r.event.label().to_string(),
                vocabulary::status_words(r.status, r.is_lost()),
                r.attempt.to_string(),
                r.started_at.map_or_else(
                    || "-".to_string(),
                    |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
                ),
                took,
                r.actor.as_deref().map_or_else(|| "-".to_string(), short),
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
        if let Some(line) = order_line(&lc) {
            out.push_str(&format!("\n{}\n", markdown_cell(&line)));
        }
        let trail = trail_lines(&lc);
        if !trail.is_empty() {
            out.push_str("\nOverrides and earlier attempts:\n\n");
            for line in trail {
                out.push_str(&format!("- {}\n", markdown_cell(&line)));
            }
        }
        return emit(&out);
    }
    let mut out = table(&header, &rows);
    if let Some(line) = order_line(&lc) {
        out.push_str(&format!("\n{line}\n"));
    }
    push_trail(&mut out, &lc);
    push_retirement(&mut out, &lc, &end_of_life(ctx, &lc).await);
    emit(&out)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{order_line, trail_lines};
    use crate::lifecycle::approvals::ApprovalOverride;
    use crate::lifecycle::{EventKind, EventRef, EventStatus, Lifecycle, Stage};

    #[test]
    fn trust_05_overrides_and_earlier_attempts_are_one_line_each() {
        let at = |m| {
            Utc.with_ymd_and_hms(2026, 11, 30, 18, m, 0)
                .single()
                .expect("a time")
        };
        let mut lc = Lifecycle::new("lc-1", "prod", "web", "3.2", "alice", at(0));
        let smoke = EventRef {
            stage: Stage::Creation,
            event: EventKind::SmokeTests,
        };
        let record = lc.record_mut(smoke).expect("SMOKE_TESTS");
        record.claim("arn:aws:iam::1:user/alice", 1, at(1));
        record.status = EventStatus::Failed;
        record.finished_at = Some(at(2));
        record.reason = Some("ssh refused".into());
        record.claim("arn:aws:sts::1:assumed-role/Ops/bob", 2, at(3));
        record.approval_override = Some(Box::new(ApprovalOverride {
            by: "arn:aws:sts::1:assumed-role/Ops/bob".into(),
            reason: "hotfix\nfor CVE".into(),
            at: at(3),
            overridden: vec!["four eyes: alice certified this AMI".into()],
        }));
        assert_eq!(
            trail_lines(&lc),
            [
                "creation Smoke tests try 1 ✘ failed by alice at 2026-11-30 18:02 UTC: ssh refused",
                "creation Smoke tests try 2: ⚠ override by Ops/bob at 2026-11-30 18:03 UTC: hotfix for CVE (over: four eyes: alice certified this AMI)",
            ]
        );
    }

    #[test]
    fn the_order_of_events_is_said_once_with_what_comes_next() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 30, 18, 0, 0)
            .single()
            .expect("a time");
        let mut lc = Lifecycle::new("lc-1", "main", "web", "3.2", "alice", at);
        assert_eq!(
            order_line(&lc).as_deref(),
            Some(
                "Events run in order: Build → Smoke tests → Vulnerability scans → QA requested → QA certification → Production; next: Build."
            )
        );
        let build = EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        };
        lc.record_mut(build).expect("build").claim("alice", 1, at);
        assert!(
            order_line(&lc).is_some_and(|l| l.ends_with("; Build is running.")),
            "{:?}",
            order_line(&lc)
        );
        for record in &mut lc.creation {
            record.status = EventStatus::Completed;
        }
        assert_eq!(order_line(&lc), None, "nothing waits");
    }
}
