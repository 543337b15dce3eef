//! The reference solution's tables, read only (its lifecycle-state table for
//! `import`, its semver seed table for the version floor), and the raise-only
//! update of amiboard's own version counter.

use aws_sdk_dynamodb::types::AttributeValue as AwsAttributeValue;

use super::{Item, SkippedItem, Store, now_attribute};
use crate::aws::error::AwsError;

/// Every item of a reference lifecycle table, as plain JSON, with the items
/// that could not be read as JSON.
#[derive(Debug, Clone, Default)]
pub struct ReferenceItems {
    pub items: Vec<serde_json::Value>,
    pub skipped: Vec<SkippedItem>,
}

impl Store {
    /// Reads a whole reference lifecycle table (Scan, every page, consistent).
    pub async fn reference_items(&self, table: &str) -> Result<ReferenceItems, AwsError> {
        let mut found = ReferenceItems::default();
        let mut start = None;
        loop {
            let started = std::time::Instant::now();
            let out = self
                .client
                .scan()
                .table_name(table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .customize()
                .config_override(Self::page_config())
                .send()
                .await
                .map_err(|e| self.fail("Scan", table, e))?;
            tracing::debug!(elapsed_ms = started.elapsed().as_millis(), %table, "dynamodb Scan (reference)");
            for item in out.items.unwrap_or_default() {
                let key = item
                    .get("lifecycle_id")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_else(|| "(no lifecycle_id)".to_string());
                match serde_dynamo::from_item::<Item, serde_json::Value>(item) {
                    Ok(value) => found.items.push(value),
                    Err(e) => found.skipped.push(SkippedItem {
                        key,
                        error: e.to_string(),
                    }),
                }
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(found);
            }
        }
    }

    /// The reference solution's seed of a stack tag (`ami_semver`: the
    /// version its next build receives); `None` when it has no item.
    pub async fn reference_seed(
        &self,
        table: &str,
        stack_tag: &str,
    ) -> Result<Option<String>, AwsError> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .key("stack_tag", AwsAttributeValue::S(stack_tag.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.fail("GetItem", table, e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        match item.get("ami_semver").map(AwsAttributeValue::as_s) {
            Some(Ok(semver)) => Ok(Some(semver.clone())),
            _ => Err(AwsError::Malformed {
                what: format!("reference semver seed of {stack_tag} in {table}"),
                detail: "ami_semver is missing or not a string".to_string(),
            }),
        }
    }

    /// Raises the stack tag's counter so the next MAJOR handed out is above
    /// `last_major`: one conditional SET that only ever raises it (never
    /// lowers, so with the atomic ADD no MAJOR is handed out twice).
    /// Returns whether it raised it.
    pub async fn raise_major(&self, stack_tag: &str, last_major: u64) -> Result<bool, AwsError> {
        self.set_last_major(
            stack_tag,
            last_major,
            "attribute_not_exists(last_major) OR last_major < :m",
            None,
        )
        .await
    }

    /// Gives back a MAJOR whose lifecycle could not be written: sets the
    /// counter back to `major - 1` only while it still holds `major` (nobody
    /// reserved after it, so nobody can hold `major`). Returns whether it did;
    /// otherwise the number stays skipped, which costs nothing.
    pub async fn release_major(&self, stack_tag: &str, major: u64) -> Result<bool, AwsError> {
        let Some(before) = major.checked_sub(1) else {
            return Ok(false);
        };
        self.set_last_major(stack_tag, before, "last_major = :mine", Some(major))
            .await
    }

    /// Sets the stack tag's counter to `value` when `condition` holds
    /// (`:m` is `value`, `:mine` is `mine`); whether it did. A condition
    /// that does not hold is no error: the counter is already past it.
    async fn set_last_major(
        &self,
        stack_tag: &str,
        value: u64,
        condition: &str,
        mine: Option<u64>,
    ) -> Result<bool, AwsError> {
        let table = &self.tables.semver_seeds;
        let mut request = self
            .client
            .update_item()
            .table_name(table)
            .key("stack_tag", AwsAttributeValue::S(stack_tag.to_string()))
            .update_expression("SET last_major = :m, updated_at = :now")
            .condition_expression(condition)
            .expression_attribute_values(":m", AwsAttributeValue::N(value.to_string()))
            .expression_attribute_values(":now", now_attribute());
        if let Some(mine) = mine {
            request = request
                .expression_attribute_values(":mine", AwsAttributeValue::N(mine.to_string()));
        }
        let result = request.send().await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match self.fail("UpdateItem", table, e) {
                AwsError::Conflict { .. } => Ok(false),
                other => Err(other),
            },
        }
    }
}
