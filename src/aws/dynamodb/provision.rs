//! Creates amiboard's tables when they are missing, and says which it created
//! and which already existed. A table it creates gets what
//! deploy/amiboard.template.json gives its tables: on-demand billing, the
//! stack-tag index, the lifecycle table's change index ([`CHANGED_INDEX`]),
//! deletion protection and point-in-time recovery. A table that exists is
//! left as it is (an older lifecycle table without the change index stays
//! so: `amiboard doctor` says how to add it).

use aws_sdk_dynamodb::types::{
    AttributeDefinition as AwsAttributeDefinition, BillingMode as AwsBillingMode,
    GlobalSecondaryIndex as AwsGsi, KeySchemaElement as AwsKeySchemaElement, KeyType as AwsKeyType,
    Projection as AwsProjection, ProjectionType as AwsProjectionType,
    ScalarAttributeType as AwsScalarType, TableStatus as AwsTableStatus,
};

use super::{CHANGED_INDEX, CHANGED_SHARD, STACK_TAG_INDEX, Store};
use crate::aws::error::AwsError;

/// What provisioning did to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableStatus {
    Created(String),
    Existed(String),
}

/// The GSI on `stack_tag` a table has.
#[derive(Clone, Copy)]
enum Index<'a> {
    None,
    StackTag,
    StackTagSorted(&'a str),
}

struct TableSpec<'a> {
    name: &'a str,
    key: &'a str,
    index: Index<'a>,
    /// The change index (`changed_shard` + `updated_at`): the lifecycle table.
    changes: bool,
}

/// Creates the three tables if they are missing and waits until they are active.
pub async fn provision_tables(store: &Store) -> Result<Vec<TableStatus>, AwsError> {
    let tables = store.tables.clone();
    let specs = [
        TableSpec {
            name: &tables.lifecycles,
            key: "lifecycle_id",
            index: Index::StackTagSorted("updated_at"),
            changes: true,
        },
        TableSpec {
            name: &tables.semver_seeds,
            key: "stack_tag",
            index: Index::None,
            changes: false,
        },
        TableSpec {
            name: &tables.ami_lookup,
            key: "lookup_id",
            index: Index::StackTag,
            changes: false,
        },
    ];
    let mut report = Vec::new();
    for spec in specs {
        report.push(ensure_table(store, &spec).await?);
    }
    Ok(report)
}

fn key(name: &str, kind: AwsKeyType) -> Result<AwsKeySchemaElement, AwsError> {
    AwsKeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(build_error)
}

fn attr(name: &str) -> Result<AwsAttributeDefinition, AwsError> {
    AwsAttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(AwsScalarType::S)
        .build()
        .map_err(build_error)
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> AwsError {
    AwsError::Malformed {
        what: "table definition".to_string(),
        detail: e.to_string(),
    }
}

async fn ensure_table(store: &Store, spec: &TableSpec<'_>) -> Result<TableStatus, AwsError> {
    match store
        .client
        .describe_table()
        .table_name(spec.name)
        .send()
        .await
    {
        Ok(_) => return Ok(TableStatus::Existed(spec.name.to_string())),
        Err(e) => match store.fail("DescribeTable", spec.name, e) {
            AwsError::Missing { .. } => {}
            other => return Err(other),
        },
    }
    let mut request = store
        .client
        .create_table()
        .table_name(spec.name)
        .billing_mode(AwsBillingMode::PayPerRequest)
        .deletion_protection_enabled(true)
        .key_schema(key(spec.key, AwsKeyType::Hash)?)
        .attribute_definitions(attr(spec.key)?);
    if !matches!(spec.index, Index::None) {
        if spec.key != "stack_tag" {
            request = request.attribute_definitions(attr("stack_tag")?);
        }
        let mut index = AwsGsi::builder()
            .index_name(STACK_TAG_INDEX)
            .key_schema(key("stack_tag", AwsKeyType::Hash)?)
            .projection(
                AwsProjection::builder()
                    .projection_type(AwsProjectionType::All)
                    .build(),
            );
        if let Index::StackTagSorted(sort) = spec.index {
            request = request.attribute_definitions(attr(sort)?);
            index = index.key_schema(key(sort, AwsKeyType::Range)?);
        }
        request = request.global_secondary_indexes(index.build().map_err(build_error)?);
    }
    if spec.changes {
        request = request
            .attribute_definitions(attr(CHANGED_SHARD)?)
            .global_secondary_indexes(changes_index()?);
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) => {
            let err = store.fail("CreateTable", spec.name, e);
            // Someone else created it between our describe and create.
            if err.code() == Some("ResourceInUseException") {
                return Ok(TableStatus::Existed(spec.name.to_string()));
            }
            return Err(err);
        }
    }
    for _ in 0..60 {
        let out = store
            .client
            .describe_table()
            .table_name(spec.name)
            .send()
            .await
            .map_err(|e| store.fail("DescribeTable", spec.name, e))?;
        if out.table.and_then(|t| t.table_status) == Some(AwsTableStatus::Active) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    enable_point_in_time_recovery(store, spec.name).await?;
    Ok(TableStatus::Created(spec.name.to_string()))
}

/// The change index: partition `changed_shard`, sort `updated_at` (its
/// attribute definition comes with the stack-tag index), projection ALL.
fn changes_index() -> Result<AwsGsi, AwsError> {
    AwsGsi::builder()
        .index_name(CHANGED_INDEX)
        .key_schema(key(CHANGED_SHARD, AwsKeyType::Hash)?)
        .key_schema(key("updated_at", AwsKeyType::Range)?)
        .projection(
            AwsProjection::builder()
                .projection_type(AwsProjectionType::All)
                .build(),
        )
        .build()
        .map_err(build_error)
}

/// Turns on point-in-time recovery (35 days of restorable history), as the
/// template's `PointInTimeRecoverySpecification` does. An endpoint that does
/// not know the operation at all (`UnknownOperationException`: dynalite, the
/// local DynamoDB the 100 000-lifecycle benchmark uses) keeps the table
/// without it, with a warning in the log; DynamoDB itself always has it.
async fn enable_point_in_time_recovery(store: &Store, table: &str) -> Result<(), AwsError> {
    let spec = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .map_err(build_error)?;
    let sent = store
        .client
        .update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(spec)
        .send()
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = store.fail("UpdateContinuousBackups", table, e);
            if err.code() == Some("UnknownOperationException") {
                tracing::warn!(table, endpoint = %store.endpoint, "the DynamoDB endpoint has no point-in-time recovery: the table is left without it");
                return Ok(());
            }
            Err(err)
        }
    }
}
