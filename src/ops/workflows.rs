//! The state machines kept in `workflows/*.asl.json`: the six that run a
//! lifecycle event, the cleanup machine that terminates what a stopped
//! smoke test left running, and the local stack's setup machine.

use crate::lifecycle::EventKind;

/// The version of the definitions, in each one's `Comment` as
/// `[amiboard-workflows N]`: raise it when a definition changes.
pub const DEFINITIONS_VERSION: u32 = 7;

/// On the local emulator only: creates the demo buckets, the EventBridge rule
/// that sends EC2 AMI events to the ec2 topic, and the demo Image Builder
/// pipeline (`provision` runs it once).
pub const LOCAL_SETUP: &str = include_str!("../../workflows/local-setup.asl.json");

/// The name of the local setup machine after the prefix.
pub const LOCAL_SETUP_SLUG: &str = "local-setup";

/// One kind of work, run by one state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workflow {
    Build,
    PatchBuild,
    SmokeTests,
    VulnerabilityScans,
    QaCertificationRequest,
    Promotion,
    /// Not an event's: terminates the instances a smoke-test execution left
    /// running (started by `reconcile` and the dashboard's watcher).
    Cleanup,
    /// Reads EC2 for a lifecycle's AMIs (state, references) and records the
    /// answer (`amiboard where-used --refresh`).
    WhereUsed,
    /// Deprecates, disables, deletes or restores a stage's AMIs through
    /// Image Builder (`amiboard retire`, `amiboard restore`).
    Retire,
}

impl Workflow {
    /// Every deployed state machine (the template has one of each).
    pub const ALL: [Workflow; 9] = [
        Workflow::Build,
        Workflow::PatchBuild,
        Workflow::SmokeTests,
        Workflow::VulnerabilityScans,
        Workflow::QaCertificationRequest,
        Workflow::Promotion,
        Workflow::Cleanup,
        Workflow::WhereUsed,
        Workflow::Retire,
    ];

    /// The workflow of an event; `None` for the QA decision, which a person makes.
    pub fn for_event(event: EventKind) -> Option<Workflow> {
        Some(match event {
            EventKind::AmiBuild => Workflow::Build,
            EventKind::AmiPatch => Workflow::PatchBuild,
            EventKind::SmokeTests => Workflow::SmokeTests,
            EventKind::VulnerabilityScans => Workflow::VulnerabilityScans,
            EventKind::QaCertificationRequest => Workflow::QaCertificationRequest,
            EventKind::MarkForProduction => Workflow::Promotion,
            EventKind::QaCertificationResponse => return None,
        })
    }

    /// The file stem and the state machine's name after the prefix.
    pub fn slug(self) -> &'static str {
        match self {
            Workflow::Build => "build",
            Workflow::PatchBuild => "patch-build",
            Workflow::SmokeTests => "smoke-tests",
            Workflow::VulnerabilityScans => "vulnerability-scans",
            Workflow::QaCertificationRequest => "qa-certification-request",
            Workflow::Promotion => "promotion",
            Workflow::Cleanup => "cleanup",
            Workflow::WhereUsed => "where-used",
            Workflow::Retire => "retire",
        }
    }

    /// A short code for execution names.
    pub fn code(self) -> &'static str {
        match self {
            Workflow::Build => "build",
            Workflow::PatchBuild => "patch",
            Workflow::SmokeTests => "smoke",
            Workflow::VulnerabilityScans => "scans",
            Workflow::QaCertificationRequest => "qa",
            Workflow::Promotion => "prod",
            Workflow::Cleanup => "cleanup",
            Workflow::WhereUsed => "whereused",
            Workflow::Retire => "retire",
        }
    }

    /// The Amazon States Language definition, from the repository.
    pub fn definition(self) -> &'static str {
        match self {
            Workflow::Build => include_str!("../../workflows/build.asl.json"),
            Workflow::PatchBuild => include_str!("../../workflows/patch-build.asl.json"),
            Workflow::SmokeTests => include_str!("../../workflows/smoke-tests.asl.json"),
            Workflow::VulnerabilityScans => {
                include_str!("../../workflows/vulnerability-scans.asl.json")
            }
            Workflow::QaCertificationRequest => {
                include_str!("../../workflows/qa-certification-request.asl.json")
            }
            Workflow::Promotion => include_str!("../../workflows/promotion.asl.json"),
            Workflow::Cleanup => include_str!("../../workflows/cleanup.asl.json"),
            Workflow::WhereUsed => include_str!("../../workflows/where-used.asl.json"),
            Workflow::Retire => include_str!("../../workflows/retire.asl.json"),
        }
    }

    /// The state machine's name: the prefix and the slug.
    pub fn machine_name(self, prefix: &str) -> String {
        format!("{prefix}{}", self.slug())
    }

    /// The state machine's ARN.
    pub fn machine_arn(self, prefix: &str, region: &str, account: &str) -> String {
        format!(
            "arn:aws:states:{region}:{account}:stateMachine:{}",
            self.machine_name(prefix)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_is_json_with_the_recording_states_and_the_version() {
        let tag = format!("[amiboard-workflows {DEFINITIONS_VERSION}]");
        let setup: serde_json::Value = serde_json::from_str(LOCAL_SETUP).expect("valid JSON");
        assert!(
            setup["Comment"]
                .as_str()
                .is_some_and(|c| c.starts_with(&tag))
        );
        for workflow in Workflow::ALL {
            let value: serde_json::Value =
                serde_json::from_str(workflow.definition()).expect("valid JSON");
            assert!(
                value["Comment"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(&tag)),
                "{} lacks {tag}",
                workflow.slug()
            );
            assert!(value["TimeoutSeconds"].as_u64().is_some());
            let states = value["States"].as_object().expect("States");
            if matches!(workflow, Workflow::Cleanup | Workflow::WhereUsed) {
                // cleanup records nothing (the run it cleans up after is
                // recorded by reconcile); where-used records an answer, not an event
                continue;
            }
            for name in [
                "RecordCompleted",
                "RecordFailed",
                "AnnounceCompleted",
                "AnnounceFailed",
                "UpsertLookupRows",
            ] {
                assert!(
                    states.contains_key(name),
                    "{} lacks {name}",
                    workflow.slug()
                );
            }
        }
    }
}
