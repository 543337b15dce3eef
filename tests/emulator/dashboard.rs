//! The dashboard under test without a terminal: the real `update()` and
//! runner against the emulator, the clock ticking as the event loop's does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use amiboard::app::action::Action;
use amiboard::app::runner::Runner;
use amiboard::app::state::{Connection, State};
use amiboard::app::{StartOptions, initial_state, update::update};
use amiboard::config::Config;
use amiboard::ops::Context;
use chrono::Utc;
use tokio::sync::mpsc::UnboundedReceiver;

/// Feeds effect results and ticks to update() until `done` holds or `limit`
/// passes; returns how long it took. The clock ticks when nothing arrived
/// for 100 ms, and at least once a second whatever else arrives.
pub async fn run_until(
    state: &mut State,
    runner: &Runner,
    rx: &mut UnboundedReceiver<Action>,
    limit: Duration,
    done: impl Fn(&State) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    let mut ticked = Instant::now();
    while started.elapsed() < limit {
        if done(state) {
            return Some(started.elapsed());
        }
        let mut actions = Vec::new();
        let idle = match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            Ok(Some(action)) => {
                actions.push(action);
                false
            }
            _ => true,
        };
        if idle || ticked.elapsed() >= Duration::from_secs(1) {
            ticked = Instant::now();
            actions.push(Action::Tick { now: Utc::now() });
        }
        for action in actions {
            for effect in update(state, action) {
                runner.run(effect);
            }
        }
    }
    done(state).then(|| started.elapsed())
}

/// A dashboard opened with `config` on `ctx` (the list of `options`'
/// stack tag), run until `loaded` holds (30 s at most).
pub async fn open(
    config: &Config,
    ctx: Context,
    options: &StartOptions,
    loaded: impl Fn(&State) -> bool,
) -> (State, Runner, UnboundedReceiver<Action>) {
    let connection = Connection {
        region: "us-east-1".into(),
        table: config.tables.lifecycles.clone(),
        ..Connection::default()
    };
    let (mut state, effects) = initial_state(config, connection, options).expect("state");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Some(Arc::new(ctx)), false, tx);
    for effect in effects {
        runner.run(effect);
    }
    run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(30),
        loaded,
    )
    .await
    .expect("first load");
    (state, runner, rx)
}

/// The options of a dashboard on `stack_tag`.
pub fn on(stack_tag: &str) -> StartOptions {
    StartOptions {
        stack_tag: Some(stack_tag.into()),
        ..StartOptions::default()
    }
}
