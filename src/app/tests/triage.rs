//! On-call's triage: the problems-first sort, the header's counts by what
//! rows need (kept as rows change), the palette commands that filter to a
//! count, and the feed's history on open.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{chars, demo, fresh, key, loaded, now};
use crate::app::rows::{Sort, SortColumn, Triage};
use crate::app::state::State;
use crate::lifecycle::notification::Source;
use crate::lifecycle::{EventKind, EventStatus};

/// The counts as a full pass over the rows would give them.
fn counted(state: &State) -> [usize; 6] {
    let mut counts = [0; 6];
    for row in &state.rows {
        counts[row.triage as usize] += 1;
    }
    counts
}

#[test]
fn problems_first_sorts_error_failed_waiting_running_done() {
    let mut state = loaded(demo(200), false);
    key(&mut state, KeyCode::Char('!'));
    assert_eq!(
        state.sort,
        Sort {
            column: SortColumn::Problems,
            descending: false
        }
    );
    let order: Vec<Triage> = state.view.iter().map(|i| state.rows[*i].triage).collect();
    assert!(order.is_sorted(), "{order:?}");
    assert_eq!(order.first(), Some(&Triage::Error));
    for group in [
        Triage::Failed,
        Triage::Waiting,
        Triage::Running,
        Triage::Done,
    ] {
        assert!(order.contains(&group), "the demo has {group:?} rows");
    }
    // Within a group, the newest change first.
    let errors: Vec<_> = state
        .view
        .iter()
        .map(|i| &state.rows[*i])
        .filter(|r| r.triage == Triage::Error)
        .map(|r| r.updated)
        .collect();
    assert!(errors.windows(2).all(|w| w[0] >= w[1]));
    // Every broken row carries its reason; the others none.
    for row in &state.rows {
        let broken = matches!(row.status, EventStatus::Failed | EventStatus::Error);
        assert_eq!(row.reason.is_some(), broken, "{row:?}");
    }
    // `!` again: back to the newest change first.
    key(&mut state, KeyCode::Char('!'));
    assert_eq!(state.sort, Sort::default());
}

#[test]
fn the_counts_follow_every_change_and_each_is_a_filter_away() {
    let mut state = loaded(demo(120), false);
    assert_eq!(state.triage_counts, counted(&state));
    assert_eq!(state.triage_counts.iter().sum::<usize>(), 120);
    // One lifecycle breaks: it moves from its group to error.
    let mut lc = demo(1).remove(0);
    lc.item_version += 1;
    lc.creation[0].status = EventStatus::Error;
    lc.creation[0].reason = Some("States.Timeout: gone".into());
    state.upsert(vec![lc]);
    assert_eq!(state.triage_counts, counted(&state));
    // A reload that no longer sees half of them.
    state.replace_all(demo(60));
    assert_eq!(state.triage_counts, counted(&state));
    assert_eq!(state.triage_counts.iter().sum::<usize>(), 60);

    // `:error` filters to the count the header shows.
    key(&mut state, KeyCode::Char(':'));
    chars(&mut state, "error");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.filter.text, "status:error");
    assert_eq!(
        state.view.len(),
        state.triage_counts[Triage::Error as usize] + state.triage_counts[Triage::Lost as usize]
    );
    // `,` is "or": error and failed together.
    key(&mut state, KeyCode::Char('/'));
    for _ in "status:error".chars() {
        key(&mut state, KeyCode::Backspace);
    }
    chars(&mut state, "status:error,failed");
    key(&mut state, KeyCode::Enter);
    assert_eq!(
        state.view.len(),
        state.triage_counts[..3].iter().sum::<usize>(),
        "error, failed and lost rows"
    );
}

#[test]
fn the_feed_opens_with_the_last_hour_from_the_records_marked_history() {
    let mut recent = fresh("lc-recent", "main");
    let build = &mut recent.creation[0];
    assert_eq!(build.event, EventKind::AmiBuild);
    build.status = EventStatus::Failed;
    build.attempt = 2;
    build.started_at = Some(now() - Duration::minutes(20));
    build.finished_at = Some(now() - Duration::minutes(10));
    build.reason = Some("Image Builder: \u{1b}[31mFAILED\nrecipe".into());
    let mut old = fresh("lc-old", "main");
    old.creation[0].status = EventStatus::Completed;
    old.creation[0].finished_at = Some(now() - Duration::hours(2));
    let mut state = loaded(vec![recent.clone(), old], false);
    let items: Vec<_> = state.feed.items.iter().collect();
    assert_eq!(items.len(), 1, "{items:#?}");
    let n = &items[0].notification;
    assert_eq!(n.source, Source::History);
    assert_eq!(items[0].lifecycle_id.as_deref(), Some("lc-recent"));
    assert_eq!(n.event_time, Some(now() - Duration::minutes(10)));
    assert!(
        n.summary
            .starts_with("Build ✘ failed (try 2): Image Builder: "),
        "{}",
        n.summary
    );
    assert!(
        !n.summary.contains('\u{1b}') && !n.summary.contains('\n'),
        "{}",
        n.summary
    );
    // Later reads add no history: live messages follow it.
    recent.item_version += 1;
    state.upsert(vec![recent]);
    assert_eq!(state.feed.items.len(), 1);
}
