//! The `amiboard` binary: parse the command line, load the configuration,
//! start logging, run the command, and exit with its documented code.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use amiboard::cli::{self, Cli, Exit};

/// With the `mimalloc` feature, mimalloc serves every allocation instead of
/// glibc's malloc (docs/performance.md, issue 22: the A/B).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(result) = cli::run_without_config(&cli) {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                say(&err.to_string());
                ExitCode::from(err.exit as u8)
            }
        };
    }
    let config = match cli::load_config(&cli) {
        Ok(config) => config,
        Err(err) => {
            say(&err.to_string());
            return ExitCode::from(Exit::Usage as u8);
        }
    };
    let _guard = amiboard::cli::logging::init(&config.log_level);
    amiboard::cli::logging::log_panics();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        // One worker: the runtime's work is waiting on AWS, and what
        // the runner decodes then lives in one allocator arena, not one per
        // worker (100 000 lifecycles: 98 MiB after the first load against
        // 103 MiB with two workers, 117 against 124 MiB at the peak of a
        // refresh in which every record changed; docs/performance.md). The
        // UI runs on the main thread, the stream on a thread of its own.
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            say(&format!("cannot start the async runtime: {err}"));
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    let result = runtime.block_on(cli::run(cli, config));
    // Calls still hanging on a frozen endpoint must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(300));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "command failed");
            say(&err.to_string());
            ExitCode::from(err.exit as u8)
        }
    }
}

/// One line on stderr; a stderr that is gone (a closed terminal) is ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "amiboard: {line}");
}
