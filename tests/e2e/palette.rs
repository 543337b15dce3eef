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
