//! `logs` reaches every run: `--cycle creation|patch-N` and `--attempt N`
//! pick any cycle and try of an event, a wrong pick names what exists
//! (exit 2), the recorded outcome stands beside the execution's status, and
//! `--follow` follows a running execution to its end with `wait`'s exit codes.

use amiboard::lifecycle::{EventKind, EventStatus, Stage};

use crate::support::TestEnv;
use crate::workflows::{at, completed, create, creation, inject, ready, settle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_pick_any_cycle_and_attempt_and_follow_a_running_one() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:fail-smoke-tests", 1).await;
    let id = create(&env, "main", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;

    // The creation's smoke test fails once, then its retry passes.
    env.run(&["trigger", &id, "--yes"]);
    let lc = settle(&ctx, &id, creation(EventKind::SmokeTests)).await;
    let first = lc
        .record(creation(EventKind::SmokeTests))
        .expect("smoke tests")
        .clone();
    assert_eq!(first.status, EventStatus::Failed, "{:?}", first.reason);
    let first_arn = first.execution_arn.expect("the first try's execution");
    env.ok(&["retry", &id, "--yes", "--wait"]);
    for event in [
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", &id, "--yes", "--wait"]);
        completed(&ctx, &id, creation(event)).await;
    }
    env.ok(&["certify", &id, "--reason", "QA signed off", "--yes"]);
    env.ok(&["promote", &id, "--yes", "--wait"]);
    env.ok(&["patch", &id, "--bump", "patch", "--yes", "--wait"]);

    // The patch's smoke test, followed while it runs: each state as it is
    // entered, then `wait`'s ending and exit 0.
    env.ok(&["trigger", &id, "--yes"]);
    let (code, out, err) = env.run(&["logs", &id[..8], "SMOKE_TESTS", "--follow"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(patch-1), try 1, following"), "{out}");
    assert!(out.contains("status      "), "{out}");
    assert!(out.contains("recorded COMPLETED"), "{out}");
    assert!(
        out.contains(&format!("SMOKE_TESTS of {id} completed.")),
        "{out}"
    );
    completed(&ctx, &id, at(Stage::Patch(1), EventKind::SmokeTests)).await;

    // Without a pick: the newest cycle in which it ran (the patch's).
    let newest: serde_json::Value =
        serde_json::from_str(&env.ok(&["logs", &id, "SMOKE_TESTS", "--json"])).expect("json");
    assert_eq!(newest["cycle"], "patch-1", "{newest}");

    // The creation's first try: its own execution, its recorded FAILED and
    // reason beside the execution's status.
    let text = env.ok(&[
        "logs",
        &id,
        "SMOKE_TESTS",
        "--cycle",
        "creation",
        "--attempt",
        "1",
    ]);
    assert!(text.contains("SMOKE_TESTS (creation), try 1"), "{text}");
    assert!(text.contains(&first_arn), "{text}");
    let status = text
        .lines()
        .find(|l| l.starts_with("status "))
        .expect("a status line");
    assert!(status.contains("recorded FAILED: "), "{text}");
    assert!(status.contains("smoke tests Failed on"), "{text}");
    let second: serde_json::Value = serde_json::from_str(&env.ok(&[
        "logs",
        &id,
        "SMOKE_TESTS",
        "--cycle",
        "creation",
        "--json",
    ]))
    .expect("json");
    assert_eq!(second["attempt"], 2, "{second}");
    assert_eq!(second["recorded_status"], "COMPLETED", "{second}");
    assert_ne!(second["execution_arn"], first_arn.as_str(), "{second}");

    // A wrong pick: exit 2, naming the cycles and attempts that exist.
    let (code, _, err) = env.run(&["logs", &id, "SMOKE_TESTS", "--cycle", "patch-3"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("creation (attempt 1, attempt 2), patch-1 (attempt 1)"),
        "{err}"
    );
    let (code, _, err) = env.run(&[
        "logs",
        &id,
        "SMOKE_TESTS",
        "--cycle",
        "creation",
        "--attempt",
        "9",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("it has attempt 1, attempt 2"), "{err}");
    let (code, _, err) = env.run(&["logs", &id, "SMOKE_TESTS", "--cycle", "build"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`creation` or `patch-N`"), "{err}");

    // --follow of a run that ended answers at once with wait's exit code.
    let (code, _, err) = env.run(&[
        "logs",
        &id,
        "SMOKE_TESTS",
        "--cycle",
        "creation",
        "--attempt",
        "1",
        "--follow",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("ended FAILED"), "{err}");
}
