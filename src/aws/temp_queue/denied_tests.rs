//! [`open`] for a caller who may not create queues or subscribe, against
//! `aws-smithy-mocks` (moto enforces no IAM): the error is `AccessDenied`
//! naming the operation, and whatever was made is removed again.

use super::open;
use crate::aws::AwsError;
use crate::aws::mocked::{self, Deny};

#[tokio::test]
async fn denied_create_queue_makes_nothing() {
    let mock = mocked::denied(Deny::CreateQueue);
    let err = open(
        &mock.clients,
        &mocked::queue_settings(),
        &mocked::identity(),
        None,
    )
    .await
    .expect_err("CreateQueue is denied");
    assert!(
        matches!(
            err,
            AwsError::AccessDenied {
                service: "SQS",
                operation: "CreateQueue",
                ..
            }
        ),
        "{err:?}"
    );
    let line = err.to_string();
    assert!(
        line.contains("SQS CreateQueue: access denied") && !line.contains('\n'),
        "{line}"
    );
    assert_eq!(mock.create_queue.num_calls(), 1);
    assert_eq!(mock.subscribe_allowed.num_calls(), 0);
    assert_eq!(mock.subscribe_denied.num_calls(), 0);
    assert_eq!(mock.delete_queue.num_calls(), 0, "no queue to delete");
}

#[tokio::test]
async fn denied_subscribe_removes_the_subscription_and_queue_it_made() {
    let mock = mocked::denied(Deny::Subscribe);
    let err = open(
        &mock.clients,
        &mocked::queue_settings(),
        &mocked::identity(),
        None,
    )
    .await
    .expect_err("Subscribe is denied");
    assert!(
        matches!(
            err,
            AwsError::AccessDenied {
                service: "SNS",
                operation: "Subscribe",
                ..
            }
        ),
        "{err:?}"
    );
    let line = err.to_string();
    assert!(
        line.contains("SNS Subscribe: access denied") && !line.contains('\n'),
        "{line}"
    );
    assert_eq!(mock.create_queue.num_calls(), 1);
    assert_eq!(mock.subscribe_allowed.num_calls(), 1, "the lifecycle topic");
    assert_eq!(
        mock.subscribe_denied.num_calls(),
        1,
        "stops at the first denial"
    );
    assert_eq!(mock.unsubscribe.num_calls(), 1, "the one subscription made");
    assert_eq!(mock.delete_queue.num_calls(), 1, "the queue made");
}
