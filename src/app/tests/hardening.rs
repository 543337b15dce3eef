//! Regression tests of the hardening issue, named after its numbered defects.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{fresh, key, loaded, now};
use crate::app::action::{Action, PageData};
use crate::app::state::{Level, State};
use crate::app::update::{start_load, update};
use crate::lifecycle::Lifecycle;

/// Lifecycles `id-000`, `id-001`, ... updated one minute apart (the list
/// sorts newest first).
fn many(n: usize) -> Vec<Lifecycle> {
    (0..n)
        .map(|i| {
            let mut lc = fresh(&format!("id-{i:03}"), "shrink");
            lc.updated_at = now() - Duration::minutes(i64::try_from(i).unwrap_or(0));
            lc
        })
        .collect()
}

/// A complete reload that returns `lifecycles`.
fn reload(state: &mut State, lifecycles: Vec<Lifecycle>) {
    let _ = start_load(state);
    let request = state.request;
    update(
        state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(PageData {
                lifecycles,
                skipped: 0,
                next: None,
            }),
        },
    );
}

fn selected_id(state: &State) -> Option<String> {
    state.selected_lifecycle().map(|l| l.lifecycle_id.clone())
}

#[test]
fn defect_01_a_reload_with_fewer_lifecycles_neither_panics_nor_jumps_silently() {
    let mut state = loaded(many(100), false);
    key(&mut state, KeyCode::Char('G'));
    assert_eq!(selected_id(&state).as_deref(), Some("id-099"));
    let mut left = many(100);
    left.retain(|l| ["id-000", "id-001", "id-098"].contains(&l.lifecycle_id.as_str()));
    reload(&mut state, left);
    // id-099 is gone: its neighbour above (id-098) is selected, and said so.
    assert_eq!(selected_id(&state).as_deref(), Some("id-098"));
    let notice = state.notices.last().expect("a notice");
    assert_eq!(notice.level, Level::Warn);
    assert!(notice.text.contains("id-099 is gone"), "{}", notice.text);
}

#[test]
fn defect_01_a_reload_in_a_new_order_keeps_the_same_lifecycle_selected() {
    let mut state = loaded(many(20), false);
    key(&mut state, KeyCode::Char('j'));
    key(&mut state, KeyCode::Char('j'));
    assert_eq!(selected_id(&state).as_deref(), Some("id-002"));
    // A dozen others were changed elsewhere: they now sort first.
    let mut reordered = many(20);
    for lc in reordered.iter_mut().skip(5) {
        lc.updated_at = now() + Duration::minutes(1);
        lc.item_version += 1;
    }
    // The store pages them back in another order too.
    reordered.reverse();
    reload(&mut state, reordered);
    assert_eq!(selected_id(&state).as_deref(), Some("id-002"));
    assert!(
        state.notices.iter().all(|n| !n.text.contains("gone")),
        "nothing vanished"
    );
}

#[test]
fn defect_02_an_older_read_never_replaces_a_newer_lifecycle() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    let mut decided = fresh("lc-1", "main");
    decided.item_version = 7;
    decided.owner = "after the write".into();
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "lc-1".into(),
            result: Ok(decided),
        },
    );
    // A read that began before the write answers later with version 6.
    let mut before_write = fresh("lc-1", "main");
    before_write.item_version = 6;
    before_write.owner = "before the write".into();
    update(
        &mut state,
        Action::LifecycleFetched {
            id: "lc-1".into(),
            result: Ok(before_write.clone()),
        },
    );
    assert_eq!(state.lifecycle("lc-1").map(|l| l.item_version), Some(7));
    // Nor does a whole reload that read it before the write.
    reload(&mut state, vec![before_write]);
    let kept = state.lifecycle("lc-1").expect("kept");
    assert_eq!(
        (kept.item_version, kept.owner.as_str()),
        (7, "after the write")
    );
}
