//! The pure domain of amiboard: events and their order, event records,
//! lifecycles, the rules, and semantic versions. No I/O and no async here.

#![deny(clippy::arithmetic_side_effects)]

pub mod actor;
pub mod approvals;
pub mod demo;
mod event;
pub mod execution;
pub mod image;
pub mod lookup;
mod model;
pub mod notification;
mod record;
pub mod reference;
pub mod retire;
pub mod rules;
pub mod runs;
mod status;
mod version;
pub mod vocabulary;

pub use event::{CREATION_SEQUENCE, EventKind, PATCH_SEQUENCE, Phase};
pub use model::{EventRef, Lifecycle, PatchCycle, Stage};
pub use record::{
    AmiOutput, Attempt, EventOutputs, EventRecord, LOST, MAX_HISTORY, VulnerabilityCounts,
    format_age, format_duration, write_age,
};
pub use rules::{Allowed, Refusal};
pub use status::EventStatus;
pub use version::{Bump, build_version, bump, checked_bump, parse_version};

/// The hasher of the maps keyed by lifecycle id or by an output's hash that
/// a load of 100 000 fills (foldhash: SipHash was an eighth of the first
/// load's UI-thread work; the ids are the account's own data).
pub type FastHash = foldhash::fast::RandomState;

#[cfg(test)]
mod tests;
