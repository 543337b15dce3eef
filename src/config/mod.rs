//! Configuration, layered once at start-up: defaults, then the TOML file, then
//! the environment, then command-line flags. Bad values fail fast with one line
//! naming the file, line and key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod approvals;
mod file;
mod retention;

pub use approvals::{ApprovalsFile, StackTagApprovalsFile};
pub use retention::{POLICY_ACTIONS, RetentionFile, StackTagRetentionFile};

pub use file::{
    FileConfig, NotificationsFile, StackTagWorkflowsFile, TablesFile, TopicsFile, WorkflowsFile,
};

/// How often a live notification stream re-tags its queue, in minutes
/// (`aws::temp_queue::HEARTBEAT`; a test keeps the two equal).
pub const QUEUE_HEARTBEAT_MINUTES: u64 = 5;

/// The default prefix of every resource amiboard creates.
pub const DEFAULT_PREFIX: &str = "amiboard-";

/// Table names, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub lifecycles: String,
    pub semver_seeds: String,
    pub ami_lookup: String,
    /// The reference solution's semver seed table, when migrating from it.
    pub reference_semver_seeds: Option<String>,
}

impl Tables {
    pub fn with_prefix(prefix: &str) -> Self {
        Tables {
            lifecycles: format!("{prefix}lifecycles"),
            semver_seeds: format!("{prefix}semver-seeds"),
            ami_lookup: format!("{prefix}ami-lookup"),
            reference_semver_seeds: None,
        }
    }
}

/// Topic names or ARNs, resolved. A plain name becomes an ARN once the
/// account and region are known (`aws::sns::topic_arn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    pub lifecycle: String,
    pub imagebuilder: String,
    pub ec2_events: String,
    pub run_command: String,
}

impl Topics {
    pub fn with_prefix(prefix: &str) -> Self {
        Topics {
            lifecycle: format!("{prefix}lifecycle-events"),
            imagebuilder: format!("{prefix}imagebuilder-images"),
            ec2_events: format!("{prefix}ec2-ami-events"),
            run_command: format!("{prefix}run-command"),
        }
    }
}

/// Parallel Scan segments of a full table read, unless configured.
pub const DEFAULT_SCAN_SEGMENTS: u32 = 4;
/// The most segments `scan_segments` accepts.
pub const MAX_SCAN_SEGMENTS: u32 = 64;

/// The resolved configuration the rest of amiboard reads.
#[derive(Debug, Clone)]
pub struct Config {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub read_only: bool,
    pub log_level: String,
    pub refresh: Duration,
    /// Parallel Scan segments of a full read of the lifecycle table.
    pub scan_segments: u32,
    /// How often the dashboard reloads the whole table while live
    /// notifications keep it current (`refresh` applies without them).
    pub full_reload: Duration,
    pub prefix: String,
    pub production_stack_tags: Vec<String>,
    pub tables: Tables,
    pub topics: Topics,
    pub workflow_wait_seconds: u64,
    pub workflow_poll: Duration,
    /// The `[workflows]` section as written (what the state machines are given).
    pub workflows: WorkflowsFile,
    /// `[approvals]` as written (checked at load).
    pub approvals: ApprovalsFile,
    /// `[retention]` as written (checked at load).
    pub retention: RetentionFile,
    pub notifications_enabled: bool,
    pub include_service_topics: bool,
    pub stale_after: Duration,
    pub keys: BTreeMap<String, toml::Value>,
    pub theme: BTreeMap<String, toml::Value>,
    /// The file that was read, if any.
    pub config_path: Option<PathBuf>,
}

/// Values given on the command line, which win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub log_level: Option<String>,
    pub read_only: bool,
}

/// A configuration problem: the one line a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The default config file path: `$XDG_CONFIG_HOME/amiboard/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("amiboard").join("config.toml"));
    }
    directories::ProjectDirs::from("", "", "amiboard").map(|d| d.config_dir().join("config.toml"))
}

/// The directory for the log file: `$XDG_STATE_HOME/amiboard`.
pub fn state_dir() -> PathBuf {
    if let Some(xdg) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("amiboard");
    }
    directories::ProjectDirs::from("", "", "amiboard").map_or_else(
        || std::env::temp_dir().join("amiboard"),
        |d| {
            d.state_dir()
                .map_or_else(|| d.data_local_dir().to_path_buf(), Path::to_path_buf)
        },
    )
}

/// Parses a config file's text. `path` is only used in messages.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str::<FileConfig>(text).map_err(|err| {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let message = err.message().trim().replace('\n', " ");
        match line {
            Some(line) => ConfigError(format!("{}:{line}: {message}", path.display())),
            None => ConfigError(format!("{}: {message}", path.display())),
        }
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads an environment variable's boolean value (`value` is the variable's
/// text, `None` when unset or blank).
fn env_bool(name: &str, value: Option<&str>) -> Result<Option<bool>, ConfigError> {
    let Some(v) = value else { return Ok(None) };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(Some(true)),
        "0" | "false" | "no" | "off" => Ok(Some(false)),
        _ => Err(ConfigError(format!(
            "{name}={v} is not a boolean: use 1 or 0, true or false"
        ))),
    }
}

/// Reads an environment variable's whole number of seconds (`value` is the
/// variable's text, `None` when unset or blank).
fn env_seconds(name: &str, value: Option<&str>) -> Result<Option<u64>, ConfigError> {
    let Some(v) = value else { return Ok(None) };
    v.trim().parse().map(Some).map_err(|_| {
        ConfigError(format!(
            "{name}={v} is not a whole number of seconds (0 or more)"
        ))
    })
}

const LOG_LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Loads the layered configuration from the default file path (tests name
/// their own through [`load_with`]).
pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    load_with(overrides, default_config_path())
}

/// Like [`load`], with the default file path given.
pub fn load_with(
    overrides: &Overrides,
    default_path: Option<PathBuf>,
) -> Result<Config, ConfigError> {
    let explicit = overrides
        .config
        .clone()
        .or_else(|| env("AMIBOARD_CONFIG").map(PathBuf::from));
    let (file, config_path) = match explicit {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ConfigError(format!("cannot read config file {}: {e}", path.display()))
            })?;
            (parse_file(&text, &path)?, Some(path))
        }
        None => match default_path {
            Some(path) if path.is_file() => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError(format!("cannot read config file {}: {e}", path.display()))
                })?;
                (parse_file(&text, &path)?, Some(path))
            }
            _ => (FileConfig::default(), None),
        },
    };
    resolve(file, config_path, overrides)
}

/// Production accounts are 12-digit AWS account ids: a typo would only show
/// as an ERROR when a promotion runs.
fn check_accounts(
    where_: &str,
    table: &str,
    accounts: Option<&[String]>,
) -> Result<(), ConfigError> {
    for account in accounts.unwrap_or_default() {
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError(format!(
                "{where_}: [{table}] production_accounts: `{account}` is not a 12-digit AWS account id"
            )));
        }
    }
    Ok(())
}

/// A table name as DynamoDB accepts it (3-255 of letters, digits, `_`,
/// `-`, `.`): a typo would otherwise only show when the table is read.
fn check_table_name(
    where_: &str,
    key: &str,
    name: Option<String>,
) -> Result<Option<String>, ConfigError> {
    let Some(name) = name else { return Ok(None) };
    let valid = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(Some(name))
    } else {
        Err(ConfigError(format!(
            "{where_}: {key} = `{name}` is not a DynamoDB table name (3-255 letters, digits, '_', '-' or '.')"
        )))
    }
}

fn resolve(
    file: FileConfig,
    config_path: Option<PathBuf>,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let where_ = config_path
        .as_ref()
        .map_or_else(|| "configuration".to_string(), |p| p.display().to_string());
    let prefix = env("AMIBOARD_PREFIX")
        .or(file.prefix)
        .unwrap_or_else(|| DEFAULT_PREFIX.to_string());
    if !prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(ConfigError(format!(
            "{where_}: prefix `{prefix}` may only contain letters, digits, '-', '_' and '.'"
        )));
    }
    let default_tables = Tables::with_prefix(&prefix);
    let tables = Tables {
        lifecycles: env("AMIBOARD_LIFECYCLE_TABLE")
            .or(file.tables.lifecycles)
            .unwrap_or(default_tables.lifecycles),
        semver_seeds: env("AMIBOARD_SEMVER_TABLE")
            .or(file.tables.semver_seeds)
            .unwrap_or(default_tables.semver_seeds),
        ami_lookup: env("AMIBOARD_LOOKUP_TABLE")
            .or(file.tables.ami_lookup)
            .unwrap_or(default_tables.ami_lookup),
        reference_semver_seeds: check_table_name(
            &where_,
            "tables.reference_semver_seeds",
            file.tables.reference_semver_seeds,
        )?,
    };
    let default_topics = Topics::with_prefix(&prefix);
    let topics = Topics {
        lifecycle: file.topics.lifecycle.unwrap_or(default_topics.lifecycle),
        imagebuilder: file
            .topics
            .imagebuilder
            .unwrap_or(default_topics.imagebuilder),
        ec2_events: file.topics.ec2_events.unwrap_or(default_topics.ec2_events),
        run_command: file
            .topics
            .run_command
            .unwrap_or(default_topics.run_command),
    };
    let log_level = overrides
        .log_level
        .clone()
        .or_else(|| env("AMIBOARD_LOG"))
        .or(file.log_level)
        .unwrap_or_else(|| "info".to_string())
        .to_ascii_lowercase();
    if !LOG_LEVELS.contains(&log_level.as_str()) {
        return Err(ConfigError(format!(
            "{where_}: log level `{log_level}` is not one of {}",
            LOG_LEVELS.join(", ")
        )));
    }
    let refresh_seconds = file.refresh_seconds.unwrap_or(30);
    if refresh_seconds == 0 {
        return Err(ConfigError(format!(
            "{where_}: refresh_seconds must be at least 1"
        )));
    }
    let scan_segments = file.scan_segments.unwrap_or(DEFAULT_SCAN_SEGMENTS);
    if !(1..=MAX_SCAN_SEGMENTS).contains(&scan_segments) {
        return Err(ConfigError(format!(
            "{where_}: scan_segments = {scan_segments} must be between 1 and {MAX_SCAN_SEGMENTS}"
        )));
    }
    let full_reload_minutes = file.full_reload_minutes.unwrap_or(360);
    let full_reload = full_reload_minutes
        .checked_mul(60)
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            ConfigError(format!(
                "{where_}: full_reload_minutes = {full_reload_minutes} must be at least 1 and not absurdly large"
            ))
        })?;
    let read_only = overrides.read_only
        || env_bool("AMIBOARD_READ_ONLY", env("AMIBOARD_READ_ONLY").as_deref())?.unwrap_or(false)
        || file.read_only.unwrap_or(false);
    check_accounts(
        &where_,
        "workflows",
        file.workflows.production_accounts.as_deref(),
    )?;
    for (tag, table) in &file.workflows.stack_tags {
        check_accounts(
            &where_,
            &format!("workflows.stack_tags.{tag}"),
            table.production_accounts.as_deref(),
        )?;
    }
    approvals::check(&where_, &file.approvals)?;
    retention::check(&where_, &file.retention)?;
    let workflow_wait_seconds = env_seconds(
        "AMIBOARD_WORKFLOW_WAIT",
        env("AMIBOARD_WORKFLOW_WAIT").as_deref(),
    )?
    .or(file.workflows.wait_seconds)
    .unwrap_or(3);
    let stale_after_minutes = file.notifications.stale_after_minutes.unwrap_or(60);
    if stale_after_minutes < QUEUE_HEARTBEAT_MINUTES {
        // A live stream re-tags its queue every heartbeat: anything shorter
        // would let `cleanup` delete a live queue.
        return Err(ConfigError(format!(
            "{where_}: notifications.stale_after_minutes = {stale_after_minutes} is below the queue heartbeat ({QUEUE_HEARTBEAT_MINUTES} min); use {QUEUE_HEARTBEAT_MINUTES} or more"
        )));
    }
    let stale_after = stale_after_minutes
        .checked_mul(60)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            ConfigError(format!(
                "{where_}: notifications.stale_after_minutes = {stale_after_minutes} is too large"
            ))
        })?;
    Ok(Config {
        profile: overrides.profile.clone().or(file.profile),
        region: overrides.region.clone().or(file.region),
        endpoint_url: overrides.endpoint_url.clone().or(file.endpoint_url),
        read_only,
        log_level,
        refresh: Duration::from_secs(refresh_seconds),
        scan_segments,
        full_reload,
        prefix,
        production_stack_tags: file
            .production_stack_tags
            .unwrap_or_else(|| vec!["prod".to_string(), "production".to_string()]),
        tables,
        topics,
        workflow_wait_seconds,
        workflow_poll: Duration::from_secs(file.workflows.poll_seconds.unwrap_or(2).max(1)),
        workflows: WorkflowsFile {
            pipeline_arn: env("AMIBOARD_PIPELINE_ARN").or(file.workflows.pipeline_arn),
            ..file.workflows
        },
        approvals: file.approvals,
        retention: file.retention,
        notifications_enabled: file.notifications.enabled.unwrap_or(true),
        include_service_topics: file.notifications.include_service_topics.unwrap_or(true),
        stale_after,
        keys: file.keys,
        theme: file.theme,
        config_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_seconds_reads_whole_seconds_and_refuses_anything_else() {
        let name = "AMIBOARD_WORKFLOW_WAIT";
        assert_eq!(env_seconds(name, None), Ok(None));
        assert_eq!(env_seconds(name, Some("0")), Ok(Some(0)));
        assert_eq!(env_seconds(name, Some(" 7 ")), Ok(Some(7)));
        for bad in ["abc", "-1", "1.5", "3s", "99999999999999999999"] {
            let err = env_seconds(name, Some(bad)).expect_err(bad).to_string();
            assert_eq!(
                err,
                format!(
                    "AMIBOARD_WORKFLOW_WAIT={bad} is not a whole number of seconds (0 or more)"
                )
            );
        }
    }

    #[test]
    fn env_bool_reads_the_usual_spellings_and_refuses_anything_else() {
        let name = "AMIBOARD_READ_ONLY";
        assert_eq!(env_bool(name, None), Ok(None));
        for yes in ["1", "true", "YES", " on "] {
            assert_eq!(env_bool(name, Some(yes)), Ok(Some(true)), "{yes}");
        }
        for no in ["0", "false", "No", "off"] {
            assert_eq!(env_bool(name, Some(no)), Ok(Some(false)), "{no}");
        }
        let err = env_bool(name, Some("maybe"))
            .expect_err("maybe")
            .to_string();
        assert_eq!(
            err,
            "AMIBOARD_READ_ONLY=maybe is not a boolean: use 1 or 0, true or false"
        );
    }
}
