//! `l` in a real terminal: a build whose start failed in a task state
//! (Image Builder answered HTTP 500 to every try, injected on the emulator;
//! the workflow retried, then recorded FAILED) opens its execution log,
//! which names the failing state and its error.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::Tmux;
use crate::support::{TestEnv, moto, python};

/// Tags the test's demo pipeline so the emulator fails its first five
/// starts: more than the workflow's four tries.
fn fail_first_start(env: &TestEnv) {
    let arn = env.pipeline_arn();
    let script = format!(
        "import boto3\nboto3.client('imagebuilder', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\
         .tag_resource(resourceArn='{arn}', tags={{'emulator:error-starts': '5'}})",
        moto().url
    );
    let status = Command::new(python())
        .args(["-c", &script])
        .status()
        .expect("run python");
    assert!(status.success(), "could not tag {arn}");
}

#[test]
fn l_opens_the_failed_execution_and_names_its_failing_state() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    fail_first_start(&env);
    let created: serde_json::Value = serde_json::from_str(&env.ok(&[
        "create",
        "--stack-tag",
        "e2elogs",
        "--product-name",
        "web",
        "--product-version",
        "1.0",
        "--yes",
        "--json",
    ]))
    .expect("create --json");
    let id = created["lifecycle_id"].as_str().expect("an id").to_string();
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let shown: serde_json::Value =
            serde_json::from_str(&env.ok(&["show", &id, "--json"])).expect("show --json");
        let build = &shown["creation_events"][0];
        if build["status"] == "FAILED" {
            break;
        }
        assert!(Instant::now() < deadline, "the build never failed: {build}");
        std::thread::sleep(Duration::from_millis(300));
    }

    let tmux = Tmux::start(&env, "logs", (120, 40), &format!("--lifecycle {id}"));
    tmux.wait_for("Timeline");
    tmux.keys(&["l"]);
    let screen = tmux.wait_for("failed in StartImagePipeline");
    assert!(screen.contains("Execution log"), "{screen}");
    assert!(screen.contains("Imagebuilder.ServiceException"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Timeline");
    tmux.keys(&["q"]);
}
