//! Workflow commands: create, trigger, certify, promote, patch, retry,
//! reconcile, wait, timeline, select. Mutating commands ask first on a terminal and
//! refuse without `--yes` when standard input is not one.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::json;

use super::args::{BumpArg, CreateArgs};
use super::output::{clean_text, emit, emit_json};
use super::{CliError, Command, Context, Exit};
use crate::lifecycle::notification::sanitize::check_input;
use crate::lifecycle::rules::{self, resolve_event};
use crate::lifecycle::{Bump, EventKind, Refusal};
use crate::ops::{self, NewLifecycle, Outcome};

/// Refuses a change in read-only mode, then asks (or insists on `--yes`).
pub(super) fn confirm(ctx: &Context, yes: bool, what: &str) -> Result<(), CliError> {
    if ctx.config.read_only {
        return Err(Refusal::ReadOnly.into());
    }
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::usage(format!(
            "{what}: standard input is not a terminal, so nothing was asked and nothing changed; pass --yes"
        )));
    }
    eprint!("{what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::new(Exit::Refused, "cancelled: nothing changed"))
    }
}

fn print_outcome(outcome: &Outcome, json: bool) -> Result<(), CliError> {
    if json {
        let record = outcome.lifecycle.record(outcome.target);
        return emit_json(&json!({
            "lifecycle_id": outcome.lifecycle.lifecycle_id,
            "event": outcome.target.event.name(),
            "stage": ops::execution_input::stage_word(outcome.target.stage),
            "status": record.map(|r| r.status.name()),
            "attempt": record.map(|r| r.attempt),
            "execution_arn": outcome.execution_arn,
            "message": outcome.message,
        }));
    }
    emit(&format!("{}\n", clean_text(&outcome.message)))
}

/// Runs one workflow command. Its error can quote stored text (an actor, a
/// reason), so it is made safe for the terminal too.
pub async fn run(ctx: &Context, command: Command) -> Result<(), CliError> {
    run_command(ctx, command).await.map_err(|err| CliError {
        message: clean_text(&err.message),
        ..err
    })
}

async fn run_command(ctx: &Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Create(args) => create(ctx, args).await,
        Command::Trigger {
            lifecycle_id,
            event,
            yes,
            json,
            wait,
        } => {
            let target = match event {
                Some(name) => {
                    let (kind, phase) = EventKind::parse_with_phase(&name).ok_or_else(|| {
                        CliError::usage(format!("unknown event {name:?}: use e.g. SMOKE_TESTS"))
                    })?;
                    let lc = ctx.store.get(&lifecycle_id).await?;
                    Some(resolve_event(&lc, kind, phase))
                }
                None => None,
            };
            confirm(ctx, yes, &format!("Trigger an event of {lifecycle_id}"))?;
            let actor = ops::actor(ctx).await?;
            let outcome = ops::trigger(ctx, &actor, &lifecycle_id, target).await?;
            print_outcome(&outcome, json)?;
            follow(ctx, &outcome, wait, json).await
        }
        Command::Certify {
            lifecycle_id,
            reason,
            reject,
            override_four_eyes,
            replaces_rejection,
            yes,
            json,
        } => {
            let reason = reason.unwrap_or_default();
            if reason.trim().is_empty() {
                // A missing argument is a usage error (exit 2), not a refusal.
                return Err(CliError::usage(format!(
                    "certify: {} Pass --reason TEXT.",
                    Refusal::ReasonRequired
                )));
            }
            let verb = if reject { "Reject" } else { "Certify" };
            // The person decides on what the prompt shows (an earlier decision
            // included); `--yes` shows nothing, so it decides only a pending
            // request, unless it names the rejection it replaces.
            let seen = if (yes && !replaces_rejection) || ctx.config.read_only {
                None
            } else {
                Some(ops::get(ctx, &lifecycle_id).await?)
            };
            if replaces_rejection {
                let earlier = seen.as_ref().and_then(rules::earlier_decision);
                match earlier {
                    Some(earlier) if !earlier.certified => {
                        eprintln!("{}", clean_text(&format!("Replaces: QA was {earlier}.")));
                    }
                    _ => {
                        return Err(CliError::new(
                            Exit::Refused,
                            format!(
                                "--replaces-rejection: QA of {lifecycle_id} is not rejected, so there is nothing to replace; nothing was recorded"
                            ),
                        ));
                    }
                }
            }
            let earlier = seen.as_ref().and_then(rules::earlier_decision);
            let what = match earlier {
                Some(earlier) => {
                    clean_text(&format!("QA was {earlier}. {verb} {lifecycle_id} over it"))
                }
                None => format!("{verb} {lifecycle_id}"),
            };
            confirm(ctx, yes, &what)?;
            let actor = ops::actor(ctx).await?;
            let seen = seen.map(|lc| lc.item_version);
            let broken = override_four_eyes.then_some(reason.as_str());
            let outcome =
                ops::decide_overriding(ctx, &actor, &lifecycle_id, !reject, &reason, seen, broken)
                    .await?;
            print_outcome(&outcome, json)
        }
        Command::Promote {
            lifecycle_id,
            dry_run,
            override_four_eyes,
            reason,
            confirm_ami,
            yes,
            json,
            wait,
        } => {
            if dry_run {
                return super::approvals::dry_run(ctx, &lifecycle_id, json).await;
            }
            let broken = super::approvals::override_reason(override_four_eyes, reason.as_deref())?;
            // The person about to answer sees the checklist first.
            if !yes && !json && !ctx.config.read_only && std::io::stdin().is_terminal() {
                super::approvals::show_checklist(ctx, &lifecycle_id).await;
            }
            if ctx.config.read_only {
                return Err(Refusal::ReadOnly.into());
            }
            let lc = ops::get(ctx, &lifecycle_id).await?;
            let production = ctx.config.production_stack_tags.contains(&lc.stack_tag);
            if production || confirm_ami.is_some() {
                // As the dashboard: the AMI id typed, not a y.
                let ami = lc
                    .stage_amis(lc.active_stage())
                    .first()
                    .map(|a| a.ami_id.clone());
                super::approvals::typed_ami(
                    &lc.stack_tag,
                    ami.as_deref(),
                    confirm_ami.as_deref(),
                    yes,
                )?;
            } else {
                confirm(ctx, yes, &format!("Promote {lifecycle_id} to production"))?;
            }
            let actor = ops::actor(ctx).await?;
            let outcome = ops::promote_overriding(ctx, &actor, &lifecycle_id, broken).await?;
            print_outcome(&outcome, json)?;
            follow(ctx, &outcome, wait, json).await
        }
        Command::Patch {
            lifecycle_id,
            bump,
            component,
            description,
            yes,
            json,
            wait,
        } => {
            let how = match bump {
                BumpArg::Minor => Bump::Minor,
                BumpArg::Patch => Bump::Patch,
            };
            confirm(ctx, yes, &format!("Start a {how} patch of {lifecycle_id}"))?;
            let actor = ops::actor(ctx).await?;
            let outcome =
                ops::start_patch(ctx, &actor, &lifecycle_id, how, component, description).await?;
            print_outcome(&outcome, json)?;
            follow(ctx, &outcome, wait, json).await
        }
        Command::Retry {
            lifecycle_id,
            yes,
            json,
            wait,
        } => {
            confirm(
                ctx,
                yes,
                &format!("Retry the failed event of {lifecycle_id}"),
            )?;
            let actor = ops::actor(ctx).await?;
            let outcome = ops::retry(ctx, &actor, &lifecycle_id).await?;
            print_outcome(&outcome, json)?;
            follow(ctx, &outcome, wait, json).await
        }
        Command::Reconcile { lifecycle_id, json } => {
            if ctx.config.read_only {
                return Err(Refusal::ReadOnly.into());
            }
            let changed = ops::reconcile(ctx, lifecycle_id.as_deref()).await?;
            if json {
                let items: Vec<_> = changed
                    .iter()
                    .map(|o| json!({"lifecycle_id": o.lifecycle.lifecycle_id, "event": o.target.event.name(), "message": o.message}))
                    .collect();
                return emit_json(&items);
            }
            let mut out = String::new();
            for outcome in &changed {
                out.push_str(&format!("{}\n", clean_text(&outcome.message)));
            }
            if changed.is_empty() {
                out.push_str("Nothing to reconcile.\n");
            }
            emit(&out)
        }
        Command::Timeline {
            lifecycle_id,
            json,
            markdown,
        } => super::timeline::timeline(ctx, &lifecycle_id, json, markdown).await,
        Command::Select(args) => super::select::select_ami(ctx, args).await,
        Command::Wait {
            lifecycle_id,
            event,
            json,
        } => wait(ctx, &lifecycle_id, event.as_deref(), json).await,
        other => Err(CliError::failure(format!(
            "{other:?} is not a workflow command"
        ))),
    }
}

/// `amiboard wait ID [EVENT]`: follows the running event (or the one named)
/// as `--wait` does. An event that already ended answers at once with its
/// result's exit code; one not started is a refusal (exit 4).
async fn wait(
    ctx: &Context,
    lifecycle_id: &str,
    event: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let lc = ops::get(ctx, lifecycle_id).await?;
    let target = match event {
        Some(name) => {
            let (kind, phase) = EventKind::parse_with_phase(name).ok_or_else(|| {
                CliError::usage(format!("unknown event {name:?}: use e.g. SMOKE_TESTS"))
            })?;
            resolve_event(&lc, kind, phase)
        }
        None => match lc.running() {
            Some((running, _)) => running,
            None => {
                return Err(CliError::new(
                    Exit::Refused,
                    format!("no event of {lifecycle_id} is running: nothing to wait for"),
                ));
            }
        },
    };
    let record = lc.record(target);
    let status = record.map(|r| r.status).unwrap_or_default();
    match status {
        crate::lifecycle::EventStatus::InProgress => {
            let execution_arn = record.and_then(|r| r.execution_arn.clone());
            follow_event(ctx, lifecycle_id, target, execution_arn.as_deref(), json).await
        }
        crate::lifecycle::EventStatus::Completed => {
            if !json {
                emit(&format!("{} of {lifecycle_id} completed.\n", target.event))?;
            }
            Ok(())
        }
        crate::lifecycle::EventStatus::NotStarted => Err(CliError::new(
            Exit::Refused,
            format!(
                "{} of {lifecycle_id} has not started: nothing to wait for",
                target.event
            ),
        )),
        ended => Err(CliError::failure(clean_text(&format!(
            "{} of {lifecycle_id} ended {}: {}",
            target.event,
            ended.name(),
            record
                .and_then(|r| r.reason.as_deref())
                .unwrap_or("no reason recorded")
        )))),
    }
}

/// `--wait`: follows the started event to its result. On a terminal a
/// progress line is redrawn on standard error; otherwise (and with `--json`)
/// nothing extra is printed until the end line. Exit 0 when it completes,
/// 1 with the reason when it fails.
async fn follow(ctx: &Context, outcome: &Outcome, wait: bool, json: bool) -> Result<(), CliError> {
    if !wait {
        return Ok(());
    }
    follow_event(
        ctx,
        &outcome.lifecycle.lifecycle_id,
        outcome.target,
        outcome.execution_arn.as_deref(),
        json,
    )
    .await
}

/// Follows one running event to its result: the progress line on a
/// terminal, then the end line; exit 0 completed, 1 failed or broken.
async fn follow_event(
    ctx: &Context,
    id: &str,
    target: crate::lifecycle::EventRef,
    execution_arn: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let event = target.event;
    let terminal = !json && std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut progress = |p: &ops::WaitProgress| {
        if terminal {
            let state = p
                .state
                .as_deref()
                .map(|s| format!(" in {}", clean_text(s)))
                .unwrap_or_default();
            eprint!(
                "\r\x1b[2K{event} {} {}{state}",
                p.status.name(),
                crate::lifecycle::format_duration(
                    chrono::Duration::from_std(started.elapsed()).unwrap_or_default()
                )
            );
            let _ = std::io::stderr().flush();
        }
    };
    let end = ops::wait_for_result(
        ctx,
        id,
        target,
        execution_arn,
        ctx.config.workflow_poll,
        &mut progress,
    )
    .await;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    match end? {
        ops::WaitEnd::Completed => {
            if !json {
                emit(&format!("{event} of {id} completed.\n"))?;
            }
            Ok(())
        }
        ops::WaitEnd::Failed { status, reason } => Err(CliError::failure(clean_text(&format!(
            "{event} of {id} ended {status}: {reason}"
        )))),
    }
}

async fn create(ctx: &Context, args: CreateArgs) -> Result<(), CliError> {
    let mut properties = Vec::new();
    for pair in &args.properties {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--property {pair:?}: expected KEY=VALUE")))?;
        properties.push((key.trim().to_string(), value.trim().to_string()));
    }
    check_create_input(&args, &properties)?;
    confirm(
        ctx,
        args.yes,
        &format!(
            "Create a lifecycle of {} in {}",
            args.product_name, args.stack_tag
        ),
    )?;
    let actor = ops::actor(ctx).await?;
    let new = NewLifecycle {
        stack_tag: args.stack_tag,
        product_name: args.product_name,
        product_version: args.product_version,
        owner: args.owner,
        commit_ref: args.commit_ref,
        pipeline_arn: args.pipeline,
        properties,
    };
    let outcome = ops::create(ctx, &actor, new).await?;
    if args.json {
        emit_json(&json!({
            "lifecycle_id": outcome.lifecycle.lifecycle_id,
            "ami_semver": outcome.lifecycle.ami_semver,
            "execution_arn": outcome.execution_arn,
        }))?;
    } else {
        emit(&format!("{}\n", outcome.lifecycle.lifecycle_id))?;
    }
    follow(ctx, &outcome, args.wait, args.json).await
}

/// Refuses control characters and bidi controls in what `create` would
/// store (exit 2, before anything is written): they would reach every
/// terminal that shows the lifecycle.
fn check_create_input(args: &CreateArgs, properties: &[(String, String)]) -> Result<(), CliError> {
    let mut fields: Vec<(String, &str)> = vec![
        ("stack tag".to_string(), args.stack_tag.as_str()),
        ("product name".to_string(), args.product_name.as_str()),
        ("product version".to_string(), args.product_version.as_str()),
    ];
    for (name, value) in [
        ("owner", &args.owner),
        ("commit ref", &args.commit_ref),
        ("pipeline", &args.pipeline),
    ] {
        if let Some(value) = value {
            fields.push((name.to_string(), value.as_str()));
        }
    }
    for (key, value) in properties {
        fields.push(("property name".to_string(), key.as_str()));
        fields.push((format!("property {}", clean_text(key)), value.as_str()));
    }
    for (name, value) in fields {
        check_input(&name, value).map_err(|e| CliError::usage(format!("create: {e}")))?;
    }
    Ok(())
}
