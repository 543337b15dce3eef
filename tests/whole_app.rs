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

#[path = "whole_app/harness.rs"]
mod harness;

use amiboard::app::state::Dialog;
use amiboard::lifecycle::{EventKind, EventRef, EventStatus, Stage};
use crossterm::event::KeyCode;

use harness::*;

#[tokio::test]
async fn trigger_claims_the_event_and_starts_its_machine() {
    let fakes = world();
    let mut app = App::start(&fakes).await;
    assert_eq!(start_up_calls(fakes.take_calls()), expected_start_up());
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
                "save {SMOKE_ID} if item_version=3: SMOKE_TESTS: status NOT_STARTED->IN_PROGRESS, attempt 1, actor {CALLER}"
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
    assert_eq!(input["actor"], CALLER);

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
    assert!(row.contains("◐ running   Smoke tests"), "{row}");
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
                "save {QA_ID} if item_version=7: QA_CERTIFICATION_RESPONSE: status NOT_STARTED->COMPLETED, attempt 1, actor {CALLER}, reason \"{reason}\""
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
    assert_eq!(body["actor"], CALLER);
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
            // The sentence naming who won.
            format!("get {SMOKE_ID}"),
            // The dashboard reads it again to show what won.
            format!("get {SMOKE_ID}"),
        ]
    );
    assert!(fakes.started().is_empty(), "nothing started");
    let screen = app.screen();
    assert!(screen.contains("bob changed"), "{screen}");
    insta::assert_snapshot!("lost_race", screen);
}
