//! Versions: builds take the stack tag's next MAJOR; patches bump MINOR or
//! PATCH from the newest production AMI.

use amiboard::lifecycle::{EventKind, Stage};

use super::{at, completed, create, creation, ready, to_production};
use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread")]
async fn builds_get_1_0_0_and_2_0_0_then_minor_and_patch_give_2_1_0_and_2_1_1() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let first = create(&env, "api", &[]);
    let second = create(&env, "api", &[]);
    let lc = completed(&ctx, &first, creation(EventKind::AmiBuild)).await;
    assert_eq!(lc.ami_semver.as_deref(), Some("1.0.0"));
    let lc = to_production(&env, &ctx, &second).await;
    assert_eq!(lc.ami_semver.as_deref(), Some("2.0.0"));
    let production_ami = lc.stage_amis(Stage::Creation)[0].ami_id.clone();

    let out = env.ok(&[
        "patch",
        &second,
        "--bump",
        "minor",
        "--component",
        "arn:aws:imagebuilder:us-east-1:123456789012:component/openssl/1.0.0",
        "--yes",
    ]);
    assert!(out.contains("2.0.0 → 2.1.0"), "{out}");
    let lc = completed(&ctx, &second, at(Stage::Patch(1), EventKind::AmiPatch)).await;
    let cycle = lc.patch(1).expect("cycle 1");
    assert_eq!(cycle.semver, "2.1.0");
    assert_eq!(cycle.parent_ami_id, production_ami);
    let patched = &lc.stage_amis(Stage::Patch(1))[0].ami_id;
    assert_ne!(patched, &production_ami);
    for event in [EventKind::SmokeTests, EventKind::VulnerabilityScans] {
        env.ok(&["trigger", &second, "--yes"]);
        completed(&ctx, &second, at(Stage::Patch(1), event)).await;
    }
    env.ok(&["promote", &second, "--yes"]);
    completed(
        &ctx,
        &second,
        at(Stage::Patch(1), EventKind::MarkForProduction),
    )
    .await;

    env.ok(&["patch", &second, "--bump", "patch", "--yes"]);
    let lc = completed(&ctx, &second, at(Stage::Patch(2), EventKind::AmiPatch)).await;
    assert_eq!(lc.patch(2).expect("cycle 2").semver, "2.1.1");
    assert_eq!(lc.patch(2).expect("cycle 2").parent_ami_id, *patched);
    // The lookup table now knows three versions of this stack tag.
    let latest = env.ok(&[
        "select",
        "--stack-tag",
        "api",
        "--semver",
        "latest",
        "--json",
    ]);
    assert!(latest.contains("\"2.1.1\""), "{latest}");
    assert_eq!(
        env.ok(&["select", "--stack-tag", "api", "--min-stage", "production"])
            .trim(),
        patched
    );
}
