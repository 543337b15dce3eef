//! The mapping of the reference solution's stored items, from items shaped
//! as its lifecycle-state table holds them (reference-solution-internals §1.1).
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

mod problems;

use serde_json::{Value, json};

use super::{map_item, parse_date};
use crate::lifecycle::{Bump, EventKind, EventRef, EventStatus, Stage};

const ID: &str = "2b4c443f-44fe-442f-a233-32fb5dac5e2c";

fn result(name: &str, status: &str, date: &str, properties: Value) -> Value {
    json!({"name": name, "status": status, "status_date": date, "lifecycle_id": ID,
           "api_key": "<creation-receiver-key>", "properties": properties})
}

fn build_result(ami: &str, semver: &str) -> Value {
    let mut r = result(
        "BUILD_AMI",
        "COMPLETED",
        "08/21/2022, 10:45:35",
        json!({
            "task": "AMI_BUILD_EVENT_NOTIFIER",
            "ami_details": [{"region": "eu-west-1", "image": ami,
                "name": "AmiLifecycle-ImageRecipe-2022-08-21T10-19-01.123Z", "description": "...",
                "state": {"status": "AVAILABLE"}, "accountId": "111122223333", "ami_semver": semver}],
            "imagebuilder_image_arn": "arn:aws:imagebuilder:eu-west-1:111122223333:image/ami-lifecycle-image-recipe/1.0.0/3",
            "imagebuilder_source_pipeline_name": "arn:aws:imagebuilder:eu-west-1:111122223333:image-pipeline/ami-lifecycle-pipeline"
        }),
    );
    r["product_ver"] = json!("1.0.0");
    r
}

/// The creation events of the internals' example item (§1.1.5), all COMPLETED.
fn creation_done() -> Vec<Value> {
    let mut qa = result(
        "QA_CERTIFICATION_RESPONSE",
        "COMPLETED",
        "08/22/2022, 09:00:00",
        json!({"qa_jira_ref": "https://jira.com/browse/12345", "qa_owner": "QA", "qa_comment": "ok"}),
    );
    qa["certification_status"] = json!("CERTIFIED");
    vec![
        build_result("ami-0478fc32f88c7f6a7", "1.0.0"),
        result(
            "SMOKE_TESTS_AMI_CREATE",
            "COMPLETED",
            "08/21/2022, 10:58:02",
            json!({"task": "SMOKE_TESTS_EVENT_NOTIFIER", "smoke_tests_status": "PASSED"}),
        ),
        result(
            "VULNERABILIY_SCANS_AMI_CREATE",
            "COMPLETED",
            "08/21/2022, 11:20:44",
            json!({"ami_contains_vulnerabilities": true, "total_vulnerabilities": "3",
                   "vulnerability_severities": {"INFORMATIONAL": "0", "LOW": "1", "MEDIUM": "2",
                       "HIGH": "0", "CRITICAL": "0", "UNTRIAGED": "0"},
                   "vulnerability_scans_status": "PASSED"}),
        ),
        result(
            "QA_CERTIFICATION_REQUEST",
            "COMPLETED",
            "08/21/2022, 12:31:10",
            json!({"ami_id": "ami-0478fc32f88c7f6a7",
                   "export_image_path": "s3://vmdkexport/exports/2b4c/ami-0478fc32f88c7f6a7/export-ami-044.vmdk",
                   "export_presign_s3_url": "https://example/X-Amz-Signature=secret"}),
        ),
        qa,
        result(
            "MARK_FOR_PRODUCTION_CREATE",
            "COMPLETED",
            "08/22/2022, 09:40:00",
            json!({"s3_bucket": "amilifecycle-amibackupbucket", "s3_object_key": "ami-0478fc32f88c7f6a7.bin",
                   "ami_backup_state": "COMPLETED", "approval_status": "APPROVED"}),
        ),
    ]
}

fn item(creation: Vec<Value>) -> Value {
    json!({
        "lifecycle_id": ID, "stack_tag": "main", "owner": "ownername",
        "product_name": "My Product Name", "product_ver": "1.0.0",
        "commit_ref": "624730fa6a9852b00781ac514c7657df4f17317b",
        "notifications": [{"method": "EMAIL", "target": "user@domain.com"}],
        "properties": {"GITLAB_PIPELINE_URL": "https://gitlab.com/pipelines/1234567"},
        "creation_date": "08/21/2022, 10:18:20",
        "update_date": "08/21/2022, 11:02:13",
        "timeline": {"ami_creation": "https://x/dev/ami-creation/lifecycles/2b4c/timeline?api_key=<key>"},
        "inputs_ami_creation": {"events": [{"name": "BUILD_AMI", "enabled": false}]},
        "outputs_ami_creation": {"events": creation}
    })
}

/// The example item as stored: creation complete, one patch cycle whose
/// PATCH_AMI completed, its smoke tests running.
fn example() -> Value {
    let mut it = item(creation_done());
    let mut patch = result(
        "PATCH_AMI",
        "COMPLETED",
        "08/23/2022, 08:40:00",
        json!({
        "task": "AMI_PATCH_EVENT_NOTIFIER",
        "ami_details": [{"region": "eu-west-1", "image": "ami-0aaa", "name": "AmiLifecycle-2022-08-23T08-05-00.000Z",
                         "accountId": "111122223333", "ami_semver": "1.1.0"}],
        "ami_ancestry": "ami-0478fc32f88c7f6a7 (v1.0.0)"}),
    );
    patch["semver_bump_type"] = json!("MINOR");
    it["inputs_ami_patch"] = json!({"owner": "ownername", "update_date": "08/23/2022, 08:00:00",
        "events": [{"name": "PATCH_AMI", "enabled": true}], "commit_ref": "9f1c",
        "properties": {"patch_component_url": "s3://patch-bucket/2b4c/sample_component.yaml",
                       "patch_change_description": "Adds Apache Httpd", "semver_bump_type": "MINOR"}});
    it["outputs_ami_patch"] =
        json!({"patch_history": {"current": {"events": [patch]}, "historical": []}});
    it["event_in_progress"] = json!({"name": "SMOKE_TESTS_AMI_PATCH",
        "description": "Executes a series of smoke tests against a patched AMI.",
        "statemachine_arn": "arn:aws:states:eu-west-1:111122223333:stateMachine:smoke",
        "statemachine_input": "\"{}\"",
        "execution_arn": "arn:aws:states:eu-west-1:111122223333:execution:smoke:uuid",
        "execution_startdate": "08/23/2022, 08:41:00",
        "properties": {"smoke_test_ami_id": "ami-0aaa"}});
    it
}

fn status(lc: &crate::lifecycle::Lifecycle, stage: Stage, event: EventKind) -> EventStatus {
    lc.record(EventRef { stage, event }).unwrap().status
}

#[test]
fn the_example_item_maps_to_a_lifecycle_with_its_events_and_patch_cycle() {
    let lc = map_item(&example()).unwrap();
    assert_eq!(lc.lifecycle_id, ID);
    assert_eq!(
        (lc.stack_tag.as_str(), lc.owner.as_str()),
        ("main", "ownername")
    );
    assert_eq!(
        (lc.product_name.as_str(), lc.product_version.as_str()),
        ("My Product Name", "1.0.0")
    );
    assert_eq!(lc.commit_ref, "624730fa6a9852b00781ac514c7657df4f17317b");
    assert_eq!(lc.ami_semver.as_deref(), Some("1.0.0"));
    assert_eq!(lc.created_at, parse_date("08/21/2022, 10:18:20").unwrap());
    assert_eq!(
        lc.updated_at,
        parse_date("08/23/2022, 08:41:00").unwrap(),
        "the latest date it holds"
    );
    assert_eq!(
        lc.pipeline_arn.as_deref(),
        Some("arn:aws:imagebuilder:eu-west-1:111122223333:image-pipeline/ami-lifecycle-pipeline")
    );
    for event in crate::lifecycle::CREATION_SEQUENCE {
        assert_eq!(
            status(&lc, Stage::Creation, event),
            EventStatus::Completed,
            "{event}"
        );
    }
    let build = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::AmiBuild,
        })
        .unwrap();
    assert_eq!(build.attempt, 1);
    assert_eq!(build.finished_at, parse_date("08/21/2022, 10:45:35"));
    assert_eq!(
        lc.stage_amis(Stage::Creation)[0].ami_id,
        "ami-0478fc32f88c7f6a7"
    );
    assert_eq!(lc.stage_amis(Stage::Creation)[0].region, "eu-west-1");
    let scans = lc.latest_vulnerabilities().unwrap();
    assert_eq!((scans.low, scans.medium, scans.critical), (1, 2, 0));
    let qa = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationResponse,
        })
        .unwrap();
    assert_eq!(
        (qa.actor.as_deref(), qa.reason.as_deref()),
        (Some("QA"), Some("ok"))
    );
    let request = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationRequest,
        })
        .unwrap();
    assert!(
        request
            .outputs
            .export_location
            .as_deref()
            .unwrap()
            .ends_with("export-ami-044.vmdk")
    );
    let production = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::MarkForProduction,
        })
        .unwrap();
    assert_eq!(
        production.outputs.backup_object.as_deref(),
        Some("s3://amilifecycle-amibackupbucket/ami-0478fc32f88c7f6a7.bin")
    );

    assert_eq!(lc.patches.len(), 1);
    let cycle = &lc.patches[0];
    assert_eq!(
        (cycle.number, cycle.bump, cycle.semver.as_str()),
        (1, Bump::Minor, "1.1.0")
    );
    assert_eq!(
        (cycle.parent_ami_id.as_str(), cycle.parent_semver.as_str()),
        ("ami-0478fc32f88c7f6a7", "1.0.0")
    );
    assert_eq!(
        cycle.component.as_deref(),
        Some("s3://patch-bucket/2b4c/sample_component.yaml")
    );
    assert_eq!(
        status(&lc, Stage::Patch(1), EventKind::AmiPatch),
        EventStatus::Completed
    );
    // event_in_progress: the patch's smoke tests are running.
    let smoke = lc
        .record(EventRef {
            stage: Stage::Patch(1),
            event: EventKind::SmokeTests,
        })
        .unwrap();
    assert_eq!((smoke.status, smoke.attempt), (EventStatus::InProgress, 1));
    assert_eq!(smoke.started_at, parse_date("08/23/2022, 08:41:00"));
    assert_eq!(
        smoke.execution_arn.as_deref(),
        Some("arn:aws:states:eu-west-1:111122223333:execution:smoke:uuid")
    );
    assert_eq!(
        status(&lc, Stage::Patch(1), EventKind::VulnerabilityScans),
        EventStatus::NotStarted
    );
    assert_eq!(lc.newest_semver(), Some("1.1.0"));
}

#[test]
fn secrets_and_chaining_flags_are_left_out_and_the_rest_kept_as_properties() {
    let mut it = example();
    it["team_slack"] = json!("#images");
    let lc = map_item(&it).unwrap();
    let text = serde_json::to_string(&lc).unwrap();
    for secret in [
        "api_key",
        "<key>",
        "<creation-receiver-key>",
        "X-Amz-Signature",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(
        lc.properties["GITLAB_PIPELINE_URL"],
        "https://gitlab.com/pipelines/1234567"
    );
    assert_eq!(
        lc.properties["reference.notifications"],
        "EMAIL:user@domain.com"
    );
    assert_eq!(lc.properties["reference.team_slack"], "#images");
    let scans = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::VulnerabilityScans,
        })
        .unwrap();
    assert_eq!(scans.outputs.extra["untriaged"], "0");
    assert_eq!(scans.outputs.extra["vulnerability_scans_status"], "PASSED");
}

#[test]
fn failed_errors_timeouts_and_a_running_build() {
    // A FAILED QA response (certification_status FAILED).
    let mut events = creation_done();
    events.truncate(4);
    let mut qa = result(
        "QA_CERTIFICATION_RESPONSE",
        "FAILED",
        "08/22/2022, 09:00:00",
        json!({"qa_comment": "kernel panic"}),
    );
    qa["certification_status"] = json!("FAILED");
    events.push(qa);
    let lc = map_item(&item(events)).unwrap();
    let qa = lc
        .record(EventRef {
            stage: Stage::Creation,
            event: EventKind::QaCertificationResponse,
        })
        .unwrap();
    assert_eq!(
        (qa.status, qa.reason.as_deref()),
        (EventStatus::Failed, Some("kernel panic"))
    );

    // A rejected approval, then an approval whose state machine broke or timed out.
    let mut events = creation_done();
    events[5]["status"] = json!("FAILED");
    events[5]["properties"] = json!({"approval_status": "FAILED", "s3_bucket": "NOT_APPLICABLE", "s3_object_key": "NOT_APPLICABLE"});
    let mut it = item(events);
    let rejected = map_item(&it).unwrap();
    let production = EventRef {
        stage: Stage::Creation,
        event: EventKind::MarkForProduction,
    };
    let record = rejected.record(production).unwrap();
    assert_eq!(
        (record.status, record.reason.as_deref()),
        (EventStatus::Failed, Some("approval_status: FAILED"))
    );
    assert_eq!(record.outputs.backup_object, None);
    for (error, word) in [("ERROR", "boom"), ("ERROR_EVENT_TIMEOUT", "timed out")] {
        it["event_in_progress"] = json!({"name": "MARK_FOR_PRODUCTION_CREATE", "execution_arn": "arn:x",
            "execution_startdate": "08/22/2022, 10:00:00", "status": error,
            "status_date": "08/22/2022, 14:00:00", "error_message": word, "stack_trace": "See error_message"});
        let lc = map_item(&it).unwrap();
        let record = lc.record(production).unwrap();
        assert_eq!(
            (record.status, record.attempt, record.reason.as_deref()),
            (EventStatus::Error, 2, Some(word)),
            "{error}"
        );
        assert_eq!(record.finished_at, parse_date("08/22/2022, 14:00:00"));
        assert_eq!(record.started_at, parse_date("08/22/2022, 10:00:00"));
    }

    // A lifecycle whose BUILD_AMI is still running has no events yet.
    let mut it = item(vec![]);
    it.as_object_mut().unwrap().remove("outputs_ami_creation");
    it["event_in_progress"] = json!({"name": "BUILD_AMI", "execution_arn": "arn:build",
        "execution_startdate": "08/21/2022, 10:18:21",
        "properties": {"imagebuilder_pipeline_arn": "arn:aws:imagebuilder:eu-west-1:1:image-pipeline/p"}});
    let lc = map_item(&it).unwrap();
    assert_eq!(
        status(&lc, Stage::Creation, EventKind::AmiBuild),
        EventStatus::InProgress
    );
    assert_eq!(lc.ami_semver, None);
    assert_eq!(
        lc.pipeline_arn.as_deref(),
        Some("arn:aws:imagebuilder:eu-west-1:1:image-pipeline/p")
    );
    assert!(lc.running().is_some());
}

#[test]
fn historical_cycles_come_first_and_a_running_patch_build_opens_a_cycle() {
    let mut it = example();
    let patch = |ami: &str, semver: &str, bump: &str, date: &str| {
        let mut r = result(
            "PATCH_AMI",
            "COMPLETED",
            date,
            json!({"ami_details": [
            {"region": "eu-west-1", "image": ami, "ami_semver": semver}]}),
        );
        r["semver_bump_type"] = json!(bump);
        json!({"events": [r, result("SMOKE_TESTS_AMI_PATCH", "COMPLETED", date, json!({"task": "t"}))]})
    };
    it["outputs_ami_patch"] = json!({"patch_history": {
        "historical": [patch("ami-p1", "1.1.0", "MINOR", "08/23/2022, 08:40:00")],
        "current": patch("ami-p2", "1.1.1", "PATCH", "08/24/2022, 08:40:00")}});
    it["event_in_progress"] = json!({"name": "PATCH_AMI", "execution_arn": "arn:patch",
        "execution_startdate": "08/25/2022, 08:00:00",
        "properties": {"parent_ami_id": "ami-p2", "parent_ami_semver": "1.1.1", "semver_bump_type": "MINOR",
                       "patch_component_url": "s3://b/c.yaml", "patch_change_description": "openssl"}});
    let lc = map_item(&it).unwrap();
    let summary: Vec<_> = lc
        .patches
        .iter()
        .map(|c| {
            (
                c.number,
                c.parent_ami_id.as_str(),
                c.semver.as_str(),
                c.bump,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "ami-0478fc32f88c7f6a7", "1.1.0", Bump::Minor),
            (2, "ami-p1", "1.1.1", Bump::Patch),
            (3, "ami-p2", "1.2.0", Bump::Minor),
        ]
    );
    assert_eq!(
        status(&lc, Stage::Patch(2), EventKind::SmokeTests),
        EventStatus::Completed
    );
    assert_eq!(
        status(&lc, Stage::Patch(3), EventKind::AmiPatch),
        EventStatus::InProgress
    );
    assert_eq!(lc.patches[2].description.as_deref(), Some("openssl"));
    assert_eq!(
        lc.patches[1].component, None,
        "the reference froze only the first patch's inputs"
    );
}

#[test]
fn trust_04c_a_failed_patch_build_imports_with_its_parent_inferred_and_marked() {
    // The reference's error path replaced the running PATCH_AMI's
    // properties: no parent, no bump, only the error.
    let mut it = example();
    it.as_object_mut().expect("map").remove("outputs_ami_patch");
    it["event_in_progress"] = json!({"name": "PATCH_AMI", "execution_arn": "arn:patch",
        "execution_startdate": "08/25/2022, 08:00:00", "status": "ERROR",
        "status_date": "08/25/2022, 08:30:00", "error_message": "Image Builder failed",
        "stack_trace": "x", "properties": {}});
    let lc = map_item(&it).expect("imported, not refused");
    assert_eq!(lc.patches.len(), 1);
    let cycle = &lc.patches[0];
    assert_eq!(
        (
            cycle.parent_ami_id.as_str(),
            cycle.parent_semver.as_str(),
            cycle.semver.as_str()
        ),
        ("ami-0478fc32f88c7f6a7", "1.0.0", "1.0.1")
    );
    assert_eq!(
        status(&lc, Stage::Patch(1), EventKind::AmiPatch),
        EventStatus::Error
    );
    let mark = lc
        .properties
        .get(super::patches::INFERRED)
        .expect("the inference is marked");
    assert!(
        mark.contains("parent ami-0478fc32f88c7f6a7 1.0.0 is inferred"),
        "{mark}"
    );
    assert!(mark.contains("bump PATCH assumed"), "{mark}");
    // A running patch build without its parent is still refused: nothing
    // says it failed, so nothing may be guessed.
    it["event_in_progress"] = json!({"name": "PATCH_AMI", "execution_arn": "arn:patch",
        "execution_startdate": "08/25/2022, 08:00:00", "properties": {}});
    assert!(map_item(&it).is_err());
}

#[test]
fn trust_04a_and_04e_the_mapping_refuses_what_create_refuses_and_huge_majors() {
    let mut it = example();
    it["stack_tag"] = json!("main\u{1b}[2J");
    let err = map_item(&it).expect_err("a control character");
    assert!(
        err.reasons
            .iter()
            .any(|r| r.contains("stack_tag contains the control character U+001B")),
        "{:?}",
        err.reasons
    );
    let mut it = example();
    it["outputs_ami_creation"]["events"][0]["properties"]["ami_details"][0]["ami_semver"] =
        json!("18446744073709551615.0.0");
    let err = map_item(&it).expect_err("a MAJOR past the counter");
    assert!(
        err.reasons
            .iter()
            .any(|r| r.contains("MAJOR above 9007199254740991")),
        "{:?}",
        err.reasons
    );
}
