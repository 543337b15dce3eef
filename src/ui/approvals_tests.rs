//! Snapshots of the break-glass form (a new dialog) at 80x24 and 160x48:
//! alice, the dashboard's caller, certified this production AMI herself, so
//! promoting it meets four eyes.

use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::tests::now;
use crate::lifecycle::{AmiOutput, EventStatus, Lifecycle};

fn certified_by_alice() -> Lifecycle {
    let mut lc = Lifecycle::new(
        "lc-prod-0001",
        "prod",
        "web-frontend",
        "4.2",
        "carol",
        now(),
    );
    for record in lc.creation.iter_mut().take(5) {
        record.status = EventStatus::Completed;
        record.attempt = 1;
    }
    lc.creation[0].outputs.amis = vec![AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0123456789abcdef0".into(),
        name: None,
    }];
    lc.creation[3].actor = Some("carol".into());
    lc.creation[4].actor = Some("alice".into());
    lc
}

fn override_form(width: u16, height: u16) -> String {
    let mut s = state(false, width, height);
    load(&mut s, vec![certified_by_alice()]);
    press(&mut s, KeyCode::Char('p'));
    assert!(
        matches!(s.dialog, Some(crate::app::state::Dialog::Override(_))),
        "{:?}",
        s.dialog
    );
    draw(&s)
}

#[test]
fn override_form_80x24() {
    insta::assert_snapshot!(override_form(80, 24));
}

#[test]
fn override_form_160x48() {
    insta::assert_snapshot!(override_form(160, 48));
}
