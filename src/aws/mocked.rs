//! Test-only: [`Clients`] whose SQS, SNS and STS answer from `aws-smithy-mocks`
//! rules, for what moto cannot show: a caller who may not create queues or
//! subscribe (moto enforces no IAM). The other clients are never called.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sns::operation::get_topic_attributes::GetTopicAttributesOutput;
use aws_sdk_sns::operation::list_subscriptions::ListSubscriptionsOutput;
use aws_sdk_sns::operation::subscribe::{SubscribeError, SubscribeOutput};
use aws_sdk_sns::operation::unsubscribe::UnsubscribeOutput;
use aws_sdk_sqs::operation::create_queue::{CreateQueueError, CreateQueueOutput};
use aws_sdk_sqs::operation::delete_queue::DeleteQueueOutput;
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput;
use aws_sdk_sqs::operation::list_queues::ListQueuesOutput;
use aws_sdk_sqs::operation::set_queue_attributes::SetQueueAttributesOutput;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::client::{Clients, ResolvedTarget};
use super::sts::Identity;
use super::temp_queue::QueueSettings;
use crate::config::{Config, Overrides, Topics};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const CALLER: &str = "arn:aws:iam::123456789012:user/limited";
pub const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/amiboard-watch-mock";
pub const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:amiboard-watch-mock";
pub const SUBSCRIPTION: &str = "arn:aws:sns:us-east-1:123456789012:amiboard-lifecycle-events:1";

/// Which call the caller may not make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deny {
    /// SQS CreateQueue answers `AccessDenied`.
    CreateQueue,
    /// SNS Subscribe answers `AuthorizationError` for every topic but the
    /// lifecycle topic, after the queue was made and subscribed to that one.
    Subscribe,
}

/// The mocked clients and the rules whose call counts the tests read.
pub struct Mocks {
    pub clients: Clients,
    pub create_queue: Rule,
    pub subscribe_allowed: Rule,
    pub subscribe_denied: Rule,
    pub unsubscribe: Rule,
    pub delete_queue: Rule,
}

/// The configuration the mocks answer for: the default prefix, every topic.
pub fn config() -> Config {
    let mut config = crate::config::load_with(&Overrides::default(), None).expect("config");
    config.prefix = "amiboard-".to_string();
    config.topics = Topics::with_prefix(&config.prefix);
    config.notifications_enabled = true;
    config.include_service_topics = true;
    config
}

/// The queue settings of [`config`]: the default prefix, every topic.
pub fn queue_settings() -> QueueSettings {
    crate::ops::queue_settings(&config())
}

pub fn identity() -> Identity {
    Identity {
        account: ACCOUNT.to_string(),
        arn: CALLER.to_string(),
    }
}

fn denied_metadata(code: &str, operation: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!(
            "User: {CALLER} is not authorized to perform: {operation}"
        ))
        .build()
}

/// Clients for a caller denied `deny`; every other call succeeds. Requests
/// for another queue or subscription than the mocked ones match no rule and
/// panic.
pub fn denied(deny: Deny) -> Mocks {
    let create_queue = match deny {
        Deny::CreateQueue => mock!(aws_sdk_sqs::Client::create_queue).then_error(|| {
            CreateQueueError::generic(denied_metadata("AccessDenied", "sqs:CreateQueue"))
        }),
        Deny::Subscribe => mock!(aws_sdk_sqs::Client::create_queue)
            .then_output(|| CreateQueueOutput::builder().queue_url(QUEUE_URL).build()),
    };
    let queue_arn = mock!(aws_sdk_sqs::Client::get_queue_attributes)
        .match_requests(|r| r.queue_url() == Some(QUEUE_URL))
        .then_output(|| {
            GetQueueAttributesOutput::builder()
                .attributes(QueueAttributeName::QueueArn, QUEUE_ARN)
                .build()
        });
    let set_policy = mock!(aws_sdk_sqs::Client::set_queue_attributes)
        .match_requests(|r| r.queue_url() == Some(QUEUE_URL))
        .then_output(|| SetQueueAttributesOutput::builder().build());
    let delete_queue = mock!(aws_sdk_sqs::Client::delete_queue)
        .match_requests(|r| r.queue_url() == Some(QUEUE_URL))
        .then_output(|| DeleteQueueOutput::builder().build());
    let list_queues =
        mock!(aws_sdk_sqs::Client::list_queues).then_output(|| ListQueuesOutput::builder().build());
    let sqs = mock_client!(
        aws_sdk_sqs,
        RuleMode::MatchAny,
        [
            &create_queue,
            &queue_arn,
            &set_policy,
            &delete_queue,
            &list_queues
        ]
    );

    let lifecycle_topic = super::sns::topic_arn(&config().topics.lifecycle, REGION, ACCOUNT);
    let allowed_topic = lifecycle_topic.clone();
    let topic_exists = mock!(aws_sdk_sns::Client::get_topic_attributes)
        .then_output(|| GetTopicAttributesOutput::builder().build());
    let subscribe_allowed = mock!(aws_sdk_sns::Client::subscribe)
        .match_requests(move |r| r.topic_arn() == Some(allowed_topic.as_str()))
        .then_output(|| {
            SubscribeOutput::builder()
                .subscription_arn(SUBSCRIPTION)
                .build()
        });
    let subscribe_denied = mock!(aws_sdk_sns::Client::subscribe)
        .match_requests(move |r| r.topic_arn() != Some(lifecycle_topic.as_str()))
        .then_error(|| {
            SubscribeError::generic(denied_metadata("AuthorizationError", "SNS:Subscribe"))
        });
    let unsubscribe = mock!(aws_sdk_sns::Client::unsubscribe)
        .match_requests(|r| r.subscription_arn() == Some(SUBSCRIPTION))
        .then_output(|| UnsubscribeOutput::builder().build());
    let list_subscriptions = mock!(aws_sdk_sns::Client::list_subscriptions)
        .then_output(|| ListSubscriptionsOutput::builder().build());
    let sns = mock_client!(
        aws_sdk_sns,
        RuleMode::MatchAny,
        [
            &topic_exists,
            &subscribe_allowed,
            &subscribe_denied,
            &unsubscribe,
            &list_subscriptions
        ]
    );

    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(CALLER)
            .build()
    });
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]);

    Mocks {
        clients: clients(sqs, sns, sts),
        create_queue,
        subscribe_allowed,
        subscribe_denied,
        unsubscribe,
        delete_queue,
    }
}

/// [`Clients`] around mocked SQS, SNS and STS clients.
fn clients(
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    sts: aws_sdk_sts::Client,
) -> Clients {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .build();
    let target = ResolvedTarget {
        region: REGION.to_string(),
        profile: None,
        endpoint: Some("mock".to_string()),
    };
    Clients {
        sns,
        sqs,
        sts,
        ..Clients::from_sdk(&sdk, target, Some("mock".to_string()))
    }
}
