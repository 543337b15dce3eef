//! Adopting a reference-solution deployment against moto with the real
//! binary: the version floor its lookup rows and seed table set, `select`
//! with the reference selection client's criteria, and `import` of its
//! lifecycle table (dry run, idempotent, never over amiboard's changes).

use std::collections::HashMap;

use amiboard::ops::Context;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use serde_json::{Value, json};

use crate::support::TestEnv;
use crate::workflows::ready;

mod import;
mod trust;
mod trust_small;

fn dynamodb(ctx: &Context) -> &aws_sdk_dynamodb::Client {
    &ctx.sdk().expect("sdk").clients.dynamodb
}

/// Creates a table with the reference solution's schema: `key` as the
/// partition key and, unless `key` is `stack_tag`, a `stack_tag_index`.
async fn reference_table(ctx: &Context, name: &str, key: &str) {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute")
    };
    let hash = |n: &str| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(KeyType::Hash)
            .build()
            .expect("key")
    };
    let mut request = dynamodb(ctx)
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(hash(key))
        .attribute_definitions(attr(key));
    if key != "stack_tag" {
        request = request
            .attribute_definitions(attr("stack_tag"))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("stack_tag_index")
                    .key_schema(hash("stack_tag"))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .expect("index"),
            );
    }
    request.send().await.expect("create reference table");
}

/// Puts a JSON item as the reference solution's boto3 serializer stores it.
async fn put(ctx: &Context, table: &str, item: &Value) {
    let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(item).expect("item");
    dynamodb(ctx)
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .expect("put");
}

/// A lookup row exactly as the reference solution writes it (§1.3).
fn reference_row(tag: &str, semver: &str, region: &str, ami: &str, score: u8) -> Value {
    json!({
        "lookup_id": uuid::Uuid::new_v4().to_string(),
        "last_modified": "08/22/2022, 09:40:05",
        "stack_tag": tag,
        "ami_id": ami,
        "ami_semver": semver,
        "product_ver": "1.0.0",
        "product_name": "My Product Name",
        "commit_ref": format!("commit-{semver}"),
        "lifecycle_type": if semver.ends_with(".0.0") { "ami-creation" } else { "ami-patch" },
        "lifecycle_event": if score == 6 { "MARK_FOR_PRODUCTION_CREATE" } else { "SMOKE_TESTS_AMI_CREATE" },
        "lifecycle_score": score,
        "lifecycle_id": uuid::Uuid::new_v4().to_string(),
        "aws_region": region
    })
}

/// `create --json` in a stack tag; returns the version it was given.
fn created_version(env: &TestEnv, tag: &str) -> String {
    let out = env.ok(&[
        "create",
        "--stack-tag",
        tag,
        "--product-name",
        "web",
        "--product-version",
        "1.0",
        "--yes",
        "--json",
    ]);
    let value: Value = serde_json::from_str(&out).expect("create --json");
    value["ami_semver"]
        .as_str()
        .expect("ami_semver")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_gives_a_major_above_the_reference_rows_and_seed() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let lookup = ctx.config.tables.ami_lookup.clone();
    for (semver, ami) in [
        ("1.0.0", "ami-1"),
        ("2.0.0", "ami-2"),
        ("2.1.0", "ami-21"),
        ("3.0.0", "ami-3"),
    ] {
        put(
            &ctx,
            &lookup,
            &reference_row("legacy", semver, "us-east-1", ami, 6),
        )
        .await;
    }
    assert_eq!(created_version(&env, "legacy"), "4.0.0");
    assert_eq!(
        created_version(&env, "legacy"),
        "5.0.0",
        "the counter goes on from there"
    );
    assert_eq!(created_version(&env, "fresh"), "1.0.0");

    // The reference seed table, configured: its value is taken too.
    let seeds = format!("{}AmiSemverSeed", env.prefix);
    reference_table(&ctx, &seeds, "stack_tag").await;
    put(
        &ctx,
        &seeds,
        &json!({"stack_tag": "legacy", "ami_semver": "9.0.0"}),
    )
    .await;
    put(
        &ctx,
        &seeds,
        &json!({"stack_tag": "seeded", "ami_semver": "3.0.0"}),
    )
    .await;
    let config = env.dir.path().join("config/amiboard");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        format!("[tables]\nreference_semver_seeds = \"{seeds}\"\n"),
    )
    .expect("config");
    assert_eq!(created_version(&env, "legacy"), "10.0.0");
    assert_eq!(created_version(&env, "seeded"), "4.0.0");
    assert_eq!(
        created_version(&env, "fresh"),
        "2.0.0",
        "no seed item: the counter alone"
    );

    // A seed that is not a version stops the create before anything is reserved.
    put(
        &ctx,
        &seeds,
        &json!({"stack_tag": "broken", "ami_semver": "three"}),
    )
    .await;
    let (code, out, err) = env.run(&[
        "create",
        "--stack-tag",
        "broken",
        "--product-name",
        "web",
        "--product-version",
        "1.0",
        "--yes",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("`three` is not a version"), "{err}");
    let listing = ctx
        .store
        .list_all(Some("broken"), &mut |_| {})
        .await
        .expect("list");
    assert!(listing.lifecycles.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn select_takes_the_reference_clients_criteria_in_the_configured_region() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let lookup = ctx.config.tables.ami_lookup.clone();
    let rows = [
        reference_row("main", "1.0.0", "us-east-1", "ami-us1", 6),
        reference_row("main", "2.0.0", "us-east-1", "ami-us2", 2),
        reference_row("main", "3.0.0", "eu-west-1", "ami-eu3", 6),
        reference_row("main", "1.1.0", "us-east-1", "ami-us11", 6),
    ];
    for row in &rows {
        put(&ctx, &lookup, row).await;
    }
    let select = |args: &[&str]| {
        let mut all = vec!["select"];
        all.extend_from_slice(args);
        env.ok(&all).trim().to_string()
    };
    // The configured region (AWS_REGION us-east-1), not every region.
    assert_eq!(select(&["--stack-tag", "main"]), "ami-us2");
    assert_eq!(
        select(&["--stack-tag", "main", "--region", "eu-west-1"]),
        "ami-eu3"
    );
    assert_eq!(
        select(&["--stack-tag", "main", "--region", "any"]),
        "ami-eu3"
    );
    // The reference client's own flag names and labels.
    assert_eq!(
        select(&[
            "--stack_tag",
            "main",
            "--lifecycle_event",
            "PRODUCTION_APPROVED"
        ]),
        "ami-us11"
    );
    assert_eq!(
        select(&[
            "--stack_tag",
            "main",
            "--lifecycle_type",
            "ami-creation",
            "--lifecycle_event",
            "PRODUCTION_APPROVED"
        ]),
        "ami-us1"
    );
    assert_eq!(
        select(&[
            "--stack-tag",
            "main",
            "--commit_ref",
            "commit-1.0.0",
            "--product_name",
            "any",
            "--product_ver",
            "1.0.0",
            "--ami_semver",
            "latest",
            "--lifecycle_type",
            "any",
        ]),
        "ami-us1"
    );
    assert_eq!(
        select(&["--stack-tag", "main", "--ami-semver", "1.1.0"]),
        "ami-us11"
    );
    // --json prints the whole row as stored.
    let row: Value =
        serde_json::from_str(&select(&["--stack-tag", "main", "--json"])).expect("json");
    for key in [
        "lookup_id",
        "last_modified",
        "ami_semver",
        "product_ver",
        "product_name",
        "commit_ref",
        "lifecycle_type",
        "lifecycle_event",
        "lifecycle_score",
        "lifecycle_id",
        "aws_region",
    ] {
        assert_eq!(row[key], rows[1][key], "{key}");
    }
    // Nothing matching: exit 3, naming the region it looked in.
    let (code, _, err) = env.run(&[
        "select",
        "--stack-tag",
        "main",
        "--commit-ref",
        "commit-3.0.0",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("in region us-east-1"), "{err}");
    let (code, _, err) = env.run(&[
        "select",
        "--stack-tag",
        "main",
        "--lifecycle-type",
        "creation-only",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--lifecycle-type \"creation-only\""), "{err}");
}
