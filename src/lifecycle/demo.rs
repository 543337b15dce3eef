//! Realistic demo lifecycles, spread over every stage and status, several stack
//! tags, products and regions, some with patch cycles. Deterministic: the same
//! index always gives the same lifecycle, so runs and tests are repeatable.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::{
    AmiOutput, Bump, EventKind, EventRecord, EventStatus, Lifecycle, PatchCycle,
    VulnerabilityCounts, build_version, bump,
};

/// Stack tags demo data spreads over.
pub const STACK_TAGS: [&str; 4] = ["main", "develop", "release-2026", "prod"];
const PRODUCTS: [(&str, &str); 6] = [
    ("web-frontend", "4.2"),
    ("payments-api", "2.7"),
    ("batch-worker", "1.9"),
    ("search-indexer", "3.1"),
    ("edge-proxy", "0.14"),
    ("ml-inference", "5.0"),
];
const OWNERS: [&str; 5] = ["alice", "bob", "carol", "platform-ci", "dmitri"];
const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "ap-southeast-2"];

/// A small deterministic generator (SplitMix64), enough for demo spread.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n.max(1)).unwrap_or(0)
    }

    fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(len);
        out
    }
}

/// The stack tag demo lifecycle `index` belongs to (`fixed` wins when given).
pub fn stack_tag_for(index: u64, fixed: Option<&str>) -> String {
    fixed.map_or_else(
        || {
            let mut mix = Mix(index.wrapping_mul(31).wrapping_add(7));
            STACK_TAGS[usize::try_from(mix.below(STACK_TAGS.len() as u64)).unwrap_or(0)].to_string()
        },
        ToString::to_string,
    )
}

/// The demo lifecycles numbered `range`, each with its own stack tag
/// ([`stack_tag_for`]) and MAJOR version (its number plus one): the same
/// lifecycle for the same number, so tests and benchmarks can make one again.
pub fn demo_lifecycles(range: std::ops::Range<u64>, now: DateTime<Utc>) -> Vec<Lifecycle> {
    range
        .map(|i| demo_lifecycle(i, &stack_tag_for(i, None), i.saturating_add(1), now))
        .collect()
}

/// A demo lifecycle as `seed` writes it into real tables: [`demo_lifecycle`]
/// with no event left running. A seeded IN_PROGRESS event would name an
/// execution that does not exist, so it would never move and would read as
/// lost; the event is left not started instead (waiting to be triggered).
/// The demo's running lifecycles are the demo driver's, with real executions.
pub fn seeded_lifecycle(index: u64, stack_tag: &str, major: u64, now: DateTime<Utc>) -> Lifecycle {
    let mut lc = demo_lifecycle(index, stack_tag, major, now);
    let records = lc
        .creation
        .iter_mut()
        .chain(lc.patches.iter_mut().flat_map(|p| p.events.iter_mut()));
    for record in records {
        if record.status == EventStatus::InProgress {
            *record = EventRecord::new(record.event);
        }
    }
    lc
}

/// One demo lifecycle. `major` is the version its build received.
pub fn demo_lifecycle(index: u64, stack_tag: &str, major: u64, now: DateTime<Utc>) -> Lifecycle {
    let mut mix = Mix(index.wrapping_add(0xA5A5_0000));
    let (product, product_version) =
        PRODUCTS[usize::try_from(mix.below(PRODUCTS.len() as u64)).unwrap_or(0)];
    let owner = OWNERS[usize::try_from(mix.below(OWNERS.len() as u64)).unwrap_or(0)];
    let id = format!(
        "{}-{}-4{}-a{}-{}",
        mix.hex(8),
        mix.hex(4),
        mix.hex(3),
        mix.hex(3),
        mix.hex(12)
    );
    let age_minutes = i64::try_from(mix.below(60 * 24 * 30).saturating_add(30)).unwrap_or(60);
    let created = now
        .checked_sub_signed(Duration::minutes(age_minutes))
        .unwrap_or(now);
    let mut lc = Lifecycle::new(id, stack_tag, product, product_version, owner, created);
    lc.commit_ref = mix.hex(40);
    lc.ami_semver = Some(build_version(major).to_string());
    lc.properties = BTreeMap::from([
        ("demo".to_string(), "true".to_string()),
        (
            "pipeline_url".to_string(),
            format!(
                "https://ci.example.com/{product}/{}",
                index.saturating_add(1000)
            ),
        ),
    ]);
    let regions = usize::try_from(mix.below(2)).unwrap_or(0).saturating_add(1);

    // How far the creation got: 0..=6 events completed, then the state of the next.
    let completed = usize::try_from(mix.below(8)).unwrap_or(0).min(6);
    let mut clock = created;
    for position in 0..completed {
        let event = lc.creation[position].event;
        fill(
            &mut lc.creation[position],
            event,
            EventStatus::Completed,
            &mut clock,
            &mut mix,
            owner,
        );
    }
    if completed > 0 {
        let amis = (0..regions)
            .map(|r| AmiOutput {
                account: None,
                region: REGIONS[r].to_string(),
                ami_id: format!("ami-{}", mix.hex(17)),
                name: Some(format!("{product}-{}", build_version(major))),
            })
            .collect();
        lc.creation[0].outputs.amis = amis;
        lc.creation[0].outputs.ami_semver.clone_from(&lc.ami_semver);
        name_backup(&mut lc.creation);
    }
    if completed < 6 {
        let status = match mix.below(10) {
            0..=3 => EventStatus::NotStarted,
            4 | 5 => EventStatus::InProgress,
            6 | 7 => EventStatus::Failed,
            _ => EventStatus::Error,
        };
        if status != EventStatus::NotStarted {
            let event = lc.creation[completed].event;
            fill(
                &mut lc.creation[completed],
                event,
                status,
                &mut clock,
                &mut mix,
                owner,
            );
        }
    } else {
        // In production: a third of these have patch cycles.
        let cycles = if mix.below(3) == 0 {
            mix.below(3).saturating_add(1)
        } else {
            0
        };
        let mut parent_semver = build_version(major);
        let mut parent_ami = lc.creation[0]
            .outputs
            .amis
            .first()
            .map(|a| a.ami_id.clone())
            .unwrap_or_default();
        for n in 1..=u32::try_from(cycles).unwrap_or(0) {
            let kind = if mix.below(2) == 0 {
                Bump::Minor
            } else {
                Bump::Patch
            };
            let semver = bump(&parent_semver, kind);
            let mut cycle = PatchCycle {
                number: n,
                bump: kind,
                parent_ami_id: parent_ami.clone(),
                parent_semver: parent_semver.to_string(),
                semver: semver.to_string(),
                component: Some(format!(
                    "arn:aws:imagebuilder:eu-west-1:111122223333:component/{product}-patch/{semver}/1"
                )),
                description: Some(format!("Security patch {n} for {product}")),
                created_at: clock,
                actor: Some(owner.to_string()),
                events: Lifecycle::empty_patch_events(),
            };
            let last = n == u32::try_from(cycles).unwrap_or(0);
            let done = if last {
                usize::try_from(mix.below(5)).unwrap_or(0)
            } else {
                4
            };
            for position in 0..done {
                let event = cycle.events[position].event;
                fill(
                    &mut cycle.events[position],
                    event,
                    EventStatus::Completed,
                    &mut clock,
                    &mut mix,
                    owner,
                );
            }
            if done > 0 {
                let ami = format!("ami-{}", mix.hex(17));
                cycle.events[0].outputs.amis = vec![AmiOutput {
                    account: None,
                    region: REGIONS[0].to_string(),
                    ami_id: ami.clone(),
                    name: Some(format!("{product}-{semver}")),
                }];
                cycle.events[0].outputs.ami_semver = Some(semver.to_string());
                name_backup(&mut cycle.events);
                if done == 4 {
                    parent_ami = ami;
                    parent_semver = semver.clone();
                }
            }
            if done < 4 && mix.below(3) == 0 {
                let event = cycle.events[done].event;
                fill(
                    &mut cycle.events[done],
                    event,
                    EventStatus::Failed,
                    &mut clock,
                    &mut mix,
                    owner,
                );
            }
            lc.patches.push(cycle);
        }
    }
    lc.updated_at = clock.min(now);
    lc
}

/// The backup object of a completed MARK_FOR_PRODUCTION is named after the
/// AMI it stored, as CreateStoreImageTask names it (`<ami-id>.bin`): the
/// AMI of the local stack's region (us-east-1) when the build made one,
/// else the first.
fn name_backup(events: &mut [EventRecord]) {
    let amis = &events[0].outputs.amis;
    let Some(ami) = amis
        .iter()
        .find(|a| a.region == REGIONS[1])
        .or_else(|| amis.first())
        .map(|a| a.ami_id.clone())
    else {
        return;
    };
    for record in events.iter_mut() {
        if record.event == EventKind::MarkForProduction && record.outputs.backup_object.is_some() {
            record.outputs.backup_object = Some(format!("s3://amiboard-demo-backups/{ami}.bin"));
        }
    }
}

fn fill(
    record: &mut EventRecord,
    event: EventKind,
    status: EventStatus,
    clock: &mut DateTime<Utc>,
    mix: &mut Mix,
    owner: &str,
) {
    let took = Duration::seconds(i64::try_from(mix.below(900).saturating_add(20)).unwrap_or(60));
    record.status = status;
    record.attempt = if status == EventStatus::Completed && mix.below(6) == 0 {
        2
    } else {
        1
    };
    record.started_at = Some(*clock);
    record.actor = Some(if mix.below(3) == 0 {
        "platform-ci".to_string()
    } else {
        owner.to_string()
    });
    if !event.is_decision() {
        record.execution_arn = Some(format!(
            "arn:aws:states:eu-west-1:111122223333:execution:amiboard-demo:{}",
            mix.hex(12)
        ));
    }
    if status != EventStatus::InProgress {
        *clock = clock.checked_add_signed(took).unwrap_or(*clock);
        record.finished_at = Some(*clock);
    }
    match (event, status) {
        (EventKind::VulnerabilityScans, EventStatus::Completed | EventStatus::Failed) => {
            let counts = VulnerabilityCounts {
                critical: u32::from(status == EventStatus::Failed),
                high: u32::try_from(mix.below(3)).unwrap_or(0),
                medium: u32::try_from(mix.below(8)).unwrap_or(0),
                low: u32::try_from(mix.below(20)).unwrap_or(0),
                informational: u32::try_from(mix.below(5)).unwrap_or(0),
            };
            record.outputs.vulnerabilities = Some(counts);
        }
        (EventKind::QaCertificationRequest, EventStatus::Completed) => {
            record.outputs.export_location = Some(format!(
                "s3://amiboard-demo-exports/exports/{}.vmdk",
                mix.hex(12)
            ));
        }
        (EventKind::QaCertificationResponse, EventStatus::Completed) => {
            record.reason = Some("Certified by QA: regression suite green".to_string());
        }
        (EventKind::QaCertificationResponse, EventStatus::Failed) => {
            record.reason = Some("Rejected: login page regression".to_string());
        }
        (EventKind::MarkForProduction, EventStatus::Completed) => {
            record.outputs.backup_object = Some(format!(
                "s3://amiboard-demo-backups/ami-{}.bin",
                mix.hex(17)
            ));
        }
        (EventKind::SmokeTests, EventStatus::Completed) => {
            record.outputs.run_command_id = Some(format!(
                "{}-{}-{}-{}-{}",
                mix.hex(8),
                mix.hex(4),
                mix.hex(4),
                mix.hex(4),
                mix.hex(12)
            ));
        }
        (_, EventStatus::Failed) => {
            record.reason = Some(format!("{} reported failures", event.label()));
        }
        (_, EventStatus::Error) => {
            record.reason = Some("States.Timeout: execution timed out".to_string());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed leaves nothing running, and changes nothing else: every
    /// other record is the demo lifecycle's.
    #[test]
    fn seeded_lifecycles_have_no_running_event_and_keep_the_rest() {
        let now = Utc::now();
        let mut were_running = 0;
        for i in 0..400 {
            let demo = demo_lifecycle(i, "main", i + 1, now);
            let seeded = seeded_lifecycle(i, "main", i + 1, now);
            assert!(seeded.running().is_none(), "lifecycle {i} runs");
            let pairs = demo.creation.iter().zip(&seeded.creation);
            for (d, s) in pairs {
                if d.status == EventStatus::InProgress {
                    were_running += 1;
                    assert_eq!(s.status, EventStatus::NotStarted);
                    assert!(s.execution_arn.is_none() && s.started_at.is_none());
                } else {
                    assert_eq!(d, s);
                }
            }
            assert_eq!(demo.patches, seeded.patches);
        }
        assert!(
            were_running > 0,
            "the demo data has running events to settle"
        );
    }

    /// A backup is of an AMI its stage built (the object CreateStoreImageTask
    /// writes is named after the AMI), never of an unrelated id.
    #[test]
    fn each_backup_is_named_after_an_ami_of_its_stage() {
        let now = Utc::now();
        let mut backups = 0;
        for i in 0..400 {
            let lc = demo_lifecycle(i, "main", i + 1, now);
            let mut stages = vec![lc.creation.as_slice()];
            stages.extend(lc.patches.iter().map(|c| c.events.as_slice()));
            for events in stages {
                let amis: Vec<&str> = events[0]
                    .outputs
                    .amis
                    .iter()
                    .map(|a| a.ami_id.as_str())
                    .collect();
                for record in events {
                    if let Some(object) = &record.outputs.backup_object {
                        backups += 1;
                        assert!(
                            amis.iter()
                                .any(|a| object == &format!("s3://amiboard-demo-backups/{a}.bin")),
                            "lifecycle {i}: {object} is not one of {amis:?}"
                        );
                    }
                }
            }
        }
        assert!(backups > 20, "the demo data has backups: {backups}");
    }
}
