//! MARK_FOR_PRODUCTION's optional steps on the local stack: launch
//! permission for the production accounts and the production AMI parameter
//! where the stack tag (or `[workflows]`) configures them, a skip note in the
//! record where it does not.

use std::process::Command;

use amiboard::lifecycle::{EventKind, EventRecord};

use super::{create, creation, ready, to_production};
use crate::support::{TestEnv, moto};

const ACCOUNTS: [&str; 2] = ["111122223333", "444455556666"];

/// Writes the test's configuration file (`$XDG_CONFIG_HOME/amiboard/config.toml`).
fn configure(env: &TestEnv, toml: &str) {
    let dir = env.dir.path().join("config").join("amiboard");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), toml).expect("config file");
}

/// Asks the emulator, through boto3, who may launch `ami` and what the
/// parameter `name` holds (null when it does not exist).
fn inspect(ami: &str, name: &str) -> serde_json::Value {
    let python = std::env::var("AMIBOARD_PYTHON")
        .unwrap_or_else(|_| format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR")));
    let script = r#"
import json, sys, boto3
url, ami, name = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, ssm = boto3.client("ec2", **kw), boto3.client("ssm", **kw)
perms = ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")["LaunchPermissions"]
try:
    p = ssm.get_parameter(Name=name)["Parameter"]
    parameter = {"value": p["Value"], "type": p["Type"], "version": p["Version"]}
except ssm.exceptions.ParameterNotFound:
    parameter = None
print(json.dumps({"accounts": sorted(p["UserId"] for p in perms if "UserId" in p), "parameter": parameter}))
"#;
    let out = Command::new(python)
        .args(["-c", script, &moto().url, ami, name])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect json")
}

/// The promotion record's `outputs.extra` as `timeline --json` shows it.
fn timeline_extra(env: &TestEnv, id: &str) -> serde_json::Value {
    let out = env.ok(&["timeline", id, "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out).expect("timeline --json");
    value["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["event"] == "MARK_FOR_PRODUCTION" && e["stage"] == "creation")
        .map(|e| e["outputs"]["extra"].clone())
        .expect("the promotion in the timeline")
}

fn promotion(lc: &amiboard::lifecycle::Lifecycle) -> EventRecord {
    lc.record(creation(EventKind::MarkForProduction))
        .expect("promotion record")
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn promotion_shares_the_ami_and_writes_the_production_parameter_where_configured() {
    let env = TestEnv::new();
    // The name template comes from [workflows] (the test's prefix keeps the
    // shared emulator's parameters apart); the stack tag switches both on.
    let template = format!(
        "/{}amiboard/{{stack_tag}}/{{product_name}}/production-ami",
        env.prefix
    );
    configure(
        &env,
        &format!(
            "[workflows]\nproduction_parameter_name = \"{template}\"\n\n\
             [workflows.stack_tags.promo]\nproduction_accounts = [\"{}\", \"{}\"]\nproduction_parameter = true\n",
            ACCOUNTS[0], ACCOUNTS[1]
        ),
    );
    let ctx = ready(&env).await;
    let id = create(&env, "promo", &[]);
    let lc = to_production(&env, &ctx, &id).await;

    let ami = lc.stage_amis(amiboard::lifecycle::Stage::Creation)[0]
        .ami_id
        .clone();
    let name = format!("/{}amiboard/promo/web/production-ami", env.prefix);
    let seen = inspect(&ami, &name);
    assert_eq!(seen["accounts"], serde_json::json!(ACCOUNTS), "{seen}");
    assert_eq!(seen["parameter"]["value"], ami, "{seen}");
    assert_eq!(seen["parameter"]["type"], "String", "{seen}");

    let record = promotion(&lc);
    let extra = &record.outputs.extra;
    assert_eq!(
        extra.get("shared_with").map(String::as_str),
        Some(format!("{ami} with {}, {}", ACCOUNTS[0], ACCOUNTS[1]).as_str()),
        "{extra:?}"
    );
    assert_eq!(extra.get("production_parameter"), Some(&name), "{extra:?}");
    assert_eq!(
        extra
            .get("production_parameter_version")
            .map(String::as_str),
        Some(seen["parameter"]["version"].to_string().as_str()),
        "{extra:?}"
    );
    // Backup and tagging still ran; the timeline shows what was done.
    assert!(
        record
            .outputs
            .backup_object
            .as_deref()
            .is_some_and(|b| b.starts_with("s3://")),
        "{record:?}"
    );
    assert_eq!(timeline_extra(&env, &id)["production_parameter"], name);
}

#[tokio::test(flavor = "multi_thread")]
async fn promotion_without_accounts_or_parameter_says_both_were_skipped() {
    let env = TestEnv::new();
    // Configured by default, switched off for this stack tag.
    configure(
        &env,
        &format!(
            "[workflows]\nproduction_accounts = [\"{}\"]\nproduction_parameter = true\n\n\
             [workflows.stack_tags.promo-off]\nproduction_accounts = []\nproduction_parameter = false\n",
            ACCOUNTS[0]
        ),
    );
    let ctx = ready(&env).await;
    let id = create(&env, "promo-off", &[]);
    let lc = to_production(&env, &ctx, &id).await;

    let ami = lc.stage_amis(amiboard::lifecycle::Stage::Creation)[0]
        .ami_id
        .clone();
    let name = "/amiboard/promo-off/web/production-ami";
    let seen = inspect(&ami, name);
    assert_eq!(seen["accounts"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["parameter"], serde_json::Value::Null, "{seen}");

    let extra = promotion(&lc).outputs.extra;
    assert_eq!(
        extra.get("shared_with").map(String::as_str),
        Some("skipped: sharing is not configured for this stack tag"),
        "{extra:?}"
    );
    assert_eq!(
        extra.get("production_parameter").map(String::as_str),
        Some("skipped: the production parameter is not configured for this stack tag"),
        "{extra:?}"
    );
    assert!(!extra.contains_key("production_parameter_version"));
    let shown = timeline_extra(&env, &id);
    assert!(
        shown["shared_with"]
            .as_str()
            .is_some_and(|s| s.starts_with("skipped:")),
        "{shown}"
    );
    assert!(
        shown["production_parameter"]
            .as_str()
            .is_some_and(|s| s.starts_with("skipped:")),
        "{shown}"
    );
}
