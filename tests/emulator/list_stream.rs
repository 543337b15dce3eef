//! `list --json` streamed against moto: a complete JSON array with every
//! lifecycle exactly once over several Scan pages and segments; a running
//! event whose execution was aborted is held back, settled by the watcher
//! and printed ERROR (and a status filter sees it so); a Scan that fails
//! part-way leaves the array unclosed, one line on stderr and exit 1.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use amiboard::lifecycle::demo::{demo_lifecycle, stack_tag_for};
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::Context;
use amiboard::ops::watcher::Claim;
use chrono::Utc;
use serde_json::Value;

use crate::fault_proxy::{Fault, FaultProxy};
use crate::support::TestEnv;
use crate::workflows::{create, creation, inject, ready};

/// More than one 1 MB Scan page per segment with two segments.
const ITEMS: u64 = 3500;

/// Seeds `n` demo lifecycles with no running execution (the demo's
/// executions belong to no state machine here, so the watcher could not
/// check them); returns their ids.
async fn seed(ctx: &Context, n: u64) -> Vec<String> {
    let now = Utc::now();
    let lifecycles: Vec<Lifecycle> = (0..n)
        .map(|i| demo_lifecycle(i, &stack_tag_for(i, None), i + 1, now))
        .filter(|lc| Claim::of(lc).is_none())
        .collect();
    ctx.sdk()
        .expect("sdk")
        .store
        .batch_put_lifecycles(&lifecycles)
        .await
        .expect("seed");
    lifecycles.into_iter().map(|lc| lc.lifecycle_id).collect()
}

/// Writes the test's config file with `scan_segments`.
fn segments(env: &TestEnv, n: u32) {
    let dir = env.dir.path().join("config/amiboard");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), format!("scan_segments = {n}\n")).expect("config");
}

/// `amiboard list --json ...` through `endpoint`: (exit code, stdout, stderr).
fn list_json(env: &TestEnv, endpoint: &str, extra: &[&str]) -> (i32, String, String) {
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["list", "--json"])
        .args(extra)
        .output()
        .expect("run amiboard");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// How many times each lifecycle id is in a parsed array.
fn id_counts(items: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        let id = item["lifecycle_id"].as_str().expect("lifecycle_id");
        *counts.entry(id.to_string()).or_insert(0) += 1;
    }
    counts
}

fn scans(proxy: &FaultProxy) -> usize {
    proxy.seen().iter().filter(|op| *op == "Scan").count()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_prints_every_lifecycle_once_over_pages_and_segments() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let ids = seed(&ctx, ITEMS).await;
    let proxy = FaultProxy::start(&crate::support::moto().url).await;
    for total in [1, 2] {
        segments(&env, total);
        let before = scans(&proxy);
        let (code, out, err) = list_json(&env, &proxy.url, &[]);
        assert_eq!(code, 0, "{err}");
        assert!(!err.contains("warning"), "{err}");
        let items: Vec<Value> = serde_json::from_str(&out).expect("one complete JSON array");
        let counts = id_counts(&items);
        assert_eq!(counts.len(), ids.len(), "{total} segment(s): every id");
        assert!(
            counts.values().all(|&n| n == 1),
            "{total} segment(s): each id exactly once"
        );
        assert!(ids.iter().all(|id| counts.contains_key(id)));
        // The items are whole lifecycles, as `show --json` prints one.
        let first: Lifecycle = serde_json::from_value(items[0].clone()).expect("a lifecycle");
        assert!(ids.contains(&first.lifecycle_id));
        let pages = scans(&proxy) - before;
        assert!(
            pages > total as usize,
            "{total} segment(s): more than one page per segment, read {pages}"
        );
        assert!(out.ends_with("\n]\n"), "closed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_failing_part_way_leaves_the_array_unclosed_and_exits_non_zero() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let ids = seed(&ctx, ITEMS).await;
    segments(&env, 1);
    let proxy = FaultProxy::start(&crate::support::moto().url).await;
    // The first page is answered; every later Scan (each retry too) fails.
    proxy.inject("Scan", Fault::Delay(Duration::ZERO), Some(1));
    proxy.inject("Scan", Fault::internal(), None);
    let (code, out, err) = list_json(&env, &proxy.url, &[]);
    assert_eq!(code, 1, "stdout {} bytes, stderr: {err}", out.len());
    assert!(scans(&proxy) > 1, "the failure came after the first page");

    // stdout: the first page, printed before the failure, in an array that
    // is not closed, so a consumer's parser refuses it.
    assert!(
        serde_json::from_str::<Value>(&out).is_err(),
        "not valid JSON: {}",
        &out[out.len().saturating_sub(200)..]
    );
    assert!(out.starts_with("[\n  {"), "{}", &out[..out.len().min(200)]);
    let printed: Vec<Value> =
        serde_json::from_str(&format!("{out}]")).expect("whole items up to the failure");
    let counts = id_counts(&printed);
    assert!(
        !printed.is_empty() && printed.len() < ids.len(),
        "{}",
        printed.len()
    );
    assert!(counts.values().all(|&n| n == 1), "each once");

    // stderr: one line naming the failure, how many were printed, and that
    // the array is incomplete.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    let line = lines[0];
    assert!(line.contains("Scan"), "{line}");
    assert!(line.contains("injected by the fault proxy"), "{line}");
    assert!(
        line.contains(&format!(
            "list stopped after {} lifecycles: the JSON array on stdout is incomplete",
            printed.len()
        )),
        "{line}"
    );

    // A read that fails before anything is printed leaves stdout empty and
    // says no more than the error.
    proxy.clear();
    proxy.inject("Scan", Fault::internal(), None);
    let (code, out, err) = list_json(&env, &proxy.url, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("list stopped"), "{err}");
}

/// Waits until the lifecycle's build records its execution; returns the ARN.
async fn build_execution(ctx: &Context, id: &str) -> String {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let lc = ctx.store.get(id).await.expect("get");
        let build = lc.record(creation(EventKind::AmiBuild)).expect("build");
        if let Some(arn) = build.execution_arn.clone() {
            assert_eq!(build.status, EventStatus::InProgress, "{build:?}");
            return arn;
        }
        assert!(Instant::now() < deadline, "no build execution after 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The build's status in the listed copy of `id`.
fn build_status(items: &[Value], id: &str) -> Option<EventStatus> {
    let item = items.iter().find(|i| i["lifecycle_id"] == id)?;
    let lc: Lifecycle = serde_json::from_value(item.clone()).expect("a lifecycle");
    lc.record(creation(EventKind::AmiBuild)).map(|r| r.status)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_event_whose_execution_was_aborted_is_printed_error() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    // The builds stay BUILDING until their executions are aborted.
    inject(&env, &ctx, "emulator:hang-builds", 2).await;
    let aborted = create(&env, "stream", &[]);
    let running = create(&env, "stream", &[]);
    let arn = build_execution(&ctx, &aborted).await;
    build_execution(&ctx, &running).await;
    let ids = seed(&ctx, ITEMS).await;
    segments(&env, 2);
    ctx.sdk()
        .expect("sdk")
        .clients
        .sfn
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("StopExecution");

    let moto = crate::support::moto().url.clone();
    let (code, out, err) = list_json(&env, &moto, &[]);
    assert_eq!(code, 0, "{err}");
    let items: Vec<Value> = serde_json::from_str(&out).expect("one complete JSON array");
    let counts = id_counts(&items);
    assert_eq!(counts.len(), ids.len() + 2, "every lifecycle");
    assert!(counts.values().all(|&n| n == 1), "each exactly once");
    assert_eq!(
        build_status(&items, &aborted),
        Some(EventStatus::Error),
        "the aborted build is printed ERROR"
    );
    assert_eq!(
        build_status(&items, &running),
        Some(EventStatus::InProgress),
        "a build still running stays IN_PROGRESS"
    );
    // Recorded, as `list` records what the watcher finds.
    let stored = ctx.store.get(&aborted).await.expect("get");
    assert_eq!(
        stored
            .record(creation(EventKind::AmiBuild))
            .map(|r| r.status),
        Some(EventStatus::Error)
    );

    // The filter sees the settled status: `--status error` keeps the
    // aborted one, `--status in_progress` the one still running.
    let (code, out, err) = list_json(&env, &moto, &["--status", "error"]);
    assert_eq!(code, 0, "{err}");
    let items: Vec<Value> = serde_json::from_str(&out).expect("JSON array");
    assert_eq!(build_status(&items, &aborted), Some(EventStatus::Error));
    assert!(build_status(&items, &running).is_none(), "filtered out");
    let (code, out, err) = list_json(&env, &moto, &["--status", "in_progress"]);
    assert_eq!(code, 0, "{err}");
    let items: Vec<Value> = serde_json::from_str(&out).expect("JSON array");
    assert_eq!(
        build_status(&items, &running),
        Some(EventStatus::InProgress)
    );
    assert!(build_status(&items, &aborted).is_none(), "filtered out");
}
