//! Tests of the execution input: budgets, smoke phases, regions.

use super::*;
use crate::lifecycle::EventKind;
use crate::lifecycle::demo::demo_lifecycle;

fn setting(wait_seconds: u64, workflows: WorkflowsFile) -> Setting {
    Setting {
        prefix: "p-".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        lifecycle_table: "p-lifecycles".into(),
        lookup_table: "p-ami-lookup".into(),
        lifecycle_topic: "arn:aws:sns:us-east-1:123456789012:p-lifecycle-events".into(),
        imagebuilder_topic: "t".into(),
        ec2_topic: "t".into(),
        run_command_topic: "t".into(),
        wait_seconds,
        workflows,
    }
}

fn ami(region: &str, id: &str) -> AmiOutput {
    AmiOutput {
        region: region.into(),
        ami_id: id.into(),
        name: None,
        account: None,
    }
}

#[test]
fn every_budget_stays_below_its_state_machines_timeout() {
    for wait in [1, 3, 30, 600] {
        let s = setting(wait, WorkflowsFile::default());
        for workflow in Workflow::ALL {
            let budget = s.budget_seconds(workflow);
            let timeout = timeout_seconds(workflow);
            assert!(budget < timeout, "{workflow:?}: {budget} s in {timeout} s");
            let poll = s.poll(workflow);
            let rounds = poll["rounds"].as_u64().expect("rounds");
            assert!(
                rounds.saturating_mul(wait) <= budget.max(wait),
                "{workflow:?} at {wait} s: {rounds} rounds"
            );
        }
    }
    // Real durations: a build may wait five hours, not eighteen minutes.
    let s = setting(30, WorkflowsFile::default());
    assert_eq!(s.poll(Workflow::Build)["budget_text"], "5h00m");
    assert_eq!(s.poll(Workflow::Build)["rounds"], 600);
}

#[test]
fn a_configured_budget_is_capped_and_explicit_rounds_kept_when_they_fit() {
    let mut w = WorkflowsFile::default();
    w.budget_minutes.build = Some(10_000);
    w.budget_minutes.vulnerability_scans = Some(20);
    let s = setting(30, w);
    assert_eq!(
        s.budget_seconds(Workflow::Build),
        max_budget_seconds(Workflow::Build)
    );
    assert_eq!(s.budget_seconds(Workflow::VulnerabilityScans), 1200);

    let w = WorkflowsFile {
        poll_rounds: Some(2),
        ..WorkflowsFile::default()
    };
    let s = setting(1, w);
    assert_eq!(s.poll(Workflow::Build)["rounds"], 2);
    assert_eq!(s.poll(Workflow::Build)["budget_text"], "2s");
    let w = WorkflowsFile {
        poll_rounds: Some(100_000),
        ..WorkflowsFile::default()
    };
    let s = setting(30, w);
    let rounds = s.poll(Workflow::Promotion)["rounds"]
        .as_u64()
        .expect("rounds");
    assert!(
        rounds * 30 <= max_budget_seconds(Workflow::Promotion),
        "{rounds}"
    );
}

#[test]
fn the_smoke_phases_fit_the_smoke_tests_timeout() {
    let w = WorkflowsFile {
        smoke_command_timeout_seconds: Some(100_000),
        ..WorkflowsFile::default()
    };
    let s = setting(10, w);
    let smoke = s.smoke_settings();
    let rounds = |key: &str| smoke[key].as_u64().expect(key);
    let total =
        (rounds("instance_rounds") + rounds("registration_rounds") + rounds("command_rounds")) * 10;
    assert!(
        total <= max_budget_seconds(Workflow::SmokeTests),
        "{total} s: {smoke}"
    );
    let timeout: u64 = smoke["execution_timeout_text"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("executionTimeout");
    assert!(
        timeout < 100_000,
        "the command's timeout is capped: {timeout}"
    );
    assert_eq!(smoke["instance_profile"], "p-smoke-instance");
    assert_eq!(smoke["document"], "AWS-RunShellScript");
}

#[test]
fn only_the_execution_regions_amis_are_acted_on() {
    let s = setting(3, WorkflowsFile::default());
    let amis = [
        ami("eu-west-1", "ami-remote"),
        ami("us-east-1", "ami-local"),
    ];
    assert_eq!(s.local_amis(&amis), ["ami-local"]);
    assert!(s.local_amis(&[ami("eu-west-1", "ami-remote")]).is_empty());

    let now = chrono::Utc::now();
    let mut lc = demo_lifecycle(1, "web", 1, now);
    if let Some(build) = lc.creation.first_mut() {
        build.outputs.amis = amis.to_vec();
    }
    let at = EventRef {
        stage: Stage::Creation,
        event: EventKind::SmokeTests,
    };
    let input = execution_input(&lc, at, 1, "arn:aws:iam::1:user/a", &s, now);
    assert_eq!(input["local"]["ami"], "ami-local");
    assert_eq!(input["local"]["ami_ids"], serde_json::json!(["ami-local"]));
    assert_eq!(input["amis"].as_array().map(Vec::len), Some(2), "{input}");
    assert_eq!(
        input["settings"]["share"]["ami_ids"],
        serde_json::json!(["ami-local"])
    );
}
