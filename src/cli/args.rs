//! Command-line arguments (clap). Global flags copy aws-cli's names.

use std::path::PathBuf;

pub use super::retire_args::RetireArgs;
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
#[command(next_help_heading = "Global options")]
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
    /// List lifecycles, newest change first.
    List {
        /// Only this stack tag (a Query on the stack-tag index).
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// The dashboard's filter syntax, e.g. `status:failed stack:main web`.
        #[arg(long, value_name = "EXPR")]
        filter: Option<String>,
        /// Only lifecycles whose current event has this status: failed, error, running, completed, not_started.
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// Only lifecycles whose current event is this one, e.g. SMOKE_TESTS or smoke.
        #[arg(long, value_name = "EVENT")]
        stage: Option<String>,
        /// Print a JSON array instead of a table, streamed in the table's order as
        /// pages arrive (lifecycles with a running execution last); left unclosed,
        /// with exit 1, if the read fails part-way.
        #[arg(long)]
        json: bool,
    },
    /// Show one lifecycle.
    Show {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the resolved configuration, paths, region, endpoint and account.
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a lifecycle and start its AMI_BUILD.
    Create(CreateArgs),
    /// Trigger an event (default: the next allowed one).
    Trigger {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// The event, e.g. SMOKE_TESTS (amiboard or reference names).
        event: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Follow the execution: exit 0 when the event completes, 1 when it fails.
        #[arg(long)]
        wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Record the QA decision: certify, or reject with --reject.
    Certify {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// Why (required).
        #[arg(long)]
        reason: Option<String>,
        /// Reject instead of certify.
        #[arg(long)]
        reject: bool,
        /// Break glass: decide although four eyes refuses (you requested QA
        /// yourself); the --reason is recorded as the override's reason.
        #[arg(long)]
        override_four_eyes: bool,
        /// Decide again after a rejection (with --yes a script must say it
        /// replaces one; the rejection is kept in the event's history).
        #[arg(long)]
        replaces_rejection: bool,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Promote the AMI to production (MARK_FOR_PRODUCTION).
    Promote {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// Print the promotion checklist and change nothing: exit 0 when
        /// everything passes, 1 when something would block.
        #[arg(long)]
        dry_run: bool,
        /// Break glass: promote although four eyes or the checklist refuses
        /// (needs --reason, which is recorded and announced).
        #[arg(long, requires = "reason")]
        override_four_eyes: bool,
        /// Why the override (with --override-four-eyes).
        #[arg(long, value_name = "TEXT", requires = "override_four_eyes")]
        reason: Option<String>,
        /// The AMI being promoted, as the dashboard asks it typed: needed with
        /// --yes in a production stack tag (`production_stack_tags`).
        #[arg(long, value_name = "AMI")]
        confirm_ami: Option<String>,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Follow the execution: exit 0 when the event completes, 1 when it fails.
        #[arg(long)]
        wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Start a patch cycle on the newest production AMI.
    Patch {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// MINOR or PATCH: which part of the version the patch raises.
        #[arg(long, value_enum)]
        bump: BumpArg,
        /// Image Builder component ARN with the patch.
        #[arg(long, value_name = "ARN")]
        component: Option<String>,
        /// What the patch changes (stored on the patch cycle).
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Follow the execution: exit 0 when the event completes, 1 when it fails.
        #[arg(long)]
        wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Retry the FAILED or ERROR event.
    Retry {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Follow the execution: exit 0 when the event completes, 1 when it fails.
        #[arg(long)]
        wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mark events whose execution ended without recording a result as ERROR.
    Reconcile {
        /// Only this lifecycle (its id or a unique prefix); else every lifecycle.
        lifecycle_id: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Follow a running event to its result, as `--wait` does: exit 0 when it
    /// completes, 1 when it fails or breaks, 4 when nothing is running.
    Wait {
        /// The lifecycle: its id or a unique prefix of it.
        lifecycle_id: String,
        /// The event, e.g. SMOKE_TESTS (default: the one running now).
        event: Option<String>,
        /// Print nothing while waiting (the end line only).
        #[arg(long)]
        json: bool,
    },
    /// Show an event's Step Functions execution: its states with times, the failing state's error and cause, and where to look next.
    Logs {
        /// The lifecycle: its id or a unique prefix of it.
        lifecycle_id: String,
        /// The event, e.g. SMOKE_TESTS (default: the running one, else the last that ran).
        event: Option<String>,
        /// The cycle: `creation` or `patch-N` (default: the newest cycle in which the event ran).
        #[arg(long, value_name = "CYCLE")]
        cycle: Option<String>,
        /// The attempt, 1 for the first try (default: the newest).
        #[arg(long, value_name = "N")]
        attempt: Option<u32>,
        /// Follow a running execution, printing each state as it is entered, until it
        /// ends (exit codes as `wait`: 0 completed, 1 failed, 4 not started).
        #[arg(long)]
        follow: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a lifecycle's timeline.
    Timeline {
        /// The lifecycle: its id or a unique prefix of it (the 8 characters the dashboard shows).
        lifecycle_id: String,
        /// Print JSON instead of text.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Markdown, for change tickets.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the AMI id of the best match from the lookup table (`--region` filters
    /// the AMI's region: default the configured region, `any` every region).
    Select(SelectArgs),
    /// Stream decoded notifications as lines.
    Watch {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Only lifecycles of this stack tag.
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// Exit 1 when the stream cannot start, instead of retrying with backoff.
        #[arg(long)]
        once: bool,
    },
    /// Print a shell completion script: `amiboard completions bash > ~/.local/share/bash-completion/completions/amiboard`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into --dir.
    Man {
        /// Write amiboard.1 and amiboard-<command>.1 into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Remove temporary queues and subscriptions a killed amiboard left behind.
    Cleanup {
        /// Print what would be removed; remove nothing (allowed in read-only mode).
        #[arg(long)]
        dry_run: bool,
    },
    /// Import the lifecycles of a reference-solution deployment (idempotent;
    /// never over a lifecycle changed in amiboard since); exit 1 when an item
    /// could not be imported.
    Import {
        /// The reference solution's lifecycle-state table (AmiOrchestratorTable).
        #[arg(long, value_name = "TABLE")]
        from_reference: String,
        /// The account whose AMIs the reference solution published (its
        /// SHARED_SERVICES_ACCOUNT_ID); only its AMIs are kept. Without it,
        /// the accounts of the AMIs its lookup table already holds.
        #[arg(long, value_name = "ACCOUNT")]
        shared_services_account: Option<String>,
        /// Print what would be written and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the config.toml of a deployed deploy/amiboard.template.json from
    /// its stack outputs (`aws cloudformation describe-stacks --stack-name NAME`
    /// JSON, or its Outputs array; `-` reads stdin).
    ConfigFromStack {
        /// The describe-stacks JSON, or `-` for stdin.
        file: PathBuf,
    },
    /// Check the deployment (tables, topics, rule, state machines, roles,
    /// pipelines, buckets, permissions); exit 1 when a check fails. Reads only.
    Doctor {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every lifecycle waiting for a person (a QA decision pending, a
    /// production promotion allowed): who asked, how long it has waited, the
    /// scan counts and the smoke-test result.
    Inbox {
        /// Only this stack tag.
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Where a lifecycle's AMIs are used: the recorded answer of the
    /// where-used workflow (EC2's references and image state, in the region
    /// the workflows run in) and how old it is.
    WhereUsed {
        /// A lifecycle id (or its first characters) or an AMI id.
        #[arg(value_name = "ID|AMI")]
        target: String,
        /// Ask EC2 again: starts the where-used workflow and waits (a write).
        #[arg(long)]
        refresh: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Deprecate (now or at a time), disable or delete a lifecycle's AMIs
    /// and their snapshots in every region, after a preview of everything it
    /// touches; or, with --policy, apply the retention policies.
    Retire(RetireArgs),
    /// Bring a deprecated or disabled AMI back to available.
    Restore {
        /// A lifecycle id (or its first characters) or an AMI id.
        #[arg(value_name = "ID|AMI")]
        target: String,
        /// Print the preview; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Wait for the workflow's outcome (exit 1 when it fails).
        #[arg(long)]
        wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The AMI in production per stack tag, product and region: its version,
    /// when and by whom it was promoted, and what it replaced.
    Production {
        /// Only this stack tag.
        #[arg(long, value_name = "TAG")]
        stack_tag: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// The stack tag, e.g. `main` or `prod`.
    #[arg(long, value_name = "TAG")]
    pub stack_tag: String,
    /// The product the AMI is built for.
    #[arg(long, value_name = "NAME")]
    pub product_name: String,
    /// The product's version.
    #[arg(long, value_name = "VERSION")]
    pub product_version: String,
    /// Defaults to the caller.
    #[arg(long)]
    pub owner: Option<String>,
    /// The commit the build comes from.
    #[arg(long, value_name = "SHA")]
    pub commit_ref: Option<String>,
    /// Image Builder pipeline ARN.
    #[arg(long, value_name = "ARN")]
    pub pipeline: Option<String>,
    /// Free-form property, repeatable.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
    /// Do not ask for confirmation (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Follow the AMI_BUILD: exit 0 when it completes, 1 when it fails.
    #[arg(long)]
    pub wait: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// The stack tag (reference client: --stack_tag).
    #[arg(long, alias = "stack_tag", value_name = "TAG")]
    pub stack_tag: String,
    /// The AMI region to select, from the global `--region` (which for
    /// `select` filters AMIs and does not move the clients): default the
    /// configured region, `any` for every region.
    #[arg(skip)]
    pub region: Option<String>,
    /// Minimum stage: built, smoke-tested, scanned, qa-requested, qa-certified,
    /// production, or a reference label (AMI_WITH_OS_HARDENING, ..., PRODUCTION_APPROVED).
    #[arg(
        long,
        visible_alias = "lifecycle-event",
        alias = "lifecycle_event",
        value_name = "STAGE"
    )]
    pub min_stage: Option<String>,
    /// Product name, or `any` (reference client: --product_name).
    #[arg(
        long,
        visible_alias = "product-name",
        alias = "product_name",
        value_name = "NAME"
    )]
    pub product: Option<String>,
    /// Product version, or `any` (reference client: --product_ver).
    #[arg(long, alias = "product_ver", value_name = "V")]
    pub product_version: Option<String>,
    /// Commit reference, or `any` (reference client: --commit_ref).
    #[arg(long, alias = "commit_ref", value_name = "SHA")]
    pub commit_ref: Option<String>,
    /// ami-creation, ami-patch, or `any` (reference client: --lifecycle_type).
    #[arg(long, alias = "lifecycle_type", value_name = "TYPE")]
    pub lifecycle_type: Option<String>,
    /// An exact version, or `latest` (reference client: --ami_semver).
    #[arg(
        long,
        visible_alias = "ami-semver",
        alias = "ami_semver",
        value_name = "X"
    )]
    pub semver: Option<String>,
    /// Print the whole lookup row as JSON.
    #[arg(long)]
    pub json: bool,
}
