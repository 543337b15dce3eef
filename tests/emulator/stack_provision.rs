//! `provision` on the emulator makes what the template makes: the same
//! tables (keys, indexes, billing, protection, recovery) and state machines.

use std::collections::BTreeSet;

use amiboard::ops::Context;
use amiboard::ops::workflows::Workflow;
use serde_json::Value;

use crate::stack::{deploy, outputs};
use crate::support::TestEnv;

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
