//! What changed since a time: the change index of the lifecycle table.
//!
//! Every lifecycle item amiboard writes (`encode`) carries `changed_shard`,
//! a fixed function of its id ("0" .. "3"). The global secondary index
//! [`CHANGED_INDEX`] is keyed `changed_shard` + `updated_at` (projection
//! ALL), so "what was written since T" is one Query per shard with
//! `updated_at >= T - margin`, page by page, the shards in parallel.
//!
//! The partition is write-once on purpose: the state machines' result
//! writes (`UpdateItem ... SET updated_at = :now`) change only the sort key,
//! and the item moves within its shard; a partition derived from the time
//! (e.g. the day) would be left stale by those writes. Four shards spread
//! the writes over four index partitions (a seed of 100 000 is not held to
//! one partition's write rate); an idle read costs four minimal Queries.
//!
//! Items written before the attribute existed (or rewritten by an older
//! amiboard) are not in the index until amiboard writes them again: a full
//! read still finds them. Deleted items are not reported either.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue as AwsAttributeValue;
use aws_sdk_dynamodb::types::IndexStatus as AwsIndexStatus;
use chrono::{DateTime, TimeDelta, Utc};

use super::{Item, SkippedItem, Store};
use crate::aws::error::AwsError;
use crate::lifecycle::Lifecycle;

/// An item's `lifecycle_id` and `item_version`, read without decoding it.
fn id_and_version(item: &Item) -> Option<(&str, u64)> {
    let id = item.get("lifecycle_id")?.as_s().ok()?;
    let version = item.get("item_version")?.as_n().ok()?.parse().ok()?;
    Some((id.as_str(), version))
}

/// The change index of the lifecycle table.
pub const CHANGED_INDEX: &str = "changed_index";
/// The change index's partition attribute, written with every lifecycle.
pub const CHANGED_SHARD: &str = "changed_shard";
/// How many `changed_shard` values there are ("0" .. "3"). Changing it
/// strands items in shards no longer read until they are written again.
pub const CHANGED_SHARDS: u32 = 4;
/// The largest clock skew AWS accepts in a signed request: a Signature
/// Version 4 request whose time stamp is more than 5 minutes from AWS's
/// clock is refused (`RequestTimeTooSkewed` / `InvalidSignatureException`;
/// see the SigV4 signing pages of the AWS General Reference and IAM User
/// Guide, e.g. <https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html>).
/// A writer whose clock is that far behind the reader's still gets its
/// write accepted, stamped up to this much in the past.
pub const MAX_SIGNED_SKEW_SECONDS: i64 = 5 * 60;
/// Read this much before the asked time: [`MAX_SIGNED_SKEW_SECONDS`] (any writer
/// AWS accepts), plus a minute because the state machines stamp
/// `updated_at` with the time the writing state was entered (before any
/// retry of the write) and the index is eventually consistent. Items read
/// again are dropped by their `item_version` (here and in the dashboard).
pub const CHANGE_MARGIN: TimeDelta = TimeDelta::seconds(MAX_SIGNED_SKEW_SECONDS + 60);

/// The shard of a lifecycle id: FNV-1a of its bytes, modulo [`CHANGED_SHARDS`].
pub fn changed_shard(lifecycle_id: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in lifecycle_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash % CHANGED_SHARDS).to_string()
}

/// How many changed lifecycles one read hands over whole. A write to many
/// items (a migration, a mass retag) would otherwise bring every one of them
/// at once, for every read within [`CHANGE_MARGIN`] of it: measured at
/// 100 000, three such reads held 430-590 MiB. Past this many, only each
/// one's id and `item_version` are kept ([`Changes::beyond`]).
pub const CHANGES_HELD: usize = 1000;

/// The lifecycles written since a time.
#[derive(Debug, Clone)]
pub struct Changes {
    /// Each changed lifecycle once, at the newest version the read saw (at
    /// most [`CHANGES_HELD`]).
    pub lifecycles: Vec<Lifecycle>,
    /// The changed lifecycles past the first [`CHANGES_HELD`]: id and
    /// `item_version` only, for the reader to read again (or reload) the
    /// ones it does not hold at that version.
    pub beyond: Vec<(String, u64)>,
    /// Changed items that could not be read as lifecycles.
    pub skipped: Vec<SkippedItem>,
    /// The reader's clock when the read began: pass it as `since` next time.
    pub read_at: DateTime<Utc>,
}

/// What a changed-since read found.
#[derive(Debug, Clone)]
pub enum ChangedSince {
    /// The lifecycles written at or after `since` less [`CHANGE_MARGIN`].
    Changes(Changes),
    /// The table has no usable change index (a table made before it
    /// existed, or the index is still being built): read the whole table.
    NoIndex(String),
}

/// The sort-key bound for `since`: `YYYY-MM-DDTHH:MM:SS` of the second
/// that `since` less [`CHANGE_MARGIN`] falls in. Every stored `updated_at`
/// starts with those 19 characters (chrono's `...SS[.f]Z`, Step Functions'
/// `...SS.mmmZ`), so comparing strings against this prefix keeps every time
/// in or after that second, whatever fraction or zone suffix follows.
fn lower_bound(since: DateTime<Utc>) -> String {
    let from = since.checked_sub_signed(CHANGE_MARGIN).unwrap_or(since);
    from.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Store {
    /// Every lifecycle written at or after `since` (less [`CHANGE_MARGIN`]),
    /// from the change index: one Query per shard, page by page, the shards
    /// in parallel. `NoIndex` when the table has no active change index.
    pub async fn changed_since(&self, since: DateTime<Utc>) -> Result<ChangedSince, AwsError> {
        use futures::stream::{FuturesUnordered, StreamExt};
        let read_at = Utc::now();
        let bound = lower_bound(since);
        let started = std::time::Instant::now();
        let mut newest: HashMap<String, Lifecycle> = HashMap::new();
        let mut beyond: HashMap<String, u64> = HashMap::new();
        let mut skipped = Vec::new();
        let mut pending = FuturesUnordered::new();
        let next = |shard: String, start: Option<Item>| {
            let bound = bound.clone();
            async move {
                let page = self.changed_page(&shard, &bound, start).await;
                (shard, page)
            }
        };
        for shard in 0..CHANGED_SHARDS {
            pending.push(next(shard.to_string(), None));
        }
        let mut queries = 0_u32;
        while let Some((shard, page)) = pending.next().await {
            queries = queries.saturating_add(1);
            let (items, last_key) = match page {
                Ok(page) => page,
                Err(err) => return self.unless_no_index(err).await,
            };
            let mut whole = Vec::new();
            for item in items {
                // Past the records handed over whole, an item's id and
                // version are all that is kept: read from the item as it
                // came, not from a decoded record (a write to 100 000
                // items would decode every one of them).
                if newest.len() >= CHANGES_HELD
                    && let Some((id, version)) = id_and_version(&item)
                    && !newest.contains_key(id)
                {
                    let held = beyond.entry(id.to_string()).or_insert(0);
                    *held = (*held).max(version);
                    continue;
                }
                whole.push(item);
            }
            let page = super::scan::page_of(whole, last_key);
            skipped.extend(page.skipped);
            for lc in page.lifecycles {
                // An item written again while the shard was being paged
                // moves forward in the index and may be read twice.
                match newest.get(&lc.lifecycle_id) {
                    Some(held) if held.item_version >= lc.item_version => {}
                    Some(_) => {
                        newest.insert(lc.lifecycle_id.clone(), lc);
                    }
                    None if newest.len() < CHANGES_HELD
                        && !beyond.contains_key(&lc.lifecycle_id) =>
                    {
                        newest.insert(lc.lifecycle_id.clone(), lc);
                    }
                    None => {
                        let version = beyond.entry(lc.lifecycle_id.clone()).or_insert(0);
                        *version = (*version).max(lc.item_version);
                    }
                }
            }
            if let Some(start) = page.next {
                pending.push(next(shard, Some(start.0)));
            }
        }
        let mut lifecycles: Vec<Lifecycle> = newest.into_values().collect();
        lifecycles.sort_by(|a, b| a.lifecycle_id.cmp(&b.lifecycle_id));
        let mut beyond: Vec<(String, u64)> = beyond.into_iter().collect();
        beyond.sort_unstable();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            queries,
            changed = lifecycles.len() + beyond.len(),
            beyond = beyond.len(),
            %bound,
            "dynamodb changed-since read"
        );
        Ok(ChangedSince::Changes(Changes {
            lifecycles,
            beyond,
            skipped,
            read_at,
        }))
    }

    /// One page of one shard of the change index.
    async fn changed_page(
        &self,
        shard: &str,
        bound: &str,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), AwsError> {
        let table = &self.tables.lifecycles;
        let out = self
            .client
            .query()
            .table_name(table)
            .index_name(CHANGED_INDEX)
            .key_condition_expression("#shard = :shard AND updated_at >= :since")
            .expression_attribute_names("#shard", CHANGED_SHARD)
            .expression_attribute_values(":shard", AwsAttributeValue::S(shard.to_string()))
            .expression_attribute_values(":since", AwsAttributeValue::S(bound.to_string()))
            .set_exclusive_start_key(start)
            .limit(self.page_limit())
            .customize()
            .config_override(Self::page_config())
            .send()
            .await
            .map_err(|e| self.fail("Query", table, e))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// A Query on the index failed: `NoIndex` when the table has no active
    /// change index, the error otherwise. DynamoDB answers a missing or
    /// backfilling index with a ValidationException (moto with
    /// ResourceNotFoundException, read as a missing table), so the table's
    /// description decides.
    async fn unless_no_index(&self, err: AwsError) -> Result<ChangedSince, AwsError> {
        let maybe = err.code() == Some("ValidationException")
            || matches!(err, AwsError::Missing { kind: "table", .. });
        if !maybe {
            return Err(err);
        }
        match self.change_index_state().await? {
            Some(why) => Ok(ChangedSince::NoIndex(why)),
            None => Err(err),
        }
    }

    /// Why the change index cannot be read (`None` when it is active).
    pub async fn change_index_state(&self) -> Result<Option<String>, AwsError> {
        let table = &self.tables.lifecycles;
        let out = self
            .client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| self.fail("DescribeTable", table, e))?;
        let index = out.table().and_then(|t| {
            t.global_secondary_indexes()
                .iter()
                .find(|i| i.index_name() == Some(CHANGED_INDEX))
        });
        Ok(match index {
            None => Some(format!(
                "table {table} has no index {CHANGED_INDEX} (made before it existed)"
            )),
            Some(i) => match i.index_status() {
                None | Some(AwsIndexStatus::Active) => None,
                Some(status) => Some(format!(
                    "index {CHANGED_INDEX} of table {table} is {}",
                    status.as_str()
                )),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_second_a_margin_before_without_a_suffix() {
        let since = DateTime::parse_from_rfc3339("2026-11-30T00:00:30.750Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(lower_bound(since), "2026-11-29T23:54:30");
        // Stored forms in and after that second sort at or above it,
        // earlier seconds below, whatever their fraction or suffix.
        let bound = lower_bound(since);
        for kept in [
            "2026-11-29T23:54:30Z",
            "2026-11-29T23:54:30.001Z",
            "2026-11-29T23:54:30.123456789Z",
            "2026-11-30T00:00:00Z",
        ] {
            assert!(kept >= bound.as_str(), "{kept}");
        }
        for dropped in ["2026-11-29T23:54:29.999Z", "2026-11-29T23:54:29Z"] {
            assert!(dropped < bound.as_str(), "{dropped}");
        }
    }

    #[test]
    fn shards_are_stable_and_all_used() {
        // FNV-1a("a") = 0xe40c292c: pinned, a stored shard must not move.
        assert_eq!(changed_shard("a"), "0");
        assert_eq!(changed_shard("lc-1"), changed_shard("lc-1"));
        let shards: std::collections::BTreeSet<String> =
            (0..64).map(|n| changed_shard(&format!("lc-{n}"))).collect();
        let all: std::collections::BTreeSet<String> =
            (0..CHANGED_SHARDS).map(|n| n.to_string()).collect();
        assert_eq!(shards, all);
    }
}
