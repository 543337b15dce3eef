//! Read-write with the live stream, against moto with the state machines
//! running: a lifecycle created from the CLI is followed in the dashboard's
//! timeline and notifications pane, the next event is triggered from the
//! keyboard, and neither `q` nor SIGTERM, SIGHUP or SIGINT leaves a notification
//! queue behind.

use std::time::{Duration, Instant, SystemTime};

use amiboard::aws::temp_queue as sub;
use amiboard::aws::{sns_subscribe, sqs};

use super::Tmux;
use super::support::TestEnv;

/// The stream queues and subscriptions of this test's prefix.
fn leftovers(env: &TestEnv) -> (Vec<String>, usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let ctx = env.context().await;
        let prefix = sub::queue_prefix(&ctx.config.prefix);
        let queues = sqs::list_queues(&ctx.sdk().expect("sdk clients").clients, &prefix)
            .await
            .expect("list queues");
        let subs =
            sns_subscribe::subscriptions_where(&ctx.sdk().expect("sdk clients").clients, |e| {
                e.contains(&format!(":{prefix}"))
            })
            .await
            .expect("list subscriptions");
        (queues, subs.len())
    })
}

/// `amiboard create` with slower workflows, so the dashboard is subscribed
/// before the build finishes.
fn create(env: &TestEnv, wait_seconds: &str) -> String {
    let out = env
        .cmd()
        .env("AMIBOARD_WORKFLOW_WAIT", wait_seconds)
        .args([
            "create",
            "--stack-tag",
            "e2elive",
            "--product-name",
            "web",
            "--product-version",
            "5.1",
            "--yes",
            "--json",
        ])
        .output()
        .expect("run amiboard create");
    assert!(out.status.success(), "create failed: {out:?}");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create --json");
    value["lifecycle_id"]
        .as_str()
        .expect("lifecycle_id")
        .to_string()
}

/// When the lifecycle's `event` finished, from `amiboard timeline --json`.
fn finished_at(env: &TestEnv, id: &str, event: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let out = env.ok(&["timeline", id, "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out).expect("timeline --json");
    let events = value["events"].as_array()?;
    let record = events.iter().find(|e| e["event"] == event)?;
    record["finished_at"].as_str()?.parse().ok()
}

fn start(env: &TestEnv, name: &str, args: &str) -> Tmux {
    Tmux::start(env, name, (160, 45), args)
}

/// Runs the dashboard from the session's shell.
fn launch(tmux: &Tmux, args: &str) {
    tmux.keys(&[
        &format!("{} {args}", env!("CARGO_BIN_EXE_amiboard")),
        "Enter",
    ]);
}

/// Waits until the dashboard is gone and the shell answers again; `label`
/// makes the shell's answer unique within the session.
fn wait_exit(tmux: &Tmux, label: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    // Gone means the shell is in the foreground again (amiboard has finished
    // removing its queue by then).
    while tmux
        .run(&[
            "display-message",
            "-p",
            "-t",
            "e2e",
            "#{pane_current_command}",
        ])
        .contains("amiboard")
    {
        assert!(Instant::now() < deadline, "the dashboard did not exit");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !tmux.screen().contains("READ-WRITE"),
        "the terminal was not restored"
    );
    tmux.keys(&[&format!("echo gone-{label}-$((2+2))"), "Enter"]);
    tmux.wait_for(&format!("gone-{label}-4"));
}

fn no_queue_left(env: &TestEnv) {
    let (queues, subs) = leftovers(env);
    assert!(queues.is_empty(), "queues left behind: {queues:?}");
    assert_eq!(subs, 0, "subscriptions left behind");
}

#[test]
fn read_write_dashboard_follows_a_build_and_leaves_no_queue() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let id = create(&env, "6");
    let short: String = id.chars().take(8).collect();

    let tmux = start(&env, "rw", &format!("--lifecycle {id}"));
    tmux.wait_for("Timeline");
    tmux.wait_for("● connected");
    tmux.keys(&["n"]);
    tmux.wait_for("Notifications (");
    // Progress of the running build, polled from Step Functions.
    tmux.wait_until("execution RUNNING", Duration::from_secs(20), |s| {
        s.contains("execution RUNNING") || s.contains("AMI_BUILD (creation) COMPLETED")
    });

    // The build's completion: in the pane and in the timeline.
    let pane_line = "AMI_BUILD (creation) COMPLETED";
    tmux.wait_until(pane_line, Duration::from_secs(40), |s| {
        s.contains(pane_line)
    });
    let seen = SystemTime::now();
    let screen = tmux.wait_until(
        "timeline shows AMI_BUILD completed",
        Duration::from_secs(5),
        |s| {
            s.lines()
                .any(|l| l.contains("AMI_BUILD") && l.contains("completed"))
        },
    );
    assert!(
        screen.contains(&short),
        "the pane names the lifecycle:\n{screen}"
    );
    if let Some(finished) = finished_at(&env, &id, "AMI_BUILD") {
        let seen: chrono::DateTime<chrono::Utc> = seen.into();
        let ms = (seen - finished).num_milliseconds();
        println!("publish→screen (AMI_BUILD finished_at → capture-pane): {ms} ms");
    }

    // Trigger the next event from the keyboard and watch it run.
    tmux.keys(&["t"]);
    tmux.wait_for("Confirm");
    tmux.keys(&["y"]);
    tmux.wait_until("SMOKE_TESTS notification", Duration::from_secs(30), |s| {
        s.contains("SMOKE_TESTS (creation) IN_PROGRESS")
            || s.contains("SMOKE_TESTS (creation) COMPLETED")
    });
    tmux.wait_until("SMOKE_TESTS completed", Duration::from_secs(40), |s| {
        s.lines()
            .any(|l| l.contains("SMOKE_TESTS") && l.contains("completed"))
    });

    tmux.keys(&["q"]);
    wait_exit(&tmux, "q");
    no_queue_left(&env);
}

/// SIGTERM, SIGHUP and SIGINT take the same path: each, sent to a connected
/// dashboard, removes its queue and subscriptions and restores the terminal.
/// One session and one provisioned stack serve all three, one after another.
#[test]
fn signals_stop_the_stream_and_leave_no_queue() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let tmux = start(&env, "signals", "");
    for (i, signal) in ["TERM", "HUP", "INT"].into_iter().enumerate() {
        if i > 0 {
            launch(&tmux, "");
        }
        tmux.wait_for("● connected");
        let (queues, _) = leftovers(&env);
        assert_eq!(
            queues.len(),
            1,
            "SIG{signal}: the dashboard's own queue exists while it runs"
        );

        let shell = tmux.run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        let out = std::process::Command::new("ps")
            .args(["-o", "pid=", "--ppid", shell.trim()])
            .output()
            .expect("ps");
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            !pid.is_empty(),
            "SIG{signal}: no amiboard under the tmux shell"
        );
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(killed.success(), "SIG{signal}: kill failed");
        wait_exit(&tmux, signal);
        no_queue_left(&env);
    }
}
