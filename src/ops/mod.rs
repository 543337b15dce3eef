//! Operations that change lifecycles, one way for the dashboard and the
//! command line: check the rules locally, claim the event with a conditional
//! write, start the Step Functions execution, record its ARN.
//!
//! The signatures here are the contract the dashboard's effect runner and the
//! CLI call. `docs/workflows.md` describes what the state machines do.

#![deny(clippy::arithmetic_side_effects)]

mod adopt;
mod adopt_accounts;
mod approvals;
pub mod by_name;
mod change;
mod changes;
mod cleanup;
mod context;
mod deployed;
pub mod doctor;
pub mod execution_input;
pub mod inbox;
pub mod listener;
pub mod logs;
mod observe;
pub mod production;
mod read;
pub mod retention;
pub mod retire;
mod run;
mod wait;
pub mod watcher;
pub mod where_used;
pub mod workflows;

pub use adopt::{
    CounterFloor, IMPORT_VERSION, IMPORTED_FROM, ImportAction, ImportEntry, ImportOptions,
    ImportReport, import_reference, version_floor,
};
pub use approvals::{
    ApprovalRules, PromotionPreview, preview as promotion_checklist, promotion_preview,
    promotion_target,
};
pub use change::patch_version;
pub use changes::{CHANGE_MARGIN, ChangedSince, Changes, changed_since};
pub use deployed::{DeployedWorkflows, definitions_version, deployed_workflows};
pub use observe::{Provisioned, execution_progress, provision_workflows};
pub use run::{actor, setting};
pub use wait::{WaitEnd, WaitProgress, wait_for_result};

use crate::aws::AwsError;
use crate::lifecycle::{Bump, EventRef, Lifecycle, Refusal, rules};
pub use context::{
    Context, Ports, Sdk, connect_settings, known_profiles, queue_settings, table_names,
};
pub use read::{
    Caller, Cursor, Listing, MIN_ID_PREFIX, Page, SkippedItem, build_image, get, identify,
    list_all, list_page, lookup_rows, pipelines, resolve_id,
};

/// Why an operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// A lifecycle rule refuses it; nothing was written.
    #[error("{0}")]
    Refused(Refusal),
    /// Someone else changed the lifecycle first (e.g. triggered the same event).
    #[error("{message}")]
    LostRace { message: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The operation is not available yet or at this endpoint.
    #[error("{0}")]
    Unavailable(String),
    /// A short id matches more than one lifecycle.
    #[error("`{typed}` matches {} lifecycles: {}; type more of the id", matches.len(), matches.join(", "))]
    Ambiguous { typed: String, matches: Vec<String> },
    /// The input itself is wrong (e.g. a control character in a name);
    /// nothing was written.
    #[error("{0}")]
    Invalid(String),
}

impl OpError {
    /// Whether the credentials are missing, invalid or expired (an SSO
    /// session that ended): the fix is to renew them, not to retry.
    pub fn is_credentials(&self) -> bool {
        matches!(self, OpError::Aws(AwsError::Credentials { .. }))
    }
}

impl From<Refusal> for OpError {
    fn from(refusal: Refusal) -> Self {
        OpError::Refused(refusal)
    }
}

/// What a successful operation did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The lifecycle as stored afterwards.
    pub lifecycle: Lifecycle,
    /// The event it concerned.
    pub target: EventRef,
    /// The execution it started, if any.
    pub execution_arn: Option<String>,
    /// One sentence for a notice or the terminal.
    pub message: String,
}

/// Fields of a new lifecycle.
#[derive(Debug, Clone, Default)]
pub struct NewLifecycle {
    pub stack_tag: String,
    pub product_name: String,
    pub product_version: String,
    pub owner: Option<String>,
    pub commit_ref: Option<String>,
    pub pipeline_arn: Option<String>,
    pub properties: Vec<(String, String)>,
}

/// Triggers `target`, or the next allowed event when `None`.
pub async fn trigger(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    target: Option<EventRef>,
) -> Result<Outcome, OpError> {
    run::trigger(ctx, actor, lifecycle_id, target).await
}

/// Records the QA decision: certified (`true`) or rejected, with a reason,
/// on the state the person saw (`seen`: its `item_version`; `None` decides
/// only a pending QA request). A decision made since is never replaced.
pub async fn decide(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    certified: bool,
    reason: &str,
    seen: Option<u64>,
) -> Result<Outcome, OpError> {
    change::decide(ctx, actor, lifecycle_id, certified, reason, seen, None).await
}

/// [`decide`], breaking the glass: the four-eyes rule is overridden with
/// `override_reason` (required, not empty), which is recorded on the event
/// and announced. Without anything in the way no override is recorded.
pub async fn decide_overriding(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    certified: bool,
    reason: &str,
    seen: Option<u64>,
    override_reason: Option<&str>,
) -> Result<Outcome, OpError> {
    check_override(override_reason)?;
    change::decide(
        ctx,
        actor,
        lifecycle_id,
        certified,
        reason,
        seen,
        override_reason,
    )
    .await
}

/// Starts MARK_FOR_PRODUCTION of the active stage when four eyes and the
/// promotion checklist pass (`docs/approvals.md`).
pub async fn promote(ctx: &Context, actor: &str, lifecycle_id: &str) -> Result<Outcome, OpError> {
    approvals::promote(ctx, actor, lifecycle_id, None).await
}

/// [`promote`], breaking the glass: four eyes and a failing checklist are
/// overridden with `override_reason` (required, not empty), recorded on the
/// event and announced.
pub async fn promote_overriding(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    override_reason: Option<&str>,
) -> Result<Outcome, OpError> {
    check_override(override_reason)?;
    approvals::promote(ctx, actor, lifecycle_id, override_reason).await
}

/// Refuses an override reason with control or bidi characters, as `create`
/// refuses them in its fields, before anything is read or written: the
/// reason reaches every timeline, notification and terminal that shows it.
fn check_override(reason: Option<&str>) -> Result<(), OpError> {
    use crate::lifecycle::notification::sanitize::check_input;
    match reason {
        Some(reason) => check_input("the override reason", reason)
            .map_err(|e| OpError::Invalid(format!("{e}; nothing was changed"))),
        None => Ok(()),
    }
}

/// Starts a new patch cycle on the newest production AMI.
pub async fn start_patch(
    ctx: &Context,
    actor: &str,
    lifecycle_id: &str,
    bump: Bump,
    component: Option<String>,
    description: Option<String>,
) -> Result<Outcome, OpError> {
    change::start_patch(ctx, actor, lifecycle_id, bump, component, description).await
}

/// Re-runs the FAILED or ERROR event of the active stage.
pub async fn retry(ctx: &Context, actor: &str, lifecycle_id: &str) -> Result<Outcome, OpError> {
    let lc = ctx.store.get(lifecycle_id).await?;
    let target = rules::retry_target(&lc)?.target;
    run::trigger(ctx, actor, lifecycle_id, Some(target)).await
}

/// Creates a lifecycle and starts its AMI_BUILD.
pub async fn create(ctx: &Context, actor: &str, new: NewLifecycle) -> Result<Outcome, OpError> {
    change::create(ctx, actor, new).await
}

/// Marks events whose execution ended without recording a result as ERROR;
/// returns the lifecycles it changed.
pub async fn reconcile(ctx: &Context, lifecycle_id: Option<&str>) -> Result<Vec<Outcome>, OpError> {
    observe::reconcile(ctx, lifecycle_id).await
}
