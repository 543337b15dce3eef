//! Operations that change lifecycles, one way for the dashboard and the
//! command line: check the rules locally, claim the event with a conditional
//! write, start the Step Functions execution, record its ARN.
//!
//! The signatures here are the contract the dashboard's effect runner and the
//! CLI call; the workflow issue fills in the bodies.

use crate::aws::AwsError;
use crate::cli::Context;
use crate::lifecycle::{Bump, EventRef, Lifecycle, Refusal};

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
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

fn unavailable() -> OpError {
    OpError::Unavailable("workflows are not available in this build yet".to_string())
}

/// Triggers `target`, or the next allowed event when `None`.
#[allow(clippy::unused_async)]
pub async fn trigger(
    _ctx: &Context,
    _actor: &str,
    _lifecycle_id: &str,
    _target: Option<EventRef>,
) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Records the QA decision: certified (`true`) or rejected, with a reason.
#[allow(clippy::unused_async)]
pub async fn decide(
    _ctx: &Context,
    _actor: &str,
    _lifecycle_id: &str,
    _certified: bool,
    _reason: &str,
) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Starts MARK_FOR_PRODUCTION of the active stage.
#[allow(clippy::unused_async)]
pub async fn promote(
    _ctx: &Context,
    _actor: &str,
    _lifecycle_id: &str,
) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Starts a new patch cycle on the newest production AMI.
#[allow(clippy::unused_async)]
pub async fn start_patch(
    _ctx: &Context,
    _actor: &str,
    _lifecycle_id: &str,
    _bump: Bump,
    _component: Option<String>,
    _description: Option<String>,
) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Re-runs the FAILED or ERROR event of the active stage.
#[allow(clippy::unused_async)]
pub async fn retry(_ctx: &Context, _actor: &str, _lifecycle_id: &str) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Creates a lifecycle and starts its AMI_BUILD.
#[allow(clippy::unused_async)]
pub async fn create(_ctx: &Context, _actor: &str, _new: NewLifecycle) -> Result<Outcome, OpError> {
    Err(unavailable())
}

/// Marks events whose execution ended without recording a result as ERROR;
/// returns the lifecycles it changed.
#[allow(clippy::unused_async)]
pub async fn reconcile(
    _ctx: &Context,
    _lifecycle_id: Option<&str>,
) -> Result<Vec<Outcome>, OpError> {
    Err(unavailable())
}
