//! Prints the dashboard's performance figures (a benchmark, not a test):
//! frame render time with 1000 and 100000 lifecycles, key-press-to-redrawn
//! frame while pages load in the background, the CPU the first load of
//! 100000 spends building the view, one re-read and one notification
//! applied with 100000 loaded, CPU over idle seconds with 100000 loaded and
//! the stream connected, and memory with 100000 lifecycles (also its peak
//! during a refresh). `scripts/bench.sh` prints the issue-12 table.
//!
//! `cargo run --release --example dashboard_bench [idle_seconds]`

#![allow(clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use amiboard::app::action::{Action, PageData};
use amiboard::app::feed::StreamStatus;
use amiboard::app::keymap::Keymap;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::{start_load, update};
use amiboard::lifecycle::Lifecycle;
use amiboard::lifecycle::demo::demo_lifecycles;
use amiboard::ui::{render, theme::Theme};

/// Built with `--features mimalloc`, the benchmark runs on the allocator the
/// binary then uses (the A/B in `scripts/bench.sh`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn demo(from: u64, n: u64) -> Vec<Lifecycle> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .unwrap_or_default();
    demo_lifecycles(from..from + n, now)
}

fn fresh_state() -> State {
    let target = Connection {
        region: "us-east-1".into(),
        table: "amiboard-lifecycles".into(),
        ..Connection::default()
    };
    let mut state = State::new(Keymap::default(), false, target, Utc::now());
    update(
        &mut state,
        Action::Resized {
            width: 160,
            height: 48,
        },
    );
    state
}

fn feed(state: &mut State, lifecycles: Vec<Lifecycle>) {
    let page = PageData::last(state, lifecycles);
    feed_page(state, page);
}

/// Hands a page the runner prepared (`app::prepared`, off the UI thread)
/// to `update()`: the UI thread's share of a page.
fn feed_page(state: &mut State, page: PageData) {
    let request = state.request;
    update(
        state,
        Action::PageLoaded {
            request,
            at: Utc::now(),
            result: Ok(page),
        },
    );
}

/// Loads `n` demo lifecycles as the runner hands them over: pages of 1000
/// (a whole table made at once would leave its freed memory in the RSS).
fn feed_pages(state: &mut State, n: u64) {
    for page in 0..n.div_ceil(1000) {
        feed(state, demo(page * 1000, 1000.min(n - page * 1000)));
    }
}

fn press(state: &mut State, code: KeyCode) {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let n = samples.len().max(1);
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(1);
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    let max = samples[n - 1];
    format!("mean {mean:.2?}  p99 {p99:.2?}  max {max:.2?}  (n={n})")
}

/// Frame render times with `n` loaded, after a reload in which every
/// record changed when `reloaded` (issue 22: the frame must not depend on
/// what the loads left on the heap).
fn render_time(n: u64, reloaded: bool) -> String {
    let mut state = fresh_state();
    let _ = start_load(&mut state);
    feed_pages(&mut state, n);
    if reloaded {
        refresh(&mut state, n, true);
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let theme = Theme::dark();
    let mut samples = Vec::new();
    for i in 0..300 {
        press(
            &mut state,
            if i % 50 < 25 {
                KeyCode::Down
            } else {
                KeyCode::PageDown
            },
        );
        let t = Instant::now();
        terminal.draw(|f| render(&state, &theme, f)).expect("draw");
        samples.push(t.elapsed());
    }
    stats(samples)
}

/// Key press -> update -> redrawn frame while 100 pages of 1000 arrive.
fn key_while_loading() -> (String, String, Duration, Duration) {
    let mut state = fresh_state();
    let _ = start_load(&mut state);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let theme = Theme::dark();
    let mut keys = Vec::new();
    let mut pages = Vec::new();
    let mut preparing = Duration::ZERO;
    for page in 0..100 {
        // What the runner's worker thread does with a page it read (rows
        // and facts built, the records it does not hold dropped), timed
        // apart: it is not the UI thread's work.
        let batch = demo(page * 1000, 1000);
        let t = Instant::now();
        let prepared = PageData::last(&state, batch);
        preparing += t.elapsed();
        let t = Instant::now();
        feed_page(&mut state, prepared);
        pages.push(t.elapsed());
        for _ in 0..3 {
            let t = Instant::now();
            press(&mut state, KeyCode::Down);
            terminal.draw(|f| render(&state, &theme, f)).expect("draw");
            keys.push(t.elapsed());
        }
    }
    let total = pages.iter().sum();
    (stats(keys), stats(pages), total, preparing)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn idle_cpu(seconds: u64) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mut state = fresh_state();
        // The stream is connected: no full reload is due for 6 hours; the
        // changed-since reads have no AWS to ask here.
        state.feed.status = StreamStatus::Connected {
            queue: "bench".into(),
            topics: 4,
        };
        let _ = start_load(&mut state);
        feed_pages(&mut state, 100_000);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let runner = amiboard::app::runner::Runner::new(None, false, tx.clone());
        let cancel = tokio_util::sync::CancellationToken::new();
        amiboard::app::event_loop::spawn_ticker(tx, cancel.clone());
        let stopper = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            stopper.cancel();
        });
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let theme = Theme::dark();
        let before = cpu_ticks();
        let counts = amiboard::app::event_loop::run_loop(
            &mut terminal,
            &mut state,
            &amiboard::ui::Renderer {
                theme: theme.clone(),
            },
            &runner,
            &mut rx,
            &cancel,
            |_, _| {},
        )
        .await
        .expect("loop");
        let ticks = cpu_ticks() - before;
        format!(
            "{seconds} s idle, 100000 loaded, stream connected: CPU {} ms ({:.3}% of a core), {} frames drawn (1 initial), {} actions",
            ticks * 10,
            ticks as f64 * 10.0 / (seconds as f64 * 10.0),
            counts.frames,
            counts.actions
        )
    })
}

/// Peak RSS since the last reset (`VmHWM`), in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` 5).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A refresh of the same `n` as update() applies it: pages upserted in
/// place, what was not seen dropped at the end; with `changed`, every
/// record comes back one version newer and a minute later.
fn refresh(state: &mut State, n: u64, changed: bool) {
    let _ = start_load(state);
    for page in 0..n.div_ceil(1000) {
        let mut records = demo(page * 1000, 1000.min(n - page * 1000));
        if changed {
            for lc in &mut records {
                lc.item_version += 1;
                lc.updated_at += chrono::Duration::minutes(1);
            }
        }
        state.upsert(records);
    }
    state.drop_unseen();
}

/// One re-read (a newer `item_version`) and one lifecycle notification
/// applied with 100000 loaded, sorted by UPDATED (each moves its row).
fn one_change(state: &mut State) -> (String, String) {
    let mut rereads = Vec::new();
    let mut notes = Vec::new();
    for i in 0..300_u64 {
        // The same deterministic demo lifecycle as loaded (its full record
        // is not held at 100k: only its compact row is).
        let mut lc = demo(i * 333, 1).remove(0);
        let id = lc.lifecycle_id.clone();
        lc.item_version += 1;
        lc.updated_at += chrono::Duration::seconds(i64::try_from(i).unwrap_or(0) + 1);
        let t = Instant::now();
        update(
            state,
            Action::LifecycleFetched {
                id: id.clone(),
                result: Ok(lc),
            },
        );
        rereads.push(t.elapsed());
        let arrival = notification(&id, i);
        let t = Instant::now();
        update(
            state,
            Action::Stream {
                event: amiboard::ops::listener::StreamEvent::Notifications(vec![arrival]),
            },
        );
        notes.push(t.elapsed());
    }
    (stats(rereads), stats(notes))
}

/// An amiboard lifecycle notification newer than anything recorded.
fn notification(id: &str, n: u64) -> amiboard::lifecycle::notification::Arrival {
    let time = (Utc::now()
        + chrono::Duration::days(1)
        + chrono::Duration::seconds(i64::try_from(n).unwrap_or(0)))
    .to_rfc3339();
    let message = serde_json::json!({
        "source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": id,
        "stack_tag": "main", "event": "SMOKE_TESTS", "stage": "creation",
        "status": "IN_PROGRESS", "attempt": 1, "time": time,
    });
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": format!("m{n}"),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:amiboard-lifecycle",
        "Message": message.to_string(), "Timestamp": time,
    });
    amiboard::lifecycle::notification::Arrival {
        notification: amiboard::lifecycle::notification::decode(&envelope.to_string()),
        lifecycle_id: Some(id.to_string()),
        received_at: Utc::now(),
    }
}

fn main() {
    let idle_seconds = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    println!("amiboard dashboard benchmark (160x48 TestBackend)");
    let base = rss_kib();
    let mut state = fresh_state();
    let _ = start_load(&mut state);
    feed_pages(&mut state, 100_000);
    let loaded = rss_kib();
    println!(
        "RSS with 100000 lifecycles:       {} MiB (process), {} MiB above the empty process ({} B per lifecycle)",
        loaded / 1024,
        loaded.saturating_sub(base) / 1024,
        loaded.saturating_sub(base) * 1024 / 100_000
    );
    if reset_peak() {
        refresh(&mut state, 100_000, true);
        println!(
            "  peak RSS during a refresh:      {} MiB (process), +{} MiB over the loaded state (every record changed)",
            peak_kib() / 1024,
            peak_kib().saturating_sub(loaded) / 1024
        );
    }
    let (reread, note) = one_change(&mut state);
    println!("one re-read applied, 100000:      {reread}");
    println!("one notification applied, 100000: {note}");
    drop(state);
    println!(
        "frame render, 1000 lifecycles:    {}",
        render_time(1000, false)
    );
    println!(
        "frame render, 100000 lifecycles:  {}",
        render_time(100_000, false)
    );
    println!(
        "frame render, 100000 after a reload that changed every record: {}",
        render_time(100_000, true)
    );
    let (keys, pages, total, preparing) = key_while_loading();
    println!("key -> redrawn frame during load: {keys}");
    println!("  applying one 1000-item page:    {pages}");
    println!("first load of 100000, view work:  {total:.2?} in total (100 pages)");
    println!(
        "  besides, on the runner's worker thread: preparing the pages (rows built, records dropped): {preparing:.2?}"
    );
    println!("{}", idle_cpu(idle_seconds));
}
