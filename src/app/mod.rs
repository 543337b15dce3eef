//! Application state, actions, the pure update function, the effect runner and
//! the event loop of the dashboard.

pub mod config;
pub mod logging;
pub mod ops;
pub mod stream;

use crate::cli::args::DashboardArgs;
use crate::cli::{CliError, Context};

/// Runs the full-screen dashboard until the user quits.
#[allow(clippy::unused_async)] // Filled in by the issue that owns it.
pub async fn run_dashboard(_ctx: Context, _args: DashboardArgs) -> Result<(), CliError> {
    Err(CliError::failure(
        "the dashboard is not available in this build yet",
    ))
}
