//! Exit codes and the one-line error a command ends with.

use std::fmt;

use crate::aws::AwsError;
use crate::aws::client::NoRegion;
use crate::config::ConfigError;
use crate::lifecycle::Refusal;
use crate::ops::OpError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Failure = 1,
    Usage = 2,
    NotFound = 3,
    Refused = 4,
}

/// A command's failure: what to print and how to exit.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<AwsError> for CliError {
    fn from(err: AwsError) -> Self {
        let exit = match err {
            AwsError::NotFound { .. } => Exit::NotFound,
            _ => Exit::Failure,
        };
        CliError::new(exit, err.to_string())
    }
}

impl From<Refusal> for CliError {
    fn from(err: Refusal) -> Self {
        CliError::new(Exit::Refused, format!("refused: {err}"))
    }
}

impl From<ConfigError> for CliError {
    fn from(err: ConfigError) -> Self {
        CliError::usage(err.to_string())
    }
}

impl From<NoRegion> for CliError {
    fn from(err: NoRegion) -> Self {
        CliError::usage(err.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        CliError::failure(err.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(err: serde_json::Error) -> Self {
        CliError::failure(err.to_string())
    }
}

impl From<OpError> for CliError {
    fn from(err: OpError) -> Self {
        match err {
            OpError::Refused(refusal) => refusal.into(),
            OpError::LostRace { message } => CliError::new(Exit::Refused, message),
            OpError::Aws(aws) => aws.into(),
            OpError::Unavailable(message) => CliError::failure(message),
            OpError::Invalid(message) => CliError::usage(message),
            ambiguous @ OpError::Ambiguous { .. } => CliError::usage(ambiguous.to_string()),
        }
    }
}
