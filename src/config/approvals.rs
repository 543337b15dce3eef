//! `[approvals]`: four eyes and the regions promotion checks, for every
//! stack tag and per stack tag (`[approvals.stack_tags.<tag>]`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConfigError;

/// `[approvals]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsFile {
    /// Four eyes: who certifies differs from who requested QA, who promotes
    /// from who certified. Default: on for the production stack tags only.
    pub distinct_approver: Option<bool>,
    /// Regions that must each hold an AMI before promotion. Default: the
    /// regions the lifecycle's build produced AMIs in.
    pub regions: Option<Vec<String>>,
    /// Per stack tag: `[approvals.stack_tags.<tag>]`.
    pub stack_tags: BTreeMap<String, StackTagApprovalsFile>,
}

/// What one stack tag's approvals do differently from `[approvals]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackTagApprovalsFile {
    pub distinct_approver: Option<bool>,
    pub regions: Option<Vec<String>>,
}

impl ApprovalsFile {
    /// Whether four eyes applies to `stack_tag`: its own setting, else
    /// `[approvals]`'s, else whether it is a production stack tag.
    pub fn distinct_approver(&self, stack_tag: &str, production_stack_tags: &[String]) -> bool {
        self.stack_tags
            .get(stack_tag)
            .and_then(|t| t.distinct_approver)
            .or(self.distinct_approver)
            .unwrap_or_else(|| production_stack_tags.iter().any(|t| t == stack_tag))
    }

    /// The regions promotion of `stack_tag` checks: its own list, else
    /// `[approvals]`'s; `None`: the build's regions.
    pub fn regions(&self, stack_tag: &str) -> Option<Vec<String>> {
        self.stack_tags
            .get(stack_tag)
            .and_then(|t| t.regions.clone())
            .or_else(|| self.regions.clone())
    }
}

/// An AWS region name as it is written: `eu-west-1`, `us-gov-east-1`.
fn is_region(name: &str) -> bool {
    let mut parts = name.split('-').collect::<Vec<_>>();
    let Some(number) = parts.pop() else {
        return false;
    };
    parts.len() >= 2
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn check_regions(where_: &str, table: &str, regions: Option<&[String]>) -> Result<(), ConfigError> {
    let Some(regions) = regions else {
        return Ok(());
    };
    if regions.is_empty() {
        return Err(ConfigError(format!(
            "{where_}: [{table}] regions is empty: list the regions that must hold an AMI, or leave it out to check the build's regions"
        )));
    }
    if let Some(bad) = regions.iter().find(|r| !is_region(r)) {
        return Err(ConfigError(format!(
            "{where_}: [{table}] regions: `{bad}` is not an AWS region name (e.g. eu-west-1)"
        )));
    }
    Ok(())
}

/// Refuses what would only show when a promotion is checked: an empty or
/// misspelt region list, a stack tag table without a name.
pub fn check(where_: &str, file: &ApprovalsFile) -> Result<(), ConfigError> {
    check_regions(where_, "approvals", file.regions.as_deref())?;
    for (tag, table) in &file.stack_tags {
        if tag.trim().is_empty() {
            return Err(ConfigError(format!(
                "{where_}: [approvals.stack_tags.\"\"] names no stack tag"
            )));
        }
        check_regions(
            where_,
            &format!("approvals.stack_tags.{tag}"),
            table.regions.as_deref(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_eyes_defaults_to_the_production_stack_tags_and_a_tag_wins_over_the_section() {
        let prod = vec!["prod".to_string()];
        let mut file = ApprovalsFile::default();
        assert!(file.distinct_approver("prod", &prod));
        assert!(!file.distinct_approver("dev", &prod));
        file.distinct_approver = Some(true);
        assert!(file.distinct_approver("dev", &prod));
        file.stack_tags.insert(
            "dev".into(),
            StackTagApprovalsFile {
                distinct_approver: Some(false),
                regions: Some(vec!["us-east-1".into()]),
            },
        );
        assert!(!file.distinct_approver("dev", &prod));
        assert_eq!(file.regions("dev"), Some(vec!["us-east-1".to_string()]));
        assert_eq!(file.regions("prod"), None);
    }

    #[test]
    fn region_names_are_checked() {
        for good in ["eu-west-1", "us-gov-east-1", "ap-southeast-12"] {
            assert!(is_region(good), "{good}");
        }
        for bad in ["euwest1", "eu-west", "EU-WEST-1", "eu--1", "-1", ""] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
