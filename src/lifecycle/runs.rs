//! The runs of one event across a lifecycle: one per cycle (creation,
//! patch-N) and attempt (the current one and the earlier ones a record
//! keeps). `logs --cycle --attempt` and the dashboard's `l` pick from here.

use chrono::{DateTime, Utc};

use super::{Attempt, EventKind, EventRecord, EventRef, EventStatus, Lifecycle, Stage};

/// One run of an event: an attempt in one cycle, as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub at: EventRef,
    pub attempt: u32,
    pub status: EventStatus,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub execution_arn: Option<String>,
    /// The record's current attempt (an earlier one keeps no outputs).
    pub current: bool,
}

impl Run {
    /// The record's current attempt as a run.
    pub fn of_record(at: EventRef, record: &EventRecord) -> Self {
        Self {
            at,
            attempt: record.attempt,
            status: record.status,
            reason: record.reason.clone(),
            actor: record.actor.clone(),
            started_at: record.started_at,
            finished_at: record.finished_at,
            execution_arn: record.execution_arn.clone(),
            current: true,
        }
    }

    fn of_attempt(at: EventRef, attempt: &Attempt) -> Self {
        Self {
            at,
            attempt: attempt.attempt,
            status: attempt.status,
            reason: attempt.reason.clone(),
            actor: attempt.actor.clone(),
            started_at: attempt.started_at,
            finished_at: attempt.finished_at,
            execution_arn: attempt.execution_arn.clone(),
            current: false,
        }
    }
}

/// A cycle's name as the CLI spells it: `creation` or `patch-N`.
pub fn cycle_name(stage: Stage) -> String {
    match stage {
        Stage::Creation => "creation".to_string(),
        Stage::Patch(n) => format!("patch-{n}"),
    }
}

/// Reads `creation` or `patch-N` (case-insensitive; `patchN` too).
pub fn parse_cycle(text: &str) -> Option<Stage> {
    let text = text.trim().to_ascii_lowercase();
    if text == "creation" {
        return Some(Stage::Creation);
    }
    let n = text.strip_prefix("patch")?;
    let n = n.strip_prefix('-').unwrap_or(n);
    n.parse::<u32>().ok().filter(|n| *n > 0).map(Stage::Patch)
}

/// The attempts of one event in one cycle, oldest first: the earlier ones
/// the record kept, then its current one (none while it never started).
pub fn attempts(at: EventRef, record: &EventRecord) -> Vec<Run> {
    let mut runs: Vec<Run> = record
        .history
        .iter()
        .map(|a| Run::of_attempt(at, a))
        .collect();
    if record.attempt > 0 {
        runs.push(Run::of_record(at, record));
    }
    runs
}

/// Every cycle in which `event` has run, oldest first, with its attempts.
pub fn cycles_that_ran(lc: &Lifecycle, event: EventKind) -> Vec<(Stage, Vec<Run>)> {
    lc.all_records()
        .filter(|(at, _)| at.event == event)
        .map(|(at, record)| (at.stage, attempts(at, record)))
        .filter(|(_, runs)| !runs.is_empty())
        .collect()
}

/// Why a pick of a run is wrong; each names what exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    #[error("{event} has not run in any cycle of this lifecycle")]
    NeverRan { event: EventKind },
    #[error("{event} did not run in cycle {asked}; it ran in {}", ran_in(.available))]
    NoSuchCycle {
        event: EventKind,
        asked: String,
        available: Vec<(String, Vec<u32>)>,
    },
    #[error("{event} ({cycle}) has no attempt {asked}; it has {}", list(.available))]
    NoSuchAttempt {
        event: EventKind,
        cycle: String,
        asked: u32,
        available: Vec<u32>,
    },
}

fn list(attempts: &[u32]) -> String {
    let words: Vec<String> = attempts.iter().map(|a| format!("attempt {a}")).collect();
    words.join(", ")
}

fn ran_in(cycles: &[(String, Vec<u32>)]) -> String {
    let words: Vec<String> = cycles
        .iter()
        .map(|(cycle, attempts)| format!("{cycle} ({})", list(attempts)))
        .collect();
    words.join(", ")
}

/// Picks one run of `event`: in `cycle` (default: the newest cycle in
/// which it ran), attempt `attempt` (default: the newest). An event that
/// never ran anywhere, with neither named, is its current record's
/// not-started run in the cycle [`super::rules::resolve_event`] picks.
pub fn pick_run(
    lc: &Lifecycle,
    event: EventKind,
    cycle: Option<Stage>,
    attempt: Option<u32>,
) -> Result<Run, PickError> {
    let cycles = cycles_that_ran(lc, event);
    let available = || {
        cycles
            .iter()
            .map(|(stage, runs)| (cycle_name(*stage), runs.iter().map(|r| r.attempt).collect()))
            .collect::<Vec<_>>()
    };
    let runs = match cycle {
        Some(stage) => match cycles.iter().find(|(s, _)| *s == stage) {
            Some((_, runs)) => runs,
            None if cycles.is_empty() => return Err(PickError::NeverRan { event }),
            None => {
                return Err(PickError::NoSuchCycle {
                    event,
                    asked: cycle_name(stage),
                    available: available(),
                });
            }
        },
        None => match cycles.last() {
            Some((_, runs)) => runs,
            None if attempt.is_some() => return Err(PickError::NeverRan { event }),
            None => {
                let at = super::rules::resolve_event(lc, event, None);
                return lc
                    .record(at)
                    .map(|record| Run::of_record(at, record))
                    .ok_or(PickError::NeverRan { event });
            }
        },
    };
    let picked = match attempt {
        Some(n) => runs.iter().find(|r| r.attempt == n),
        None => runs.last(),
    };
    picked.cloned().ok_or_else(|| PickError::NoSuchAttempt {
        event,
        cycle: runs
            .first()
            .map_or_else(String::new, |r| cycle_name(r.at.stage)),
        asked: attempt.unwrap_or_default(),
        available: runs.iter().map(|r| r.attempt).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{Bump, PatchCycle};
    use chrono::Duration;

    fn later(now: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
        now.checked_add_signed(by).expect("a time")
    }

    fn ran_twice_then_patched() -> Lifecycle {
        let now = Utc::now();
        let mut lc = Lifecycle::new("lc-1", "main", "web", "1.0", "alice", now);
        let smoke = &mut lc.creation[1];
        smoke.claim("alice", 1, now);
        smoke.execution_arn = Some("arn:first".into());
        smoke.status = EventStatus::Failed;
        smoke.reason = Some("smoke test failed".into());
        smoke.claim("bob", 2, later(now, Duration::seconds(30)));
        smoke.execution_arn = Some("arn:second".into());
        smoke.status = EventStatus::Completed;
        lc.patches.push(PatchCycle {
            number: 1,
            bump: Bump::Patch,
            parent_ami_id: "ami-1".into(),
            parent_semver: "1.0.0".into(),
            semver: "1.0.1".into(),
            component: None,
            description: None,
            created_at: now,
            actor: None,
            events: Lifecycle::empty_patch_events(),
        });
        let patch = lc
            .record_mut(EventRef {
                stage: Stage::Patch(1),
                event: EventKind::SmokeTests,
            })
            .expect("a patch smoke test");
        patch.claim("alice", 1, later(now, Duration::hours(1)));
        patch.execution_arn = Some("arn:patch".into());
        lc
    }

    #[test]
    fn cycles_read_and_print_as_the_cli_spells_them() {
        assert_eq!(parse_cycle("creation"), Some(Stage::Creation));
        assert_eq!(parse_cycle("patch-2"), Some(Stage::Patch(2)));
        assert_eq!(parse_cycle("PATCH3"), Some(Stage::Patch(3)));
        assert_eq!(parse_cycle("patch-0"), None);
        assert_eq!(parse_cycle("build"), None);
        assert_eq!(cycle_name(Stage::Patch(4)), "patch-4");
    }

    #[test]
    fn the_default_is_the_newest_cycle_that_ran_and_its_newest_attempt() {
        let lc = ran_twice_then_patched();
        let run = pick_run(&lc, EventKind::SmokeTests, None, None).expect("a run");
        assert_eq!(run.at.stage, Stage::Patch(1));
        assert_eq!(run.execution_arn.as_deref(), Some("arn:patch"));
        let run = pick_run(&lc, EventKind::SmokeTests, Some(Stage::Creation), None).expect("run");
        assert_eq!((run.attempt, run.current), (2, true));
        assert_eq!(run.execution_arn.as_deref(), Some("arn:second"));
    }

    #[test]
    fn an_earlier_attempt_is_reachable_with_its_recorded_outcome() {
        let lc = ran_twice_then_patched();
        let run = pick_run(&lc, EventKind::SmokeTests, Some(Stage::Creation), Some(1))
            .expect("the first try");
        assert_eq!(run.attempt, 1);
        assert!(!run.current);
        assert_eq!(run.status, EventStatus::Failed);
        assert_eq!(run.reason.as_deref(), Some("smoke test failed"));
        assert_eq!(run.execution_arn.as_deref(), Some("arn:first"));
    }

    #[test]
    fn a_wrong_pick_names_the_cycles_and_attempts_that_exist() {
        let lc = ran_twice_then_patched();
        let err = pick_run(&lc, EventKind::SmokeTests, Some(Stage::Patch(7)), None)
            .expect_err("no patch-7");
        assert_eq!(
            err.to_string(),
            "SMOKE_TESTS did not run in cycle patch-7; it ran in creation (attempt 1, attempt 2), patch-1 (attempt 1)"
        );
        let err = pick_run(&lc, EventKind::SmokeTests, Some(Stage::Creation), Some(3))
            .expect_err("no attempt 3");
        assert_eq!(
            err.to_string(),
            "SMOKE_TESTS (creation) has no attempt 3; it has attempt 1, attempt 2"
        );
        let err = pick_run(&lc, EventKind::VulnerabilityScans, None, Some(1)).expect_err("never");
        assert_eq!(
            err,
            PickError::NeverRan {
                event: EventKind::VulnerabilityScans
            }
        );
    }

    #[test]
    fn an_event_that_never_ran_is_its_not_started_record() {
        let lc = ran_twice_then_patched();
        let run = pick_run(&lc, EventKind::VulnerabilityScans, None, None).expect("the record");
        assert_eq!(run.status, EventStatus::NotStarted);
        assert_eq!(run.attempt, 0);
    }
}
