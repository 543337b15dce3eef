//! The mutating commands: check the lifecycle rules first (a refusal shows the
//! rule's sentence and changes nothing), then open the form or confirmation
//! dialog that leads to an [`Effect::Mutate`].

use super::action::{Effect, Op};
use super::keymap::Command;
use super::state::{Dialog, Level, State, TypedAmi};
use crate::lifecycle::rules::{
    check_new_patch, check_trigger, decision_target, retry_target, trigger_target,
};
use crate::lifecycle::{Bump, EventKind, EventRef, Lifecycle, Refusal, Stage};

/// Starts a mutating command on the focused lifecycle.
pub fn begin(state: &mut State, command: Command) -> Vec<Effect> {
    if state.read_only {
        // The on-call view: one line, no dialog to dismiss, and what a
        // writer would run instead.
        let line = read_only_line(command, state.focused_id().as_deref());
        state.notify(Level::Warn, line);
        return Vec::new();
    }
    if command == Command::NewLifecycle {
        return super::create::open(state);
    }
    let Some(lc) = state.focused().cloned() else {
        state.notify(Level::Warn, "Select a lifecycle first.");
        return Vec::new();
    };
    let id = lc.lifecycle_id.clone();
    let result: Result<(), String> = match command {
        Command::Trigger => trigger(state, &lc),
        Command::Certify | Command::Reject => decision_target(&lc)
            .map(|_| {
                state.dialog = Some(Dialog::Reason {
                    lifecycle_id: id,
                    certified: command == Command::Certify,
                    input: String::new(),
                    error: None,
                });
            })
            .map_err(|r| r.to_string()),
        Command::Promote => {
            let target = EventRef {
                stage: lc.active_stage(),
                event: EventKind::MarkForProduction,
            };
            check_trigger(&lc, target)
                .map(|_| {
                    let typed = state
                        .production_stack_tags
                        .contains(&lc.stack_tag)
                        .then(|| stage_ami(&lc, target.stage))
                        .flatten();
                    // The checklist (and four eyes) first: a ✘ opens the override form.
                    super::approval::promote(state, &lc, target, typed);
                })
                .map_err(|r| r.to_string())
        }
        Command::StartPatch => check_new_patch(&lc)
            .map(|_| {
                state.dialog = Some(Dialog::PatchChoice {
                    lifecycle_id: id,
                    bump: Bump::Patch,
                });
            })
            .map_err(|r| r.to_string()),
        Command::Retry => retry(state, &lc),
        Command::Retire => {
            let actor = state.connection.actor.clone().unwrap_or_default();
            super::retire::open(state, &lc, &actor)
        }
        Command::Reconcile => match lc.running() {
            // Marking a run ERROR is a change like any other: it asks first.
            Some((running, _)) => {
                confirm(
                    state,
                    Op::Reconcile { lifecycle_id: id },
                    &lc,
                    running,
                    None,
                );
                Ok(())
            }
            None => Err("Nothing to reconcile: no event of this lifecycle is IN_PROGRESS.".into()),
        },
        _ => Ok(()),
    };
    if let Err(sentence) = result {
        refuse(state, command, &sentence);
    }
    Vec::new()
}

/// The read-only refusal: nothing was changed, and the CLI command a writer
/// would run for the same change on this lifecycle (its first 8 characters,
/// as the list shows it).
pub fn read_only_line(command: Command, id: Option<&str>) -> String {
    let id: String = id.map_or_else(|| "ID".to_string(), |id| id.chars().take(8).collect());
    let run = match command {
        Command::Trigger => format!("amiboard trigger {id}"),
        Command::Certify => format!("amiboard certify {id} --reason TEXT"),
        Command::Reject => format!("amiboard certify {id} --reject --reason TEXT"),
        Command::Promote => format!("amiboard promote {id}"),
        Command::StartPatch => format!("amiboard patch {id} --bump patch"),
        Command::Retry => format!("amiboard retry {id}"),
        Command::Reconcile => format!("amiboard reconcile {id}"),
        Command::Retire => format!("amiboard retire {id} --dry-run"),
        _ => "amiboard create --stack-tag TAG --product-name NAME --product-version V".to_string(),
    };
    format!(
        "{} Nothing was changed: a writer would run `{run}`.",
        Refusal::ReadOnly
    )
}

/// A refusal shows one thing, the dialog (the history keeps it too); any
/// key closes it, and a key other than Esc, Enter, q or Space then does
/// what it does (`app::dialogs`).
fn refuse(state: &mut State, command: Command, sentence: &str) {
    state.remember(Level::Warn, format!("Refused: {sentence}"));
    state.dialog = Some(Dialog::Refused {
        title: format!("Cannot {}", command.label()),
        sentence: sentence.to_string(),
    });
}

fn stage_ami(lc: &Lifecycle, stage: Stage) -> Option<String> {
    lc.stage_amis(stage).first().map(|a| a.ami_id.clone())
}

fn trigger(state: &mut State, lc: &Lifecycle) -> Result<(), String> {
    let target = trigger_target(lc)
        .map_err(|r| {
            // Nothing left to run in production: the next step is a patch.
            if lc.newest_production().is_some() && check_new_patch(lc).is_ok() {
                let patch = state.keymap.first_key(Command::StartPatch);
                format!("{r} It is in production: press {patch} to start a patch cycle.")
            } else {
                r.to_string()
            }
        })?
        .target;
    let op = Op::Trigger {
        lifecycle_id: lc.lifecycle_id.clone(),
        target,
    };
    confirm(state, op, lc, target, None);
    Ok(())
}

fn retry(state: &mut State, lc: &Lifecycle) -> Result<(), String> {
    let target = retry_target(lc).map_err(|r| r.to_string())?.target;
    let op = Op::Retry {
        lifecycle_id: lc.lifecycle_id.clone(),
    };
    confirm(state, op, lc, target, None);
    Ok(())
}

/// Opens the confirmation dialog naming lifecycle, AMI, event, account and region.
pub fn confirm(
    state: &mut State,
    op: Op,
    lc: &Lifecycle,
    target: EventRef,
    typed_ami: Option<String>,
) {
    // Each region with its own AMI: the stage's, else the newest stage's.
    let amis = match lc.stage_amis(target.stage) {
        [] => lc
            .newest_ami()
            .map(|(stage, _)| lc.stage_amis(stage))
            .unwrap_or_default(),
        amis => amis,
    };
    let mut lines = vec![
        ("Action".to_string(), op.describe()),
        (
            "Lifecycle".to_string(),
            format!(
                "{} {} ({})",
                lc.product_name, lc.product_version, lc.lifecycle_id
            ),
        ),
        ("Stack tag".to_string(), lc.stack_tag.clone()),
    ];
    if amis.is_empty() {
        lines.push(("AMI".to_string(), "none yet".to_string()));
    }
    for ami in amis {
        lines.push((format!("AMI {}", ami.region), ami.ami_id.clone()));
    }
    let mut event_lines = vec![("Event".to_string(), target.to_string())];
    // Running a failed event again: which attempt this is, and why the last failed.
    if let Some(record) = lc.record(target).filter(|r| r.status.is_retryable()) {
        event_lines.push((
            "Attempt".to_string(),
            format!(
                "{}, previous {}: {}",
                record.attempt.saturating_add(1),
                record.status.word(),
                record.reason.as_deref().unwrap_or("no reason recorded")
            ),
        ));
    }
    lines.extend(event_lines);
    lines.extend(op_lines(&op, lc));
    lines.extend([
        (
            "Account".to_string(),
            state
                .connection
                .account
                .clone()
                .unwrap_or_else(|| "unknown".into()),
        ),
        ("Region".to_string(), state.connection.region.clone()),
    ]);
    state.dialog = Some(Dialog::Confirm {
        op,
        lines,
        confirm_focused: false,
        typed_ami: typed_ami.map(|expected| TypedAmi {
            expected,
            input: String::new(),
            error: None,
        }),
    });
}

/// What the operation itself adds to its confirmation: the decision's
/// reason, said again; the patch cycle's version (`1.0.0 -> 1.0.1`).
fn op_lines(op: &Op, lc: &Lifecycle) -> Vec<(String, String)> {
    match op {
        Op::Decide { reason, .. } => vec![("Reason".to_string(), reason.clone())],
        Op::StartPatch { bump, .. } => {
            let parent = crate::lifecycle::rules::check_new_patch(lc)
                .ok()
                .and_then(|stage| lc.stage_semver(stage))
                .and_then(crate::lifecycle::parse_version);
            let version = parent.and_then(|parent| {
                crate::ops::patch_version(lc, &parent, *bump)
                    .ok()
                    .map(|next| format!("{parent} -> {next}"))
            });
            vec![(
                "Version".to_string(),
                version.unwrap_or_else(|| "unknown (no production semver)".to_string()),
            )]
        }
        Op::Overridden { op, reason } => {
            let mut lines = op_lines(op, lc);
            lines.push(("Override".to_string(), reason.clone()));
            lines
        }
        _ => Vec::new(),
    }
}

/// Sends a confirmed operation to the runner.
pub fn submit(state: &mut State, op: Op) -> Vec<Effect> {
    state.dialog = None;
    state.in_flight += 1;
    state.notify(Level::Info, format!("Started: {}…", op.describe()));
    vec![Effect::Mutate {
        op,
        actor: state
            .connection
            .actor
            .clone()
            // Before STS answered nobody is known: `ops` refuses to act.
            .unwrap_or_else(|| "unknown".into()),
    }]
}
