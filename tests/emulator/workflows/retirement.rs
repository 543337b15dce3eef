//! The end of the lifecycle on the local stack (issue 21's "Done when"):
//! superseded, where-used, retire (refused while in use, then with an
//! override), deprecate at a time, disable and restore, the failure path of
//! deregistration protection, and the retention policy's dry run. EC2 is
//! checked through boto3 against the emulator.

use amiboard::lifecycle::retire::RetireAction;
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle, Stage};
use amiboard::ops::Context;
use serde_json::Value;

use super::real_account::{create_on, pipeline};
use super::{completed, create, creation, ready, to_production};
use crate::support::{TestEnv, boto3};

/// The AMI of `lc`'s creation in `region`.
pub(super) fn ami_in(lc: &Lifecycle, region: &str) -> String {
    lc.stage_amis(Stage::Creation)
        .iter()
        .find(|a| a.region == region)
        .unwrap_or_else(|| panic!("no AMI in {region}"))
        .ami_id
        .clone()
}

/// A provisioned stack with one lifecycle of `stack_tag` whose AMI_BUILD
/// completed: the context, its id and its AMI in us-east-1.
pub(super) async fn built(env: &TestEnv, stack_tag: &str) -> (Context, String, String) {
    let ctx = ready(env).await;
    let id = create(env, stack_tag, &[]);
    let lc = completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    let ami = ami_in(&lc, "us-east-1");
    (ctx, id, ami)
}

/// EC2's answer for `ami` in `region` (deprecated and disabled included):
/// `null` when it no longer exists.
pub(super) fn image(ami: &str, region: &str) -> Value {
    let out = boto3(&format!(
        "r = ec2('{region}').describe_images(Filters=[{{'Name': 'image-id', 'Values': ['{ami}']}}], IncludeDeprecated=True, IncludeDisabled=True)['Images']\n\
         print(json.dumps(r[0] if r else None, default=str))"
    ));
    serde_json::from_str(&out).expect("image json")
}

/// The snapshot ids of `ami` in `region`.
fn snapshots(ami: &str, region: &str) -> Vec<String> {
    image(ami, region)["BlockDeviceMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["Ebs"]["SnapshotId"].as_str().map(str::to_string))
        .collect()
}

/// Whether `snapshot` still exists in `region`.
fn snapshot_exists(snapshot: &str, region: &str) -> bool {
    let out = boto3(&format!(
        "r = [s['SnapshotId'] for s in ec2('{region}').describe_snapshots(OwnerIds=['self'])['Snapshots']]\n\
         print(json.dumps('{snapshot}' in r))"
    ));
    out.trim() == "true"
}

/// Runs the binary expecting `code`; returns stdout and stderr together.
pub(super) fn expect(env: &TestEnv, code: i32, args: &[&str]) -> String {
    let (got, out, err) = env.run(args);
    assert_eq!(got, code, "amiboard {args:?}: {out}{err}");
    format!("{out}{err}")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

pub(super) async fn retirement(ctx: &Context, id: &str) -> amiboard::lifecycle::retire::Retirement {
    let lc = ctx.store.get(id).await.expect("get");
    lc.retirement(Stage::Creation).expect("retirement").clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_21_done_when_superseded_where_used_refused_then_deleted_everywhere() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let regions = ["us-east-1", "us-west-2"];
    let pipe = pipeline(&env, &ctx, "eol", &regions, false, &[]).await;
    let first = create_on(&env, "web", &pipe);
    let first_lc = to_production(&env, &ctx, &first).await;
    let second = create_on(&env, "web", &pipe);
    let second_lc = to_production(&env, &ctx, &second).await;
    let short: String = second.chars().take(8).collect();
    let second_semver = second_lc.ami_semver.clone().expect("semver");

    // The first shows superseded, in show, timeline and list.
    let superseded = format!("superseded by {short} {second_semver}");
    assert!(env.ok(&["show", &first]).contains(&superseded));
    assert!(env.ok(&["timeline", &first]).contains(&superseded));
    assert!(
        env.ok(&["list", "--stack-tag", "web"])
            .contains(&superseded)
    );
    assert!(!env.ok(&["show", &second]).contains("superseded by"));
    let production = env.ok(&["production", "--stack-tag", "web"]);
    assert!(production.contains(&superseded), "{production}");

    // A launch template and an SSM parameter refer to its AMI.
    let ami = ami_in(&first_lc, "us-east-1");
    let remote = ami_in(&first_lc, "us-west-2");
    let snaps: Vec<(String, String)> = regions
        .iter()
        .flat_map(|r| {
            let id = ami_in(&first_lc, r);
            snapshots(&id, r).into_iter().map(|s| ((*r).to_string(), s))
        })
        .collect();
    assert_eq!(snaps.len(), 2, "one snapshot per region: {snaps:?}");
    boto3(&format!(
        "ec2().create_launch_template(LaunchTemplateName='{p}web', LaunchTemplateData={{'ImageId': '{ami}'}})\n\
         import boto3\n\
         boto3.client('ssm', region_name='us-east-1', endpoint_url='{url}').put_parameter(Name='/{p}web/ami', Type='String', DataType='aws:ec2:image', Value='{ami}')",
        p = env.prefix,
        url = crate::support::moto().url
    ));
    let answer = json(&env.ok(&["where-used", &first, "--refresh", "--json"]));
    let mine = answer["amis"]
        .as_array()
        .expect("amis")
        .iter()
        .find(|a| a["ami_id"] == ami.as_str())
        .expect("the local AMI");
    let types: Vec<&str> = mine["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| r["ResourceType"].as_str())
        .collect();
    assert!(types.contains(&"ec2:LaunchTemplate"), "{answer}");
    assert!(types.contains(&"ssm:Parameter"), "{answer}");
    let other = answer["amis"]
        .as_array()
        .expect("amis")
        .iter()
        .find(|a| a["ami_id"] == remote.as_str())
        .expect("the remote AMI");
    assert!(
        other["ec2_state"]
            .as_str()
            .is_some_and(|s| s.starts_with("not checked here")),
        "{other}"
    );
    let text = env.ok(&["where-used", &ami]);
    assert!(text.contains("used by ec2:LaunchTemplate"), "{text}");
    assert!(
        text.contains(" ago in us-east-1"),
        "the answer's age: {text}"
    );

    // Refused while in use: exit 4, nothing written.
    let before = ctx.store.get(&first).await.expect("get").item_version;
    let refused = expect(&env, 4, &["retire", &first, "--delete", "--yes"]);
    let in_use = format!("in use: {} reference(s)", types.len());
    assert!(refused.contains(&in_use), "{refused} {types:?}");
    assert!(
        ctx.store
            .get(&first)
            .await
            .expect("get")
            .retirement(Stage::Creation)
            .is_none()
    );
    assert!(
        ctx.store.get(&first).await.expect("get").item_version > before,
        "the refresh recorded its answer"
    );

    // With the override it goes ahead: every region's AMI and snapshot go.
    let out = env.ok(&[
        "retire",
        &first,
        "--delete",
        "--override-in-use",
        "--reason",
        "moved to the new major",
        "--yes",
        "--wait",
        "--json",
    ]);
    assert_eq!(json(&out)["status"], "COMPLETED", "{out}");
    for region in regions {
        let id = ami_in(&first_lc, region);
        assert!(image(&id, region).is_null(), "{id} still in {region}");
    }
    for (region, snapshot) in &snaps {
        assert!(
            !snapshot_exists(snapshot, region),
            "{snapshot} still in {region}"
        );
    }
    // Its lookup rows no longer select; the newer one does.
    let semver = first_lc.ami_semver.clone().expect("semver");
    expect(
        &env,
        3,
        &[
            "select",
            "--stack-tag",
            "web",
            "--semver",
            &semver,
            "--region",
            "any",
        ],
    );
    let rows = ctx.store.lookup_rows("web").await.expect("rows");
    assert!(rows.iter().all(|r| r.lifecycle_id != first), "{rows:?}");
    assert_eq!(
        env.ok(&["select", "--stack-tag", "web"]).trim(),
        ami_in(&second_lc, "us-east-1")
    );
    // The timeline records who, when, why and the override.
    let record = retirement(&ctx, &first).await;
    assert_eq!(record.action, RetireAction::Delete);
    assert_eq!(record.status, EventStatus::Completed);
    let mark = record.approval_override.clone().expect("override");
    assert_eq!(mark.reason, "moved to the new major");
    assert!(mark.overridden[0].starts_with(&in_use), "{mark:?}");
    let timeline = env.ok(&["timeline", &first]);
    assert!(
        timeline.contains("RETIRE_DELETE (creation) COMPLETED by"),
        "{timeline}"
    );
    assert!(timeline.contains("⚠ override by"), "{timeline}");
    assert!(timeline.contains("moved to the new major"), "{timeline}");
    let tl = json(&env.ok(&["timeline", &first, "--json"]));
    assert!(tl["retirements"][0]["finished_at"].is_string(), "{tl}");
    // Asked again, EC2 says the AMI is gone; production says both.
    let after = env.ok(&["where-used", &first, "--refresh"]);
    assert!(after.contains("deregistered/missing"), "{after}");
    let production = env.ok(&["production", "--stack-tag", "web"]);
    assert!(production.contains("amiboard: deleted"), "{production}");
    assert!(
        production.contains("EC2: deregistered/missing"),
        "{production}"
    );
    // Delete is final: restore and a second delete are refused.
    expect(&env, 4, &["restore", &first, "--yes"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn deprecate_at_sets_the_ec2_time_disable_removes_rows_restore_brings_it_back() {
    let env = TestEnv::new();
    let (ctx, id, ami) = built(&env, "web").await;
    let at = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    // Preview first: the dry run writes nothing.
    let dry = env.ok(&["retire", &id, "--deprecate-at", &at, "--dry-run"]);
    assert!(dry.contains(&format!("RETIRE_DEPRECATE at {at}")), "{dry}");
    assert!(
        ctx.store
            .get(&id)
            .await
            .expect("get")
            .retirements
            .is_empty()
    );
    let out = env.ok(&["retire", &id, "--deprecate-at", &at, "--yes", "--wait"]);
    assert!(out.contains("COMPLETED"), "{out}");
    let deprecation = image(&ami, "us-east-1")["DeprecationTime"]
        .as_str()
        .expect("a deprecation time")
        .to_string();
    assert!(
        deprecation.starts_with(&at[..16]),
        "EC2 deprecation {deprecation} vs {at}"
    );
    assert_eq!(
        ctx.store.lookup_rows("web").await.expect("rows").len(),
        1,
        "deprecated keeps its row"
    );

    env.ok(&["retire", &id, "--disable", "--yes", "--wait"]);
    assert_eq!(image(&ami, "us-east-1")["State"], "disabled");
    assert!(ctx.store.lookup_rows("web").await.expect("rows").is_empty());
    expect(&env, 3, &["select", "--stack-tag", "web"]);

    env.ok(&["restore", &id, "--yes", "--wait"]);
    let back = image(&ami, "us-east-1");
    assert_eq!(back["State"], "available", "{back}");
    let rows = ctx.store.lookup_rows("web").await.expect("rows");
    assert_eq!(rows.len(), 1, "restore writes the row back");
    assert_eq!(
        env.ok(&["select", "--stack-tag", "web", "--min-stage", "built"])
            .trim(),
        ami
    );
    let record = retirement(&ctx, &id).await;
    assert_eq!(record.action, RetireAction::Restore);
    assert_eq!(record.history.len(), 2);
    // Restoring an available AMI is refused (exit 4).
    expect(&env, 4, &["restore", &id, "--yes"]);
}

/// A built lifecycle of stack tag `web` whose `retire ARGS --yes --wait`
/// must end FAILED: exit 1, the record FAILED with a reason containing
/// `reason`, the AMI still in EC2 and its lookup row kept. Returns the record.
async fn failed_retirement(
    env: &TestEnv,
    ctx: &Context,
    id: &str,
    ami: &str,
    args: &[&str],
    reason: &str,
) -> amiboard::lifecycle::retire::Retirement {
    let mut all = vec!["retire", id];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--yes", "--wait"]);
    let out = expect(env, 1, &all);
    assert!(out.contains("FAILED"), "{out}");
    let record = retirement(ctx, id).await;
    assert_eq!(record.status, EventStatus::Failed);
    let got = record.reason.clone().unwrap_or_default();
    assert!(got.contains(reason), "{got}");
    assert!(!image(ami, "us-east-1").is_null(), "the AMI is kept");
    assert_eq!(
        ctx.store.lookup_rows("web").await.expect("rows").len(),
        1,
        "its row is kept"
    );
    record
}

#[tokio::test(flavor = "multi_thread")]
async fn deregistration_protection_records_failed_with_the_resource_reason() {
    let env = TestEnv::new();
    let (ctx, id, ami) = built(&env, "web").await;
    boto3(&format!(
        "ec2().enable_image_deregistration_protection(ImageId='{ami}')"
    ));
    let record = failed_retirement(
        &env,
        &ctx,
        &id,
        &ami,
        &["--delete"],
        "DeregisterImage failed",
    )
    .await;
    let resources = record.outputs.resources();
    assert_eq!(resources[0].resource_id, ami);
    assert!(
        resources[0]
            .line()
            .contains("FAILED: DeregisterImage failed"),
        "{}",
        resources[0].line()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_image_builder_no_longer_has_records_failed_with_its_refusal() {
    // The start's failure path: StartResourceStateUpdate refuses an image
    // Image Builder does not know (deleted there after the build):
    // `ResourceNotFoundException`. The retirement records FAILED with that
    // cause, touches no AMI and keeps the lookup row.
    let env = TestEnv::new();
    let (ctx, id, ami) = built(&env, "web").await;
    boto3(&format!(
        "t = boto3.resource('dynamodb', region_name='us-east-1', endpoint_url='{url}').Table('{p}lifecycles')\n\
         t.update_item(Key={{'lifecycle_id': '{id}'}},\n\
         \x20   UpdateExpression='SET creation_events[0].outputs.image_arn = :a ADD item_version :one',\n\
         \x20   ExpressionAttributeValues={{':a': 'arn:aws:imagebuilder:us-east-1:123456789012:image/deleted/1.0.0/1', ':one': 1}})",
        url = crate::support::moto().url,
        p = env.prefix
    ));
    let record = failed_retirement(
        &env,
        &ctx,
        &id,
        &ami,
        &["--disable"],
        "StartResourceStateUpdate failed: Imagebuilder.ResourceNotFoundException",
    )
    .await;
    assert!(
        record
            .reason
            .is_some_and(|r| r.starts_with("StartResourceStateUpdate failed"))
    );
    let still = image(&ami, "us-east-1");
    assert_eq!(still["State"], "available", "the AMI is untouched: {still}");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_retire_restore_and_refresh_naming_the_command() {
    let env = TestEnv::new();
    let _ctx = env.provisioned().await;
    for (args, name) in [
        (
            vec![
                "--read-only",
                "retire",
                "ami-0123456789abcdef0",
                "--delete",
                "--yes",
            ],
            "retire:",
        ),
        (
            vec!["--read-only", "restore", "ami-0123456789abcdef0", "--yes"],
            "restore:",
        ),
        (
            vec![
                "--read-only",
                "where-used",
                "ami-0123456789abcdef0",
                "--refresh",
            ],
            "where-used --refresh:",
        ),
        (
            vec!["--read-only", "retire", "--policy"],
            "retire --policy:",
        ),
    ] {
        let out = expect(&env, 4, &args);
        assert!(
            out.contains(name) && out.contains("Read-only"),
            "{args:?}: {out}"
        );
    }
    // Usage: --override-in-use needs --reason; --policy takes no ID.
    expect(
        &env,
        2,
        &["retire", "x", "--delete", "--override-in-use", "--yes"],
    );
    expect(&env, 2, &["retire", "x", "--policy"]);
    expect(
        &env,
        2,
        &["retire", "x", "--deprecate-at", "tomorrow", "--yes"],
    );
}

/// A retirement whose run was lost (claimed, then the process died before
/// StartExecution; or its execution stopped outside its graph) must not stay
/// IN_PROGRESS for ever, blocking every later retirement: `reconcile` marks it
/// ERROR with the reason, and a new retirement can start.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_retirement_is_reconciled_to_error_and_can_run_again() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "web", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;

    // A claim saved three minutes ago whose StartExecution never happened.
    let mut lc = ctx.store.get(&id).await.expect("get");
    lc.retirements
        .push(amiboard::lifecycle::retire::Retirement::claimed(
            Stage::Creation,
            RetireAction::Deprecate,
            None,
            "arn:aws:iam::123456789012:user/crashed",
            chrono::Utc::now() - chrono::Duration::minutes(3),
        ));
    ctx.store.save(&lc).await.expect("save the claim");
    // While it is IN_PROGRESS nothing else may retire the stage.
    expect(&env, 4, &["retire", &id, "--yes"]);

    let out = env.ok(&["reconcile", &id]);
    assert!(
        out.contains("RETIRE_DEPRECATE")
            && out.contains("is ERROR")
            && out.contains("does not exist"),
        "{out}"
    );
    let record = retirement(&ctx, &id).await;
    assert_eq!(record.status, EventStatus::Error);
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("lost: ")),
        "{:?}",
        record.reason
    );
    // Reconciling again changes nothing more.
    let again = env.ok(&["reconcile", &id]);
    assert!(!again.contains("RETIRE_DEPRECATE"), "{again}");
    // And the stage can be retired again, for real this time.
    let out = env.ok(&["retire", &id, "--yes", "--wait"]);
    assert!(out.contains("COMPLETED"), "{out}");
    assert_eq!(retirement(&ctx, &id).await.status, EventStatus::Completed);
}
