//! Regression tests of the hardening issue, named after its numbered defects.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{fresh, key, loaded, now, screen_text};
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
    let page = PageData::last(state, lifecycles);
    super::last_page(state, page);
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

/// A lifecycle in production with three patch cycles whose records carry
/// reasons long enough to wrap at 80 columns; the very last line says END.
fn three_patch_cycles() -> Lifecycle {
    use crate::lifecycle::{Bump, EventStatus, PatchCycle};
    let mut lc = fresh("lc-long", "main");
    let long = "the smoke test suite reported a long explanation that certainly wraps at eighty columns of terminal width";
    for record in &mut lc.creation {
        record.status = EventStatus::Completed;
        record.attempt = 1;
        record.reason = Some(long.to_string());
    }
    for number in 1..=3 {
        let mut events = Lifecycle::empty_patch_events();
        for record in &mut events {
            record.status = EventStatus::Completed;
            record.attempt = 1;
            record.reason = Some(long.to_string());
        }
        if number == 3
            && let Some(last) = events.last_mut()
        {
            last.reason = Some("END-OF-THE-TIMELINE".to_string());
        }
        lc.patches.push(PatchCycle {
            number,
            bump: Bump::Patch,
            parent_ami_id: format!("ami-{number:017}"),
            parent_semver: format!("1.0.{}", number - 1),
            semver: format!("1.0.{number}"),
            component: None,
            description: None,
            created_at: now(),
            actor: Some("alice".into()),
            events,
        });
    }
    lc
}

#[test]
fn defect_17_the_end_of_a_wrapped_timeline_can_be_reached() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut state = loaded(vec![three_patch_cycles()], false);
    update(
        &mut state,
        Action::Resized {
            width: 80,
            height: 24,
        },
    );
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Char('G'));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let theme = crate::ui::theme::Theme::mono();
    terminal
        .draw(|f| crate::ui::render(&state, &theme, f))
        .expect("draw");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(
        screen.contains("END-OF-THE-TIMELINE"),
        "G must show the last line of the timeline"
    );
}

/// A lifecycle whose AMI_BUILD runs under `arn:exec:1`, opened on its timeline.
fn open_running_build() -> State {
    use crate::lifecycle::{EventKind, EventRef, EventStatus, Stage};
    let mut lc = fresh("lc-run", "main");
    let build = lc
        .record_mut(EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        })
        .expect("record");
    build.status = EventStatus::InProgress;
    build.attempt = 1;
    build.started_at = Some(now());
    build.execution_arn = Some("arn:exec:1".into());
    let mut state = loaded(vec![lc], false);
    key(&mut state, KeyCode::Enter);
    state
}

fn tick_at(state: &mut State, seconds: i64) -> Vec<crate::app::action::Effect> {
    update(
        state,
        Action::Tick {
            now: now() + Duration::seconds(seconds),
        },
    )
}

#[test]
fn defect_18_an_unreadable_execution_says_so_instead_of_reading_forever() {
    use crate::ops::OpError;
    let mut state = open_running_build();
    assert!(!tick_at(&mut state, 1).is_empty(), "polled");
    update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-run".into(),
            execution_arn: "arn:exec:1".into(),
            result: Err(OpError::Unavailable("ExecutionDoesNotExist".into())),
        },
    );
    let screen = screen_text(&state);
    assert!(!screen.contains("reading…"), "{screen}");
    assert!(screen.contains("cannot be read"), "{screen}");
}

#[test]
fn defect_20_elapsed_time_stops_and_is_marked_stale_while_polls_fail() {
    use crate::lifecycle::execution::{Progress, RunStatus};
    use crate::ops::OpError;
    let mut state = open_running_build();
    tick_at(&mut state, 1);
    update(
        &mut state,
        Action::ProgressFetched {
            lifecycle_id: "lc-run".into(),
            execution_arn: "arn:exec:1".into(),
            result: Ok(Progress {
                status: RunStatus::Running,
                state: Some("BuildImage".into()),
                started_at: Some(now()),
                elapsed: Some(Duration::seconds(1)),
                error: None,
                cause: None,
            }),
        },
    );
    // The endpoint goes away: the next polls fail for a minute.
    for second in [4, 40, 61] {
        tick_at(&mut state, second);
        update(
            &mut state,
            Action::ProgressFetched {
                lifecycle_id: "lc-run".into(),
                execution_arn: "arn:exec:1".into(),
                result: Err(OpError::Unavailable("cannot reach Step Functions".into())),
            },
        );
    }
    let screen = screen_text(&state);
    assert!(screen.contains("STALE"), "{screen}");
    assert!(
        !screen.contains("elapsed 1m"),
        "elapsed kept counting: {screen}"
    );
}

#[test]
fn defect_19_the_promote_dialog_pairs_each_region_with_its_ami_and_a_wrong_id_says_so() {
    use crate::app::state::Dialog;
    use crate::lifecycle::{AmiOutput, EventKind, EventStatus};
    let mut lc = fresh("lc-prod", "prod");
    for record in &mut lc.creation {
        if record.event != EventKind::MarkForProduction {
            record.status = EventStatus::Completed;
            record.attempt = 1;
            // Four eyes compares with a recorded certifier (a missing one blocks).
            record.actor = Some("bob".into());
        }
        if record.event == EventKind::AmiBuild {
            record.outputs.amis = vec![
                AmiOutput {
                    account: None,
                    region: "eu-west-1".into(),
                    ami_id: "ami-0eu".into(),
                    name: None,
                },
                AmiOutput {
                    account: None,
                    region: "us-east-1".into(),
                    ami_id: "ami-0us".into(),
                    name: None,
                },
            ];
        }
    }
    let mut state = loaded(vec![lc], false);
    key(&mut state, KeyCode::Char('p'));
    let Some(Dialog::Confirm {
        lines, typed_ami, ..
    }) = &state.dialog
    else {
        panic!("a confirmation: {:?}", state.dialog)
    };
    assert!(lines.contains(&("AMI eu-west-1".to_string(), "ami-0eu".to_string())));
    assert!(lines.contains(&("AMI us-east-1".to_string(), "ami-0us".to_string())));
    assert!(
        typed_ami.is_some(),
        "a production stack tag asks for the AMI id"
    );
    for c in "ami-0wrong".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    let effects = key(&mut state, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing is promoted");
    let Some(Dialog::Confirm {
        typed_ami: Some(typed),
        ..
    }) = &state.dialog
    else {
        panic!("the dialog stays open")
    };
    let error = typed.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("`ami-0wrong` is not this stage's AMI"),
        "{error}"
    );
}

#[test]
fn defect_07_stored_numbers_at_their_limits_never_panic_the_dashboard() {
    use crate::lifecycle::{AmiOutput, Bump, EventKind, EventStatus, PatchCycle};
    let mut lc = fresh("lc-huge", "main");
    lc.ami_semver = Some(format!("{}.{}.{}", u64::MAX, u64::MAX, u64::MAX));
    for record in &mut lc.creation {
        record.status = EventStatus::Completed;
        record.attempt = u32::MAX;
        if record.event == EventKind::AmiBuild {
            record.outputs.amis = vec![AmiOutput {
                account: None,
                region: "us-east-1".into(),
                ami_id: "ami-0huge".into(),
                name: None,
            }];
            record.outputs.ami_semver = lc.ami_semver.clone();
        }
    }
    let mut events = Lifecycle::empty_patch_events();
    if let Some(first) = events.first_mut() {
        first.status = EventStatus::Failed;
        first.attempt = u32::MAX;
    }
    lc.patches.push(PatchCycle {
        number: u32::MAX,
        bump: Bump::Minor,
        parent_ami_id: "ami-0huge".into(),
        parent_semver: format!("{}.{}.0", u64::MAX, u64::MAX),
        semver: format!("{}.{}.0", u64::MAX, u64::MAX),
        component: None,
        description: None,
        created_at: now(),
        actor: None,
        events,
    });
    let mut state = loaded(vec![lc], false);
    for code in ['r', 't', 'P', 'p'] {
        key(&mut state, KeyCode::Char(code));
        let _ = screen_text(&state);
        key(&mut state, KeyCode::Esc);
    }
    key(&mut state, KeyCode::Enter);
    let screen = screen_text(&state);
    assert!(screen.contains("lc-huge"), "{screen}");
    key(&mut state, KeyCode::Char('r'));
    let screen = screen_text(&state);
    assert!(
        screen.contains("cannot go higher"),
        "a retry past the largest attempt is refused: {screen}"
    );
}

#[test]
fn outdated_workflows_are_flagged_in_the_header_with_the_fix() {
    use crate::ops::DeployedWorkflows;
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    update(
        &mut state,
        Action::WorkflowsChecked {
            result: Ok(DeployedWorkflows {
                binary: 2,
                machines: vec![("amiboard-build".into(), Some(1))],
            }),
        },
    );
    let screen = screen_text(&state);
    assert!(
        screen.contains("workflows v1 (binary v2): run amiboard provision"),
        "{screen}"
    );
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.text.contains("older than this binary"))
    );
}
