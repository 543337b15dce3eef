//! Which version of the state machine definitions is deployed, against the
//! one this binary carries (`workflows::DEFINITIONS_VERSION`): `info` and the
//! dashboard header say when `amiboard provision` should update them.

use super::run::setting;
use super::workflows::{DEFINITIONS_VERSION, Workflow};
use super::{Context, OpError};

/// What is deployed, machine by machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedWorkflows {
    /// The version this binary's definitions carry.
    pub binary: u32,
    /// Each state machine's name and its deployed version: `None` when the
    /// machine is missing, `Some(0)` when its definition carries no version.
    pub machines: Vec<(String, Option<u32>)>,
}

impl DeployedWorkflows {
    /// The oldest deployed version, when every machine exists.
    pub fn deployed(&self) -> Option<u32> {
        self.machines
            .iter()
            .map(|(_, v)| *v)
            .collect::<Option<Vec<u32>>>()
            .and_then(|versions| versions.into_iter().min())
    }

    /// One line for people: current, or what is wrong and the fix; `None`
    /// when everything is current.
    pub fn problem(&self) -> Option<String> {
        let missing: Vec<&str> = self
            .machines
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| name.as_str())
            .collect();
        if !missing.is_empty() {
            return Some(format!(
                "state machine(s) missing: {}; run `amiboard provision`",
                missing.join(", ")
            ));
        }
        match self.deployed() {
            Some(v) if v < self.binary => Some(format!(
                "workflows v{v} are older than this binary's v{}; run `amiboard provision`",
                self.binary
            )),
            Some(v) if v > self.binary => Some(format!(
                "workflows v{v} are newer than this binary's v{}; update amiboard",
                self.binary
            )),
            _ => None,
        }
    }

    /// `v2`, or `v1 (binary v2)` when they differ, or `missing`.
    pub fn summary(&self) -> String {
        match self.deployed() {
            Some(v) if v == self.binary => format!("v{v}"),
            Some(v) => format!("v{v} (binary v{})", self.binary),
            None => format!("missing (binary v{})", self.binary),
        }
    }
}

/// The version in a definition's `Comment` (`[amiboard-workflows N] ...`);
/// 0 for a definition without one (written by hand or by an older amiboard).
pub fn definitions_version(definition: &str) -> u32 {
    let comment = serde_json::from_str::<serde_json::Value>(definition)
        .ok()
        .and_then(|v| v["Comment"].as_str().map(str::to_string))
        .unwrap_or_default();
    comment
        .split("[amiboard-workflows ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Reads every state machine's deployed definition.
pub async fn deployed_workflows(ctx: &Context) -> Result<DeployedWorkflows, OpError> {
    let s = setting(ctx).await?;
    let mut machines = Vec::new();
    for workflow in Workflow::ALL {
        let arn = workflow.machine_arn(&s.prefix, &s.region, &s.account);
        let definition = ctx.executions.machine_definition(&arn).await?;
        machines.push((
            workflow.machine_name(&s.prefix),
            definition.as_deref().map(definitions_version),
        ));
    }
    Ok(DeployedWorkflows {
        binary: DEFINITIONS_VERSION,
        machines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployed(versions: &[Option<u32>]) -> DeployedWorkflows {
        DeployedWorkflows {
            binary: 2,
            machines: versions
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("m{i}"), *v))
                .collect(),
        }
    }

    #[test]
    fn versions_are_read_from_the_comment() {
        assert_eq!(
            definitions_version(r#"{"Comment": "[amiboard-workflows 7] build", "States": {}}"#),
            7
        );
        assert_eq!(definitions_version(r#"{"Comment": "by hand"}"#), 0);
        assert_eq!(definitions_version("not json"), 0);
        for workflow in Workflow::ALL {
            assert_eq!(
                definitions_version(workflow.definition()),
                DEFINITIONS_VERSION
            );
        }
    }

    #[test]
    fn current_older_newer_and_missing_machines_are_told_apart() {
        assert_eq!(deployed(&[Some(2), Some(2)]).problem(), None);
        assert_eq!(deployed(&[Some(2), Some(2)]).summary(), "v2");
        let older = deployed(&[Some(2), Some(1)]);
        assert_eq!(older.summary(), "v1 (binary v2)");
        assert!(
            older
                .problem()
                .is_some_and(|p| p.contains("amiboard provision"))
        );
        assert!(
            deployed(&[Some(3)])
                .problem()
                .is_some_and(|p| p.contains("update amiboard"))
        );
        let missing = deployed(&[Some(2), None]);
        assert_eq!(missing.summary(), "missing (binary v2)");
        assert!(missing.problem().is_some_and(|p| p.contains("m1")));
    }
}
