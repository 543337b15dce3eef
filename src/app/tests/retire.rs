//! The retire dialog and the where-used screen through update(): an override
//! needs the word and a reason, delete needs the AMI id typed, read-only
//! refuses with the command a writer would run, Esc changes nothing; `u`
//! opens the recorded answer, `U` starts the where-used workflow.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::{chars, key, loaded, now};
use crate::app::action::{Action, Effect, Op, OpReport};
use crate::app::retire::{Choice, Field, Step, parse_at};
use crate::app::state::{Dialog, Screen, State};
use crate::lifecycle::retire::{RetireAction, RetireRule, WhereUsed};
use crate::lifecycle::{AmiOutput, EventStatus, Lifecycle, Stage};

pub const OLD: &str = "1111aaaa-0000-4000-8000-000000000001";
pub const NEW: &str = "2222bbbb-0000-4000-8000-000000000002";
pub const OLD_AMI: &str = "ami-0aaa1111aaaa11110";
pub const NEW_AMI: &str = "ami-0bbb2222bbbb22220";

/// A lifecycle of `web-frontend` (stack tag `prod`) at `semver`, in
/// production from `days_ago`, with an AMI in us-east-1 and eu-west-1.
pub fn production(id: &str, semver: &str, ami: &str, days_ago: i64) -> Lifecycle {
    let at = now() - Duration::days(days_ago);
    let mut lc = Lifecycle::new(id, "prod", "web-frontend", "4.2", "carol", at);
    lc.ami_semver = Some(semver.to_string());
    for record in lc.creation.iter_mut().take(6) {
        record.status = EventStatus::Completed;
        record.attempt = 1;
        record.finished_at = Some(at);
        record.actor = Some("carol".into());
    }
    lc.creation[0].outputs.amis = vec![
        AmiOutput {
            region: "us-east-1".into(),
            ami_id: ami.into(),
            name: None,
            account: None,
        },
        AmiOutput {
            region: "eu-west-1".into(),
            ami_id: format!("{}e", &ami[..ami.len() - 1]),
            name: None,
            account: None,
        },
    ];
    lc.creation[0].outputs.image_arn = Some(format!(
        "arn:aws:imagebuilder:us-east-1:123456789012:image/web-frontend/{semver}/1"
    ));
    lc.updated_at = at;
    lc
}

/// The where-used answer for `ami`, asked 10 minutes ago in us-east-1.
pub fn answer(ami: &str, references: &[(&str, &str)]) -> WhereUsed {
    let images = serde_json::json!([{
        "ImageId": ami, "State": "available",
        "LastLaunchedTime": "2026-11-20T08:00:00Z",
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-0aaa1111aaaa11110"}}]
    }]);
    let refs: Vec<serde_json::Value> = references
        .iter()
        .map(|(kind, arn)| serde_json::json!({"ImageId": ami, "ResourceType": kind, "Arn": arn}))
        .collect();
    WhereUsed {
        as_of: now() - Duration::minutes(10),
        region: "us-east-1".into(),
        execution_arn: None,
        ami_ids: vec![ami.to_string()],
        images_json: images.to_string(),
        references_json: serde_json::Value::Array(refs).to_string(),
        actor: Some("alice".into()),
        truncated: false,
    }
}

/// The old production AMI, superseded by the new one, still used by a
/// launch template and an SSM parameter.
pub fn superseded_in_use() -> Vec<Lifecycle> {
    let mut old = production(OLD, "1.0.0", OLD_AMI, 9);
    old.where_used = Some(answer(
        OLD_AMI,
        &[
            (
                "ec2:LaunchTemplate",
                "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0123456789abcdef0",
            ),
            (
                "ssm:Parameter",
                "arn:aws:ssm:us-east-1:123456789012:parameter/web/ami",
            ),
        ],
    ));
    vec![old, production(NEW, "2.0.0", NEW_AMI, 2)]
}

fn select(state: &mut State, id: &str) {
    state.selected = state
        .view
        .iter()
        .position(|i| &*state.rows[*i].id == id)
        .expect("row");
}

fn form(state: &State) -> &crate::app::retire::RetireForm {
    match &state.dialog {
        Some(Dialog::Retire(form)) => form,
        other => panic!("the retire dialog, got {other:?}"),
    }
}

fn retire_op(effects: &[Effect]) -> Option<&Op> {
    effects.iter().find_map(|e| match e {
        Effect::Mutate { op, .. } => Some(op),
        _ => None,
    })
}

fn choose(state: &mut State, choice: Choice) {
    while form(state).choice != choice {
        key(state, KeyCode::Down);
    }
}

#[test]
fn delete_of_an_ami_in_use_needs_the_word_a_reason_and_the_typed_ami_id() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, OLD);
    key(&mut s, KeyCode::Char('X'));
    assert_eq!(form(&s).step, Step::Choose);
    choose(&mut s, Choice::Delete);
    key(&mut s, KeyCode::Enter);
    let f = form(&s);
    assert_eq!(f.step, Step::Preview);
    assert!(
        matches!(
            f.rules.as_slice(),
            [RetireRule::InUse { references: 2, .. }]
        ),
        "{:?}",
        f.rules
    );
    let preview = f.preview.as_ref().expect("preview");
    assert_eq!(preview.amis.len(), 2, "every region");
    assert_eq!(preview.references(), 2);
    assert!(
        preview.approval_override.is_none(),
        "nothing overridden yet"
    );
    assert_eq!(f.fields(), [Field::Word, Field::Reason, Field::Ami]);
    assert_eq!(f.focus, Some(Field::Word));

    // Enter without the word: refused, nothing sent.
    let effects = key(&mut s, KeyCode::Enter);
    assert!(retire_op(&effects).is_none());
    assert!(form(&s).error.as_deref().unwrap_or("").contains("override"));
    chars(&mut s, "override");
    // The word but no reason.
    let effects = key(&mut s, KeyCode::Enter);
    assert!(retire_op(&effects).is_none());
    assert_eq!(form(&s).focus, Some(Field::Reason));
    assert!(
        form(&s)
            .error
            .as_deref()
            .unwrap_or("")
            .contains("reason is required")
    );
    chars(&mut s, "replaced by 2.0.0; lt updated today");
    // A reason but a wrong AMI id.
    let effects = key(&mut s, KeyCode::Enter);
    assert!(retire_op(&effects).is_none());
    assert_eq!(form(&s).focus, Some(Field::Ami));
    chars(&mut s, NEW_AMI);
    let effects = key(&mut s, KeyCode::Enter);
    assert!(retire_op(&effects).is_none());
    assert!(
        form(&s).error.as_deref().unwrap_or("").contains("is not"),
        "{:?}",
        form(&s).error
    );
    for _ in 0..NEW_AMI.len() {
        key(&mut s, KeyCode::Backspace);
    }
    chars(&mut s, OLD_AMI);
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(
        retire_op(&effects),
        Some(&Op::Retire {
            lifecycle_id: OLD.into(),
            stage: Stage::Creation,
            action: RetireAction::Delete,
            deprecate_at: None,
            override_reason: Some("replaced by 2.0.0; lt updated today".into()),
        })
    );
    assert!(s.dialog.is_none());
    assert_eq!(s.in_flight, 1);
}

#[test]
fn the_current_production_ami_is_held_back_even_to_deprecate() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, NEW);
    key(&mut s, KeyCode::Char('X'));
    key(&mut s, KeyCode::Enter);
    let f = form(&s);
    assert_eq!(f.choice, Choice::Deprecate);
    assert!(
        matches!(f.rules.as_slice(), [RetireRule::InProduction { semver }] if semver == "2.0.0"),
        "{:?}",
        f.rules
    );
    // `y` types into the word field: no confirmation by accident.
    let effects = key(&mut s, KeyCode::Char('y'));
    assert!(retire_op(&effects).is_none());
    assert_eq!(form(&s).word, "y");
}

#[test]
fn deprecating_a_superseded_ami_confirms_with_y_and_enter_alone_does_not() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, OLD);
    key(&mut s, KeyCode::Char('X'));
    key(&mut s, KeyCode::Enter);
    assert!(form(&s).rules.is_empty(), "deprecation keeps lookup rows");
    assert!(form(&s).fields().is_empty());
    let effects = key(&mut s, KeyCode::Enter);
    assert!(retire_op(&effects).is_none());
    assert!(form(&s).error.as_deref().unwrap_or("").contains('y'));
    let effects = key(&mut s, KeyCode::Char('y'));
    assert!(matches!(
        retire_op(&effects),
        Some(Op::Retire {
            action: RetireAction::Deprecate,
            override_reason: None,
            ..
        })
    ));
}

#[test]
fn deprecate_at_reads_the_time_and_refuses_a_past_one() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, OLD);
    key(&mut s, KeyCode::Char('X'));
    choose(&mut s, Choice::DeprecateAt);
    key(&mut s, KeyCode::Enter);
    assert_eq!(form(&s).step, Step::Choose, "no time typed");
    assert!(form(&s).error.is_some());
    chars(&mut s, "2020-01-01");
    key(&mut s, KeyCode::Enter);
    assert_eq!(form(&s).step, Step::Choose);
    assert!(
        form(&s)
            .error
            .as_deref()
            .unwrap_or("")
            .contains("not in the future"),
        "{:?}",
        form(&s).error
    );
    for _ in 0..10 {
        key(&mut s, KeyCode::Backspace);
    }
    chars(&mut s, "+7d");
    key(&mut s, KeyCode::Enter);
    assert_eq!(form(&s).step, Step::Preview);
    let effects = key(&mut s, KeyCode::Char('y'));
    assert!(matches!(
        retire_op(&effects),
        Some(Op::Retire { deprecate_at: Some(at), .. }) if *at == now() + Duration::days(7)
    ));
}

#[test]
fn parse_at_takes_rfc3339_a_date_or_days_and_hours_from_now() {
    let at = parse_at("2026-12-31T00:00:00Z", now()).expect("rfc3339");
    assert_eq!(at.to_rfc3339(), "2026-12-31T00:00:00+00:00");
    assert_eq!(parse_at("2026-12-31", now()), Ok(at));
    assert_eq!(parse_at("+12h", now()), Ok(now() + Duration::hours(12)));
    assert!(parse_at("tomorrow", now()).is_err());
    assert!(parse_at("+7w", now()).is_err());
    assert!(parse_at("", now()).is_err());
}

#[test]
fn esc_at_any_step_changes_nothing() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, OLD);
    key(&mut s, KeyCode::Char('X'));
    choose(&mut s, Choice::Delete);
    key(&mut s, KeyCode::Enter);
    chars(&mut s, "override");
    let effects = key(&mut s, KeyCode::Esc);
    assert!(effects.is_empty());
    assert!(s.dialog.is_none());
    assert_eq!(s.in_flight, 0);
}

#[test]
fn a_lifecycle_without_an_ami_is_refused_at_once() {
    let mut s = loaded(vec![super::fresh("lc-empty", "dev")], false);
    key(&mut s, KeyCode::Char('X'));
    assert!(
        matches!(&s.dialog, Some(Dialog::Refused { sentence, .. }) if sentence.contains("nothing to retire")),
        "{:?}",
        s.dialog
    );
}

#[test]
fn read_only_refuses_retire_naming_the_command_and_opens_no_dialog() {
    let mut s = loaded(superseded_in_use(), true);
    select(&mut s, OLD);
    let effects = key(&mut s, KeyCode::Char('X'));
    assert!(effects.is_empty());
    assert!(s.dialog.is_none());
    let text = &s.notices.last().expect("notice").text;
    assert!(
        text.contains("amiboard retire 1111aaaa --deprecate-at T | --disable | --delete"),
        "{text}"
    );
    assert!(text.contains("amiboard restore 1111aaaa"), "{text}");
}

#[test]
fn u_opens_the_recorded_answer_for_read_only_users_and_u_upper_is_refused_with_the_command() {
    let mut s = loaded(superseded_in_use(), true);
    select(&mut s, OLD);
    key(&mut s, KeyCode::Char('u'));
    assert_eq!(
        s.screen(),
        &Screen::WhereUsed {
            id: OLD.into(),
            scroll: 0
        }
    );
    let effects = key(&mut s, KeyCode::Char('U'));
    assert!(effects.is_empty(), "{effects:?}");
    let text = &s.notices.last().expect("notice").text;
    assert!(
        text.contains("amiboard where-used 1111aaaa --refresh"),
        "{text}"
    );
    // `u` again closes it.
    key(&mut s, KeyCode::Char('u'));
    assert_eq!(s.screen(), &Screen::List);
}

#[test]
fn u_upper_starts_the_where_used_workflow_once_and_the_recorded_answer_ends_the_wait() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, NEW);
    key(&mut s, KeyCode::Char('u'));
    let effects = key(&mut s, KeyCode::Char('U'));
    assert_eq!(
        retire_op(&effects),
        Some(&Op::WhereUsed {
            lifecycle_id: NEW.into()
        })
    );
    assert!(s.end_of_life.refreshing.contains_key(NEW));
    // A second U while asking starts nothing.
    let effects = key(&mut s, KeyCode::Char('U'));
    assert!(retire_op(&effects).is_none());
    // The answer comes back with the re-read record.
    let mut answered = production(NEW, "2.0.0", NEW_AMI, 2);
    let mut w = answer(NEW_AMI, &[]);
    w.as_of = now();
    answered.where_used = Some(w);
    answered.item_version = 5;
    update_op(
        &mut s,
        Op::WhereUsed {
            lifecycle_id: NEW.into(),
        },
        Ok(OpReport {
            lifecycle: Some(answered),
            message: "Where-used recorded".into(),
        }),
    );
    assert!(!s.end_of_life.refreshing.contains_key(NEW));
    assert_eq!(s.in_flight, 0);
}

#[test]
fn a_failed_refresh_is_not_waited_for() {
    let mut s = loaded(superseded_in_use(), false);
    select(&mut s, NEW);
    key(&mut s, KeyCode::Char('u'));
    key(&mut s, KeyCode::Char('U'));
    update_op(
        &mut s,
        Op::WhereUsed {
            lifecycle_id: NEW.into(),
        },
        Err(crate::ops::OpError::Invalid("no AMI in us-east-1".into())),
    );
    assert!(s.end_of_life.refreshing.is_empty());
    assert!(s.notices.last().expect("notice").text.contains("no AMI"));
}

fn update_op(s: &mut State, op: Op, result: Result<OpReport, crate::ops::OpError>) {
    crate::app::update::update(s, Action::OperationFinished { op, result });
}

#[test]
fn end_of_life_facts_reach_the_list_note_and_the_production_view_selection() {
    let mut s = loaded(superseded_in_use(), false);
    let note = s.end_of_life.row_note(OLD).expect("a note");
    assert!(note.contains("superseded by 2222bbbb 2.0.0"), "{note}");
    assert!(s.end_of_life.row_note(NEW).is_none(), "nothing to say");
    // The production view: the arrows select a row; u and X act on it.
    key(&mut s, KeyCode::Char('W'));
    let rows = crate::app::end_of_life::production_rows(&s);
    let at = rows
        .iter()
        .position(|(id, ami, _)| id == OLD && ami == OLD_AMI)
        .expect("old us-east-1 row");
    for _ in 0..at {
        key(&mut s, KeyCode::Down);
    }
    assert_eq!(s.focused_id().as_deref(), Some(OLD));
    key(&mut s, KeyCode::Char('X'));
    assert_eq!(form(&s).stage, Stage::Creation);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('u'));
    assert!(matches!(s.screen(), Screen::WhereUsed { id, .. } if id == OLD));
}

#[test]
fn a_deprecation_time_passing_changes_the_row_within_a_minute_of_ticks() {
    let mut lcs = superseded_in_use();
    let at = (now() + Duration::seconds(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut w = answer(NEW_AMI, &[]);
    w.images_json =
        serde_json::json!([{"ImageId": NEW_AMI, "State": "available", "DeprecationTime": at}])
            .to_string();
    lcs[1].where_used = Some(w);
    let mut s = loaded(lcs, false);
    let before = s.end_of_life.row_note(NEW).expect("a note");
    assert!(before.contains("deprecation at"), "{before}");
    s.dirty = false;
    crate::app::update::update(
        &mut s,
        Action::Tick {
            now: now() + Duration::seconds(61),
        },
    );
    let after = s.end_of_life.row_note(NEW).expect("a note");
    assert!(after.contains(&format!("deprecated {at}")), "{after}");
    assert!(s.dirty, "the row changed: redraw");
}
