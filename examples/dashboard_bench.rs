//! Prints the dashboard's performance figures (a benchmark, not a test):
//! frame render time with 1000 and 100000 lifecycles, key-press-to-redrawn
//! frame while pages load in the background, CPU over 30 idle seconds, and
//! memory with 100000 lifecycles.
//!
//! `cargo run --release --example dashboard_bench [idle_seconds]`

#![allow(clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use amiboard::app::action::{Action, PageData};
use amiboard::app::keymap::Keymap;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::{start_load, update};
use amiboard::lifecycle::Lifecycle;
use amiboard::lifecycle::demo::{demo_lifecycle, stack_tag_for};
use amiboard::ui::{render, theme::Theme};

fn demo(from: u64, n: u64) -> Vec<Lifecycle> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .unwrap_or_default();
    (from..from + n)
        .map(|i| demo_lifecycle(i, &stack_tag_for(i, None), i + 1, now))
        .collect()
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
    let request = state.request;
    update(
        state,
        Action::PageLoaded {
            request,
            at: Utc::now(),
            result: Ok(PageData {
                lifecycles,
                skipped: 0,
                next: None,
            }),
        },
    );
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

fn render_time(n: u64) -> String {
    let mut state = fresh_state();
    let _ = start_load(&mut state);
    feed(&mut state, demo(0, n));
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
fn key_while_loading() -> (String, String) {
    let mut state = fresh_state();
    let _ = start_load(&mut state);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let theme = Theme::dark();
    let mut keys = Vec::new();
    let mut pages = Vec::new();
    for page in 0..100 {
        let batch = demo(page * 1000, 1000);
        let t = Instant::now();
        feed(&mut state, batch);
        pages.push(t.elapsed());
        for _ in 0..3 {
            let t = Instant::now();
            press(&mut state, KeyCode::Down);
            terminal.draw(|f| render(&state, &theme, f)).expect("draw");
            keys.push(t.elapsed());
        }
    }
    (stats(keys), stats(pages))
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
        state.refresh_every = Duration::from_hours(1);
        let _ = start_load(&mut state);
        feed(&mut state, demo(0, 1000));
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
            "{seconds} s idle: CPU {} ms ({:.3}%), {} frames drawn (1 initial), {} actions",
            ticks * 10,
            ticks as f64 * 10.0 / (seconds as f64 * 10.0),
            counts.frames,
            counts.actions
        )
    })
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
    feed(&mut state, demo(0, 100_000));
    println!(
        "RSS with 100000 lifecycles:       {} MiB (process), {} MiB above the empty process",
        rss_kib() / 1024,
        rss_kib().saturating_sub(base) / 1024
    );
    drop(state);
    println!("frame render, 1000 lifecycles:    {}", render_time(1000));
    println!("frame render, 100000 lifecycles:  {}", render_time(100_000));
    let (keys, pages) = key_while_loading();
    println!("key -> redrawn frame during load: {keys}");
    println!("  applying one 1000-item page:    {pages}");
    println!("{}", idle_cpu(idle_seconds));
}
