//! `amiboard doctor` against moto: after `provision` it reports every check
//! (what the emulator cannot answer as skipped), passes once the rest of the
//! deployment is there, and fails with the fix when a table or a state
//! machine is missing or outdated.

use amiboard::ops::Context;
use amiboard::ops::workflows::{DEFINITIONS_VERSION, Workflow};
use serde_json::Value;

use crate::support::TestEnv;

/// A doctor environment: the roles and the instance profile get this test's
/// prefix, so parallel tests never share them.
fn doctor_env() -> TestEnv {
    let env = TestEnv::new();
    let dir = env.dir.path().join("config/amiboard");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[workflows]\nexport_role = \"{p}vmimport\"\nsmoke_instance_profile = \"{p}smoke\"\n",
            p = env.prefix
        ),
    )
    .expect("config file");
    env
}

fn doctor_json(env: &TestEnv) -> (i32, Vec<Value>) {
    let (code, out, err) = env.run(&["doctor", "--json"]);
    let checks: Vec<Value> =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("doctor --json: {e}: {out}{err}"));
    (code, checks)
}

fn line<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:#?}"))
}

fn status<'a>(checks: &'a [Value], name: &str) -> &'a str {
    line(checks, name)["status"].as_str().unwrap_or_default()
}

/// What the template deploys and `provision` does not: the roles, the
/// instance profile, the topic policies. (The VM Import role `provision`'s
/// local setup makes on the emulator, as the template names it.)
async fn complete_the_deployment(env: &TestEnv, ctx: &Context) {
    let clients = &ctx.sdk().expect("sdk").clients;
    let p = &env.prefix;
    let trust = |service: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    for (role, service) in [
        ("workflows", "states.amazonaws.com"),
        ("run-command", "ssm.amazonaws.com"),
        ("smoke-role", "ec2.amazonaws.com"),
    ] {
        clients
            .iam
            .create_role()
            .role_name(format!("{p}{role}"))
            .assume_role_policy_document(trust(service))
            .send()
            .await
            .expect("create role");
    }
    clients
        .iam
        .create_instance_profile()
        .instance_profile_name(format!("{p}smoke"))
        .send()
        .await
        .expect("instance profile");
    clients
        .iam
        .add_role_to_instance_profile()
        .instance_profile_name(format!("{p}smoke"))
        .role_name(format!("{p}smoke-role"))
        .send()
        .await
        .expect("role in profile");
    for (topic, service) in [
        ("imagebuilder-images", "imagebuilder.amazonaws.com"),
        ("ec2-ami-events", "events.amazonaws.com"),
        ("run-command", "ssm.amazonaws.com"),
    ] {
        let arn = format!("arn:aws:sns:us-east-1:123456789012:{p}{topic}");
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": service },
                "Action": "sns:Publish",
                "Resource": arn,
            }],
        });
        clients
            .sns
            .set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name("Policy")
            .attribute_value(policy.to_string())
            .send()
            .await
            .expect("topic policy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_provision_doctor_reports_every_check_and_passes_once_deployed() {
    let env = doctor_env();
    env.ok(&["provision"]);
    let (code, checks) = doctor_json(&env);
    let p = &env.prefix;
    let mut expected = vec![
        format!("table {p}lifecycles"),
        format!("index changed_index of table {p}lifecycles"),
        format!("table {p}semver-seeds"),
        format!("table {p}ami-lookup"),
        format!("topic {p}lifecycle-events"),
        format!("topic {p}imagebuilder-images"),
        format!("topic {p}ec2-ami-events"),
        format!("topic {p}run-command"),
        format!("EventBridge rule {p}ec2-ami-events"),
        format!("workflow execution role {p}workflows"),
        format!("Run Command role {p}run-command"),
        format!("VM import role {p}vmimport"),
        format!("VM import role {p}vmimport trust"),
        format!("instance profile {p}smoke"),
        format!("pipeline {}", env.pipeline_arn()),
        format!("pipeline {} notifications", env.pipeline_arn()),
        format!("pipeline {} distribution", env.pipeline_arn()),
        format!("export bucket {p}qa-exports"),
        format!("backup bucket {p}ami-backups"),
        "smoke-test network".to_string(),
        "Amazon Inspector EC2 scanning".to_string(),
        "may call what amiboard calls".to_string(),
    ];
    expected.extend(
        Workflow::ALL
            .iter()
            .map(|w| format!("state machine {}", w.machine_name(p))),
    );
    let mut names: Vec<String> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    expected.sort();
    assert_eq!(names, expected, "one line per check");
    for check in &checks {
        let fix = &check["fix"];
        match check["status"].as_str() {
            Some("fail") => assert!(fix.as_str().is_some_and(|f| !f.is_empty()), "{check}"),
            Some("pass" | "skip") => assert!(fix.is_null(), "{check}"),
            other => panic!("status {other:?} in {check}"),
        }
    }
    // What provision makes passes.
    for name in [
        format!("table {p}lifecycles"),
        format!("index changed_index of table {p}lifecycles"),
        format!("table {p}semver-seeds"),
        format!("table {p}ami-lookup"),
        format!("topic {p}lifecycle-events"),
        format!("EventBridge rule {p}ec2-ami-events"),
        format!("state machine {p}build"),
        format!("pipeline {}", env.pipeline_arn()),
        format!("export bucket {p}qa-exports"),
    ] {
        assert_eq!(
            status(&checks, &name),
            "pass",
            "{:#?}",
            line(&checks, &name)
        );
    }
    // What only the template makes is not needed on the local stack: `–`
    // with the reason, so a freshly provisioned local stack passes (exit 0).
    for name in [
        format!("workflow execution role {p}workflows"),
        format!("Run Command role {p}run-command"),
    ] {
        let role = line(&checks, &name);
        assert_eq!(role["status"], "skip", "{role}");
        assert!(
            role["detail"]
                .as_str()
                .is_some_and(|d| d.contains("only an AWS account needs it")
                    && d.contains("deploy/amiboard.template.json")),
            "{role}"
        );
    }
    // The buckets are made as the template makes them: nothing says NOT.
    for what in ["export bucket", "backup bucket"] {
        let bucket = checks
            .iter()
            .find(|c| c["check"].as_str().is_some_and(|n| n.starts_with(what)))
            .expect("a bucket line");
        assert_eq!(bucket["status"], "pass", "{bucket}");
        assert!(
            bucket["detail"]
                .as_str()
                .is_some_and(|d| !d.contains("NOT")),
            "{bucket}"
        );
    }
    let failed: Vec<&Value> = checks.iter().filter(|c| c["status"] == "fail").collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "a freshly provisioned local stack passes");
    let (code, text, err) = env.run(&["doctor"]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(!text.contains('✘'), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("– workflow execution role")
                && l.contains("only an AWS account needs it")),
        "{text}"
    );

    // With the rest of the deployment in place only the emulator's gaps remain, skipped.
    complete_the_deployment(&env, &env.context().await).await;
    let (code, checks) = doctor_json(&env);
    let skipped: Vec<&str> = checks
        .iter()
        .filter(|c| c["status"] == "skip")
        .map(|c| c["check"].as_str().unwrap_or_default())
        .collect();
    let failed: Vec<&Value> = checks.iter().filter(|c| c["status"] == "fail").collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "skips do not fail");
    let notifications = format!("pipeline {} notifications", env.pipeline_arn());
    let managed_node = format!("instance profile {p}smoke role {p}smoke-role");
    let pass_role = format!("workflows role may pass {p}smoke-role");
    let distribution = format!("pipeline {} distribution", env.pipeline_arn());
    let mut expected_skips = vec![
        managed_node.as_str(),
        pass_role.as_str(),
        notifications.as_str(),
        "smoke-test network",
        "Amazon Inspector EC2 scanning",
        "may call what amiboard calls",
    ];
    // The emulator's Image Builder has no GetDistributionConfiguration (yet):
    // skipped with why; where it has, the demo pipeline distributes here.
    let dist = line(&checks, &distribution);
    if dist["status"] == "skip" {
        assert!(
            dist["detail"]
                .as_str()
                .is_some_and(|d| d.contains("GetDistributionConfiguration")),
            "{dist}"
        );
        expected_skips.insert(3, distribution.as_str());
    } else {
        assert_eq!(dist["status"], "pass", "{dist}");
    }
    assert_eq!(
        skipped, expected_skips,
        "what only an AWS account (or a client amiboard lacks) can tell: moto has no GetInfrastructureConfiguration, no policy simulator and no AWS managed policies"
    );
    assert_eq!(
        status(&checks, &format!("VM import role {p}vmimport trust")),
        "pass"
    );
    assert!(
        line(&checks, &managed_node)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("only an AWS account can tell")),
        "{checks:#?}"
    );
    let simulator = line(&checks, "may call what amiboard calls");
    assert!(
        simulator["detail"]
            .as_str()
            .is_some_and(|d| d.contains("cannot simulate")),
        "{simulator}"
    );
    // The text form: one glyph per line, and read-only mode is enough.
    let (code, text, _) = env.run(&["--read-only", "doctor"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("✔ table {p}lifecycles: key lifecycle_id")));
    assert!(text.contains("– may call what amiboard calls: cannot simulate"));
    assert!(
        text.contains(&format!("0 failed, {} skipped", expected_skips.len())),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_table_fails_with_the_fix() {
    let env = doctor_env();
    env.ok(&["provision"]);
    let ctx = env.context().await;
    let dynamodb = &ctx.sdk().expect("sdk").clients.dynamodb;
    let table = format!("{}lifecycles", env.prefix);
    // Provision may protect the table from deletion: lift that first.
    dynamodb
        .update_table()
        .table_name(&table)
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("lift deletion protection");
    dynamodb
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .expect("delete the table");
    let (code, text, err) = env.run(&["doctor"]);
    assert_eq!(code, 1, "{text}{err}");
    assert!(
        text.contains(&format!(
            "✘ table {table}: does not exist\n    fix: run `amiboard provision`\n"
        )),
        "{text}"
    );
    assert!(err.contains("check(s) failed"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outdated_state_machine_fails_with_the_fix() {
    let env = doctor_env();
    env.ok(&["provision"]);
    let ctx = env.context().await;
    let machine = Workflow::SmokeTests.machine_name(&env.prefix);
    let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}");
    let older = DEFINITIONS_VERSION.saturating_sub(1);
    let definition = Workflow::SmokeTests.definition().replacen(
        &format!("[amiboard-workflows {DEFINITIONS_VERSION}]"),
        &format!("[amiboard-workflows {older}]"),
        1,
    );
    ctx.sdk()
        .expect("sdk")
        .clients
        .sfn
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(definition)
        .send()
        .await
        .expect("older definition");
    let (code, checks) = doctor_json(&env);
    assert_eq!(code, 1);
    let check = line(&checks, &format!("state machine {machine}"));
    assert_eq!(check["status"], "fail", "{check}");
    assert_eq!(
        check["detail"],
        format!("workflows v{older} are older than this binary's v{DEFINITIONS_VERSION}").as_str()
    );
    assert_eq!(check["fix"], "run `amiboard provision`");
    // The others are still current.
    let build = format!(
        "state machine {}",
        Workflow::Build.machine_name(&env.prefix)
    );
    assert_eq!(status(&checks, &build), "pass");
}

#[test]
fn an_unreachable_endpoint_is_one_line() {
    let env = doctor_env();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let (code, out, err) = env
        .cmd()
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed}"))
        .args(["doctor"])
        .output()
        .map(|o| {
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .expect("run");
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "no checklist: {out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot reach"), "{err}");
}
