//! The incremental view: after pages, re-reads and refreshes applied one by
//! one, the view is exactly what a full filter and sort gives, the same
//! lifecycle stays selected, and a refresh drops what it did not see.

use chrono::Duration;

use super::{demo, loaded, now};
use crate::app::action::{Action, PageData};
use crate::app::filter::Filter;
use crate::app::rows::{Sort, SortColumn, build_view};
use crate::app::state::State;
use crate::app::update::{start_load, update};
use crate::lifecycle::Lifecycle;

fn assert_view_is_full_sort(state: &State) {
    assert_eq!(
        state.view,
        build_view(&state.rows, &state.filter, state.sort),
        "incremental view == full filter and sort"
    );
}

/// A re-read: a newer version, updated `minutes` later.
fn changed(state: &State, at: usize, minutes: i64) -> Lifecycle {
    let mut lc = state.lifecycle(&state.rows[at].id).expect("held").clone();
    lc.item_version += 1;
    lc.updated_at += Duration::minutes(minutes);
    lc
}

#[test]
fn pages_merge_into_the_same_order_as_a_full_sort() {
    let all = demo(300);
    let mut state = loaded(Vec::new(), false);
    for page in all.chunks(40) {
        state.upsert(page.to_vec());
        assert_view_is_full_sort(&state);
    }
    assert_eq!(state.view.len(), 300);
}

#[test]
fn a_re_read_moves_one_row_and_keeps_the_selection() {
    let mut state = loaded(demo(200), false);
    for sort in [
        Sort::default(),
        Sort {
            column: SortColumn::Product,
            descending: false,
        },
    ] {
        state.sort = sort;
        state.rebuild_view();
        state.selected = 17;
        let selected = state.rows[state.view[17]].id.clone();
        for (n, at) in [3_usize, 150, 17, 199, 0].into_iter().enumerate() {
            let minutes = i64::try_from(n).expect("n") * 97 - 200;
            let lc = changed(&state, at, minutes);
            update(
                &mut state,
                Action::LifecycleFetched {
                    id: lc.lifecycle_id.clone(),
                    result: Ok(lc),
                },
            );
            assert_view_is_full_sort(&state);
            let now_selected = &state.rows[state.view[state.selected]].id;
            assert_eq!(*now_selected, selected, "the same lifecycle stays selected");
        }
    }
}

#[test]
fn a_filtered_view_takes_rows_in_and_out_as_they_change() {
    let mut state = loaded(demo(120), false);
    state.filter = Filter::parse("status:completed").expect("filter");
    state.rebuild_view();
    let before = state.view.len();
    assert!(before > 0 && before < 120, "{before}");
    // Every lifecycle re-read with its build's status flipped in one batch.
    let batch: Vec<Lifecycle> = (0..120)
        .map(|i| {
            let mut lc = changed(&state, i, 1);
            let (at, _) = lc.current();
            if let Some(r) = lc.record_mut(at) {
                r.status = crate::lifecycle::EventStatus::Completed;
            }
            lc
        })
        .collect();
    state.upsert(batch);
    assert_view_is_full_sort(&state);
    assert!(state.view.len() >= before);
}

#[test]
fn a_refresh_applies_in_place_and_drops_what_it_did_not_see() {
    let mut state = loaded(demo(50), false);
    let gone = state.rows[7].id.to_string();
    let _ = start_load(&mut state);
    let request = state.request;
    let mut kept = demo(50);
    kept.retain(|l| l.lifecycle_id != gone);
    let touched = kept[10].lifecycle_id.clone();
    let version = kept[10].item_version + 1;
    kept[10].item_version = version;
    kept[10].updated_at += Duration::minutes(5);
    let page = PageData::last(&state, kept);
    update(
        &mut state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(page),
        },
    );
    assert_eq!(state.rows.len(), 49);
    assert_eq!(state.records.len(), 49);
    assert!(state.lifecycle(&gone).is_none(), "deleted from the table");
    assert_eq!(state.by_id.len(), 49);
    for (id, i) in &state.by_id {
        assert_eq!(state.rows[*i].id, *id, "rows renumbered");
        assert!(state.lifecycle(id).is_some(), "its record is held");
    }
    assert_eq!(
        state.lifecycle(&touched).expect("kept").item_version,
        version
    );
    assert!(state.seen.is_none(), "nothing held after the refresh");
    assert_view_is_full_sort(&state);
}

#[test]
fn each_page_read_while_the_stream_may_deliver_hands_it_that_pages_links_only() {
    use crate::app::action::Effect;
    use crate::app::feed::StreamStatus;
    let mut state = loaded(Vec::new(), false);
    state.feed.status = StreamStatus::Starting;
    let _ = start_load(&mut state);
    let page = demo(20);
    let first_ami = page
        .iter()
        .find_map(|l| l.newest_ami().map(|(_, a)| a.ami_id.clone()))
        .expect("demo data has AMIs");
    let owner = page
        .iter()
        .find(|l| l.newest_ami().is_some_and(|(_, a)| a.ami_id == first_ami))
        .map(|l| l.lifecycle_id.clone());
    let request = state.request;
    let page = PageData::last(&state, page);
    let effects = update(
        &mut state,
        Action::PageLoaded {
            request,
            at: now(),
            result: Ok(page),
        },
    );
    let links: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::AddLinks { index } => Some(index),
            _ => None,
        })
        .collect();
    assert_eq!(links.len(), 1, "one index for the page: {effects:?}");
    assert_eq!(links[0].ami(&first_ami), owner.as_deref());
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SetLinks { .. })),
        "never a rebuild over the table"
    );
    // Read again unchanged: nothing new to link.
    let again = super::held(&state);
    let request = state.request;
    let _ = start_load(&mut state);
    let page = PageData::last(&state, again);
    let effects = update(
        &mut state,
        Action::PageLoaded {
            request: request + 1,
            at: now(),
            result: Ok(page),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::AddLinks { .. })),
        "{effects:?}"
    );
}
