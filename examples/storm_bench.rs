//! The notification storm of issue 12. Loads 100 000 demo lifecycles, runs
//! the real live stream (`ops::listener`) on `AWS_ENDPOINT_URL` (moto, from
//! scripts/bench.sh, provisioned), publishes `rate` msg/s for `seconds` s
//! (amiboard lifecycle events naming a loaded lifecycle; EC2 AMI State Change
//! and Image Builder messages naming one of its AMIs; each with `storm_seq`;
//! never more than 1 s of them ahead of the screen) and sends j/k every
//! 100 ms. The app runs as `app::event_loop::run_loop` runs it. publish ->
//! screen: from just before the Publish call to the end of the first frame
//! drawn after `update` applied the stream event carrying it; key -> frame:
//! from its send on the app channel to the end of the next frame.
//!
//! `cargo run --release --example storm_bench [seconds] [rate]`

#![allow(clippy::cast_precision_loss)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use amiboard::app::action::{Action, Effect, PageData};
use amiboard::app::event_loop::View;
use amiboard::app::feed::StreamStatus;
use amiboard::app::keymap::Keymap;
use amiboard::app::runner::Runner;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::{start_load, update};
use amiboard::aws::{self, Clients};
use amiboard::lifecycle::Lifecycle;
use amiboard::lifecycle::demo::demo_lifecycles;
use amiboard::lifecycle::notification::Arrival;
use amiboard::ops::listener::{self, StreamEvent, StreamOptions};
use amiboard::ui::{Renderer, theme::Theme};
use amiboard::{config, ops};

type Tx = UnboundedSender<Action>;
/// A message handed to the app, waiting for a frame: `storm_seq`, received at.
type Waiting = (usize, DateTime<Utc>);

const LOADED: u64 = 100_000;
const TARGET_EVERY: u64 = 97;
/// After publishing, the storm ends when all were drawn, or none for this long.
const STALL: Duration = Duration::from_secs(15);
const IN_FLIGHT: usize = 4;

/// The storm's plan and what the publisher and the key task report.
struct Storm {
    clients: Clients,
    /// Lifecycle, EC2 AMI events and Image Builder topic ARNs.
    topics: [String; 3],
    /// Loaded lifecycles the messages name, each with one AMI if it has one.
    targets: Vec<(Lifecycle, Option<(String, String)>)>,
    with_ami: Vec<usize>,
    rate: u64,
    seconds: u64,
    total: usize,
    /// Per sequence number: when its Publish call started.
    sent_at: Mutex<Vec<Option<Instant>>>,
    published: AtomicUsize,
    failed: AtomicUsize,
    /// How many the app has drawn: the publisher keeps at most `rate` (1 s)
    /// ahead of it, so that the emulator's queue stays short.
    drawn: AtomicUsize,
    /// Send times of the injected keys the loop has not taken yet.
    keys: Mutex<VecDeque<Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 160x48, the demo lifecycles loaded in one page, the stream starting, the
/// feed pane open; the effects (the page's stream links) go to the runner.
fn loaded_state(lifecycles: Vec<Lifecycle>, runner: &Runner) -> State {
    let mut state = State::new(Keymap::default(), false, Connection::default(), Utc::now());
    let (width, height) = (160, 48);
    update(&mut state, Action::Resized { width, height });
    // As `app::initial_state` does when notifications are on.
    state.feed.status = StreamStatus::Starting;
    let _ = start_load(&mut state);
    let (request, at, skipped, next) = (state.request, Utc::now(), 0, None);
    let result = Ok(PageData::read(
        &state.prepare_for(),
        lifecycles,
        skipped,
        next,
    ));
    let effects = update(
        &mut state,
        Action::PageLoaded {
            request,
            at,
            result,
        },
    );
    for effect in effects {
        runner.run(effect);
    }
    // `n`: the notifications pane under the list, so the feed is on screen.
    update(&mut state, key('n'));
    state
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

impl Storm {
    /// The lifecycle message `seq` names: every third one by its id, the
    /// others by one of its AMIs; and that AMI and its region.
    fn target_of(&self, seq: usize) -> (&Lifecycle, (String, String)) {
        let i = if seq.is_multiple_of(3) || self.with_ami.is_empty() {
            seq / 3 % self.targets.len()
        } else {
            self.with_ami[seq / 3 % self.with_ami.len()]
        };
        let (lc, ami) = &self.targets[i];
        (lc, ami.clone().unwrap_or_default())
    }

    /// Message `seq`: (topic index, JSON body, message attributes).
    fn message(&self, seq: usize) -> (usize, String, BTreeMap<String, String>) {
        let time = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let (lc, (ami, region)) = self.target_of(seq);
        if seq.is_multiple_of(3) || self.with_ami.is_empty() {
            let (id, tag) = (&lc.lifecycle_id, &lc.stack_tag);
            let body = json!({
                "source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": id,
                "stack_tag": tag, "event": "SMOKE_TESTS", "stage": "creation",
                "status": "IN_PROGRESS", "attempt": 1, "time": time,
                "storm_seq": seq, "storm_published": time,
            });
            let attributes = [
                ("lifecycle_id", id.as_str()),
                ("stack_tag", tag.as_str()),
                ("event", "SMOKE_TESTS"),
                ("status", "IN_PROGRESS"),
            ];
            let attributes = attributes.map(|(k, v)| (k.to_string(), v.to_string()));
            return (0, body.to_string(), attributes.into_iter().collect());
        }
        let body = if seq % 3 == 1 {
            json!({
                "version": "0", "id": format!("storm-{seq}"), "detail-type": "EC2 AMI State Change",
                "source": "aws.ec2", "account": "123456789012", "time": time, "region": region,
                "resources": [format!("arn:aws:ec2:{region}::image/{ami}")],
                "detail": {"ImageId": ami, "State": "available"},
                "storm_seq": seq, "storm_published": time,
            })
        } else {
            json!({
                "arn": format!("arn:aws:imagebuilder:{region}:123456789012:image/storm/1.0.0/{seq}"),
                "name": "storm", "version": "1.0.0", "buildVersion": seq,
                "state": {"status": "AVAILABLE"},
                "outputResources": {"amis": [{"region": region, "image": ami, "name": "storm"}]},
                "storm_seq": seq, "storm_published": time,
            })
        };
        (seq % 3, body.to_string(), BTreeMap::new())
    }
}

/// The `storm_seq` a notification carries (in its raw text).
fn seq_of(arrival: &Arrival) -> Option<usize> {
    let raw = &arrival.notification.raw;
    let at = raw.find("storm_seq")? + "storm_seq".len();
    let digits = raw[at..].trim_start_matches(|c: char| !c.is_ascii_digit());
    let end = digits.find(|c: char| !c.is_ascii_digit());
    digits[..end.unwrap_or(digits.len())].parse().ok()
}

/// Publishes at `rate` msg/s for `seconds` s, each Publish call its own task
/// (at most `IN_FLIGHT` at once); ends when all have answered.
fn spawn_publisher(storm: Arc<Storm>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let limit = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / storm.rate));
        let (mut calls, ahead) = (Vec::new(), usize::try_from(storm.rate).unwrap_or(0));
        let end = Instant::now() + Duration::from_secs(storm.seconds);
        for seq in 0..storm.total {
            tick.tick().await;
            while seq > storm.drawn.load(Ordering::SeqCst) + ahead && Instant::now() < end {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if Instant::now() >= end {
                break;
            }
            let Ok(permit) = limit.clone().acquire_owned().await else {
                break;
            };
            let (topic, body, attributes) = storm.message(seq);
            let storm = storm.clone();
            calls.push(tokio::spawn(async move {
                let started = Instant::now();
                lock(&storm.sent_at)[seq] = Some(started);
                let (clients, arn) = (&storm.clients, &storm.topics[topic]);
                let sent = aws::sns::publish(clients, arn, None, &body, &attributes);
                let sent = sent.await;
                if let Err(err) = &sent {
                    eprintln!("storm_bench: publish {seq} failed: {err}");
                }
                let count = [&storm.failed, &storm.published][usize::from(sent.is_ok())];
                count.fetch_add(1, Ordering::SeqCst);
                drop(permit);
            }));
        }
        for call in calls {
            let _ = call.await;
        }
    })
}

/// Sends j five times, then k five times, ... every 100 ms until stopped.
fn spawn_keys(tx: Tx, storm: Arc<Storm>, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        for n in 0_u64.. {
            tick.tick().await;
            lock(&storm.keys).push_back(Instant::now());
            if stop.is_cancelled() || tx.send(key(if n % 10 < 5 { 'j' } else { 'k' })).is_err() {
                break;
            }
        }
    });
}

#[derive(Default)]
struct Counts {
    /// Per sequence number: how many times the app was handed it.
    seen: Vec<usize>,
    linked_right: usize,
    unlinked: usize,
    latencies: Vec<Duration>,
    /// Listener received -> drawn (the app's part).
    app: Vec<Duration>,
    keys: Vec<Duration>,
    frames: u64,
    /// Time spent in `update` and drawing.
    busy: Duration,
    actions: u64,
    rereads: usize,
    loads: usize,
}

impl Counts {
    /// Counts the storm's messages among `arrivals`; the new ones wait for a frame.
    fn arrived(&mut self, storm: &Storm, arrivals: &[Arrival], waiting: &mut Vec<Waiting>) {
        for arrival in arrivals {
            let Some(seq) = seq_of(arrival).filter(|s| *s < storm.total) else {
                continue;
            };
            self.seen[seq] += 1;
            if self.seen[seq] == 1 {
                waiting.push((seq, arrival.received_at));
            }
            let right = storm.target_of(seq).0.lifecycle_id.as_str();
            let linked = arrival.lifecycle_id.as_deref() == Some(right);
            self.linked_right += usize::from(linked);
            self.unlinked += usize::from(!linked);
        }
    }

    /// Hands an effect to the runner (offline: link indexes go to the
    /// stream, loads fail "offline"), except a re-read, answered with the
    /// lifecycle as loaded: there is no table behind the demo data.
    fn route(&mut self, effect: Effect, runner: &Runner, storm: &Storm, tx: &Tx) {
        if let Effect::FetchLifecycle { id } = effect {
            self.rereads += 1;
            let found = storm.targets.iter().find(|(lc, _)| lc.lifecycle_id == id);
            if let Some((lc, _)) = found {
                let result = Ok(lc.clone());
                let _ = tx.send(Action::LifecycleFetched { id, result });
            }
            return;
        }
        self.loads += usize::from(matches!(effect, Effect::LoadPage { .. }));
        runner.run(effect);
    }
}

/// "p50 .. p99 .. max .. (n=..)" and the p99.
fn stats(samples: &[Duration]) -> (String, Duration) {
    let mut s = samples.to_vec();
    s.sort();
    let n = s.len();
    let at = |p: usize| s.get(n * p / 100).or(s.last()).copied().unwrap_or_default();
    let (p50, p99, max) = (at(50), at(99), at(100));
    let text = format!("p50 {p50:.2?}  p99 {p99:.2?}  max {max:.2?}  (n={n})");
    (text, p99)
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().ok());
    let seconds = args.next().flatten().unwrap_or(60);
    let rate = args.next().flatten().unwrap_or(100).clamp(1, 10_000);
    if let Err(err) = Box::pin(storm(seconds, rate)).await {
        eprintln!("storm_bench: {err}");
        std::process::exit(1);
    }
}

async fn storm(seconds: u64, rate: u64) -> Result<(), String> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        return Err("AWS_ENDPOINT_URL is not set: run it through scripts/bench.sh".into());
    }
    let config = config::load(&config::Overrides::default()).map_err(|e| e.0)?;
    let ctx = ops::Context::connect(config.clone()).await.map_err(text)?;
    let clients = ctx.sdk().map_err(text)?.clients.clone();
    let me = aws::sts::who_am_i(&clients).await.map_err(text)?;
    let arn = |name: &str| aws::sns::topic_arn(name, &clients.target.region, &me.account);
    let t = &config.topics;
    let topics = [arn(&t.lifecycle), arn(&t.ec2_events), arn(&t.imagebuilder)];
    println!("amiboard notification storm: {LOADED} loaded, {rate} msg/s for {seconds} s, 160x48");

    let now = "2026-11-23T12:00:00Z".parse().unwrap_or_default();
    let lifecycles: Vec<Lifecycle> = demo_lifecycles(0..LOADED, now);
    let targets: Vec<_> = lifecycles
        .iter()
        .step_by(usize::try_from(TARGET_EVERY).unwrap_or(1))
        .map(|lc| {
            let amis = lc.all_records().flat_map(|(_, r)| r.outputs.amis.iter());
            let ami = amis.map(|a| (a.ami_id.clone(), a.region.clone())).next();
            (lc.clone(), ami)
        })
        .collect();
    let total = usize::try_from(seconds * rate).unwrap_or(usize::MAX);
    let with_ami = (0..targets.len()).filter(|i| targets[*i].1.is_some());
    let storm = Arc::new(Storm {
        clients: clients.clone(),
        topics,
        with_ami: with_ami.collect(),
        targets,
        rate,
        seconds,
        total,
        sent_at: Mutex::new(vec![None; total]),
        published: AtomicUsize::default(),
        failed: AtomicUsize::default(),
        drawn: AtomicUsize::default(),
        keys: Mutex::default(),
    });

    // The stream and the channel as `cli::dashboard` wires them.
    let cancel = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (events_tx, mut events_rx) = tokio::sync::mpsc::channel(64);
    let options = StreamOptions::default();
    let stream = listener::spawn(clients, config, options, events_tx, cancel.child_token());
    let forward = tx.clone();
    tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            if forward.send(Action::Stream { event }).is_err() {
                break;
            }
        }
    });
    let runner = Runner::new(None, true, tx.clone()).with_links(stream.link_setter());
    amiboard::app::event_loop::spawn_ticker(tx.clone(), cancel.clone());
    let mut state = loaded_state(lifecycles, &runner);

    let theme = Theme::dark();
    let view = Renderer { theme };
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).map_err(text)?;
    terminal.draw(|f| view.draw(&state, f)).map_err(text)?;
    let mut counts = Counts {
        seen: vec![0; total],
        ..Counts::default()
    };
    let keys_stop = cancel.child_token();
    let mut publisher = None;
    let mut started = Instant::now();
    let (mut finished_at, mut progress) = (None, Instant::now());
    let (mut waiting, mut keys_waiting) = (Vec::new(), Vec::new());
    // `app::event_loop::run_loop`, instrumented (woken every 200 ms to see if it is over).
    loop {
        let action = tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(200)) => None,
            action = rx.recv() => action,
        };
        let woke = Instant::now();
        let mut pending: Vec<Action> = action.into_iter().collect();
        while pending.len() < 256
            && let Ok(more) = rx.try_recv()
        {
            pending.push(more);
        }
        let mut dirty = false;
        for action in pending {
            counts.actions += 1;
            if let Action::Key(_) = action {
                keys_waiting.extend(lock(&storm.keys).pop_front());
            }
            if let Action::Stream { event } = &action {
                match event {
                    StreamEvent::Off { reason, .. } => return Err(format!("stream off: {reason}")),
                    StreamEvent::Notifications(a) => counts.arrived(&storm, a, &mut waiting),
                    _ => {}
                }
            }
            dirty |= matches!(action, Action::Tick { .. }) && state.feed.retry_at.is_some();
            for effect in update(&mut state, action) {
                counts.route(effect, &runner, &storm, &tx);
            }
            dirty |= state.dirty;
            state.dirty = false;
        }
        if dirty {
            terminal.draw(|f| view.draw(&state, f)).map_err(text)?;
            let drawn = Instant::now();
            progress = if waiting.is_empty() { progress } else { drawn };
            storm.drawn.fetch_add(waiting.len(), Ordering::SeqCst);
            counts.frames += 1;
            let sent_at = lock(&storm.sent_at);
            let now = Utc::now();
            for (seq, received) in waiting.drain(..) {
                counts.latencies.extend(sent_at[seq].map(|at| drawn - at));
                counts
                    .app
                    .push((now - received).to_std().unwrap_or_default());
            }
            let keys = keys_waiting.drain(..);
            counts.keys.extend(keys.map(|at| drawn - at));
        }
        counts.busy += woke.elapsed();
        if publisher.is_none() && matches!(state.feed.status, StreamStatus::Connected { .. }) {
            // Connected, the link index sent: the storm and the keys begin.
            tokio::time::sleep(Duration::from_millis(500)).await;
            publisher = Some(spawn_publisher(storm.clone()));
            spawn_keys(tx.clone(), storm.clone(), keys_stop.clone());
            (started, counts.busy) = (Instant::now(), Duration::ZERO);
        }
        if publisher.as_ref().is_some_and(JoinHandle::is_finished) {
            keys_stop.cancel();
            let at = *finished_at.get_or_insert_with(Instant::now);
            let unique = counts.seen.iter().filter(|n| **n > 0).count();
            let all = unique >= storm.published.load(Ordering::SeqCst);
            let stalled = progress.elapsed() > STALL && at.elapsed() > STALL;
            if (all && waiting.is_empty() && keys_waiting.is_empty()) || stalled {
                break;
            }
        }
    }
    let wall = finished_at.unwrap_or_else(Instant::now) - started;
    cancel.cancel();
    report(&counts, &storm, wall);
    if let Some(line) = stream.stop().await.message() {
        println!("storm stream stop: {line}");
    }
    Ok(())
}

fn report(counts: &Counts, storm: &Storm, wall: Duration) {
    let total = storm.total;
    let published = storm.published.load(Ordering::SeqCst);
    let failed = storm.failed.load(Ordering::SeqCst);
    let never = counts.seen.iter().filter(|n| **n == 0).count();
    let lost = never.saturating_sub(total - published); // not published: not lost
    let duplicated: usize = counts.seen.iter().map(|n| n.saturating_sub(1)).sum();
    let rate = published as f64 / wall.as_secs_f64().max(0.001);
    let (screen, screen_p99) = stats(&counts.latencies);
    let (app, _) = stats(&counts.app);
    let (keys, _) = stats(&counts.keys);
    let slow = counts.keys.iter().filter(|k| k.as_millis() > 50).count();
    let (frames, actions, busy) = (counts.frames, counts.actions, counts.busy);
    let (rereads, loads) = (counts.rereads, counts.loads);
    let (right, not) = (counts.linked_right, counts.unlinked);
    let linked = right + not;
    let share = 100.0 * busy.as_secs_f64() / wall.as_secs_f64().max(0.001);
    println!(
        "storm published:                   {published} of {total} in {wall:.1?} ({rate:.1} msg/s), {failed} failed
publish -> applied and drawn:      {screen}
  listener received -> drawn:      {app}
storm lost:                        {lost} (of {published} published: never drawn, nothing came in the last {STALL:?})
storm duplicated:                  {duplicated}
storm linked to its lifecycle:     {right} of {linked} (1/3 by lifecycle id, 2/3 by AMI through the stream's link index), {not} not
key -> redrawn frame during storm: {keys}, {slow} over 50 ms
storm app loop:                    {frames} frames, {actions} actions, busy {busy:.2?} in update and drawing ({share:.2}% of the wall time)
storm re-reads asked:              {rereads} (answered with the record as loaded: no table behind the demo data); full loads asked (answered offline): {loads}"
    );
    let met = screen_p99 <= Duration::from_millis(300)
        && lost + duplicated + failed + slow + total - published == 0
        && !counts.keys.is_empty();
    let met = if met { "met" } else { "NOT met" };
    println!("storm goal (all at the rate, p99 <= 300 ms, 0 lost/dup, keys <= 50 ms): {met}");
}
