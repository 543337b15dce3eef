//! The whole app at the keyboard: the real `update`, the real effect runner
//! and the real renderer on a `TestBackend`, with fakes behind the AWS ports
//! (`whole_app/fakes.rs`). Each test presses keys as a person would and
//! asserts on the screen (insta snapshots) and on the calls the fakes heard.
//!
//! The loop is driven here, step by step, as `event_loop::run_loop` does it:
//! key -> update -> run effects -> wait for every result action -> update
//! -> draw. Nothing ticks, so the clock (`State::now`) stays fixed.

#[path = "whole_app/fakes.rs"]
mod fakes;

use std::sync::Arc;
use std::time::Duration;

use amiboard::app::action::{Action, Effect};
use amiboard::app::event_loop::View;
use amiboard::app::runner::Runner;
use amiboard::app::state::{Connection, Dialog, State};
use amiboard::app::update::update;
use amiboard::app::{StartOptions, initial_state};
use amiboard::aws::client::ResolvedTarget;
use amiboard::config::{Config, Overrides, Tables, Topics};
use amiboard::lifecycle::demo::demo_lifecycle;
use amiboard::lifecycle::{
    AmiOutput, EventKind, EventRecord, EventRef, EventStatus, Lifecycle, Stage,
};
use amiboard::ops::Context;
use amiboard::ui::Renderer;
use amiboard::ui::theme::Theme;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use fakes::Fakes;

const ACCOUNT: &str = "123456789012";
const CALLER: &str = "arn:aws:iam::123456789012:user/qa-alice";
const REGION: &str = "us-east-1";
const SMOKE_ID: &str = "lc-smoke-0001";
const QA_ID: &str = "lc-qa-0002";
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// How long one effect may take to answer before the test fails.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The fixed clock of the dashboard and of the fakes.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("time")
}

fn config() -> Config {
    let mut config = amiboard::config::load_with(&Overrides::default(), None).expect("config");
    // Independent of the environment the test runs in.
    config.prefix = "amiboard-".to_string();
    config.tables = Tables::with_prefix(&config.prefix);
    config.topics = Topics::with_prefix(&config.prefix);
    config.read_only = false;
    config.notifications_enabled = false;
    config
}

fn target() -> ResolvedTarget {
    ResolvedTarget {
        region: REGION.to_string(),
        profile: Some("test".to_string()),
        endpoint: Some("fake".to_string()),
    }
}

fn connection() -> Connection {
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
fn complete(record: &mut EventRecord, from: DateTime<Utc>, minutes: i64) {
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
fn smoke_next() -> Lifecycle {
    let created = now() - ChronoDuration::hours(3);
    let mut lc = Lifecycle::new(SMOKE_ID, "main", "web-frontend", "4.2", "alice", created);
    lc.ami_semver = Some("7.0.0".to_string());
    complete(&mut lc.creation[0], created, 0);
    lc.creation[0].outputs.amis = vec![AmiOutput {
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
fn waiting_for_qa() -> Lifecycle {
    let created = now() - ChronoDuration::hours(6);
    let mut lc = Lifecycle::new(QA_ID, "release-2026", "payments-api", "2.7", "bob", created);
    lc.ami_semver = Some("12.0.0".to_string());
    for (i, minutes) in (0..4).zip([0, 10, 20, 30]) {
        complete(&mut lc.creation[i], created, minutes);
    }
    lc.creation[0].outputs.amis = vec![AmiOutput {
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
fn world() -> Arc<Fakes> {
    let demo = demo_lifecycle(3, "develop", 4, now() - ChronoDuration::days(2));
    Fakes::new(
        ACCOUNT,
        CALLER,
        now(),
        vec![smoke_next(), waiting_for_qa(), demo],
    )
}

/// The dashboard, its runner and a test terminal.
struct App {
    state: State,
    runner: Runner,
    rx: UnboundedReceiver<Action>,
    terminal: Terminal<TestBackend>,
    view: Renderer,
    /// Effects run whose result action has not been applied yet.
    pending: usize,
}

impl App {
    /// Starts the dashboard as `cli` does: the initial state and its effects
    /// (who am I, the first page), all answered.
    async fn start(fakes: &Arc<Fakes>) -> App {
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
    fn apply(&mut self, action: Action) {
        if matches!(action, Action::Key(_)) {
            self.state.scroll_limit = self.view.max_scroll(&self.state);
        }
        let effects = update(&mut self.state, action);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                // The loop writes OSC 52 itself; SetLinks answers nothing.
                Effect::Copy { .. } => {}
                Effect::SetLinks { .. } => self.runner.run(effect),
                other => {
                    self.pending += 1;
                    self.runner.run(other);
                }
            }
        }
    }

    /// Waits for every effect's result and applies it, until nothing is
    /// outstanding; then nothing else may be on the channel.
    async fn settle(&mut self) {
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
    fn key(&mut self, code: KeyCode) {
        self.apply(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Presses a key and waits for everything it started.
    async fn press(&mut self, code: KeyCode) {
        self.key(code);
        self.settle().await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Moves the selection to the row of `id` with `j`/`k`.
    async fn select(&mut self, id: &str) {
        let row = self
            .state
            .view
            .iter()
            .position(|i| self.state.rows[*i].id == id)
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
    fn screen(&mut self) -> String {
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

fn start_up_calls(mut calls: Vec<String>) -> Vec<String> {
    // Identify, the deployed workflows check and the first page run
    // concurrently.
    calls.sort();
    calls
}

/// What the dashboard asks at start-up, sorted: the first page, who am I,
/// and every state machine's deployed definition (with its own who-am-I).
fn expected_start_up() -> Vec<String> {
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

#[tokio::test]
async fn trigger_claims_the_event_and_starts_its_machine() {
    let fakes = world();
    let mut app = App::start(&fakes).await;
    assert_eq!(
        start_up_calls(fakes.take_calls()),
        expected_start_up()
    );
    insta::assert_snapshot!("trigger_1_list", app.screen());

    app.select(SMOKE_ID).await;
    app.press(KeyCode::Char('t')).await;
    assert!(fakes.calls().is_empty(), "opening the dialog calls nothing");
    let dialog = app.screen();
    assert!(dialog.contains("trigger SMOKE_TESTS"), "{dialog}");
    insta::assert_snapshot!("trigger_2_confirm", dialog);

    // `y` confirms; before its result arrives the header shows it running.
    app.key(KeyCode::Char('y'));
    let running = app.screen();
    assert!(running.contains("1 action(s) running"), "{running}");
    insta::assert_snapshot!("trigger_3_in_flight", running);
    app.settle().await;

    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:amiboard-smoke-tests";
    let name = "lc-smoke-0001-c-smoke-1";
    let execution =
        format!("arn:aws:states:us-east-1:123456789012:execution:amiboard-smoke-tests:{name}");
    assert_eq!(
        fakes.calls(),
        [
            format!("get {SMOKE_ID}"),
            "who_am_i".to_string(),
            format!(
                "save {SMOKE_ID} if item_version=3: SMOKE_TESTS: status NOT_STARTED->IN_PROGRESS, attempt 1, actor qa-alice"
            ),
            format!("start {machine} name={name}"),
            format!("save {SMOKE_ID} if item_version=4: SMOKE_TESTS: execution_arn {execution}"),
            format!("get {SMOKE_ID}"),
        ]
    );
    let claims: Vec<String> = fakes
        .writes()
        .into_iter()
        .filter(|c| c.starts_with("save") && c.contains("->IN_PROGRESS"))
        .collect();
    assert_eq!(claims.len(), 1, "exactly one claim: {claims:?}");
    let started = fakes.started();
    assert_eq!(started.len(), 1);
    let input: serde_json::Value = serde_json::from_str(&started[0].input).expect("JSON input");
    assert_eq!(input["lifecycle_id"], SMOKE_ID);
    assert_eq!(input["event"], "SMOKE_TESTS");
    assert_eq!(input["attempt"], 1);
    assert_eq!(input["actor"], "qa-alice");

    let stored = fakes.stored(SMOKE_ID);
    let smoke = stored
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::SmokeTests,
        })
        .expect("record");
    assert_eq!(smoke.status, EventStatus::InProgress);
    assert_eq!(smoke.execution_arn.as_deref(), Some(execution.as_str()));
    assert_eq!(stored.item_version, 5);

    let after = app.screen();
    assert!(
        after.contains("Started SMOKE_TESTS (attempt 1)."),
        "{after}"
    );
    // The list says IN_PROGRESS as "◐ running" (`EventStatus::word`).
    let row = after
        .lines()
        .find(|l| l.starts_with("web-frontend"))
        .expect("the row");
    assert!(row.contains("◐ running     Smoke tests"), "{row}");
    insta::assert_snapshot!("trigger_4_started", after);
}

#[tokio::test]
async fn certify_records_the_decision_and_announces_it() {
    let fakes = world();
    let mut app = App::start(&fakes).await;
    fakes.take_calls();

    app.select(QA_ID).await;
    app.press(KeyCode::Char('c')).await;
    assert!(matches!(app.state.dialog, Some(Dialog::Reason { .. })));
    let reason = "Regression suite green on staging";
    app.type_text(reason).await;
    insta::assert_snapshot!("certify_1_reason", app.screen());

    app.press(KeyCode::Enter).await;
    let confirm = app.screen();
    assert!(confirm.contains("certify"), "{confirm}");
    insta::assert_snapshot!("certify_2_confirm", confirm);
    assert!(fakes.calls().is_empty(), "the dialogs call nothing");

    app.press(KeyCode::Char('y')).await;
    let topic = "arn:aws:sns:us-east-1:123456789012:amiboard-lifecycle-events";
    assert_eq!(
        fakes.calls(),
        [
            format!("get {QA_ID}"),
            format!(
                "save {QA_ID} if item_version=7: QA_CERTIFICATION_RESPONSE: status NOT_STARTED->COMPLETED, attempt 1, actor qa-alice, reason \"{reason}\""
            ),
            "upsert_lookup_rows ami-0qa0000000000002".to_string(),
            "who_am_i".to_string(),
            format!(
                "publish {topic} subject=\"amiboard: QA_CERTIFICATION_RESPONSE COMPLETED\" event=QA_CERTIFICATION_RESPONSE lifecycle_id={QA_ID} stack_tag=release-2026 status=COMPLETED"
            ),
            format!("get {QA_ID}"),
        ]
    );
    let published = fakes.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].topic_arn, topic);
    assert_eq!(
        published[0].subject.as_deref(),
        Some("amiboard: QA_CERTIFICATION_RESPONSE COMPLETED")
    );
    assert_eq!(published[0].attributes["lifecycle_id"], QA_ID);
    let body: serde_json::Value = serde_json::from_str(&published[0].message).expect("JSON body");
    assert_eq!(body["event"], "QA_CERTIFICATION_RESPONSE");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["reason"], reason);
    assert_eq!(body["actor"], "qa-alice");
    assert!(fakes.started().is_empty(), "a decision starts no execution");
    assert_eq!(fakes.lookup().len(), 1);

    let stored = fakes.stored(QA_ID);
    let decision = stored
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationResponse,
        })
        .expect("record");
    assert_eq!(decision.status, EventStatus::Completed);
    assert_eq!(decision.reason.as_deref(), Some(reason));

    let after = app.screen();
    assert!(after.contains(&format!("Certified {QA_ID}.")), "{after}");
    insta::assert_snapshot!("certify_3_done", after);
}

#[tokio::test]
async fn refused_keys_show_the_rule_and_write_nothing() {
    let fakes = world();
    let mut app = App::start(&fakes).await;
    fakes.take_calls();

    // Promote before QA decided.
    app.select(QA_ID).await;
    app.press(KeyCode::Char('p')).await;
    let screen = app.screen();
    assert!(
        matches!(app.state.dialog, Some(Dialog::Refused { .. })),
        "{screen}"
    );
    assert!(screen.contains("Cannot promote"), "{screen}");
    assert!(screen.contains("QA_CERTIFICATION_RESPONSE"), "{screen}");
    insta::assert_snapshot!("refused_1_promote_before_qa", screen);
    // Enter closes the refusal; nothing else happens.
    app.press(KeyCode::Enter).await;
    assert!(app.state.dialog.is_none());

    // A trigger on an event that is already running.
    app.select(SMOKE_ID).await;
    app.press(KeyCode::Char('t')).await;
    app.press(KeyCode::Char('y')).await;
    assert_eq!(fakes.writes().len(), 3, "{:?}", fakes.writes());
    fakes.take_calls();
    app.press(KeyCode::Char('t')).await;
    let screen = app.screen();
    assert!(screen.contains("Cannot trigger next"), "{screen}");
    assert!(screen.contains("SMOKE_TESTS is running"), "{screen}");
    insta::assert_snapshot!("refused_2_trigger_running", screen);
    // `y` does not confirm a refusal.
    app.press(KeyCode::Char('y')).await;
    app.press(KeyCode::Esc).await;

    assert!(fakes.calls().is_empty(), "{:?}", fakes.calls());
    assert!(fakes.writes().is_empty());
    assert_eq!(fakes.started().len(), 1, "only the first trigger started");
}

#[tokio::test]
async fn a_lost_race_starts_nothing_and_says_who_won() {
    let fakes = world();
    let mut app = App::start(&fakes).await;
    fakes.take_calls();

    app.select(SMOKE_ID).await;
    app.press(KeyCode::Char('t')).await;
    // Between the dashboard's read and its write, bob claims the event.
    fakes.rival_before_next_save(SMOKE_ID, |lc| {
        let record = &mut lc.creation[1];
        record.status = EventStatus::InProgress;
        record.attempt = 1;
        record.actor = Some("bob".to_string());
    });
    app.press(KeyCode::Char('y')).await;

    assert_eq!(
        fakes.calls(),
        [
            format!("get {SMOKE_ID}"),
            "who_am_i".to_string(),
            format!("save {SMOKE_ID} if item_version=3: CONFLICT (stored 4)"),
            format!("get {SMOKE_ID}"),
        ]
    );
    assert!(fakes.started().is_empty(), "nothing started");
    let screen = app.screen();
    assert!(screen.contains("bob changed"), "{screen}");
    insta::assert_snapshot!("lost_race", screen);
}
