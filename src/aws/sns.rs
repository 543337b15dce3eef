//! SNS: make sure amiboard's topics exist, and publish a message with String
//! message attributes.

use std::collections::BTreeMap;

use aws_sdk_sns::types::MessageAttributeValue as AwsMessageAttributeValue;

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// What provisioning did to one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicStatus {
    Created { name: String, arn: String },
    Existed { name: String, arn: String },
}

fn call<'a>(operation: &'static str, resource: &'a str) -> Call<'a> {
    Call {
        service: "SNS",
        operation,
        resource,
    }
}

/// Creates the topic `arn` names unless it exists (CreateTopic is idempotent;
/// GetTopicAttributes first tells created from existing).
pub async fn ensure_topic(
    clients: &Clients,
    name: &str,
    arn: &str,
) -> Result<TopicStatus, AwsError> {
    let exists = clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await;
    if exists.is_ok() {
        return Ok(TopicStatus::Existed {
            name: name.to_string(),
            arn: arn.to_string(),
        });
    }
    let out = clients
        .sns
        .create_topic()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("CreateTopic", name),
                &clients.endpoint_label_for("SNS"),
                e,
            )
        })?;
    Ok(TopicStatus::Created {
        name: name.to_string(),
        arn: out.topic_arn().unwrap_or(arn).to_string(),
    })
}

/// Publishes `message` on `topic_arn` with String attributes; returns the message id.
pub async fn publish(
    clients: &Clients,
    topic_arn: &str,
    subject: Option<&str>,
    message: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let started = std::time::Instant::now();
    let mut request = clients
        .sns
        .publish()
        .topic_arn(topic_arn)
        .message(message)
        .set_subject(subject.map(str::to_string));
    for (key, value) in attributes {
        let attribute = AwsMessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .map_err(|e| AwsError::Malformed {
                what: format!("message attribute {key}"),
                detail: e.to_string(),
            })?;
        request = request.message_attributes(key, attribute);
    }
    let out = request.send().await.map_err(|e| {
        classify(
            call("Publish", topic_arn),
            &clients.endpoint_label_for("SNS"),
            e,
        )
    })?;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis(), %topic_arn, "sns Publish");
    Ok(out.message_id().unwrap_or_default().to_string())
}

/// The ARN of a topic given as a name or an ARN: a plain name becomes an ARN
/// once the account and region are known.
pub fn topic_arn(name_or_arn: &str, region: &str, account: &str) -> String {
    if name_or_arn.starts_with("arn:") {
        name_or_arn.to_string()
    } else {
        format!("arn:aws:sns:{region}:{account}:{name_or_arn}")
    }
}

#[async_trait::async_trait]
impl super::ports::Publisher for Clients {
    async fn publish(
        &self,
        topic_arn: &str,
        subject: Option<&str>,
        message: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        publish(self, topic_arn, subject, message, attributes).await
    }
    async fn ensure_topic(&self, name: &str, arn: &str) -> Result<TopicStatus, AwsError> {
        ensure_topic(self, name, arn).await
    }
}
