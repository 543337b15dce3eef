//! Failures the emulator injects (tags on the demo pipeline): FAILED with the
//! service's reason, or ERROR found by reconcile, and both retried to
//! COMPLETED; a StartExecution failure undoes the claim.

use amiboard::lifecycle::{EventKind, EventStatus};

use super::{completed, create, creation, inject, ready, settle};
use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_event_keeps_its_reason_and_retries_to_completed() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:fail-smoke-tests", 1).await;
    let id = create(&env, "fail", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    env.ok(&["trigger", &id, "--yes"]);
    let lc = settle(&ctx, &id, creation(EventKind::SmokeTests)).await;
    let record = lc.record(creation(EventKind::SmokeTests)).expect("smoke");
    assert_eq!(record.status, EventStatus::Failed);
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("smoke tests Failed on i-")),
        "{:?}",
        record.reason
    );
    let select = env.run(&[
        "select",
        "--stack-tag",
        "fail",
        "--min-stage",
        "smoke-tested",
    ]);
    assert_eq!(select.0, 3, "a failed event never raises the lookup score");

    env.ok(&["retry", &id, "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::SmokeTests)).await;
    let record = lc.record(creation(EventKind::SmokeTests)).expect("smoke");
    assert_eq!(record.attempt, 2);
    assert_eq!(record.reason, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_execution_is_reconciled_to_error_and_retried() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    // The build hangs and its execution is stopped from outside: it ends
    // without recording, and the event stays IN_PROGRESS until reconcile
    // looks at the execution.
    inject(&env, &ctx, "emulator:hang-builds", 1).await;
    let id = create(&env, "broken", &[]);
    let target = creation(EventKind::AmiBuild);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let execution = loop {
        let lc = ctx.store.get(&id).await.expect("get");
        if let Some(arn) = lc.record(target).and_then(|r| r.execution_arn.clone()) {
            break arn;
        }
        assert!(std::time::Instant::now() < deadline, "never started");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    crate::support::boto3(&format!(
        "sfn().stop_execution(executionArn='{execution}', error='Operator.Stopped', cause='stopped by the test')"
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let out = env.ok(&["reconcile", &id]);
        if out.contains("ERROR") {
            assert!(out.contains("ABORTED"), "{out}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reconciled: {out}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let lc = ctx.store.get(&id).await.expect("get");
    let record = lc.record(target).expect("build");
    assert_eq!(record.status, EventStatus::Error);
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ABORTED"))
    );
    let timeline = env.ok(&["timeline", &id]);
    assert!(timeline.contains("! error"), "{timeline}");

    env.ok(&["retry", &id, "--yes"]);
    let lc = completed(&ctx, &id, target).await;
    assert_eq!(lc.record(target).expect("build").attempt, 2);
    assert_eq!(env.ok(&["reconcile", &id]).trim(), "Nothing to reconcile.");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_execution_failure_returns_the_record_to_its_previous_state() {
    let env = TestEnv::new();
    // Tables only: no state machines, so StartExecution fails.
    let ctx = env.provisioned().await;
    let (code, _, err) = env.run(&[
        "create",
        "--stack-tag",
        "nosfn",
        "--product-name",
        "web",
        "--product-version",
        "1",
        "--yes",
    ]);
    assert_eq!(code, 1, "{err}");
    let listed = ctx
        .store
        .list_all(Some("nosfn"), &mut |_| {})
        .await
        .expect("list");
    let lc = &listed.lifecycles[0];
    let record = lc.record(creation(EventKind::AmiBuild)).expect("build");
    assert_eq!(record.status, EventStatus::NotStarted);
    assert_eq!(record.attempt, 0);
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("could not be started"))
    );
    assert!(lc.running().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_build_records_the_image_reason_and_a_scan_over_the_threshold_fails() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:fail-builds", 1).await;
    inject(&env, &ctx, "emulator:critical-findings", 1).await;
    let id = create(&env, "badimage", &[]);
    let build = creation(EventKind::AmiBuild);
    let lc = settle(&ctx, &id, build).await;
    let record = lc.record(build).expect("build");
    assert_eq!(record.status, EventStatus::Failed);
    let reason = record.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("ended FAILED") && reason.contains("emulator:fail-builds"),
        "{reason}"
    );
    assert!(
        record.outputs.amis.is_empty(),
        "a failed build records no AMI"
    );

    // The second build is the first image: its scan finds 2 critical.
    env.ok(&["retry", &id, "--yes"]);
    completed(&ctx, &id, build).await;
    env.ok(&["trigger", &id, "--yes"]);
    completed(&ctx, &id, creation(EventKind::SmokeTests)).await;
    env.ok(&["trigger", &id, "--yes"]);
    let scans = creation(EventKind::VulnerabilityScans);
    let lc = settle(&ctx, &id, scans).await;
    let record = lc.record(scans).expect("scans");
    assert_eq!(record.status, EventStatus::Failed);
    let reason = record.reason.as_deref().unwrap_or_default();
    assert!(reason.contains("2 critical"), "{reason}");
}
