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
