//! Hardening defects 6, 8 and 9 reproduced through the fault-injecting proxy
//! (or with the emulator itself): a slow StartExecution reply, a stream that
//! starts before its topics exist, a frozen endpoint at quit, a hung page.

use std::time::{Duration, Instant};

use amiboard::aws::client::{Limits, connect_with_limits};
use amiboard::aws::sns::{ensure_topic, topic_arn};
use amiboard::lifecycle::execution::RunStatus;
use amiboard::lifecycle::{EventKind, EventStatus};
use amiboard::ops::Context;
use amiboard::ops::listener::{self, StreamEvent, StreamOptions};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::fault_proxy::{Fault, FaultProxy};
use crate::support::{TestEnv, moto};
use crate::workflows::{completed, create, creation, ready, settle};

/// A context whose every call goes through `proxy`, under `limits`.
pub(crate) async fn through(env: &TestEnv, proxy: &FaultProxy, limits: Limits) -> Context {
    let mut config = env.config();
    config.endpoint_url = Some(proxy.url.clone());
    let clients = connect_with_limits(
        &amiboard::ops::connect_settings(&config),
        "testing",
        "testing",
        limits,
    )
    .await
    .expect("connect through the proxy");
    Context::from_clients(config, clients)
}

/// Waits for the first stream event `pick` accepts (panics on Off or after `within`).
async fn wait_for<T>(
    events: &mut mpsc::Receiver<StreamEvent>,
    within: Duration,
    mut pick: impl FnMut(&StreamEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the awaited stream event in time")
            .expect("the stream is running");
        if let StreamEvent::Off { reason, .. } = &event {
            panic!("the stream turned off for good: {reason}");
        }
        if let Some(found) = pick(&event) {
            return found;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_06_a_slow_start_execution_reply_keeps_the_claim_and_the_result() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "slowstart", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    let target = creation(EventKind::SmokeTests);

    let proxy = FaultProxy::start(&moto().url).await;
    let limits = Limits {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(1),
        operation: Duration::from_secs(2),
    };
    let mut slow = through(&env, &proxy, limits).await;
    // Long enough to see the execution running after the call gave up.
    slow.config.workflow_wait_seconds = 8;
    // The execution starts; its reply comes after the caller stopped waiting.
    proxy.inject(
        "StartExecution",
        Fault::DelayReply(Duration::from_secs(4)),
        None,
    );

    let outcome = amiboard::ops::trigger(&slow, "tester", &id, None)
        .await
        .expect("the started execution counts as started");
    assert_eq!(outcome.target, target);
    let arn = outcome.execution_arn.clone().expect("an execution ARN");

    let lc = ctx.store.get(&id).await.expect("get");
    let record = lc.record(target).expect("record");
    assert_eq!(
        record.status,
        EventStatus::InProgress,
        "reverted: {:?}",
        record.reason
    );
    assert_eq!(record.execution_arn.as_deref(), Some(arn.as_str()));
    assert!(
        proxy.seen().iter().any(|op| op == "DescribeExecution"),
        "the execution was looked up: {:?}",
        proxy.seen()
    );

    // The execution finishes and its result is recorded on the kept claim,
    // not rejected as belonging to a reverted attempt.
    let deadline = Instant::now() + Duration::from_mins(1);
    let ended = loop {
        let execution = ctx.executions.describe(&arn).await.expect("describe");
        if execution.status != RunStatus::Running {
            break execution;
        }
        assert!(
            Instant::now() < deadline,
            "the execution still runs after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let lc = settle(&ctx, &id, target).await;
    let record = lc.record(target).expect("record");
    assert_eq!(record.execution_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(record.attempt, 1);
    let expected = if ended.status == RunStatus::Succeeded {
        EventStatus::Completed
    } else {
        EventStatus::Failed
    };
    assert_eq!(record.status, expected, "{ended:?} {:?}", record.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_09_stop_with_a_frozen_endpoint_returns_within_two_seconds_and_says_what_is_left() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let proxy = FaultProxy::start(&moto().url).await;
    let ctx = through(&env, &proxy, Limits::default()).await;
    let (tx, mut events) = mpsc::channel(64);
    let handle = listener::spawn(
        ctx.sdk().expect("sdk").clients.clone(),
        ctx.config.clone(),
        StreamOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let queue = wait_for(&mut events, Duration::from_secs(20), |e| match e {
        StreamEvent::Connected { queue, .. } => Some(queue.clone()),
        _ => None,
    })
    .await;

    for operation in ["Unsubscribe", "DeleteQueue", "ReceiveMessage"] {
        proxy.inject(operation, Fault::Hang, None);
    }
    let started = Instant::now();
    let stopped = handle.stop().await;
    let took = started.elapsed();
    println!("stop() with a frozen endpoint: {} ms", took.as_millis());
    assert!(
        took < Duration::from_millis(2500),
        "stop waited {took:?} for a frozen endpoint"
    );
    assert!(stopped.timed_out, "{stopped:?}");
    let line = stopped.message().expect("what was left");
    assert!(line.contains(&queue), "{line}");
    assert!(line.contains("amiboard cleanup"), "{line}");
    assert!(!line.contains('\n'), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_09_list_with_a_hung_page_fails_with_one_line_within_the_page_limit() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "3"]);
    let proxy = FaultProxy::start(&moto().url).await;
    proxy.inject("Scan", Fault::Hang, None);
    let mut cmd = tokio::process::Command::from(env.cmd());
    cmd.env("AWS_ENDPOINT_URL", &proxy.url)
        .env(amiboard::aws::client::PAGE_TIMEOUT_VAR, "2")
        .args(["list"])
        .kill_on_drop(true);
    let started = Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(20), cmd.output())
        .await
        .expect("list gave up on the hung page within 20 s")
        .expect("run amiboard list");
    let took = started.elapsed();
    println!(
        "list with a hung Scan page (limit 2 s): {} ms",
        took.as_millis()
    );
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(proxy.seen().iter().any(|op| op == "Scan"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_08_a_stream_started_before_its_topics_exist_connects_once_they_do() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let clients = ctx.sdk().expect("sdk").clients.clone();
    let (tx, mut events) = mpsc::channel(64);
    let handle = listener::spawn(
        clients.clone(),
        ctx.config.clone(),
        StreamOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let (reason, after) = wait_for(&mut events, Duration::from_secs(15), |e| match e {
        StreamEvent::Retrying { reason, after } => Some((reason.clone(), *after)),
        _ => None,
    })
    .await;
    assert!(reason.contains("provision"), "{reason}");
    assert!(after <= listener::RETRY_CAP);

    let identity = amiboard::aws::sts::who_am_i(&clients).await.expect("sts");
    let topics = &ctx.config.topics;
    for name in [
        &topics.lifecycle,
        &topics.imagebuilder,
        &topics.ec2_events,
        &topics.run_command,
    ] {
        let arn = topic_arn(name, "us-east-1", &identity.account);
        ensure_topic(&clients, name, &arn).await.expect("topic");
    }
    let topics = wait_for(&mut events, Duration::from_secs(20), |e| match e {
        StreamEvent::Connected { topics, .. } => Some(topics.len()),
        _ => None,
    })
    .await;
    assert_eq!(topics, 4);
    crate::notifications::stop_clean(handle).await;
}
