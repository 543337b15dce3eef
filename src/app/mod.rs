//! Application state, actions, the pure update function, the effect runner and
//! the event loop of the dashboard.

pub mod config;
pub mod logging;

use crate::cli::args::DashboardArgs;
use crate::cli::{CliError, Context};

/// Runs the full-screen dashboard until the user quits.
pub async fn run_dashboard(_ctx: Context, _args: DashboardArgs) -> Result<(), CliError> {
    Err(CliError::failure("the dashboard is not available in this build yet"))
}
