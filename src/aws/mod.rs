//! AWS adapters: one file per service (DynamoDB's store is a folder), each
//! speaking domain types; only these files name SDK types. `ports` holds the
//! traits the use cases call, so tests can put fakes behind them.
//! `temp_queue` is the notification stream's temporary SQS queue and its SNS
//! subscriptions (SQS and SNS together).

pub mod client;
pub mod dynamodb;
pub mod error;
pub mod imagebuilder;
pub mod inspect;
#[cfg(test)]
pub(crate) mod mocked;
pub mod ports;
pub mod profiles;
pub mod sfn;
pub mod sfn_history;
pub mod sns;
pub mod sns_subscribe;
pub mod sqs;
pub mod sts;
pub mod temp_queue;

pub use client::{Clients, ConnectSettings, connect};
pub use error::AwsError;
