//! Workflows against moto with Step Functions execution on: the real binary
//! drives lifecycles whose state machines really run (AMIBOARD_WORKFLOW_WAIT=1).

mod failures;
mod flow;
mod paths;
mod promotion;
mod proof;
mod races;
mod real_account;
mod refusals;
mod retention;
mod retirement;
mod versions;
mod where_used;

use std::time::{Duration, Instant};

use amiboard::lifecycle::{EventKind, EventRef, EventStatus, Lifecycle, Stage};
use amiboard::ops::Context;

use crate::support::TestEnv;

/// Provisions tables, topics and state machines with the real binary and
/// returns a library context for reading.
pub async fn ready(env: &TestEnv) -> Context {
    let out = env.ok(&["provision"]);
    assert_eq!(out.matches("created  state machine").count(), 10, "{out}");
    assert_eq!(out.matches("created  topic").count(), 4, "{out}");
    env.context().await
}

/// `amiboard create ... --yes --json`, returning the new id.
pub fn create(env: &TestEnv, stack_tag: &str, properties: &[&str]) -> String {
    let extra: Vec<&str> = properties.iter().flat_map(|p| ["--property", p]).collect();
    create_with(env, stack_tag, &extra)
}

/// `amiboard create` with `extra` arguments (e.g. `--pipeline ARN`),
/// returning the new id.
pub fn create_with(env: &TestEnv, stack_tag: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "create",
        "--stack-tag",
        stack_tag,
        "--product-name",
        "web",
        "--product-version",
        "3.2",
        "--yes",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = env.ok(&args);
    let value: serde_json::Value = serde_json::from_str(&out).expect("create --json");
    value["lifecycle_id"]
        .as_str()
        .expect("lifecycle_id")
        .to_string()
}

pub fn at(stage: Stage, event: EventKind) -> EventRef {
    EventRef { stage, event }
}

pub fn creation(event: EventKind) -> EventRef {
    at(Stage::Creation, event)
}

/// Polls the store until the event leaves IN_PROGRESS (or 90 s pass: the
/// work really runs on the emulator, and the suite shares two cores).
pub async fn settle(ctx: &Context, id: &str, target: EventRef) -> Lifecycle {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let lc = ctx.store.get(id).await.expect("get");
        let status = lc.record(target).map(|r| r.status);
        if matches!(
            status,
            Some(EventStatus::Completed | EventStatus::Failed | EventStatus::Error)
        ) {
            return lc;
        }
        assert!(
            Instant::now() < deadline,
            "{target} still {status:?} after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Settles and insists on COMPLETED.
pub async fn completed(ctx: &Context, id: &str, target: EventRef) -> Lifecycle {
    let lc = settle(ctx, id, target).await;
    let record = lc.record(target).expect("record");
    assert_eq!(
        record.status,
        EventStatus::Completed,
        "{target}: {:?}",
        record.reason
    );
    lc
}

/// Drives a created lifecycle through to production with the binary.
pub async fn to_production(env: &TestEnv, ctx: &Context, id: &str) -> Lifecycle {
    completed(ctx, id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", id, "--yes"]);
        completed(ctx, id, creation(event)).await;
    }
    env.ok(&["certify", id, "--reason", "QA signed off", "--yes"]);
    env.ok(&["promote", id, "--yes"]);
    completed(ctx, id, creation(EventKind::MarkForProduction)).await
}

/// Failure injection: tags the test's demo pipeline (`<prefix>demo`, made by
/// `provision`) so the emulator fails the first `n` occurrences of `tag`'s
/// work (see scripts/emulator/imagebuilder.py).
pub async fn inject(env: &TestEnv, ctx: &Context, tag: &str, n: u32) {
    let arn = format!(
        "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/{}demo",
        env.prefix
    );
    ctx.sdk()
        .expect("sdk clients")
        .clients
        .imagebuilder
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag, n.to_string())
        .send()
        .await
        .expect("tag the demo pipeline");
}
