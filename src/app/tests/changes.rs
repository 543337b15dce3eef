//! The periodic changed-since read while the stream is healthy, instead of
//! a full reload: asked for what changed since the last load began, applied
//! like re-reads, and a table without the index falls back to full reloads
//! at the shorter interval.

use chrono::Duration;

use super::{fresh, loaded, now};
use crate::app::action::{Action, Effect};
use crate::app::feed::StreamStatus;
use crate::app::state::State;
use crate::app::update::update;
use crate::ops::listener::StreamEvent;
use crate::ops::{ChangedSince, Changes};

fn at(state: &mut State, seconds: i64) -> Vec<Effect> {
    update(
        state,
        Action::Tick {
            now: now() + Duration::seconds(seconds),
        },
    )
}

fn asks(effects: &[Effect]) -> Vec<chrono::DateTime<chrono::Utc>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ReadChanges { since } => Some(*since),
            _ => None,
        })
        .collect()
}

fn reloads(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadPage { .. }))
        .count()
}

/// The change read answers: `lifecycles` whole, `beyond` by id and version.
fn answered(
    state: &mut State,
    lifecycles: Vec<crate::lifecycle::Lifecycle>,
    beyond: Vec<(String, u64)>,
    read_at: chrono::DateTime<chrono::Utc>,
) -> Vec<Effect> {
    update(
        state,
        Action::ChangesRead {
            result: Ok(ChangedSince::Changes(Changes {
                lifecycles,
                beyond,
                skipped: Vec::new(),
                read_at,
            })),
        },
    )
}

fn connected() -> State {
    let mut state = loaded(vec![fresh("lc-1", "main"), fresh("lc-2", "main")], false);
    state.feed.status = StreamStatus::Starting;
    update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Connected {
                queue: "q".into(),
                topics: vec!["t".into()],
            },
        },
    );
    state
}

#[test]
fn a_healthy_stream_reads_only_the_changes_every_refresh() {
    let mut state = connected();
    assert!(
        asks(&at(&mut state, 10)).is_empty(),
        "not before refresh_every"
    );
    let effects = at(&mut state, 31);
    assert_eq!(asks(&effects), vec![now()], "since the load began");
    assert_eq!(reloads(&effects), 0, "no full reload");
    assert!(asks(&at(&mut state, 40)).is_empty(), "one read in flight");

    let mut changed = state.lifecycle("lc-2").expect("held").clone();
    changed.item_version += 1;
    changed.owner = "bob".into();
    let mut older = state.lifecycle("lc-2").expect("held").clone();
    older.owner = "stale".into();
    let read_at = now() + Duration::seconds(31);
    answered(&mut state, vec![changed], Vec::new(), read_at);
    assert_eq!(
        state.lifecycle("lc-2").map(|l| l.owner.as_str()),
        Some("bob")
    );
    let row = state.by_id["lc-2"];
    assert_eq!(&*state.rows[row].owner, "bob", "the row follows");
    // The next read asks from this one's start, a refresh after its answer (at 40 s).
    assert!(asks(&at(&mut state, 50)).is_empty());
    assert_eq!(asks(&at(&mut state, 71)), vec![read_at]);
    // The index is eventually consistent: an older copy is not applied.
    answered(
        &mut state,
        vec![older],
        Vec::new(),
        now() + Duration::seconds(62),
    );
    assert_eq!(
        state.lifecycle("lc-2").map(|l| l.owner.as_str()),
        Some("bob"),
        "an older version is not applied"
    );
    // Six hours of reads, no full reload before the long interval.
    let mut full = 0;
    for minute in 2..359 {
        full += reloads(&at(&mut state, minute * 60));
    }
    assert_eq!(full, 0, "no full reload while the stream is healthy");
    assert_eq!(
        reloads(&at(&mut state, 6 * 3600 + 1)),
        1,
        "the long interval"
    );
}

#[test]
fn without_a_connected_stream_nothing_is_read_by_changes() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    let effects = at(&mut state, 31);
    assert!(asks(&effects).is_empty());
    assert_eq!(reloads(&effects), 1, "the periodic full reload as before");
}

#[test]
fn a_table_without_the_index_says_so_and_reloads_at_the_shorter_interval() {
    let mut state = connected();
    let _ = at(&mut state, 31);
    update(
        &mut state,
        Action::ChangesRead {
            result: Ok(ChangedSince::NoIndex(
                "table p-lifecycles has no index changed_index".into(),
            )),
        },
    );
    assert!(
        state
            .notices
            .last()
            .is_some_and(|n| n.text.contains("changed_index") && n.text.contains("30 min"))
    );
    let mut asked = 0;
    for minute in 1..29 {
        asked += asks(&at(&mut state, minute * 60)).len();
    }
    assert_eq!(asked, 0, "not asked again");
    assert_eq!(
        reloads(&at(&mut state, 30 * 60 + 1)),
        1,
        "full reload at 30 min"
    );
}

#[test]
fn trust_03_a_failing_change_read_or_a_lost_stream_marks_the_header_with_the_age() {
    let mut state = connected();
    assert_eq!(crate::app::changes::unvouched(&state), None, "vouched for");
    let _ = at(&mut state, 31);
    update(
        &mut state,
        Action::ChangesRead {
            result: Err(crate::ops::OpError::Unavailable("throttled".into())),
        },
    );
    // The next read is asked; until it answers the mark stays, aging.
    let effects = at(&mut state, 95);
    assert_eq!(asks(&effects).len(), 1);
    let mark = crate::app::changes::unvouched(&state).expect("a mark");
    assert!(
        mark.contains("STALE: change read failed (throttled)"),
        "{mark}"
    );
    assert!(mark.contains("changes known up to 1m35s ago"), "{mark}");
    assert_eq!(state.age_label, mark, "the tick redraws it as it ages");

    // It answers: the mark goes.
    answered(
        &mut state,
        Vec::new(),
        Vec::new(),
        now() + Duration::seconds(96),
    );
    assert_eq!(crate::app::changes::unvouched(&state), None);

    // The stream is lost: marked too, with the data's age.
    update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Reconnecting {
                reason: "gone".into(),
            },
        },
    );
    let mark = crate::app::changes::unvouched(&state).expect("a mark");
    assert!(mark.contains("not live: data read"), "{mark}");
}

#[test]
fn trust_03_a_change_read_again_at_the_held_version_is_no_change() {
    let mut state = connected();
    let _ = at(&mut state, 31);
    let held = state.lifecycle("lc-1").expect("held").clone();
    answered(
        &mut state,
        vec![held],
        Vec::new(),
        now() + Duration::seconds(31),
    );
    assert_eq!(
        state.changes.changed, 0,
        "the window re-reads it: no change"
    );
    assert!(!state.dirty, "nothing to redraw");
}

#[test]
fn trust_03_an_announced_lifecycle_the_list_lacks_is_read_at_once_in_its_scope() {
    let mut state = connected();
    state.connection.stack_tag = Some("main".into());
    let effects = update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Notifications(vec![
                super::live::arrival("lc-new", "m1", "AMI_BUILD", "COMPLETED", 1),
                super::live::arrival("lc-other", "m2", "AMI_BUILD", "COMPLETED", 1),
            ]),
        },
    );
    let fetched: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchLifecycle { id } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, ["lc-new", "lc-other"], "both read at once");
    for lc in [fresh("lc-new", "main"), fresh("lc-other", "other")] {
        update(
            &mut state,
            Action::LifecycleFetched {
                id: lc.lifecycle_id.clone(),
                result: Ok(lc),
            },
        );
    }
    assert!(state.by_id.contains_key("lc-new"), "shown without r");
    assert!(
        !state.by_id.contains_key("lc-other"),
        "another stack tag than the list shows stays out"
    );
}

/// A write to many items: the read hands over the first ones whole and the
/// rest by id and version; a few of those not held at that version are read
/// again one by one, the held ones not at all.
#[test]
fn changes_past_the_held_ones_are_read_again_when_few() {
    let mut state = connected();
    let _ = at(&mut state, 31);
    let held = state.lifecycle("lc-1").expect("held").item_version;
    let effects = answered(
        &mut state,
        Vec::new(),
        vec![
            ("lc-1".into(), held),
            ("lc-2".into(), held + 7),
            ("lc-new".into(), 1),
        ],
        now() + Duration::seconds(31),
    );
    let fetched: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchLifecycle { id } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, ["lc-2", "lc-new"], "{effects:?}");
    assert_eq!(reloads(&effects), 0);
}

/// Many past the held ones: the list reloads page by page (memory bounded
/// by a page), once, with a notice saying why.
#[test]
fn many_changes_past_the_held_ones_reload_the_list_page_by_page() {
    let mut state = connected();
    let _ = at(&mut state, 31);
    let beyond: Vec<(String, u64)> = (0..=crate::app::changes::REREAD_AT_MOST)
        .map(|i| (format!("lc-x{i}"), 1))
        .collect();
    let effects = answered(
        &mut state,
        Vec::new(),
        beyond,
        now() + Duration::seconds(31),
    );
    assert_eq!(reloads(&effects), 1, "{effects:?}");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchLifecycle { .. })),
        "no re-read one by one"
    );
    assert!(
        state.notices.iter().any(|n| n
            .text
            .contains("101 lifecycles changed since the last read: reloading")),
        "a notice says why"
    );
}

/// A read of many items (held or not) freed its decoded pages on a worker
/// thread: their memory goes back to the system, off the UI thread. A
/// small read does not ask for it.
#[test]
fn a_large_change_read_gives_its_memory_back_and_a_small_one_does_not() {
    let gives_back = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::GiveBackMemory))
            .count()
    };
    let mut state = connected();
    let _ = at(&mut state, 31);
    let few = answered(
        &mut state,
        Vec::new(),
        vec![("lc-1".into(), 1)],
        now() + Duration::seconds(31),
    );
    assert_eq!(gives_back(&few), 0, "{few:?}");
    let _ = at(&mut state, 62);
    // Already held at these versions: nothing applies, but the read was large.
    let many: Vec<(String, u64)> = (0..crate::app::changes::REREAD_AT_MOST)
        .map(|i| (if i % 2 == 0 { "lc-1" } else { "lc-2" }.to_string(), 1))
        .collect();
    let effects = answered(&mut state, Vec::new(), many, now() + Duration::seconds(62));
    assert_eq!(gives_back(&effects), 1, "{effects:?}");
    assert_eq!(reloads(&effects), 0);
}
