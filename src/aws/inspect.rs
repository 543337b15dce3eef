//! Read-only inspection of a deployment for `amiboard doctor`: what a table,
//! a topic, the EventBridge rule, a role, a pipeline or a bucket looks like,
//! as plain structs behind the [`Inspect`] port, and whether the caller may
//! make a call (IAM's policy simulator). Nothing here changes the account.
//!
//! Every method answers `Ok(None)` when the resource does not exist, an
//! [`AwsError`] when it cannot tell (denied, not at this endpoint, down).

mod data;
mod wiring;

use async_trait::async_trait;

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// One key of a table or an index: the hash key and the optional range key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyShape {
    pub hash: String,
    pub range: Option<String>,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexShape {
    pub name: String,
    pub key: KeyShape,
}

/// What DescribeTable and DescribeContinuousBackups say about a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    pub name: String,
    pub key: KeyShape,
    pub indexes: Vec<IndexShape>,
    pub deletion_protection: bool,
    /// Point-in-time recovery; `Err` says why it could not be read.
    pub point_in_time_recovery: Result<bool, String>,
}

/// A topic and its access policy (the JSON document, when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicShape {
    pub arn: String,
    pub policy: Option<String>,
}

/// An EventBridge rule: its pattern, whether it is enabled, its targets' ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleShape {
    pub name: String,
    pub event_pattern: Option<String>,
    pub enabled: bool,
    pub targets: Vec<String>,
}

/// A role: its ARN and its trust policy (the JSON document, decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleShape {
    pub arn: String,
    pub trust_policy: Option<String>,
}

/// An instance profile and the roles in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileShape {
    pub name: String,
    pub roles: Vec<String>,
}

/// An Image Builder pipeline: scanning, status, and where its
/// infrastructure configuration sends notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineShape {
    pub arn: String,
    pub enabled: bool,
    pub scanning: bool,
    pub infrastructure_arn: Option<String>,
    /// The infrastructure configuration's SNS topic: `Ok(None)` when it has
    /// none, `Err` with why it could not be read.
    pub topic: Result<Option<String>, String>,
    /// The regions its distribution configuration distributes to: `Ok(None)`
    /// when the pipeline has no distribution configuration (the image stays
    /// in the pipeline's region), `Err` with why it could not be read.
    pub distribution_regions: Result<Option<Vec<String>>, String>,
}

/// A bucket: it exists; how it is protected, where that could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketShape {
    pub name: String,
    /// All four public access block settings on; `Err` with why not known.
    pub public_access_blocked: Result<bool, String>,
    /// Default encryption configured; `Err` with why not known.
    pub encrypted: Result<bool, String>,
}

/// The policy simulator's answer for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub action: String,
    pub allowed: bool,
}

/// What `doctor` reads, each call read-only.
#[async_trait]
pub trait Inspect: Send + Sync {
    /// DescribeTable and DescribeContinuousBackups.
    async fn table(&self, name: &str) -> Result<Option<TableShape>, AwsError>;
    /// GetTopicAttributes.
    async fn topic(&self, arn: &str) -> Result<Option<TopicShape>, AwsError>;
    /// DescribeRule and ListTargetsByRule.
    async fn rule(&self, name: &str) -> Result<Option<RuleShape>, AwsError>;
    /// GetRole: the role's ARN and trust policy.
    async fn role(&self, name: &str) -> Result<Option<RoleShape>, AwsError>;
    /// ListAttachedRolePolicies: the ARNs of the role's managed policies.
    async fn attached_policies(&self, role: &str) -> Result<Option<Vec<String>>, AwsError>;
    /// GetInstanceProfile.
    async fn instance_profile(&self, name: &str) -> Result<Option<InstanceProfileShape>, AwsError>;
    /// GetImagePipeline, its GetInfrastructureConfiguration and
    /// GetDistributionConfiguration.
    async fn pipeline(&self, arn: &str) -> Result<Option<PipelineShape>, AwsError>;
    /// HeadBucket, GetPublicAccessBlock and GetBucketEncryption.
    async fn bucket(&self, name: &str) -> Result<Option<BucketShape>, AwsError>;
    /// SimulatePrincipalPolicy: may `principal_arn` make each action on `resource`?
    async fn simulate(
        &self,
        principal_arn: &str,
        actions: &[String],
        resource: &str,
    ) -> Result<Vec<Permission>, AwsError>;
}

/// The SDK-backed inspector.
#[derive(Debug, Clone)]
pub struct Inspector {
    clients: Clients,
    endpoint: String,
}

impl Inspector {
    pub fn new(clients: &Clients) -> Self {
        Inspector {
            clients: clients.clone(),
            endpoint: clients.endpoint_label(),
        }
    }

    /// Classifies an SDK error of `service` `operation` on `resource`.
    fn fail<E, R>(
        &self,
        service: &'static str,
        operation: &'static str,
        resource: &str,
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
        let call = Call {
            service,
            operation,
            resource,
        };
        let err = classify(call, &self.endpoint, err);
        tracing::debug!(error = %err, "doctor read");
        err
    }
}

/// Whether an error means "there is no such resource".
fn is_absent(err: &AwsError) -> bool {
    err.is_missing_resource()
        || matches!(
            err.code(),
            Some("NoSuchEntity" | "NoSuchBucket" | "404" | "ResourceNotFound")
        )
}

/// `Ok(None)` for an absent resource, the error otherwise.
fn absent_or<T>(err: AwsError) -> Result<Option<T>, AwsError> {
    if is_absent(&err) { Ok(None) } else { Err(err) }
}

#[async_trait]
impl Inspect for Inspector {
    async fn table(&self, name: &str) -> Result<Option<TableShape>, AwsError> {
        data::table(self, name).await
    }
    async fn topic(&self, arn: &str) -> Result<Option<TopicShape>, AwsError> {
        data::topic(self, arn).await
    }
    async fn rule(&self, name: &str) -> Result<Option<RuleShape>, AwsError> {
        wiring::rule(self, name).await
    }
    async fn role(&self, name: &str) -> Result<Option<RoleShape>, AwsError> {
        wiring::role(self, name).await
    }
    async fn attached_policies(&self, role: &str) -> Result<Option<Vec<String>>, AwsError> {
        wiring::attached_policies(self, role).await
    }
    async fn instance_profile(&self, name: &str) -> Result<Option<InstanceProfileShape>, AwsError> {
        wiring::instance_profile(self, name).await
    }
    async fn pipeline(&self, arn: &str) -> Result<Option<PipelineShape>, AwsError> {
        wiring::pipeline(self, arn).await
    }
    async fn bucket(&self, name: &str) -> Result<Option<BucketShape>, AwsError> {
        data::bucket(self, name).await
    }
    async fn simulate(
        &self,
        principal_arn: &str,
        actions: &[String],
        resource: &str,
    ) -> Result<Vec<Permission>, AwsError> {
        wiring::simulate(self, principal_arn, actions, resource).await
    }
}
