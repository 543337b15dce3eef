//! The command line: arguments (clap), exit codes, and one function per
//! subcommand. Every command shares one [`Context`].

mod adopt;
mod approvals;
pub mod args;
mod completions;
mod dashboard;
mod doctor;
pub mod error;
mod foundation;
mod inbox;
pub mod logging;
mod logs;
mod logs_follow;
mod man;
mod output;
mod production;
mod retire;
mod retire_args;
mod seed;
mod select;
mod stack_config;
mod timeline;
mod watch;
mod workflow;

use crate::config::{self, Config, Overrides};
pub use crate::ops::Context;
pub use args::{Cli, Command};
pub use error::{CliError, Exit};

/// The overrides the global flags give.
pub fn overrides(cli: &Cli) -> Overrides {
    Overrides {
        config: cli.global.config.clone(),
        profile: cli.global.profile.clone(),
        // For `select`, --region names the AMI's region, not where the tables are.
        region: match cli.command {
            Some(Command::Select(_)) => None,
            _ => cli.global.region.clone(),
        },
        endpoint_url: cli.global.endpoint_url.clone(),
        log_level: cli.global.log_level.clone(),
        read_only: cli.global.read_only,
    }
}

/// Loads the configuration for a parsed command line. The key bindings and
/// the theme are checked here too, so a bad binding stops every command at
/// start-up with one line, not only the dashboard.
pub fn load_config(cli: &Cli) -> Result<Config, CliError> {
    let config = config::load(&overrides(cli))?;
    validate_keys_and_theme(&config)?;
    Ok(config)
}

/// Parses the `[keys]` and `[theme]` tables the way the dashboard will.
pub fn validate_keys_and_theme(config: &Config) -> Result<(), CliError> {
    let where_ = config
        .config_path
        .as_ref()
        .map_or_else(|| "configuration".to_string(), |p| p.display().to_string());
    crate::app::keymap::Keymap::from_config(&config.keys)
        .map_err(|e| CliError::usage(format!("{where_}: {e}")))?;
    crate::ui::theme::Theme::from_config(&config.theme, false)
        .map_err(|e| CliError::usage(format!("{where_}: {e}")))?;
    Ok(())
}

/// Replaces a short lifecycle id (a unique prefix, like the 8 characters
/// the dashboard shows) with the full id, in every command that names one.
async fn resolve_ids(ctx: &Context, command: &mut Command) -> Result<(), CliError> {
    // The dashboard says on its own screen when its lifecycle cannot be
    // read; only an ambiguous prefix stops it here.
    if let Command::Dashboard(args) = command {
        if let Some(id) = args.lifecycle.as_mut() {
            match crate::ops::resolve_id(ctx, id).await {
                Ok(full) => *id = full,
                Err(err @ crate::ops::OpError::Ambiguous { .. }) => return Err(err.into()),
                Err(_) => {}
            }
        }
        return Ok(());
    }
    let id = match command {
        Command::Show { lifecycle_id, .. }
        | Command::Trigger { lifecycle_id, .. }
        | Command::Certify { lifecycle_id, .. }
        | Command::Promote { lifecycle_id, .. }
        | Command::Patch { lifecycle_id, .. }
        | Command::Retry { lifecycle_id, .. }
        | Command::Timeline { lifecycle_id, .. }
        | Command::Wait { lifecycle_id, .. }
        | Command::Logs { lifecycle_id, .. } => Some(lifecycle_id),
        Command::Reconcile { lifecycle_id, .. } => lifecycle_id.as_mut(),
        _ => None,
    };
    if let Some(id) = id {
        *id = match crate::ops::resolve_id(ctx, id).await {
            Ok(full) => full,
            // Too short to be a prefix, and no lifecycle has it as its id:
            // a usage error, not "not found".
            Err(crate::ops::OpError::Aws(crate::aws::AwsError::NotFound { .. }))
                if id.trim().chars().count() < crate::ops::MIN_ID_PREFIX =>
            {
                return Err(CliError::usage(format!(
                    "{:?}: an id needs at least {} characters (the dashboard shows 8)",
                    id.trim(),
                    crate::ops::MIN_ID_PREFIX
                )));
            }
            Err(err) => return Err(err.into()),
        };
    }
    Ok(())
}

/// The commands that need neither the configuration nor AWS (shell
/// completions, man pages): run before the configuration is read, so a
/// broken config file does not break a shell's start-up.
pub fn run_without_config(cli: &Cli) -> Option<Result<(), CliError>> {
    match &cli.command {
        Some(Command::Completions { shell }) => Some(completions::completions(*shell)),
        Some(Command::Man { dir }) => Some(completions::man(dir.as_deref())),
        Some(Command::ConfigFromStack { file }) => Some(stack_config::config_from_stack(file)),
        _ => None,
    }
}

/// Runs one command to completion.
pub async fn run(cli: Cli, config: Config) -> Result<(), CliError> {
    let mut command = cli.command.unwrap_or(Command::Dashboard(cli.dashboard));
    if let Command::Select(select) = &mut command {
        select.region = cli.global.region;
    }
    // A bad filter is a usage error before any AWS call.
    if let Command::List {
        filter,
        status,
        stage,
        ..
    } = &command
    {
        foundation::list_filter(filter.clone(), status.clone(), stage.clone())?;
    }
    // A decision without a reason is a usage error (exit 2) before any AWS call.
    if let Command::Certify { reason, .. } = &command
        && reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(CliError::usage(format!(
            "certify: {} Pass --reason TEXT.",
            crate::lifecycle::Refusal::ReasonRequired
        )));
    }
    if let Command::Info { json } = command {
        return foundation::info(config, json).await;
    }
    let ctx = Context::connect(config).await?;
    resolve_ids(&ctx, &mut command).await?;
    match command {
        Command::Dashboard(args) => Box::pin(dashboard::run(ctx, args)).await,
        Command::Provision => foundation::provision(&ctx).await,
        Command::Seed {
            lifecycles,
            stack_tag,
        } => seed::seed(&ctx, lifecycles, stack_tag.as_deref()).await,
        Command::List {
            stack_tag,
            filter,
            status,
            stage,
            json,
        } => {
            let filter = foundation::list_filter(filter, status, stage)?;
            foundation::list(&ctx, stack_tag.as_deref(), &filter, json).await
        }
        Command::Show { lifecycle_id, json } => foundation::show(&ctx, &lifecycle_id, json).await,
        Command::Info { .. } => Ok(()),
        Command::Watch {
            json,
            stack_tag,
            once,
        } => watch::watch(&ctx, json, stack_tag.as_deref(), once).await,
        Command::Logs {
            lifecycle_id,
            event,
            cycle,
            attempt,
            follow,
            json,
        } => {
            let pick = logs::Pick {
                event: event.as_deref(),
                cycle: cycle.as_deref(),
                attempt,
                follow,
            };
            logs::logs(&ctx, &lifecycle_id, &pick, json).await
        }
        Command::Cleanup { dry_run } => watch::cleanup(&ctx, dry_run).await,
        Command::Import {
            from_reference,
            shared_services_account,
            dry_run,
            json,
        } => {
            let options = crate::ops::ImportOptions {
                dry_run,
                shared_services_account,
            };
            adopt::import(&ctx, &from_reference, options, json).await
        }
        Command::Doctor { json } => doctor::doctor(&ctx, json).await,
        Command::Inbox { stack_tag, json } => inbox::inbox(&ctx, stack_tag.as_deref(), json).await,
        Command::Production { stack_tag, json } => {
            production::production(&ctx, stack_tag.as_deref(), json).await
        }
        Command::WhereUsed {
            target,
            refresh,
            json,
        } => retire::where_used(&ctx, &target, refresh, json).await,
        Command::Retire(args) => retire::retire(&ctx, args).await,
        Command::Restore {
            target,
            dry_run,
            yes,
            wait,
            json,
        } => {
            let flags = retire::Flags {
                dry_run,
                yes,
                wait,
                json,
            };
            retire::restore(&ctx, &target, flags).await
        }
        other => workflow::run(&ctx, other).await,
    }
}
