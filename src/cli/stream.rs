//! `watch` and `cleanup`: the temporary notification subscription from the command line.

use super::{CliError, Context};

/// Streams decoded notifications.
#[allow(clippy::unused_async)] // Filled in by the issue that owns it.
pub async fn watch(_ctx: &Context, _json: bool, _stack_tag: Option<&str>) -> Result<(), CliError> {
    Err(CliError::failure(
        "watch is not available in this build yet",
    ))
}

/// Removes leftover queues and subscriptions.
#[allow(clippy::unused_async)] // Filled in by the issue that owns it.
pub async fn cleanup(_ctx: &Context, _dry_run: bool) -> Result<(), CliError> {
    Err(CliError::failure(
        "cleanup is not available in this build yet",
    ))
}
