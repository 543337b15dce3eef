//! What may be retired when. A retirement is refused while anything of its
//! lifecycle runs, once the AMIs are deleted (final), or when it changes
//! nothing; deprecating, disabling or deleting the current production AMI,
//! and disabling or deleting an AMI with recorded references (or whose
//! references were never checked), is refused unless overridden with a
//! reason (break glass, recorded like the approvals' override). Restore
//! only brings back a deprecated or disabled AMI that still exists.

use std::fmt;

use chrono::{DateTime, Utc};

use super::super::approvals::ApprovalOverride;
use super::super::{EventStatus, Lifecycle, Stage};
use super::{AmiState, Ec2State, ImageReference, RetireAction, Supersession};

/// What a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetireRequest {
    pub action: RetireAction,
    /// Deprecate at this time instead of now (deprecate only).
    pub deprecate_at: Option<DateTime<Utc>>,
    /// `--override-in-use --reason TEXT`: break glass, with the reason.
    pub override_reason: Option<String>,
    pub actor: String,
    pub now: DateTime<Utc>,
}

/// A rule that holds a retirement back unless overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetireRule {
    /// The AMI is the current production AMI of its product (nothing supersedes it).
    InProduction { semver: String },
    /// The recorded where-used answer lists references.
    InUse {
        references: usize,
        as_of: DateTime<Utc>,
    },
    /// No where-used answer covers the AMIs: what uses them is unknown.
    ReferencesUnknown,
}

impl fmt::Display for RetireRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetireRule::InProduction { semver } => write!(
                f,
                "in production: {semver} is the current production AMI (nothing supersedes it)"
            ),
            RetireRule::InUse { references, as_of } => write!(
                f,
                "in use: {references} reference(s) recorded at {}",
                as_of.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            RetireRule::ReferencesUnknown => f.write_str(
                "references unknown: no where-used answer covers these AMIs (amiboard where-used ID --refresh)",
            ),
        }
    }
}

/// Why a retirement is refused. `Display` is the sentence people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetireRefusal {
    /// The stage built no AMI.
    NothingBuilt { stage: Stage },
    /// No Image Builder image is recorded for the stage (an import, say).
    NoImage { stage: Stage },
    /// An event or a retirement of the lifecycle runs.
    Running { what: String },
    /// The AMIs were deleted: that is final.
    Deleted,
    /// The AMIs are already at (or past) what was asked.
    AlreadyDone { state: String },
    /// Restore applies only to a deprecated or disabled AMI.
    NotRetired,
    /// Restore of an AMI EC2 no longer has.
    Gone { ami_ids: Vec<String> },
    /// A deprecation time must be in the future (EC2 refuses a past one).
    DeprecateInPast { at: DateTime<Utc> },
    /// A time was given for something other than deprecation.
    TimeOnlyForDeprecate,
    /// Held back by rules; `--override-in-use --reason TEXT` goes ahead.
    Guarded { rules: Vec<RetireRule> },
    /// An override needs a reason.
    OverrideReasonRequired,
}

impl RetireRefusal {
    /// A short machine-readable code for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            RetireRefusal::NothingBuilt { .. } => "nothing_built",
            RetireRefusal::NoImage { .. } => "no_image",
            RetireRefusal::Running { .. } => "running",
            RetireRefusal::Deleted => "deleted",
            RetireRefusal::AlreadyDone { .. } => "already_done",
            RetireRefusal::NotRetired => "not_retired",
            RetireRefusal::Gone { .. } => "gone",
            RetireRefusal::DeprecateInPast { .. } => "deprecate_in_past",
            RetireRefusal::TimeOnlyForDeprecate => "time_only_for_deprecate",
            RetireRefusal::Guarded { .. } => "guarded",
            RetireRefusal::OverrideReasonRequired => "override_reason_required",
        }
    }
}

impl fmt::Display for RetireRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetireRefusal::NothingBuilt { stage } => {
                write!(f, "{} built no AMI: nothing to retire.", stage.label())
            }
            RetireRefusal::NoImage { stage } => write!(
                f,
                "{} has no Image Builder image recorded: Image Builder retires an image's AMIs by its ARN.",
                stage.label()
            ),
            RetireRefusal::Running { what } => {
                write!(f, "{what} is running: wait for it to end.")
            }
            RetireRefusal::Deleted => f.write_str("its AMIs were deleted: that is final."),
            RetireRefusal::AlreadyDone { state } => write!(f, "its AMIs are already {state}."),
            RetireRefusal::NotRetired => f.write_str(
                "restore brings back a deprecated or disabled AMI; these are available.",
            ),
            RetireRefusal::Gone { ami_ids } => write!(
                f,
                "EC2 no longer has {} (where-used answer): nothing to restore.",
                ami_ids.join(", ")
            ),
            RetireRefusal::DeprecateInPast { at } => write!(
                f,
                "--deprecate-at {} is not in the future (EC2 refuses a past deprecation time; leave it out to deprecate now).",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            RetireRefusal::TimeOnlyForDeprecate => {
                f.write_str("a time applies only to deprecation (--deprecate-at).")
            }
            RetireRefusal::Guarded { rules } => {
                let lines: Vec<String> = rules.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "{}. To go ahead anyway: --override-in-use --reason TEXT (recorded with your name).",
                    lines.join("; ")
                )
            }
            RetireRefusal::OverrideReasonRequired => f.write_str(
                "--override-in-use needs --reason TEXT: an override is recorded with why.",
            ),
        }
    }
}

/// One AMI a retirement touches, with what the where-used answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewAmi {
    pub region: String,
    pub ami_id: String,
    /// EC2's state as recorded (`None`: the answer does not cover it).
    pub ec2: Option<Ec2State>,
    pub snapshots: Vec<String>,
    pub last_launched: Option<String>,
    pub references: Vec<ImageReference>,
}

/// Everything a retirement touches, shown before any write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub lifecycle_id: String,
    pub stage: Stage,
    pub semver: Option<String>,
    pub action: RetireAction,
    pub deprecate_at: Option<DateTime<Utc>>,
    pub image_arn: String,
    pub amis: Vec<PreviewAmi>,
    pub state: AmiState,
    pub in_production: bool,
    pub superseded: Vec<Supersession>,
    /// When the where-used answer was recorded.
    pub references_as_of: Option<DateTime<Utc>>,
    /// The override that lets it through, if rules held it back.
    pub approval_override: Option<ApprovalOverride>,
}

impl Preview {
    /// Every reference, over every AMI.
    pub fn references(&self) -> usize {
        self.amis.iter().map(|a| a.references.len()).sum()
    }

    /// What happens to the lookup rows.
    pub fn lookup_effect(&self) -> &'static str {
        match self.action {
            RetireAction::Disable | RetireAction::Delete => {
                "its lookup rows are removed: selection no longer returns these AMIs"
            }
            RetireAction::Restore => "its lookup rows are written again",
            RetireAction::Deprecate => "its lookup rows stay (a deprecated AMI still launches)",
        }
    }
}

/// The stage a retirement acts on: the stage holding `ami` when given,
/// else the newest stage that built AMIs.
pub fn retire_target(lc: &Lifecycle, ami: Option<&str>) -> Option<Stage> {
    match ami {
        Some(ami) => lc
            .stages()
            .into_iter()
            .find(|s| lc.stage_amis(*s).iter().any(|a| a.ami_id == ami)),
        None => lc.newest_ami().map(|(stage, _)| stage),
    }
}

/// Checks a retirement of `stage` against the rules; `superseded` are the
/// stage's supersessions ([`super::superseded_in`]). Returns the preview,
/// with the override to record when rules were overridden.
pub fn check_retire(
    lc: &Lifecycle,
    stage: Stage,
    superseded: &[Supersession],
    request: &RetireRequest,
) -> Result<Preview, RetireRefusal> {
    let built = lc
        .records(stage)
        .and_then(|r| r.first())
        .filter(|r| r.status == EventStatus::Completed);
    let Some(built) = built.filter(|_| !lc.stage_amis(stage).is_empty()) else {
        return Err(RetireRefusal::NothingBuilt { stage });
    };
    let Some(image_arn) = built.outputs.image_arn.clone() else {
        return Err(RetireRefusal::NoImage { stage });
    };
    if let Some((at, record)) = lc.running() {
        let who = record
            .actor
            .as_deref()
            .map(|a| format!(" (by {})", super::super::actor::short(a)))
            .unwrap_or_default();
        return Err(RetireRefusal::Running {
            what: format!("{at}{who}"),
        });
    }
    if let Some(running) = lc.retirements.iter().find(|r| r.running()) {
        return Err(RetireRefusal::Running {
            what: format!("{} of {}", running.action.event_name(), running.stage),
        });
    }
    let current = lc
        .retirement(stage)
        .map_or(AmiState::Available, super::Retirement::state);
    let action = request.action;
    if request.deprecate_at.is_some() && action != RetireAction::Deprecate {
        return Err(RetireRefusal::TimeOnlyForDeprecate);
    }
    if let Some(at) = request.deprecate_at.filter(|at| *at <= request.now) {
        return Err(RetireRefusal::DeprecateInPast { at });
    }
    let answer = lc.where_used.as_ref();
    let amis: Vec<PreviewAmi> = lc
        .stage_amis(stage)
        .iter()
        .map(|ami| {
            let image = answer.and_then(|w| w.image(&ami.ami_id));
            PreviewAmi {
                region: ami.region.clone(),
                ami_id: ami.ami_id.clone(),
                ec2: answer.and_then(|w| w.state_of(&ami.region, &ami.ami_id, request.now)),
                snapshots: image
                    .as_ref()
                    .map(super::Ec2Image::snapshots)
                    .unwrap_or_default(),
                last_launched: image.and_then(|i| i.last_launched_time),
                references: answer
                    .filter(|w| w.covers(&ami.region, &ami.ami_id))
                    .map(|w| w.references_to(&ami.ami_id))
                    .unwrap_or_default(),
            }
        })
        .collect();
    match (current, action) {
        (AmiState::Deleted, _) => return Err(RetireRefusal::Deleted),
        (AmiState::Available, RetireAction::Restore) => return Err(RetireRefusal::NotRetired),
        (_, RetireAction::Restore) => {
            let gone: Vec<String> = amis
                .iter()
                .filter(|a| a.ec2 == Some(Ec2State::Missing))
                .map(|a| a.ami_id.clone())
                .collect();
            if !gone.is_empty() {
                return Err(RetireRefusal::Gone { ami_ids: gone });
            }
        }
        (AmiState::Disabled, RetireAction::Deprecate | RetireAction::Disable) => {
            return Err(RetireRefusal::AlreadyDone {
                state: current.phrase(),
            });
        }
        (AmiState::Deprecated { at }, RetireAction::Deprecate) if at == request.deprecate_at => {
            return Err(RetireRefusal::AlreadyDone {
                state: current.phrase(),
            });
        }
        _ => {}
    }
    let in_production = lc.is_production(stage) && superseded.is_empty();
    let mut rules = Vec::new();
    if action != RetireAction::Restore && in_production {
        rules.push(RetireRule::InProduction {
            semver: lc.stage_semver(stage).unwrap_or("?").to_string(),
        });
    }
    if matches!(action, RetireAction::Disable | RetireAction::Delete) {
        let covered = answer.is_some_and(|w| {
            lc.stage_amis(stage)
                .iter()
                .any(|a| w.covers(&a.region, &a.ami_id))
        });
        let references: usize = amis.iter().map(|a| a.references.len()).sum();
        match answer {
            Some(w) if covered && references > 0 => rules.push(RetireRule::InUse {
                references,
                as_of: w.as_of,
            }),
            Some(_) if covered => {}
            _ => rules.push(RetireRule::ReferencesUnknown),
        }
    }
    let approval_override = if rules.is_empty() {
        None
    } else {
        match request.override_reason.as_deref().map(str::trim) {
            None => return Err(RetireRefusal::Guarded { rules }),
            Some("") => return Err(RetireRefusal::OverrideReasonRequired),
            Some(reason) => Some(ApprovalOverride {
                by: request.actor.clone(),
                reason: reason.to_string(),
                at: request.now,
                overridden: rules.iter().map(ToString::to_string).collect(),
            }),
        }
    };
    Ok(Preview {
        lifecycle_id: lc.lifecycle_id.clone(),
        stage,
        semver: lc.stage_semver(stage).map(str::to_string),
        action,
        deprecate_at: request.deprecate_at,
        image_arn,
        amis,
        state: current,
        in_production,
        superseded: superseded.to_vec(),
        references_as_of: answer.map(|w| w.as_of),
        approval_override,
    })
}

/// The record path of a stage's retirement (`retirements[i]`), for the workflow.
pub fn record_path(index: usize) -> String {
    format!("retirements[{index}]")
}
