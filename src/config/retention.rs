//! `[retention.stack_tags.<tag>]`: the retention policy of a stack tag,
//! applied only when someone asks (`amiboard retire --policy`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConfigError;

/// `[retention]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionFile {
    /// Per stack tag: `[retention.stack_tags.<tag>]`.
    pub stack_tags: BTreeMap<String, StackTagRetentionFile>,
}

/// One stack tag's policy as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackTagRetentionFile {
    /// Keep this many superseded versions per product (the newest).
    pub keep_last: Option<u32>,
    /// Keep what was superseded for at most this many days.
    pub superseded_for_days: Option<u32>,
    /// Retire AMIs with references too (default false: they are kept).
    pub include_in_use: Option<bool>,
    /// `deprecate` (default), `disable` or `delete`.
    pub action: Option<String>,
}

/// The actions a policy may take.
pub const POLICY_ACTIONS: [&str; 3] = ["deprecate", "disable", "delete"];

/// Refuses a policy that could never decide or names an unknown action.
pub fn check(where_: &str, file: &RetentionFile) -> Result<(), ConfigError> {
    for (tag, policy) in &file.stack_tags {
        let table = format!("[retention.stack_tags.{tag}]");
        if tag.trim().is_empty() {
            return Err(ConfigError(format!(
                "{where_}: [retention.stack_tags.\"\"] names no stack tag"
            )));
        }
        if policy.keep_last.is_none() && policy.superseded_for_days.is_none() {
            return Err(ConfigError(format!(
                "{where_}: {table} sets neither keep_last nor superseded_for_days: it would retire nothing"
            )));
        }
        if let Some(action) = policy.action.as_deref()
            && !POLICY_ACTIONS.contains(&action)
        {
            return Err(ConfigError(format!(
                "{where_}: {table} action = {action:?}: use one of {}",
                POLICY_ACTIONS.join(", ")
            )));
        }
    }
    Ok(())
}
