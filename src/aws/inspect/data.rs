//! Where amiboard keeps and sends data: tables (keys, indexes, point-in-time
//! recovery), topics (their policy) and buckets (public access, encryption).

use aws_sdk_dynamodb::types::KeySchemaElement as AwsKeySchemaElement;
use aws_sdk_dynamodb::types::KeyType as AwsKeyType;
use aws_sdk_dynamodb::types::PointInTimeRecoveryStatus as AwsPitrStatus;

use super::{
    BucketShape, IndexShape, Inspector, KeyShape, TableShape, TopicShape, absent_or, is_absent,
};
use crate::aws::error::AwsError;

fn key(schema: &[AwsKeySchemaElement]) -> KeyShape {
    let find = |kind: &AwsKeyType| {
        schema
            .iter()
            .find(|k| k.key_type() == kind)
            .map(|k| k.attribute_name().to_string())
    };
    KeyShape {
        hash: find(&AwsKeyType::Hash).unwrap_or_default(),
        range: find(&AwsKeyType::Range),
    }
}

pub(super) async fn table(ins: &Inspector, name: &str) -> Result<Option<TableShape>, AwsError> {
    let dynamodb = &ins.clients.dynamodb;
    let out = match dynamodb.describe_table().table_name(name).send().await {
        Ok(out) => out,
        Err(e) => return absent_or(ins.fail("DynamoDB", "DescribeTable", name, e)),
    };
    let Some(table) = out.table() else {
        return Ok(None);
    };
    let point_in_time_recovery = match dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            == Some(&AwsPitrStatus::Enabled)),
        Err(e) => Err(ins
            .fail("DynamoDB", "DescribeContinuousBackups", name, e)
            .to_string()),
    };
    Ok(Some(TableShape {
        name: name.to_string(),
        key: key(table.key_schema()),
        indexes: table
            .global_secondary_indexes()
            .iter()
            .map(|i| IndexShape {
                name: i.index_name().unwrap_or_default().to_string(),
                key: key(i.key_schema()),
            })
            .collect(),
        deletion_protection: table.deletion_protection_enabled().unwrap_or(false),
        point_in_time_recovery,
    }))
}

pub(super) async fn topic(ins: &Inspector, arn: &str) -> Result<Option<TopicShape>, AwsError> {
    match ins
        .clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(TopicShape {
            arn: arn.to_string(),
            policy: out.attributes().and_then(|a| a.get("Policy")).cloned(),
        })),
        Err(e) => absent_or(ins.fail("SNS", "GetTopicAttributes", arn, e)),
    }
}

pub(super) async fn bucket(ins: &Inspector, name: &str) -> Result<Option<BucketShape>, AwsError> {
    let s3 = &ins.clients.s3;
    if let Err(e) = s3.head_bucket().bucket(name).send().await {
        return absent_or(ins.fail("S3", "HeadBucket", name, e));
    }
    let public_access_blocked = match s3.get_public_access_block().bucket(name).send().await {
        Ok(out) => Ok(out.public_access_block_configuration().is_some_and(|c| {
            c.block_public_acls() == Some(true)
                && c.ignore_public_acls() == Some(true)
                && c.block_public_policy() == Some(true)
                && c.restrict_public_buckets() == Some(true)
        })),
        Err(e) => {
            let err = ins.fail("S3", "GetPublicAccessBlock", name, e);
            if err.code() == Some("NoSuchPublicAccessBlockConfiguration") || is_absent(&err) {
                Ok(false)
            } else {
                Err(err.to_string())
            }
        }
    };
    let encrypted = match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => Ok(out
            .server_side_encryption_configuration()
            .is_some_and(|c| !c.rules().is_empty())),
        Err(e) => {
            let err = ins.fail("S3", "GetBucketEncryption", name, e);
            if err.code() == Some("ServerSideEncryptionConfigurationNotFoundError") {
                Ok(false)
            } else {
                Err(err.to_string())
            }
        }
    };
    Ok(Some(BucketShape {
        name: name.to_string(),
        public_access_blocked,
        encrypted,
    }))
}
