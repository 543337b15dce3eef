//! The DynamoDB store: the lifecycle table (one item per lifecycle, every write
//! conditional on `item_version`), the semver seed table (an atomic counter per
//! stack tag) and the AMI lookup table that selection clients read.

mod changes;
mod item_de;
mod lookup;
mod provision;
mod reference;
mod scan;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client as AwsDynamoClient;
use aws_sdk_dynamodb::types::AttributeValue as AwsAttributeValue;
use chrono::Utc;

pub use changes::{
    CHANGE_MARGIN, CHANGED_INDEX, CHANGED_SHARD, CHANGED_SHARDS, CHANGES_HELD, ChangedSince,
    Changes, changed_shard,
};
pub use provision::{TableStatus, provision_tables};
pub use reference::ReferenceItems;

use super::client::Clients;
use super::error::{AwsError, Call, classify};
use crate::lifecycle::Lifecycle;

/// The GSI on `stack_tag` (lifecycle and lookup tables).
pub const STACK_TAG_INDEX: &str = "stack_tag_index";

type Item = HashMap<String, AwsAttributeValue>;

/// Where a paginated read stopped; pass it back for the next page.
#[derive(Debug, Clone)]
pub struct Cursor(Item);

/// An item that could not be read as a lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    pub key: String,
    pub error: String,
}

/// One page of lifecycles.
#[derive(Debug, Clone)]
pub struct Page {
    pub lifecycles: Vec<Lifecycle>,
    pub skipped: Vec<SkippedItem>,
    pub next: Option<Cursor>,
}

/// Every lifecycle a read found, with what it skipped.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub lifecycles: Vec<Lifecycle>,
    pub skipped: Vec<SkippedItem>,
}

/// The three tables' names, as the configuration resolved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub lifecycles: String,
    pub semver_seeds: String,
    pub ami_lookup: String,
}

/// The DynamoDB-backed store.
#[derive(Debug, Clone)]
pub struct Store {
    client: AwsDynamoClient,
    tables: TableNames,
    endpoint: String,
    /// Parallel Scan segments of a full read ([`Store::scan_all`]).
    scan_segments: u32,
    /// The most items a page of [`Store::list_page`] or of a change read
    /// holds ([`PAGE_ITEMS`]).
    page_items: u32,
}

/// Parallel Scan segments unless [`Store::with_scan_segments`] says otherwise.
pub const DEFAULT_SCAN_SEGMENTS: u32 = 4;

/// The most items in a page the dashboard reads ([`Store::list_page`], the
/// change reads): about half a 1 MB page. A page is decoded whole on a
/// worker thread, whose allocator keeps what the largest page needed (1 MB
/// pages left 28 MiB per worker at 100 000 lifecycles, docs/performance.md).
/// The runner hands several pages over at once (`app::runner::HANDOVER_ITEMS`).
/// Full reads (`list --json`, [`Store::scan_pages`]) keep 1 MB pages.
pub const PAGE_ITEMS: u32 = 250;

impl Store {
    pub fn new(clients: &Clients, tables: TableNames) -> Self {
        Store {
            client: clients.dynamodb.clone(),
            tables,
            endpoint: clients.endpoint_label_for("DYNAMODB"),
            scan_segments: DEFAULT_SCAN_SEGMENTS,
            page_items: PAGE_ITEMS,
        }
    }

    /// Pages of [`Store::list_page`] and of the change reads hold at most
    /// `items` items (at least 1).
    #[must_use]
    pub fn with_page_items(mut self, items: u32) -> Self {
        self.page_items = items.max(1);
        self
    }

    /// The DynamoDB `Limit` of a page the dashboard reads.
    fn page_limit(&self) -> i32 {
        i32::try_from(self.page_items).unwrap_or(i32::MAX)
    }

    /// Full reads scan `segments` segments at once (at least 1).
    #[must_use]
    pub fn with_scan_segments(mut self, segments: u32) -> Self {
        self.scan_segments = segments.max(1);
        self
    }

    /// How many segments a full read scans at once.
    pub fn scan_segments(&self) -> u32 {
        self.scan_segments
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }

    fn fail<E, R>(
        &self,
        operation: &'static str,
        table: &str,
        err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    ) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + crate::aws::error::RawAnswer,
    {
        let err = classify(
            Call {
                service: "DynamoDB",
                operation,
                resource: table,
            },
            &self.endpoint,
            err,
        );
        if err.code() == Some("ResourceNotFoundException") {
            AwsError::Missing {
                kind: "table",
                name: table.to_string(),
            }
        } else {
            err
        }
    }

    /// Reads one lifecycle; `NotFound` when there is none with that id.
    pub async fn get(&self, lifecycle_id: &str) -> Result<Lifecycle, AwsError> {
        let table = &self.tables.lifecycles;
        let started = std::time::Instant::now();
        let out = self
            .client
            .get_item()
            .table_name(table)
            .key(
                "lifecycle_id",
                AwsAttributeValue::S(lifecycle_id.to_string()),
            )
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.fail("GetItem", table, e))?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis(), %lifecycle_id, "dynamodb GetItem");
        let item = out.item.ok_or_else(|| AwsError::NotFound {
            resource: format!("lifecycle {lifecycle_id}"),
        })?;
        decode(item).map_err(|e| AwsError::Malformed {
            what: format!("lifecycle {lifecycle_id}"),
            detail: e,
        })
    }

    /// Checks quickly, under the strict timeouts, that the endpoint answers and
    /// the lifecycle table exists, so a dead endpoint fails within seconds
    /// before any slow paginated read starts.
    pub async fn probe(&self) -> Result<(), AwsError> {
        let table = &self.tables.lifecycles;
        self.client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| self.fail("DescribeTable", table, e))?;
        Ok(())
    }

    fn page_config() -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::config::Builder::default()
            .timeout_config(crate::aws::client::page_timeouts())
    }

    /// Reads one page: a Query on the stack-tag index when a tag is given, else a Scan.
    /// Call [`Store::probe`] first: a page may wait up to a minute for a slow endpoint.
    pub async fn list_page(
        &self,
        stack_tag: Option<&str>,
        cursor: Option<Cursor>,
    ) -> Result<Page, AwsError> {
        let table = &self.tables.lifecycles;
        let started = std::time::Instant::now();
        let start_key = cursor.map(|c| c.0);
        let (items, last_key) = if let Some(tag) = stack_tag {
            let out = self
                .client
                .query()
                .table_name(table)
                .index_name(STACK_TAG_INDEX)
                .key_condition_expression("stack_tag = :tag")
                .expression_attribute_values(":tag", AwsAttributeValue::S(tag.to_string()))
                .set_exclusive_start_key(start_key)
                .limit(self.page_limit())
                .customize()
                .config_override(Self::page_config())
                .send()
                .await
                .map_err(|e| self.fail("Query", table, e))?;
            (out.items.unwrap_or_default(), out.last_evaluated_key)
        } else {
            return self
                .scan_page(None, start_key, Some(self.page_limit()))
                .await;
        };
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            items = items.len(),
            "dynamodb list page"
        );
        Ok(scan::page_of(items, last_key))
    }
}

impl Store {
    /// Writes a new lifecycle; fails with `Conflict` if the id exists.
    pub async fn create(&self, lc: &Lifecycle) -> Result<(), AwsError> {
        let table = &self.tables.lifecycles;
        let item = encode(lc)?;
        self.client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(lifecycle_id)")
            .send()
            .await
            .map_err(|e| match self.fail("PutItem", table, e) {
                AwsError::Conflict { .. } => AwsError::Conflict {
                    resource: format!("lifecycle {}", lc.lifecycle_id),
                },
                other => other,
            })?;
        Ok(())
    }

    /// Writes a changed lifecycle only if nobody wrote it since it was read
    /// (its `item_version` still matches). Returns the stored copy, whose
    /// version is one higher. `Conflict` when another writer got there first.
    pub async fn save(&self, lc: &Lifecycle) -> Result<Lifecycle, AwsError> {
        let table = &self.tables.lifecycles;
        let mut next = lc.clone();
        next.item_version = lc.item_version + 1;
        next.updated_at = Utc::now();
        let item = encode(&next)?;
        let started = std::time::Instant::now();
        self.client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("item_version = :expected")
            .expression_attribute_values(
                ":expected",
                AwsAttributeValue::N(lc.item_version.to_string()),
            )
            .send()
            .await
            .map_err(|e| match self.fail("PutItem", table, e) {
                AwsError::Conflict { .. } => AwsError::Conflict {
                    resource: format!("lifecycle {}", lc.lifecycle_id),
                },
                other => other,
            })?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis(), lifecycle_id = %lc.lifecycle_id, "dynamodb conditional PutItem");
        Ok(next)
    }

    /// Hands out the next MAJOR version of a stack tag with one atomic ADD, so
    /// two builds never receive the same version. The first call returns 1.
    pub async fn reserve_major(&self, stack_tag: &str) -> Result<u64, AwsError> {
        self.reserve_majors(stack_tag, 1).await
    }

    /// Reserves a block of `count` MAJOR versions with one atomic
    /// `ADD last_major :n`, returning the block's first version (the block is
    /// `first ..= first + count - 1`, seen by nobody else). Used by `seed`.
    pub async fn reserve_majors(&self, stack_tag: &str, count: u64) -> Result<u64, AwsError> {
        let table = &self.tables.semver_seeds;
        let malformed = |detail: &str| AwsError::Malformed {
            what: format!("semver seed of {stack_tag}"),
            detail: detail.to_string(),
        };
        if count == 0 {
            return Err(malformed("a block of zero versions was asked for"));
        }
        let out = self
            .client
            .update_item()
            .table_name(table)
            .key("stack_tag", AwsAttributeValue::S(stack_tag.to_string()))
            .update_expression("ADD last_major :n SET updated_at = :now")
            .expression_attribute_values(":n", AwsAttributeValue::N(count.to_string()))
            .expression_attribute_values(":now", now_attribute())
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| self.fail("UpdateItem", table, e))?;
        let last = out
            .attributes
            .as_ref()
            .and_then(|a| a.get("last_major"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| malformed("last_major is not a number"))?;
        last.checked_sub(count)
            .and_then(|before| before.checked_add(1))
            .ok_or_else(|| malformed("last_major is below the block just added"))
    }

    /// Writes many new lifecycles with BatchWriteItem (25 per call), retrying
    /// unprocessed items. For demo data only: it is not conditional.
    pub async fn batch_put_lifecycles(&self, lifecycles: &[Lifecycle]) -> Result<(), AwsError> {
        let items = lifecycles
            .iter()
            .map(encode)
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_put(&self.tables.lifecycles.clone(), items).await
    }

    async fn batch_put(&self, table: &str, items: Vec<Item>) -> Result<(), AwsError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        for chunk in items.chunks(25) {
            let mut requests = chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|put| WriteRequest::builder().put_request(put).build())
                        .map_err(|e| AwsError::Malformed {
                            what: "batch write".to_string(),
                            detail: e.to_string(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut delay = std::time::Duration::from_millis(50);
            for _ in 0..8 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(table, requests)
                    .send()
                    .await
                    .map_err(|e| self.fail("BatchWriteItem", table, e))?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            if !requests.is_empty() {
                return Err(AwsError::Service {
                    service: "DynamoDB",
                    operation: "BatchWriteItem",
                    resource: table.to_string(),
                    code: None,
                    detail: format!("{} items stayed unprocessed after retries", requests.len()),
                });
            }
        }
        Ok(())
    }
}

/// The current time as a stored RFC 3339 string attribute.
fn now_attribute() -> AwsAttributeValue {
    AwsAttributeValue::S(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Turns a lifecycle into a DynamoDB item.
#[async_trait::async_trait]
impl crate::aws::ports::LifecycleStore for Store {
    async fn get(&self, lifecycle_id: &str) -> Result<Lifecycle, AwsError> {
        Store::get(self, lifecycle_id).await
    }
    async fn probe(&self) -> Result<(), AwsError> {
        Store::probe(self).await
    }
    async fn list_page(
        &self,
        stack_tag: Option<&str>,
        cursor: Option<Cursor>,
    ) -> Result<Page, AwsError> {
        Store::list_page(self, stack_tag, cursor).await
    }
    /// The whole table in parallel Scan segments; a stack tag's Query page by page.
    async fn list_all(
        &self,
        stack_tag: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Listing, AwsError> {
        Store::list_all(self, stack_tag, progress).await
    }
    /// The same reads page by page as they arrive.
    fn pages<'a>(
        &'a self,
        stack_tag: Option<&'a str>,
    ) -> futures::stream::BoxStream<'a, Result<Page, AwsError>> {
        Store::pages(self, stack_tag)
    }
    async fn changed_since(&self, since: chrono::DateTime<Utc>) -> Result<ChangedSince, AwsError> {
        Store::changed_since(self, since).await
    }
    async fn create(&self, lc: &Lifecycle) -> Result<(), AwsError> {
        Store::create(self, lc).await
    }
    async fn save(&self, lc: &Lifecycle) -> Result<Lifecycle, AwsError> {
        Store::save(self, lc).await
    }
    async fn reserve_major(&self, stack_tag: &str) -> Result<u64, AwsError> {
        Store::reserve_major(self, stack_tag).await
    }
    async fn raise_major(&self, stack_tag: &str, last_major: u64) -> Result<bool, AwsError> {
        Store::raise_major(self, stack_tag, last_major).await
    }
    async fn release_major(&self, stack_tag: &str, major: u64) -> Result<bool, AwsError> {
        Store::release_major(self, stack_tag, major).await
    }
    async fn reference_seed(
        &self,
        table: &str,
        stack_tag: &str,
    ) -> Result<Option<String>, AwsError> {
        Store::reference_seed(self, table, stack_tag).await
    }
    async fn reference_items(&self, table: &str) -> Result<ReferenceItems, AwsError> {
        Store::reference_items(self, table).await
    }
    async fn upsert_lookup_rows(
        &self,
        rows: &[crate::lifecycle::lookup::LookupRow],
    ) -> Result<(), AwsError> {
        Store::upsert_lookup_rows(self, rows).await
    }
    async fn lookup_rows(
        &self,
        stack_tag: &str,
    ) -> Result<Vec<crate::lifecycle::lookup::LookupRow>, AwsError> {
        Store::lookup_rows(self, stack_tag).await
    }
}

/// Every write of a lifecycle (create, conditional save, seed, import) goes
/// through here, so every stored item carries its `changed_shard`: the
/// partition of the change index ([`CHANGED_INDEX`], sorted by `updated_at`).
pub(crate) fn encode(lc: &Lifecycle) -> Result<Item, AwsError> {
    let mut item: Item = serde_dynamo::to_item(lc).map_err(|e| AwsError::Malformed {
        what: format!("lifecycle {}", lc.lifecycle_id),
        detail: e.to_string(),
    })?;
    item.insert(
        CHANGED_SHARD.to_string(),
        AwsAttributeValue::S(changed_shard(&lc.lifecycle_id)),
    );
    Ok(item)
}

/// Reads a DynamoDB item as a lifecycle, with a message naming the problem.
pub(crate) fn decode(item: Item) -> Result<Lifecycle, String> {
    item_de::from_item(item).map_err(|e| e.to_string())
}
