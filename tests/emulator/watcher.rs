//! The execution watcher against moto: an execution aborted (StopExecution)
//! under a lifecycle whose timeline nobody has open is ERROR within 10 s in
//! the dashboard's list row (the real update() and runner, the clock ticking
//! as the event loop's does), in `show --json` (read-only: shown, not
//! written) and in `list --json` (recorded with reconcile's write).

use std::time::{Duration, Instant};

use amiboard::app::state::{Load, State};
use amiboard::lifecycle::execution::RunStatus;
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::Context;
use chrono::Utc;

use crate::dashboard::{self, run_until};
use crate::support::TestEnv;
use crate::workflows::{create, creation, inject, ready};

const STACK: &str = "watch";

/// Waits until the lifecycle's build has an execution; returns its ARN.
pub(crate) async fn execution_of(ctx: &Context, id: &str) -> String {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let lc = ctx.store.get(id).await.expect("get");
        let record = lc.record(creation(EventKind::AmiBuild)).expect("build");
        if let Some(arn) = record.execution_arn.clone() {
            assert_eq!(record.status, EventStatus::InProgress, "{record:?}");
            return arn;
        }
        assert!(
            Instant::now() < deadline,
            "no execution recorded after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn abort(ctx: &Context, arn: &str) {
    ctx.sdk()
        .expect("sdk")
        .clients
        .sfn
        .stop_execution()
        .execution_arn(arn)
        .error("Operator.Stop")
        .cause("stopped by the watcher test")
        .send()
        .await
        .expect("StopExecution");
}

/// What DescribeExecution says of an aborted execution, as the event's
/// reason gives it. (moto drops StopExecution's error and cause, which AWS
/// keeps: on the emulator both read "no error: no cause".)
async fn said(ctx: &Context, arn: &str) -> String {
    let execution = ctx.executions.describe(arn).await.expect("describe");
    assert_eq!(execution.status, RunStatus::Aborted);
    format!(
        "execution ABORTED: {}: {}",
        execution.error.as_deref().unwrap_or("no error"),
        execution.cause.as_deref().unwrap_or("no cause")
    )
}

/// The build's status and reason in a lifecycle as `show --json` prints it.
fn build_of(value: serde_json::Value) -> (EventStatus, String) {
    let lc: Lifecycle = serde_json::from_value(value).expect("a lifecycle");
    let record = lc.record(creation(EventKind::AmiBuild)).expect("build");
    (record.status, record.reason.clone().unwrap_or_default())
}

/// Runs `args` until the build says ERROR; returns the reason and how long.
fn until_error(env: &TestEnv, args: &[&str], read_only: bool, id: &str) -> (String, Duration) {
    let started = Instant::now();
    loop {
        let mut cmd = env.cmd();
        if read_only {
            cmd.env("AMIBOARD_READ_ONLY", "1");
        }
        let out = cmd.args(args).output().expect("run amiboard");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let lc = match value.as_array() {
            Some(all) => all
                .iter()
                .find(|l| l["lifecycle_id"] == id)
                .expect("listed")
                .clone(),
            None => value,
        };
        let (status, reason) = build_of(lc);
        if status == EventStatus::Error {
            return (reason, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} still says {status:?} after 10 s"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aborted_execution_is_error_everywhere_within_ten_seconds() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    // Both builds stay BUILDING: their executions keep running until aborted.
    inject(&env, &ctx, "emulator:hang-builds", 2).await;
    let in_dashboard = create(&env, STACK, &[]);
    let on_the_command_line = create(&env, STACK, &[]);
    let first = execution_of(&ctx, &in_dashboard).await;
    let second = execution_of(&ctx, &on_the_command_line).await;

    // The dashboard, on the list (no timeline open), loaded with both.
    let loaded = |s: &State| matches!(s.load, Load::Loaded { .. }) && s.rows.len() == 2;
    let (mut state, runner, mut rx) = dashboard::open(
        &env.config(),
        env.context().await,
        &dashboard::on(STACK),
        loaded,
    )
    .await;

    abort(&ctx, &first).await;
    let row_error = |s: &State| {
        s.by_id
            .get(in_dashboard.as_str())
            .is_some_and(|i| s.rows[*i].status == EventStatus::Error)
    };
    let to_row = run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(10),
        row_error,
    )
    .await
    .expect("the list row says ERROR within 10 s");
    assert!(state.screens.len() == 1, "no timeline was opened");
    let stored = ctx.store.get(&in_dashboard).await.expect("get");
    let record = stored.record(creation(EventKind::AmiBuild)).expect("build");
    assert_eq!(record.status, EventStatus::Error, "recorded by reconcile");
    let reason = record.reason.clone().unwrap_or_default();
    assert_eq!(
        reason,
        said(&ctx, &first).await,
        "the execution's error and cause"
    );
    drop(runner);

    // The command line: read-only `show` shows it without writing ...
    abort(&ctx, &second).await;
    let (reason, to_show) = until_error(
        &env,
        &["show", &on_the_command_line, "--json"],
        true,
        &on_the_command_line,
    );
    assert_eq!(
        reason,
        format!("{} (not recorded: read-only)", said(&ctx, &second).await)
    );
    let stored = ctx.store.get(&on_the_command_line).await.expect("get");
    assert_eq!(
        stored
            .record(creation(EventKind::AmiBuild))
            .expect("build")
            .status,
        EventStatus::InProgress,
        "read-only wrote nothing"
    );
    // ... and `list` records it.
    let (reason, to_list) = until_error(
        &env,
        &["list", "--stack-tag", STACK, "--json"],
        false,
        &on_the_command_line,
    );
    assert_eq!(reason, said(&ctx, &second).await);
    let stored = ctx.store.get(&on_the_command_line).await.expect("get");
    assert_eq!(
        stored
            .record(creation(EventKind::AmiBuild))
            .expect("build")
            .status,
        EventStatus::Error,
        "list recorded it"
    );
    eprintln!("watcher: list row ERROR after {to_row:?}, show {to_show:?}, list {to_list:?}");
}

/// A claim on a state machine that is not there (demo data, a deleted
/// deployment) cannot be checked, but it no longer stops the check of the
/// others: the aborted execution beside it is still found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_state_machine_does_not_hide_the_others_broken_executions() {
    use amiboard::ops::watcher::{Claim, find_broken};
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:hang-builds", 1).await;
    let id = create(&env, STACK, &[]);
    let arn = execution_of(&ctx, &id).await;
    abort(&ctx, &arn).await;
    let real = Claim {
        lifecycle_id: id.clone(),
        target: creation(EventKind::AmiBuild),
        attempt: 1,
        execution_arn: Some(arn.clone()),
        started_at: Some(Utc::now() - chrono::Duration::minutes(5)),
    };
    let gone = Claim {
        lifecycle_id: "gone".into(),
        target: creation(EventKind::AmiBuild),
        attempt: 1,
        execution_arn: Some(
            "arn:aws:states:us-east-1:123456789012:execution:no-such-machine:gone-1".into(),
        ),
        started_at: Some(Utc::now()),
    };
    let broken = find_broken(&ctx, &[gone, real]).await.expect("checked");
    let found: Vec<&str> = broken
        .iter()
        .map(|b| b.claim.lifecycle_id.as_str())
        .collect();
    // The other machine's aborted run is found; the claim on the missing
    // machine is asked about on its own: its execution does not exist, so
    // it is lost, never shown running (issue 20).
    assert_eq!(found, vec!["gone", id.as_str()]);
    assert_eq!(broken[0].finding, amiboard::ops::watcher::Finding::Missing);
    assert_eq!(broken[1].status, RunStatus::Aborted);
}
