//! Command-line arguments (clap). Global flags copy aws-cli's names.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A terminal dashboard and command line for the lifecycle of Amazon Machine Images.
#[derive(Debug, Parser)]
#[command(name = "amiboard", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Plain `amiboard` takes the dashboard's flags (`--lifecycle ID`, …).
    #[command(flatten)]
    pub dashboard: DashboardArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// AWS profile (else AWS_PROFILE, else default).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region (else AWS_REGION, the profile, the config file).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Endpoint for every AWS service, e.g. a local emulator (else AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Config file (else AMIBOARD_CONFIG, else $XDG_CONFIG_HOME/amiboard/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log level for the log file: off, error, warn, info, debug, trace (else AMIBOARD_LOG).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Change nothing: the on-call view (also AMIBOARD_READ_ONLY=1 or read_only = true).
    #[arg(long, global = true)]
    pub read_only: bool,
}

/// Options of the dashboard (plain `amiboard`).
#[derive(Debug, Clone, Default, Args)]
pub struct DashboardArgs {
    /// Open this lifecycle's timeline at start-up.
    #[arg(long, value_name = "ID")]
    pub lifecycle: Option<String>,
    /// Start with this filter, e.g. `status:failed stack:main`.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Only lifecycles of this stack tag (a Query on the stack-tag index).
    #[arg(long, value_name = "TAG")]
    pub stack_tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BumpArg {
    Minor,
    Patch,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the dashboard (the default when no command is given).
    Dashboard(DashboardArgs),
    /// Create the tables, topics and state machines amiboard needs (idempotent).
    Provision,
    /// Write demo lifecycles spread over every stage and status.
    Seed {
        /// How many lifecycles to write.
        #[arg(long, value_name = "N")]
        lifecycles: u64,
        /// Put them all in this stack tag (else spread over several).
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
    },
    /// List lifecycles.
    List {
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one lifecycle.
    Show {
        lifecycle_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the resolved configuration, paths, region, endpoint and account.
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Create a lifecycle and start its AMI_BUILD.
    Create(CreateArgs),
    /// Trigger an event (default: the next allowed one).
    Trigger {
        lifecycle_id: String,
        /// The event, e.g. SMOKE_TESTS (amiboard or reference names).
        event: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record the QA decision: certify, or reject with --reject.
    Certify {
        lifecycle_id: String,
        /// Why (required).
        #[arg(long)]
        reason: Option<String>,
        /// Reject instead of certify.
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Promote the AMI to production (MARK_FOR_PRODUCTION).
    Promote {
        lifecycle_id: String,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Start a patch cycle on the newest production AMI.
    Patch {
        lifecycle_id: String,
        #[arg(long, value_enum)]
        bump: BumpArg,
        /// Image Builder component ARN with the patch.
        #[arg(long, value_name = "ARN")]
        component: Option<String>,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Retry the FAILED or ERROR event.
    Retry {
        lifecycle_id: String,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark events whose execution ended without recording a result as ERROR.
    Reconcile {
        lifecycle_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a lifecycle's timeline.
    Timeline {
        lifecycle_id: String,
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Markdown, for change tickets.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the AMI id of the best match from the lookup table (`--region` filters the AMI's region).
    Select(SelectArgs),
    /// Stream decoded notifications as lines.
    Watch {
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// Exit 1 when the stream cannot start, instead of retrying with backoff.
        #[arg(long)]
        once: bool,
    },
    /// Remove temporary queues and subscriptions a killed amiboard left behind.
    Cleanup {
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    #[arg(long, value_name = "TAG")]
    pub stack_tag: String,
    #[arg(long, value_name = "NAME")]
    pub product_name: String,
    #[arg(long, value_name = "VERSION")]
    pub product_version: String,
    /// Defaults to the caller.
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long, value_name = "SHA")]
    pub commit_ref: Option<String>,
    /// Image Builder pipeline ARN.
    #[arg(long, value_name = "ARN")]
    pub pipeline: Option<String>,
    /// Free-form property, repeatable.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    #[arg(long, value_name = "TAG")]
    pub stack_tag: String,
    /// The AMI region to select, from the global `--region` (which for
    /// `select` filters AMIs and does not move the clients).
    #[arg(skip)]
    pub region: Option<String>,
    /// built, smoke-tested, scanned, qa-requested, qa-certified or production.
    #[arg(long, value_name = "STAGE")]
    pub min_stage: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub product: Option<String>,
    #[arg(long, value_name = "V")]
    pub product_version: Option<String>,
    /// An exact version, or `latest`.
    #[arg(long, value_name = "X")]
    pub semver: Option<String>,
    #[arg(long)]
    pub json: bool,
}
