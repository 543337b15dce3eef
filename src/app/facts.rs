//! What the screens beside the list need of lifecycles whose full record may
//! not be held: the running execution (for the execution watcher), what
//! waits for a person (the inbox) and the production promotions (the
//! production view). Each is worked out from the record when it is read and
//! kept only for the lifecycles it concerns, so the common lifecycle costs
//! nothing here.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::{Names, Semver};
use crate::lifecycle::FastHash;
use crate::lifecycle::approvals::ApprovalOverride;
use crate::lifecycle::{AmiOutput, EventStatus, Lifecycle, Stage, VulnerabilityCounts};
use crate::ops::inbox::{Waiting, WaitingFor, waiting_for};
use crate::ops::production::{ProductionEntry, Promotion, grouped, promotions};
use crate::ops::watcher::Claim;

/// A lifecycle's name parts, shared with every row that repeats them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub stack_tag: Arc<str>,
    pub product_name: Arc<str>,
    pub product_version: Arc<str>,
}

impl Named {
    fn of(lc: &Lifecycle, names: &mut Names) -> Named {
        Named {
            stack_tag: names.get(&lc.stack_tag),
            product_name: names.get(&lc.product_name),
            product_version: names.get(&lc.product_version),
        }
    }
}

/// An AMI id in one region.
type RegionAmi = (Arc<str>, Box<str>);

fn amis(list: &[AmiOutput], names: &mut Names) -> Box<[RegionAmi]> {
    list.iter()
        .map(|a| (names.get(&a.region), a.ami_id.as_str().into()))
        .collect()
}

fn shown(list: &[RegionAmi]) -> Vec<AmiOutput> {
    list.iter()
        .map(|(region, ami)| AmiOutput {
            account: None,
            region: region.to_string(),
            ami_id: ami.to_string(),
            name: None,
        })
        .collect()
}

/// What waits for a person, compactly (`ops::inbox::Waiting` when shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waits {
    named: Named,
    waiting_for: WaitingFor,
    stage: Stage,
    semver: Semver,
    amis: Box<[RegionAmi]>,
    requested_by: Option<Arc<str>>,
    requested_at: Option<DateTime<Utc>>,
    vulnerabilities: Option<VulnerabilityCounts>,
    smoke_tests: EventStatus,
    smoke_attempt: u32,
    certified_by: Option<Arc<str>>,
}

impl Waits {
    fn of(lc: &Lifecycle, w: &Waiting, names: &mut Names) -> Waits {
        let stage = lc.active_stage();
        Waits {
            named: Named::of(lc, names),
            waiting_for: w.waiting_for,
            stage,
            semver: Semver::of(w.semver.as_deref()),
            amis: amis(&w.amis, names),
            requested_by: w.requested_by.as_deref().map(|a| names.get(a)),
            requested_at: w.requested_at,
            vulnerabilities: w.vulnerabilities,
            smoke_tests: w.smoke_tests,
            smoke_attempt: w.smoke_attempt,
            certified_by: w.certified_by.as_deref().map(|a| names.get(a)),
        }
    }

    fn shown(&self, id: &str) -> Waiting {
        Waiting {
            lifecycle_id: id.to_string(),
            stack_tag: self.named.stack_tag.to_string(),
            product_name: self.named.product_name.to_string(),
            product_version: self.named.product_version.to_string(),
            waiting_for: self.waiting_for,
            stage: self.stage.label(),
            semver: self.semver.text().map(|s| s.to_string()),
            amis: shown(&self.amis),
            requested_by: self.requested_by.as_deref().map(ToString::to_string),
            requested_at: self.requested_at,
            // Timed when shown (`ops::inbox::order`).
            waiting_seconds: 0,
            waiting: String::new(),
            vulnerabilities: self.vulnerabilities,
            smoke_tests: self.smoke_tests,
            smoke_attempt: self.smoke_attempt,
            certified_by: self.certified_by.as_deref().map(ToString::to_string),
        }
    }
}

/// One production AMI, compactly (`ops::production::Promotion` when shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promoted {
    named: Named,
    region: Arc<str>,
    ami_id: Box<str>,
    semver: Semver,
    stage: Stage,
    at: Option<DateTime<Utc>>,
    by: Option<Arc<str>>,
    /// The break-glass overrides it went through (rare: usually empty).
    overrides: Box<[ApprovalOverride]>,
}

impl Promoted {
    /// Whether this promotion is of `ami_id`.
    pub fn is(&self, ami_id: &str) -> bool {
        &*self.ami_id == ami_id
    }

    fn shown(&self, id: &str) -> (String, String, String, Promotion) {
        (
            self.named.stack_tag.to_string(),
            self.named.product_name.to_string(),
            self.region.to_string(),
            Promotion {
                ami_id: self.ami_id.to_string(),
                semver: self.semver.text().map(|s| s.to_string()),
                product_version: self.named.product_version.to_string(),
                lifecycle_id: id.to_string(),
                stage: self.stage.label(),
                promoted_at: self.at,
                promoted_by: self.by.as_deref().map(ToString::to_string),
                replaced_at: None,
                overrides: self.overrides.to_vec(),
            },
        )
    }
}

fn stage_of(label: &str) -> Stage {
    label
        .strip_prefix("patch ")
        .and_then(|n| n.parse().ok())
        .map_or(Stage::Creation, Stage::Patch)
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The running event whose execution is recorded, by lifecycle id.
    pub running: HashMap<Arc<str>, Claim, FastHash>,
    /// What a person is asked to do, by lifecycle id.
    pub waiting: HashMap<Arc<str>, Waits, FastHash>,
    /// Every production AMI, by lifecycle id.
    pub promotions: HashMap<Arc<str>, Box<[Promoted]>, FastHash>,
}

fn set<T>(map: &mut HashMap<Arc<str>, T, FastHash>, id: &Arc<str>, value: Option<T>) {
    match value {
        Some(value) => {
            map.insert(Arc::clone(id), value);
        }
        None => {
            map.remove(id);
        }
    }
}

/// What one lifecycle (just read) means for each screen: worked out where
/// it was read (`app::prepared`), kept by [`Facts::set`].
#[derive(Debug, Clone)]
pub struct Noted {
    // Boxed: most lifecycles have neither, and a prepared page's rows are
    // moved several times on their way into the list.
    running: Option<Box<Claim>>,
    waiting: Option<Box<Waits>>,
    promotions: Option<Box<[Promoted]>>,
}

impl Noted {
    pub fn of(lc: &Lifecycle, now: DateTime<Utc>, names: &mut Names) -> Noted {
        let waiting = waiting_for(lc, now).map(|w| Box::new(Waits::of(lc, &w, names)));
        let found: Box<[Promoted]> = promotions(lc)
            .into_iter()
            .map(|(_, _, region, p)| Promoted {
                named: Named::of(lc, names),
                region: names.get(&region),
                ami_id: p.ami_id.into(),
                semver: Semver::of(p.semver.as_deref()),
                stage: stage_of(&p.stage),
                at: p.promoted_at,
                by: p.promoted_by.as_deref().map(|a| names.get(a)),
                overrides: p.overrides.into_boxed_slice(),
            })
            .collect();
        Noted {
            running: Claim::of(lc).map(Box::new),
            waiting,
            promotions: (!found.is_empty()).then_some(found),
        }
    }
}

impl Facts {
    /// Keeps what a lifecycle seen for the first time means: nothing is
    /// held for it yet, so nothing is looked up to be let go.
    pub fn add(&mut self, id: &Arc<str>, noted: Noted) {
        let Noted {
            running,
            waiting,
            promotions,
        } = noted;
        if let Some(claim) = running {
            self.running.insert(Arc::clone(id), *claim);
        }
        if let Some(waits) = waiting {
            self.waiting.insert(Arc::clone(id), *waits);
        }
        if let Some(found) = promotions {
            self.promotions.insert(Arc::clone(id), found);
        }
    }

    /// Keeps what a lifecycle was found to mean.
    pub fn set(&mut self, id: &Arc<str>, noted: Noted) {
        set(&mut self.running, id, noted.running.map(|c| *c));
        set(&mut self.waiting, id, noted.waiting.map(|w| *w));
        set(&mut self.promotions, id, noted.promotions);
    }

    /// Forgets lifecycles `keep` says no to (gone from the table).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.running.retain(|id, _| keep(id));
        self.waiting.retain(|id, _| keep(id));
        self.promotions.retain(|id, _| keep(id));
    }

    /// The inbox: the longest waiting first, timed at `now`.
    pub fn inbox(&self, now: DateTime<Utc>) -> Vec<Waiting> {
        let mut items: Vec<Waiting> = self.waiting.iter().map(|(id, w)| w.shown(id)).collect();
        crate::ops::inbox::order(&mut items, now);
        items
    }

    /// The production view.
    pub fn production(&self) -> Vec<ProductionEntry> {
        grouped(
            self.promotions
                .iter()
                .flat_map(|(id, list)| list.iter().map(|p| p.shown(id))),
        )
    }
}
