//! A claim's execution found by its deterministic name, for when its ARN is
//! missing or a reply was lost (killed after StartExecution, a slow reply,
//! a failed write of the ARN). The start path, `reconcile` and the watcher
//! look it up here and adopt what they find, so one attempt has one
//! execution and it is always known.

use super::execution_input::execution_name;
use super::workflows::Workflow;
use super::{Context, OpError};
use crate::aws::AwsError;
use crate::aws::sfn::{Execution, execution_arn};
use crate::lifecycle::{EventRef, EventStatus, Lifecycle};

/// What a lookup by name found.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The execution exists (running or ended).
    Found(Execution),
    /// No execution has that name.
    Missing { arn: String },
    /// Step Functions could not be asked (a timeout, throttling, an
    /// outage): whether it exists is unknown; keep the claim, ask again.
    Unknown { arn: String, error: AwsError },
}

/// The ARN the execution of `target`'s `attempt` on `lifecycle_id` has by
/// name: `arn:aws:states:<region>:<account>:execution:<machine>:<name>`.
/// `None` for the QA decision, which runs no workflow.
pub fn named_arn(
    prefix: &str,
    region: &str,
    account: &str,
    lifecycle_id: &str,
    target: EventRef,
    attempt: u32,
) -> Option<String> {
    let machine = Workflow::for_event(target.event)?.machine_arn(prefix, region, account);
    Some(execution_arn(
        &machine,
        &execution_name(lifecycle_id, target, attempt),
    ))
}

/// The ARN of the running claim of `lc` by name (asks STS for the account).
pub async fn running_claim_arn(ctx: &Context, lc: &Lifecycle) -> Result<Option<String>, OpError> {
    let Some((target, record)) = lc.running() else {
        return Ok(None);
    };
    let account = ctx.identity.who_am_i().await?.account;
    Ok(named_arn(
        &ctx.config.prefix,
        &ctx.target.region,
        &account,
        &lc.lifecycle_id,
        target,
        record.attempt,
    ))
}

/// DescribeExecution of `arn`, sorted into found, missing and unknown.
pub async fn look_up(ctx: &Context, arn: &str) -> Lookup {
    match ctx.executions.describe(arn).await {
        Ok(execution) => Lookup::Found(execution),
        Err(err) if err.is_missing_resource() => Lookup::Missing {
            arn: arn.to_string(),
        },
        Err(error) => Lookup::Unknown {
            arn: arn.to_string(),
            error,
        },
    }
}

/// Writes `arn` on the claim of `target` when it is still this `attempt`,
/// IN_PROGRESS or already ended by its workflow, and has no ARN yet (a
/// conditional save, read again on a conflict). Returns the lifecycle as
/// stored.
pub async fn adopt(
    ctx: &Context,
    mut lc: Lifecycle,
    target: EventRef,
    attempt: u32,
    arn: &str,
) -> Result<Lifecycle, OpError> {
    for _ in 0..6 {
        let Some(record) = lc.record_mut(target).filter(|r| {
            r.attempt == attempt && r.execution_arn.is_none() && r.status != EventStatus::NotStarted
        }) else {
            return Ok(lc);
        };
        record.execution_arn = Some(arn.to_string());
        match ctx.store.save(&lc).await {
            Ok(saved) => return Ok(saved),
            Err(AwsError::Conflict { .. }) => lc = ctx.store.get(&lc.lifecycle_id).await?,
            Err(err) => return Err(err.into()),
        }
    }
    Err(AwsError::Conflict {
        resource: format!("lifecycle {}", lc.lifecycle_id),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::named_arn;
    use crate::lifecycle::{EventKind, EventRef, Stage};

    #[test]
    fn the_name_gives_the_arn_of_the_state_machine_of_the_event() {
        let at = EventRef {
            stage: Stage::Patch(2),
            event: EventKind::SmokeTests,
        };
        let arn = named_arn("p-", "eu-west-1", "123456789012", "lc-1", at, 3).expect("an ARN");
        assert!(
            arn.starts_with("arn:aws:states:eu-west-1:123456789012:execution:p-"),
            "{arn}"
        );
        let name = crate::ops::execution_input::execution_name("lc-1", at, 3);
        let machine = crate::ops::workflows::Workflow::SmokeTests.machine_name("p-");
        assert!(arn.ends_with(&format!(":{machine}:{name}")), "{arn}");
        let qa = EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationResponse,
        };
        assert_eq!(named_arn("p-", "r", "1", "lc-1", qa, 1), None);
    }
}
