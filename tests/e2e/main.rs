//! The real binary in tmux against moto with seeded data: rows appear, a
//! timeline opens, help shows, a mutating key is refused read-only, `q` quits
//! and the shell is usable again. `live` drives a lifecycle read-write with
//! the notification stream on.

#[path = "../emulator/support.rs"]
mod support;

mod demo;
mod live;
mod logs;
mod palette;
mod retire;
mod terminal_loss;
mod triage;

use std::process::Command;
use std::time::{Duration, Instant};

use support::TestEnv;

/// A tmux server on its own socket, killed when dropped.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, Duration::from_secs(30), |s| s.contains(needle))
    }

    /// Polls the screen every 50 ms until `ok` holds; panics after `limit`.
    pub fn wait_until(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{what}` did not appear; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// A `width`x`height` tmux session named after the test, its shell set
    /// up with the test's environment, then `amiboard ARGS` typed into it.
    pub fn start(env: &TestEnv, name: &str, size: (u16, u16), args: &str) -> Tmux {
        let script = env_script(env);
        let tmux = Tmux {
            socket: format!("amiboard-e2e-{name}-{}", env.prefix.trim_end_matches('-')),
        };
        let (width, height) = (size.0.to_string(), size.1.to_string());
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width,
            "-y",
            &height,
            "sh",
        ]);
        tmux.keys(&[&format!(". {}", script.display()), "Enter"]);
        tmux.keys(&[
            &format!("{} {args}", env!("CARGO_BIN_EXE_amiboard")),
            "Enter",
        ]);
        tmux
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Writes a shell script that exports the test's environment; returns its path.
pub fn env_script(env: &TestEnv) -> std::path::PathBuf {
    let mut script =
        String::from("unset AWS_PROFILE AWS_DEFAULT_PROFILE AMIBOARD_CONFIG AMIBOARD_READ_ONLY\n");
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
    let script_path = env.dir.path().join("env.sh");
    std::fs::write(&script_path, script).expect("write env script");
    script_path
}

#[test]
fn dashboard_in_tmux_read_only() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "30"]);
    let tmux = Tmux::start(&env, "ro", (120, 40), "--read-only");

    let screen = tmux.wait_for("30 of 30");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("PRODUCT"), "{screen}");

    tmux.keys(&["Enter"]);
    tmux.wait_for("Timeline");
    tmux.wait_for("Creation");

    tmux.keys(&["Escape"]);
    tmux.wait_for("30 of 30");
    tmux.keys(&["?"]);
    let help = tmux.wait_for("Help (Esc back)");
    assert!(
        !help.contains("trigger next"),
        "read-only help offers a mutating key:\n{help}"
    );

    tmux.keys(&["Escape"]);
    // Wait for the list: an Escape followed at once by `t` can reach the
    // terminal as Alt-t.
    tmux.wait_until("the list again", Duration::from_secs(10), |s| {
        s.contains("30 of 30") && !s.contains("Help (Esc back)")
    });
    tmux.keys(&["t"]);
    // One notice, no dialog: the next key works at once. The notices screen
    // keeps it (a toast may already be covered by a newer one).
    tmux.keys(&["N"]);
    let notices = tmux.wait_for("a writer would run");
    assert!(!notices.contains("Cannot trigger"), "{notices}");
    tmux.keys(&["Escape"]);

    tmux.keys(&["q"]);
    // The alternate screen is gone once the terminal is restored.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.screen().contains("READ-ONLY") {
        assert!(Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["echo done-$((1+1))", "Enter"]);
    tmux.wait_for("done-2");
}
