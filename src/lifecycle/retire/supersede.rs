//! Which production AMI supersedes which. For one stack tag, product and
//! region, every AMI that reached production but the newest is superseded
//! by the next one up (by version). Derived from the records on every read,
//! so it is never stale and needs no write.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::super::{EventKind, EventRef, Lifecycle, Stage, parse_version};

/// What replaced a production AMI in its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supersession {
    pub region: String,
    pub ami_id: String,
    /// The lifecycle and stage of the AMI that superseded it.
    pub by_lifecycle: String,
    pub by_stage: Stage,
    pub by_ami: String,
    pub by_semver: String,
    /// When the superseding AMI entered production.
    pub at: Option<DateTime<Utc>>,
}

impl Supersession {
    /// `superseded by 7f3a2c1e 3.0.0` (the short id people type).
    pub fn line(&self) -> String {
        let short: String = self.by_lifecycle.chars().take(8).collect();
        format!("superseded by {short} {}", self.by_semver)
    }
}

/// A production AMI of one lifecycle stage in one region.
struct Entry<'a> {
    lifecycle: &'a Lifecycle,
    stage: Stage,
    ami_id: &'a str,
    version: semver::Version,
    at: Option<DateTime<Utc>>,
}

/// Every superseded production AMI among `lifecycles`, keyed by
/// (lifecycle id, stage); one entry per region it was superseded in.
pub fn superseded(lifecycles: &[Lifecycle]) -> HashMap<(String, Stage), Vec<Supersession>> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<Entry<'_>>> = BTreeMap::new();
    for lc in lifecycles {
        for stage in lc.stages() {
            if !lc.is_production(stage) {
                continue;
            }
            let Some(version) = lc.stage_semver(stage).and_then(parse_version) else {
                continue;
            };
            let at = lc
                .record(EventRef {
                    stage,
                    event: EventKind::MarkForProduction,
                })
                .and_then(|r| r.finished_at);
            for ami in lc.stage_amis(stage) {
                groups
                    .entry((
                        lc.stack_tag.as_str(),
                        lc.product_name.as_str(),
                        ami.region.as_str(),
                    ))
                    .or_default()
                    .push(Entry {
                        lifecycle: lc,
                        stage,
                        ami_id: &ami.ami_id,
                        version: version.clone(),
                        at,
                    });
            }
        }
    }
    let mut out: HashMap<(String, Stage), Vec<Supersession>> = HashMap::new();
    for ((_, _, region), mut entries) in groups {
        entries.sort_by(|a, b| a.version.cmp(&b.version).then(a.at.cmp(&b.at)));
        for pair in entries.windows(2) {
            let [old, new] = pair else { continue };
            out.entry((old.lifecycle.lifecycle_id.clone(), old.stage))
                .or_default()
                .push(Supersession {
                    region: region.to_string(),
                    ami_id: old.ami_id.to_string(),
                    by_lifecycle: new.lifecycle.lifecycle_id.clone(),
                    by_stage: new.stage,
                    by_ami: new.ami_id.to_string(),
                    by_semver: new.version.to_string(),
                    at: new.at,
                });
        }
    }
    out
}

/// The supersessions of one lifecycle stage among `lifecycles`.
pub fn superseded_in(
    lifecycles: &[Lifecycle],
    lifecycle_id: &str,
    stage: Stage,
) -> Vec<Supersession> {
    superseded(lifecycles)
        .remove(&(lifecycle_id.to_string(), stage))
        .unwrap_or_default()
}
