//! The `:` palette in a real terminal: `:region` re-opens the dashboard on
//! another region (its own tables and rows, the header names it), an id
//! prefix jumps to a lifecycle's timeline, and a bad line keeps the bar open
//! with its sentence.

use std::time::{Duration, Instant};

use crate::Tmux;
use crate::support::TestEnv;

#[test]
fn region_switches_and_an_id_prefix_jumps() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "30"]);
    env.ok(&["--region", "eu-west-1", "provision"]);
    env.ok(&["--region", "eu-west-1", "seed", "--lifecycles", "5"]);
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["--region", "eu-west-1", "list", "--json"]))
            .expect("list --json");
    let target = listed[0]["lifecycle_id"]
        .as_str()
        .expect("an id")
        .to_string();

    let tmux = Tmux::start(&env, "pal", (120, 40), "");
    let screen = tmux.wait_for("30 of 30");
    assert!(screen.contains("us-east-1"), "{screen}");

    // A line the palette does not know: the bar stays open and says why.
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "frobnicate now"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("unknown command `frobnicate`");
    tmux.keys(&["Escape"]);
    // Escape alone first: an Escape and a `:` read together are Alt+`:`.
    tmux.wait_until("the palette closed", Duration::from_secs(30), |s| {
        !s.contains("unknown command")
    });

    tmux.keys(&[":"]);
    tmux.keys(&["-l", "region eu-west-1"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_until("5 of 5 in eu-west-1", Duration::from_secs(30), |s| {
        s.contains("5 of 5") && s.contains("eu-west-1")
    });
    assert!(!screen.contains("30 of 30"), "{screen}");

    tmux.keys(&[":"]);
    tmux.keys(&["-l", &target[..8]]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Timeline");
    assert!(screen.contains(&target[..8]), "{screen}");

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.screen().contains("Timeline") {
        assert!(Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Tab completes a palette command and its profile argument from the AWS
/// files; `:profile nosuch` is refused with a notice and the header keeps
/// the profile in use.
#[test]
fn tab_completes_and_an_unknown_profile_is_refused_80x24() {
    tab_completes_and_an_unknown_profile_is_refused((80, 24), "tab80");
}

#[test]
fn tab_completes_and_an_unknown_profile_is_refused_160x48() {
    tab_completes_and_an_unknown_profile_is_refused((160, 48), "tab160");
}

fn tab_completes_and_an_unknown_profile_is_refused(size: (u16, u16), name: &str) {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "5"]);
    std::fs::write(
        env.dir.path().join("aws-config"),
        "[profile e2e-admin]\nregion = us-east-1\n",
    )
    .expect("write the AWS config");
    let tmux = Tmux::start(&env, name, size, "--read-only");
    let screen = tmux.wait_for("5 of 5");
    assert!(screen.contains("profile default"), "{screen}");

    tmux.keys(&[":"]);
    tmux.keys(&["-l", "prof"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "e2e"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(":profile e2e-admin█");
    tmux.keys(&["C-u"]);
    tmux.keys(&["-l", "profile nosuch"]);
    tmux.keys(&["Enter"]);
    tmux.wait_until("the palette to close", Duration::from_secs(10), |s| {
        !s.contains("profile nosuch█")
    });
    // The notices history keeps the refusal whether it showed as a dialog or
    // a passing notice (a loaded machine can miss a short-lived one).
    tmux.keys(&["N"]);
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let screen = tmux.wait_until("the refusal", Duration::from_secs(30), |s| {
        flat(s).contains("profile nosuch is not defined")
    });
    // Still on the same credentials, and the header says so.
    assert!(screen.contains("profile default"), "{screen}");
    assert!(
        !screen.lines().take(2).any(|l| l.contains("nosuch")),
        "{screen}"
    );
    tmux.keys(&["q"]);
}
