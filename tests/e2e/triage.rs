//! On-call at 80x24 and 160x48 against the demo data: `/status:error,failed`
//! lists every broken lifecycle with its reason and age, the header's counts
//! match `amiboard list --json`, a read-only refusal names the command a
//! writer would run, the feed opens with the last hour read from the
//! records, and a row whose execution does not exist is not shown running.

use std::time::Duration;

use serde_json::Value;

use crate::Tmux;
use crate::support::TestEnv;

fn listed(env: &TestEnv, filter: &str) -> Vec<Value> {
    let out = env.ok(&["list", "--filter", filter, "--json"]);
    let listed: Value = serde_json::from_str(&out).expect("list --json");
    listed.as_array().cloned().unwrap_or_default()
}

/// Whether `word` is an age as the list writes it: `45s`, `12m`, `3h05m`,
/// `29d14h`.
fn is_age(word: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let split = |s: &str, unit: char| s.strip_suffix(unit).map(str::to_string);
    if let Some(rest) = split(word, 's').or_else(|| split(word, 'm')) {
        if digits(&rest) {
            return true;
        }
        // 3h05m
        return rest
            .split_once('h')
            .is_some_and(|(h, m)| digits(h) && m.len() == 2 && digits(m));
    }
    split(word, 'h').is_some_and(|rest| {
        rest.split_once('d')
            .is_some_and(|(d, h)| digits(d) && h.len() == 2 && digits(h))
    })
}

/// The header's count of a group (`!9 error` at full width, `!9` when the
/// header is narrow: the word is the first to go), 0 when it shows none.
fn header_count(screen: &str, glyph: &str) -> usize {
    let header = screen.lines().nth(1).unwrap_or_default();
    header
        .split_whitespace()
        .find_map(|w| w.strip_prefix(glyph).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// The list rows of broken lifecycles on screen (error `!`, failed `✘`,
/// lost `✗`).
fn broken_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(4)
        .filter(|l| l.contains(" ! ") || l.contains(" ✘ ") || l.contains(" ✗ "))
        .map(str::to_string)
        .collect()
}

/// No list line shows a lifecycle that is not broken (none left over from
/// the frame before the filter).
fn only_broken(screen: &str) -> bool {
    !screen
        .lines()
        .skip_while(|l| !l.contains("PRODUCT"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .any(|l| [" ✔ ", " · ", " ◐ ", " ◇ "].iter().any(|g| l.contains(g)))
}

/// Claims SMOKE_TESTS of lifecycle `id` with an execution that does not
/// exist, on a state machine that does not exist either (as demo data from
/// elsewhere would): such a row must never read as running.
fn ghost_run(env: &TestEnv, id: &str) {
    use amiboard::lifecycle::{EventKind, EventRef, Stage};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let ctx = env.context().await;
        let at = EventRef {
            stage: Stage::Creation,
            event: EventKind::SmokeTests,
        };
        // The build's own workflow writes the record too: wait for it to
        // end, and read again if a write lands between the read and ours.
        for _ in 0..120 {
            let mut lc = ctx.store.get(id).await.expect("the created lifecycle");
            if lc.running().is_some() {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
            let record = lc.record_mut(at).expect("its smoke tests");
            record.claim("e2e", 1, chrono::Utc::now() - chrono::Duration::minutes(5));
            record.execution_arn = Some(format!(
                "arn:aws:states:us-east-1:123456789012:execution:no-such-machine:{id}-ghost-1"
            ));
            if ctx.store.save(&lc).await.is_ok() {
                return;
            }
        }
        panic!("the ghost run of {id} was never saved");
    });
}

fn triage(size: (u16, u16)) {
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
    let created: Value = serde_json::from_slice(&out.stdout).expect("create --json");
    let id = created["lifecycle_id"]
        .as_str()
        .or_else(|| created["lifecycle"]["lifecycle_id"].as_str())
        .expect("the created id")
        .to_string();
    ghost_run(&env, &id);
    let errors = listed(&env, "status:error").len();
    let failed = listed(&env, "status:failed").len();
    let broken = listed(&env, "status:error,failed");
    assert!(errors > 0 && failed > 0, "the demo has broken lifecycles");
    assert_eq!(broken.len(), errors + failed, "`,` is or");
    // List rows on screen: the header, title, column heads, status line and
    // footer take 6. The first page and the last show every broken one.
    let rows = usize::from(size.1) - 6;
    assert!(broken.len() <= 2 * rows, "two pages show every broken one");

    let tmux = Tmux::start(&env, &format!("triage{}", size.0), size, "--read-only");
    // The header counts what `list --json` lists: its errors are the
    // header's errors and lost runs (`?`: an execution that ended or does not
    // exist, shown ERROR by both, not written read-only), once the watcher
    // has looked (`?` shows).
    let screen = tmux.wait_until("lost", Duration::from_secs(30), |s| {
        s.contains("41 of 41") && header_count(s, "?") > 0
    });
    let errors_now = listed(&env, "status:error").len();
    assert_eq!(
        header_count(&screen, "!") + header_count(&screen, "?"),
        errors_now,
        "{screen}"
    );
    assert_eq!(header_count(&screen, "✘"), failed, "{screen}");

    // A read-only refusal names the command a writer would run (the
    // notices screen keeps it: a toast may already be covered by a newer one).
    tmux.keys(&["t"]);
    tmux.keys(&["N"]);
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let screen = tmux.wait_until("a writer would run", Duration::from_secs(30), |s| {
        flat(s).contains("a writer would run")
    });
    assert!(
        flat(&screen).contains("a writer would run `amiboard trigger"),
        "{screen}"
    );
    tmux.keys(&["Escape"]);
    // Back on the list once the refusal's toast (6 s) no longer covers rows.
    tmux.wait_until("the list again", Duration::from_secs(15), |s| {
        s.contains("41 of 41") && !s.contains("Notices") && !flat(s).contains("writer would")
    });

    // A row whose execution does not exist (the ghost run) is not shown
    // running: the watcher found it lost.
    let running: Vec<&str> = screen
        .lines()
        .skip(4)
        .filter(|l| l.contains(" ◐ "))
        .collect();
    assert!(
        running.is_empty(),
        "running rows without an execution: {running:?}\n{screen}"
    );

    tmux.keys(&["/"]);
    tmux.keys(&["-l", "status:error,failed"]);
    tmux.keys(&["Enter"]);
    // The whole filtered frame (a large frame takes more than one write:
    // the title can be on screen before the rows under it).
    let title = format!("{} of 41", broken.len());
    let screen = tmux.wait_until("the filtered list", Duration::from_secs(10), |s| {
        s.contains(&title) && only_broken(s) && broken_lines(s).len() == broken.len().min(rows)
    });
    assert!(
        screen.contains("REASON") && screen.contains("AGE"),
        "{screen}"
    );
    // Every broken lifecycle is listed, each with its reason and its age:
    // the first page, then the last.
    let first = broken_lines(&screen);
    assert_eq!(first.len(), broken.len().min(rows), "{screen}");
    tmux.keys(&["G"]);
    let bottom = tmux.wait_until("the last page", Duration::from_secs(10), |s| {
        only_broken(s) && (broken.len() <= rows || broken_lines(s) != first)
    });
    let last = broken_lines(&bottom);
    assert_eq!(last.len(), broken.len().min(rows), "{bottom}");
    let shown = format!("{screen}\n{bottom}");
    for line in first.iter().chain(&last) {
        // The age, then the reason (free text, cut at the column's edge
        // when the terminal is narrow): never empty.
        let words: Vec<&str> = line.split_whitespace().collect();
        let age = words.iter().position(|w| is_age(w));
        assert!(age.is_some(), "no age: {line}\n{shown}");
        let reason = age.map_or(0, |i| words.len() - i - 1);
        assert!(reason > 0, "no reason: {line}\n{shown}");
    }
    for lc in &broken {
        let product = format!(
            "{} {}",
            lc["product_name"].as_str().unwrap_or_default(),
            lc["product_version"].as_str().unwrap_or_default()
        );
        assert!(shown.contains(&product), "{product} missing\n{shown}");
    }
    tmux.keys(&["g"]);
    // Problems first, from the keyboard.
    tmux.keys(&["!"]);
    tmux.wait_for("problems first");

    // The feed starts with the last hour, marked as history.
    tmux.keys(&["n"]);
    let screen = tmux.wait_for("history");
    assert!(screen.contains("Build"), "{screen}");
    tmux.keys(&["q"]);
}

#[test]
fn triage_at_80x24_shows_reasons_ages_counts_and_history() {
    triage((80, 24));
}

#[test]
fn triage_at_160x48_shows_reasons_ages_counts_and_history() {
    triage((160, 48));
}

#[test]
fn ages_are_recognised() {
    for age in ["45s", "12m", "3h05m", "29d14h"] {
        assert!(is_age(age), "{age}");
    }
    for not in ["prod", "2.7", "710h44", "ami-0", "5m0"] {
        assert!(!is_age(not), "{not}");
    }
}
