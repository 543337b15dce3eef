//! Workflow commands: create, trigger, certify, promote, patch, retry,
//! reconcile, timeline, select.

use super::{CliError, Command, Context};

/// Runs one workflow command.
#[allow(clippy::unused_async)] // Filled in by the issue that owns it.
pub async fn run(_ctx: &Context, command: Command) -> Result<(), CliError> {
    Err(CliError::failure(format!(
        "{command:?} is not available in this build yet"
    )))
}
