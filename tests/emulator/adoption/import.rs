//! `import --from-reference`: dry run, read-only mode, idempotence, and
//! never over a lifecycle amiboard changed since.

use amiboard::aws::AwsError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use super::{created_version, dynamodb, put, reference_table};
use crate::support::TestEnv;
use crate::workflows::ready;

const CREATED: &str = "2b4c443f-44fe-442f-a233-32fb5dac5e2c";
const BUILDING: &str = "7d1e2f30-0000-4000-8000-000000000002";
const BROKEN: &str = "9f9f9f9f-0000-4000-8000-000000000003";

fn result(name: &str, status: &str, date: &str, properties: Value) -> Value {
    json!({"name": name, "status": status, "status_date": date, "lifecycle_id": CREATED,
           "api_key": "receiver-key", "properties": properties})
}

fn lifecycle(id: &str, events: Vec<Value>) -> Value {
    json!({
        "lifecycle_id": id, "stack_tag": "legacy", "owner": "ownername",
        "product_name": "My Product Name", "product_ver": "1.0.0", "commit_ref": "624730fa",
        "notifications": [{"method": "EMAIL", "target": "user@domain.com"}],
        "properties": {"GITLAB_PIPELINE_URL": "https://gitlab.com/pipelines/1234567"},
        "creation_date": "08/21/2022, 10:18:20",
        "timeline": {"ami_creation": "https://x/dev/timeline?api_key=timeline-key"},
        "inputs_ami_creation": {"events": [{"name": "BUILD_AMI", "enabled": true}]},
        "outputs_ami_creation": {"events": events}
    })
}

fn build(ami: &str) -> Value {
    result(
        "BUILD_AMI",
        "COMPLETED",
        "08/21/2022, 10:45:35",
        json!({
        "task": "AMI_BUILD_EVENT_NOTIFIER",
        "ami_details": [{"region": "us-east-1", "image": ami, "name": "AmiLifecycle-ImageRecipe",
                         "state": {"status": "AVAILABLE"}, "accountId": "123456789012", "ami_semver": "1.0.0"}]}),
    )
}

/// Three items: a finished creation with a patch whose smoke tests run, a
/// build still running, and one the import cannot map.
fn reference_items() -> Vec<Value> {
    let mut created = lifecycle(
        CREATED,
        vec![
            build("ami-0478fc32f88c7f6a7"),
            result(
                "SMOKE_TESTS_AMI_CREATE",
                "COMPLETED",
                "08/21/2022, 10:58:02",
                json!({"smoke_tests_status": "PASSED"}),
            ),
            result(
                "VULNERABILIY_SCANS_AMI_CREATE",
                "COMPLETED",
                "08/21/2022, 11:20:44",
                json!({
            "ami_contains_vulnerabilities": true, "total_vulnerabilities": "3",
            "vulnerability_severities": {"INFORMATIONAL": "0", "LOW": "1", "MEDIUM": "2", "HIGH": "0", "CRITICAL": "0", "UNTRIAGED": "0"}}),
            ),
            result(
                "QA_CERTIFICATION_REQUEST",
                "COMPLETED",
                "08/21/2022, 12:31:10",
                json!({"export_image_path": "s3://b/exports/x.vmdk"}),
            ),
            result(
                "QA_CERTIFICATION_RESPONSE",
                "COMPLETED",
                "08/22/2022, 09:00:00",
                json!({"qa_owner": "QA", "qa_comment": "ok"}),
            ),
            result(
                "MARK_FOR_PRODUCTION_CREATE",
                "COMPLETED",
                "08/22/2022, 09:40:00",
                json!({
            "s3_bucket": "backups", "s3_object_key": "ami-0478fc32f88c7f6a7.bin", "approval_status": "APPROVED"}),
            ),
        ],
    );
    let mut patch = result(
        "PATCH_AMI",
        "COMPLETED",
        "08/23/2022, 08:40:00",
        json!({
        "ami_details": [{"region": "us-east-1", "image": "ami-0aaa", "ami_semver": "1.1.0"}]}),
    );
    patch["semver_bump_type"] = json!("MINOR");
    created["outputs_ami_patch"] =
        json!({"patch_history": {"current": {"events": [patch]}, "historical": []}});
    created["event_in_progress"] = json!({"name": "SMOKE_TESTS_AMI_PATCH",
        "execution_arn": "arn:aws:states:us-east-1:123456789012:execution:smoke:1",
        "execution_startdate": "08/23/2022, 08:41:00"});
    let mut building = lifecycle(BUILDING, vec![]);
    building
        .as_object_mut()
        .expect("map")
        .remove("outputs_ami_creation");
    building["event_in_progress"] = json!({"name": "BUILD_AMI",
        "execution_arn": "arn:aws:states:us-east-1:123456789012:execution:build:2",
        "execution_startdate": "08/24/2022, 10:00:00"});
    let broken = lifecycle(
        BROKEN,
        vec![
            build("ami-0bbb"),
            result(
                "SMOKE_TEST_AMI_CREATE",
                "COMPLETED",
                "08/21/2022, 10:58:02",
                json!({"x": "y"}),
            ),
            result(
                "VULNERABILIY_SCANS_AMI_CREATE",
                "COMPLETED",
                "2022-08-21T10:58:02Z",
                json!({"x": "y"}),
            ),
        ],
    );
    vec![created, building, broken]
}

fn line_of<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(id))
        .unwrap_or_else(|| panic!("no line for {id}: {out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn import_maps_the_reference_table_once_and_keeps_amiboards_changes() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}AmiOrchestratorTable", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    for item in reference_items() {
        put(&ctx, &table, &item).await;
    }
    let missing = |id: &'static str| {
        let store = ctx.store.clone();
        async move { matches!(store.get(id).await, Err(AwsError::NotFound { .. })) }
    };

    // Read-only mode refuses the import itself, not the dry run.
    let (code, out, err) = env.run(&["--read-only", "import", "--from-reference", &table]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("refused: read-only mode"), "{err}");

    // Dry run: what it would write, and the item it cannot map with every reason.
    let (code, out, err) = env.run(&[
        "--read-only",
        "import",
        "--from-reference",
        &table,
        "--dry-run",
    ]);
    assert_eq!(code, 1, "an unmappable item fails the command: {out}{err}");
    assert!(line_of(&out, CREATED).starts_with("would create"), "{out}");
    assert!(line_of(&out, CREATED).contains("version 1.1.0"), "{out}");
    assert!(line_of(&out, BUILDING).starts_with("would create"), "{out}");
    let broken = line_of(&out, BROKEN);
    assert!(broken.starts_with("could not map"), "{out}");
    assert!(
        broken.contains("unknown event name \"SMOKE_TEST_AMI_CREATE\""),
        "{broken}"
    );
    assert!(
        broken.contains("bad date \"2022-08-21T10:58:02Z\""),
        "{broken}"
    );
    assert!(out.contains("Nothing was written"), "{out}");
    assert!(err.contains("1 item(s)"), "{err}");
    for id in [CREATED, BUILDING, BROKEN] {
        assert!(missing(id).await, "the dry run wrote {id}");
    }
    let json_out = env
        .cmd()
        .args(["import", "--from-reference", &table, "--dry-run", "--json"])
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&json_out.stdout).expect("--json");
    assert_eq!(report["dry_run"], true);
    let actions: Vec<_> = report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        [json!("create"), json!("create"), json!("unmapped")]
    );

    // The import writes the two it can map.
    let (code, out, _) = env.run(&["import", "--from-reference", &table]);
    assert_eq!(code, 1, "{out}");
    assert!(line_of(&out, CREATED).starts_with("created"), "{out}");
    assert!(line_of(&out, BUILDING).starts_with("created"), "{out}");
    assert!(missing(BROKEN).await);
    let lc = ctx.store.get(CREATED).await.expect("imported");
    assert_eq!(lc.newest_semver(), Some("1.1.0"));
    assert_eq!(lc.properties["amiboard.imported_from"], table);
    let text = serde_json::to_string(&lc).expect("json");
    assert!(
        !text.contains("receiver-key") && !text.contains("timeline-key"),
        "{text}"
    );

    // Again, with the unmappable item gone: nothing written, and it says so.
    dynamodb(&ctx)
        .delete_item()
        .table_name(&table)
        .key("lifecycle_id", AttributeValue::S(BROKEN.to_string()))
        .send()
        .await
        .expect("delete");
    let out = env.ok(&["import", "--from-reference", &table]);
    assert!(line_of(&out, CREATED).starts_with("unchanged"), "{out}");
    assert!(line_of(&out, BUILDING).starts_with("unchanged"), "{out}");
    assert!(out.contains("Nothing written"), "{out}");
    assert_eq!(
        ctx.store.get(CREATED).await.expect("get"),
        lc,
        "not rewritten"
    );

    // amiboard changes one; the reference moves the other on.
    let mut changed = lc.clone();
    changed.owner = "platform-team".to_string();
    ctx.store.save(&changed).await.expect("save");
    let mut finished = lifecycle(BUILDING, vec![build("ami-0ccc")]);
    finished["update_date"] = json!("08/24/2022, 11:00:00");
    put(&ctx, &table, &finished).await;
    let out = env.ok(&["import", "--from-reference", &table]);
    assert!(line_of(&out, CREATED).starts_with("kept"), "{out}");
    assert!(
        line_of(&out, CREATED).contains("changed in amiboard since"),
        "{out}"
    );
    assert!(line_of(&out, BUILDING).starts_with("updated"), "{out}");
    assert_eq!(
        ctx.store.get(CREATED).await.expect("get").owner,
        "platform-team"
    );
    let built = ctx.store.get(BUILDING).await.expect("get");
    assert_eq!(
        built.stage_amis(amiboard::lifecycle::Stage::Creation)[0].ami_id,
        "ami-0ccc"
    );
    let out = env.ok(&["import", "--from-reference", &table]);
    assert!(line_of(&out, BUILDING).starts_with("unchanged"), "{out}");

    // `show` shows the imported lifecycle with its events.
    let out = env.ok(&["show", CREATED]);
    for part in [
        "My Product Name",
        "1.1.0",
        "Production",
        "patch 1",
        "Smoke tests",
        // The reference's running smoke test names an execution that does
        // not exist here: it reads lost, never running (issue 20).
        "✗ lost",
        "✔ completed",
    ] {
        assert!(out.contains(part), "{part}: {out}");
    }
    // Imported versions are taken: the next build of the stack tag is 2.0.0.
    assert_eq!(created_version(&env, "legacy"), "2.0.0");
}
