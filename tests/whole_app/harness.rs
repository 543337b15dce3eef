//! The whole-app harness: fake adapters behind the ports, the real
//! initial state, update(), effect runner and renderer on a TestBackend, and
//! the two lifecycles the tests drive.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use amiboard::app::action::{Action, Effect};
use amiboard::app::event_loop::View;
use amiboard::app::runner::Runner;
use amiboard::app::state::{Connection, State};
use amiboard::app::update::update;
use amiboard::app::{StartOptions, initial_state};
use amiboard::aws::client::ResolvedTarget;
use amiboard::config::{Config, Overrides, Tables, Topics};
use amiboard::lifecycle::demo::demo_lifecycle;
use amiboard::lifecycle::{AmiOutput, EventRecord, EventStatus, Lifecycle};
use amiboard::ops::Context;
use amiboard::ui::Renderer;
use amiboard::ui::theme::Theme;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::fakes::Fakes;

pub const ACCOUNT: &str = "123456789012";
pub const CALLER: &str = "arn:aws:iam::123456789012:user/qa-alice";
pub const REGION: &str = "us-east-1";
pub const SMOKE_ID: &str = "lc-smoke-0001";
pub const QA_ID: &str = "lc-qa-0002";
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;
/// How long one effect may take to answer before the test fails.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The fixed clock of the dashboard and of the fakes.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("time")
}

pub fn config() -> Config {
    let mut config = amiboard::config::load_with(&Overrides::default(), None).expect("config");
    // Independent of the environment the test runs in.
    config.prefix = "amiboard-".to_string();
    config.tables = Tables::with_prefix(&config.prefix);
    config.topics = Topics::with_prefix(&config.prefix);
    config.read_only = false;
    config.notifications_enabled = false;
    config
}

pub fn target() -> ResolvedTarget {
    ResolvedTarget {
        region: REGION.to_string(),
        profile: Some("test".to_string()),
        endpoint: Some("fake".to_string()),
    }
}

pub fn connection() -> Connection {
    Connection {
        account: None,
        actor: None,
        profile: Some("test".to_string()),
        region: REGION.to_string(),
        endpoint: Some("fake".to_string()),
        table: String::new(),
        stack_tag: None,
    }
}

/// Marks `record` COMPLETED as a workflow would have, `minutes` after `from`.
pub fn complete(record: &mut EventRecord, from: DateTime<Utc>, minutes: i64) {
    record.status = EventStatus::Completed;
    record.attempt = 1;
    record.actor = Some("platform-ci".to_string());
    record.started_at = Some(from + ChronoDuration::minutes(minutes));
    record.finished_at = Some(from + ChronoDuration::minutes(minutes + 5));
    if !record.event.is_decision() {
        record.execution_arn = Some(format!(
            "arn:aws:states:{REGION}:{ACCOUNT}:execution:amiboard-{}:done",
            record.event.name().to_ascii_lowercase()
        ));
    }
}

/// A lifecycle whose AMI_BUILD completed: its next event is SMOKE_TESTS.
pub fn smoke_next() -> Lifecycle {
    let created = now() - ChronoDuration::hours(3);
    let mut lc = Lifecycle::new(SMOKE_ID, "main", "web-frontend", "4.2", "alice", created);
    lc.ami_semver = Some("7.0.0".to_string());
    complete(&mut lc.creation[0], created, 0);
    lc.creation[0].outputs.amis = vec![AmiOutput {
        account: None,
        region: REGION.to_string(),
        ami_id: "ami-0smoke00000000001".to_string(),
        name: Some("web-frontend-7.0.0".to_string()),
    }];
    lc.creation[0].outputs.ami_semver = Some("7.0.0".to_string());
    lc.updated_at = created + ChronoDuration::minutes(5);
    lc.item_version = 3;
    lc
}

/// A lifecycle waiting for the QA decision: every event before
/// QA_CERTIFICATION_RESPONSE completed.
pub fn waiting_for_qa() -> Lifecycle {
    let created = now() - ChronoDuration::hours(6);
    let mut lc = Lifecycle::new(QA_ID, "release-2026", "payments-api", "2.7", "bob", created);
    lc.ami_semver = Some("12.0.0".to_string());
    for (i, minutes) in (0..4).zip([0, 10, 20, 30]) {
        complete(&mut lc.creation[i], created, minutes);
    }
    lc.creation[0].outputs.amis = vec![AmiOutput {
        account: None,
        region: REGION.to_string(),
        ami_id: "ami-0qa0000000000002".to_string(),
        name: Some("payments-api-12.0.0".to_string()),
    }];
    lc.creation[0].outputs.ami_semver = Some("12.0.0".to_string());
    lc.creation[3].outputs.export_location = Some("s3://exports/payments-api-12.vmdk".to_string());
    lc.updated_at = created + ChronoDuration::minutes(35);
    lc.item_version = 7;
    lc
}

/// Three lifecycles: the two the tests act on and one demo lifecycle.
pub fn world() -> Arc<Fakes> {
    let demo = demo_lifecycle(3, "develop", 4, now() - ChronoDuration::days(2));
    Fakes::new(
        ACCOUNT,
        CALLER,
        now(),
        vec![smoke_next(), waiting_for_qa(), demo],
    )
}

/// The dashboard, its runner and a test terminal.
pub struct App {
    pub state: State,
    pub runner: Runner,
    pub rx: UnboundedReceiver<Action>,
    pub terminal: Terminal<TestBackend>,
    pub view: Renderer,
    /// Effects run whose result action has not been applied yet.
    pub pending: usize,
}

impl App {
    /// Starts the dashboard as `cli` does: the initial state and its effects
    /// (who am I, the first page), all answered.
    pub async fn start(fakes: &Arc<Fakes>) -> App {
        let config = config();
        let ctx = Context::with_ports(config.clone(), target(), fakes.ports());
        let (tx, rx) = unbounded_channel();
        let runner = Runner::new(Some(Arc::new(ctx)), config.read_only, tx);
        let (mut state, effects) =
            initial_state(&config, connection(), &StartOptions::default()).expect("start");
        state.now = now();
        let mut app = App {
            state,
            runner,
            rx,
            terminal: Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal"),
            view: Renderer {
                theme: Theme::dark(),
            },
            pending: 0,
        };
        app.apply(Action::Resized {
            width: WIDTH,
            height: HEIGHT,
        });
        app.run(effects);
        app.settle().await;
        app
    }

    /// update() one action, then hand its effects to the runner.
    pub fn apply(&mut self, action: Action) {
        if matches!(action, Action::Key(_)) {
            self.state.scroll_limit = self.view.max_scroll(&self.state);
        }
        let effects = update(&mut self.state, action);
        self.run(effects);
    }

    pub fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                // The loop writes OSC 52 itself; SetLinks, AddLinks and
                // GiveBackMemory answer nothing.
                Effect::Copy { .. } => {}
                Effect::SetLinks { .. } | Effect::AddLinks { .. } | Effect::GiveBackMemory => {
                    self.runner.run(effect);
                }
                other => {
                    self.pending += 1;
                    self.runner.run(other);
                }
            }
        }
    }

    /// Waits for every effect's result and applies it, until nothing is
    /// outstanding; then nothing else may be on the channel.
    pub async fn settle(&mut self) {
        while self.pending > 0 {
            let action = tokio::time::timeout(ANSWER_WITHIN, self.rx.recv())
                .await
                .expect("an effect answered in time")
                .expect("the channel is open");
            self.pending -= 1;
            self.apply(action);
        }
        tokio::task::yield_now().await;
        assert!(self.rx.try_recv().is_err(), "an unexpected action arrived");
    }

    /// Presses a key without waiting for what it started.
    pub fn key(&mut self, code: KeyCode) {
        self.apply(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Presses a key and waits for everything it started.
    pub async fn press(&mut self, code: KeyCode) {
        self.key(code);
        self.settle().await;
    }

    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Moves the selection to the row of `id` with `j`/`k`.
    pub async fn select(&mut self, id: &str) {
        let row = self
            .state
            .view
            .iter()
            .position(|i| &*self.state.rows[*i].id == id)
            .expect("the lifecycle is listed");
        self.press(KeyCode::Char('g')).await;
        for _ in 0..row {
            self.press(KeyCode::Char('j')).await;
        }
        assert_eq!(
            self.state
                .selected_lifecycle()
                .map(|lc| lc.lifecycle_id.as_str()),
            Some(id)
        );
    }

    /// Draws with the real renderer and returns the screen as text. The
    /// header's "updated … ago" compares the fixed clock with the real time
    /// of the load, so it is redacted.
    pub fn screen(&mut self) -> String {
        let state = &self.state;
        let view = &self.view;
        self.terminal.draw(|f| view.draw(state, f)).expect("draw");
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            let line = line.trim_end();
            let line = match line.find("updated ") {
                Some(at) if y == 1 => format!("{}updated [age]", &line[..at]),
                _ => line.to_string(),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

pub fn start_up_calls(mut calls: Vec<String>) -> Vec<String> {
    // Identify, the deployed workflows check and the first page run
    // concurrently.
    calls.sort();
    calls
}

/// What the dashboard asks at start-up, sorted: the first page, who am I,
/// and every state machine's deployed definition (with its own who-am-I).
pub fn expected_start_up() -> Vec<String> {
    let mut calls = vec![
        "list_page stack=* cursor=none".to_string(),
        "who_am_i".to_string(),
        "who_am_i".to_string(),
    ];
    for workflow in amiboard::ops::workflows::Workflow::ALL {
        calls.push(format!(
            "machine_definition arn:aws:states:us-east-1:123456789012:stateMachine:amiboard-{}",
            workflow.slug()
        ));
    }
    calls.sort();
    calls
}
