//! The command line: arguments (clap), exit codes, and one function per
//! subcommand. Every command shares one [`Context`].

pub mod args;
pub mod error;
mod foundation;
mod output;
mod seed;
mod stream;
mod timeline;
mod workflow;

use crate::app::config::{self, Config, Overrides};
use crate::aws::{Clients, dynamodb::Store};
pub use args::{Cli, Command};
pub use error::{CliError, Exit};

/// What every command needs: the configuration, the clients and the store.
pub struct Context {
    pub config: Config,
    pub clients: Clients,
    pub store: Store,
}

impl Context {
    /// Builds the clients from the configuration.
    pub async fn connect(config: Config) -> Result<Self, CliError> {
        let clients = crate::aws::connect(&config).await?;
        Ok(Self::from_clients(config, clients))
    }

    /// Builds a context from clients made elsewhere (tests use fixed credentials).
    pub fn from_clients(config: Config, clients: Clients) -> Self {
        let store = Store::new(&clients, config.tables.clone());
        Context {
            config,
            clients,
            store,
        }
    }
}

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

/// Loads the configuration for a parsed command line.
pub fn load_config(cli: &Cli) -> Result<Config, CliError> {
    Ok(config::load(&overrides(cli))?)
}

/// Runs one command to completion.
pub async fn run(cli: Cli, config: Config) -> Result<(), CliError> {
    let mut command = cli.command.unwrap_or(Command::Dashboard(cli.dashboard));
    if let Command::Select(select) = &mut command {
        select.region = cli.global.region;
    }
    if let Command::Info { json } = command {
        return foundation::info(config, json).await;
    }
    let ctx = Context::connect(config).await?;
    match command {
        Command::Dashboard(args) => crate::app::run_dashboard(ctx, args).await,
        Command::Provision => foundation::provision(&ctx).await,
        Command::Seed {
            lifecycles,
            stack_tag,
        } => seed::seed(&ctx, lifecycles, stack_tag.as_deref()).await,
        Command::List { stack_tag, json } => {
            foundation::list(&ctx, stack_tag.as_deref(), json).await
        }
        Command::Show { lifecycle_id, json } => foundation::show(&ctx, &lifecycle_id, json).await,
        Command::Info { .. } => Ok(()),
        Command::Watch { json, stack_tag } => stream::watch(&ctx, json, stack_tag.as_deref()).await,
        Command::Cleanup { dry_run } => stream::cleanup(&ctx, dry_run).await,
        other => workflow::run(&ctx, other).await,
    }
}
