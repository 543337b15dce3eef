//! The `amiboard` binary: parse the command line, load the configuration,
//! start logging, run the command, and exit with its documented code.

use std::process::ExitCode;

use clap::Parser;

use amiboard::cli::{self, Cli, Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli::load_config(&cli) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("amiboard: {err}");
            return ExitCode::from(Exit::Usage as u8);
        }
    };
    let _guard = amiboard::cli::logging::init(&config.log_level);
    amiboard::cli::logging::log_panics();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("amiboard: cannot start the async runtime: {err}");
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    match runtime.block_on(cli::run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "command failed");
            eprintln!("amiboard: {err}");
            ExitCode::from(err.exit as u8)
        }
    }
}
