//! Whether a key does something where it is pressed, so the footer lists
//! only those: a mutating key only where the lifecycle's rules allow it, a
//! copy only where there is something to copy.

use super::keymap::Command;
use super::state::{Screen, State};
use crate::lifecycle::rules::{
    check_new_patch, check_trigger, decision_target, retry_target, trigger_target,
};
use crate::lifecycle::{EventKind, EventRef};

/// Whether `command` does something on the screen on top, for the focused
/// lifecycle. A lifecycle whose record is not held yet counts as allowing
/// everything (the key waits for the record and says what it finds).
pub fn applies(state: &State, command: Command) -> bool {
    if matches!(command, Command::Open) && matches!(state.screen(), Screen::List) {
        return !state.view.is_empty();
    }
    if !matches!(
        command,
        Command::Trigger
            | Command::Certify
            | Command::Reject
            | Command::Promote
            | Command::StartPatch
            | Command::Retry
            | Command::Reconcile
            | Command::CopyAmi
            | Command::CopyId
            | Command::Detail
            | Command::Logs
    ) || matches!(state.screen(), Screen::Logs { .. })
    {
        return true;
    }
    if state.focused_id().is_none() {
        return false;
    }
    let Some(lc) = state.focused() else {
        return true;
    };
    match command {
        Command::Trigger => trigger_target(lc).is_ok(),
        Command::Certify | Command::Reject => decision_target(lc).is_ok(),
        Command::Promote => check_trigger(
            lc,
            EventRef {
                stage: lc.active_stage(),
                event: EventKind::MarkForProduction,
            },
        )
        .is_ok(),
        Command::StartPatch => check_new_patch(lc).is_ok(),
        Command::Retry => retry_target(lc).is_ok(),
        Command::Reconcile => lc.running().is_some(),
        Command::CopyAmi => lc.newest_ami().is_some(),
        Command::Logs => lc.all_records().any(|(_, r)| r.execution_arn.is_some()),
        _ => true,
    }
}
