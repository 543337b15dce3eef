//! SNS for the notification stream: which configured topics exist, and the
//! queue subscriptions amiboard makes, lists and removes. Only this file
//! names SNS SDK types for subscriptions.

use std::collections::BTreeMap;
use std::time::Instant;

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// One SNS subscription, as `ListSubscriptions` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub arn: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

fn call<'a>(operation: &'static str, resource: &'a str) -> Call<'a> {
    Call {
        service: "SNS",
        operation,
        resource,
    }
}

fn logged(operation: &'static str, started: Instant) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "sns {operation}"
    );
}

/// Whether a topic exists (and the caller may read it).
pub async fn topic_exists(clients: &Clients, topic_arn: &str) -> Result<bool, AwsError> {
    let started = Instant::now();
    let result = clients
        .sns
        .get_topic_attributes()
        .topic_arn(topic_arn)
        .send()
        .await;
    logged("GetTopicAttributes", started);
    match result {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = classify(
                call("GetTopicAttributes", topic_arn),
                &clients.endpoint_label_for("SNS"),
                e,
            );
            if err.is_missing_resource() {
                Ok(false)
            } else {
                Err(err)
            }
        }
    }
}

/// Subscribes an SQS queue to a topic, keeping the SNS envelope (raw
/// delivery off), with an optional filter policy on message attributes.
/// Returns the subscription ARN.
pub async fn subscribe_queue(
    clients: &Clients,
    topic_arn: &str,
    queue_arn: &str,
    filter_policy: Option<&str>,
) -> Result<String, AwsError> {
    let started = Instant::now();
    let mut request = clients
        .sns
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .return_subscription_arn(true)
        .attributes("RawMessageDelivery", "false");
    if let Some(policy) = filter_policy {
        request = request
            .attributes("FilterPolicy", policy)
            .attributes("FilterPolicyScope", "MessageAttributes");
    }
    let out = request.send().await.map_err(|e| {
        classify(
            call("Subscribe", topic_arn),
            &clients.endpoint_label_for("SNS"),
            e,
        )
    })?;
    logged("Subscribe", started);
    Ok(out.subscription_arn().unwrap_or_default().to_string())
}

/// Removes a subscription; one that is already gone counts as removed.
pub async fn unsubscribe(clients: &Clients, subscription_arn: &str) -> Result<(), AwsError> {
    let started = Instant::now();
    let result = clients
        .sns
        .unsubscribe()
        .subscription_arn(subscription_arn)
        .send()
        .await;
    logged("Unsubscribe", started);
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = classify(
                call("Unsubscribe", subscription_arn),
                &clients.endpoint_label_for("SNS"),
                e,
            );
            if err.is_missing_resource() {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// Every subscription in the account and region whose endpoint satisfies `keep`.
pub async fn subscriptions_where(
    clients: &Clients,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<Subscription>, AwsError> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let started = Instant::now();
        let out = clients
            .sns
            .list_subscriptions()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                classify(
                    call("ListSubscriptions", "subscriptions"),
                    &clients.endpoint_label_for("SNS"),
                    e,
                )
            })?;
        logged("ListSubscriptions", started);
        for sub in out.subscriptions() {
            let endpoint = sub.endpoint().unwrap_or_default();
            if keep(endpoint) {
                found.push(Subscription {
                    arn: sub.subscription_arn().unwrap_or_default().to_string(),
                    topic_arn: sub.topic_arn().unwrap_or_default().to_string(),
                    protocol: sub.protocol().unwrap_or_default().to_string(),
                    endpoint: endpoint.to_string(),
                });
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(found)
}

/// A subscription's attributes (`RawMessageDelivery`, `FilterPolicy`, …).
pub async fn subscription_attributes(
    clients: &Clients,
    subscription_arn: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let started = Instant::now();
    let out = clients
        .sns
        .get_subscription_attributes()
        .subscription_arn(subscription_arn)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("GetSubscriptionAttributes", subscription_arn),
                &clients.endpoint_label_for("SNS"),
                e,
            )
        })?;
    logged("GetSubscriptionAttributes", started);
    Ok(out
        .attributes()
        .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}
