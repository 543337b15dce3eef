//! The execution watcher: finds IN_PROGRESS events whose Step Functions
//! execution already ended FAILED, TIMED_OUT or ABORTED, cheaply: per state
//! machine one `ListExecutions` per broken status (filtered by status, newest
//! first, down to the oldest running claim of that machine), never one call
//! per lifecycle. Only the few executions found are described (for their
//! error and cause). Recording them ERROR is `reconcile`'s conditional write,
//! so a result the workflow recorded meanwhile wins.
//!
//! The dashboard runs it on the clock for every loaded lifecycle; `list` and
//! `show` run it for what they print. In read-only mode nothing is written:
//! the broken event is shown ERROR from the execution ([`Broken::apply`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::by_name::{Lookup, look_up, named_arn};
use super::{Context, OpError, Outcome};
use crate::lifecycle::execution::RunStatus;
use crate::lifecycle::{EventRef, EventStatus, LOST, Lifecycle};

/// The statuses of an execution that ended without its workflow recording a result.
pub const BROKEN: [RunStatus; 3] = [RunStatus::Failed, RunStatus::TimedOut, RunStatus::Aborted];

/// How far before the oldest claim the listing reaches (clock skew between
/// the claim's writer and Step Functions).
const SKEW_SECONDS: i64 = 300;

/// How long an IN_PROGRESS event may have no execution before it counts as
/// lost (the start path writes the ARN within seconds).
pub const CLAIM_GRACE_SECONDS: i64 = 120;

/// One running event with its execution (`None`: no ARN recorded yet; the
/// execution is then looked up by its deterministic name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub lifecycle_id: String,
    pub target: EventRef,
    pub attempt: u32,
    pub execution_arn: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
}

impl Claim {
    /// The running event of `lc`, with or without its execution's ARN.
    pub fn of(lc: &Lifecycle) -> Option<Claim> {
        let (target, record) = lc.running()?;
        Some(Claim {
            lifecycle_id: lc.lifecycle_id.clone(),
            target,
            attempt: record.attempt,
            execution_arn: record.execution_arn.clone(),
            started_at: record.started_at,
        })
    }

    /// What names this claim's run: its execution ARN, else the
    /// lifecycle, event and attempt.
    pub fn key(&self) -> String {
        self.execution_arn.clone().unwrap_or_else(|| {
            format!("{} {} try {}", self.lifecycle_id, self.target, self.attempt)
        })
    }
}

/// What the watcher found of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The execution ended FAILED, TIMED_OUT or ABORTED.
    Ended,
    /// The claim had no ARN and its execution was found by name (in any
    /// status): `reconcile` adopts it.
    FoundByName { arn: String },
    /// The execution does not exist: the run is lost.
    Missing,
}

/// A claim whose execution ended broken, is lost, or was found by name,
/// with what Step Functions says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub claim: Claim,
    pub finding: Finding,
    /// The execution's status (`Other` when it does not exist).
    pub status: RunStatus,
    pub stopped_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl Broken {
    /// The sentence `reconcile` records as the event's reason.
    pub fn reason(&self) -> String {
        match &self.finding {
            Finding::Missing => format!("{LOST}its execution {} does not exist", self.claim.key()),
            Finding::FoundByName { arn } if !self.status.is_broken() => {
                format!("execution {arn} found by name, {}", self.status.name())
            }
            Finding::Ended | Finding::FoundByName { .. } => format!(
                "execution {}: {}: {}",
                self.status.name(),
                self.error.as_deref().unwrap_or("no error"),
                self.cause.as_deref().unwrap_or("no cause")
            ),
        }
    }

    /// Whether the run ended (or is lost) without its result: shown ERROR.
    pub fn ended(&self) -> bool {
        self.finding == Finding::Missing || self.status.is_broken()
    }

    /// Shows the event ERROR in `lc` without writing anything (read-only
    /// mode), when it is still this claim's IN_PROGRESS attempt. Returns
    /// whether it did.
    pub fn apply(&self, lc: &mut Lifecycle) -> bool {
        if lc.lifecycle_id != self.claim.lifecycle_id || !self.ended() {
            return false;
        }
        let reason = self.reason();
        let Some(record) = lc.record_mut(self.claim.target).filter(|r| {
            r.status == EventStatus::InProgress
                && r.attempt == self.claim.attempt
                && r.execution_arn == self.claim.execution_arn
        }) else {
            return false;
        };
        record.status = EventStatus::Error;
        record.finished_at = self.stopped_at;
        record.reason = Some(format!("{reason} (not recorded: read-only)"));
        true
    }
}

/// The state machine an execution ARN belongs to
/// (`...:execution:<machine>:<name>` -> `...:stateMachine:<machine>`).
pub fn machine_of(execution_arn: &str) -> Option<String> {
    let (machine, _name) = execution_arn.rsplit_once(':')?;
    machine
        .contains(":execution:")
        .then(|| machine.replacen(":execution:", ":stateMachine:", 1))
}

/// The claims whose executions ended FAILED, TIMED_OUT or ABORTED: per state
/// machine with claims, one filtered `ListExecutions` per broken status and
/// one for RUNNING, then `DescribeExecution` for the matches and for the
/// claims in neither list (a missing execution is lost). Claims without an
/// ARN are looked up by name ([`by_name`](super::by_name)).
pub async fn find_broken(ctx: &Context, claims: &[Claim]) -> Result<Vec<Broken>, OpError> {
    let mut broken = unrecorded(ctx, claims).await;
    // Per machine: the oldest claim (None: one without a start time, list all).
    let mut machines: BTreeMap<String, Option<DateTime<Utc>>> = BTreeMap::new();
    for claim in claims {
        let Some(machine) = claim.execution_arn.as_deref().and_then(machine_of) else {
            continue;
        };
        let since = claim
            .started_at
            .and_then(|s| s.checked_sub_signed(ChronoDuration::seconds(SKEW_SECONDS)));
        machines
            .entry(machine)
            .and_modify(|oldest| {
                *oldest = match (*oldest, since) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    _ => None,
                }
            })
            .or_insert(since);
    }
    let mut ended = BTreeSet::new();
    let mut running = BTreeSet::new();
    let mut unlisted = BTreeSet::new();
    for (machine, since) in &machines {
        let since = since.unwrap_or(DateTime::UNIX_EPOCH);
        for status in BROKEN.into_iter().chain([RunStatus::Running]) {
            match ctx.executions.list_in_status(machine, status, since).await {
                Ok(found) if status == RunStatus::Running => running.extend(found),
                Ok(found) => ended.extend(found),
                // A machine that is not there (demo data, a deleted
                // deployment) cannot say anything of its claims; the
                // other machines are still checked.
                Err(err) if err.is_missing_resource() => {
                    tracing::warn!(%machine, error = %err, "running executions of a missing state machine not checked");
                    unlisted.insert(machine.clone());
                    break;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    for claim in claims {
        let Some(arn) = claim.execution_arn.as_deref() else {
            continue;
        };
        let listed = machine_of(arn).is_some_and(|m| !unlisted.contains(&m));
        if running.contains(arn) {
            continue;
        }
        // Neither running nor broken: it may have just succeeded (its
        // result is on its way) or not exist any more. A claim on a machine
        // that could not be listed (demo data, a deleted deployment) is
        // asked about on its own: an execution that does not exist is
        // never shown as running.
        let execution = match ctx.executions.describe(arn).await {
            Ok(execution) => execution,
            Err(err) if err.is_missing_resource() && !ended.contains(arn) => {
                broken.push(missing(claim));
                continue;
            }
            Err(err) if !listed => {
                tracing::warn!(%arn, error = %err, "execution of an unlisted machine not read");
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        if !execution.status.is_broken() {
            continue;
        }
        broken.push(Broken {
            claim: claim.clone(),
            finding: Finding::Ended,
            status: execution.status,
            stopped_at: execution.stopped_at,
            error: execution.error,
            cause: execution.cause,
        });
    }
    Ok(broken)
}

/// A claim whose execution does not exist.
fn missing(claim: &Claim) -> Broken {
    Broken {
        claim: claim.clone(),
        finding: Finding::Missing,
        status: RunStatus::Other,
        stopped_at: None,
        error: None,
        cause: None,
    }
}

/// The claims without an ARN whose execution is found by name (to adopt),
/// or, past the grace period, is missing. A lookup that fails says nothing:
/// the next round asks again.
async fn unrecorded(ctx: &Context, claims: &[Claim]) -> Vec<Broken> {
    let bare: Vec<&Claim> = claims
        .iter()
        .filter(|c| c.execution_arn.is_none())
        .collect();
    if bare.is_empty() {
        return Vec::new();
    }
    let account = match ctx.identity.who_am_i().await {
        Ok(identity) => identity.account,
        Err(err) => {
            tracing::warn!(error = %err, "claims without an execution ARN not looked up");
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for claim in bare {
        let past_grace = claim.started_at.is_some_and(|s| {
            Utc::now().signed_duration_since(s).num_seconds() > CLAIM_GRACE_SECONDS
        });
        let Some(arn) = named_arn(
            &ctx.config.prefix,
            &ctx.target.region,
            &account,
            &claim.lifecycle_id,
            claim.target,
            claim.attempt,
        ) else {
            // No workflow runs this event: no execution can ever be found.
            if past_grace {
                found.push(missing(claim));
            }
            continue;
        };
        match look_up(ctx, &arn).await {
            Lookup::Found(execution) => found.push(Broken {
                claim: claim.clone(),
                finding: Finding::FoundByName { arn },
                status: execution.status,
                stopped_at: execution.stopped_at,
                error: execution.error,
                cause: execution.cause,
            }),
            Lookup::Missing { .. } if past_grace => found.push(missing(claim)),
            Lookup::Missing { .. } => {}
            Lookup::Unknown { error, .. } => {
                tracing::warn!(%arn, %error, "execution unknown, will check again");
            }
        }
    }
    found
}

/// Records each broken claim ERROR with `reconcile`'s conditional write (a
/// result recorded meanwhile wins). Refused in read-only mode.
pub async fn record(ctx: &Context, broken: &[Broken]) -> Result<Vec<Outcome>, OpError> {
    super::run::writable(ctx)?;
    let mut changed = Vec::new();
    for b in broken {
        changed.extend(super::observe::reconcile(ctx, Some(&b.claim.lifecycle_id)).await?);
    }
    Ok(changed)
}

/// What `list` and `show` do before printing: find the broken claims among
/// `lifecycles`, record them ERROR (read-write) or show them ERROR without
/// writing (read-only), and put the result in place. Returns how many
/// lifecycles changed.
pub async fn settle(ctx: &Context, lifecycles: &mut [Lifecycle]) -> Result<usize, OpError> {
    let claims: Vec<Claim> = lifecycles.iter().filter_map(Claim::of).collect();
    if claims.is_empty() {
        return Ok(0);
    }
    let broken = find_broken(ctx, &claims).await?;
    if broken.is_empty() {
        return Ok(0);
    }
    let mut count: usize = 0;
    if ctx.config.read_only {
        for b in &broken {
            for lc in lifecycles.iter_mut() {
                if b.apply(lc) {
                    count = count.saturating_add(1);
                }
            }
        }
        return Ok(count);
    }
    for outcome in record(ctx, &broken).await? {
        let saved = outcome.lifecycle;
        if let Some(lc) = lifecycles
            .iter_mut()
            .find(|l| l.lifecycle_id == saved.lifecycle_id)
        {
            *lc = saved;
            count = count.saturating_add(1);
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::machine_of;

    #[test]
    fn machine_of_an_execution_arn() {
        assert_eq!(
            machine_of("arn:aws:states:us-east-1:123456789012:execution:p-ami-build:run-1")
                .as_deref(),
            Some("arn:aws:states:us-east-1:123456789012:stateMachine:p-ami-build")
        );
        assert_eq!(machine_of("not-an-arn"), None);
        assert_eq!(
            machine_of("arn:aws:states:us-east-1:1:stateMachine:m"),
            None
        );
    }
}
