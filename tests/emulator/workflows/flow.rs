//! The whole creation flow with the binary, and AMI selection at each stage.

use std::time::Instant;

use amiboard::lifecycle::{EventKind, EventStatus};

use super::{completed, create, creation, ready};
use crate::support::TestEnv;

/// `select` once the state machine has upserted the lookup rows: it does
/// so right after it records the result (UpsertLookupRows follows
/// RecordCompleted), so a read at once can come a moment early.
async fn select_eventually(env: &TestEnv, args: &[&str]) -> String {
    let deadline = Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (code, out, err) = env.run(args);
        if code == 0 {
            return out;
        }
        assert!(Instant::now() < deadline, "amiboard {args:?}: {err}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_trigger_certify_promote_reaches_production_within_a_minute() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let started = Instant::now();
    let id = create(&env, "shop", &[]);

    let built = completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    let build_record = built.record(creation(EventKind::AmiBuild)).expect("build");
    assert_eq!(build_record.attempt, 1);
    assert!(
        build_record
            .execution_arn
            .as_deref()
            .is_some_and(|a| a.contains(":execution:"))
    );
    assert_eq!(build_record.outputs.ami_semver.as_deref(), Some("1.0.0"));
    assert!(build_record.outputs.image_arn.is_some());
    let ami = build_record.outputs.amis[0].ami_id.clone();
    assert!(ami.starts_with("ami-") && ami.len() == 21, "{ami}");
    // The state machine upserted the lookup row: built, but nothing more yet.
    assert_eq!(
        select_eventually(&env, &["select", "--stack-tag", "shop"])
            .await
            .trim(),
        ami
    );
    let (code, _, _) = env.run(&[
        "select",
        "--stack-tag",
        "shop",
        "--min-stage",
        "smoke-tested",
    ]);
    assert_eq!(code, 3, "no smoke-tested AMI yet");

    env.ok(&["trigger", &id, "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::SmokeTests)).await;
    assert!(
        lc.record(creation(EventKind::SmokeTests))
            .expect("smoke")
            .outputs
            .run_command_id
            .is_some()
    );
    let smoke = select_eventually(
        &env,
        &[
            "select",
            "--stack-tag",
            "shop",
            "--min-stage",
            "smoke-tested",
            "--json",
        ],
    )
    .await;
    let row: serde_json::Value = serde_json::from_str(&smoke).expect("json");
    assert_eq!(row["ami_id"], ami.as_str());
    assert_eq!(row["lifecycle_event"], "SMOKE_TESTS_AMI_CREATE");
    assert_eq!(row["lifecycle_score"], 2);

    env.ok(&["trigger", &id, "VULNERABILITY_SCANS", "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::VulnerabilityScans)).await;
    let scans = lc
        .record(creation(EventKind::VulnerabilityScans))
        .expect("scans");
    assert_eq!(scans.outputs.vulnerabilities.map(|v| v.critical), Some(0));

    env.ok(&["trigger", &id, "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::QaCertificationRequest)).await;
    let qa = lc
        .record(creation(EventKind::QaCertificationRequest))
        .expect("qa");
    assert!(
        qa.outputs
            .export_location
            .as_deref()
            .is_some_and(|l| l.starts_with("s3://"))
    );

    let certified = env.ok(&[
        "certify",
        &id,
        "--reason",
        "QA signed off",
        "--yes",
        "--json",
    ]);
    assert!(certified.contains("\"COMPLETED\""), "{certified}");
    let lc = ctx.store.get(&id).await.expect("get");
    let decision = lc
        .record(creation(EventKind::QaCertificationResponse))
        .expect("qa response");
    assert_eq!(decision.reason.as_deref(), Some("QA signed off"));
    assert_eq!(
        decision
            .actor
            .as_deref()
            .map(amiboard::lifecycle::approvals::short),
        Some(lc.owner.clone())
    );
    assert_eq!(
        select_eventually(
            &env,
            &[
                "select",
                "--stack-tag",
                "shop",
                "--min-stage",
                "qa-certified"
            ]
        )
        .await
        .trim(),
        ami
    );

    env.ok(&["promote", &id, "--yes"]);
    let lc = completed(&ctx, &id, creation(EventKind::MarkForProduction)).await;
    let prod = lc
        .record(creation(EventKind::MarkForProduction))
        .expect("prod");
    assert!(prod.outputs.backup_object.is_some());
    assert!(
        lc.creation
            .iter()
            .all(|r| r.status == EventStatus::Completed)
    );
    let elapsed = started.elapsed();
    eprintln!("create → production took {elapsed:?}");
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");

    assert_eq!(
        env.ok(&[
            "select",
            "--stack-tag",
            "shop",
            "--min-stage",
            "production",
            "--product",
            "web",
            "--product-version",
            "3.2",
            "--semver",
            "1.0.0"
        ])
        .trim(),
        ami
    );
    let (code, _, _) = env.run(&["select", "--stack-tag", "shop", "--product", "other"]);
    assert_eq!(code, 3);
    // For select, --region filters the AMI's region; the tables stay where they are.
    assert_eq!(
        env.ok(&["select", "--stack-tag", "shop", "--region", "us-east-1"])
            .trim(),
        ami
    );
    let (code, _, err) = env.run(&["select", "--stack-tag", "shop", "--region", "eu-west-3"]);
    assert_eq!(code, 3, "no AMI in eu-west-3: {err}");

    let markdown = env.ok(&["timeline", &id, "--markdown"]);
    assert!(
        markdown.contains("| creation | Production | ✔ completed |"),
        "{markdown}"
    );
    let timeline: serde_json::Value =
        serde_json::from_str(&env.ok(&["timeline", &id, "--json"])).expect("json");
    assert_eq!(timeline["events"].as_array().map(Vec::len), Some(6));
}
