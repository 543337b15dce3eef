//! The temporary subscription behind live notifications: an encrypted,
//! short-lived SQS queue that only the configured topics may send to,
//! subscribed to each of them; and the search for the ones a killed
//! amiboard left behind (see `docs/notifications.md`).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::client::Clients;
use super::error::AwsError;
use super::sns::topic_arn;
use super::sns_subscribe::{self, Subscription};
use super::sqs::{self, Queue};
use super::sts::Identity;

/// How long SQS keeps a message nobody read.
pub const RETENTION: Duration = Duration::from_hours(1);

/// How often a running stream refreshes its queue's `heartbeat` tag, so
/// `cleanup` on another host does not take a long-lived queue for stale.
pub const HEARTBEAT: Duration = Duration::from_mins(5);

/// Tag keys on the queue.
pub const TAG_ROLE: &str = "amiboard:role";
pub const ROLE: &str = "notification-stream";
pub const TAG_CREATOR: &str = "creator";
pub const TAG_HOST: &str = "host";
pub const TAG_PID: &str = "pid";
pub const TAG_CREATED_AT: &str = "created_at";
pub const TAG_HEARTBEAT: &str = "heartbeat";

/// A subscribed queue, open until [`close`]d.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempSubscription {
    pub queue: Queue,
    /// The subscription ARNs, one per subscribed topic.
    pub subscriptions: Vec<String>,
    /// The topic ARNs subscribed to.
    pub topics: Vec<String>,
    /// Configured topics that do not exist (yet).
    pub missing: Vec<String>,
}

/// The name prefix of every stream queue for an amiboard prefix (SQS names
/// allow letters, digits, `-` and `_` only).
pub fn queue_prefix(prefix: &str) -> String {
    format!("{}watch-", safe_name(prefix))
}

fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// This machine's name, for tags (Linux: the kernel's hostname).
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".to_string())
}

/// What the temporary subscription needs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// amiboard's resource prefix; queues are named `<prefix>watch-...`.
    pub prefix: String,
    /// Topic names or ARNs to subscribe: the lifecycle topic first, then
    /// the service topics when configured.
    pub topics: Vec<String>,
    /// When `cleanup` may treat a leftover queue as stale.
    pub stale_after: Duration,
}

/// The topic ARNs to subscribe, in the order of [`QueueSettings::topics`].
pub fn topic_arns(settings: &QueueSettings, identity: &Identity, region: &str) -> Vec<String> {
    settings
        .topics
        .iter()
        .map(|n| topic_arn(n, region, &identity.account))
        .collect()
}

/// The queue policy: only SNS, and only from the given topics, may send.
pub fn queue_policy(queue_arn: &str, topic_arns: &[String]) -> String {
    json!({
        "Version": "2012-10-17",
        "Id": format!("{queue_arn}/amiboard-topics-only"),
        "Statement": [{
            "Sid": "ConfiguredTopicsOnly",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arns}}
        }]
    })
    .to_string()
}

/// The filter policy for `--stack-tag`, on the `stack_tag` attribute.
pub fn stack_tag_filter(stack_tag: &str) -> String {
    json!({ "stack_tag": [stack_tag] }).to_string()
}

/// Creates the queue, its policy and one subscription per existing topic.
/// The `stack_tag` filter applies to the lifecycle topic (the first), whose
/// messages carry that attribute; service messages carry none. On failure
/// whatever was created is removed again. No existing topic is
/// [`AwsError::Missing`].
pub async fn open(
    clients: &Clients,
    config: &QueueSettings,
    identity: &Identity,
    stack_tag: Option<&str>,
) -> Result<TempSubscription, AwsError> {
    let all = topic_arns(config, identity, &clients.target.region);
    let mut topics = Vec::new();
    let mut missing = Vec::new();
    for arn in all {
        if sns_subscribe::topic_exists(clients, &arn).await? {
            topics.push(arn);
        } else {
            missing.push(arn);
        }
    }
    if topics.is_empty() {
        return Err(AwsError::Missing {
            kind: "notification topic",
            name: missing.join(", "),
        });
    }
    let pid = std::process::id();
    let host = host_name();
    let random = uuid::Uuid::new_v4().simple().to_string();
    let mut name = format!(
        "{}{}-{pid}-{}",
        queue_prefix(&config.prefix),
        safe_name(&host),
        &random[..6]
    );
    if name.len() > 80 {
        // Keep the unique tail; the tags still say everything.
        name = format!("{}{pid}-{}", queue_prefix(&config.prefix), &random[..12]);
        name.truncate(80);
    }
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let tags = BTreeMap::from([
        (TAG_ROLE.to_string(), ROLE.to_string()),
        (TAG_CREATOR.to_string(), identity.arn.clone()),
        (TAG_HOST.to_string(), host),
        (TAG_PID.to_string(), pid.to_string()),
        (TAG_CREATED_AT.to_string(), now.clone()),
        (TAG_HEARTBEAT.to_string(), now),
    ]);
    let queue = sqs::create_queue(clients, &name, RETENTION, &tags).await?;
    let mut opened = TempSubscription {
        queue,
        subscriptions: Vec::new(),
        topics: Vec::new(),
        missing,
    };
    match subscribe_all(clients, &mut opened, &topics, stack_tag).await {
        Ok(()) => Ok(opened),
        Err(err) => {
            if let Err(cleanup) = close(clients, &opened).await {
                tracing::warn!(error = %cleanup, "could not remove a half-made subscription");
            }
            Err(err)
        }
    }
}

async fn subscribe_all(
    clients: &Clients,
    opened: &mut TempSubscription,
    topics: &[String],
    stack_tag: Option<&str>,
) -> Result<(), AwsError> {
    let policy = queue_policy(&opened.queue.arn, topics);
    sqs::set_policy(clients, &opened.queue.url, &policy).await?;
    let filter = stack_tag.map(stack_tag_filter);
    for (i, topic) in topics.iter().enumerate() {
        let filter = if i == 0 { filter.as_deref() } else { None };
        let arn = sns_subscribe::subscribe_queue(clients, topic, &opened.queue.arn, filter).await?;
        opened.subscriptions.push(arn);
        opened.topics.push(topic.clone());
    }
    Ok(())
}

/// Unsubscribes and deletes the queue. Tries every step; reports the first error.
pub async fn close(clients: &Clients, opened: &TempSubscription) -> Result<(), AwsError> {
    let mut first_error = None;
    for arn in &opened.subscriptions {
        if let Err(err) = sns_subscribe::unsubscribe(clients, arn).await {
            first_error.get_or_insert(err);
        }
    }
    if let Err(err) = sqs::delete_queue(clients, &opened.queue.url).await {
        first_error.get_or_insert(err);
    }
    first_error.map_or(Ok(()), Err)
}

/// A queue (or only subscriptions) a killed amiboard left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The queue's name (from the URL or the subscription endpoint).
    pub name: String,
    /// The queue URL; `None` when only subscriptions to a deleted queue remain.
    pub url: Option<String>,
    pub subscriptions: Vec<Subscription>,
    /// Why it counts as left behind.
    pub reason: String,
}

/// Whether a process with this pid exists on this host: `None` when the
/// host has no `/proc` to ask. Its name is not checked: a renamed binary is
/// still alive, and a reused pid is caught by the heartbeat.
pub fn process_alive(pid: u32) -> Option<bool> {
    if !std::path::Path::new("/proc/self").exists() {
        return None;
    }
    Some(std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Why a stream queue with these tags counts as left behind, if it does.
/// `created` is the queue's own creation time, for a queue without tags.
///
/// Liveness is the heartbeat: a live stream re-tags its queue every
/// [`HEARTBEAT`], so a queue not seen for `stale_after` is left behind. The
/// process check is a hint on the creating host only: a pid that no longer
/// exists there means the stream is gone (a `kill -9`); a pid that exists
/// proves nothing by itself (it may be reused), and no pid on another host
/// is ever checked.
pub fn leftover_reason(
    tags: &BTreeMap<String, String>,
    created: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    stale_after: Duration,
    this_host: &str,
    alive: impl Fn(u32) -> Option<bool>,
) -> Option<String> {
    let pid = tags.get(TAG_PID).and_then(|p| p.parse::<u32>().ok());
    if tags.get(TAG_HOST).map(String::as_str) == Some(this_host)
        && let Some(pid) = pid
        && alive(pid) == Some(false)
    {
        return Some(format!("process {pid} on this host is gone"));
    }
    let seen = [TAG_HEARTBEAT, TAG_CREATED_AT]
        .iter()
        .filter_map(|k| tags.get(*k))
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .max()
        .or(created)?;
    let age = now.signed_duration_since(seen).to_std().ok()?;
    (age > stale_after).then(|| {
        format!(
            "last seen {} min ago (stale after {} min)",
            age.as_secs() / 60,
            stale_after.as_secs() / 60
        )
    })
}

/// Finds stream queues under `config.prefix` that were left behind, with
/// their subscriptions, and subscriptions whose queue is already gone.
pub async fn find_leftovers(
    clients: &Clients,
    config: &QueueSettings,
) -> Result<Vec<Leftover>, AwsError> {
    let prefix = queue_prefix(&config.prefix);
    let endpoint_name =
        |endpoint: &str| endpoint.rsplit(':').next().unwrap_or_default().to_string();
    // Subscriptions first: a queue created after this listing has none in it.
    let subscriptions =
        sns_subscribe::subscriptions_where(clients, |e| endpoint_name(e).starts_with(&prefix))
            .await?;
    let urls = sqs::list_queues(clients, &prefix).await?;
    let this_host = host_name();
    let now = Utc::now();
    let mut leftovers = Vec::new();
    let mut listed = Vec::new();
    for url in urls {
        let name = url.rsplit('/').next().unwrap_or_default().to_string();
        listed.push(name.clone());
        let tags = sqs::tags(clients, &url).await?;
        let created = sqs::attributes(clients, &url)
            .await?
            .get("CreatedTimestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|t| DateTime::from_timestamp(t, 0));
        let reason = leftover_reason(
            &tags,
            created,
            now,
            config.stale_after,
            &this_host,
            process_alive,
        );
        if let Some(reason) = reason {
            let subs = subscriptions
                .iter()
                .filter(|s| endpoint_name(&s.endpoint) == name)
                .cloned()
                .collect();
            leftovers.push(Leftover {
                name,
                url: Some(url),
                subscriptions: subs,
                reason,
            });
        }
    }
    let mut orphans: BTreeMap<String, Vec<Subscription>> = BTreeMap::new();
    for sub in subscriptions {
        let name = endpoint_name(&sub.endpoint);
        if !listed.contains(&name) {
            orphans.entry(name).or_default().push(sub);
        }
    }
    for (name, subs) in orphans {
        // ListQueues may lag behind a queue made a moment ago; ask directly.
        if !sqs::queue_exists(clients, &name).await? {
            leftovers.push(Leftover {
                name,
                url: None,
                subscriptions: subs,
                reason: "its queue is gone".to_string(),
            });
        }
    }
    Ok(leftovers)
}

/// Removes one leftover: its subscriptions, then its queue.
pub async fn remove(clients: &Clients, leftover: &Leftover) -> Result<(), AwsError> {
    for sub in &leftover.subscriptions {
        sns_subscribe::unsubscribe(clients, &sub.arn).await?;
    }
    if let Some(url) = &leftover.url {
        sqs::delete_queue(clients, url).await?;
    }
    Ok(())
}

/// Refreshes the queue's heartbeat tag.
pub async fn heartbeat(clients: &Clients, opened: &TempSubscription) -> Result<(), AwsError> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqs::tag(clients, &opened.queue.url, TAG_HEARTBEAT, &now).await
}

#[cfg(test)]
mod denied_tests;
#[cfg(test)]
mod tests;
