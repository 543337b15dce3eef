//! Defect 3: closing the terminal (tmux kill-session) takes the same clean
//! path as `q`: the dashboard unsubscribes, deletes its queue and exits,
//! instead of panicking on the dead terminal and leaking the queue.

use std::time::{Duration, Instant};

use amiboard::aws::temp_queue as sub;
use amiboard::aws::{sns_subscribe, sqs};

use super::support::TestEnv;
use super::{Tmux, env_script};

/// The stream queues and subscriptions of this test's prefix.
fn leftovers(env: &TestEnv) -> (Vec<String>, usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let ctx = env.context().await;
        let clients = &ctx.sdk().expect("sdk clients").clients;
        let prefix = sub::queue_prefix(&ctx.config.prefix);
        let queues = sqs::list_queues(clients, &prefix)
            .await
            .expect("list queues");
        let subs =
            sns_subscribe::subscriptions_where(clients, |e| e.contains(&format!(":{prefix}")))
                .await
                .expect("list subscriptions");
        (queues, subs.len())
    })
}

/// Whether the process runs (a zombie waiting for its reaper does not).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

#[test]
fn defect_03_closing_the_terminal_removes_the_queue_and_exits() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let script = env_script(&env);
    let tmux = Tmux {
        socket: format!("amiboard-e2e-hup-{}", env.prefix.trim_end_matches('-')),
    };
    let command = format!(
        ". {}; exec {}",
        script.display(),
        env!("CARGO_BIN_EXE_amiboard")
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &command,
    ]);
    let pid = tmux
        .run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"])
        .trim()
        .to_string();
    assert!(!pid.is_empty(), "no pane pid");
    tmux.wait_for("● connected");
    let deadline = Instant::now() + Duration::from_secs(20);
    while leftovers(&env).0.len() != 1 {
        assert!(
            Instant::now() < deadline,
            "the dashboard's queue never appeared"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let closed = Instant::now();
    tmux.run(&["kill-session", "-t", "e2e"]);
    let deadline = closed + Duration::from_secs(5);
    while running(&pid) {
        assert!(
            Instant::now() < deadline,
            "amiboard (pid {pid}) still runs 5 s after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "terminal closed → process gone: {} ms",
        closed.elapsed().as_millis()
    );
    let deadline = closed + Duration::from_secs(8);
    loop {
        let (queues, subs) = leftovers(&env);
        if queues.is_empty() && subs == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "left behind after the terminal closed: queues {queues:?}, {subs} subscription(s)"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
