//! `amiboard retire --policy --dry-run` on seeded data: each AMI with keep
//! or retire and the reason, and nothing written; and the policy applied to
//! AMIs built on the local stack.

use amiboard::lifecycle::{AmiOutput, EventStatus, Lifecycle};
use chrono::{Duration, Utc};
use serde_json::Value;

use super::retirement::{ami_in, expect, image, retirement};
use super::{create, ready, to_production};
use crate::support::{TestEnv, boto3};

/// A lifecycle of product `web` at `semver` that reached production `days_ago`.
fn production(id: &str, semver: &str, ami: &str, days_ago: i64) -> Lifecycle {
    let at = Utc::now() - Duration::days(days_ago);
    let mut lc = Lifecycle::new(id, "web", "web", "1.0", "alice", at);
    lc.ami_semver = Some(semver.to_string());
    for record in &mut lc.creation {
        record.status = EventStatus::Completed;
        record.attempt = 1;
        record.started_at = Some(at);
        record.finished_at = Some(at);
    }
    lc.creation[0].outputs.amis = vec![AmiOutput {
        region: "us-east-1".into(),
        ami_id: ami.into(),
        name: None,
        account: None,
    }];
    lc.creation[0].outputs.image_arn = Some(format!(
        "arn:aws:imagebuilder:us-east-1:123456789012:image/web/{semver}/1"
    ));
    lc
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_dry_run_lists_keep_or_retire_with_the_reason_and_writes_nothing() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let seeded = [
        production(
            "00000001-aaaa-4aaa-8aaa-000000000001",
            "1.0.0",
            "ami-00000000000000001",
            40,
        ),
        production(
            "00000002-aaaa-4aaa-8aaa-000000000002",
            "2.0.0",
            "ami-00000000000000002",
            30,
        ),
        production(
            "00000003-aaaa-4aaa-8aaa-000000000003",
            "3.0.0",
            "ami-00000000000000003",
            20,
        ),
        production(
            "00000004-aaaa-4aaa-8aaa-000000000004",
            "4.0.0",
            "ami-00000000000000004",
            1,
        ),
    ];
    for lc in &seeded {
        ctx.store.create(lc).await.expect("seed");
    }
    let config = env.dir.path().join("retention.toml");
    std::fs::write(
        &config,
        "[retention.stack_tags.web]\nkeep_last = 1\nsuperseded_for_days = 7\naction = \"deprecate\"\n",
    )
    .expect("config");
    let config = config.display().to_string();
    let out = env.ok(&[
        "--config",
        &config,
        "retire",
        "--policy",
        "--dry-run",
        "--json",
    ]);
    let value: Value = serde_json::from_str(&out).expect("json");
    let decisions = value["decisions"].as_array().expect("decisions");
    let verdicts: Vec<(&str, &str)> = decisions
        .iter()
        .map(|d| {
            (
                d["semver"].as_str().unwrap_or("?"),
                d["verdict"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("4.0.0", "keep"),
            ("3.0.0", "keep"),
            ("2.0.0", "retire"),
            ("1.0.0", "retire")
        ],
        "{out}"
    );
    assert!(
        decisions[0]["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("current production AMI")
    );
    assert!(
        decisions[1]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("one of the last 1 superseded")
    );
    assert!(
        decisions[2]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("superseded 20 days ago (more than 7)"),
        "{out}"
    );
    assert_eq!(decisions[2]["action"], "RETIRE_DEPRECATE");
    let text = env.ok(&["--config", &config, "retire", "--policy", "--dry-run"]);
    assert!(text.contains("deprecate web web 1.0.0"), "{text}");
    assert!(text.contains("(dry run: nothing changed)"), "{text}");
    // Nothing written: every item as seeded, no execution started.
    for lc in &seeded {
        let now = ctx.store.get(&lc.lifecycle_id).await.expect("get");
        assert_eq!(
            now.item_version, lc.item_version,
            "{} was written",
            lc.lifecycle_id
        );
        assert_eq!(now.updated_at, lc.updated_at);
        assert!(now.retirements.is_empty());
    }
    // No policy configured is a usage error naming the section.
    let (code, _, err) = env.run(&["retire", "--policy", "--dry-run"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[retention.stack_tags."), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_asks_ec2_again_before_it_retires_and_then_does_it() {
    // `retire --policy` (not a dry run): the plan reads the recorded
    // answers, but each retirement asks EC2 again first, so a launch
    // template made after the last answer refuses it; once the template is
    // gone, the policy deprecates the superseded AMI in EC2.
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let first = create(&env, "web", &[]);
    let first_lc = to_production(&env, &ctx, &first).await;
    let second = create(&env, "web", &[]);
    to_production(&env, &ctx, &second).await;
    let ami = ami_in(&first_lc, "us-east-1");
    let config = env.dir.path().join("policy.toml");
    std::fs::write(
        &config,
        "[retention.stack_tags.web]\nkeep_last = 0\naction = \"deprecate\"\n",
    )
    .expect("config");
    let config = config.display().to_string();

    // The recorded answer: nothing uses it. Then a launch template does.
    env.ok(&["where-used", &first, "--refresh"]);
    let plan = env.ok(&["--config", &config, "retire", "--policy", "--dry-run"]);
    let short: String = first.chars().take(8).collect();
    assert!(
        plan.lines()
            .any(|l| l.starts_with("deprecate") && l.contains(&short)),
        "{plan}"
    );
    boto3(&format!(
        "ec2().create_launch_template(LaunchTemplateName='{p}policy', LaunchTemplateData={{'ImageId': '{ami}'}})",
        p = env.prefix
    ));
    let out = expect(
        &env,
        1,
        &["--config", &config, "retire", "--policy", "--yes"],
    );
    assert!(
        out.contains("1 retirement(s) could not be started"),
        "{out}"
    );
    assert!(
        out.contains("kept: after asking EC2 again, in use: 1 reference(s)"),
        "{out}"
    );
    let refs = ctx
        .store
        .get(&first)
        .await
        .expect("get")
        .where_used
        .expect("the new answer")
        .references_to(&ami);
    assert_eq!(
        refs.iter()
            .map(|r| r.resource_type.as_str())
            .collect::<Vec<_>>(),
        ["ec2:LaunchTemplate"],
        "the launch template, not the smoke test's terminated instance"
    );
    assert!(
        ctx.store
            .get(&first)
            .await
            .expect("get")
            .retirements
            .is_empty(),
        "nothing was claimed"
    );
    assert!(image(&ami, "us-east-1")["DeprecationTime"].is_null());

    boto3(&format!(
        "ec2().delete_launch_template(LaunchTemplateName='{p}policy')",
        p = env.prefix
    ));
    // The plan reads the recorded answer (in use) until EC2 is asked again.
    let kept = env.ok(&["--config", &config, "retire", "--policy", "--yes"]);
    assert!(kept.contains("Nothing to retire."), "{kept}");
    env.ok(&["where-used", &first, "--refresh"]);
    let out = env.ok(&["--config", &config, "retire", "--policy", "--yes"]);
    assert!(
        out.contains(&format!("Started RETIRE_DEPRECATE of {short}")),
        "{out}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(2);
    loop {
        let record = retirement(&ctx, &first).await;
        if record.status == EventStatus::Completed {
            break;
        }
        assert!(
            record.status == EventStatus::InProgress && std::time::Instant::now() < deadline,
            "{record:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        image(&ami, "us-east-1")["DeprecationTime"].is_string(),
        "deprecated in EC2"
    );
    let kept = ctx.store.get(&second).await.expect("get");
    assert!(
        kept.retirements.is_empty(),
        "the current production AMI is kept"
    );
}
