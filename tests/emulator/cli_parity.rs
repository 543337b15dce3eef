//! The command line does what the dashboard does: `--wait` follows the
//! started work to its end (exit 1 with the reason when it fails), `list`
//! filters with the dashboard's syntax, and `show` names the AMIs.

use amiboard::lifecycle::{EventKind, EventStatus};

use crate::support::TestEnv;
use crate::workflows::{completed, create, creation, inject, ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_exits_1_with_the_reason_on_a_failing_smoke_test_and_0_on_its_retry() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:fail-smoke-tests", 1).await;
    let id = create(&env, "main", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;

    // Without a terminal: no progress line, one line saying how it ended.
    let (code, out, err) = env.run(&["trigger", &id[..8], "--yes", "--wait"]);
    assert_eq!(code, 1, "a failed smoke test exits 1: {out}{err}");
    assert!(
        err.contains("SMOKE_TESTS") && err.contains("FAILED"),
        "the reason is named: {err}"
    );
    assert!(
        !err.contains('\r'),
        "no progress line without a terminal: {err:?}"
    );
    let lc = ctx.store.get(&id).await.expect("get");
    let reason = lc
        .record(creation(EventKind::SmokeTests))
        .and_then(|r| r.reason.clone())
        .expect("a recorded reason");
    assert!(
        err.contains(&reason),
        "the recorded reason {reason:?} is printed: {err}"
    );
    // The machine recorded the Run Command id when it sent the command, so
    // the failed invocation's notification can be tied to this lifecycle.
    assert!(
        lc.record(creation(EventKind::SmokeTests))
            .and_then(|r| r.outputs.run_command_id.clone())
            .is_some(),
        "no run_command_id on the failed smoke test"
    );

    // `list --status failed --stage smoke` finds it; another status does not.
    let failed = env.ok(&["list", "--status", "failed", "--stage", "smoke", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&failed).expect("list --json");
    assert_eq!(rows.len(), 1, "{failed}");
    assert_eq!(rows[0]["lifecycle_id"], id.as_str());
    let running = env.ok(&["list", "--filter", "status:running", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&running).expect("list --json");
    assert!(rows.is_empty(), "{running}");

    let (code, out, err) = env.run(&["retry", &id, "--yes", "--wait"]);
    assert_eq!(code, 0, "the retry passes: {out}{err}");
    assert!(
        out.contains("SMOKE_TESTS") && out.contains("completed"),
        "{out}"
    );

    // `show` names the AMI the build recorded, with its region.
    let lc = ctx.store.get(&id).await.expect("get");
    let ami = lc.newest_ami().expect("an AMI").1.clone();
    let shown = env.ok(&["show", &id]);
    assert!(
        shown.contains(&format!("ami         {} {}", ami.region, ami.ami_id)),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_show_the_failing_state_and_a_retry_keeps_the_failed_attempt() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    // Image Builder answers HTTP 500 to every StartImagePipelineExecution
    // the workflow tries (four): it records the build FAILED with the cause.
    inject(&env, &ctx, "emulator:error-starts", 5).await;
    let id = create(&env, "main", &[]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    let log = loop {
        let lc = ctx.store.get(&id).await.expect("get");
        let failed = lc
            .record(creation(EventKind::AmiBuild))
            .is_some_and(|r| r.status == EventStatus::Failed);
        let out = env.ok(&["logs", &id, "AMI_BUILD", "--json"]);
        let log: serde_json::Value = serde_json::from_str(&out).expect("logs --json");
        if failed && log["status"] != "RUNNING" {
            break log;
        }
        assert!(std::time::Instant::now() < deadline, "never failed: {out}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    let states = log["states"].as_array().expect("states");
    assert!(!states.is_empty(), "{log}");
    assert!(states.iter().all(|s| s["entered_at"].is_string()), "{log}");
    let failing = log["failing_state"].as_str().expect("a failing state");
    let failed = states
        .iter()
        .rev()
        .find(|s| s["name"] == failing)
        .expect("the failing state is listed");
    assert!(failed["error"].is_string(), "{failed}");
    assert!(
        log["links"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["what"] == "execution"),
        "{log}"
    );
    let text = env.ok(&["logs", &id[..8]]);
    assert!(text.contains(&format!("failed in   {failing}")), "{text}");

    // The retry keeps the failed attempt in the record.
    let (code, out, err) = env.run(&["retry", &id, "--yes", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    let shown: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", &id, "--json"])).expect("show --json");
    let build = &shown["creation_events"][0];
    assert_eq!(build["attempt"], 2, "{build}");
    assert_eq!(build["history"][0]["attempt"], 1, "{build}");
    assert_eq!(build["history"][0]["status"], "FAILED", "{build}");
    assert!(build["history"][0]["execution_arn"].is_string(), "{build}");
}

#[test]
fn info_names_the_profile_as_the_dashboard_header_does() {
    let env = TestEnv::new();
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "--json"])).expect("info --json");
    // No profile set: the header says "profile default", and so does info.
    assert_eq!(info["profile"], "default", "{info}");
    let named: serde_json::Value =
        serde_json::from_str(&env.ok(&["--profile", "ops", "info", "--json"]))
            .expect("info --json");
    assert_eq!(named["profile"], "ops", "{named}");
}

/// `create --wait` follows the build; `amiboard wait ID [EVENT]` follows an
/// event already running with the same exit codes (1 with the reason when
/// it fails), answers at once for one that ended, and refuses (4) when
/// nothing runs or the event has not started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_wait_and_wait_follow_running_events_with_wait_exit_codes() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:fail-smoke-tests", 1).await;
    let out = env.ok(&[
        "create",
        "--stack-tag",
        "main",
        "--product-name",
        "web",
        "--product-version",
        "3.3",
        "--yes",
        "--wait",
    ]);
    let id = out.lines().next().expect("the id").trim().to_string();
    assert!(
        out.contains(&format!("AMI_BUILD of {id} completed.")),
        "{out}"
    );

    // Nothing running: refused; an event that ended: its result at once.
    let (code, _, err) = env.run(&["wait", &id]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("nothing to wait for"), "{err}");
    let (code, out, err) = env.run(&["wait", &id[..8], "AMI_BUILD"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("completed"), "{out}");
    let (code, _, err) = env.run(&["wait", &id, "VULNERABILITY_SCANS"]);
    assert_eq!(code, 4, "not started: {err}");
    let (code, _, err) = env.run(&["wait", &id, "NOSUCH"]);
    assert_eq!(code, 2, "{err}");

    // A smoke test started without --wait, followed by `wait`: it fails (1).
    // (Named, so a run that ended before `wait` starts answers the same.)
    env.ok(&["trigger", &id, "--yes"]);
    let (code, out, err) = env.run(&["wait", &id, "SMOKE_TESTS"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("SMOKE_TESTS") && err.contains("FAILED"),
        "{err}"
    );
    let lc = ctx.store.get(&id).await.expect("get");
    assert_eq!(
        lc.record(creation(EventKind::SmokeTests)).map(|r| r.status),
        Some(EventStatus::Failed)
    );
    // The retry, followed the same way, completes (0).
    env.ok(&["retry", &id, "--yes"]);
    let (code, out, err) = env.run(&["wait", &id, "SMOKE_TESTS"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("SMOKE_TESTS of"), "{out}");
}
