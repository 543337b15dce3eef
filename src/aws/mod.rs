//! AWS adapters: one file per service, in domain types; only these files name
//! SDK types.

pub mod client;
pub mod dynamodb;
pub mod error;
pub mod imagebuilder;
#[cfg(test)]
pub(crate) mod mocked;
pub mod sfn;
pub mod sns;
pub mod sns_subscribe;
pub mod sqs;
pub mod stream;
pub mod sts;

pub use client::{Clients, connect};
pub use error::AwsError;
