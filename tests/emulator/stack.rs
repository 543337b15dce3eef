//! deploy/amiboard.template.json in the emulator's CloudFormation
//! (scripts/deploy_stack.py, boto3): what it creates, one lifecycle driven
//! with a config written from the stack's outputs only
//! (`amiboard config-from-stack`), and `provision` making the same resources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use amiboard::config::{self, Overrides};
use amiboard::lifecycle::{EventKind, EventStatus};
use amiboard::ops::Context;
use amiboard::ops::workflows::Workflow;
use serde_json::Value;

use crate::support::{TestEnv, moto};
use crate::workflows::{creation, settle};

/// Resource types the emulator's CloudFormation (moto with
/// scripts/emulator/cloudformation.py) cannot create: none since the
/// extension creates topic and bucket policies; docs/deploy.md says so.
const NOT_CREATED: &[(&str, &str)] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    std::env::var_os("AMIBOARD_PYTHON")
        .map_or_else(|| root().join(".venv/bin/python"), PathBuf::from)
}

/// Deploys the template with scripts/deploy_stack.py; the stack as
/// describe-stacks gives it, plus `NotCreated`.
pub fn deploy(env: &TestEnv, stack: &str, params: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(python());
    cmd.arg(root().join("scripts/deploy_stack.py"))
        .args(["--endpoint", &moto().url, "--stack", stack, "--template"])
        .arg(root().join("deploy/amiboard.template.json"));
    for (k, v) in params {
        cmd.args(["--param", &format!("{k}={v}")]);
    }
    cmd.envs(env.vars());
    let out = cmd.output().expect("run deploy_stack.py");
    assert!(
        out.status.success(),
        "deploy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("deploy_stack.py prints JSON")
}

pub fn outputs(stack: &Value) -> BTreeMap<String, String> {
    stack["Outputs"]
        .as_array()
        .expect("Outputs")
        .iter()
        .map(|o| {
            (
                o["OutputKey"].as_str().expect("key").to_string(),
                o["OutputValue"].as_str().expect("value").to_string(),
            )
        })
        .collect()
}

/// A context for reading, configured from a config file only.
async fn context_from(path: &Path) -> Context {
    let overrides = Overrides {
        config: Some(path.to_path_buf()),
        endpoint_url: Some(moto().url.clone()),
        ..Overrides::default()
    };
    let config = config::load_with(&overrides, None).expect("the written config loads");
    let clients = amiboard::aws::client::connect_with_static_credentials(
        &amiboard::ops::connect_settings(&config),
        "testing",
        "testing",
    )
    .await
    .expect("connect");
    Context::from_clients(config, clients)
}

/// The binary with `--config path` and none of the test's amiboard
/// variables: everything it names comes from the file.
fn run_with(env: &TestEnv, path: &Path, args: &[&str]) -> String {
    let mut cmd = env.cmd();
    cmd.env_remove("AMIBOARD_PREFIX")
        .env_remove("AMIBOARD_PIPELINE_ARN")
        .arg("--config")
        .arg(path)
        .args(args);
    let out = cmd.output().expect("run amiboard");
    assert!(
        out.status.success(),
        "amiboard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn assert_resources(ctx: &Context, prefix: &str, out: &BTreeMap<String, String>) {
    let clients = &ctx.sdk().expect("sdk").clients;
    for table in ["lifecycles", "semver-seeds", "ami-lookup"] {
        let name = format!("{prefix}{table}");
        let described = clients
            .dynamodb
            .describe_table()
            .table_name(&name)
            .send()
            .await;
        let described = described.expect("table").table.expect("table");
        assert_eq!(described.deletion_protection_enabled, Some(true), "{name}");
        let backups = clients
            .dynamodb
            .describe_continuous_backups()
            .table_name(&name)
            .send()
            .await
            .expect("continuous backups");
        let pitr = backups
            .continuous_backups_description
            .and_then(|d| d.point_in_time_recovery_description)
            .and_then(|p| p.point_in_time_recovery_status);
        assert_eq!(
            pitr.map(|s| s.as_str().to_string()).as_deref(),
            Some("ENABLED"),
            "{name}"
        );
    }
    // Each service topic's policy lets its service publish.
    for (key, publisher) in [
        ("lifecycleTopicArn", "SNS:Publish"),
        ("imagebuilderTopicArn", "imagebuilder.amazonaws.com"),
        ("ec2EventsTopicArn", "events.amazonaws.com"),
        ("runCommandTopicArn", "ssm.amazonaws.com"),
    ] {
        let attributes = clients
            .sns
            .get_topic_attributes()
            .topic_arn(&out[key])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let policy = attributes
            .attributes()
            .and_then(|a| a.get("Policy"))
            .cloned()
            .unwrap_or_default();
        assert!(policy.contains(publisher), "{key}: {policy}");
    }
    let rule = format!("{prefix}ec2-ami-events");
    let described = clients
        .eventbridge
        .describe_rule()
        .name(&rule)
        .send()
        .await
        .expect("rule");
    assert!(
        described
            .event_pattern()
            .unwrap_or_default()
            .contains("EC2 AMI State Change")
    );
    let targets = clients
        .eventbridge
        .list_targets_by_rule()
        .rule(&rule)
        .send()
        .await
        .expect("targets");
    assert_eq!(targets.targets()[0].arn(), out["ec2EventsTopicArn"]);
    for workflow in Workflow::ALL {
        let arn = workflow.machine_arn(prefix, "us-east-1", "123456789012");
        let machine = clients
            .sfn
            .describe_state_machine()
            .state_machine_arn(&arn)
            .send()
            .await
            .expect("state machine");
        let deployed: Value = serde_json::from_str(machine.definition()).expect("JSON");
        let binary: Value = serde_json::from_str(workflow.definition()).expect("JSON");
        assert_eq!(deployed, binary, "{}", workflow.slug());
        assert_eq!(machine.role_arn(), out["workflowsRoleArn"]);
    }
    for role in ["workflows", "run-command", "vmimport", "smoke-instance"] {
        clients
            .iam
            .get_role()
            .role_name(format!("{prefix}{role}"))
            .send()
            .await
            .expect(role);
    }
    let profile = clients
        .iam
        .get_instance_profile()
        .instance_profile_name(&out["smokeInstanceProfileName"])
        .send()
        .await
        .expect("instance profile");
    let roles = profile
        .instance_profile
        .map(|p| p.roles)
        .unwrap_or_default();
    assert_eq!(roles[0].role_name(), format!("{prefix}smoke-instance"));
    for key in ["exportBucketName", "backupBucketName"] {
        let bucket = &out[key];
        assert!(bucket.ends_with("-123456789012-us-east-1"), "{bucket}");
        let block = clients
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .expect("block");
        let block = block
            .public_access_block_configuration
            .expect("configuration");
        assert_eq!(block.block_public_acls, Some(true));
        assert_eq!(block.restrict_public_buckets, Some(true));
        let lifecycle = clients
            .s3
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
            .expect("lifecycle rules");
        assert_eq!(lifecycle.rules().len(), 1, "{bucket}");
        clients
            .s3
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .expect("encryption");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_deploys_and_drives_a_lifecycle_from_its_outputs() {
    let env = TestEnv::new();
    let prefix = env.prefix.clone();
    let stack = deploy(
        &env,
        &format!("{prefix}stack"),
        &[
            ("Prefix", &prefix),
            ("PipelineNamePrefix", &prefix),
            ("CreateExamplePipeline", "true"),
            (
                "SelectionExportName",
                &format!("{prefix}amiSelectionTableName"),
            ),
        ],
    );
    let not_created: BTreeMap<String, String> =
        serde_json::from_value(stack["NotCreated"].clone()).expect("NotCreated");
    let expected: BTreeMap<String, String> = NOT_CREATED
        .iter()
        .map(|(l, t)| ((*l).to_string(), (*t).to_string()))
        .collect();
    assert_eq!(
        not_created, expected,
        "update NOT_CREATED and docs/deploy.md"
    );
    let out = outputs(&stack);
    assert_eq!(out["amiSelectionTableName"], format!("{prefix}ami-lookup"));
    // Left empty, the smoke network is not exported and no key is granted.
    assert!(!out.contains_key("smokeSubnetId"), "{out:?}");
    assert!(!out.contains_key("smokeSecurityGroupIds"), "{out:?}");
    let ctx = env.context().await;
    let workflows = workflows_policy(&ctx, &prefix).await;
    assert!(!workflows.contains("kms:"), "{workflows}");
    assert_eq!(
        out["examplePipelineArn"],
        format!("arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/{prefix}example")
    );

    let described = env.dir.path().join("stack.json");
    std::fs::write(
        &described,
        serde_json::json!({ "Stacks": [stack] }).to_string(),
    )
    .expect("write");
    let (code, config_text, err) =
        env.run(&["config-from-stack", &described.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let path = env.dir.path().join("from-stack.toml");
    std::fs::write(&path, &config_text).expect("write config");
    let ctx = context_from(&path).await;
    assert_eq!(ctx.config.prefix, prefix);
    assert_resources(&ctx, &prefix, &out).await;

    let created = run_with(
        &env,
        &path,
        &[
            "create",
            "--stack-tag",
            "web",
            "--product-name",
            "web",
            "--product-version",
            "1.0",
            "--yes",
            "--json",
        ],
    );
    let created: Value = serde_json::from_str(&created).expect("create --json");
    let id = created["lifecycle_id"].as_str().expect("id").to_string();
    let lc = settle(&ctx, &id, creation(EventKind::AmiBuild)).await;
    let build = lc.record(creation(EventKind::AmiBuild)).expect("build");
    assert_eq!(build.status, EventStatus::Completed, "{:?}", build.reason);
    assert!(
        build
            .execution_arn
            .as_deref()
            .is_some_and(|a| a.contains(&format!(":{prefix}build:"))),
        "{:?}",
        build.execution_arn
    );
    // Built by the stack's example pipeline (`[workflows] pipeline_arn`).
    let image = build.outputs.image_arn.clone().unwrap_or_default();
    assert!(
        image.contains(&format!(":image/{prefix}example/")),
        "{image}"
    );
    assert!(
        !build.outputs.amis.is_empty(),
        "the build recorded its AMIs"
    );

    // Then to production on the stack's own machines, roles, instance
    // profile and buckets, with the strict local stack (a smoke test needs a
    // managed node, the export a VM Import role that trusts vmie).
    for (name, event) in [
        ("SMOKE_TESTS", EventKind::SmokeTests),
        ("VULNERABILITY_SCANS", EventKind::VulnerabilityScans),
        (
            "QA_CERTIFICATION_REQUEST",
            EventKind::QaCertificationRequest,
        ),
    ] {
        run_with(&env, &path, &["trigger", &id, name, "--yes"]);
        let lc = settle(&ctx, &id, creation(event)).await;
        let record = lc.record(creation(event)).expect("record");
        assert_eq!(
            record.status,
            EventStatus::Completed,
            "{name}: {:?}",
            record.reason
        );
    }
    run_with(
        &env,
        &path,
        &["certify", &id, "--reason", "QA signed off", "--yes"],
    );
    run_with(&env, &path, &["promote", &id, "--yes"]);
    let lc = settle(&ctx, &id, creation(EventKind::MarkForProduction)).await;
    let prod = lc
        .record(creation(EventKind::MarkForProduction))
        .expect("promotion");
    assert_eq!(prod.status, EventStatus::Completed, "{:?}", prod.reason);
    assert!(
        prod.outputs
            .backup_object
            .as_deref()
            .is_some_and(|o| o.starts_with(&format!("s3://{}", out["backupBucketName"]))),
        "{:?}",
        prod.outputs
    );
}

/// A table as both paths should make it: keys, attribute types, indexes,
/// billing, deletion protection and point-in-time recovery.
async fn table_shape(ctx: &Context, name: &str) -> Value {
    let dynamodb = &ctx.sdk().expect("sdk").clients.dynamodb;
    let table = dynamodb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .expect("table");
    let table = table.table.expect("table");
    let keys = |k: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<String> {
        k.iter()
            .map(|e| format!("{}:{}", e.attribute_name(), e.key_type().as_str()))
            .collect()
    };
    let attributes: BTreeSet<String> = table
        .attribute_definitions()
        .iter()
        .map(|a| format!("{}:{}", a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    let indexes: Vec<Value> = table
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            serde_json::json!({
                "name": g.index_name(),
                "keys": keys(g.key_schema()),
                "projection": g.projection().and_then(|p| p.projection_type()).map(|p| p.as_str().to_string()),
            })
        })
        .collect();
    let pitr = dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .expect("backups")
        .continuous_backups_description
        .and_then(|d| d.point_in_time_recovery_description)
        .and_then(|p| p.point_in_time_recovery_status)
        .map(|s| s.as_str().to_string());
    serde_json::json!({
        "keys": keys(table.key_schema()),
        "attributes": attributes,
        "indexes": indexes,
        "billing": table.billing_mode_summary().and_then(|b| b.billing_mode()).map(|b| b.as_str().to_string()),
        "deletion_protection": table.deletion_protection_enabled(),
        "pitr": pitr,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_makes_what_the_template_makes() {
    let provisioned = TestEnv::new();
    provisioned.ok(&["provision"]);
    let stacked = TestEnv::new();
    let stack = deploy(
        &stacked,
        &format!("{}stack", stacked.prefix),
        &[
            ("Prefix", &stacked.prefix),
            (
                "SelectionExportName",
                &format!("{}amiSelectionTableName", stacked.prefix),
            ),
        ],
    );
    let out = outputs(&stack);
    let a = provisioned.context().await;
    let b = stacked.context().await;
    for table in ["lifecycles", "semver-seeds", "ami-lookup"] {
        let from_provision = table_shape(&a, &format!("{}{table}", provisioned.prefix)).await;
        let from_stack = table_shape(&b, &format!("{}{table}", stacked.prefix)).await;
        assert_eq!(from_provision, from_stack, "{table}");
        assert_eq!(from_provision["pitr"], "ENABLED", "{table}");
        assert_eq!(from_provision["deletion_protection"], true, "{table}");
    }
    let clients = &a.sdk().expect("sdk").clients;
    for (key, name) in [
        ("lifecycleTopicArn", "lifecycle-events"),
        ("imagebuilderTopicArn", "imagebuilder-images"),
        ("ec2EventsTopicArn", "ec2-ami-events"),
        ("runCommandTopicArn", "run-command"),
    ] {
        assert_eq!(
            out[key],
            format!(
                "arn:aws:sns:us-east-1:123456789012:{}{name}",
                stacked.prefix
            )
        );
        let arn = format!(
            "arn:aws:sns:us-east-1:123456789012:{}{name}",
            provisioned.prefix
        );
        clients
            .sns
            .get_topic_attributes()
            .topic_arn(&arn)
            .send()
            .await
            .expect("provisioned topic");
    }
    for workflow in Workflow::ALL {
        let definition = |prefix: &str| {
            let arn = workflow.machine_arn(prefix, "us-east-1", "123456789012");
            let sfn = clients.sfn.clone();
            async move {
                let machine = sfn
                    .describe_state_machine()
                    .state_machine_arn(arn)
                    .send()
                    .await
                    .expect("machine");
                serde_json::from_str::<Value>(machine.definition()).expect("JSON")
            }
        };
        assert_eq!(
            definition(&provisioned.prefix).await,
            definition(&stacked.prefix).await,
            "{}",
            workflow.slug()
        );
    }
}

/// The workflows role's inline policy, as IAM holds it.
async fn workflows_policy(ctx: &Context, prefix: &str) -> String {
    let iam = &ctx.sdk().expect("sdk").clients.iam;
    let policy = iam
        .get_role_policy()
        .role_name(format!("{prefix}workflows"))
        .policy_name("workflows")
        .send()
        .await
        .expect("the workflows policy");
    let text = policy.policy_document().to_string();
    // IAM returns it URL-encoded.
    text.replace("%22", "\"")
        .replace("%3A", ":")
        .replace("%2F", "/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smoke_network_and_the_snapshot_key_reach_the_outputs_config_and_role() {
    let env = TestEnv::new();
    let prefix = env.prefix.clone();
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let stack = deploy(
        &env,
        &format!("{prefix}stack"),
        &[
            ("Prefix", &prefix),
            ("PipelineNamePrefix", &prefix),
            (
                "SelectionExportName",
                &format!("{prefix}amiSelectionTableName"),
            ),
            ("SmokeSubnetId", "subnet-0123abcd"),
            ("SmokeSecurityGroupIds", "sg-0123abcd,sg-4567ef01"),
            ("SnapshotKmsKeyArn", key),
        ],
    );
    let out = outputs(&stack);
    assert_eq!(out["smokeSubnetId"], "subnet-0123abcd");
    assert_eq!(out["smokeSecurityGroupIds"], "sg-0123abcd,sg-4567ef01");

    let described = env.dir.path().join("stack.json");
    std::fs::write(
        &described,
        serde_json::json!({ "Stacks": [stack] }).to_string(),
    )
    .expect("write");
    let (code, text, err) = env.run(&["config-from-stack", &described.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let file = config::parse_file(&text, Path::new("from-stack.toml")).expect("loads");
    let w = &file.workflows;
    assert_eq!(w.smoke_subnet_id.as_deref(), Some("subnet-0123abcd"));
    assert_eq!(
        w.smoke_security_group_ids,
        Some(vec!["sg-0123abcd".to_string(), "sg-4567ef01".to_string()])
    );
    assert_eq!(
        w.smoke_instance_profile.as_deref(),
        Some(format!("{prefix}smoke-instance").as_str())
    );

    let ctx = env.context().await;
    let workflows = workflows_policy(&ctx, &prefix).await;
    assert!(workflows.contains("DecryptSnapshots"), "{workflows}");
    assert!(workflows.contains(key), "{workflows}");
}
