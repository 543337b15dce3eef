//! Approvals in the dashboard: the promotion checklist in the promote
//! dialog, four eyes opening the break-glass form (type `override` and a
//! reason), then the usual confirmation with the AMI id typed for production.

use crossterm::event::KeyCode;

use super::{chars, fresh, key, loaded, screen_text};
use crate::app::action::{Effect, Op};
use crate::app::approval::OverrideField;
use crate::app::state::{Dialog, State};
use crate::lifecycle::{AmiOutput, EventKind, EventStatus, Lifecycle};

/// QA requested by `requester` and, when `certifier` is given, certified by
/// them; built in eu-west-1 and us-east-1. The dashboard's caller is alice.
fn lifecycle(stack: &str, requester: &str, certifier: Option<&str>) -> Lifecycle {
    let mut lc = fresh("lc-1", stack);
    let done = if certifier.is_some() { 5 } else { 4 };
    for record in lc.creation.iter_mut().take(done) {
        record.status = EventStatus::Completed;
        record.attempt = 1;
    }
    lc.creation[0].outputs.amis = vec![
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
    lc.creation[3].actor = Some(requester.into());
    lc.creation[4].actor = certifier.map(Into::into);
    lc
}

fn lines(state: &State) -> Vec<(String, String)> {
    match &state.dialog {
        Some(Dialog::Confirm { lines, .. }) => lines.clone(),
        other => panic!("a confirmation: {other:?}"),
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn a_passing_checklist_is_shown_in_the_promote_dialog_with_each_region_and_its_ami() {
    let mut state = loaded(vec![lifecycle("prod", "carol", Some("bob"))], false);
    key(&mut state, KeyCode::Char('p'));
    let lines = lines(&state);
    for want in [
        pair("AMI eu-west-1", "ami-0eu"),
        pair("AMI us-east-1", "ami-0us"),
        pair("Checklist", "all passed"),
        pair("✔ smoke tests", "passed (attempt 1)"),
        pair("✔ regions", "eu-west-1 ami-0eu, us-east-1 ami-0us"),
        pair("✔ four eyes", "certified by bob, promoted by someone else"),
    ] {
        assert!(lines.contains(&want), "{want:?} in {lines:?}");
    }
    let screen = screen_text(&state);
    assert!(screen.contains("✔ regions"), "{screen}");
}

#[test]
fn the_certifier_promoting_opens_the_override_form_which_needs_the_word_and_a_reason() {
    let mut state = loaded(vec![lifecycle("prod", "carol", Some("alice"))], false);
    key(&mut state, KeyCode::Char('p'));
    let Some(Dialog::Override(form)) = &state.dialog else {
        panic!("the override form: {:?}", state.dialog)
    };
    assert!(
        form.checks
            .iter()
            .any(|c| !c.ok && c.detail.starts_with("four eyes: alice certified this AMI")),
        "{:?}",
        form.checks
    );
    let screen = screen_text(&state);
    assert!(screen.contains("four eyes: alice certified"), "{screen}");
    assert!(screen.contains("type `override`"), "{screen}");
    // Enter without the word: said so, nothing happens.
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    let error = |state: &State| match &state.dialog {
        Some(Dialog::Override(form)) => (form.error.clone().unwrap_or_default(), form.focus),
        other => panic!("still the override form: {other:?}"),
    };
    assert!(
        error(&state).0.contains("Type `override`"),
        "{:?}",
        error(&state)
    );
    chars(&mut state, "overide");
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "a misspelt word"
    );
    assert!(error(&state).0.contains("Type `override`"));
    for _ in 0.."overide".len() {
        key(&mut state, KeyCode::Backspace);
    }
    chars(&mut state, "override");
    // The word alone is not enough: a reason is required.
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    let (message, focus) = error(&state);
    assert!(message.contains("A reason is required"), "{message}");
    assert_eq!(focus, OverrideField::Reason);
    chars(&mut state, "bob is on leave, P1 fix");
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "then the confirmation"
    );
    let lines = lines(&state);
    assert!(
        lines.contains(&pair("Override", "bob is on leave, P1 fix")),
        "{lines:?}"
    );
    assert!(lines.contains(&pair("Checklist", "1 ✘")), "{lines:?}");
    // Production: the AMI id is still typed; a wrong one says so.
    chars(&mut state, "ami-0wrong");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    let Some(Dialog::Confirm {
        typed_ami: Some(typed),
        ..
    }) = &state.dialog
    else {
        panic!("the confirmation stays open: {:?}", state.dialog)
    };
    let error = typed.error.clone().unwrap_or_default();
    assert!(
        error.contains("`ami-0wrong` is not this stage's AMI (ami-0eu)"),
        "{error}"
    );
    let screen = screen_text(&state);
    assert!(screen.contains("is not this stage's AMI"), "{screen}");
    for _ in 0.."ami-0wrong".len() {
        key(&mut state, KeyCode::Backspace);
    }
    chars(&mut state, "ami-0eu");
    let effects = key(&mut state, KeyCode::Enter);
    let [Effect::Mutate { op, .. }] = effects.as_slice() else {
        panic!("one mutation: {effects:?}")
    };
    assert_eq!(
        op,
        &Op::Overridden {
            op: Box::new(Op::Promote {
                lifecycle_id: "lc-1".into()
            }),
            reason: "bob is on leave, P1 fix".into(),
        }
    );
    assert_eq!(op.lifecycle_id(), Some("lc-1"));
}

#[test]
fn the_requester_certifying_on_production_meets_four_eyes_and_esc_changes_nothing() {
    let mut state = loaded(vec![lifecycle("prod", "alice", None)], false);
    key(&mut state, KeyCode::Char('c'));
    chars(&mut state, "looks good");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    let Some(Dialog::Override(form)) = &state.dialog else {
        panic!("the override form: {:?}", state.dialog)
    };
    assert_eq!(
        form.blockers,
        ["four eyes: alice requested QA of this AMI, so someone else certifies or rejects it"]
    );
    assert!(
        matches!(&form.op, Op::Decide { certified: true, reason, .. } if reason == "looks good")
    );
    let before = super::held(&state);
    assert!(key(&mut state, KeyCode::Esc).is_empty());
    assert!(state.dialog.is_none());
    assert_eq!(super::held(&state), before);
}

#[test]
fn another_person_certifies_and_a_non_production_tag_has_no_four_eyes_by_default() {
    for (stack, requester) in [("prod", "carol"), ("main", "alice")] {
        let mut state = loaded(vec![lifecycle(stack, requester, None)], false);
        key(&mut state, KeyCode::Char('c'));
        chars(&mut state, "ok");
        key(&mut state, KeyCode::Enter);
        assert!(
            matches!(
                &state.dialog,
                Some(Dialog::Confirm {
                    op: Op::Decide { .. },
                    ..
                })
            ),
            "{stack}: {:?}",
            state.dialog
        );
        let effects = key(&mut state, KeyCode::Char('y'));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Mutate {
                    op: Op::Decide { .. },
                    ..
                }]
            ),
            "{stack}: {effects:?}"
        );
    }
}

#[test]
fn a_failing_checklist_on_a_non_production_tag_also_needs_the_override() {
    // No AMI recorded: the regions line fails, whatever the stack tag.
    let mut lc = lifecycle("main", "carol", Some("bob"));
    lc.creation[0].outputs.amis.clear();
    let mut state = loaded(vec![lc], false);
    key(&mut state, KeyCode::Char('p'));
    let Some(Dialog::Override(form)) = &state.dialog else {
        panic!("the override form: {:?}", state.dialog)
    };
    assert_eq!(form.blockers, ["✘ regions: no AMI recorded for this stage"]);
    assert_eq!(form.typed_ami, None, "not a production tag: y confirms");
    assert_eq!(form.target.event, EventKind::MarkForProduction);
}

#[test]
fn read_only_refuses_an_override_at_the_choke_point() {
    use crate::app::action::Action;
    use crate::app::runner::guard;
    use crate::lifecycle::Refusal;
    use crate::ops::OpError;
    let op = Op::Overridden {
        op: Box::new(Op::Promote {
            lifecycle_id: "lc-1".into(),
        }),
        reason: "P1".into(),
    };
    let effect = Effect::Mutate {
        op: op.clone(),
        actor: "alice".into(),
    };
    assert!(guard(&effect, false).is_none());
    assert!(matches!(
        guard(&effect, true),
        Some(Action::OperationFinished { op: refused, result: Err(OpError::Refused(Refusal::ReadOnly)) })
            if refused == op
    ));
    assert_eq!(op.describe(), "promote to production (approval override)");
}
