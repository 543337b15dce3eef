//! The state machine definitions against the AWS service models: every
//! aws-sdk task's service, action and parameter names exist (botocore, in the
//! emulator's Python dependencies), and every definition parses.

use std::path::Path;
use std::process::Command;

fn python() -> String {
    std::env::var("AMIBOARD_PYTHON").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".venv/bin/python")
            .display()
            .to_string()
    })
}

fn validate(args: &[String]) -> (bool, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python())
        .arg(root.join("scripts/emulator/validate_definitions.py"))
        .args(args)
        .output()
        .expect("run the validator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_aws_sdk_task_matches_the_service_models_and_every_definition_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("workflows/")
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".asl.json"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        10,
        "six workflows, the cleanup, where-used, retire and the local setup: {files:?}"
    );
    let (ok, out) = validate(&files);
    assert!(ok, "{out}");
    assert!(out.contains("10 definitions"), "{out}");
}

#[test]
fn the_validator_catches_a_misspelt_parameter_and_action() {
    let (ok, out) = validate(&["--self-test".to_string()]);
    assert!(ok, "{out}");
}

/// `info` says which definitions are deployed, and what to do when they are
/// missing or older than the binary's.
#[tokio::test]
async fn info_tells_the_deployed_workflows_version_and_the_fix() {
    let env = crate::support::TestEnv::new();
    let info = |env: &crate::support::TestEnv| -> serde_json::Value {
        serde_json::from_str(&env.ok(&["info", "--json"])).expect("info --json")
    };
    let before = info(&env);
    assert!(
        before["workflows_problem"]
            .as_str()
            .is_some_and(|p| p.contains("missing") && p.contains("amiboard provision")),
        "{before}"
    );
    env.ok(&["provision"]);
    let current = info(&env);
    let version = format!("v{}", amiboard::ops::workflows::DEFINITIONS_VERSION);
    assert_eq!(current["workflows"], version.as_str(), "{current}");
    assert!(current["workflows_problem"].is_null(), "{current}");
    // A definition written by an older amiboard (no version in its Comment).
    let ctx = env.context().await;
    let arn = format!(
        "arn:aws:states:us-east-1:123456789012:stateMachine:{}build",
        env.prefix
    );
    let old = amiboard::ops::workflows::Workflow::Build
        .definition()
        .replacen("[amiboard-workflows", "[older-workflows", 1);
    ctx.sdk()
        .expect("sdk")
        .clients
        .sfn
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(old)
        .send()
        .await
        .expect("update");
    let outdated = info(&env);
    assert!(
        outdated["workflows_problem"]
            .as_str()
            .is_some_and(|p| p.contains("older than this binary") && p.contains("provision")),
        "{outdated}"
    );
    env.ok(&["provision"]);
    assert!(
        info(&env)["workflows_problem"].is_null(),
        "provision updates them"
    );
}
