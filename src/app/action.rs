//! The app's vocabulary: every intent and every result is an [`Action`]; every
//! piece of I/O update() asks for is an [`Effect`] the runner performs.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::prepared::{PrepareFor, Prepared};
use crate::lifecycle::execution::Progress;
use crate::lifecycle::image::{BuildImage, Pipeline, ServiceAnswer};
use crate::lifecycle::notification::LinkIndex;
use crate::lifecycle::{Bump, EventRef, Lifecycle};
use crate::ops::listener::StreamEvent;
use crate::ops::watcher::{Broken, Claim};
use crate::ops::{Caller, Cursor, DeployedWorkflows, OpError};

/// One page of lifecycles as the runner hands it back, prepared for the
/// list off the UI thread (`app::prepared`).
#[derive(Debug, Clone, Default)]
pub struct PageData {
    pub prepared: Vec<Prepared>,
    pub skipped: usize,
    pub next: Option<Cursor>,
}

/// A change to a lifecycle: what the effect runner hands to `src/ops`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Trigger {
        lifecycle_id: String,
        target: EventRef,
    },
    Decide {
        lifecycle_id: String,
        certified: bool,
        reason: String,
        /// The `item_version` the person decided on: a decision made since
        /// refuses this one (hardening 10).
        seen: u64,
    },
    Promote {
        lifecycle_id: String,
    },
    StartPatch {
        lifecycle_id: String,
        bump: Bump,
    },
    Retry {
        lifecycle_id: String,
    },
    /// Mark the lifecycle's lost execution ERROR (`ops::reconcile`).
    Reconcile {
        lifecycle_id: String,
    },
    /// Create a lifecycle and start its AMI_BUILD (`ops::create`).
    Create(NewLifecycleForm),
    /// A certify, reject or promote that breaks the glass: the approval
    /// rules are overridden with `reason`, recorded on the event.
    Overridden {
        op: Box<Op>,
        reason: String,
    },
    /// Deprecate, disable, delete or restore a stage's AMIs (`ops::retire`);
    /// `override_reason` breaks the glass over its rules.
    Retire {
        lifecycle_id: String,
        stage: crate::lifecycle::Stage,
        action: crate::lifecycle::retire::RetireAction,
        deprecate_at: Option<DateTime<Utc>>,
        override_reason: Option<String>,
    },
    /// Ask EC2 again where the AMIs are used (the where-used workflow).
    WhereUsed {
        lifecycle_id: String,
    },
}

/// What the new-lifecycle form collected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewLifecycleForm {
    pub stack_tag: String,
    pub product_name: String,
    pub product_version: String,
    pub commit_ref: Option<String>,
    pub pipeline_arn: Option<String>,
}

impl Op {
    /// The lifecycle it acts on; `None` for a lifecycle yet to be created.
    pub fn lifecycle_id(&self) -> Option<&str> {
        match self {
            Op::Trigger { lifecycle_id, .. }
            | Op::Decide { lifecycle_id, .. }
            | Op::Promote { lifecycle_id }
            | Op::StartPatch { lifecycle_id, .. }
            | Op::Retry { lifecycle_id }
            | Op::Reconcile { lifecycle_id }
            | Op::Retire { lifecycle_id, .. }
            | Op::WhereUsed { lifecycle_id } => Some(lifecycle_id),
            Op::Create(_) => None,
            Op::Overridden { op, .. } => op.lifecycle_id(),
        }
    }

    /// A few words for notices: "trigger SMOKE_TESTS".
    pub fn describe(&self) -> String {
        match self {
            Op::Trigger { target, .. } => format!("trigger {target}"),
            Op::Decide {
                certified: true, ..
            } => "certify".to_string(),
            Op::Decide {
                certified: false, ..
            } => "reject".to_string(),
            Op::Promote { .. } => "promote to production".to_string(),
            Op::StartPatch { bump, .. } => format!("start a {bump} patch cycle"),
            Op::Retry { .. } => "retry".to_string(),
            Op::Reconcile { .. } => "reconcile".to_string(),
            Op::Create(form) => format!(
                "create {} {} in {}",
                form.product_name, form.product_version, form.stack_tag
            ),
            Op::Overridden { op, .. } => format!("{} (approval override)", op.describe()),
            Op::Retire {
                action,
                override_reason,
                ..
            } => format!(
                "{}{}",
                action.event_name(),
                if override_reason.is_some() {
                    " (override)"
                } else {
                    ""
                }
            ),
            Op::WhereUsed { .. } => "ask EC2 where it is used".to_string(),
        }
    }
}

/// What an operation's result carries back.
#[derive(Debug, Clone)]
pub struct OpReport {
    pub lifecycle: Option<Lifecycle>,
    pub message: String,
}

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press from the terminal.
    Key(KeyEvent),
    /// The terminal was resized.
    Resized { width: u16, height: u16 },
    /// The clock moved on (once a second).
    Tick { now: DateTime<Utc> },
    /// Start a full reload of the list.
    Refresh,
    /// SIGINT, SIGTERM or SIGHUP: leave at once.
    Terminate,
    /// A page of the list arrived (or failed) for load `request`.
    PageLoaded {
        request: u64,
        at: DateTime<Utc>,
        result: Result<PageData, OpError>,
    },
    /// One lifecycle was read again (after an operation or for `--lifecycle`).
    LifecycleFetched {
        id: String,
        result: Result<Lifecycle, OpError>,
    },
    /// STS told us who we are.
    IdentityResolved { result: Result<Caller, OpError> },
    /// An operation finished (or was refused at the choke point).
    OperationFinished {
        op: Op,
        result: Result<OpReport, OpError>,
    },
    /// The live notification stream reported something.
    Stream { event: StreamEvent },
    /// The open timeline's running execution was polled.
    ProgressFetched {
        lifecycle_id: String,
        execution_arn: String,
        result: Result<Progress, OpError>,
    },
    /// The deployed state machine definitions were read.
    WorkflowsChecked {
        result: Result<DeployedWorkflows, OpError>,
    },
    /// Image Builder listed the account's pipelines (or is not here).
    PipelinesListed {
        result: Result<ServiceAnswer<Vec<Pipeline>>, OpError>,
    },
    /// The execution watcher answered: the running events whose execution
    /// failed, timed out or was aborted.
    ExecutionsWatched {
        result: Result<Vec<Broken>, OpError>,
    },
    /// The changed-since read answered (`app::changes`).
    ChangesRead {
        result: Result<crate::ops::ChangedSince, OpError>,
    },
    /// The profile/region `:profile`/`:region` asked for answered (with its
    /// account) or could not be used.
    TargetChecked {
        profile: Option<String>,
        region: Option<String>,
        result: Result<String, OpError>,
    },
    /// An event's execution log was read (`l`).
    LogFetched {
        id: String,
        at: crate::lifecycle::EventRef,
        result: Result<crate::ops::logs::EventLog, OpError>,
    },
    /// Image Builder answered for one build image (or is not here).
    BuildImageFetched {
        image_arn: String,
        result: Result<ServiceAnswer<BuildImage>, OpError>,
    },
}

/// I/O that update() asks the runner to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Read one page of the list; the result is `PageLoaded { request }`.
    LoadPage {
        request: u64,
        stack_tag: Option<String>,
        cursor: Option<CursorKey>,
        /// How the runner turns the page into rows (`app::prepared`).
        prepare: PrepareFor,
    },
    /// Read one lifecycle again.
    FetchLifecycle { id: String },
    /// Ask STS who we are.
    Identify,
    /// Change a lifecycle. Refused at the runner's choke point when read-only.
    Mutate { op: Op, actor: String },
    /// Put text on the clipboard with OSC 52 (written by the terminal backend).
    Copy { text: String },
    /// Give the allocator's free pages back to the system (`app::memory`),
    /// after a load or a large change read, off the UI thread.
    GiveBackMemory,
    /// Read an execution's state and elapsed time.
    FetchProgress {
        lifecycle_id: String,
        execution_arn: String,
    },
    /// Give the stream a fresh index to tie notifications to lifecycles.
    SetLinks { index: Box<LinkIndex> },
    /// Add one lifecycle's links to the stream's index (after a re-read).
    AddLinks { index: Box<LinkIndex> },
    /// Ask Image Builder for its pipelines (the new-lifecycle form).
    ListPipelines,
    /// Read which version of the state machines is deployed.
    CheckWorkflows,
    /// Ask Step Functions which of these running events' executions ended
    /// broken (a read; see `list_watch`).
    WatchExecutions { claims: Vec<Claim> },
    /// Read the lifecycles written since a time, through the table's change
    /// index (a read; see `app::changes`).
    ReadChanges { since: DateTime<Utc> },
    /// Connect to another profile or region and ask STS who we are there
    /// (a read): `TargetChecked` says whether the dashboard can move.
    CheckTarget {
        profile: Option<String>,
        region: Option<String>,
    },
    /// Read an event's execution log: its states, failure and links (a read).
    FetchLog {
        id: String,
        at: crate::lifecycle::EventRef,
    },
    /// Read one build image's status, recipe and components (a read).
    FetchBuildImage {
        lifecycle_id: String,
        image_arn: String,
    },
}

impl Effect {
    /// Whether this effect would change lifecycle state.
    pub fn is_mutating(&self) -> bool {
        match self {
            Effect::Mutate { .. } => true,
            Effect::LoadPage { .. }
            | Effect::FetchLifecycle { .. }
            | Effect::Identify
            | Effect::Copy { .. }
            | Effect::GiveBackMemory
            | Effect::FetchProgress { .. }
            | Effect::SetLinks { .. }
            | Effect::AddLinks { .. }
            | Effect::ListPipelines
            | Effect::CheckWorkflows
            | Effect::WatchExecutions { .. }
            | Effect::ReadChanges { .. }
            | Effect::FetchBuildImage { .. }
            | Effect::FetchLog { .. }
            | Effect::CheckTarget { .. } => false,
        }
    }
}

/// A page cursor held by the state. `Cursor` is opaque, so equality is by the
/// page number it was issued for.
#[derive(Debug, Clone)]
pub struct CursorKey {
    pub page: u32,
    pub cursor: Cursor,
}

impl PartialEq for CursorKey {
    fn eq(&self, other: &Self) -> bool {
        self.page == other.page
    }
}

impl Eq for CursorKey {}
