//! docs/deploy.md, followed from a clean emulator: every ```sh deploy-test
//! block runs, in order, in one bash, with the AWS CLI `scripts/lib.sh`
//! installs (`ensure_awscli`) and the real binary, against a moto server
//! started for this test alone (`start_moto`), so the guide's default names
//! (`amiboard-`, stack `amiboard`) meet nothing left by other tests.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The ```sh deploy-test blocks of a markdown text.
fn deploy_test_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```sh deploy-test") => current = Some(String::new()),
            Some(block) if trimmed.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// What the test adds after the guide's `amiboard create` block: wait until
/// the AMI_BUILD it started is COMPLETED (the guide says to follow it in the
/// dashboard).
const AWAIT_BUILD: &str = r#"
for i in $(seq 1 180); do
  state=0
  amiboard list --json | "$VENV/bin/python" -c '
import json, sys
status = json.load(sys.stdin)[0]["creation_events"][0]["status"]
sys.exit(0 if status == "COMPLETED" else 2 if status in ("FAILED", "ERROR") else 1)
' || state=$?
  [ "$state" = 0 ] && break
  if [ "$state" = 2 ] || [ "$i" = 180 ]; then amiboard list >&2; echo "AMI_BUILD did not complete" >&2; exit 1; fi
  sleep 0.5
done
echo "deploy-test: AMI_BUILD COMPLETED"
"#;

/// After the tear-down: the stack, its tables and machines are gone.
const AFTER_TEARDOWN: &str = r#"
[ "$(aws dynamodb list-tables --query 'length(TableNames)' --output text)" = 0 ]
[ "$(aws stepfunctions list-state-machines --query 'length(stateMachines)' --output text)" = 0 ]
! aws cloudformation describe-stacks --stack-name amiboard >/dev/null 2>&1
echo "deploy-test: torn down"
"#;

fn aws_cli() -> PathBuf {
    let cli = std::env::var_os("AMIBOARD_AWS_CLI")
        .map_or_else(|| root().join(".venv/awscli/bin/aws"), PathBuf::from);
    assert!(
        cli.exists(),
        "no AWS CLI at {}: run `. scripts/lib.sh && ensure_awscli` (scripts/test.sh does)",
        cli.display()
    );
    cli
}

#[test]
fn the_deploy_guide_runs_on_a_clean_emulator() {
    let guide = std::fs::read_to_string(root().join("docs/deploy.md")).expect("docs/deploy.md");
    let blocks = deploy_test_blocks(&guide);
    for step in [
        "aws cloudformation deploy",
        "amiboard config-from-stack",
        "attach-group-policy",
        "amiboard doctor",
        "amiboard create",
        "delete-stack",
    ] {
        assert!(
            blocks.iter().any(|b| b.contains(step)),
            "no deploy-test block runs `{step}`"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("checkout");
    std::fs::create_dir_all(work.join("deploy")).expect("mkdir");
    std::fs::copy(
        root().join("deploy/amiboard.template.json"),
        work.join("deploy/amiboard.template.json"),
    )
    .expect("copy the template");
    // Only `aws` and `amiboard` are added to PATH.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir bin");
    std::os::unix::fs::symlink(aws_cli(), bin.join("aws")).expect("link aws");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_amiboard"), bin.join("amiboard"))
        .expect("link amiboard");

    let mut script = format!(
        "set -euo pipefail\n. \"{}/scripts/lib.sh\"\nstart_moto\ntrap stop_moto EXIT\ncd \"{}\"\n",
        root().display(),
        work.display()
    );
    for block in &blocks {
        script.push_str(block);
        if block.contains("amiboard create") {
            script.push_str(AWAIT_BUILD);
        }
    }
    script.push_str(AFTER_TEARDOWN);

    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(&script);
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AMIBOARD_CONFIG",
        "AMIBOARD_PREFIX",
        "AMIBOARD_PIPELINE_ARN",
        "AMIBOARD_READ_ONLY",
    ] {
        cmd.env_remove(var);
    }
    let home = dir.path().join("home");
    cmd.env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        // The person's AWS CLI has a default region, as `aws configure` sets.
        .env("AWS_DEFAULT_REGION", "us-east-1")
        // Only the polling interval is the test's: everything else the
        // guide's commands configure.
        .env("AMIBOARD_WORKFLOW_WAIT", "1")
        .stdin(std::process::Stdio::null());
    let out = cmd.output().expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the guide failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("Successfully created/updated stack - amiboard"),
        "{stdout}"
    );
    assert!(stdout.contains("0 failed"), "doctor: {stdout}");
    assert!(
        stdout.contains("deploy-test: AMI_BUILD COMPLETED"),
        "{stdout}"
    );
    assert!(stdout.contains("deploy-test: torn down"), "{stdout}");
}
