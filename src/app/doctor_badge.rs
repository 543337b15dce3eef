//! The header's "run amiboard doctor" badge: set when a result says the
//! deployment itself is wrong (a call was denied, a table, topic, queue or
//! state machine is missing), which `amiboard doctor` explains line by line.

use super::action::Action;
use super::state::State;
use crate::ops::OpError;
use crate::ops::doctor::reason;

/// The error an action's result carries, if any.
fn error_of(action: &Action) -> Option<&OpError> {
    match action {
        Action::PageLoaded { result, .. } => result.as_ref().err(),
        Action::LifecycleFetched { result, .. } => result.as_ref().err(),
        Action::IdentityResolved { result } => result.as_ref().err(),
        Action::OperationFinished { result, .. } => result.as_ref().err(),
        Action::ProgressFetched { result, .. } => result.as_ref().err(),
        Action::WorkflowsChecked { result } => result.as_ref().err(),
        Action::PipelinesListed { result } => result.as_ref().err(),
        Action::BuildImageFetched { result, .. } => result.as_ref().err(),
        _ => None,
    }
}

/// Remembers the last doctor-relevant failure an action carries.
pub fn note(state: &mut State, action: &Action) {
    if let Some(reason) = error_of(action).and_then(reason) {
        state.doctor_hint = Some(reason);
    }
}
