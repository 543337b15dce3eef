//! Small things operators asked for: `t` on a production lifecycle points at
//! the patch key (the read-only timeline: `ui::tests`).

use crossterm::event::KeyCode;

use super::{fresh, key, loaded};
use crate::app::state::Dialog;
use crate::lifecycle::{AmiOutput, EventStatus, Lifecycle};

fn in_production(id: &str) -> Lifecycle {
    let mut lc = fresh(id, "main");
    for record in &mut lc.creation {
        record.status = EventStatus::Completed;
        record.attempt = 1;
    }
    lc.creation[0].outputs.amis.push(AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0123456789abcdef0".into(),
        name: None,
    });
    lc
}

#[test]
fn trigger_on_a_production_lifecycle_suggests_a_patch() {
    let mut state = loaded(vec![in_production("lc-prod-1")], false);
    key(&mut state, KeyCode::Char('t'));
    let Some(Dialog::Refused { sentence, .. }) = &state.dialog else {
        panic!("a refusal, not {:?}", state.dialog);
    };
    assert!(
        sentence.ends_with("It is in production: press P to start a patch cycle."),
        "{sentence}"
    );
    // A lifecycle that is not in production gets the rule's sentence alone.
    let mut lc = fresh("lc-2", "main");
    lc.creation[0].status = EventStatus::InProgress;
    let mut state = loaded(vec![lc], false);
    key(&mut state, KeyCode::Char('t'));
    let Some(Dialog::Refused { sentence, .. }) = &state.dialog else {
        panic!("a refusal, not {:?}", state.dialog);
    };
    assert!(!sentence.contains("patch cycle"), "{sentence}");
}

#[test]
fn the_feed_is_in_time_order_even_when_sqs_delivers_late() {
    use super::live::arrival;
    let mut feed = crate::app::feed::Feed::default();
    feed.push(vec![
        arrival("lc-1", "m1", "AMI_BUILD", "IN_PROGRESS", 1),
        arrival("lc-1", "m3", "AMI_BUILD", "COMPLETED", 3),
    ]);
    // SQS delivers the one from minute 2 last: it goes between.
    feed.push(vec![arrival("lc-2", "m2", "SMOKE_TESTS", "FAILED", 2)]);
    let order: Vec<&str> = feed
        .items
        .iter()
        .map(|a| a.notification.message_id.as_str())
        .collect();
    assert_eq!(order, ["m1", "m2", "m3"]);
    feed.filter = "lc-2".into();
    assert_eq!(feed.view().len(), 1);
}

#[test]
fn a_failed_run_command_notification_is_tied_once_its_lifecycle_names_the_command() {
    use crate::app::action::Action;
    use crate::app::update::update;
    use crate::lifecycle::notification::{Arrival, decode};
    let message = serde_json::json!({
        "commandId": "cmd-0f1e", "documentName": "AWS-RunShellScript",
        "instanceId": "i-0abc", "requestedDateTime": "2026-11-23T11:59:00Z",
        "eventTime": "2026-11-23T12:00:00Z", "status": "Failed",
    });
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": "m-run-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:amiboard-run-command",
        "Message": message.to_string(), "Timestamp": "2026-11-23T12:00:00Z",
    });
    let mut lc = fresh("lc-run-1", "main");
    lc.creation[0].status = EventStatus::Completed;
    lc.creation[1].claim("alice", 1, super::now());
    let mut state = loaded(vec![lc.clone()], false);
    // The load's history (the smoke test claimed just now) aside.
    state.feed.items.clear();
    // It arrives before the record names its command: no lifecycle yet.
    state.feed.push(vec![Arrival {
        notification: decode(&envelope.to_string()),
        lifecycle_id: None,
        received_at: super::now(),
    }]);
    assert_eq!(state.feed.items[0].lifecycle_id, None);
    // The smoke-test machine records the command id as soon as it is sent;
    // the re-read ties the notification to the lifecycle.
    lc.creation[1].outputs.run_command_id = Some("cmd-0f1e".into());
    lc.item_version += 1;
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "lc-run-1".into(),
            result: Ok(lc),
        },
    );
    assert_eq!(
        state.feed.items[0].lifecycle_id.as_deref(),
        Some("lc-run-1")
    );
}

#[test]
fn the_production_view_shows_the_break_glass_a_promotion_went_through() {
    let mut lc = in_production("lc-prod-2");
    let promotion = lc
        .creation
        .iter_mut()
        .find(|r| r.event == crate::lifecycle::EventKind::MarkForProduction)
        .expect("promotion");
    promotion.actor = Some("arn:aws:iam::123456789012:user/alice".into());
    promotion.finished_at = Some(super::now());
    promotion.approval_override = Some(Box::new(crate::lifecycle::approvals::ApprovalOverride {
        by: "arn:aws:iam::123456789012:user/alice".into(),
        reason: "bob is on leave, P1 fix".into(),
        at: super::now(),
        overridden: vec!["four eyes: the promoter certified it".into()],
    }));
    let mut state = loaded(vec![lc], false);
    crate::app::update::update(
        &mut state,
        crate::app::action::Action::Resized {
            width: 200,
            height: 40,
        },
    );
    key(&mut state, KeyCode::Char('W'));
    let text = super::screen_text(&state);
    assert!(text.contains("ami-0123456789abcdef0"), "{text}");
    assert!(
        text.contains("bob is on leave, P1 fix")
            && text.contains("four eyes: the promoter certified it"),
        "the override is on the production view: {text}"
    );
}
