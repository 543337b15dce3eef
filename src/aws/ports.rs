//! The seam at the AWS edge: what the use cases (`ops`) ask of each service,
//! as small traits in domain types with one error type, [`AwsError`]. Each
//! service file implements its trait on the SDK (`dynamodb::Store`,
//! `Clients` for Step Functions, SNS and STS, `imagebuilder::ImageBuilder`);
//! the whole-app test implements them with fakes.
//!
//! Adding a service: a trait here, its SDK implementation in the service's
//! file, a field in `ops::Context`, and a fake in `tests/whole_app/fakes.rs`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};

use super::dynamodb::{ChangedSince, Cursor, Listing, Page, ReferenceItems};
use super::error::AwsError;
pub use super::inspect::Inspect;
use super::sfn::{Execution, MachineStatus, Started};
use super::sns::TopicStatus;
use super::sts::Identity;
use crate::lifecycle::Lifecycle;
use crate::lifecycle::execution::{ExecutionPath, RunStatus};
use crate::lifecycle::image::{BuildImage, Pipeline, ServiceAnswer};
use crate::lifecycle::lookup::LookupRow;

/// The lifecycle table, the semantic-version counters and the lookup table.
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Reads one lifecycle; `NotFound` when there is none with that id.
    async fn get(&self, lifecycle_id: &str) -> Result<Lifecycle, AwsError>;
    /// Checks quickly that the endpoint answers and the table exists.
    async fn probe(&self) -> Result<(), AwsError>;
    /// One page of lifecycles, of one stack tag or of all.
    async fn list_page(
        &self,
        stack_tag: Option<&str>,
        cursor: Option<Cursor>,
    ) -> Result<Page, AwsError>;
    /// Writes a new lifecycle; `Conflict` if the id exists.
    async fn create(&self, lc: &Lifecycle) -> Result<(), AwsError>;
    /// Writes a changed lifecycle if nobody changed it since it was read
    /// (`item_version`); returns it as stored. `Conflict` otherwise.
    async fn save(&self, lc: &Lifecycle) -> Result<Lifecycle, AwsError>;
    /// Reserves the next MAJOR version of a stack tag (atomic).
    async fn reserve_major(&self, stack_tag: &str) -> Result<u64, AwsError>;
    /// Raises the stack tag's counter so the next MAJOR is above
    /// `last_major` (conditional, raise-only); whether it raised it.
    async fn raise_major(&self, stack_tag: &str, last_major: u64) -> Result<bool, AwsError>;
    /// Gives back a reserved MAJOR whose lifecycle was not written, if no
    /// later one was handed out; whether it did. Stores that cannot keep it.
    async fn release_major(&self, _stack_tag: &str, _major: u64) -> Result<bool, AwsError> {
        Ok(false)
    }
    /// The reference solution's semver seed of a stack tag in `table`
    /// (the version its next build receives); `None` without an item.
    async fn reference_seed(
        &self,
        table: &str,
        stack_tag: &str,
    ) -> Result<Option<String>, AwsError>;
    /// Every item of a reference solution's lifecycle table, as JSON.
    async fn reference_items(&self, table: &str) -> Result<ReferenceItems, AwsError>;
    /// Adds or raises AMI lookup rows (a row's score never goes down).
    async fn upsert_lookup_rows(&self, rows: &[LookupRow]) -> Result<(), AwsError>;
    /// Every AMI lookup row of a stack tag.
    async fn lookup_rows(&self, stack_tag: &str) -> Result<Vec<LookupRow>, AwsError>;

    /// Every lifecycle written since `since` (less a margin for clock
    /// differences), from the table's change index; pass the answer's
    /// `read_at` as the next `since`. `ChangedSince::NoIndex` when there is
    /// no usable index (an older table): read the whole table instead. A
    /// store without a change index (the default) always says `NoIndex`.
    async fn changed_since(&self, since: DateTime<Utc>) -> Result<ChangedSince, AwsError> {
        let _ = since;
        Ok(ChangedSince::NoIndex(
            "this store has no change index".to_string(),
        ))
    }

    /// Reads every page to the end after a quick probe; `progress` hears the
    /// running count.
    async fn list_all(
        &self,
        stack_tag: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Listing, AwsError> {
        self.probe().await?;
        page_through(self, stack_tag, progress).await
    }

    /// Every page of a full read as it arrives, after a quick probe (what
    /// `list --json` prints page by page); the stream ends after the first
    /// error. The pages carry no cursor.
    fn pages<'a>(&'a self, stack_tag: Option<&'a str>) -> BoxStream<'a, Result<Page, AwsError>> {
        paged(self, stack_tag)
    }
}

/// Where [`paged`] is.
enum Paging {
    Start,
    After(Cursor),
    Done,
}

/// The pages of a listing one after another, after a quick probe, as a
/// stream that ends after the first error (the default [`LifecycleStore::pages`]).
pub fn paged<'a, S: LifecycleStore + ?Sized>(
    store: &'a S,
    stack_tag: Option<&'a str>,
) -> BoxStream<'a, Result<Page, AwsError>> {
    futures::stream::unfold(Paging::Start, move |state| async move {
        let cursor = match state {
            Paging::Done => return None,
            Paging::Start => {
                if let Err(err) = store.probe().await {
                    return Some((Err(err), Paging::Done));
                }
                None
            }
            Paging::After(cursor) => Some(cursor),
        };
        match store.list_page(stack_tag, cursor).await {
            Err(err) => Some((Err(err), Paging::Done)),
            Ok(mut page) => {
                let next = page.next.take().map_or(Paging::Done, Paging::After);
                Some((Ok(page), next))
            }
        }
    })
    .boxed()
}

/// Reads every page of a listing, one after another, telling `progress`
/// how many lifecycles it has so far.
pub async fn page_through<S: LifecycleStore + ?Sized>(
    store: &S,
    stack_tag: Option<&str>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Listing, AwsError> {
    let mut listing = Listing::default();
    let mut cursor = None;
    loop {
        let page = store.list_page(stack_tag, cursor).await?;
        listing.lifecycles.extend(page.lifecycles);
        listing.skipped.extend(page.skipped);
        progress(listing.lifecycles.len());
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(listing)
}

/// Step Functions: the state machines and their executions.
#[async_trait]
pub trait Executions: Send + Sync {
    /// Starts an execution under a deterministic name; an existing execution
    /// of that name is `already_existed`, not an error.
    async fn start(&self, machine_arn: &str, name: &str, input: &str) -> Result<Started, AwsError>;
    /// DescribeExecution.
    async fn describe(&self, execution_arn: &str) -> Result<Execution, AwsError>;
    /// The state the execution entered last, from its history.
    async fn current_state(&self, execution_arn: &str) -> Result<Option<String>, AwsError>;
    /// Every state the execution went through, with times and failures.
    async fn path(&self, execution_arn: &str) -> Result<ExecutionPath, AwsError>;
    /// Creates the state machine, or updates the definition of an existing one.
    async fn ensure_machine(
        &self,
        name: &str,
        arn: &str,
        definition: &str,
        role_arn: &str,
    ) -> Result<MachineStatus, AwsError>;
    /// The deployed definition of a state machine; `None` when it does not exist.
    async fn machine_definition(&self, arn: &str) -> Result<Option<String>, AwsError>;
    /// ListExecutions of one state machine with a status filter, newest first,
    /// stopping at the first execution started before `since`: the ARNs of
    /// the executions in `status` started at or after `since`.
    async fn list_in_status(
        &self,
        machine_arn: &str,
        status: RunStatus,
        since: DateTime<Utc>,
    ) -> Result<Vec<String>, AwsError>;
}

/// SNS topics amiboard publishes to.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes one message with string attributes; returns its message id.
    async fn publish(
        &self,
        topic_arn: &str,
        subject: Option<&str>,
        message: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<String, AwsError>;
    /// Creates the topic unless it exists.
    async fn ensure_topic(&self, name: &str, arn: &str) -> Result<TopicStatus, AwsError>;
}

/// STS: who the caller is.
#[async_trait]
pub trait Identify: Send + Sync {
    async fn who_am_i(&self) -> Result<Identity, AwsError>;
}

/// EC2 Image Builder: build images and pipelines (or the notice that the
/// endpoint has no Image Builder).
#[async_trait]
pub trait ImageService: Send + Sync {
    async fn image(&self, image_arn: &str) -> Result<ServiceAnswer<BuildImage>, AwsError>;
    async fn pipelines(&self) -> Result<ServiceAnswer<Vec<Pipeline>>, AwsError>;
}
