//! The where-used screen and the retire dialog in a real terminal, at 80x24
//! and 160x48: a built lifecycle whose where-used answer was recorded by the
//! workflow; `u` shows it with its age, `X` previews a deprecation, `y`
//! starts it, and the AMI is deprecated in EC2.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::Tmux;
use crate::support::{TestEnv, moto, python};

/// A lifecycle whose build completed, with a recorded where-used answer.
fn built_and_answered(env: &TestEnv, tag: &str) -> String {
    env.ok(&["provision"]);
    let created: serde_json::Value = serde_json::from_str(&env.ok(&[
        "create",
        "--stack-tag",
        tag,
        "--product-name",
        "web",
        "--product-version",
        "1.0",
        "--yes",
        "--wait",
        "--json",
    ]))
    .expect("create --json");
    let id = created["lifecycle_id"].as_str().expect("an id").to_string();
    env.ok(&["where-used", &id, "--refresh"]);
    id
}

/// The EC2 deprecation time of `ami` (empty when none).
fn deprecation(ami: &str) -> String {
    let script = format!(
        "import boto3\nr = boto3.client('ec2', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\
         .describe_images(ImageIds=['{ami}'], IncludeDeprecated=True)['Images']\n\
         print(r[0].get('DeprecationTime', '') if r else '')",
        moto().url
    );
    let out = Command::new(python())
        .args(["-c", &script])
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn where_used_and_the_retire_dialog_at_80x24() {
    let env = TestEnv::new();
    let id = built_and_answered(&env, "e2eretire");
    let shown: serde_json::Value =
        serde_json::from_str(&env.ok(&["show", &id, "--json"])).expect("show --json");
    let ami = shown["creation_events"][0]["outputs"]["amis"][0]["ami_id"]
        .as_str()
        .expect("an AMI")
        .to_string();
    let tmux = Tmux::start(&env, "retire80", (80, 24), &format!("--lifecycle {id}"));
    tmux.wait_for("Timeline");
    tmux.keys(&["u"]);
    let screen = tmux.wait_for("Where used");
    assert!(screen.contains("EC2 answered"), "{screen}");
    assert!(
        screen.contains(&format!("us-east-1 {ami}: available")),
        "{screen}"
    );
    assert!(screen.contains("no references"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Timeline");
    tmux.keys(&["X"]);
    let dialog = tmux.wait_for("RETIRE_DEPRECATE");
    assert!(dialog.contains("lookup rows"), "{dialog}");
    tmux.keys(&["y"]);
    tmux.wait_for("Started RETIRE_DEPRECATE");
    let deadline = Instant::now() + Duration::from_mins(1);
    while deprecation(&ami).is_empty() {
        assert!(Instant::now() < deadline, "{ami} was never deprecated");
        std::thread::sleep(Duration::from_millis(300));
    }
    tmux.keys(&["q"]);
}

#[test]
fn where_used_at_160x48_read_only() {
    let env = TestEnv::new();
    let id = built_and_answered(&env, "e2eused");
    let tmux = Tmux::start(
        &env,
        "used160",
        (160, 48),
        &format!("--read-only --lifecycle {id}"),
    );
    tmux.wait_for("Timeline");
    tmux.keys(&["u"]);
    let screen = tmux.wait_for("Where used");
    assert!(screen.contains("EC2 answered"), "{screen}");
    assert!(
        screen.contains("Ask EC2 again: amiboard where-used"),
        "{screen}"
    );
    tmux.keys(&["Escape", "X"]);
    tmux.wait_for("a writer would run `amiboard retire");
    tmux.keys(&["q"]);
}
