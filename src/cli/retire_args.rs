//! The arguments of `amiboard retire`.

use clap::Args;

// A command's flags: each is a switch a person types.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Args)]
pub struct RetireArgs {
    /// A lifecycle id (or its first characters) or an AMI id (its stage).
    #[arg(
        value_name = "ID|AMI",
        required_unless_present = "policy",
        conflicts_with = "policy"
    )]
    pub target: Option<String>,
    /// Deprecate at this time (RFC 3339, e.g. 2026-12-31T00:00:00Z) instead of now.
    #[arg(long, value_name = "TIME", conflicts_with_all = ["disable", "delete"])]
    pub deprecate_at: Option<String>,
    /// Disable the AMIs (no launches; lookup rows removed).
    #[arg(long, conflicts_with = "delete")]
    pub disable: bool,
    /// Deregister the AMIs and delete their snapshots, every region: final.
    #[arg(long)]
    pub delete: bool,
    /// Print the preview (or the policy's plan); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Go ahead although the AMI is in production or in use (break glass, recorded).
    #[arg(long, requires = "reason")]
    pub override_in_use: bool,
    /// Why the override (required with --override-in-use).
    #[arg(long, value_name = "TEXT", requires = "override_in_use")]
    pub reason: Option<String>,
    /// Apply the retention policies (`[retention.stack_tags.<tag>]`).
    #[arg(long)]
    pub policy: bool,
    /// With --policy: only this stack tag.
    #[arg(long, value_name = "TAG", requires = "policy")]
    pub stack_tag: Option<String>,
    /// Do not ask for confirmation (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Wait for the workflow's outcome (exit 1 when it fails).
    #[arg(long)]
    pub wait: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
