//! Workflow commands: create, trigger, certify, promote, patch, retry,
//! reconcile, timeline, select.

use super::{CliError, Command, Context};

/// Runs one workflow command.
pub async fn run(_ctx: &Context, command: Command) -> Result<(), CliError> {
    Err(CliError::failure(format!(
        "{command:?} is not available in this build yet"
    )))
}
