//! Logging with `tracing` to a file in the XDG state directory, never to the terminal.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use super::config::state_dir;

/// The log file amiboard writes.
pub fn log_file_path() -> PathBuf {
    state_dir().join("amiboard.log")
}

/// Starts logging at `level`. Keep the guard alive until exit so lines are flushed.
/// When the state directory cannot be created, logging is off (never the terminal).
pub fn init(level: &str) -> Option<WorkerGuard> {
    let path = log_file_path();
    let dir = path.parent()?.to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "amiboard.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_new(format!(
        "amiboard={level},aws_config=warn,aws_smithy_runtime=warn,warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
