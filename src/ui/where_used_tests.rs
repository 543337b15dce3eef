//! Snapshots of the where-used screen and the retire dialog at 80x24 and
//! 160x48: the old production AMI of `web-frontend`, superseded by 2.0.0,
//! still used by a launch template and an SSM parameter.

use crossterm::event::KeyCode;

use super::tests::{draw, load, press, state};
use crate::app::retire::Choice;
use crate::app::state::{Dialog, State};
use crate::app::tests::retire::{OLD, superseded_in_use};

fn on_old(read_only: bool, width: u16, height: u16) -> State {
    let mut s = state(read_only, width, height);
    load(&mut s, superseded_in_use());
    s.selected = s
        .view
        .iter()
        .position(|i| &*s.rows[*i].id == OLD)
        .expect("row");
    s
}

fn where_used(read_only: bool, width: u16, height: u16) -> String {
    let mut s = on_old(read_only, width, height);
    press(&mut s, KeyCode::Char('u'));
    draw(&s)
}

fn delete_preview(width: u16, height: u16) -> String {
    let mut s = on_old(false, width, height);
    press(&mut s, KeyCode::Char('X'));
    while !matches!(&s.dialog, Some(Dialog::Retire(f)) if f.choice == Choice::Delete) {
        press(&mut s, KeyCode::Down);
    }
    press(&mut s, KeyCode::Enter);
    for c in "override".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    draw(&s)
}

fn choose(width: u16, height: u16) -> String {
    let mut s = on_old(false, width, height);
    press(&mut s, KeyCode::Char('X'));
    press(&mut s, KeyCode::Down);
    for c in "+7d".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    draw(&s)
}

#[test]
fn where_used_80x24() {
    insta::assert_snapshot!(where_used(false, 80, 24));
}

#[test]
fn where_used_160x48() {
    insta::assert_snapshot!(where_used(false, 160, 48));
}

#[test]
fn where_used_read_only_80x24() {
    let screen = where_used(true, 80, 24);
    assert!(
        screen.contains("READ-ONLY")
            || screen.contains("read-only")
            || screen.contains("Read-only")
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn retire_choice_80x24() {
    insta::assert_snapshot!(choose(80, 24));
}

#[test]
fn retire_delete_preview_80x24() {
    insta::assert_snapshot!(delete_preview(80, 24));
}

#[test]
fn retire_delete_preview_160x48() {
    insta::assert_snapshot!(delete_preview(160, 48));
}

#[test]
fn production_view_marks_the_selected_row_and_its_end_of_life_160x48() {
    let mut s = on_old(false, 160, 48);
    press(&mut s, KeyCode::Char('W'));
    press(&mut s, KeyCode::Down);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn list_says_superseded_in_the_reason_column_160x48() {
    let s = on_old(false, 160, 48);
    let screen = draw(&s);
    assert!(screen.contains("superseded by 2222bbbb 2.0.0"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn timeline_ends_with_the_end_of_life_80x24() {
    let mut s = on_old(false, 80, 24);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('G'));
    insta::assert_snapshot!(draw(&s));
}
