//! Trust (issue 19), item 2 on the emulator: one execution per attempt,
//! always known. A lost start reply with a lookup that fails too, a start
//! killed before its ARN was written (repaired by `reconcile` and by the
//! dashboard's watcher), and an execution that no longer exists (lost, not
//! running).

use std::time::{Duration, Instant};

use amiboard::app::runner::Runner;
use amiboard::app::state::{Load, State};
use amiboard::aws::client::Limits;
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::Context;
use amiboard::ops::by_name::named_arn;
use chrono::Utc;

use super::ACCOUNT;
use crate::dashboard::run_until;
use crate::fault_proxy::{Fault, FaultProxy};
use crate::faults::through;
use crate::support::{TestEnv, moto};
use crate::watcher::execution_of;
use crate::workflows::{completed, create, creation, inject, ready, settle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_02a_lost_start_reply_and_lookup_keep_the_claim() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "trust", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    let target = creation(EventKind::SmokeTests);

    let proxy = FaultProxy::start(&moto().url).await;
    let limits = Limits {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(1),
        operation: Duration::from_secs(2),
    };
    let mut slow = through(&env, &proxy, limits).await;
    slow.config.workflow_wait_seconds = 8;
    // The execution starts, its reply comes too late, and the lookup by
    // name does not answer either.
    proxy.inject(
        "StartExecution",
        Fault::DelayReply(Duration::from_secs(4)),
        None,
    );
    proxy.inject("DescribeExecution", Fault::Hang, None);
    let actor = format!("arn:aws:iam::{ACCOUNT}:user/tester");
    let err = amiboard::ops::trigger(&slow, &actor, &id, None)
        .await
        .expect_err("whether it started is unknown");
    let lc = ctx.store.get(&id).await.expect("get");
    let record = lc.record(target).expect("record");
    assert_eq!(
        record.status,
        EventStatus::InProgress,
        "the claim was put back while its execution runs: {:?}",
        record.reason
    );
    assert_eq!(record.attempt, 1);
    let text = err.to_string();
    assert!(text.contains("unknown, will check again"), "{text}");
    // The execution's result is recorded on the kept claim.
    let lc = settle(&ctx, &id, target).await;
    let record = lc.record(target).expect("record");
    assert!(
        matches!(record.status, EventStatus::Completed | EventStatus::Failed),
        "{record:?}"
    );
    assert_eq!(record.attempt, 1);
}

/// Runs `create` through a proxy that holds StartExecution's reply, and
/// kills the process once the execution exists: the build is claimed, its
/// execution runs (the build hangs), and no ARN was written. Returns the
/// lifecycle id and the execution's ARN by name.
async fn killed_create(env: &TestEnv, ctx: &Context, stack_tag: &str) -> (String, String) {
    inject(env, ctx, "emulator:hang-builds", 1).await;
    let proxy = FaultProxy::start(&moto().url).await;
    proxy.inject(
        "StartExecution",
        Fault::DelayReply(Duration::from_mins(1)),
        None,
    );
    let mut cmd = tokio::process::Command::from(env.cmd());
    cmd.env("AWS_ENDPOINT_URL", &proxy.url)
        .args([
            "create",
            "--stack-tag",
            stack_tag,
            "--product-name",
            "web",
            "--product-version",
            "3.2",
            "--yes",
        ])
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn amiboard create");
    let deadline = Instant::now() + Duration::from_mins(1);
    let (id, arn) = loop {
        assert!(Instant::now() < deadline, "no execution started in 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !proxy.seen().iter().any(|op| op == "StartExecution") {
            continue;
        }
        let listed = ctx
            .store
            .list_all(Some(stack_tag), &mut |_| {})
            .await
            .expect("list");
        let Some(lc) = listed.lifecycles.first() else {
            continue;
        };
        let arn = named_arn(
            &env.prefix,
            "us-east-1",
            ACCOUNT,
            &lc.lifecycle_id,
            creation(EventKind::AmiBuild),
            1,
        )
        .expect("a workflow");
        if ctx.executions.describe(&arn).await.is_ok() {
            break (lc.lifecycle_id.clone(), arn);
        }
    };
    child.start_kill().expect("kill");
    let _ = child.wait().await;
    let record = build(&ctx.store.get(&id).await.expect("get"));
    assert_eq!(record.0, EventStatus::InProgress);
    assert_eq!(record.1, None, "killed before the ARN was written");
    (id, arn)
}

/// The build's status and execution ARN.
fn build(lc: &Lifecycle) -> (EventStatus, Option<String>) {
    let record = lc.record(creation(EventKind::AmiBuild)).expect("build");
    (record.status, record.execution_arn.clone())
}

/// Moves the build's claim `seconds` into the past (as if the dashboard or
/// `reconcile` looked that much later).
async fn age_claim(ctx: &Context, id: &str, seconds: i64) {
    loop {
        let mut lc = ctx.store.get(id).await.expect("get");
        let record = lc.record_mut(creation(EventKind::AmiBuild)).expect("build");
        record.started_at = Some(Utc::now() - chrono::Duration::seconds(seconds));
        if ctx.store.save(&lc).await.is_ok() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_02b_killed_start_is_adopted_by_reconcile() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let (id, arn) = killed_create(&env, &ctx, "trustb").await;
    // Five minutes later, well past the grace period.
    age_claim(&ctx, &id, 300).await;
    let out = env.ok(&["reconcile", &id]);
    assert!(out.contains("adopted"), "{out}");
    let lc = ctx.store.get(&id).await.expect("get");
    assert_eq!(
        build(&lc),
        (EventStatus::InProgress, Some(arn.clone())),
        "{:?}",
        lc.record(creation(EventKind::AmiBuild))
            .and_then(|r| r.reason.clone())
    );
    // No second execution of the same event: a trigger is refused.
    let (code, _, err) = env.run(&["trigger", &id, "--yes"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("AMI_BUILD is running"), "{err}");
}

/// The dashboard on the list of `stack_tag` (read-write), loaded.
async fn dashboard(
    env: &TestEnv,
    stack_tag: &str,
) -> (
    State,
    Runner,
    tokio::sync::mpsc::UnboundedReceiver<amiboard::app::action::Action>,
) {
    let loaded = |s: &State| matches!(s.load, Load::Loaded { .. }) && s.rows.len() == 1;
    let ctx = env.context().await;
    crate::dashboard::open(&env.config(), ctx, &crate::dashboard::on(stack_tag), loaded).await
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_02c_the_dashboard_watcher_adopts_a_claim_without_an_arn() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let (id, arn) = killed_create(&env, &ctx, "trustc").await;
    let (mut state, runner, mut rx) = Box::pin(dashboard(&env, "trustc")).await;
    let adopted = |s: &State| {
        s.lifecycle(&id)
            .is_some_and(|lc| build(lc).1.as_deref() == Some(arn.as_str()))
    };
    let took = run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(15),
        adopted,
    )
    .await
    .expect("the watcher adopted the execution within its period");
    eprintln!("trust 2c: adopted {took:?} after the dashboard's first load");
    let stored = ctx.store.get(&id).await.expect("get");
    assert_eq!(build(&stored), (EventStatus::InProgress, Some(arn)));
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_02d_an_execution_that_no_longer_exists_is_lost_not_running() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:hang-builds", 1).await;
    let id = create(&env, "trustd", &[]);
    let real = execution_of(&ctx, &id).await;
    // The recorded execution is gone (past Step Functions' retention).
    let gone = format!("{real}-expired");
    loop {
        let mut lc = ctx.store.get(&id).await.expect("get");
        lc.record_mut(creation(EventKind::AmiBuild))
            .expect("build")
            .execution_arn = Some(gone.clone());
        if ctx.store.save(&lc).await.is_ok() {
            break;
        }
    }
    let (mut state, runner, mut rx) = Box::pin(dashboard(&env, "trustd")).await;
    let lost = |s: &State| {
        s.by_id
            .get(id.as_str())
            .is_some_and(|i| s.rows[*i].lost && s.rows[*i].status != EventStatus::InProgress)
    };
    run_until(&mut state, &runner, &mut rx, Duration::from_secs(15), lost)
        .await
        .expect("the list row says lost within 15 s");
    let stored = ctx.store.get(&id).await.expect("get");
    let record = stored.record(creation(EventKind::AmiBuild)).expect("build");
    assert!(record.is_lost(), "{record:?}");
    assert!(
        record.reason.as_deref().is_some_and(|r| r.contains(&gone)),
        "{record:?}"
    );
    let printed = env.ok(&["list", "--stack-tag", "trustd"]);
    assert!(printed.contains("✗ lost"), "{printed}");
}
