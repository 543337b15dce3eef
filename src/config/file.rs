//! The configuration file as written: every key optional, unknown keys
//! rejected (serde's `deny_unknown_fields`), so a typo stops amiboard with
//! one line naming the file, the line and the key.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The configuration file as written: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub read_only: Option<bool>,
    pub log_level: Option<String>,
    /// Seconds between automatic refreshes of the dashboard.
    pub refresh_seconds: Option<u64>,
    /// Parallel Scan segments of a full read of the lifecycle table (1 to 64).
    pub scan_segments: Option<u32>,
    /// Minutes between full reloads of the dashboard while live
    /// notifications keep it current.
    pub full_reload_minutes: Option<u64>,
    /// Prefix of every table, topic, state machine and queue amiboard names.
    pub prefix: Option<String>,
    /// Stack tags whose promotion needs the AMI id typed in.
    pub production_stack_tags: Option<Vec<String>>,
    pub tables: TablesFile,
    pub topics: TopicsFile,
    pub workflows: WorkflowsFile,
    pub notifications: NotificationsFile,
    /// Four eyes and the promotion checklist's regions.
    pub approvals: super::approvals::ApprovalsFile,
    /// Retention policies per stack tag (`amiboard retire --policy`).
    pub retention: super::retention::RetentionFile,
    /// Key bindings: action name to key(s); validated by the keymap.
    pub keys: BTreeMap<String, toml::Value>,
    /// Theme overrides: style name to colour/modifier; validated by the theme.
    pub theme: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TablesFile {
    pub lifecycles: Option<String>,
    pub semver_seeds: Option<String>,
    pub ami_lookup: Option<String>,
    /// The reference solution's semver seed table (`AmiSemverSeed`): a new
    /// build's MAJOR is never at or below its seed. Default: none.
    pub reference_semver_seeds: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicsFile {
    pub lifecycle: Option<String>,
    pub imagebuilder: Option<String>,
    pub ec2_events: Option<String>,
    pub run_command: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowsFile {
    /// Seconds a state machine waits between two status calls of its work.
    pub wait_seconds: Option<u64>,
    /// Seconds between polls of a running execution.
    pub poll_seconds: Option<u64>,
    /// Status calls a state machine makes before the work counts as timed out.
    pub poll_rounds: Option<u32>,
    /// The Image Builder pipeline of lifecycles created without one.
    pub pipeline_arn: Option<String>,
    /// Components a patch adds to the production AMI (default: AWS's update-linux).
    pub update_components: Option<Vec<String>>,
    /// Smoke tests: the instance, its network and role, and what runs on it.
    pub smoke_instance_type: Option<String>,
    pub smoke_subnet_id: Option<String>,
    pub smoke_security_group_ids: Option<Vec<String>>,
    pub smoke_instance_profile: Option<String>,
    pub smoke_document: Option<String>,
    pub smoke_commands: Option<Vec<String>>,
    /// The role Run Command uses to publish to the run-command topic.
    pub smoke_service_role_arn: Option<String>,
    /// What runs on a Windows AMI (AWS-RunPowerShellScript); the platform
    /// comes from EC2 (DescribeImages).
    pub smoke_windows_commands: Option<Vec<String>>,
    /// The smoke command's `executionTimeout` in seconds (default 3600).
    pub smoke_command_timeout_seconds: Option<u64>,
    /// How long each workflow waits for its work, in minutes.
    pub budget_minutes: BudgetsFile,
    /// Vulnerability scans fail above these counts (default 0 critical, any high).
    pub scan_max_critical: Option<u32>,
    pub scan_max_high: Option<u32>,
    /// QA export: bucket, key prefix and VM Import role.
    pub export_bucket: Option<String>,
    pub export_prefix: Option<String>,
    pub export_role: Option<String>,
    /// Promotion: the bucket of the AMI backups.
    pub backup_bucket: Option<String>,
    /// Whether the optional steps run (default: both).
    pub export: Option<bool>,
    pub backup: Option<bool>,
    /// Promotion: the accounts the production AMIs are shared with (launch
    /// permission); none or empty: not shared.
    pub production_accounts: Option<Vec<String>>,
    /// Promotion: whether the AMI id is written to an SSM parameter (default: no).
    pub production_parameter: Option<bool>,
    /// Its name; `{stack_tag}` and `{product_name}` are replaced (default
    /// `/amiboard/{stack_tag}/{product_name}/production-ami`).
    pub production_parameter_name: Option<String>,
    /// Per stack tag: `[workflows.stack_tags.<tag>]`.
    pub stack_tags: BTreeMap<String, StackTagWorkflowsFile>,
}

/// `[workflows.budget_minutes]`: how long each workflow waits for its work
/// (default: 300 for builds, exports and backups, 180 for scans), capped
/// below the state machine's `TimeoutSeconds`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetsFile {
    pub build: Option<u64>,
    pub patch_build: Option<u64>,
    pub vulnerability_scans: Option<u64>,
    pub qa_certification_request: Option<u64>,
    pub promotion: Option<u64>,
}

/// What one stack tag's workflows do differently from `[workflows]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackTagWorkflowsFile {
    pub pipeline_arn: Option<String>,
    pub scan_max_critical: Option<u32>,
    pub scan_max_high: Option<u32>,
    pub export: Option<bool>,
    pub backup: Option<bool>,
    pub production_accounts: Option<Vec<String>>,
    pub production_parameter: Option<bool>,
    pub production_parameter_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsFile {
    /// Whether the dashboard subscribes a temporary queue at start-up.
    pub enabled: Option<bool>,
    /// Which extra topics to subscribe besides the lifecycle topic.
    pub include_service_topics: Option<bool>,
    /// Minutes after which `cleanup` treats a leftover queue as stale.
    pub stale_after_minutes: Option<u64>,
}
