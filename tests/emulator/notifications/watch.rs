//! `amiboard watch` and `amiboard cleanup` as a user runs them: signals
//! leave nothing behind, kill -9 leaves what `cleanup` removes, and hostile
//! message content prints as harmless text.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{create_topics, publish, stream_queues, stream_subscriptions};
use crate::support::TestEnv;

/// A running `amiboard watch` with its output read line by line.
struct Watch {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

fn lines(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Watch {
    /// Starts `watch` and waits until it is subscribed.
    fn start(env: &TestEnv, args: &[&str]) -> Self {
        let mut child = env
            .cmd()
            .arg("watch")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn watch");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let watch = Watch {
            child,
            stdout,
            stderr,
        };
        watch.stderr_until("watching");
        watch
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Stderr lines up to and including the first that contains `text`.
    fn stderr_until(&self, text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(err) => panic!("no `{text}` on watch's stderr ({err}); saw {seen:?}"),
            }
        }
    }

    fn next_stdout(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(10))
            .expect("a line from watch")
    }

    /// Sends a signal with kill(1) and waits for the exit code.
    fn signal(mut self, signal: &str) -> Option<i32> {
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), self.pid()])
            .status()
            .expect("run kill");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "watch did not exit on SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_leaves_nothing_behind_on_sigterm_sighup_and_sigint() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    create_topics(&ctx).await;
    for signal in ["TERM", "HUP", "INT"] {
        let watch = Watch::start(&env, &[]);
        assert_eq!(
            stream_queues(&ctx).await.len(),
            1,
            "SIG{signal}: a queue while watching"
        );
        assert_eq!(
            stream_subscriptions(&ctx).await.len(),
            4,
            "SIG{signal}: one per topic"
        );
        assert_eq!(watch.signal(signal), Some(0), "SIG{signal} is a clean stop");
        assert!(
            stream_queues(&ctx).await.is_empty(),
            "SIG{signal} left a queue"
        );
        assert!(
            stream_subscriptions(&ctx).await.is_empty(),
            "SIG{signal} left subscriptions"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_removes_what_kill_9_left_and_spares_a_live_watch() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    create_topics(&ctx).await;
    let killed = Watch::start(&env, &[]);
    let killed_pid = killed.pid();
    assert_eq!(killed.signal("KILL"), None, "killed by a signal");
    let left = stream_queues(&ctx).await;
    assert_eq!(left.len(), 1, "kill -9 leaves the queue");
    assert_eq!(stream_subscriptions(&ctx).await.len(), 4);

    // A new watch mentions the leftover at start-up; it stays running.
    let live = Watch::start_noting_leftover(&env);

    let dry = env.ok(&["cleanup", "--dry-run"]);
    assert!(dry.starts_with("would remove queue"), "{dry}");
    assert!(
        dry.contains(&format!("process {killed_pid} on this host is gone")),
        "{dry}"
    );
    assert_eq!(dry.lines().count(), 1, "only the dead one: {dry}");
    assert_eq!(
        stream_queues(&ctx).await.len(),
        2,
        "--dry-run removes nothing"
    );
    assert_eq!(stream_subscriptions(&ctx).await.len(), 8);

    let removed = env.ok(&["cleanup"]);
    assert!(removed.starts_with("removed queue"), "{removed}");
    assert!(removed.contains("4 subscription(s)"), "{removed}");
    let remaining = stream_queues(&ctx).await;
    assert_eq!(remaining.len(), 1, "the live watch's queue stays");
    assert_ne!(remaining[0], left[0]);
    assert_eq!(stream_subscriptions(&ctx).await.len(), 4);
    assert_eq!(
        env.ok(&["cleanup"]).trim(),
        "no leftover notification queues or subscriptions"
    );

    assert_eq!(live.signal("TERM"), Some(0));
    assert!(stream_queues(&ctx).await.is_empty());
    assert!(stream_subscriptions(&ctx).await.is_empty());
}

impl Watch {
    fn start_noting_leftover(env: &TestEnv) -> Self {
        let mut child = env
            .cmd()
            .arg("watch")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn watch");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let watch = Watch {
            child,
            stdout,
            stderr,
        };
        let seen = watch.stderr_until("watching");
        assert!(
            seen.iter()
                .any(|l| l.contains("1 leftover") && l.contains("amiboard cleanup")),
            "{seen:?}"
        );
        watch
    }
}

const HOSTILE: &str = "pwned \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m\r\u{8}\u{9b}31m \u{202e}txt.exe";

fn assert_harmless(line: &str) {
    assert!(
        !line
            .chars()
            .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c) || c == '\u{202e}'),
        "control characters reached the terminal: {line:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_a_message_print_as_harmless_text() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let [topic, ..] = create_topics(&ctx).await;

    let watch = Watch::start(&env, &[]);
    publish(&ctx, &topic, HOSTILE, &[("lifecycle_id", "lc-\u{1b}[1mx")]).await;
    let line = watch.next_stdout();
    assert_harmless(&line);
    assert!(
        line.contains("pwned ␛]52;c;ZXZpbA==␇␛[2J␛[31mred␛[0m"),
        "{line}"
    );
    assert!(line.contains("lc-␛[1mx"), "{line}");
    assert_eq!(watch.signal("TERM"), Some(0));

    let watch = Watch::start(&env, &["--json"]);
    publish(&ctx, &topic, HOSTILE, &[]).await;
    let line = watch.next_stdout();
    let value: serde_json::Value = serde_json::from_str(&line).expect("JSON Lines");
    for key in ["summary", "raw"] {
        let text = value[key].as_str().expect(key);
        assert_harmless(text);
        assert!(text.contains("␛[2J"), "{key}: {text}");
    }
    assert_eq!(value["source"], "unknown");
    assert_eq!(value["kind"], "raw");
    assert!(value["message_id"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(watch.signal("TERM"), Some(0));
}

#[test]
fn watch_once_without_topics_exits_1_with_one_line() {
    // Without --once, watch keeps retrying (hardening 8); --once gives up.
    let env = TestEnv::new();
    let (code, out, err) = env.run(&["watch", "--once"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("no live notifications") && err.contains("amiboard provision"),
        "{err}"
    );
}
