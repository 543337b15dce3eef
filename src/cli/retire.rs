//! `amiboard where-used`, `retire` (and `retire --policy`) and `restore`:
//! the preview first, before any write; refusals exit 4, usage errors 2.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::args::RetireArgs;
use super::output::{clean_text, emit, emit_json};
use super::workflow::confirm;
use super::{CliError, Context, Exit};
use crate::lifecycle::retire::{Preview, RetireAction, Verdict, preview_lines, where_used_lines};
use crate::lifecycle::{EventStatus, Refusal};
use crate::ops::retire::{Planned, RetireAsk, RetireStarted};
use crate::ops::{self, OpError};

/// The command's name in front of a refusal, so read-only mode says which
/// command it refused.
fn named(command: &str, err: OpError) -> CliError {
    let mut e = CliError::from(err);
    e.message = format!("{command}: {}", e.message);
    e
}

/// `amiboard where-used ID|AMI [--refresh] [--json]`.
pub async fn where_used(
    ctx: &Context,
    target: &str,
    refresh: bool,
    json: bool,
) -> Result<(), CliError> {
    if refresh && ctx.config.read_only {
        return Err(named("where-used --refresh", Refusal::ReadOnly.into()));
    }
    let (mut lc, _) = ops::where_used::find(ctx, target).await?;
    if refresh {
        let actor = ops::actor(ctx).await?;
        lc = ops::where_used::refresh(ctx, &actor, &lc, ops::where_used::REFRESH_WAIT)
            .await
            .map_err(|e| named("where-used --refresh", e))?;
    }
    let peers = ctx
        .store
        .list_all(Some(&lc.stack_tag), &mut |_| {})
        .await
        .map_err(OpError::from)?;
    let now = Utc::now();
    if json {
        return emit_json(&where_used_json(&lc, now));
    }
    let mut out = String::new();
    for line in where_used_lines(&lc, &peers.lifecycles, now) {
        out.push_str(&clean_text(&line));
        out.push('\n');
    }
    emit(&out)
}

fn where_used_json(lc: &crate::lifecycle::Lifecycle, now: DateTime<Utc>) -> Value {
    let answer = lc.where_used.as_ref();
    let mut amis = Vec::new();
    for stage in lc.stages() {
        for ami in lc.stage_amis(stage) {
            let covered = answer.filter(|w| w.covers(&ami.region, &ami.ami_id));
            let image = covered.and_then(|w| w.image(&ami.ami_id));
            amis.push(json!({
                "stage": crate::lifecycle::retire::stage_key(stage),
                "semver": lc.stage_semver(stage),
                "region": ami.region,
                "ami_id": ami.ami_id,
                "ec2_state": answer.and_then(|w| w.state_of(&ami.region, &ami.ami_id, now)).map(|s| s.phrase()),
                "checked": covered.is_some(),
                "image": image,
                "references": covered.map(|w| w.references_to(&ami.ami_id)),
                "retirement": lc.retirement(stage).map(|r| r.state().phrase()),
            }));
        }
    }
    json!({
        "lifecycle_id": lc.lifecycle_id,
        "as_of": answer.map(|w| w.as_of),
        "age_seconds": answer.map(|w| now.signed_duration_since(w.as_of).num_seconds()),
        "region": answer.map(|w| w.region.clone()),
        "truncated": answer.is_some_and(|w| w.truncated),
        "amis": amis,
        "error": lc.where_used_error,
    })
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, CliError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            CliError::usage(format!(
                "--deprecate-at {text:?}: {e}; use RFC 3339, e.g. 2026-12-31T00:00:00Z"
            ))
        })
}

fn preview_json(p: &Preview) -> Value {
    json!({
        "lifecycle_id": p.lifecycle_id,
        "stage": crate::lifecycle::retire::stage_key(p.stage),
        "semver": p.semver,
        "event": p.action.event_name(),
        "deprecate_at": p.deprecate_at,
        "image_arn": p.image_arn,
        "state": p.state.phrase(),
        "in_production": p.in_production,
        "superseded_by": p.superseded.iter().map(|s| json!({
            "region": s.region, "lifecycle_id": s.by_lifecycle, "semver": s.by_semver, "ami_id": s.by_ami, "at": s.at,
        })).collect::<Vec<_>>(),
        "amis": p.amis.iter().map(|a| json!({
            "region": a.region, "ami_id": a.ami_id,
            "ec2_state": a.ec2.as_ref().map(crate::lifecycle::retire::Ec2State::phrase),
            "snapshots": a.snapshots, "last_launched": a.last_launched, "references": a.references,
        })).collect::<Vec<_>>(),
        "references_as_of": p.references_as_of,
        "lookup_rows": p.lookup_effect(),
        "override": p.approval_override,
    })
}

fn print_preview(p: &Preview) -> String {
    let mut out = String::new();
    for line in preview_lines(p, Utc::now()) {
        out.push_str(&clean_text(&line));
        out.push('\n');
    }
    out
}

/// `amiboard retire`.
pub async fn retire(ctx: &Context, args: RetireArgs) -> Result<(), CliError> {
    if args.policy {
        return policy(ctx, &args).await;
    }
    let action = if args.delete {
        RetireAction::Delete
    } else if args.disable {
        RetireAction::Disable
    } else {
        RetireAction::Deprecate
    };
    let deprecate_at = args.deprecate_at.as_deref().map(parse_time).transpose()?;
    let ask = RetireAsk {
        typed: args.target.clone().unwrap_or_default(),
        action,
        deprecate_at,
        override_reason: args.override_in_use.then(|| args.reason.clone()).flatten(),
        stage: None,
    };
    let flags = Flags {
        dry_run: args.dry_run,
        yes: args.yes,
        wait: args.wait,
        json: args.json,
    };
    run_one(ctx, "retire", &ask, flags).await
}

/// How a retirement command runs: preview only, without asking, following
/// the workflow, as JSON.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)]
pub struct Flags {
    pub dry_run: bool,
    pub yes: bool,
    pub wait: bool,
    pub json: bool,
}

/// `amiboard restore`.
pub async fn restore(ctx: &Context, target: &str, flags: Flags) -> Result<(), CliError> {
    let ask = RetireAsk {
        typed: target.to_string(),
        action: RetireAction::Restore,
        deprecate_at: None,
        override_reason: None,
        stage: None,
    };
    run_one(ctx, "restore", &ask, flags).await
}

async fn run_one(
    ctx: &Context,
    command: &str,
    ask: &RetireAsk,
    flags: Flags,
) -> Result<(), CliError> {
    let Flags {
        dry_run,
        yes,
        wait,
        json,
    } = flags;
    if !dry_run && ctx.config.read_only {
        return Err(named(command, Refusal::ReadOnly.into()));
    }
    let actor = ops::actor(ctx).await.map_err(|e| named(command, e))?;
    if !dry_run && ask.action != RetireAction::Restore {
        // What uses the AMIs is asked again before anything is retired, so
        // the rules judge today's references, not an old answer.
        let (lc, _) = ops::where_used::find(ctx, &ask.typed).await?;
        ops::where_used::ask_before_retiring(ctx, &actor, &lc, None)
            .await
            .map_err(|e| named("where-used", e))?;
    }
    let Planned { preview, .. } = ops::retire::plan(ctx, &actor, ask)
        .await
        .map_err(|e| named(command, e))?;
    if dry_run {
        if json {
            return emit_json(&json!({"dry_run": true, "preview": preview_json(&preview)}));
        }
        return emit(&format!(
            "{}(dry run: nothing changed)\n",
            print_preview(&preview)
        ));
    }
    if !json {
        eprint!("{}", print_preview(&preview));
    }
    confirm(
        ctx,
        yes,
        &format!("{} {}", ask.action.event_name(), preview.lifecycle_id),
    )?;
    let started = ops::retire::retire(ctx, &actor, ask)
        .await
        .map_err(|e| named(command, e))?;
    if wait {
        return wait_and_print(ctx, &started, json).await;
    }
    if json {
        return emit_json(&json!({
            "preview": preview_json(&started.preview),
            "execution_arn": started.execution_arn,
            "message": started.message,
        }));
    }
    emit(&format!("{}\n", clean_text(&started.message)))
}

async fn wait_and_print(
    ctx: &Context,
    started: &RetireStarted,
    json: bool,
) -> Result<(), CliError> {
    let budget = std::time::Duration::from_secs(
        ops::execution_input::max_budget_seconds(ops::workflows::Workflow::Retire)
            .saturating_add(600),
    );
    let waited = ops::where_used::wait_for_execution(ctx, &started.execution_arn, budget).await;
    let lc = ctx
        .store
        .get(&started.lifecycle.lifecycle_id)
        .await
        .map_err(OpError::from)?;
    let record = lc.retirement(started.preview.stage);
    let status = record.map(|r| r.status);
    if json {
        emit_json(&json!({
            "lifecycle_id": lc.lifecycle_id,
            "event": started.preview.action.event_name(),
            "status": status.map(EventStatus::name),
            "reason": record.and_then(|r| r.reason.clone()),
            "resources": record.map(|r| r.outputs.resources()),
            "execution_arn": started.execution_arn,
        }))?;
    } else {
        let mut out = format!(
            "{} {}: {}\n",
            started.preview.action.event_name(),
            lc.lifecycle_id,
            status.map_or("unknown", EventStatus::name)
        );
        if let Some(r) = record {
            for resource in r.outputs.resources() {
                out.push_str(&format!("  {}\n", clean_text(&resource.line())));
            }
            if let Some(reason) = &r.reason {
                out.push_str(&format!("  reason: {}\n", clean_text(reason)));
            }
        }
        emit(&out)?;
    }
    waited?;
    match status {
        Some(EventStatus::Completed) => Ok(()),
        _ => Err(CliError::new(
            Exit::Failure,
            format!("{} did not complete", started.preview.action.event_name()),
        )),
    }
}

/// `amiboard retire --policy [--dry-run]`.
async fn policy(ctx: &Context, args: &RetireArgs) -> Result<(), CliError> {
    if args.delete || args.disable || args.deprecate_at.is_some() || args.override_in_use {
        return Err(CliError::usage(
            "retire --policy: the policy names its action ([retention.stack_tags.<tag>] action); --delete, --disable, --deprecate-at and --override-in-use do not apply",
        ));
    }
    if !args.dry_run && ctx.config.read_only {
        return Err(named("retire --policy", Refusal::ReadOnly.into()));
    }
    let decisions = ops::retention::policy_plan(ctx, args.stack_tag.as_deref()).await?;
    let rows: Vec<Value> = decisions
        .iter()
        .map(|d| {
            json!({
                "lifecycle_id": d.lifecycle_id, "stack_tag": d.stack_tag, "product": d.product,
                "stage": crate::lifecycle::retire::stage_key(d.stage), "semver": d.semver,
                "ami_ids": d.ami_ids, "verdict": d.verdict,
                "action": (d.verdict == Verdict::Retire).then(|| d.action.event_name()),
                "reason": d.reason,
            })
        })
        .collect();
    let mut text = String::new();
    for d in &decisions {
        let verdict = match d.verdict {
            Verdict::Keep => "keep".to_string(),
            Verdict::Retire => d.action.verb().to_string(),
        };
        text.push_str(&clean_text(&format!(
            "{:<9} {} {} {} {} ({}) {}: {}\n",
            verdict,
            d.stack_tag,
            d.product,
            d.semver.as_deref().unwrap_or("?"),
            &d.lifecycle_id.chars().take(8).collect::<String>(),
            d.stage.label(),
            d.ami_ids.join(","),
            d.reason
        )));
    }
    if args.dry_run {
        if args.json {
            return emit_json(&json!({"dry_run": true, "decisions": rows}));
        }
        return emit(&format!("{text}(dry run: nothing changed)\n"));
    }
    let retiring = decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Retire)
        .count();
    if retiring == 0 {
        return emit(&format!("{text}Nothing to retire.\n"));
    }
    if !args.json {
        eprint!("{text}");
    }
    confirm(
        ctx,
        args.yes,
        &format!("retire {retiring} AMI set(s) by policy"),
    )?;
    let actor = ops::actor(ctx).await?;
    let results = ops::retention::apply_policy(ctx, &actor, &decisions).await?;
    let mut failed = 0usize;
    let mut out = String::new();
    let mut json_results = Vec::new();
    for (id, result) in results {
        match result {
            Ok(started) => {
                out.push_str(&format!("{}\n", clean_text(&started.message)));
                json_results
                    .push(json!({"lifecycle_id": id, "execution_arn": started.execution_arn}));
            }
            Err(err) => {
                failed = failed.saturating_add(1);
                out.push_str(&format!("{id}: {}\n", clean_text(&err.to_string())));
                json_results.push(json!({"lifecycle_id": id, "error": err.to_string()}));
            }
        }
    }
    if args.json {
        emit_json(&json!({"decisions": rows, "started": json_results}))?;
    } else {
        emit(&out)?;
    }
    if failed > 0 {
        return Err(CliError::failure(format!(
            "{failed} retirement(s) could not be started"
        )));
    }
    Ok(())
}
