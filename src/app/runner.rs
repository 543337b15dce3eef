//! The effect runner: one tokio task per effect, each sending its result back
//! as an [`Action`] on the one channel. The dashboard's read-only mode is
//! enforced here, at one choke point ([`guard`]), for every mutating effect
//! whichever screen asked for it; `ops` refuses writes again in read-only
//! mode, for the CLI and as a second line.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, CursorKey, Effect, Op, OpReport, PageData};
use super::prepared::PrepareFor;
use crate::lifecycle::Refusal;
use crate::lifecycle::notification::LinkIndex;
use crate::ops::listener::LinkSetter;
use crate::ops::{self, Context, OpError};

/// Runs effects against AWS (or answers "offline" without a context, as the
/// benchmark and tests do).
#[derive(Clone)]
pub struct Runner {
    ctx: Option<Arc<Context>>,
    read_only: bool,
    tx: UnboundedSender<Action>,
    /// Where fresh link indexes go while the live stream runs.
    links: Option<Links>,
}

/// A change of the stream's link index.
enum LinkChange {
    Set(LinkIndex),
    Add(LinkIndex),
}

/// The stream's link index, changed in order by a task of its own: merging
/// a page's links hashes every output again, which is not the UI
/// thread's work. Without a runtime (a test), changed in place.
#[derive(Clone)]
enum Links {
    Queued(UnboundedSender<LinkChange>),
    InPlace(LinkSetter),
}

impl Links {
    fn of(setter: LinkSetter) -> Links {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Links::InPlace(setter);
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        runtime.spawn(async move {
            while let Some(change) = rx.recv().await {
                apply(&setter, change);
            }
        });
        Links::Queued(tx)
    }

    fn change(&self, change: LinkChange) {
        match self {
            Links::Queued(tx) => {
                if tx.send(change).is_err() {
                    tracing::debug!("the link index task has ended");
                }
            }
            Links::InPlace(setter) => apply(setter, change),
        }
    }
}

fn apply(setter: &LinkSetter, change: LinkChange) {
    match change {
        LinkChange::Set(index) => setter.set(index),
        LinkChange::Add(index) => setter.add(index),
    }
}

/// The choke point: the action that answers a mutating effect in read-only
/// mode, or `None` when the effect may run.
pub fn guard(effect: &Effect, read_only: bool) -> Option<Action> {
    match effect {
        Effect::Mutate { op, .. } if read_only => {
            tracing::warn!(?op, "refused a mutating effect in read-only mode");
            Some(Action::OperationFinished {
                op: op.clone(),
                result: Err(OpError::Refused(Refusal::ReadOnly)),
            })
        }
        _ => None,
    }
}

impl Runner {
    pub fn new(ctx: Option<Arc<Context>>, read_only: bool, tx: UnboundedSender<Action>) -> Self {
        Runner {
            ctx,
            read_only,
            tx,
            links: None,
        }
    }

    /// Runs effects against this context (AWS).
    #[must_use]
    pub fn with_context(mut self, ctx: Arc<Context>) -> Self {
        self.ctx = Some(ctx);
        self
    }

    /// Sends `Effect::SetLinks` to the live stream.
    #[must_use]
    pub fn with_links(mut self, links: LinkSetter) -> Self {
        self.links = Some(Links::of(links));
        self
    }

    /// Performs one effect in the background. `Copy` is the loop's business
    /// (it owns the terminal) and is ignored here.
    pub fn run(&self, effect: Effect) {
        if let Some(refusal) = guard(&effect, self.read_only) {
            let _ = self.tx.send(refusal);
            return;
        }
        if effect.is_mutating() && self.read_only {
            // A mutating effect `guard` does not know yet: never let it through.
            tracing::error!(?effect, "unguarded mutating effect refused");
            return;
        }
        if let Effect::SetLinks { index } = effect {
            if let Some(links) = &self.links {
                links.change(LinkChange::Set(*index));
            }
            return;
        }
        if let Effect::AddLinks { index } = effect {
            if let Some(links) = &self.links {
                links.change(LinkChange::Add(*index));
            }
            return;
        }
        if matches!(effect, Effect::GiveBackMemory) {
            // It walks every arena under its lock: not on the UI thread.
            if tokio::runtime::Handle::try_current().is_ok() {
                tokio::task::spawn_blocking(|| {
                    let started = std::time::Instant::now();
                    let gave = super::memory::give_back();
                    tracing::debug!(
                        gave,
                        elapsed_ms = started.elapsed().as_millis(),
                        "free memory given back"
                    );
                });
            }
            return;
        }
        let tx = self.tx.clone();
        let Some(ctx) = self.ctx.clone() else {
            offline(effect, &tx);
            return;
        };
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let action = perform(&ctx, effect).await;
            tracing::debug!(elapsed_ms = started.elapsed().as_millis(), "effect done");
            if let Some(action) = action {
                let _ = tx.send(action);
            }
        });
    }
}

fn offline_error() -> OpError {
    OpError::Unavailable("offline: no AWS context".to_string())
}

fn offline(effect: Effect, tx: &UnboundedSender<Action>) {
    let action = match effect {
        Effect::LoadPage { request, .. } => Some(Action::PageLoaded {
            request,
            at: Utc::now(),
            result: Err(offline_error()),
        }),
        Effect::Mutate { op, .. } => Some(Action::OperationFinished {
            op,
            result: Err(offline_error()),
        }),
        _ => None,
    };
    if let Some(action) = action {
        let _ = tx.send(action);
    }
}

/// A load hands the UI thread its lifecycles in batches of about this many:
/// pages are read smaller (`aws::dynamodb::PAGE_ITEMS`, to bound what one
/// decode holds) and what the UI thread does per batch (the view's merge,
/// the next request) is paid once per hand-over, not per page.
pub const HANDOVER_ITEMS: usize = 1000;

/// Reads pages from `cursor` until about [`HANDOVER_ITEMS`] lifecycles are
/// read or the table ends, and prepares them for the list. The rows are
/// built here, on a worker thread, and the records the dashboard does not
/// hold are dropped here too, page by page. A failed page fails the
/// hand-over: the load retries from its start.
async fn hand_over(
    ctx: &Context,
    stack_tag: Option<&str>,
    cursor: Option<CursorKey>,
    prepare: &PrepareFor,
) -> Result<PageData, OpError> {
    let mut data = PageData::default();
    let mut cursor = cursor.map(|c| c.cursor);
    loop {
        let page = ops::list_page(ctx, stack_tag, cursor.take()).await?;
        data.add(prepare, page.lifecycles, page.skipped.len(), page.next);
        match &data.next {
            Some(next) if data.prepared.len() < HANDOVER_ITEMS => cursor = Some(next.clone()),
            _ => {
                data.sort(prepare.sort);
                return Ok(data);
            }
        }
    }
}

async fn perform(ctx: &Context, effect: Effect) -> Option<Action> {
    match effect {
        Effect::LoadPage {
            request,
            stack_tag,
            cursor,
            prepare,
        } => {
            let result = hand_over(ctx, stack_tag.as_deref(), cursor, &prepare).await;
            Some(Action::PageLoaded {
                request,
                at: Utc::now(),
                result,
            })
        }
        Effect::CheckTarget { profile, region } => {
            let result = check_target(ctx, profile.clone(), region.clone()).await;
            Some(Action::TargetChecked {
                profile,
                region,
                result,
            })
        }
        Effect::FetchLog { id, at } => {
            let result = ops::logs::event_log(ctx, &id, Some(at)).await;
            Some(Action::LogFetched { id, at, result })
        }
        Effect::FetchLifecycle { id } => {
            let result = ops::get(ctx, &id).await;
            Some(Action::LifecycleFetched { id, result })
        }
        Effect::Identify => Some(Action::IdentityResolved {
            result: ops::identify(ctx).await,
        }),
        Effect::Mutate { op, actor } => {
            let result = mutate(ctx, &actor, &op).await;
            Some(Action::OperationFinished { op, result })
        }
        Effect::FetchProgress {
            lifecycle_id,
            execution_arn,
        } => {
            let result = ops::execution_progress(ctx, &execution_arn).await;
            Some(Action::ProgressFetched {
                lifecycle_id,
                execution_arn,
                result,
            })
        }
        Effect::ListPipelines => Some(Action::PipelinesListed {
            result: ops::pipelines(ctx).await,
        }),
        Effect::WatchExecutions { claims } => Some(Action::ExecutionsWatched {
            result: ops::watcher::find_broken(ctx, &claims).await,
        }),
        Effect::ReadChanges { since } => Some(Action::ChangesRead {
            result: ops::changed_since(ctx, since).await,
        }),
        Effect::CheckWorkflows => Some(Action::WorkflowsChecked {
            result: ops::deployed_workflows(ctx).await,
        }),
        Effect::FetchBuildImage {
            lifecycle_id,
            image_arn,
        } => {
            tracing::debug!(%lifecycle_id, %image_arn, "reading build image");
            let result = ops::build_image(ctx, &image_arn).await;
            Some(Action::BuildImageFetched { image_arn, result })
        }
        Effect::Copy { .. }
        | Effect::SetLinks { .. }
        | Effect::AddLinks { .. }
        | Effect::GiveBackMemory => None,
    }
}

fn report(outcome: ops::Outcome) -> OpReport {
    OpReport {
        message: outcome.message,
        lifecycle: Some(outcome.lifecycle),
    }
}

/// The dashboard's mutating effects, each one use case of `ops`.
async fn mutate(ctx: &Context, actor: &str, op: &Op) -> Result<OpReport, OpError> {
    let outcome = match op {
        Op::Trigger {
            lifecycle_id,
            target,
        } => ops::trigger(ctx, actor, lifecycle_id, Some(*target)).await,
        Op::Decide {
            lifecycle_id,
            certified,
            reason,
            seen,
        } => ops::decide(ctx, actor, lifecycle_id, *certified, reason, Some(*seen)).await,
        Op::Promote { lifecycle_id } => ops::promote(ctx, actor, lifecycle_id).await,
        Op::StartPatch { lifecycle_id, bump } => {
            ops::start_patch(ctx, actor, lifecycle_id, *bump, None, None).await
        }
        Op::Retry { lifecycle_id } => ops::retry(ctx, actor, lifecycle_id).await,
        Op::Reconcile { lifecycle_id } => {
            let mut changed = ops::reconcile(ctx, Some(lifecycle_id)).await?;
            if changed.is_empty() {
                return Ok(OpReport {
                    lifecycle: None,
                    message: format!("Nothing to reconcile: {lifecycle_id} has no lost execution."),
                });
            }
            Ok(changed.remove(0))
        }
        Op::Overridden { op, reason } => match op.as_ref() {
            Op::Decide {
                lifecycle_id,
                certified,
                reason: decision,
                seen,
            } => {
                ops::decide_overriding(
                    ctx,
                    actor,
                    lifecycle_id,
                    *certified,
                    decision,
                    Some(*seen),
                    Some(reason),
                )
                .await
            }
            Op::Promote { lifecycle_id } => {
                ops::promote_overriding(ctx, actor, lifecycle_id, Some(reason)).await
            }
            other => Err(OpError::Invalid(format!(
                "{} has no approval to override; nothing was changed",
                other.describe()
            ))),
        },
        Op::Retire {
            lifecycle_id,
            stage,
            action,
            deprecate_at,
            override_reason,
        } => {
            let ask = ops::retire::RetireAsk {
                typed: lifecycle_id.clone(),
                action: *action,
                deprecate_at: *deprecate_at,
                override_reason: override_reason.clone(),
                stage: Some(*stage),
            };
            let started = ops::retire::retire(ctx, actor, &ask).await?;
            return Ok(OpReport {
                lifecycle: Some(started.lifecycle),
                message: started.message,
            });
        }
        Op::WhereUsed { lifecycle_id } => {
            let lc = ops::get(ctx, lifecycle_id).await?;
            let read =
                ops::where_used::refresh(ctx, actor, &lc, ops::where_used::REFRESH_WAIT).await?;
            let references = read.where_used.as_ref().map_or(0, |w| w.references().len());
            return Ok(OpReport {
                message: format!(
                    "Where-used of {} recorded: {references} reference(s).",
                    read.lifecycle_id
                ),
                lifecycle: Some(read),
            });
        }
        Op::Create(form) => {
            let new = ops::NewLifecycle {
                stack_tag: form.stack_tag.clone(),
                product_name: form.product_name.clone(),
                product_version: form.product_version.clone(),
                owner: None,
                commit_ref: form.commit_ref.clone(),
                pipeline_arn: form.pipeline_arn.clone(),
                properties: Vec::new(),
            };
            ops::create(ctx, actor, new).await
        }
    };
    outcome.map(report)
}

/// Connects with the current configuration moved to `profile`/`region` and
/// asks STS who we are there: the account, or why not (expired SSO
/// credentials say which command renews them).
async fn check_target(
    ctx: &Context,
    profile: Option<String>,
    region: Option<String>,
) -> Result<String, OpError> {
    if let Some(name) = &profile
        && name != "default"
        && !ops::known_profiles().contains(name)
    {
        return Err(OpError::Invalid(format!(
            "profile {name} is not defined in the AWS config or credentials file"
        )));
    }
    let mut config = ctx.config.clone();
    if profile.is_some() {
        config.profile.clone_from(&profile);
    }
    if region.is_some() {
        config.region.clone_from(&region);
    }
    let moved = Context::connect(config)
        .await
        .map_err(|e| OpError::Unavailable(e.to_string()))?;
    let caller = ops::identify(&moved).await.map_err(|e| match &profile {
        Some(name) if e.is_credentials() => OpError::Unavailable(format!(
            "{e} — for an SSO profile: aws sso login --profile {name}"
        )),
        _ => e,
    })?;
    Ok(caller.account)
}
