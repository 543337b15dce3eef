//! Lifecycle events, the two sequences they form, and the names they go by
//! (amiboard's own and the reference solution's stored names).

use std::fmt;

use serde::{Deserialize, Serialize};

/// One kind of lifecycle event. The same kind can appear in both sequences
/// (smoke tests, scans and production run for a new AMI and for a patch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    AmiBuild,
    SmokeTests,
    VulnerabilityScans,
    QaCertificationRequest,
    QaCertificationResponse,
    MarkForProduction,
    AmiPatch,
}

/// Which sequence an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// The creation of a new AMI (`ami-creation` in the reference solution).
    Creation,
    /// A patch cycle on a production AMI (`ami-patch`).
    Patch,
}

/// The creation sequence, in the order its events must complete.
pub const CREATION_SEQUENCE: [EventKind; 6] = [
    EventKind::AmiBuild,
    EventKind::SmokeTests,
    EventKind::VulnerabilityScans,
    EventKind::QaCertificationRequest,
    EventKind::QaCertificationResponse,
    EventKind::MarkForProduction,
];

/// The sequence of every patch cycle.
pub const PATCH_SEQUENCE: [EventKind; 4] = [
    EventKind::AmiPatch,
    EventKind::SmokeTests,
    EventKind::VulnerabilityScans,
    EventKind::MarkForProduction,
];

impl Phase {
    /// The events of this phase, in order.
    pub fn sequence(self) -> &'static [EventKind] {
        match self {
            Phase::Creation => &CREATION_SEQUENCE,
            Phase::Patch => &PATCH_SEQUENCE,
        }
    }

    /// The reference solution's `lifecycle_type` string.
    pub fn lifecycle_type(self) -> &'static str {
        match self {
            Phase::Creation => "ami-creation",
            Phase::Patch => "ami-patch",
        }
    }

    /// Parses a `lifecycle_type` string.
    pub fn parse(text: &str) -> Option<Phase> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ami-creation" | "creation" => Some(Phase::Creation),
            "ami-patch" | "patch" => Some(Phase::Patch),
            _ => None,
        }
    }
}

impl EventKind {
    /// Every kind, in creation order then the patch build.
    pub const ALL: [EventKind; 7] = [
        EventKind::AmiBuild,
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
        EventKind::QaCertificationResponse,
        EventKind::MarkForProduction,
        EventKind::AmiPatch,
    ];

    /// amiboard's name for the event, e.g. `SMOKE_TESTS`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::AmiBuild => "AMI_BUILD",
            EventKind::SmokeTests => "SMOKE_TESTS",
            EventKind::VulnerabilityScans => "VULNERABILITY_SCANS",
            EventKind::QaCertificationRequest => "QA_CERTIFICATION_REQUEST",
            EventKind::QaCertificationResponse => "QA_CERTIFICATION_RESPONSE",
            EventKind::MarkForProduction => "MARK_FOR_PRODUCTION",
            EventKind::AmiPatch => "AMI_PATCH",
        }
    }

    /// A short human label for tables and timelines.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::AmiBuild => "Build",
            EventKind::SmokeTests => "Smoke tests",
            EventKind::VulnerabilityScans => "Vulnerability scans",
            EventKind::QaCertificationRequest => "QA requested",
            EventKind::QaCertificationResponse => "QA certification",
            EventKind::MarkForProduction => "Production",
            EventKind::AmiPatch => "Patch build",
        }
    }

    /// The name the reference solution stores for this event in `phase`
    /// (including its `VULNERABILIY` typo), as AMI-selection clients expect.
    pub fn reference_name(self, phase: Phase) -> &'static str {
        match (self, phase) {
            (EventKind::AmiBuild, _) => "BUILD_AMI",
            (EventKind::AmiPatch, _) => "PATCH_AMI",
            (EventKind::SmokeTests, Phase::Creation) => "SMOKE_TESTS_AMI_CREATE",
            (EventKind::SmokeTests, Phase::Patch) => "SMOKE_TESTS_AMI_PATCH",
            (EventKind::VulnerabilityScans, Phase::Creation) => "VULNERABILIY_SCANS_AMI_CREATE",
            (EventKind::VulnerabilityScans, Phase::Patch) => "VULNERABILITY_SCANS_AMI_PATCH",
            (EventKind::QaCertificationRequest, _) => "QA_CERTIFICATION_REQUEST",
            (EventKind::QaCertificationResponse, _) => "QA_CERTIFICATION_RESPONSE",
            (EventKind::MarkForProduction, Phase::Creation) => "MARK_FOR_PRODUCTION_CREATE",
            (EventKind::MarkForProduction, Phase::Patch) => "MARK_FOR_PRODUCTION_PATCH",
        }
    }

    /// Parses amiboard's names and the reference solution's stored names,
    /// case-insensitively. The phase is returned when the name implies one.
    pub fn parse_with_phase(text: &str) -> Option<(EventKind, Option<Phase>)> {
        let upper = text.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        let found = match upper.as_str() {
            "AMI_BUILD" | "BUILD" => (EventKind::AmiBuild, None),
            "BUILD_AMI" => (EventKind::AmiBuild, Some(Phase::Creation)),
            "SMOKE_TESTS" | "SMOKE" => (EventKind::SmokeTests, None),
            "SMOKE_TESTS_AMI_CREATE" => (EventKind::SmokeTests, Some(Phase::Creation)),
            "SMOKE_TESTS_AMI_PATCH" => (EventKind::SmokeTests, Some(Phase::Patch)),
            "VULNERABILITY_SCANS" | "SCANS" => (EventKind::VulnerabilityScans, None),
            "VULNERABILIY_SCANS_AMI_CREATE" | "VULNERABILITY_SCANS_AMI_CREATE" => {
                (EventKind::VulnerabilityScans, Some(Phase::Creation))
            }
            "VULNERABILITY_SCANS_AMI_PATCH" | "VULNERABILIY_SCANS_AMI_PATCH" => {
                (EventKind::VulnerabilityScans, Some(Phase::Patch))
            }
            "QA_CERTIFICATION_REQUEST" => {
                (EventKind::QaCertificationRequest, Some(Phase::Creation))
            }
            "QA_CERTIFICATION_RESPONSE" => {
                (EventKind::QaCertificationResponse, Some(Phase::Creation))
            }
            "MARK_FOR_PRODUCTION" | "PRODUCTION" => (EventKind::MarkForProduction, None),
            "MARK_FOR_PRODUCTION_CREATE" => (EventKind::MarkForProduction, Some(Phase::Creation)),
            "MARK_FOR_PRODUCTION_PATCH" => (EventKind::MarkForProduction, Some(Phase::Patch)),
            "AMI_PATCH" | "PATCH" | "PATCH_AMI" => (EventKind::AmiPatch, Some(Phase::Patch)),
            _ => return None,
        };
        Some(found)
    }

    /// Parses any accepted name, ignoring the phase it implies.
    pub fn parse(text: &str) -> Option<EventKind> {
        Self::parse_with_phase(text).map(|(kind, _)| kind)
    }

    /// The AMI-lookup score a COMPLETED event of this kind gives its AMI:
    /// 1 build or patch, 2 smoke tests, 3 scans, 4 QA requested, 5 certified, 6 production.
    pub fn lookup_score(self) -> u8 {
        match self {
            EventKind::AmiBuild | EventKind::AmiPatch => 1,
            EventKind::SmokeTests => 2,
            EventKind::VulnerabilityScans => 3,
            EventKind::QaCertificationRequest => 4,
            EventKind::QaCertificationResponse => 5,
            EventKind::MarkForProduction => 6,
        }
    }

    /// Whether a person's decision completes this event rather than a workflow run.
    pub fn is_decision(self) -> bool {
        matches!(self, EventKind::QaCertificationResponse)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lifecycle_type())
    }
}
