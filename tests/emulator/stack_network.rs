//! The template's optional smoke network and snapshot key on the emulator:
//! set, they reach the outputs, the config `config-from-stack` writes and
//! the workflows role; empty, they stay out.

use std::path::Path;

use amiboard::config;
use amiboard::ops::Context;

use crate::stack::{deploy, outputs};
use crate::support::TestEnv;

/// The workflows role's inline policy, as IAM holds it.
pub async fn workflows_policy(ctx: &Context, prefix: &str) -> String {
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
