//! Mutating flows: refusals, confirmation dialogs, production promotion, the
//! reason form, quitting while busy, and the read-only choke point.

use crossterm::event::KeyCode;

use super::{chars, fresh, key, loaded, now};
use crate::app::action::{Action, Effect, Op};
use crate::app::runner::guard;
use crate::app::state::Dialog;
use crate::app::update::update;
use crate::lifecycle::{
    AmiOutput, Bump, EventKind, EventRef, EventStatus, Lifecycle, Refusal, Stage,
};
use crate::ops::OpError;

/// A lifecycle whose creation completed up to QA requested, on `stack`.
fn awaiting_qa(id: &str, stack: &str) -> Lifecycle {
    let mut lc = fresh(id, stack);
    for record in lc.creation.iter_mut().take(4) {
        record.status = EventStatus::Completed;
        record.attempt = 1;
    }
    lc.creation[0].outputs.amis.push(AmiOutput {
        account: None,
        region: "us-east-1".into(),
        ami_id: "ami-0123456789abcdef0".into(),
        name: None,
    });
    lc
}

fn certified(id: &str, stack: &str) -> Lifecycle {
    let mut lc = awaiting_qa(id, stack);
    lc.creation[4].status = EventStatus::Completed;
    // Four eyes (on for prod) compares with whoever certified: record them.
    lc.creation[4].actor = Some("bob".into());
    lc
}

#[test]
fn refusal_shows_the_rule_sentence_and_changes_nothing() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    let before = super::held(&state);
    let effects = key(&mut state, KeyCode::Char('c'));
    assert!(effects.is_empty());
    let sentence = crate::lifecycle::rules::check_decision(&before[0], "-")
        .expect_err("refused")
        .to_string();
    assert!(
        matches!(&state.dialog, Some(Dialog::Refused { sentence: s, .. }) if *s == sentence),
        "{:?}",
        state.dialog
    );
    assert_eq!(super::held(&state), before);
    // One thing on screen: the dialog, no toast (the history keeps it).
    assert!(state.toast().is_none(), "{:?}", state.toast());
    assert!(
        state
            .notices
            .last()
            .is_some_and(|n| n.text.contains(&sentence))
    );
    key(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
}

#[test]
fn a_refusal_never_swallows_the_next_key() {
    let mut state = loaded(vec![fresh("lc-1", "main"), fresh("lc-2", "main")], false);
    let first = state.selected;
    key(&mut state, KeyCode::Char('c'));
    assert!(matches!(state.dialog, Some(Dialog::Refused { .. })));
    // `j` closes the refusal and moves down, as it would without it.
    key(&mut state, KeyCode::Char('j'));
    assert!(state.dialog.is_none());
    assert_eq!(state.selected, first + 1);
    // `y` only closes it: it never confirms or copies behind a refusal.
    key(&mut state, KeyCode::Char('c'));
    let effects = key(&mut state, KeyCode::Char('y'));
    assert!(state.dialog.is_none() && effects.is_empty(), "{effects:?}");
}

#[test]
fn confirm_starts_on_cancel_and_needs_y() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('t'));
    let Some(Dialog::Confirm {
        confirm_focused,
        lines,
        ..
    }) = &state.dialog
    else {
        panic!("no confirm: {:?}", state.dialog);
    };
    assert!(!confirm_focused);
    let names: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    for needed in ["Lifecycle", "AMI", "Event", "Account", "Region"] {
        assert!(names.contains(&needed), "{needed} missing");
    }
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "Enter on Cancel cancels"
    );
    assert!(state.dialog.is_none());
    key(&mut state, KeyCode::Char('t'));
    let effects = key(&mut state, KeyCode::Char('y'));
    let expected = Op::Trigger {
        lifecycle_id: "lc-1".into(),
        target: EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        },
    };
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate { op, actor, .. }] if *op == expected && actor == "alice")
    );
    assert_eq!(state.in_flight, 1);
}

/// The value of the open confirmation's line named `name`.
fn confirm_line(state: &crate::app::state::State, name: &str) -> Option<String> {
    match &state.dialog {
        Some(Dialog::Confirm { lines, .. }) => lines
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        _ => None,
    }
}

#[test]
fn decision_needs_a_reason() {
    let mut state = loaded(vec![awaiting_qa("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('x'));
    assert!(matches!(
        state.dialog,
        Some(Dialog::Reason {
            certified: false,
            ..
        })
    ));
    key(&mut state, KeyCode::Enter);
    assert!(
        matches!(&state.dialog, Some(Dialog::Reason { error: Some(e), .. }) if *e == Refusal::ReasonRequired.to_string())
    );
    chars(&mut state, "fails CIS check");
    key(&mut state, KeyCode::Enter);
    assert!(matches!(state.dialog, Some(Dialog::Confirm { .. })));
    // The confirmation says the reason again.
    assert_eq!(
        confirm_line(&state, "Reason"),
        Some("fails CIS check".into())
    );
    let effects = key(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Mutate { op: Op::Decide { certified: false, reason, .. }, .. }] if reason == "fails CIS check"
    ));
}

#[test]
fn production_promotion_needs_the_ami_typed() {
    let mut state = loaded(vec![certified("lc-1", "prod")], false);
    key(&mut state, KeyCode::Char('p'));
    assert!(matches!(
        &state.dialog,
        Some(Dialog::Confirm {
            typed_ami: Some(_),
            ..
        })
    ));
    assert!(
        key(&mut state, KeyCode::Char('y')).is_empty(),
        "y is just a letter here"
    );
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "wrong id refused"
    );
    key(&mut state, KeyCode::Backspace);
    chars(&mut state, "ami-0123456789abcdef0");
    let effects = key(&mut state, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Mutate {
            op: Op::Promote { .. },
            ..
        }]
    ));
}

#[test]
fn non_production_promotion_uses_y() {
    let mut state = loaded(vec![certified("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('p'));
    assert!(matches!(
        &state.dialog,
        Some(Dialog::Confirm {
            typed_ami: None,
            ..
        })
    ));
}

#[test]
fn patch_choice_then_confirm() {
    let mut lc = certified("lc-1", "main");
    lc.creation[5].status = EventStatus::Completed;
    lc.ami_semver = Some("1.0.0".into());
    let mut state = loaded(vec![lc.clone()], false);
    key(&mut state, KeyCode::Char('P'));
    key(&mut state, KeyCode::Enter);
    // The confirmation names the version the cycle will build.
    assert_eq!(
        confirm_line(&state, "Version"),
        Some("1.0.0 -> 1.0.1".into())
    );
    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Char('P'));
    key(&mut state, KeyCode::Char('m'));
    key(&mut state, KeyCode::Enter);
    assert_eq!(
        confirm_line(&state, "Version"),
        Some("1.0.0 -> 1.1.0".into())
    );
    let effects = key(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Mutate {
            op: Op::StartPatch {
                bump: Bump::Minor,
                ..
            },
            ..
        }]
    ));
}

#[test]
fn quitting_while_busy_asks_first() {
    let mut state = loaded(vec![fresh("lc-1", "main")], false);
    key(&mut state, KeyCode::Char('t'));
    key(&mut state, KeyCode::Char('y'));
    key(&mut state, KeyCode::Char('q'));
    assert_eq!(state.dialog, Some(Dialog::QuitWhileBusy));
    assert!(!state.should_quit);
    key(&mut state, KeyCode::Esc);
    assert!(!state.should_quit);
    key(&mut state, KeyCode::Char('q'));
    key(&mut state, KeyCode::Char('y'));
    assert!(state.should_quit);
}

#[test]
fn read_only_refuses_every_mutating_key_on_every_screen() {
    for screen_keys in [&[][..], &[KeyCode::Enter][..], &[KeyCode::Char('d')][..]] {
        for (k, run) in [
            ('t', "amiboard trigger lc-1"),
            ('c', "amiboard certify lc-1 --reason TEXT"),
            ('x', "amiboard certify lc-1 --reject --reason TEXT"),
            ('p', "amiboard promote lc-1"),
            ('P', "amiboard patch lc-1 --bump patch"),
            ('R', "amiboard retry lc-1"),
        ] {
            let mut state = loaded(vec![certified("lc-1", "main")], true);
            for sk in screen_keys {
                key(&mut state, *sk);
            }
            assert!(key(&mut state, KeyCode::Char(k)).is_empty());
            // A one-line notice, not a dialog to dismiss.
            assert!(state.dialog.is_none(), "{k}: {:?}", state.dialog);
            assert!(
                state.toast().is_some_and(|n| n.text
                    == format!(
                        "{} Nothing was changed: a writer would run `{run}`.",
                        Refusal::ReadOnly
                    )),
                "{k}"
            );
        }
    }
}

/// The choke point: every mutating effect is refused in read-only mode, with
/// the read-only sentence, and nothing else is.
#[test]
fn read_only_choke_point_refuses_all_mutating_effects() {
    let id = || "lc-1".to_string();
    let ops = [
        Op::Trigger {
            lifecycle_id: id(),
            target: EventRef {
                stage: Stage::Creation,
                event: EventKind::SmokeTests,
            },
        },
        Op::Decide {
            lifecycle_id: id(),
            certified: true,
            reason: "ok".into(),
            seen: 1,
        },
        Op::Decide {
            lifecycle_id: id(),
            certified: false,
            reason: "no".into(),
            seen: 1,
        },
        Op::Promote { lifecycle_id: id() },
        Op::StartPatch {
            lifecycle_id: id(),
            bump: Bump::Minor,
        },
        Op::StartPatch {
            lifecycle_id: id(),
            bump: Bump::Patch,
        },
        Op::Retry { lifecycle_id: id() },
        Op::Reconcile { lifecycle_id: id() },
        Op::Create(crate::app::action::NewLifecycleForm {
            stack_tag: "main".into(),
            product_name: "web".into(),
            product_version: "1.0".into(),
            commit_ref: Some("abc123".into()),
            pipeline_arn: None,
        }),
        Op::Retire {
            lifecycle_id: id(),
            stage: Stage::Creation,
            action: crate::lifecycle::retire::RetireAction::Delete,
            deprecate_at: None,
            override_reason: Some("replaced".into()),
        },
        Op::WhereUsed { lifecycle_id: id() },
    ];
    for op in ops {
        let effect = Effect::Mutate {
            op: op.clone(),
            actor: "alice".into(),
        };
        assert!(effect.is_mutating());
        let refused = guard(&effect, true).expect("refused");
        assert!(
            matches!(&refused, Action::OperationFinished { op: o, result: Err(e) } if *o == op && *e == OpError::Refused(Refusal::ReadOnly))
        );
        assert!(
            guard(&effect, false).is_none(),
            "read-write lets {op:?} through"
        );
    }
    for effect in [
        Effect::LoadPage {
            request: 1,
            stack_tag: None,
            cursor: None,
            prepare: crate::app::prepared::PrepareFor::default(),
        },
        Effect::FetchLifecycle { id: id() },
        Effect::Identify,
        Effect::CheckWorkflows,
        Effect::Copy { text: "x".into() },
        Effect::FetchProgress {
            lifecycle_id: id(),
            execution_arn: "arn:exec".into(),
        },
        Effect::SetLinks {
            index: Box::default(),
        },
        Effect::ListPipelines,
    ] {
        assert!(!effect.is_mutating());
        assert!(guard(&effect, true).is_none(), "{effect:?} is a read");
    }
}

#[test]
fn a_refused_result_is_a_notice_and_nothing_changes() {
    let mut state = loaded(vec![fresh("lc-1", "main")], true);
    let before = super::held(&state);
    state.in_flight = 1;
    let effects = update(
        &mut state,
        Action::OperationFinished {
            op: Op::Promote {
                lifecycle_id: "lc-1".into(),
            },
            result: Err(OpError::Refused(Refusal::ReadOnly)),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(state.in_flight, 0);
    assert_eq!(super::held(&state), before);
    assert!(
        state
            .notices
            .last()
            .is_some_and(|n| n.text.contains("Read-only"))
    );
    let _ = now();
}

#[test]
fn the_footer_lists_only_keys_that_do_something_here() {
    use crate::app::applies::applies;
    use crate::app::keymap::Command;
    // A fresh lifecycle: its build can start; nothing to decide, promote,
    // retry, reconcile, copy or read a log of.
    let state = loaded(vec![fresh("lc-1", "main")], false);
    assert!(applies(&state, Command::Trigger));
    for c in [
        Command::Certify,
        Command::Reject,
        Command::Promote,
        Command::Retry,
        Command::Reconcile,
        Command::CopyAmi,
        Command::Logs,
    ] {
        assert!(!applies(&state, c), "{c:?}");
    }
    // Awaiting QA: certify and reject do something.
    let state = loaded(vec![awaiting_qa("lc-1", "main")], false);
    assert!(applies(&state, Command::Certify) && applies(&state, Command::Reject));
    // Nothing loaded: no row to open.
    let state = loaded(Vec::new(), false);
    assert!(!applies(&state, Command::Open) && !applies(&state, Command::Trigger));
}
