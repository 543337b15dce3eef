//! The first run, as a new user has it: a fresh clone of the repository
//! with `CARGO_TARGET_DIR` set runs `scripts/demo.sh` to the dashboard's first
//! screen in tmux; left open, the demo moves by itself (the demo driver):
//! within 3 minutes the feed shows a failure, a retry and a promotion that no
//! key asked for; when the dashboard quits, the driver and the emulator stop.
//!
//! The clone builds into the test's own target directory (the one this test
//! was built in), so only amiboard's own crate is compiled again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Tmux;

/// The target directory this test was built in.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("the target directory")
                .to_path_buf()
        },
        PathBuf::from,
    )
}

/// The Python environment with moto the tests use (its `bin/python` is
/// `AMIBOARD_PYTHON`), so the clone does not install moto again.
fn venv() -> PathBuf {
    std::env::var_os("AMIBOARD_PYTHON")
        .map(PathBuf::from)
        .and_then(|python| python.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"))
}

/// What the feed showed of the demo driver's lifecycles (stack tag `demo`),
/// live (not the history read at open).
#[derive(Default)]
struct Seen {
    failure: Option<String>,
    retry: Option<String>,
    promotion: Option<String>,
}

impl Seen {
    fn read(&mut self, screen: &str) {
        for line in screen.lines() {
            if !line.contains("amiboard") || !line.contains(" demo: ") {
                continue;
            }
            if self.failure.is_none() && line.contains(" FAILED") {
                self.failure = Some(line.trim().to_string());
            }
            if self.retry.is_none() && line.contains("attempt 2") {
                self.retry = Some(line.trim().to_string());
            }
            if self.promotion.is_none()
                && line.contains("MARK_FOR_PRODUCTION")
                && line.contains("COMPLETED")
            {
                self.promotion = Some(line.trim().to_string());
            }
        }
    }

    fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.failure.is_none() {
            missing.push("a failure (a demo lifecycle's event FAILED)");
        }
        if self.retry.is_none() {
            missing.push("a retry (a demo lifecycle's event at attempt 2)");
        }
        if self.promotion.is_none() {
            missing.push("a promotion (MARK_FOR_PRODUCTION COMPLETED)");
        }
        missing
    }
}

/// Whether demo.sh ended: the shell printed `demo-exit-` and its exit code
/// (the typed command line shows `demo-exit-$?`).
fn exit_code(screen: &str) -> Option<String> {
    screen.split("demo-exit-").skip(1).find_map(|rest| {
        let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!code.is_empty()).then_some(code)
    })
}

/// Waits until no process of the driver's group `pgid` is left.
fn assert_group_gone(pgid: &str, after: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = group_members(pgid);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the demo driver's processes {left:?} (group {pgid}) still run {after}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits for the driver's log to name its pid and for its tracks to run
/// (demo.sh starts moto, provisions and seeds first: up to a minute on a
/// busy machine).
fn running_driver(log: &Path) -> String {
    let deadline = Instant::now() + Duration::from_mins(3);
    loop {
        if let Some(pid) = driver_pid(log)
            && group_members(&pid).len() > 1
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "the demo driver did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn pid_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// The processes of process group `pgid` (the driver leads its own: it, its
/// tracks and the amiboard command each runs).
fn group_members(pgid: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // pid (comm) state ppid pgrp ...: comm may hold spaces.
            let after = stat.rsplit_once(')')?.1;
            let pgrp = after.split_whitespace().nth(2)?;
            (pgrp == pgid).then(|| entry.file_name().to_string_lossy().into_owned())
        })
        .collect()
}

/// The pid the driver's log names on its first line (`driver: pid N, ...`).
fn driver_pid(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let rest = text.lines().next()?.split("driver: pid ").nth(1)?;
    Some(rest.split(',').next()?.trim().to_string())
}

#[test]
fn a_fresh_clone_runs_the_demo_and_the_demo_moves_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clone = dir.path().join("amiboard");
    let out = Command::new("git")
        .args(["clone", "--quiet", env!("CARGO_MANIFEST_DIR")])
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(out.status.success(), "git clone: {out:?}");
    std::os::unix::fs::symlink(venv(), clone.join(".venv")).expect("link .venv");

    // A shell with nothing of the developer's AWS or amiboard setup.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let driver_log = dir.path().join("driver.log");
    let script = format!(
        "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_REGION AMIBOARD_CONFIG AMIBOARD_READ_ONLY\n\
         export XDG_CONFIG_HOME='{home}/config' XDG_STATE_HOME='{home}/state' XDG_DATA_HOME='{home}/data'\n\
         export AWS_CONFIG_FILE='{home}/aws-config' AWS_SHARED_CREDENTIALS_FILE='{home}/aws-credentials'\n\
         export CARGO_TARGET_DIR='{target}' AMIBOARD_DEMO_LIFECYCLES=100\n\
         export AMIBOARD_DEMO_DRIVER_LOG='{log}' TERM=xterm-256color\n\
         cd '{clone}'\n",
        home = home.display(),
        target = target_dir().display(),
        log = driver_log.display(),
        clone = clone.display(),
    );
    let env_sh = dir.path().join("env.sh");
    std::fs::write(&env_sh, script).expect("env script");

    let tmux = Tmux {
        socket: format!("amiboard-e2e-demo-{}", std::process::id()),
    };
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "160",
        "-y",
        "48",
        "bash",
        "--norc",
    ]);
    tmux.keys(&[&format!(". '{}'", env_sh.display()), "Enter"]);
    let started = Instant::now();
    tmux.keys(&["scripts/demo.sh; echo demo-exit-$?", "Enter"]);

    // The first screen: the header (mode badge, rows loaded). Rebuilding
    // amiboard's own crate from the clone takes minutes on a busy machine.
    let screen = tmux.wait_until("the dashboard's header", Duration::from_mins(20), |s| {
        assert!(
            exit_code(s).is_none(),
            "demo.sh stopped before the dashboard opened:\n{s}"
        );
        s.contains("READ-WRITE") && s.contains("PRODUCT")
    });
    let to_first_screen = started.elapsed();
    eprintln!(
        "fresh clone: scripts/demo.sh reached the first screen in {:.0} s",
        to_first_screen.as_secs_f64()
    );
    assert!(screen.contains("PRODUCT"), "{screen}");

    // Then hands off the keyboard: only the full-screen feed is opened.
    tmux.keys(&["F"]);
    let opened = Instant::now();
    let mut seen = Seen::default();
    let mut lines = BTreeSet::new();
    while opened.elapsed() < Duration::from_mins(3) && !seen.missing().is_empty() {
        let screen = tmux.screen();
        seen.read(&screen);
        lines.extend(
            screen
                .lines()
                .filter(|l| l.contains(" demo: "))
                .map(str::to_string),
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let missing = seen.missing();
    assert!(
        missing.is_empty(),
        "left open for {} s, the demo did not show {}.\nThe feed's demo lines:\n{}\nThe driver's log:\n{}",
        opened.elapsed().as_secs(),
        missing.join(", "),
        lines.into_iter().collect::<Vec<_>>().join("\n"),
        std::fs::read_to_string(&driver_log).unwrap_or_default(),
    );
    eprintln!(
        "the demo showed a failure, a retry and a promotion {:.0} s after it opened:\n  {}\n  {}\n  {}",
        opened.elapsed().as_secs_f64(),
        seen.failure.as_deref().unwrap_or_default(),
        seen.retry.as_deref().unwrap_or_default(),
        seen.promotion.as_deref().unwrap_or_default(),
    );

    // Quitting the dashboard stops the driver (and the emulator) with it.
    let driver = driver_pid(&driver_log).expect("the driver's log names its pid");
    assert!(pid_alive(&driver), "the driver stopped while the demo ran");
    let members = group_members(&driver);
    assert!(
        members.len() > 1,
        "the driver leads a process group with its tracks: {members:?}"
    );
    // Ctrl-C quits the dashboard (its clean path), then demo.sh ends.
    tmux.keys(&["F"]);
    tmux.keys(&["C-c"]);
    tmux.wait_until("demo.sh's exit", Duration::from_secs(30), |s| {
        exit_code(s).is_some()
    });
    let screen = tmux.screen();
    assert_eq!(exit_code(&screen).as_deref(), Some("0"), "{screen}");
    // What demo.sh said before the dashboard took the screen: each step
    // with its seconds.
    let said = tmux.run(&["capture-pane", "-p", "-t", "e2e", "-S", "-400"]);
    for line in said.lines().filter(|l| l.starts_with("amiboard: ")) {
        eprintln!("  {line}");
    }
    assert_group_gone(&driver, "after the dashboard quit");

    // Ctrl-C before the dashboard opens (demo.sh's pause) stops the driver
    // too: the terminal's SIGINT reaches demo.sh, not the driver's group.
    tmux.keys(&["clear", "Enter"]);
    tmux.wait_until("a clear screen", Duration::from_secs(10), |s| {
        exit_code(s).is_none()
    });
    let second_log = dir.path().join("driver-2.log");
    tmux.keys(&[
        &format!(
            "AMIBOARD_DEMO_PAUSE=600 AMIBOARD_DEMO_DRIVER_LOG='{}' scripts/demo.sh; echo demo-exit-$?",
            second_log.display()
        ),
        "Enter",
    ]);
    let driver = running_driver(&second_log);
    tmux.wait_for("The demo driver's log");
    tmux.keys(&["C-c"]);
    tmux.wait_until("demo.sh's exit", Duration::from_secs(30), |s| {
        exit_code(s).is_some()
    });
    let screen = tmux.screen();
    assert_eq!(exit_code(&screen).as_deref(), Some("130"), "{screen}");
    assert_group_gone(&driver, "after Ctrl-C");
}
