//! Logging with `tracing` to a file in the XDG state directory, never to the terminal.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use super::config::state_dir;

/// The log file amiboard writes.
pub fn log_file_path() -> PathBuf {
    state_dir().join("amiboard.log")
}

/// Creates the log directory readable by its owner only (0700) and the log
/// file readable and writable by its owner only (0600): the log names
/// accounts, ARNs and AMI ids.
pub fn prepare_private(dir: &Path, file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)?;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
}

/// Logs a panic (message and place) before the terminal hooks run, so a
/// crash leaves a line in the log file and not only on a screen that is gone.
pub fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "panicked");
        previous(info);
    }));
}

/// Starts logging at `level`. Keep the guard alive until exit so lines are flushed.
/// When the state directory cannot be created, logging is off (never the terminal).
pub fn init(level: &str) -> Option<WorkerGuard> {
    let path = log_file_path();
    let dir = path.parent()?.to_path_buf();
    prepare_private(&dir, &path).ok()?;
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn defect_20_the_log_is_private_to_its_owner() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("state").join("amiboard");
        let file = dir.join("amiboard.log");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(&file, "older lines\n").expect("file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        super::prepare_private(&dir, &file).expect("prepare");
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            "older lines\n"
        );
    }
}
