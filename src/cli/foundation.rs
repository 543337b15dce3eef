//! `provision`, `list`, `show` and `info`.

use chrono::Utc;
use serde_json::json;

use super::output::{JsonArray, clean, emit, emit_json, table};
use super::{CliError, Context};
use crate::app::filter::Filter;
use crate::aws::dynamodb::{TableStatus, provision_tables};
use crate::config::Config;
use crate::lifecycle::{Lifecycle, Stage, vocabulary};
use crate::ops;

/// Refuses a command that changes the account in read-only mode, with the
/// usual one line (exit 4).
pub fn refuse_read_only(ctx: &Context, what: &str) -> Result<(), CliError> {
    if ctx.config.read_only {
        return Err(CliError::new(
            super::Exit::Refused,
            format!("refused: read-only mode: {what}"),
        ));
    }
    Ok(())
}

/// Creates what amiboard needs and reports what was created and what existed.
pub async fn provision(ctx: &Context) -> Result<(), CliError> {
    refuse_read_only(ctx, "provision changes the account")?;
    let mut out = String::new();
    for status in provision_tables(&ctx.sdk()?.store).await? {
        match status {
            TableStatus::Created(name) => out.push_str(&format!("created  table {name}\n")),
            TableStatus::Existed(name) => out.push_str(&format!("exists   table {name}\n")),
        }
    }
    for item in crate::ops::provision_workflows(ctx).await? {
        use crate::aws::{sfn::MachineStatus, sns::TopicStatus};
        use crate::ops::Provisioned;
        let line = match item {
            Provisioned::Topic(TopicStatus::Created { name, .. }) => {
                format!("created  topic {name}")
            }
            Provisioned::Topic(TopicStatus::Existed { name, .. }) => {
                format!("exists   topic {name}")
            }
            Provisioned::Machine(MachineStatus::Created { name, .. }) => {
                format!("created  state machine {name}")
            }
            Provisioned::Machine(MachineStatus::Existed { name, .. }) => {
                format!("exists   state machine {name} (definition updated)")
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    emit(&out)
}

/// The filter of `list`: `--filter` in the dashboard's syntax, and
/// `--status`/`--stage` as its `status:` and `event:` terms. A bad term is
/// the dashboard's sentence and exit 2.
pub fn list_filter(
    expr: Option<String>,
    status: Option<String>,
    stage: Option<String>,
) -> Result<Filter, CliError> {
    let mut text = expr.unwrap_or_default();
    for (flag, field, value) in [("status", "status", status), ("stage", "event", stage)] {
        if let Some(value) = value {
            if value.trim().is_empty() || value.contains(char::is_whitespace) {
                return Err(CliError::usage(format!(
                    "--{flag}: give one word, e.g. --status failed or --stage SMOKE_TESTS"
                )));
            }
            text.push_str(&format!(" {field}:{value}"));
        }
    }
    Filter::parse(text.trim()).map_err(|e| CliError::usage(format!("filter: {e}")))
}

/// One short line per lifecycle (newest first), or all of them as JSON
/// ([`list_json`]: streamed in table order).
pub async fn list(
    ctx: &Context,
    stack_tag: Option<&str>,
    filter: &Filter,
    json: bool,
) -> Result<(), CliError> {
    if json {
        return list_json(ctx, stack_tag, filter).await;
    }
    let listing = ctx.store.list_all(stack_tag, &mut |_| {}).await?;
    warn_skipped(&listing.skipped);
    let mut lifecycles = listing.lifecycles;
    watch_executions(ctx, &mut lifecycles, &mut false).await;
    if !filter.is_empty() {
        lifecycles.retain(|lc| filter.matches_lifecycle(lc));
    }
    lifecycles.sort_by_key(|l| std::cmp::Reverse(l.updated_at));
    let rows: Vec<Vec<String>> = lifecycles.iter().map(summary_row).collect();
    // Superseded, retired and EC2 state, one line per lifecycle that has any.
    let now = Utc::now();
    let mut end_of_life = String::new();
    let superseded = crate::lifecycle::retire::superseded(&lifecycles);
    for lc in &lifecycles {
        for line in crate::lifecycle::retire::end_of_life_with(lc, &superseded, now) {
            let short: String = lc.lifecycle_id.chars().take(8).collect();
            end_of_life.push_str(&clean(&format!("  {short} {line}\n")));
        }
    }
    if !end_of_life.is_empty() {
        end_of_life.insert_str(0, "\nEnd of life:\n");
    }
    let mut out = table(
        &[
            "LIFECYCLE",
            "STACK",
            "PRODUCT",
            "SEMVER",
            "STAGE",
            "STATUS",
            "AMI",
            "OWNER",
            "UPDATED",
        ],
        &rows,
    );
    out.push_str(&end_of_life);
    emit(&out)
}

/// How many lifecycles with a running execution `list --json` holds back
/// before it checks them (one round of the watcher's calls) and prints them.
const HELD_AT_MOST: usize = 1000;

/// `list --json`: each page's lifecycles are printed as the page arrives, in
/// the table's order (not sorted), so the table is never held. Only the
/// lifecycles with a running execution wait: once [`HELD_AT_MOST`] wait
/// (looked at after each page) and at the end, the watcher checks them (as
/// `list` does, a broken execution is recorded ERROR first) and they follow. A read that fails part-way leaves
/// the array unclosed, so a consumer's parser fails rather than taking part
/// of the table for all of it, and ends with one line and exit 1.
async fn list_json(
    ctx: &Context,
    stack_tag: Option<&str>,
    filter: &Filter,
) -> Result<(), CliError> {
    use futures::StreamExt;
    let mut out = JsonArray::default();
    let mut held: Vec<Lifecycle> = Vec::new();
    let mut warned = false;
    let mut pages = ctx.store.pages(stack_tag);
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                let printed = out.printed();
                out.abandon();
                let mut failed = CliError::from(err);
                if printed > 0 {
                    failed.message.push_str(&format!(
                        " (list stopped after {printed} lifecycles: the JSON array on stdout is incomplete)"
                    ));
                }
                return Err(failed);
            }
        };
        warn_skipped(&page.skipped);
        for lc in page.lifecycles {
            // What `ops::watcher::Claim::of` needs: a running event (with
            // its execution's ARN, or one to find by name).
            if lc.running().is_some() {
                held.push(lc);
            } else if filter.matches_lifecycle(&lc) && !out.push(&lc)? {
                return Ok(());
            }
        }
        if held.len() >= HELD_AT_MOST
            && !print_held(ctx, filter, &mut held, &mut out, &mut warned).await?
        {
            return Ok(());
        }
    }
    if print_held(ctx, filter, &mut held, &mut out, &mut warned).await? {
        out.finish()?;
    }
    Ok(())
}

/// Settles the held lifecycles with the watcher, then prints those the
/// filter keeps. `Ok(false)` when stdout is closed.
async fn print_held(
    ctx: &Context,
    filter: &Filter,
    held: &mut Vec<Lifecycle>,
    out: &mut JsonArray,
    warned: &mut bool,
) -> Result<bool, CliError> {
    watch_executions(ctx, held, warned).await;
    for lc in held.drain(..) {
        if filter.matches_lifecycle(&lc) && !out.push(&lc)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One warning line per item that is not a lifecycle.
fn warn_skipped(skipped: &[ops::SkippedItem]) {
    for item in skipped {
        eprintln!(
            "warning: skipped malformed lifecycle {}: {}",
            clean(&item.key),
            clean(&item.error)
        );
    }
}

/// A running event whose execution already failed, timed out or was aborted
/// is recorded ERROR (shown so without writing in read-only mode) before it
/// is printed (`ops::watcher`). Not being able to ask is a warning only,
/// given once (`warned`).
async fn watch_executions(ctx: &Context, lifecycles: &mut [Lifecycle], warned: &mut bool) {
    if let Err(err) = ops::watcher::settle(ctx, lifecycles).await
        && !*warned
    {
        *warned = true;
        eprintln!(
            "warning: running executions not checked: {}",
            clean(&err.to_string())
        );
    }
}

fn summary_row(lc: &Lifecycle) -> Vec<String> {
    let (at, record) = lc.current();
    vec![
        lc.lifecycle_id.clone(),
        lc.stack_tag.clone(),
        format!("{} {}", lc.product_name, lc.product_version),
        lc.newest_semver()
            .or(lc.ami_semver.as_deref())
            .unwrap_or("-")
            .to_string(),
        vocabulary::event_words(at),
        vocabulary::status_words(record.status, record.is_lost()),
        lc.newest_ami()
            .map_or_else(|| "-".to_string(), |(_, a)| a.ami_id.clone()),
        lc.owner.clone(),
        lc.updated_at.format("%Y-%m-%d %H:%M").to_string(),
    ]
}

/// One lifecycle: its attributes and every event.
pub async fn show(ctx: &Context, lifecycle_id: &str, json: bool) -> Result<(), CliError> {
    let mut found = [ctx.store.get(lifecycle_id).await?];
    watch_executions(ctx, &mut found, &mut false).await;
    let [lc] = found;
    if json {
        return emit_json(&lc);
    }
    let now = Utc::now();
    let mut out = format!(
        "lifecycle   {}\nstack tag   {}\nproduct     {} {}\nowner       {}\ncommit      {}\nsemver      {}\ncreated     {}\nupdated     {}\n",
        clean(&lc.lifecycle_id),
        clean(&lc.stack_tag),
        clean(&lc.product_name),
        clean(&lc.product_version),
        clean(&lc.owner),
        if lc.commit_ref.is_empty() {
            "-".to_string()
        } else {
            clean(&lc.commit_ref)
        },
        clean(
            lc.newest_semver()
                .or(lc.ami_semver.as_deref())
                .unwrap_or("-")
        ),
        lc.created_at.to_rfc3339(),
        lc.updated_at.to_rfc3339(),
    );
    for (key, value) in &lc.properties {
        out.push_str(&format!("property    {} = {}\n", clean(key), clean(value)));
    }
    // Every AMI, newest stage first, with its region and the stage's version.
    let mut stages: Vec<Stage> = lc.patches.iter().map(|c| Stage::Patch(c.number)).collect();
    stages.reverse();
    stages.push(Stage::Creation);
    for stage in stages {
        for ami in lc.stage_amis(stage) {
            // AMI ids are regional: the workflows act on their own region's
            // AMI only (docs/workflows.md, "Regions").
            let elsewhere = if ami.region == ctx.target.region {
                String::new()
            } else {
                format!(
                    "; distributed, not tested here: the workflows run in {}",
                    ctx.target.region
                )
            };
            out.push_str(&format!(
                "ami         {} {} ({}, {}{elsewhere})\n",
                clean(&ami.region),
                clean(&ami.ami_id),
                stage.label(),
                clean(lc.stage_semver(stage).unwrap_or("-")),
            ));
        }
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = lc
        .all_records()
        .map(|(at, r)| {
            vec![
                at.stage.label(),
                r.event.label().to_string(),
                vocabulary::status_words(r.status, r.is_lost()),
                r.attempt.to_string(),
                r.started_at.map_or_else(
                    || "-".to_string(),
                    |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
                ),
                r.duration(now)
                    .map_or_else(|| "-".to_string(), crate::lifecycle::format_duration),
                r.actor
                    .as_deref()
                    .map_or_else(|| "-".to_string(), crate::lifecycle::actor::short),
                super::timeline::detail(r),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "STAGE",
            "EVENT",
            "STATUS",
            "TRY",
            "STARTED (UTC)",
            "TOOK",
            "BY",
            "DETAIL",
        ],
        &rows,
    ));
    super::timeline::push_trail(&mut out, &lc);
    let end_of_life = super::timeline::end_of_life(ctx, &lc).await;
    super::timeline::push_retirement(&mut out, &lc, &end_of_life);
    emit(&out)
}

/// The resolved configuration, paths, region, endpoint and account.
pub async fn info(config: Config, json: bool) -> Result<(), CliError> {
    let log_file = crate::cli::logging::log_file_path();
    let connected = crate::aws::connect(&crate::ops::connect_settings(&config)).await;
    let (region, endpoint, identity) = match &connected {
        Ok(clients) => {
            let identity = crate::aws::sts::who_am_i(clients).await;
            (
                Some(clients.target.region.clone()),
                clients.target.endpoint.clone(),
                identity.map_err(|e| e.to_string()),
            )
        }
        Err(e) => (None, None, Err(e.to_string())),
    };
    // Which definitions are deployed, when the account answers at all.
    let workflows = match (&connected, &identity) {
        (Ok(clients), Ok(_)) => {
            let ctx = Context::from_clients(config.clone(), clients.clone());
            Some(crate::ops::deployed_workflows(&ctx).await)
        }
        _ => None,
    };
    let (workflows_version, workflows_problem) = match &workflows {
        Some(Ok(deployed)) => (Some(deployed.summary()), deployed.problem()),
        Some(Err(err)) => (None, Some(format!("cannot read the state machines: {err}"))),
        None => (None, None),
    };
    let value = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "config_file": config.config_path.as_ref().map(|p| p.display().to_string()),
        "default_config_file": crate::config::default_config_path().map(|p| p.display().to_string()),
        "log_file": log_file.display().to_string(),
        "log_level": config.log_level,
        // The profile as the dashboard's header names it ("default" when none is set).
        "profile": connected
            .as_ref()
            .ok()
            .and_then(|c| c.target.profile.clone())
            .or_else(|| config.profile.clone())
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_string()),
        "region": region,
        "endpoint": endpoint,
        "workflows": workflows_version,
        "workflows_problem": workflows_problem,
        "account": identity.as_ref().ok().map(|i| i.account.clone()),
        "caller_arn": identity.as_ref().ok().map(|i| i.arn.clone()),
        "identity_error": identity.as_ref().err(),
        "read_only": config.read_only,
        "prefix": config.prefix,
        "tables": {
            "lifecycles": config.tables.lifecycles,
            "semver_seeds": config.tables.semver_seeds,
            "ami_lookup": config.tables.ami_lookup,
        },
        "topics": {
            "lifecycle": config.topics.lifecycle,
            "imagebuilder": config.topics.imagebuilder,
            "ec2_events": config.topics.ec2_events,
            "run_command": config.topics.run_command,
        },
        "refresh_seconds": config.refresh.as_secs(),
    });
    if json {
        return emit_json(&value);
    }
    let mut out = String::new();
    if let Some(map) = value.as_object() {
        for (key, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".to_string(),
                other => other.to_string(),
            };
            out.push_str(&format!("{key:<20} {}\n", clean(&text)));
        }
    }
    emit(&out)
}
