//! On-call at 80x24: `/status:error,failed` lists every broken lifecycle
//! with its reason and age, the header's counts match `amiboard list
//! --json`, and the feed opens with the last hour read from the records.

use serde_json::Value;

use crate::Tmux;
use crate::support::TestEnv;

fn count(env: &TestEnv, filter: &str) -> usize {
    let out = env.ok(&["list", "--filter", filter, "--json"]);
    let listed: Value = serde_json::from_str(&out).expect("list --json");
    listed.as_array().map_or(0, Vec::len)
}

#[test]
fn triage_at_80x24_shows_reasons_ages_counts_and_history() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "40"]);
    // Created now: its build starting is in the last hour.
    let out = env
        .cmd()
        .args([
            "create",
            "--stack-tag",
            "e2etriage",
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
    let errors = count(&env, "status:error");
    let failed = count(&env, "status:failed");
    let broken = count(&env, "status:error,failed");
    assert!(errors > 0 && failed > 0, "the demo has broken lifecycles");
    assert_eq!(broken, errors + failed, "`,` is or");

    let tmux = Tmux::start(&env, "triage", (80, 24), "--read-only");
    let screen = tmux.wait_for("41 of 41");
    assert!(screen.contains(&format!("!{errors} error")), "{screen}");
    assert!(screen.contains(&format!("✘{failed} failed")), "{screen}");

    tmux.keys(&["/"]);
    tmux.keys(&["-l", "status:error,failed"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&format!("{broken} of 41"));
    assert!(
        screen.contains("REASON") && screen.contains("AGE"),
        "{screen}"
    );
    // At 80 columns beside a REASON the stage is its glyph and event.
    for line in screen.lines().filter(|l| l.contains(" ! ")) {
        assert!(
            line.contains("States.Timeout"),
            "no reason: {line}\n{screen}"
        );
    }
    for line in screen.lines().filter(|l| l.contains(" ✘ ")) {
        assert!(
            // A failed scan the seed left without a reason reads its counts.
            line.contains("report") || line.contains("Rejected") || line.contains("scan found"),
            "no reason: {line}\n{screen}"
        );
    }
    // Problems first, from the keyboard.
    tmux.keys(&["!"]);
    tmux.wait_for("problems first");

    // The feed starts with the last hour, marked as history.
    tmux.keys(&["n"]);
    let screen = tmux.wait_for("history");
    assert!(screen.contains("Build"), "{screen}");
    tmux.keys(&["q"]);
}
