//! The where-used workflow's failure paths and its batches, on the local
//! stack (issue 21: "tests for each workflow's failure path"). EC2's calls
//! fail through the emulator's documented fault tags (server errors on the
//! AMI's pipeline, counted per operation: scripts/emulator/README.md), as
//! they do on AWS under load; the workflow retries them, then records the
//! failure on the lifecycle, keeps the previous answer, and
//! `where-used --refresh` says so and exits 1 instead of showing the old
//! answer as today's.

use std::time::Duration;

use amiboard::ops::workflows::Workflow;
use serde_json::json;

use super::retirement::built;
use super::{create, inject, ready};
use crate::support::{TestEnv, boto3};

/// A where-used refresh that fails: exit 1, the reason on stderr.
fn refresh_fails(env: &TestEnv, id: &str) -> String {
    let (code, out, err) = env.run(&["where-used", id, "--refresh"]);
    assert_eq!(code, 1, "a failed refresh exits 1: {out}{err}");
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn where_used_failures_are_recorded_keep_the_answer_and_fail_the_refresh() {
    let env = TestEnv::new();
    let (ctx, id, ami) = built(&env, "wu").await;

    // A first answer.
    env.ok(&["where-used", &id, "--refresh"]);
    let first = ctx.store.get(&id).await.expect("get");
    let answer = first.where_used.clone().expect("the first answer");
    assert!(answer.covers("us-east-1", &ami), "{answer:?}");
    assert!(first.where_used_error.is_none());

    // EC2 answers six server errors per operation: DescribeImages and its
    // five retries fail, then the next run's DescribeImageReferences does.
    inject(&env, &ctx, "emulator:server-error-polls", 6).await;

    let err = refresh_fails(&env, &id);
    assert!(
        err.contains("where-used --refresh: EC2 could not be asked")
            && err.contains("DescribeImages failed: Ec2.Ec2Exception"),
        "{err}"
    );
    let lc = ctx.store.get(&id).await.expect("get");
    let failure = lc
        .where_used_error
        .clone()
        .expect("the failure is recorded");
    assert!(
        failure
            .reason
            .starts_with("DescribeImages failed: Ec2.Ec2Exception: "),
        "{failure:?}"
    );
    assert!(
        failure
            .execution_arn
            .as_deref()
            .is_some_and(|arn| err.contains(arn)),
        "the refusal names the run that failed: {err} {failure:?}"
    );
    assert_eq!(
        lc.where_used.as_ref().map(|w| w.as_of),
        Some(answer.as_of),
        "the previous answer is kept"
    );
    let shown = env.ok(&["where-used", &id]);
    assert!(
        shown.contains("last refresh failed") && shown.contains("DescribeImages failed"),
        "{shown}"
    );

    let err = refresh_fails(&env, &id);
    assert!(
        err.contains("DescribeImageReferences failed: Ec2.Ec2Exception"),
        "{err}"
    );
    let lc = ctx.store.get(&id).await.expect("get");
    assert!(
        lc.where_used_error
            .as_ref()
            .is_some_and(|f| f.reason.starts_with("DescribeImageReferences failed")),
        "{:?}",
        lc.where_used_error
    );
    assert_eq!(lc.where_used.as_ref().map(|w| w.as_of), Some(answer.as_of));

    // A retirement refreshes first: it does not go on with the old answer.
    // (The faults are used up by now, so this one is asked for real.)
    env.ok(&["where-used", &id, "--refresh"]);
    let lc = ctx.store.get(&id).await.expect("get");
    assert!(
        lc.where_used_error.is_none(),
        "an answer clears the failure"
    );
    assert!(
        lc.where_used
            .as_ref()
            .is_some_and(|w| w.as_of > answer.as_of),
        "a new answer"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["where-used", &id, "--json"])).expect("json");
    assert!(json["error"].is_null(), "{json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_ten_amis_are_asked_in_batches_of_ten() {
    // DescribeImageReferences takes at most 10 image ids (API reference,
    // ImageId.N): a lifecycle with more AMIs in one region (a build and ten
    // patches) is asked in batches, and a reference in the second batch is
    // found.
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "wu", &[]);
    let ids: Vec<String> = serde_json::from_str(&boto3(
        "amis = sorted(i['ImageId'] for i in ec2().describe_images(Owners=['amazon'])['Images'])[:12]\n\
         print(json.dumps(amis))",
    ))
    .expect("ami ids");
    assert_eq!(ids.len(), 12, "{ids:?}");
    let last = ids[11].clone();
    boto3(&format!(
        "ec2().create_launch_template(LaunchTemplateName='{p}batch', LaunchTemplateData={{'ImageId': '{last}'}})",
        p = env.prefix
    ));

    let machine = Workflow::WhereUsed.machine_arn(&env.prefix, "us-east-1", "123456789012");
    let input = json!({
        "lifecycle_id": id,
        "table": ctx.config.tables.lifecycles,
        "region": "us-east-1",
        "actor": "test",
        "ami_ids": ids,
    });
    let started = ctx
        .executions
        .start(&machine, &format!("{id}-batches"), &input.to_string())
        .await
        .expect("start");
    amiboard::ops::where_used::wait_for_execution(&ctx, &started.arn, Duration::from_mins(3))
        .await
        .expect("the run ends");
    let lc = ctx.store.get(&id).await.expect("get");
    assert!(lc.where_used_error.is_none(), "{:?}", lc.where_used_error);
    let answer = lc.where_used.expect("an answer");
    assert_eq!(answer.images().len(), 12, "every AMI described");
    let refs = answer.references_to(&last);
    assert!(
        refs.iter().any(|r| r.resource_type == "ec2:LaunchTemplate"),
        "the second batch's reference: {:?}",
        answer.references()
    );
    assert!(!answer.truncated);
}
