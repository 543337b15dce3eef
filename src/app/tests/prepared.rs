//! Pages prepared off the UI thread (`app::prepared`): the UI thread is
//! handed only the records it holds, and what it builds from a prepared
//! page is what it would build from the records themselves.

use std::collections::HashSet;
use std::sync::Arc;

use super::{demo, last_page, loaded};
use crate::app::action::PageData;
use crate::app::records::KEEP;
use crate::app::state::State;
use crate::app::update::start_load;
use crate::lifecycle::Lifecycle;

fn kept(page: &PageData) -> Vec<String> {
    page.prepared
        .iter()
        .filter_map(|p| p.record.as_ref().map(|r| r.lifecycle_id.clone()))
        .collect()
}

#[test]
fn a_large_tables_pages_carry_only_the_records_the_dashboard_holds() {
    let mut state = loaded(Vec::new(), false);
    let _ = start_load(&mut state);
    // The first page: the table may still be small, so the first KEEP
    // records come along and are held.
    let first = PageData::read(&state.prepare_for(), demo(1000), 0, None);
    assert_eq!(kept(&first).len(), KEEP);
    last_page(&mut state, first);
    assert_eq!(state.rows.len(), 1000);
    assert_eq!(state.records.len(), KEEP);

    // A refresh of the whole table: the records held (and the selected
    // lifecycle's) come along, nothing else does.
    let _ = start_load(&mut state);
    let again = PageData::read(&state.prepare_for(), demo(1000), 0, None);
    let mut expected: HashSet<String> = state.records.ids().map(ToString::to_string).collect();
    expected.extend(state.selected_id().map(ToString::to_string));
    let came: HashSet<String> = kept(&again).into_iter().collect();
    assert_eq!(came, expected);
    last_page(&mut state, again);
    assert_eq!(state.rows.len(), 1000);
    assert!(state.records.len() <= KEEP + 1, "{}", state.records.len());
}

#[test]
fn rows_facts_and_feed_from_prepared_pages_are_those_of_the_records() {
    let all = demo(600);
    // Through a page prepared as the runner prepares it.
    // A clock just after the newest change, so the feed has a last hour.
    let at = all.iter().map(|l| l.updated_at).max().expect("some") + chrono::Duration::minutes(1);
    let mut paged = loaded(Vec::new(), false);
    paged.feed.history_done = false;
    paged.now = at;
    let _ = start_load(&mut paged);
    let page = PageData::read(&paged.prepare_for(), all.clone(), 0, None);
    last_page(&mut paged, page);
    // Through the records, on the UI thread.
    let mut direct = loaded(Vec::new(), false);
    direct.feed.history_done = false;
    direct.now = at;
    direct.upsert(all.clone());

    assert_eq!(paged.rows.len(), all.len());
    let sorted = |state: &State| {
        let mut rows = state.rows.clone();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        rows
    };
    assert_eq!(sorted(&paged), sorted(&direct));
    assert_eq!(paged.triage_counts, direct.triage_counts);
    assert_eq!(paged.facts.inbox(at), direct.facts.inbox(at));
    assert_eq!(paged.facts.production(), direct.facts.production());
    let mut running: Vec<_> = paged.facts.running.keys().cloned().collect();
    let mut running_direct: Vec<_> = direct.facts.running.keys().cloned().collect();
    running.sort();
    running_direct.sort();
    assert_eq!(running, running_direct);
    assert!(
        !paged.facts.inbox(at).is_empty(),
        "the demo has approvals waiting"
    );
    assert!(!paged.feed.items.is_empty(), "the demo has a last hour");
    assert_eq!(paged.feed.items.len(), direct.feed.items.len());
}

#[test]
fn a_held_record_whose_newer_row_came_without_it_is_let_go() {
    let all = demo(KEEP as u64 + 200);
    let mut state = loaded(all.clone(), false);
    // A lifecycle past the held ones, read on its own (a screen asked for it).
    let id = all[KEEP + 100].lifecycle_id.clone();
    assert!(!state.records.contains(&id));
    state
        .records
        .put(Arc::from(id.as_str()), all[KEEP + 100].clone(), &[]);

    // A page asked for before it was held: it carries the row, not the record.
    let before = crate::app::prepared::PrepareFor {
        keep: Arc::new(HashSet::new()),
        room: 0,
        ..state.prepare_for()
    };
    let same: Lifecycle = all[KEEP + 100].clone();
    let mut newer = same.clone();
    newer.item_version += 1;
    newer.owner = "someone-else".into();

    // The same version: the held record is still the one read.
    let _ = start_load(&mut state);
    let page = PageData::read(&before, all.clone(), 0, None);
    last_page(&mut state, page);
    assert_eq!(state.records.get(&id), Some(&same));

    // A newer version: the held record is let go, the row is the new one.
    let _ = start_load(&mut state);
    let mut changed = all.clone();
    changed[KEEP + 100] = newer;
    let page = PageData::read(&before, changed, 0, None);
    last_page(&mut state, page);
    assert!(!state.records.contains(&id), "an older record is not kept");
    let row = &state.rows[state.by_id[id.as_str()]];
    assert_eq!(&*row.owner, "someone-else");
}

#[test]
fn the_pages_of_one_hand_over_share_the_room_for_records() {
    // The runner reads pages of `PAGE_ITEMS` and hands them over together:
    // the first KEEP records of the hand-over come along, not the first
    // KEEP of each page.
    let mut state = loaded(Vec::new(), false);
    let _ = start_load(&mut state);
    let prepare = state.prepare_for();
    let all = demo(3 * KEEP as u64);
    let mut data = PageData::default();
    for page in all.chunks(KEEP * 2 / 3) {
        data.add(&prepare, page.to_vec(), 1, None);
    }
    assert_eq!(data.prepared.len(), 3 * KEEP);
    assert_eq!(data.skipped, all.chunks(KEEP * 2 / 3).count());
    let expected: Vec<String> = all[..KEEP].iter().map(|l| l.lifecycle_id.clone()).collect();
    assert_eq!(kept(&data), expected);
    let whole = PageData::read(&prepare, all, 0, None);
    assert_eq!(kept(&whole), expected);
}

#[test]
fn the_end_of_a_load_gives_the_pages_memory_back() {
    let mut state = loaded(Vec::new(), false);
    let _ = start_load(&mut state);
    let mut page = PageData::last(&state, demo(10));
    page.next = None;
    let effects = last_page(&mut state, page);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, crate::app::action::Effect::GiveBackMemory)),
        "{effects:?}"
    );
}
