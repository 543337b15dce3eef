//! SQS for the notification stream: the temporary queue amiboard creates,
//! long-polls and deletes, and the listing `cleanup` reads. Only this file
//! names SQS SDK types.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry as AwsDeleteEntry, QueueAttributeName as AwsQueueAttribute,
};

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// How long one receive call waits for a message. It stays under the
/// client's 8 s attempt and 9 s operation timeouts, so no per-call override
/// is needed, and a dead endpoint is still noticed within seconds.
pub const LONG_POLL: Duration = Duration::from_secs(5);

/// How long a received message stays invisible before SQS redelivers it.
const VISIBILITY_SECONDS: i32 = 30;

/// A queue amiboard created: its URL and ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub url: String,
    pub arn: String,
}

impl Queue {
    /// The queue's name: the last part of its URL.
    pub fn name(&self) -> &str {
        self.url.rsplit('/').next().unwrap_or(&self.url)
    }
}

/// One received message, not yet deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
}

fn call<'a>(operation: &'static str, resource: &'a str) -> Call<'a> {
    Call {
        service: "SQS",
        operation,
        resource,
    }
}

fn logged(operation: &'static str, started: Instant) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "sqs {operation}"
    );
}

/// Creates a queue with server-side encryption, `retention` and `tags`.
pub async fn create_queue(
    clients: &Clients,
    name: &str,
    retention: Duration,
    tags: &BTreeMap<String, String>,
) -> Result<Queue, AwsError> {
    let started = Instant::now();
    let mut request = clients
        .sqs
        .create_queue()
        .queue_name(name)
        .attributes(
            AwsQueueAttribute::MessageRetentionPeriod,
            retention.as_secs().to_string(),
        )
        .attributes(AwsQueueAttribute::SqsManagedSseEnabled, "true");
    for (key, value) in tags {
        request = request.tags(key, value);
    }
    let out = request.send().await.map_err(|e| {
        classify(
            call("CreateQueue", name),
            &clients.endpoint_label_for("SQS"),
            e,
        )
    })?;
    logged("CreateQueue", started);
    let url = out.queue_url().unwrap_or_default().to_string();
    let arn = attribute(clients, &url, "QueueArn")
        .await?
        .unwrap_or_default();
    Ok(Queue { url, arn })
}

/// Every attribute of a queue, by name (`Policy`, `QueueArn`, `CreatedTimestamp`, …).
pub async fn attributes(
    clients: &Clients,
    url: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let started = Instant::now();
    let out = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(AwsQueueAttribute::All)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("GetQueueAttributes", url),
                &clients.endpoint_label_for("SQS"),
                e,
            )
        })?;
    logged("GetQueueAttributes", started);
    Ok(out
        .attributes()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default())
}

async fn attribute(clients: &Clients, url: &str, name: &str) -> Result<Option<String>, AwsError> {
    Ok(attributes(clients, url).await?.remove(name))
}

/// Sets the queue's access policy (a JSON document).
pub async fn set_policy(clients: &Clients, url: &str, policy: &str) -> Result<(), AwsError> {
    let started = Instant::now();
    clients
        .sqs
        .set_queue_attributes()
        .queue_url(url)
        .attributes(AwsQueueAttribute::Policy, policy)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("SetQueueAttributes", url),
                &clients.endpoint_label_for("SQS"),
                e,
            )
        })?;
    logged("SetQueueAttributes", started);
    Ok(())
}

/// Long-polls for up to ten messages, waiting at most [`LONG_POLL`].
pub async fn receive(clients: &Clients, url: &str) -> Result<Vec<Received>, AwsError> {
    let started = Instant::now();
    let wait = i32::try_from(LONG_POLL.as_secs()).unwrap_or(5);
    let out = clients
        .sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait)
        .visibility_timeout(VISIBILITY_SECONDS)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("ReceiveMessage", url),
                &clients.endpoint_label_for("SQS"),
                e,
            )
        })?;
    logged("ReceiveMessage", started);
    Ok(out
        .messages()
        .iter()
        .map(|m| Received {
            message_id: m.message_id().unwrap_or_default().to_string(),
            receipt_handle: m.receipt_handle().unwrap_or_default().to_string(),
            body: m.body().unwrap_or_default().to_string(),
        })
        .collect())
}

/// Deletes handled messages by receipt handle (at most ten per call).
pub async fn delete_messages(
    clients: &Clients,
    url: &str,
    receipts: &[String],
) -> Result<(), AwsError> {
    for chunk in receipts.chunks(10) {
        let started = Instant::now();
        let mut entries = Vec::with_capacity(chunk.len());
        for (i, receipt) in chunk.iter().enumerate() {
            let entry = AwsDeleteEntry::builder()
                .id(format!("m{i}"))
                .receipt_handle(receipt)
                .build()
                .map_err(|e| AwsError::Malformed {
                    what: "SQS delete entry".to_string(),
                    detail: e.to_string(),
                })?;
            entries.push(entry);
        }
        let out = clients
            .sqs
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| {
                classify(
                    call("DeleteMessageBatch", url),
                    &clients.endpoint_label_for("SQS"),
                    e,
                )
            })?;
        logged("DeleteMessageBatch", started);
        if let Some(failed) = out.failed().first() {
            tracing::warn!(
                queue = url,
                code = failed.code(),
                "a message was not deleted"
            );
        }
    }
    Ok(())
}

/// Deletes a queue; one that is already gone counts as deleted.
pub async fn delete_queue(clients: &Clients, url: &str) -> Result<(), AwsError> {
    let started = Instant::now();
    let result = clients.sqs.delete_queue().queue_url(url).send().await;
    logged("DeleteQueue", started);
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = classify(
                call("DeleteQueue", url),
                &clients.endpoint_label_for("SQS"),
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

/// The URLs of every queue whose name starts with `prefix`.
pub async fn list_queues(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut urls = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let started = Instant::now();
        let out = clients
            .sqs
            .list_queues()
            .queue_name_prefix(prefix)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                classify(
                    call("ListQueues", prefix),
                    &clients.endpoint_label_for("SQS"),
                    e,
                )
            })?;
        logged("ListQueues", started);
        urls.extend(out.queue_urls().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(urls)
}

/// A queue's tags.
pub async fn tags(clients: &Clients, url: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let started = Instant::now();
    let out = clients
        .sqs
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .map_err(|e| {
            classify(
                call("ListQueueTags", url),
                &clients.endpoint_label_for("SQS"),
                e,
            )
        })?;
    logged("ListQueueTags", started);
    Ok(out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

/// Sets one tag (the stream's heartbeat).
pub async fn tag(clients: &Clients, url: &str, key: &str, value: &str) -> Result<(), AwsError> {
    let started = Instant::now();
    clients
        .sqs
        .tag_queue()
        .queue_url(url)
        .tags(key, value)
        .send()
        .await
        .map_err(|e| classify(call("TagQueue", url), &clients.endpoint_label_for("SQS"), e))?;
    logged("TagQueue", started);
    Ok(())
}

/// Whether a queue of this name exists (GetQueueUrl; unlike ListQueues it
/// sees a queue created a moment ago).
pub async fn queue_exists(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    let started = Instant::now();
    let result = clients.sqs.get_queue_url().queue_name(name).send().await;
    logged("GetQueueUrl", started);
    match result {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = classify(
                call("GetQueueUrl", name),
                &clients.endpoint_label_for("SQS"),
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
