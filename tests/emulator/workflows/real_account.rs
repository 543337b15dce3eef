//! Issue 18: the workflows on the strict local stack, which refuses what AWS
//! refuses (docs/conformance.md). A lifecycle reaches production through a
//! distribution whose remote region comes first, with throttling and server
//! errors on the status polls and an SSM agent slower than the first poll; a
//! clean image's scan records 0; an encrypted image's QA request fails at
//! once; a smoke test stopped mid-run leaves no instance once reconciled.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle, Stage};
use amiboard::ops::Context;
use aws_sdk_imagebuilder::types::{
    AmiDistributionConfiguration, Distribution, ImageScanningConfiguration,
};

use super::{completed, creation, inject, ready, settle, to_production};
use crate::support::{TestEnv, boto3};

/// A pipeline on the demo recipe and infrastructure whose distribution lists
/// `regions` in that order (with a KMS key: encrypted AMIs), tagged `tags`.
pub(super) async fn pipeline(
    env: &TestEnv,
    ctx: &Context,
    name: &str,
    regions: &[&str],
    kms: bool,
    tags: &[(&str, &str)],
) -> String {
    let ib = &ctx.sdk().expect("sdk clients").clients.imagebuilder;
    let base = "arn:aws:imagebuilder:us-east-1:123456789012";
    let distributions = regions
        .iter()
        .map(|region| {
            let ami = kms.then(|| {
                AmiDistributionConfiguration::builder()
                    .kms_key_id(format!(
                        "arn:aws:kms:{region}:123456789012:key/amiboard-test"
                    ))
                    .build()
            });
            Distribution::builder()
                .region(*region)
                .set_ami_distribution_configuration(ami)
                .build()
                .expect("distribution")
        })
        .collect::<Vec<_>>();
    let full = format!("{}{name}", env.prefix);
    let dist = ib
        .create_distribution_configuration()
        .name(&full)
        .set_distributions(Some(distributions))
        .client_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .expect("create distribution")
        .distribution_configuration_arn
        .expect("distribution arn");
    let tags: HashMap<String, String> = tags
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    ib.create_image_pipeline()
        .name(&full)
        .image_recipe_arn(format!("{base}:image-recipe/{}demo/1.0.0", env.prefix))
        .infrastructure_configuration_arn(format!(
            "{base}:infrastructure-configuration/{}demo",
            env.prefix
        ))
        .distribution_configuration_arn(dist)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .image_scanning_enabled(true)
                .build(),
        )
        .set_tags(Some(tags))
        .client_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .expect("create pipeline")
        .image_pipeline_arn
        .expect("pipeline arn")
}

/// `amiboard create` on `pipeline`; the new id.
pub(super) fn create_on(env: &TestEnv, stack_tag: &str, pipeline: &str) -> String {
    super::create_with(env, stack_tag, &["--pipeline", pipeline])
}

/// The errors of the failed task attempts in an execution's history (each
/// one a retry, or the catch that recorded the failure).
fn task_errors(execution_arn: &str) -> Vec<String> {
    let out = boto3(&format!(
        "events = sfn().get_execution_history(executionArn='{execution_arn}', maxResults=1000)['events']\n\
         print(json.dumps([e['taskFailedEventDetails'].get('error', '') for e in events if e['type'] == 'TaskFailed']))"
    ));
    serde_json::from_str(&out).expect("errors")
}

/// The execution ARN of `event`'s creation run.
fn execution_of(lc: &Lifecycle, event: EventKind) -> String {
    lc.record(creation(event))
        .and_then(|r| r.execution_arn.clone())
        .unwrap_or_else(|| panic!("{event:?} has no execution"))
}

/// The tags of `ami` in `region`.
fn ami_tags(ami: &str, region: &str) -> HashMap<String, String> {
    let out = boto3(&format!(
        "image = ec2('{region}').describe_images(ImageIds=['{ami}'])['Images'][0]\n\
         print(json.dumps({{t['Key']: t['Value'] for t in image.get('Tags', [])}}))"
    ));
    serde_json::from_str(&out).expect("tags")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_two_region_distribution_remote_first_reaches_production_through_throttling_and_a_slow_agent()
 {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let arn = pipeline(
        &env,
        &ctx,
        "tworegions",
        &["eu-west-1", "us-east-1"],
        false,
        &[
            ("emulator:build-seconds", "2"),
            // The first status calls of each kind are throttled, then one
            // answers a server error: the workflows retry them.
            ("emulator:throttle-polls", "2"),
            ("emulator:server-error-polls", "1"),
            // The agent registers 3 s after the instance runs: the first
            // DescribeInstanceInformation (1 s) finds it not yet managed.
            ("emulator:ssm-registration-seconds", "3"),
        ],
    )
    .await;
    let id = create_on(&env, "tworegions", &arn);
    let lc = to_production(&env, &ctx, &id).await;

    let amis = lc.stage_amis(Stage::Creation);
    let regions: Vec<&str> = amis.iter().map(|a| a.region.as_str()).collect();
    assert_eq!(
        regions,
        ["eu-west-1", "us-east-1"],
        "every region's AMI is recorded, in the distribution's order"
    );
    let local = &amis[1].ami_id;
    let remote = &amis[0].ami_id;
    assert_eq!(
        ami_tags(local, "us-east-1")
            .get("amiboard:stage")
            .map(String::as_str),
        Some("production"),
        "the execution region's AMI is tagged"
    );
    assert!(
        !ami_tags(remote, "eu-west-1").contains_key("amiboard:stage"),
        "another region's AMI is not tagged from here"
    );

    let shown = env.ok(&["show", &id]);
    let remote_line = shown
        .lines()
        .find(|l| l.contains(remote.as_str()))
        .unwrap_or_default();
    assert!(
        remote_line.contains("distributed, not tested here"),
        "show says the remote AMI is not tested here: {shown}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.contains(local.as_str()) && !l.contains("distributed")),
        "{shown}"
    );

    let build = task_errors(&execution_of(&lc, EventKind::AmiBuild));
    assert!(
        build
            .iter()
            .any(|e| e == "Imagebuilder.CallRateLimitExceededException")
            && build
                .iter()
                .any(|e| e == "Imagebuilder.ServiceUnavailableException"),
        "the build's GetImage was throttled and retried: {build:?}"
    );
    let smoke = task_errors(&execution_of(&lc, EventKind::SmokeTests));
    assert!(
        smoke.iter().any(|e| e == "Ec2.Ec2Exception")
            && smoke.iter().any(|e| e == "Ssm.SsmException"),
        "the smoke test's EC2 and SSM polls were throttled and retried: {smoke:?}"
    );
    for event in [
        EventKind::QaCertificationRequest,
        EventKind::MarkForProduction,
    ] {
        let errors = task_errors(&execution_of(&lc, event));
        assert!(
            errors.iter().any(|e| e == "Ec2.Ec2Exception"),
            "{event:?}'s EC2 polls were throttled and retried: {errors:?}"
        );
    }
    let smoke_record = lc
        .record(creation(EventKind::SmokeTests))
        .expect("smoke record");
    assert_eq!(
        smoke_record
            .outputs
            .extra
            .get("document")
            .map(String::as_str),
        Some("AWS-RunShellScript"),
        "a Linux AMI runs the shell document"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_without_findings_completes_with_counts_of_zero() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:build-seconds", 1).await;
    inject(&env, &ctx, "emulator:no-findings", 1).await;
    let id = super::create(&env, "clean", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [EventKind::SmokeTests, EventKind::VulnerabilityScans] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }
    let lc = ctx.store.get(&id).await.expect("get");
    let record = lc
        .record(creation(EventKind::VulnerabilityScans))
        .expect("scan record");
    let counts = record.outputs.vulnerabilities.expect("counts recorded");
    assert_eq!(
        (counts.critical, counts.high, counts.medium),
        (0, 0, 0),
        "{record:?}"
    );
    assert_eq!(
        record.outputs.extra.get("findings_all").map(String::as_str),
        Some("0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_image_qa_request_fails_at_once_with_a_reason() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let arn = pipeline(
        &env,
        &ctx,
        "encrypted",
        &["us-east-1"],
        true,
        &[("emulator:build-seconds", "1")],
    )
    .await;
    let id = create_on(&env, "encrypted", &arn);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [EventKind::SmokeTests, EventKind::VulnerabilityScans] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }
    env.ok(&["trigger", &id, "--yes"]);
    let qa = creation(EventKind::QaCertificationRequest);
    let lc = settle(&ctx, &id, qa).await;
    let record = lc.record(qa).expect("qa record");
    let reason = record.reason.clone().unwrap_or_default();
    assert_eq!(record.status, EventStatus::Failed, "{reason}");
    assert!(
        reason.contains("encrypted") && reason.contains("export = false"),
        "{reason}"
    );
    let ami = &lc.stage_amis(Stage::Creation)[0].ami_id;
    let exports = boto3(&format!(
        "tasks = ec2().describe_export_image_tasks()['ExportImageTasks']\n\
         print(len([t for t in tasks if t.get('ImageId') == '{ami}']))"
    ));
    assert_eq!(exports.trim(), "0", "no export task was started for {ami}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_test_stopped_mid_run_leaves_no_instance_after_reconcile() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    inject(&env, &ctx, "emulator:build-seconds", 1).await;
    // The command hangs: the run is stopped while its instance runs.
    inject(&env, &ctx, "emulator:hang-smoke-tests", 1).await;
    let id = super::create(&env, "stopped", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    env.ok(&["trigger", &id, "--yes"]);
    let smoke = creation(EventKind::SmokeTests);
    let deadline = Instant::now() + Duration::from_mins(1);
    let (execution, name) = loop {
        let lc = ctx.store.get(&id).await.expect("get");
        let record = lc.record(smoke).expect("smoke record");
        if let (Some(arn), Some(_)) = (&record.execution_arn, &record.outputs.run_command_id) {
            let name = arn.rsplit(':').next().expect("name").to_string();
            break (arn.clone(), name);
        }
        assert!(Instant::now() < deadline, "the command was never sent");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let running = |name: &str| -> Vec<String> {
        let out = boto3(&format!(
            "r = ec2().describe_instances(Filters=[{{'Name': 'tag:Name', 'Values': ['{name}']}}])['Reservations']\n\
             print(json.dumps([i['State']['Name'] for x in r for i in x['Instances']]))"
        ));
        serde_json::from_str(&out).expect("states")
    };
    assert_eq!(
        running(&name),
        ["running"],
        "the smoke test's instance runs"
    );
    boto3(&format!(
        "sfn().stop_execution(executionArn='{execution}', error='test', cause='stopped by the test')"
    ));

    let out = env.ok(&["reconcile", &id]);
    assert!(out.contains("ERROR"), "{out}");
    let lc = ctx.store.get(&id).await.expect("get");
    let reason = lc
        .record(smoke)
        .and_then(|r| r.reason.clone())
        .unwrap_or_default();
    assert!(
        reason.contains("ABORTED") && reason.contains("being terminated (cleanup"),
        "the timeline says the instances are cleaned up: {reason}"
    );
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let states = running(&name);
        if states
            .iter()
            .all(|s| s == "terminated" || s == "shutting-down")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cleanup never terminated the instance: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
