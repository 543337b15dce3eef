//! The recorded answer of the where-used workflow: what EC2 said, at a time,
//! in the region the workflows run in, about a lifecycle's AMIs (their
//! state, deprecation and last launch) and what refers to them
//! (`DescribeImageReferences`). amiboard shows it with its age; only the
//! workflow asks EC2 (no EC2 SDK in the binary: `docs/architecture.md`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::{EventStatus, Lifecycle};

/// One reference to an AMI, as EC2 names it (`ec2:LaunchTemplate`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageReference {
    pub image_id: String,
    pub resource_type: String,
    pub arn: String,
}

/// One AMI as `DescribeImages` (with deprecated and disabled ones) returned it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ec2Image {
    pub image_id: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub deprecation_time: Option<String>,
    #[serde(default)]
    pub last_launched_time: Option<String>,
    #[serde(default)]
    pub deregistration_protection: Option<String>,
    #[serde(default)]
    pub block_device_mappings: Vec<BlockDevice>,
}

/// A block device of an AMI: its EBS snapshot, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDevice {
    #[serde(default)]
    pub device_name: Option<String>,
    #[serde(default)]
    pub ebs: Option<EbsSnapshot>,
}

/// The EBS part of a block device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsSnapshot {
    #[serde(default)]
    pub snapshot_id: Option<String>,
}

impl Ec2Image {
    /// The AMI's EBS snapshots.
    pub fn snapshots(&self) -> Vec<String> {
        self.block_device_mappings
            .iter()
            .filter_map(|b| b.ebs.as_ref()?.snapshot_id.clone())
            .collect()
    }
}

/// An AMI's state in EC2, as the recorded answer tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ec2State {
    Available,
    /// Available, with a deprecation time (past: deprecated; future: scheduled).
    Deprecated {
        at: String,
        past: bool,
    },
    Disabled,
    /// Another state EC2 reported (pending, failed, …).
    Other(String),
    /// `DescribeImages` did not return it: deregistered (or never visible here).
    Missing,
    /// The AMI lives in another region: Step Functions' SDK integrations
    /// call only their own region, so it was not checked.
    NotChecked {
        region: String,
    },
}

impl Ec2State {
    /// A short phrase: `deprecated 2026-12-01T00:00:00Z`, `deregistered/missing`.
    pub fn phrase(&self) -> String {
        match self {
            Ec2State::Available => "available".to_string(),
            Ec2State::Deprecated { at, past: true } => format!("deprecated {at}"),
            Ec2State::Deprecated { at, past: false } => format!("deprecation at {at}"),
            Ec2State::Disabled => "disabled".to_string(),
            Ec2State::Other(state) => state.clone(),
            Ec2State::Missing => "deregistered/missing".to_string(),
            Ec2State::NotChecked { region } => {
                format!("not checked here ({region}: workflows read only their own region)")
            }
        }
    }
}

/// The where-used workflow's last answer, as recorded on the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhereUsed {
    /// When EC2 answered (the recording state's time).
    pub as_of: DateTime<Utc>,
    /// The region the workflow ran and asked in.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    /// The AMIs asked about (this region's AMIs of the lifecycle).
    #[serde(default)]
    pub ami_ids: Vec<String>,
    /// `DescribeImages`' `Images`, as JSON text.
    #[serde(default)]
    pub images_json: String,
    /// `DescribeImageReferences`' `ImageReferences`, as JSON text.
    #[serde(default)]
    pub references_json: String,
    /// Who asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// More references than one page (1000): the first page is recorded.
    #[serde(default)]
    pub truncated: bool,
}

/// The where-used workflow's last failure (the previous answer is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhereUsedFailure {
    pub at: DateTime<Utc>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
}

impl WhereUsed {
    /// The references EC2 returned (empty when the text does not decode).
    pub fn references(&self) -> Vec<ImageReference> {
        serde_json::from_str(&self.references_json).unwrap_or_default()
    }

    /// The images EC2 returned.
    pub fn images(&self) -> Vec<Ec2Image> {
        serde_json::from_str(&self.images_json).unwrap_or_default()
    }

    /// The references to one AMI.
    pub fn references_to(&self, ami_id: &str) -> Vec<ImageReference> {
        self.references()
            .into_iter()
            .filter(|r| r.image_id == ami_id)
            .collect()
    }

    /// References by resource type, for a one-line summary.
    pub fn counts(&self, ami_id: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for reference in self.references_to(ami_id) {
            let n: &mut usize = counts.entry(reference.resource_type).or_default();
            *n = n.saturating_add(1);
        }
        counts
    }

    /// Whether the answer covers this AMI (it lives in the answer's region).
    pub fn covers(&self, region: &str, ami_id: &str) -> bool {
        region == self.region && self.ami_ids.iter().any(|a| a == ami_id)
    }

    /// The AMI's state in EC2 as recorded, at `now` (for deprecation in the past or future).
    pub fn state_of(&self, region: &str, ami_id: &str, now: DateTime<Utc>) -> Option<Ec2State> {
        if region != self.region {
            return Some(Ec2State::NotChecked {
                region: region.to_string(),
            });
        }
        if !self.ami_ids.iter().any(|a| a == ami_id) {
            return None;
        }
        let Some(image) = self.images().into_iter().find(|i| i.image_id == ami_id) else {
            return Some(Ec2State::Missing);
        };
        Some(match image.state.as_deref() {
            Some("disabled") => Ec2State::Disabled,
            Some("available") | None => match image.deprecation_time {
                Some(at) => {
                    let past = DateTime::parse_from_rfc3339(&at)
                        .map_or(true, |t| t.with_timezone(&Utc) <= now);
                    Ec2State::Deprecated { at, past }
                }
                None => Ec2State::Available,
            },
            Some(other) => Ec2State::Other(other.to_string()),
        })
    }

    /// The AMI as recorded, when EC2 returned it.
    pub fn image(&self, ami_id: &str) -> Option<Ec2Image> {
        self.images().into_iter().find(|i| i.image_id == ami_id)
    }

    /// The AMI's last launch, as recorded.
    pub fn last_launched(&self, ami_id: &str) -> Option<String> {
        self.images()
            .into_iter()
            .find(|i| i.image_id == ami_id)
            .and_then(|i| i.last_launched_time)
    }
}

impl Lifecycle {
    /// Whether any AMI the where-used answer covers is deregistered or
    /// missing in EC2 although amiboard never deleted it.
    pub fn deregistered_outside(&self, now: DateTime<Utc>) -> Vec<String> {
        let Some(answer) = &self.where_used else {
            return Vec::new();
        };
        let mut stages = vec![super::super::Stage::Creation];
        stages.extend(
            self.patches
                .iter()
                .map(|c| super::super::Stage::Patch(c.number)),
        );
        let mut missing = Vec::new();
        for stage in stages {
            let deleted = self
                .retirement(stage)
                .is_some_and(|r| r.state() == super::AmiState::Deleted);
            let built = self
                .records(stage)
                .and_then(|r| r.first())
                .is_some_and(|r| r.status == EventStatus::Completed);
            if deleted || !built {
                continue;
            }
            for ami in self.stage_amis(stage) {
                if answer.state_of(&ami.region, &ami.ami_id, now) == Some(Ec2State::Missing) {
                    missing.push(ami.ami_id.clone());
                }
            }
        }
        missing
    }
}
