//! What a smoke test leaves behind when its execution ends without reaching
//! its own `TerminateInstance` (it was stopped, it ran out of time, or the
//! terminate call failed): the cleanup state machine finds the instances by
//! the tags the smoke test gives them (`Name` = its execution name,
//! `amiboard:lifecycle_id`) and terminates them. `reconcile`, and so the
//! dashboard's watcher, start it when they record such a run ERROR.

use serde_json::json;

use super::execution_input::execution_name;
use super::run::setting;
use super::workflows::Workflow;
use super::{Context, OpError};
use crate::lifecycle::{EventKind, EventRef, Lifecycle};

/// Execution names are at most 80 characters.
const MAX_NAME: usize = 80;

/// The name of the cleanup run for the smoke-test run `run`: deterministic,
/// so a second reconcile of the same run starts nothing new.
pub fn cleanup_name(run: &str) -> String {
    let tail = "-cleanup";
    let keep = MAX_NAME.saturating_sub(tail.len());
    format!("{}{tail}", run.chars().take(keep).collect::<String>())
}

/// Starts the cleanup of `lc`'s smoke-test run `target` (attempt
/// `attempt`), unless `target` is not a smoke test. Returns the sentence the
/// record's reason gets: what was started, or why nothing could be.
pub async fn after_lost_run(
    ctx: &Context,
    lc: &Lifecycle,
    target: EventRef,
    attempt: u32,
) -> Option<String> {
    if target.event != EventKind::SmokeTests {
        return None;
    }
    let run = execution_name(&lc.lifecycle_id, target, attempt);
    Some(match start(ctx, &lc.lifecycle_id, &run).await {
        Ok(arn) => format!("its smoke-test instances are being terminated (cleanup {arn})"),
        Err(err) => format!(
            "its smoke-test instances could not be cleaned up ({err}): terminate the instances tagged Name={run} by hand"
        ),
    })
}

async fn start(ctx: &Context, lifecycle_id: &str, run: &str) -> Result<String, OpError> {
    let s = setting(ctx).await?;
    let machine = Workflow::Cleanup.machine_arn(&s.prefix, &s.region, &s.account);
    let input = json!({ "lifecycle_id": lifecycle_id, "execution_name": run }).to_string();
    let started = ctx
        .executions
        .start(&machine, &cleanup_name(run), &input)
        .await?;
    Ok(started.arn)
}

#[cfg(test)]
mod tests {
    use super::cleanup_name;

    #[test]
    fn cleanup_names_fit_step_functions_and_are_deterministic() {
        assert_eq!(cleanup_name("abc-c-smoke-1"), "abc-c-smoke-1-cleanup");
        let long = "x".repeat(100);
        let name = cleanup_name(&long);
        assert_eq!(name.len(), 80);
        assert!(name.ends_with("-cleanup"));
        assert_eq!(name, cleanup_name(&long));
    }
}
