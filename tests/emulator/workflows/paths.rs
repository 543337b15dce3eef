//! The failure path and the timeout path of each of the six state machines
//! on the local stack (the success paths: flow.rs and proof.rs). The
//! emulator fails or hangs the work on tags of the demo pipeline; the
//! machines poll `ROUNDS` times a second apart. Every path ends with the
//! record FAILED with a reason saying what happened (the service's reason,
//! or that the work was still running after `ROUNDS` polls), the lifecycle's
//! lookup rows not raised, and for smoke tests every instance terminated.
//!
//! To keep the suite short, the paths run in three lifecycles, driven once
//! for the whole module (`outcomes`): one lifecycle walks every event from
//! the build to a patch build, failing then hanging each before it succeeds;
//! two more give the scans of two images (a scan's result is the image's, so
//! a retry cannot change it). Each test reports its own path.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use amiboard::lifecycle::{Bump, EventKind, EventRef, EventStatus, Lifecycle, Stage};
use amiboard::ops::{self, Context, NewLifecycle};

use super::{at, completed, creation, inject, ready, settle};
use crate::support::{TestEnv, moto};

/// Status calls before the work counts as timed out (`[workflows] poll_rounds`).
const ROUNDS: u32 = 2;
const ACTOR: &str = "paths-test";

type Outcomes = BTreeMap<&'static str, Result<(), String>>;

/// The paths a chain has run: the one it is on, and how each one ended.
#[derive(Clone, Default)]
struct Steps(Arc<Mutex<(Option<&'static str>, Outcomes)>>);

impl Steps {
    fn begin(&self, path: &'static str) {
        let mut state = self.0.lock().expect("steps");
        if let Some(done) = state.0.replace(path) {
            state.1.insert(done, Ok(()));
        }
    }

    fn end(&self, panic: Option<String>) -> Outcomes {
        let mut state = self.0.lock().expect("steps");
        if let Some(current) = state.0.take() {
            state.1.insert(current, panic.map_or(Ok(()), Err));
        }
        state.1.clone()
    }
}

/// Runs the chains once, in parallel on their own runtime, and keeps how
/// every path ended.
fn outcomes() -> &'static Outcomes {
    static OUTCOMES: OnceLock<Outcomes> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let (one, two) = (Steps::default(), Steps::default());
            let every_event = tokio::spawn(every_event_fails_then_hangs(one.clone()));
            let scans = tokio::spawn(two_scans_fail_and_hang(two.clone()));
            let mut all = Outcomes::new();
            for (task, steps) in [(every_event, one), (scans, two)] {
                let panic = task.await.err().map(|e| match e.try_into_panic() {
                    Ok(p) => p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(ToString::to_string))
                        .unwrap_or_else(|| "panicked".into()),
                    Err(e) => e.to_string(),
                });
                all.extend(steps.end(panic));
            }
            all
        })
    })
}

fn path(name: &str) {
    match outcomes().get(name) {
        Some(Ok(())) => {}
        Some(Err(why)) => panic!("{name}: {why}"),
        None => panic!("{name} was not reached: an earlier path of its lifecycle failed"),
    }
}

/// A context whose state machines poll `ROUNDS` times, one second apart.
async fn fast(env: &TestEnv) -> Context {
    let mut config = env.config();
    config.workflow_wait_seconds = 1;
    config.workflows.wait_seconds = Some(1);
    config.workflows.poll_rounds = Some(ROUNDS);
    let clients = amiboard::aws::client::connect_with_static_credentials(
        &ops::connect_settings(&config),
        "testing",
        "testing",
    )
    .await
    .expect("connect");
    Context::from_clients(config, clients)
}

async fn create(ctx: &Context, stack_tag: &str) -> String {
    let new = NewLifecycle {
        stack_tag: stack_tag.into(),
        product_name: "web".into(),
        product_version: "3.2".into(),
        owner: None,
        commit_ref: None,
        pipeline_arn: None,
        properties: vec![],
    };
    let outcome = ops::create(ctx, ACTOR, new).await.expect("create");
    outcome.lifecycle.lifecycle_id.clone()
}

async fn retry(ctx: &Context, id: &str) {
    ops::retry(ctx, ACTOR, id).await.expect("retry");
}

async fn trigger(ctx: &Context, id: &str) {
    ops::trigger(ctx, ACTOR, id, None).await.expect("trigger");
}

/// Settles `target` and insists on FAILED with a reason containing every
/// one of `says`; returns the reason.
async fn failed(ctx: &Context, id: &str, target: EventRef, says: &[&str]) -> (Lifecycle, String) {
    let lc = settle(ctx, id, target).await;
    let record = lc.record(target).expect("record");
    let reason = record.reason.clone().unwrap_or_default();
    assert_eq!(record.status, EventStatus::Failed, "{target}: {reason}");
    for part in says {
        assert!(reason.contains(part), "{target}: {reason:?} lacks {part:?}");
    }
    (lc, reason)
}

/// The lifecycle's lookup rows: the highest score, and their AMIs.
async fn rows(ctx: &Context, stack_tag: &str, id: &str) -> (u8, Vec<String>) {
    let rows = ops::lookup_rows(ctx, stack_tag).await.expect("rows");
    let mine: Vec<_> = rows.iter().filter(|r| r.lifecycle_id == id).collect();
    let mut amis: Vec<String> = mine.iter().map(|r| r.ami_id.clone()).collect();
    amis.sort();
    (
        mine.iter().map(|r| r.lifecycle_score).max().unwrap_or(0),
        amis,
    )
}

/// The states of the instances launched from `ami`, asked of the emulator's
/// EC2 with boto3.
fn instance_states(ami: &str) -> Vec<String> {
    let python = std::env::var("AMIBOARD_PYTHON")
        .unwrap_or_else(|_| format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR")));
    let script = r#"
import json, sys, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
pages = ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [sys.argv[2]]}])
print(json.dumps([i["State"]["Name"] for r in pages["Reservations"] for i in r["Instances"]]))
"#;
    let out = std::process::Command::new(python)
        .args(["-c", script, &moto().url, ami])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("instance states")
}

fn assert_all_terminated(ami: &str, launched: usize) {
    let states = instance_states(ami);
    assert_eq!(
        states.len(),
        launched,
        "smoke-test instances of {ami}: {states:?}"
    );
    assert!(
        states.iter().all(|s| s == "terminated"),
        "every smoke-test instance of {ami} is terminated: {states:?}"
    );
}

/// The reason a run that used up its poll budget records: the budget is
/// `ROUNDS` polls a second apart.
fn still(rounds: &str) -> String {
    format!("{rounds} after {ROUNDS}s")
}

/// One lifecycle: each event fails, then (retried) times out, then succeeds,
/// from the build to production, then the patch build fails and times out.
async fn every_event_fails_then_hangs(steps: Steps) {
    steps.begin("build failure");
    let env = TestEnv::new();
    ready(&env).await;
    let ctx = fast(&env).await;
    inject(&env, &ctx, "emulator:build-seconds", 1).await;
    for tag in [
        "fail-builds",
        "hang-builds",
        "fail-smoke-tests",
        "hang-smoke-tests",
        "fail-exports",
        "hang-exports",
        "fail-backups",
        "hang-backups",
        "fail-patch-builds",
        "hang-patch-builds",
    ] {
        inject(&env, &ctx, &format!("emulator:{tag}"), 1).await;
    }
    let tag = "paths";
    let id = create(&ctx, tag).await;
    let build = creation(EventKind::AmiBuild);
    let (lc, _) = failed(&ctx, &id, build, &["ended FAILED", "emulator:fail-builds"]).await;
    assert!(lc.record(build).expect("build").outputs.amis.is_empty());
    assert_eq!(rows(&ctx, tag, &id).await, (0, vec![]), "no lookup row");

    steps.begin("build timeout");
    retry(&ctx, &id).await;
    let (lc, _) = failed(&ctx, &id, build, &[&still("was still BUILDING")]).await;
    assert!(lc.record(build).expect("build").outputs.amis.is_empty());
    assert_eq!(rows(&ctx, tag, &id).await, (0, vec![]), "no lookup row");

    steps.begin("smoke-tests failure");
    retry(&ctx, &id).await;
    let lc = completed(&ctx, &id, build).await;
    let ami = lc.record(build).expect("build").outputs.amis[0]
        .ami_id
        .clone();
    let smoke = creation(EventKind::SmokeTests);
    trigger(&ctx, &id).await;
    failed(&ctx, &id, smoke, &["smoke tests Failed on i-"]).await;
    assert_all_terminated(&ami, 1);
    assert_eq!(rows(&ctx, tag, &id).await.0, 1, "still only built");

    steps.begin("smoke-tests timeout");
    retry(&ctx, &id).await;
    failed(&ctx, &id, smoke, &[&still("was still InProgress")]).await;
    assert_all_terminated(&ami, 2);
    assert_eq!(rows(&ctx, tag, &id).await.0, 1, "still only built");

    steps.begin("qa-certification-request failure");
    retry(&ctx, &id).await;
    completed(&ctx, &id, smoke).await;
    assert_all_terminated(&ami, 3);
    trigger(&ctx, &id).await;
    completed(&ctx, &id, creation(EventKind::VulnerabilityScans)).await;
    let qa = creation(EventKind::QaCertificationRequest);
    trigger(&ctx, &id).await;
    let (lc, _) = failed(&ctx, &id, qa, &["ended deleted", "emulator:fail-exports"]).await;
    assert_eq!(lc.record(qa).expect("qa").outputs.export_location, None);
    assert_eq!(rows(&ctx, tag, &id).await.0, 3, "still only scanned");

    steps.begin("qa-certification-request timeout");
    retry(&ctx, &id).await;
    failed(&ctx, &id, qa, &[&still("was still active")]).await;
    assert_eq!(rows(&ctx, tag, &id).await.0, 3, "still only scanned");

    steps.begin("promotion failure");
    retry(&ctx, &id).await;
    completed(&ctx, &id, qa).await;
    ops::decide(&ctx, ACTOR, &id, true, "QA signed off", None)
        .await
        .expect("certify");
    let prod = creation(EventKind::MarkForProduction);
    ops::promote(&ctx, ACTOR, &id).await.expect("promote");
    let (lc, _) = failed(
        &ctx,
        &id,
        prod,
        &[&format!("backup of {ami} failed"), "emulator:fail-backups"],
    )
    .await;
    assert_eq!(lc.record(prod).expect("prod").outputs.backup_object, None);
    assert_eq!(rows(&ctx, tag, &id).await.0, 5, "still only certified");

    steps.begin("promotion timeout");
    retry(&ctx, &id).await;
    failed(&ctx, &id, prod, &[&still("was still InProgress")]).await;
    assert_eq!(rows(&ctx, tag, &id).await.0, 5, "still only certified");

    steps.begin("patch-build failure");
    retry(&ctx, &id).await;
    completed(&ctx, &id, prod).await;
    let (_, creation_amis) = rows(&ctx, tag, &id).await;
    ops::start_patch(&ctx, ACTOR, &id, Bump::Patch, None, None)
        .await
        .expect("patch");
    let patch = at(Stage::Patch(1), EventKind::AmiPatch);
    let (lc, _) = failed(
        &ctx,
        &id,
        patch,
        &["ended FAILED", "emulator:fail-patch-builds"],
    )
    .await;
    assert!(lc.record(patch).expect("patch").outputs.amis.is_empty());
    assert_eq!(
        rows(&ctx, tag, &id).await,
        (6, creation_amis.clone()),
        "only the production AMI's rows"
    );

    steps.begin("patch-build timeout");
    retry(&ctx, &id).await;
    let (lc, _) = failed(&ctx, &id, patch, &[&still("was still BUILDING")]).await;
    assert!(lc.record(patch).expect("patch").outputs.amis.is_empty());
    assert_eq!(
        rows(&ctx, tag, &id).await,
        (6, creation_amis),
        "only the production AMI's rows"
    );
}

/// Two lifecycles of one pipeline: the first image's scan fails, the
/// second's never ends.
async fn two_scans_fail_and_hang(steps: Steps) {
    steps.begin("vulnerability-scans failure");
    let env = TestEnv::new();
    ready(&env).await;
    let ctx = fast(&env).await;
    inject(&env, &ctx, "emulator:build-seconds", 1).await;
    inject(&env, &ctx, "emulator:fail-scans", 1).await;
    inject(&env, &ctx, "emulator:hang-scans", 1).await;
    let tag = "pathscans";
    let build = creation(EventKind::AmiBuild);
    // One after the other: the first image to be scanned fails.
    let first = create(&ctx, tag).await;
    completed(&ctx, &first, build).await;
    let second = create(&ctx, tag).await;
    completed(&ctx, &second, build).await;
    let smoke = creation(EventKind::SmokeTests);
    let scans = creation(EventKind::VulnerabilityScans);
    for id in [&first, &second] {
        trigger(&ctx, id).await;
    }
    for id in [&first, &second] {
        completed(&ctx, id, smoke).await;
        trigger(&ctx, id).await;
    }
    let (lc, _) = failed(
        &ctx,
        &first,
        scans,
        &["ended FAILED", "emulator:fail-scans"],
    )
    .await;
    assert!(
        lc.record(scans)
            .expect("scans")
            .outputs
            .vulnerabilities
            .is_none()
    );
    assert_eq!(
        rows(&ctx, tag, &first).await.0,
        2,
        "still only smoke-tested"
    );

    steps.begin("vulnerability-scans timeout");
    let (lc, _) = failed(&ctx, &second, scans, &[&still("was still SCANNING")]).await;
    assert!(
        lc.record(scans)
            .expect("scans")
            .outputs
            .vulnerabilities
            .is_none()
    );
    assert_eq!(
        rows(&ctx, tag, &second).await.0,
        2,
        "still only smoke-tested"
    );
}

#[test]
fn build_failure_path_records_failed_with_the_image_reason_and_no_ami() {
    path("build failure");
}

#[test]
fn build_timeout_path_records_failed_still_building_after_the_rounds() {
    path("build timeout");
}

#[test]
fn smoke_tests_failure_path_records_the_command_failure_and_terminates_the_instance() {
    path("smoke-tests failure");
}

#[test]
fn smoke_tests_timeout_path_records_the_rounds_and_terminates_the_instance() {
    path("smoke-tests timeout");
}

#[test]
fn vulnerability_scans_failure_path_records_the_scan_reason() {
    path("vulnerability-scans failure");
}

#[test]
fn vulnerability_scans_timeout_path_records_still_scanning_after_the_rounds() {
    path("vulnerability-scans timeout");
}

#[test]
fn qa_certification_request_failure_path_records_the_export_status_message() {
    path("qa-certification-request failure");
}

#[test]
fn qa_certification_request_timeout_path_records_still_active_after_the_rounds() {
    path("qa-certification-request timeout");
}

#[test]
fn promotion_failure_path_records_the_store_task_reason() {
    path("promotion failure");
}

#[test]
fn promotion_timeout_path_records_still_in_progress_after_the_rounds() {
    path("promotion timeout");
}

#[test]
fn patch_build_failure_path_records_the_image_reason_and_no_ami() {
    path("patch-build failure");
}

#[test]
fn patch_build_timeout_path_records_still_building_after_the_rounds() {
    path("patch-build timeout");
}
