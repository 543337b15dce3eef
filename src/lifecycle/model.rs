//! A lifecycle: the creation of one AMI and the patch cycles built on it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AmiOutput, Bump, CREATION_SEQUENCE, EventKind, EventRecord, EventStatus, PATCH_SEQUENCE, Phase,
};

/// One patch cycle: `AMI_PATCH`, `SMOKE_TESTS`, `VULNERABILITY_SCANS`, `MARK_FOR_PRODUCTION`
/// on the newest production AMI of its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchCycle {
    /// 1 for the first patch cycle of a lifecycle.
    pub number: u32,
    pub bump: Bump,
    /// The production AMI this cycle patches, and its version.
    pub parent_ami_id: String,
    pub parent_semver: String,
    /// The version the patched AMI receives.
    pub semver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Exactly the patch sequence, in order.
    pub events: Vec<EventRecord>,
}

/// Where an event lives: in the creation sequence or in patch cycle `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stage {
    Creation,
    /// Patch cycle number (1-based).
    Patch(u32),
}

impl Stage {
    /// How people read it: `creation` or `patch 3`.
    pub fn label(self) -> String {
        match self {
            Stage::Creation => "creation".to_string(),
            Stage::Patch(n) => format!("patch {n}"),
        }
    }

    pub fn phase(self) -> Phase {
        match self {
            Stage::Creation => Phase::Creation,
            Stage::Patch(_) => Phase::Patch,
        }
    }
}

/// One event of one lifecycle, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventRef {
    pub stage: Stage,
    pub event: EventKind,
}

impl std::fmt::Display for EventRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.stage {
            Stage::Creation => write!(f, "{}", self.event),
            Stage::Patch(n) => write!(f, "{} (patch {n})", self.event),
        }
    }
}

/// The lifecycle of one AMI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub lifecycle_id: String,
    pub stack_tag: String,
    pub product_name: String,
    #[serde(rename = "product_ver")]
    pub product_version: String,
    pub owner: String,
    #[serde(default)]
    pub commit_ref: String,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// The Image Builder pipeline the build uses, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_arn: Option<String>,
    /// The version reserved for the AMI this lifecycle builds (MAJOR.0.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_semver: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version: every write requires the value it read.
    #[serde(default)]
    pub item_version: u64,
    /// Exactly the creation sequence, in order.
    #[serde(rename = "creation_events")]
    pub creation: Vec<EventRecord>,
    #[serde(default, rename = "patch_cycles")]
    pub patches: Vec<PatchCycle>,
    /// The retirement record of each stage that was ever retired, at a
    /// fixed position once added (`retirements[i]` for the workflow).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retirements: Vec<super::retire::Retirement>,
    /// The where-used workflow's last answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub where_used: Option<super::retire::WhereUsed>,
    /// The where-used workflow's last failure, if it failed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub where_used_error: Option<super::retire::WhereUsedFailure>,
}

impl Lifecycle {
    /// A new lifecycle with every creation event `NOT_STARTED`.
    pub fn new(
        lifecycle_id: impl Into<String>,
        stack_tag: impl Into<String>,
        product_name: impl Into<String>,
        product_version: impl Into<String>,
        owner: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Lifecycle {
            lifecycle_id: lifecycle_id.into(),
            stack_tag: stack_tag.into(),
            product_name: product_name.into(),
            product_version: product_version.into(),
            owner: owner.into(),
            commit_ref: String::new(),
            properties: BTreeMap::new(),
            pipeline_arn: None,
            ami_semver: None,
            created_at: now,
            updated_at: now,
            item_version: 0,
            creation: CREATION_SEQUENCE
                .iter()
                .map(|e| EventRecord::new(*e))
                .collect(),
            patches: Vec::new(),
            retirements: Vec::new(),
            where_used: None,
            where_used_error: None,
        }
    }

    /// The retirement record of a stage, if it was ever retired.
    pub fn retirement(&self, stage: Stage) -> Option<&super::retire::Retirement> {
        self.retirements.iter().find(|r| r.stage() == Some(stage))
    }

    /// The position of a stage's retirement record in `retirements`.
    pub fn retirement_index(&self, stage: Stage) -> Option<usize> {
        self.retirements
            .iter()
            .position(|r| r.stage() == Some(stage))
    }

    /// Every stage, creation first, then each patch cycle.
    pub fn stages(&self) -> Vec<Stage> {
        let mut stages = vec![Stage::Creation];
        stages.extend(self.patches.iter().map(|c| Stage::Patch(c.number)));
        stages
    }

    /// The records of a stage, or `None` for a patch cycle that does not exist.
    pub fn records(&self, stage: Stage) -> Option<&[EventRecord]> {
        match stage {
            Stage::Creation => Some(&self.creation),
            Stage::Patch(n) => self.patch(n).map(|c| c.events.as_slice()),
        }
    }

    /// The record of one event.
    pub fn record(&self, at: EventRef) -> Option<&EventRecord> {
        self.records(at.stage)?.iter().find(|r| r.event == at.event)
    }

    /// The mutable record of one event.
    pub fn record_mut(&mut self, at: EventRef) -> Option<&mut EventRecord> {
        let records = match at.stage {
            Stage::Creation => &mut self.creation,
            Stage::Patch(n) => &mut self.patches.iter_mut().find(|c| c.number == n)?.events,
        };
        records.iter_mut().find(|r| r.event == at.event)
    }

    /// Index of an event within its stage's stored list (its position in the sequence).
    pub fn position(at: EventRef) -> Option<usize> {
        at.stage
            .phase()
            .sequence()
            .iter()
            .position(|e| *e == at.event)
    }

    pub fn patch(&self, number: u32) -> Option<&PatchCycle> {
        self.patches.iter().find(|c| c.number == number)
    }

    /// The stage that can move: the latest patch cycle, else creation.
    pub fn active_stage(&self) -> Stage {
        self.latest_patch()
            .map_or(Stage::Creation, |c| Stage::Patch(c.number))
    }

    /// The newest patch cycle, if any.
    pub fn latest_patch(&self) -> Option<&PatchCycle> {
        self.patches.iter().max_by_key(|c| c.number)
    }

    /// Every event record with its position, creation first then each patch cycle.
    pub fn all_records(&self) -> impl Iterator<Item = (EventRef, &EventRecord)> {
        let creation = self.creation.iter().map(|r| {
            (
                EventRef {
                    stage: Stage::Creation,
                    event: r.event,
                },
                r,
            )
        });
        let patches = self.patches.iter().flat_map(|c| {
            c.events.iter().map(move |r| {
                (
                    EventRef {
                        stage: Stage::Patch(c.number),
                        event: r.event,
                    },
                    r,
                )
            })
        });
        creation.chain(patches)
    }

    /// The event that is running now, if any.
    pub fn running(&self) -> Option<(EventRef, &EventRecord)> {
        self.all_records()
            .find(|(_, r)| r.status == EventStatus::InProgress)
    }

    /// The current stage for lists: the running event, else the furthest event
    /// that was ever triggered, else the first event.
    pub fn current(&self) -> (EventRef, &EventRecord) {
        if let Some(running) = self.running() {
            return running;
        }
        let mut current = None;
        for (at, record) in self.all_records() {
            if record.status != EventStatus::NotStarted {
                current = Some((at, record));
            }
        }
        current.unwrap_or_else(|| {
            (
                EventRef {
                    stage: Stage::Creation,
                    event: EventKind::AmiBuild,
                },
                &self.creation[0],
            )
        })
    }

    /// The AMIs built by a stage (the build or patch event's outputs).
    pub fn stage_amis(&self, stage: Stage) -> &[AmiOutput] {
        self.records(stage)
            .and_then(|records| records.first())
            .map_or(&[], |r| r.outputs.amis.as_slice())
    }

    /// The version of the AMI a stage built.
    pub fn stage_semver(&self, stage: Stage) -> Option<&str> {
        match stage {
            Stage::Creation => self.ami_semver.as_deref(),
            Stage::Patch(n) => self.patch(n).map(|c| c.semver.as_str()),
        }
    }

    /// Whether a stage's `MARK_FOR_PRODUCTION` completed.
    pub fn is_production(&self, stage: Stage) -> bool {
        self.record(EventRef {
            stage,
            event: EventKind::MarkForProduction,
        })
        .is_some_and(|r| r.status == EventStatus::Completed)
    }

    /// The newest production stage: the latest patch cycle that reached
    /// production, else the creation when it did.
    pub fn newest_production(&self) -> Option<Stage> {
        let mut cycles: Vec<&PatchCycle> = self.patches.iter().collect();
        cycles.sort_by_key(|c| std::cmp::Reverse(c.number));
        cycles
            .into_iter()
            .map(|c| Stage::Patch(c.number))
            .chain(std::iter::once(Stage::Creation))
            .find(|s| self.is_production(*s))
    }

    /// The newest AMI of this lifecycle (latest stage that built one) with its stage.
    pub fn newest_ami(&self) -> Option<(Stage, &AmiOutput)> {
        let mut stages: Vec<Stage> = self
            .patches
            .iter()
            .map(|c| Stage::Patch(c.number))
            .collect();
        stages.sort_by_key(|s| match s {
            Stage::Patch(n) => std::cmp::Reverse(*n),
            Stage::Creation => std::cmp::Reverse(0),
        });
        stages.push(Stage::Creation);
        stages
            .into_iter()
            .find_map(|s| self.stage_amis(s).first().map(|ami| (s, ami)))
    }

    /// The semver of the newest AMI, if any was built.
    pub fn newest_semver(&self) -> Option<&str> {
        self.newest_ami()
            .and_then(|(stage, _)| self.stage_semver(stage))
    }

    /// The latest known vulnerability counts (from the newest scan that reported any).
    pub fn latest_vulnerabilities(&self) -> Option<super::VulnerabilityCounts> {
        self.all_records()
            .filter(|(_, r)| r.event == EventKind::VulnerabilityScans)
            .filter_map(|(_, r)| r.outputs.vulnerabilities)
            .last()
    }

    /// The chain of AMIs a stage descends from, newest first, as (ami id, semver).
    pub fn parent_chain(&self, stage: Stage) -> Vec<(String, String)> {
        let mut chain = Vec::new();
        let mut current = stage;
        while let Stage::Patch(n) = current {
            let Some(cycle) = self.patch(n) else { break };
            chain.push((cycle.parent_ami_id.clone(), cycle.parent_semver.clone()));
            current = self
                .patches
                .iter()
                .filter(|c| c.number < n && c.semver == cycle.parent_semver)
                .map(|c| Stage::Patch(c.number))
                .next_back()
                .unwrap_or(Stage::Creation);
            if current == Stage::Creation {
                break;
            }
        }
        chain
    }

    /// A new patch cycle's empty records.
    pub fn empty_patch_events() -> Vec<EventRecord> {
        PATCH_SEQUENCE
            .iter()
            .map(|e| EventRecord::new(*e))
            .collect()
    }
}
