//! The approval inbox and the production view as a user meets them, against
//! the emulator with real workflows: a lifecycle driven to "QA requested" is
//! listed by `amiboard inbox --json` with its requester and waiting time, is
//! certified from the dashboard's inbox screen in tmux (`i`, select, `c`, the
//! reason, confirm), and after its promotion `amiboard production --json`
//! names its AMI and version.

use std::process::Command;
use std::time::{Duration, Instant};

use amiboard::lifecycle::{EventKind, EventStatus};

use crate::support::TestEnv;
use crate::workflows::{completed, create, creation, ready};

fn json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let out = env.ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// A tmux server on its own socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "inbox"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.run(&["capture-pane", "-p", "-t", "inbox"]);
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` did not appear; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The dashboard of this test's environment in a 120x40 tmux window.
fn dashboard(env: &TestEnv) -> Tmux {
    let mut script = String::from("unset AWS_PROFILE AWS_DEFAULT_PROFILE AMIBOARD_CONFIG\n");
    let mut vars = env.vars();
    vars.push((
        "AWS_CONFIG_FILE".into(),
        env.dir.path().join("aws-config").display().to_string(),
    ));
    vars.push((
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        env.dir.path().join("aws-credentials").display().to_string(),
    ));
    vars.push(("TERM".into(), "xterm-256color".into()));
    for (k, v) in vars {
        script.push_str(&format!("export {k}='{v}'\n"));
    }
    let path = env.dir.path().join("env.sh");
    std::fs::write(&path, script).expect("env script");
    let tmux = Tmux {
        socket: format!("amiboard-inbox-{}", env.prefix.trim_end_matches('-')),
    };
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "inbox",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
    ]);
    tmux.keys(&[&format!(". {}", path.display()), "Enter"]);
    tmux.keys(&[env!("CARGO_BIN_EXE_amiboard"), "Enter"]);
    tmux
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requested_qa_waits_in_the_inbox_is_certified_from_it_and_reaches_production() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let idle = create(&env, "main", &[]);
    let id = create(&env, "main", &[]);
    completed(&ctx, &idle, creation(EventKind::AmiBuild)).await;
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }
    let lc = ctx.store.get(&id).await.expect("get");
    let request = lc
        .record(creation(EventKind::QaCertificationRequest))
        .expect("request");
    let requester = request.actor.clone().expect("the request's actor");

    // The CLI lists it (and only it) with who asked and for how long.
    let inbox = json(&env, &["inbox", "--json"]);
    let items = inbox.as_array().expect("an array");
    assert_eq!(items.len(), 1, "only the QA request waits: {inbox:#}");
    let item = &items[0];
    assert_eq!(item["lifecycle_id"], id.as_str());
    assert_eq!(item["waiting_for"], "qa_decision");
    assert_eq!(item["requested_by"], requester.as_str());
    assert_eq!(item["smoke_tests"], "COMPLETED");
    assert!(
        item["waiting_seconds"].as_i64().is_some_and(|s| s >= 0),
        "{item}"
    );
    let waited = item["waiting"].as_str().expect("waiting");
    assert!(waited.ends_with('s') || waited.ends_with('m'), "{waited}");
    assert!(
        item["amis"][0]["ami_id"]
            .as_str()
            .is_some_and(|a| a.starts_with("ami-"))
    );
    assert_eq!(
        item["vulnerabilities"]["critical"], 0,
        "the scan's counts: {item}"
    );

    // The list filters on the same counts; a lifecycle never scanned matches none.
    let ids = |filter: &str| -> Vec<String> {
        json(&env, &["list", "--filter", filter, "--json"])
            .as_array()
            .expect("an array")
            .iter()
            .map(|lc| lc["lifecycle_id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(ids("critical:0 high:>=0"), std::slice::from_ref(&id));
    assert_eq!(ids("critical:>0"), Vec::<String>::new());
    let (code, out, err) = env.run(&["list", "--filter", "high:>x"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("`high:>x` is not a comparison"), "{err}");

    let text = env.ok(&["inbox"]);
    assert!(text.contains(&id) && text.contains("QA decision"), "{text}");
    assert_eq!(
        json(&env, &["inbox", "--stack-tag", "elsewhere", "--json"]),
        serde_json::json!([])
    );

    // In the dashboard: `i`, the row, `c`, a reason, confirm.
    let tmux = dashboard(&env);
    tmux.wait_for("2 of 2");
    tmux.keys(&["i"]);
    let screen = tmux.wait_for("Approval inbox");
    assert!(
        screen.contains(&id[..8]) && screen.contains("QA decision"),
        "{screen}"
    );
    tmux.keys(&["c"]);
    tmux.wait_for("Reason>");
    tmux.keys(&["-l", "smoke and scans reviewed"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Confirm (y)");
    tmux.keys(&["y"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let shown = loop {
        let shown = json(&env, &["show", &id, "--json"]);
        let response = shown["creation_events"]
            .as_array()
            .and_then(|events| {
                events
                    .iter()
                    .find(|e| e["event"] == "QA_CERTIFICATION_RESPONSE")
            })
            .cloned()
            .expect("the QA response record");
        if response["status"] != "NOT_STARTED" {
            break response;
        }
        assert!(Instant::now() < deadline, "not certified: {shown:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(shown["status"], EventStatus::Completed.name());
    assert_eq!(shown["reason"], "smoke and scans reviewed");
    // Certified, it now waits for promotion, and the inbox screen says so.
    tmux.wait_for("promotion");
    tmux.keys(&["q"]);
    let inbox = json(&env, &["inbox", "--json"]);
    assert_eq!(inbox[0]["waiting_for"], "promotion", "{inbox:#}");

    // Promoted: the production view names the AMI and the version.
    assert_eq!(json(&env, &["production", "--json"]), serde_json::json!([]));
    env.ok(&["promote", &id, "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::MarkForProduction)).await;
    let ami = lc.stage_amis(amiboard::lifecycle::Stage::Creation)[0].clone();
    let production = json(&env, &["production", "--json"]);
    let entries = production.as_array().expect("an array");
    assert_eq!(entries.len(), 1, "{production:#}");
    let entry = &entries[0];
    assert_eq!(entry["stack_tag"], "main");
    assert_eq!(entry["product_name"], "web");
    assert_eq!(entry["region"], ami.region.as_str());
    assert_eq!(entry["current"]["ami_id"], ami.ami_id.as_str());
    assert_eq!(
        entry["current"]["semver"].as_str(),
        lc.ami_semver.as_deref(),
        "{entry:#}"
    );
    assert!(entry["current"]["promoted_by"].is_string(), "{entry:#}");
    assert_eq!(entry["history"], serde_json::json!([]));
    let text = env.ok(&["production"]);
    assert!(text.contains(&ami.ami_id), "{text}");
    assert_eq!(json(&env, &["inbox", "--json"]), serde_json::json!([]));
}
