//! The AMI lookup table: upserts that only ever raise a row's score, and the
//! paginated query AMI selection reads.

use aws_sdk_dynamodb::types::AttributeValue as AwsAttributeValue;

use super::{Item, STACK_TAG_INDEX, Store};
use crate::aws::error::AwsError;
use crate::lifecycle::lookup::LookupRow;

impl Store {
    /// Upserts rows; a row whose stored score is higher is left as it is, so a
    /// late or repeated message can never lower an AMI's stage.
    ///
    /// An AMI that already has a row under another `lookup_id` (one the
    /// reference solution wrote, with its random id, for an imported
    /// lifecycle) is written into that row, never into a second one beside it.
    pub async fn upsert_lookup_rows(&self, rows: &[LookupRow]) -> Result<(), AwsError> {
        let table = self.tables.ami_lookup.clone();
        let rows = self.onto_existing_rows(rows).await?;
        for row in &rows {
            let item: Item = serde_dynamo::to_item(row).map_err(|e| AwsError::Malformed {
                what: format!("lookup row {}", row.lookup_id),
                detail: e.to_string(),
            })?;
            let result = self
                .client
                .put_item()
                .table_name(&table)
                .set_item(Some(item))
                .condition_expression(
                    "attribute_not_exists(lookup_id) OR lifecycle_score <= :score",
                )
                .expression_attribute_values(
                    ":score",
                    AwsAttributeValue::N(row.lifecycle_score.to_string()),
                )
                .send()
                .await;
            match result {
                Ok(_) => {}
                Err(e) => match self.fail("PutItem", &table, e) {
                    // A higher score is already stored: nothing to do.
                    AwsError::Conflict { .. } => {}
                    other => return Err(other),
                },
            }
        }
        Ok(())
    }

    /// The rows with the `lookup_id` of the row each AMI (id and region)
    /// already has in its stack tag, when that is not amiboard's own.
    async fn onto_existing_rows(&self, rows: &[LookupRow]) -> Result<Vec<LookupRow>, AwsError> {
        use std::collections::{BTreeSet, HashMap};
        let tags: BTreeSet<&str> = rows.iter().map(|r| r.stack_tag.as_str()).collect();
        let mut held: HashMap<(String, String), Vec<String>> = HashMap::new();
        for tag in tags {
            for row in self.lookup_rows(tag).await? {
                held.entry((row.ami_id, row.aws_region))
                    .or_default()
                    .push(row.lookup_id);
            }
        }
        Ok(rows
            .iter()
            .map(|row| {
                let mut row = row.clone();
                if let Some(ids) = held.get(&(row.ami_id.clone(), row.aws_region.clone()))
                    && !ids.contains(&row.lookup_id)
                    && let Some(first) = ids.iter().min()
                {
                    row.lookup_id.clone_from(first);
                }
                row
            })
            .collect())
    }

    /// Every lookup row of a stack tag (Query on the stack-tag index, to the end).
    pub async fn lookup_rows(&self, stack_tag: &str) -> Result<Vec<LookupRow>, AwsError> {
        let table = self.tables.ami_lookup.clone();
        let mut rows = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&table)
                .index_name(STACK_TAG_INDEX)
                .key_condition_expression("stack_tag = :tag")
                .expression_attribute_values(":tag", AwsAttributeValue::S(stack_tag.to_string()))
                .set_exclusive_start_key(start)
                .customize()
                .config_override(Self::page_config())
                .send()
                .await
                .map_err(|e| self.fail("Query", &table, e))?;
            for item in out.items.unwrap_or_default() {
                let key = item
                    .get("lookup_id")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                match serde_dynamo::from_item::<_, LookupRow>(item) {
                    Ok(row) => rows.push(row),
                    Err(e) => tracing::warn!(%key, error = %e, "skipped a malformed lookup row"),
                }
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                break;
            }
        }
        Ok(rows)
    }

    /// Writes lookup rows unconditionally in batches (demo data only).
    pub async fn batch_put_lookup_rows(&self, rows: &[LookupRow]) -> Result<(), AwsError> {
        let items = rows
            .iter()
            .map(|row| {
                serde_dynamo::to_item(row).map_err(|e| AwsError::Malformed {
                    what: format!("lookup row {}", row.lookup_id),
                    detail: e.to_string(),
                })
            })
            .collect::<Result<Vec<Item>, _>>()?;
        let table = self.tables.ami_lookup.clone();
        self.batch_put(&table, items).await
    }
}
