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
