//! Live notifications against moto: the temporary subscription, publish →
//! decoded arrival latency, every seed message end to end, the queue policy.
//! Seed messages are in `notifications/seeds.rs`; `watch`, signals and
//! `cleanup` in `notifications/watch.rs`.

mod seeds;
mod watch;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use amiboard::aws::{sns_subscribe, sqs, temp_queue as sub};
use amiboard::lifecycle::EventStatus;
use amiboard::lifecycle::notification::Arrival;
use amiboard::lifecycle::notification::Source;
use amiboard::ops::Context;
use amiboard::ops::listener::{self, StreamEvent, StreamHandle, StreamOptions};
use aws_sdk_sns::types::MessageAttributeValue;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::support::TestEnv;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/notifications/",
            $name
        ))
    };
}
pub(crate) use fixture;

/// Creates the configured topics (provision's job, done here so these tests
/// do not depend on it); returns (lifecycle, imagebuilder, ec2, run command) ARNs.
pub async fn create_topics(ctx: &Context) -> [String; 4] {
    let t = &ctx.config.topics;
    let mut arns = Vec::new();
    for name in [&t.lifecycle, &t.imagebuilder, &t.ec2_events, &t.run_command] {
        let out = ctx
            .sdk()
            .expect("sdk")
            .clients
            .sns
            .create_topic()
            .name(name)
            .send()
            .await;
        arns.push(
            out.expect("create topic")
                .topic_arn()
                .expect("arn")
                .to_string(),
        );
    }
    arns.try_into().expect("four topics")
}

pub async fn publish(ctx: &Context, topic: &str, message: &str, attributes: &[(&str, &str)]) {
    let mut request = ctx
        .sdk()
        .expect("sdk")
        .clients
        .sns
        .publish()
        .topic_arn(topic)
        .message(message);
    for (name, value) in attributes {
        let value = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(*value)
            .build()
            .expect("attribute");
        request = request.message_attributes(*name, value);
    }
    request.send().await.expect("publish");
}

/// The queues named like stream queues of this test's prefix.
pub async fn stream_queues(ctx: &Context) -> Vec<String> {
    sqs::list_queues(
        &ctx.sdk().expect("sdk clients").clients,
        &sub::queue_prefix(&ctx.config.prefix),
    )
    .await
    .expect("list queues")
}

/// The subscriptions whose endpoint is a stream queue of this test's prefix.
pub async fn stream_subscriptions(ctx: &Context) -> Vec<sns_subscribe::Subscription> {
    let prefix = sub::queue_prefix(&ctx.config.prefix);
    sns_subscribe::subscriptions_where(&ctx.sdk().expect("sdk clients").clients, |e| {
        e.contains(&format!(":{prefix}"))
    })
    .await
    .expect("list subscriptions")
}

/// How long a test lets the stream's cleanup take. On exit the dashboard
/// waits [`listener::STOP_LIMIT`] (2 s) and then names what is left for
/// `amiboard cleanup`; `faults.rs` tests that limit against a frozen endpoint.
/// On a loaded CI machine the one shared moto can take longer than 2 s for
/// the five calls, so tests of the removal itself give it time and then
/// require it done.
pub const CLEANUP_WAIT: Duration = Duration::from_secs(30);

/// Stops the stream and requires its queue and subscriptions removed.
pub async fn stop_clean(handle: StreamHandle) {
    let stopped = handle.stop_within(CLEANUP_WAIT).await;
    assert!(stopped.is_clean(), "{stopped:?}");
}

pub struct Running {
    pub handle: StreamHandle,
    events: mpsc::Receiver<StreamEvent>,
}

impl Running {
    pub async fn start(ctx: &Context, stack_tag: Option<&str>) -> (Self, String) {
        let (tx, events) = mpsc::channel(64);
        let options = StreamOptions {
            stack_tag: stack_tag.map(str::to_string),
        };
        let handle = listener::spawn(
            ctx.sdk().expect("sdk").clients.clone(),
            ctx.config.clone(),
            options,
            tx,
            CancellationToken::new(),
        );
        let mut running = Running { handle, events };
        let queue = loop {
            match running.next(Duration::from_secs(20)).await {
                StreamEvent::Connected { queue, .. } => break queue,
                StreamEvent::Off { reason, .. } => panic!("stream off: {reason}"),
                _ => {}
            }
        };
        (running, queue)
    }

    async fn next(&mut self, within: Duration) -> StreamEvent {
        tokio::time::timeout(within, self.events.recv())
            .await
            .expect("a stream event in time")
            .expect("the stream is running")
    }

    /// Arrivals until `count` came, or panics after `within`.
    pub async fn arrivals(&mut self, count: usize, within: Duration) -> Vec<Arrival> {
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        while got.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if let StreamEvent::Notifications(batch) = self.next(left).await {
                got.extend(batch);
            }
        }
        got
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_event_arrives_decoded_within_a_second() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let [lifecycle_topic, ..] = create_topics(&ctx).await;
    let (mut running, _) = Running::start(&ctx, None).await;
    let message = fixture!("amiboard-lifecycle.json");
    let id = "2b4c443f-44fe-442f-a233-32fb5dac5e2c";
    let mut latencies = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        publish(
            &ctx,
            &lifecycle_topic,
            message,
            &[("lifecycle_id", id), ("stack_tag", "web-frontend")],
        )
        .await;
        let got = running.arrivals(1, Duration::from_secs(5)).await;
        let latency = started.elapsed();
        latencies.push(latency);
        let n = &got[0].notification;
        assert_eq!(n.source, Source::Amiboard);
        assert_eq!(n.status.as_deref(), Some("COMPLETED"));
        assert_eq!(n.outcome, Some(EventStatus::Completed));
        assert_eq!(got[0].lifecycle_id.as_deref(), Some(id));
        assert_eq!(n.topic_arn.as_deref(), Some(lifecycle_topic.as_str()));
        assert!(n.published_at.is_some(), "the SNS envelope was kept");
        assert!(
            latency < Duration::from_secs(1),
            "publish to decoded took {latency:?}"
        );
    }
    println!("publish -> decoded notification latency: {latencies:?}");
    stop_clean(running.handle).await;
    assert!(
        stream_queues(&ctx).await.is_empty(),
        "stop removes the queue"
    );
    assert!(
        stream_subscriptions(&ctx).await.is_empty(),
        "stop removes the subscriptions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_is_encrypted_tagged_and_only_configured_topics_may_send() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let topics = create_topics(&ctx).await;
    let (mut running, queue) = Running::start(&ctx, Some("main")).await;
    let urls = stream_queues(&ctx).await;
    assert_eq!(urls.len(), 1);
    assert!(urls[0].ends_with(&queue));
    assert!(
        queue.starts_with(&format!("{}watch-", env.prefix)),
        "{queue}"
    );
    let attributes = sqs::attributes(&ctx.sdk().expect("sdk clients").clients, &urls[0])
        .await
        .expect("attributes");
    assert_eq!(
        attributes.get("SqsManagedSseEnabled").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        attributes.get("MessageRetentionPeriod").map(String::as_str),
        Some("3600")
    );
    let policy: serde_json::Value =
        serde_json::from_str(attributes.get("Policy").expect("a policy")).expect("policy JSON");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{policy}");
    let statement = &statements[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "sqs:SendMessage");
    assert_eq!(statement["Resource"], attributes["QueueArn"].as_str());
    let allowed: Vec<&str> = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
        .as_array()
        .expect("SourceArn list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        allowed,
        topics.iter().map(String::as_str).collect::<Vec<_>>()
    );

    let tags = sqs::tags(&ctx.sdk().expect("sdk clients").clients, &urls[0])
        .await
        .expect("tags");
    assert_eq!(tags.get("pid"), Some(&std::process::id().to_string()));
    assert_eq!(tags.get("host"), Some(&sub::host_name()));
    assert!(
        tags.get("creator")
            .is_some_and(|c| c.starts_with("arn:aws:")),
        "{tags:?}"
    );
    assert!(
        tags.get("created_at")
            .is_some_and(|t| t.parse::<chrono::DateTime<chrono::Utc>>().is_ok())
    );

    // One subscription per topic, envelope kept, the stack tag filter on the lifecycle topic only.
    let subscriptions = stream_subscriptions(&ctx).await;
    let mut filters = BTreeMap::new();
    for s in &subscriptions {
        assert_eq!(s.protocol, "sqs");
        assert_eq!(s.endpoint, attributes["QueueArn"]);
        let a = sns_subscribe::subscription_attributes(
            &ctx.sdk().expect("sdk clients").clients,
            &s.arn,
        )
        .await
        .expect("attributes");
        assert_eq!(
            a.get("RawMessageDelivery").map(String::as_str),
            Some("false")
        );
        filters.insert(s.topic_arn.clone(), a.get("FilterPolicy").cloned());
    }
    assert_eq!(filters.len(), 4);
    let lifecycle_filter: serde_json::Value =
        serde_json::from_str(filters[&topics[0]].as_deref().expect("a filter")).expect("JSON");
    assert_eq!(lifecycle_filter, serde_json::json!({"stack_tag": ["main"]}));
    assert!(topics[1..].iter().all(|t| filters[t].is_none()));

    // The filter works: another stack tag's message never arrives, main's does.
    publish(&ctx, &topics[0], "for other", &[("stack_tag", "other")]).await;
    publish(&ctx, &topics[0], "for main", &[("stack_tag", "main")]).await;
    let got = running.arrivals(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].notification.summary, "for main");
    // Give a wrongly delivered message time to show up.
    let late = tokio::time::timeout(
        Duration::from_millis(1500),
        running.arrivals(1, Duration::from_secs(5)),
    )
    .await;
    assert!(late.is_err(), "the other stack tag came through: {late:?}");
    stop_clean(running.handle).await;
    assert!(stream_queues(&ctx).await.is_empty());
}

#[tokio::test]
async fn missing_topics_are_mentioned_once_and_no_topic_retries_until_stopped() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let (tx, mut events) = mpsc::channel(16);
    let handle = listener::spawn(
        ctx.sdk().expect("sdk").clients.clone(),
        ctx.config.clone(),
        StreamOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("in time");
    // No topic yet: the stream says why and tries again later (hardening 8).
    let Some(StreamEvent::Retrying { reason, .. }) = event else {
        panic!("{event:?}")
    };
    assert!(reason.contains("amiboard provision"), "{reason}");
    stop_clean(handle).await;
    assert!(stream_queues(&ctx).await.is_empty(), "nothing was left");

    // With only the lifecycle topic, the stream runs and names what is missing.
    let topic = ctx
        .sdk()
        .expect("sdk")
        .clients
        .sns
        .create_topic()
        .name(&ctx.config.topics.lifecycle)
        .send()
        .await
        .expect("topic");
    let (tx, mut events) = mpsc::channel(16);
    let handle = listener::spawn(
        ctx.sdk().expect("sdk").clients.clone(),
        ctx.config.clone(),
        StreamOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let first = tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("in time");
    let Some(StreamEvent::Notice(notice)) = first else {
        panic!("{first:?}")
    };
    assert!(
        notice.contains(&ctx.config.topics.run_command) && notice.contains("provision"),
        "{notice}"
    );
    let second = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("in time");
    let Some(StreamEvent::Connected { topics, .. }) = second else {
        panic!("{second:?}")
    };
    assert_eq!(topics, vec![topic.topic_arn().expect("arn").to_string()]);
    stop_clean(handle).await;
    assert!(stream_queues(&ctx).await.is_empty());
}

/// What happens when a panic unwinds out of `block_on` in `main`: the
/// runtime is dropped with the stream running, and the stream's drop guard
/// still removes the queue and subscriptions.
#[test]
fn dropping_the_runtime_with_the_stream_running_still_cleans_up() {
    let env = TestEnv::new();
    let check = tokio::runtime::Runtime::new().expect("runtime");
    let ctx = check.block_on(env.context());
    check.block_on(create_topics(&ctx));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let running = runtime.block_on(async {
        let ctx = env.context().await;
        Running::start(&ctx, None).await.0
    });
    assert_eq!(check.block_on(stream_queues(&ctx)).len(), 1);
    let started = Instant::now();
    drop(runtime);
    println!("runtime dropped in {:?}", started.elapsed());
    drop(running);
    assert!(
        check.block_on(stream_queues(&ctx)).is_empty(),
        "the queue was left"
    );
    assert!(
        check.block_on(stream_subscriptions(&ctx)).is_empty(),
        "subscriptions were left"
    );
}
