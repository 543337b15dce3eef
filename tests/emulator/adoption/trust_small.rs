//! Issue 19 ("Trust"), the smaller items of 6 on moto: a failed create
//! gives its MAJOR back; errors name the per-service endpoint; an override
//! reason with control characters and a profile nobody defined are refused.

use std::sync::Arc;
use std::time::Duration;

use amiboard::app::action::{Action, Effect};
use amiboard::app::runner::Runner;
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::OpError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;

use super::{created_version, dynamodb};
use crate::support::TestEnv;
use crate::workflows::ready;

#[tokio::test(flavor = "multi_thread")]
async fn trust_06_a_create_whose_write_fails_gives_its_major_back() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    assert_eq!(created_version(&env, "lost"), "1.0.0");
    // The next create writes to a lifecycle table that does not exist: its
    // write fails after its MAJOR was reserved.
    let out = env
        .cmd()
        .env("AMIBOARD_LIFECYCLE_TABLE", format!("{}gone", env.prefix))
        .args([
            "create",
            "--stack-tag",
            "lost",
            "--product-name",
            "web",
            "--product-version",
            "1.0",
            "--yes",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("gone"), "{err}");
    let seeds = env.config().tables.semver_seeds;
    let counter = dynamodb(&ctx)
        .get_item()
        .table_name(&seeds)
        .key("stack_tag", AttributeValue::S("lost".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get");
    let last = counter
        .item()
        .and_then(|i| i.get("last_major"))
        .and_then(|v| v.as_n().ok())
        .cloned();
    assert_eq!(
        last.as_deref(),
        Some("1"),
        "the failed create's MAJOR 2 given back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_06_a_failing_call_names_the_per_service_endpoint() {
    let env = TestEnv::new();
    env.provisioned().await;
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
        .args(["list"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    assert!(!err.contains(&crate::support::moto().url), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_06_an_override_reason_with_control_characters_is_refused() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let id = format!("{}qa", env.prefix);
    // A production stack tag: four eyes applies, so the override is needed
    // and, before the fix, stored with its reason as typed.
    let mut lc = Lifecycle::new(&id, "prod", "web", "1.0", "alice", Utc::now());
    lc.ami_semver = Some("1.0.0".into());
    for event in [
        EventKind::AmiBuild,
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        let at = amiboard::lifecycle::EventRef {
            stage: amiboard::lifecycle::Stage::Creation,
            event,
        };
        let record = lc.record_mut(at).expect("record");
        record.status = EventStatus::Completed;
        record.actor = Some("alice".into());
        record.finished_at = Some(Utc::now());
    }
    ctx.store.create(&lc).await.expect("write");
    let result = amiboard::ops::decide_overriding(
        &ctx,
        "alice",
        &id,
        true,
        "fine",
        None,
        Some("urgent\u{1b}]0;owned\u{7}"),
    )
    .await;
    match result {
        Err(OpError::Invalid(message)) => {
            assert!(message.contains("U+001B"), "{message}");
        }
        other => panic!("not refused: {other:?}"),
    }
    assert_eq!(
        ctx.store.get(&id).await.expect("get").item_version,
        0,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_06_a_profile_nobody_defined_is_refused_with_a_notice() {
    let env = TestEnv::new();
    let ctx = env.context().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Some(Arc::new(ctx)), false, tx);
    runner.run(Effect::CheckTarget {
        profile: Some("amiboard-missing-profile".into()),
        region: None,
    });
    let answer = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("answered")
        .expect("an action");
    match answer {
        Action::TargetChecked { result: Err(e), .. } => {
            let text = e.to_string();
            assert!(
                text.contains("profile amiboard-missing-profile is not defined"),
                "{text}"
            );
        }
        Action::TargetChecked {
            result: Ok(account),
            ..
        } => {
            panic!("accepted, account {account}")
        }
        other => panic!("unexpected {other:?}"),
    }
}
