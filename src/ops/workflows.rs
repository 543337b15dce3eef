//! The six state machines kept in `workflows/*.asl.json`, and which lifecycle
//! event each one runs.

use crate::lifecycle::EventKind;

/// One kind of work, run by one state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workflow {
    Build,
    PatchBuild,
    SmokeTests,
    VulnerabilityScans,
    QaCertificationRequest,
    Promotion,
}

impl Workflow {
    pub const ALL: [Workflow; 6] = [
        Workflow::Build,
        Workflow::PatchBuild,
        Workflow::SmokeTests,
        Workflow::VulnerabilityScans,
        Workflow::QaCertificationRequest,
        Workflow::Promotion,
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
    fn every_definition_is_json_with_the_recording_states() {
        for workflow in Workflow::ALL {
            let value: serde_json::Value =
                serde_json::from_str(workflow.definition()).expect("valid JSON");
            let states = value["States"].as_object().expect("States");
            for name in [
                "RecordCompleted",
                "RecordFailed",
                "AnnounceCompleted",
                "SimulatedError",
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
