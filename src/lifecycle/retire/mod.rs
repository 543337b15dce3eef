//! The end of a lifecycle: which production AMI supersedes which, where an
//! AMI is still used (the recorded answer of the where-used workflow), the
//! retirement events (deprecate, disable, delete, restore) with their rules,
//! and the retention policy's planner. Pure: the workflows do the work.

mod policy;
mod record;
mod rules;
mod supersede;
mod text;
mod where_used;

pub use policy::{PolicyDecision, RetentionPolicy, Verdict, plan};
pub use record::{
    AmiState, ResourceOutcome, RetireAction, Retirement, RetirementRun, SnapshotOutcome, stage_key,
    stage_of_key,
};
pub use rules::{
    Preview, PreviewAmi, RetireRefusal, RetireRequest, RetireRule, check_retire, record_path,
    retire_target,
};
pub use supersede::{Supersession, superseded, superseded_in};
pub use text::{
    end_of_life_lines, end_of_life_with, preview_lines, retirement_trail, where_used_lines,
};
pub use where_used::{
    BlockDevice, EbsSnapshot, Ec2Image, Ec2State, ImageReference, WhereUsed, WhereUsedFailure,
};

#[cfg(test)]
mod tests;
