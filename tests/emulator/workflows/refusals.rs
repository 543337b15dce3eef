//! Bad input: each refusal exits 4 with the rule's sentence and writes nothing.

use amiboard::lifecycle::{EventKind, Stage};

use super::{completed, create, creation, ready, to_production};
use crate::support::TestEnv;

/// Runs the binary, insists on exit 4, and on an unchanged item_version.
async fn refused(env: &TestEnv, ctx: &amiboard::ops::Context, id: &str, args: &[&str], says: &str) {
    let before = ctx.store.get(id).await.expect("get").item_version;
    let (code, out, err) = env.run(args);
    assert_eq!(code, 4, "{args:?}: {out}{err}");
    assert!(err.contains(says), "{args:?} should say {says:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let after = ctx.store.get(id).await.expect("get").item_version;
    assert_eq!(before, after, "{args:?} wrote something");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_is_refused_and_writes_nothing() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "rules", &[]);
    // While the build runs.
    refused(
        &env,
        &ctx,
        &id,
        &["trigger", &id, "SMOKE_TESTS", "--yes"],
        "is running",
    )
    .await;
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    refused(
        &env,
        &ctx,
        &id,
        &["trigger", &id, "VULNERABILITY_SCANS", "--yes"],
        "Events run in order",
    )
    .await;
    refused(
        &env,
        &ctx,
        &id,
        &["trigger", &id, "AMI_BUILD", "--yes"],
        "already completed",
    )
    .await;
    // A missing --reason is a usage error (exit 2), not a refusal; nothing is written.
    let before = ctx.store.get(&id).await.expect("get").item_version;
    let (code, _, err) = env.run(&["certify", &id, "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("reason is required"), "{err}");
    assert_eq!(ctx.store.get(&id).await.expect("get").item_version, before);
    refused(
        &env,
        &ctx,
        &id,
        &["certify", &id, "--reason", "ok", "--yes"],
        "Events run in order",
    )
    .await;
    refused(
        &env,
        &ctx,
        &id,
        &["patch", &id, "--bump", "minor", "--yes"],
        "needs a production AMI",
    )
    .await;
    refused(
        &env,
        &ctx,
        &id,
        &["retry", &id, "--yes"],
        "Nothing to retry",
    )
    .await;
    refused(
        &env,
        &ctx,
        &id,
        &["--read-only", "trigger", &id, "--yes"],
        "Read-only",
    )
    .await;
    // Without --yes and without a terminal: exit 2, nothing written.
    let before = ctx.store.get(&id).await.expect("get").item_version;
    let (code, _, err) = env.run(&["trigger", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"));
    assert_eq!(ctx.store.get(&id).await.expect("get").item_version, before);

    // Promote after a rejected certification.
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }
    env.ok(&[
        "certify",
        &id,
        "--reject",
        "--reason",
        "login page broken",
        "--yes",
    ]);
    refused(&env, &ctx, &id, &["promote", &id, "--yes"], "QA rejected").await;
    let lc = ctx.store.get(&id).await.expect("get");
    assert!(lc.patches.is_empty());
    assert!(!lc.is_production(Stage::Creation));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patch_while_one_runs_is_refused() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "rules2", &[]);
    to_production(&env, &ctx, &id).await;
    env.ok(&["patch", &id, "--bump", "patch", "--yes"]);
    refused(
        &env,
        &ctx,
        &id,
        &["patch", &id, "--bump", "minor", "--yes"],
        "is running",
    )
    .await;
    refused(
        &env,
        &ctx,
        &id,
        &["trigger", &id, "MARK_FOR_PRODUCTION", "--yes"],
        "is running",
    )
    .await;
}
