//! Approvals with two real identities on the emulator: moto's STS
//! GetCallerIdentity answers with the IAM user that owns the access key, so
//! alice and bob are IAM users with their own keys, and the binary runs with
//! each one's keys. Four eyes on a production stack tag, the break-glass
//! override recorded on the event and in its notification, and
//! `promote --dry-run` printing the checklist.

use std::process::Output;

use amiboard::lifecycle::{EventKind, Lifecycle};
use amiboard::ops::Context;
use serde_json::Value;

use crate::support::TestEnv;
use crate::workflows::{completed, create, creation, ready};

pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) secret: String,
}

/// An IAM user with an access key: who STS says the binary is (named
/// after the test's prefix: the emulator is shared by the suite).
pub(crate) async fn person(env: &TestEnv, ctx: &Context, name: &str) -> Person {
    let iam = &ctx.sdk().expect("sdk clients").clients.iam;
    let user = format!("{}{name}", env.prefix);
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .expect("IAM user");
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .expect("access key")
        .access_key
        .expect("key");
    Person {
        name: user,
        key: key.access_key_id,
        secret: key.secret_access_key,
    }
}

/// Runs the binary as `who`: their keys, no session token.
pub(crate) fn run_as(env: &TestEnv, who: &Person, args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = env
        .cmd()
        .env("AWS_ACCESS_KEY_ID", &who.key)
        .env("AWS_SECRET_ACCESS_KEY", &who.secret)
        .env_remove("AWS_SESSION_TOKEN")
        .args(args)
        .output()
        .expect("run amiboard");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

pub(crate) fn ok_as(env: &TestEnv, who: &Person, args: &[&str]) -> String {
    let (code, out, err) = run_as(env, who, args);
    assert_eq!(code, 0, "{} {args:?}: {out}{err}", who.name);
    out
}

/// A queue subscribed to the lifecycle topic (raw delivery): what amiboard announced.
async fn probe(env: &TestEnv, ctx: &Context) -> String {
    let clients = &ctx.sdk().expect("sdk clients").clients;
    let url = clients
        .sqs
        .create_queue()
        .queue_name(format!("{}probe", env.prefix))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let arn = format!("arn:aws:sqs:us-east-1:123456789012:{}probe", env.prefix);
    clients
        .sns
        .subscribe()
        .topic_arn(format!(
            "arn:aws:sns:us-east-1:123456789012:{}lifecycle-events",
            env.prefix
        ))
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribe");
    url
}

/// Every lifecycle notification the probe holds now.
async fn announced(ctx: &Context, url: &str) -> Vec<Value> {
    let sqs = &ctx.sdk().expect("sdk clients").clients.sqs;
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            if let Ok(body) = serde_json::from_str::<Value>(m.body().unwrap_or_default()) {
                bodies.push(body);
            }
            if let Some(handle) = m.receipt_handle() {
                let _ = sqs
                    .delete_message()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .send()
                    .await;
            }
        }
    }
}

/// Builds `id` as `who` up to QA requested.
pub(crate) async fn to_qa(env: &TestEnv, ctx: &Context, who: &Person, id: &str) {
    completed(ctx, id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        ok_as(env, who, &["trigger", id, "--yes"]);
        completed(ctx, id, creation(event)).await;
    }
}

/// The AMI the creation stage built (what a production promotion names).
async fn stage_ami(ctx: &Context, id: &str) -> String {
    let lc = ctx.store.get(id).await.expect("get");
    lc.stage_amis(amiboard::lifecycle::Stage::Creation)[0]
        .ami_id
        .clone()
}

/// The CLI is as safe as the dashboard in a production stack tag: `promote
/// --yes` needs the AMI named (`--confirm-ami`), a wrong one is refused, and
/// neither writes; the right one promotes. Usage errors exit 2 (`certify`
/// without `--reason`), and a script re-deciding after a rejection names
/// what it replaces (`--replaces-rejection`).
#[tokio::test(flavor = "multi_thread")]
async fn promote_in_production_needs_the_ami_and_a_scripted_redecision_names_the_rejection() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let alice = person(&env, &ctx, "alice").await;
    let bob = person(&env, &ctx, "bob").await;
    let id = create(&env, "prod", &[]);
    to_qa(&env, &ctx, &alice, &id).await;

    // certify without --reason: usage (2), not refused (4).
    let (code, _, err) = run_as(&env, &bob, &["certify", &id, "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--reason"), "{err}");

    // bob rejects; a script cannot certify over it without naming it.
    ok_as(
        &env,
        &bob,
        &[
            "certify",
            &id,
            "--reject",
            "--reason",
            "login broken",
            "--yes",
        ],
    );
    let before = version(&ctx, &id).await;
    let (code, _, err) = run_as(&env, &bob, &["certify", &id, "--reason", "fixed", "--yes"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--replaces-rejection"), "{err}");
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );
    let (code, _, err) = run_as(
        &env,
        &bob,
        &[
            "certify",
            &id,
            "--reason",
            "fixed in 1.0.1",
            "--yes",
            "--replaces-rejection",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Replaces: QA was rejected"), "{err}");
    let lc = ctx.store.get(&id).await.expect("get");
    let qa = record(&lc, EventKind::QaCertificationResponse);
    assert_eq!(
        qa.status,
        amiboard::lifecycle::EventStatus::Completed,
        "{qa:?}"
    );
    // Nothing rejected now: the flag has nothing to replace (exit 4).
    let (code, _, err) = run_as(
        &env,
        &bob,
        &[
            "certify",
            &id,
            "--reason",
            "again",
            "--yes",
            "--replaces-rejection",
        ],
    );
    assert_eq!(code, 4, "{err}");

    // promote --yes without --confirm-ami: usage, nothing changes.
    let ami = stage_ami(&ctx, &id).await;
    let before = version(&ctx, &id).await;
    let (code, _, err) = run_as(&env, &alice, &["promote", &id, "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("--confirm-ami {ami}")), "{err}");
    // A wrong AMI: refused, nothing changes.
    let (code, _, err) = run_as(
        &env,
        &alice,
        &[
            "promote",
            &id,
            "--yes",
            "--confirm-ami",
            "ami-0000000000000000",
        ],
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("is not this stage's AMI"), "{err}");
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );
    // The right one promotes.
    ok_as(
        &env,
        &alice,
        &["promote", &id, "--yes", "--confirm-ami", &ami],
    );
    completed(&ctx, &id, creation(EventKind::MarkForProduction)).await;
}

async fn version(ctx: &Context, id: &str) -> u64 {
    ctx.store.get(id).await.expect("get").item_version
}

fn record(lc: &Lifecycle, event: EventKind) -> &amiboard::lifecycle::EventRecord {
    lc.record(creation(event)).expect("record")
}

#[tokio::test(flavor = "multi_thread")]
async fn four_eyes_with_two_identities_the_override_is_recorded_and_dry_run_prints_the_checklist() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let alice = person(&env, &ctx, "alice").await;
    let bob = person(&env, &ctx, "bob").await;
    let (a, b) = (alice.name.as_str(), bob.name.as_str());
    // Records keep the full ARN; human output the short name.
    let arn = |name: &str| format!("arn:aws:iam::123456789012:user/{name}");
    let (a_arn, b_arn) = (arn(a), arn(b));
    let url = probe(&env, &ctx).await;
    // Two production lifecycles, built side by side.
    let id = create(&env, "prod", &[]);
    let other = create(&env, "prod", &[]);
    to_qa(&env, &ctx, &alice, &id).await;
    to_qa(&env, &ctx, &alice, &other).await;
    let lc = ctx.store.get(&id).await.expect("get");
    assert_eq!(
        record(&lc, EventKind::QaCertificationRequest)
            .actor
            .as_deref(),
        Some(a_arn.as_str())
    );

    // The person who requested QA cannot certify it: exit 4, nothing written.
    let before = version(&ctx, &id).await;
    let (code, out, err) = run_as(&env, &alice, &["certify", &id, "--reason", "fine", "--yes"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        err.contains(&format!(
            "four eyes: {a} requested QA of this AMI, so someone else certifies"
        )),
        "{err}"
    );
    assert!(err.contains("--override-four-eyes --reason TEXT"), "{err}");
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );

    // Someone else certifies without an override.
    ok_as(
        &env,
        &bob,
        &["certify", &id, "--reason", "QA signed off", "--yes"],
    );
    let lc = ctx.store.get(&id).await.expect("get");
    let qa = record(&lc, EventKind::QaCertificationResponse);
    assert_eq!(qa.actor.as_deref(), Some(b_arn.as_str()));
    assert_eq!(qa.approval_override, None);

    // The dry run prints the checklist and writes nothing: bob certified,
    // so bob promoting would be blocked (exit 1), alice promoting passes (exit 0).
    let before = version(&ctx, &id).await;
    let (code, out, err) = run_as(&env, &bob, &["promote", &id, "--dry-run"]);
    assert_eq!(code, 1, "{out}{err}");
    for line in [
        "✔ smoke tests passed (attempt 1)".to_string(),
        "✔ scan".to_string(),
        format!("✔ QA          certified by {b}"),
        "✔ regions     us-east-1 ami-".to_string(),
        format!("✘ four eyes   four eyes: {b} certified this AMI, so someone else promotes it"),
        "Nothing was changed (--dry-run).".to_string(),
    ] {
        assert!(out.contains(&line), "{line:?} in {out}");
    }
    let out = ok_as(&env, &alice, &["promote", &id, "--dry-run"]);
    assert!(
        out.contains(&format!(
            "✔ four eyes   certified by {b}, promoted by someone else"
        )),
        "{out}"
    );
    assert!(out.contains("Promotion would go ahead."), "{out}");
    let json = ok_as(&env, &alice, &["promote", &id, "--dry-run", "--json"]);
    let json: Value = serde_json::from_str(&json).expect("--json");
    assert_eq!(json["passes"], true);
    assert_eq!(json["checks"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "--dry-run wrote something"
    );

    // The certifier promoting is refused; with the break glass it goes,
    // and the override stays on the event after the workflow completes.
    // A production stack tag: `--yes` names the AMI too.
    let ami = stage_ami(&ctx, &id).await;
    let (code, _, err) = run_as(
        &env,
        &bob,
        &["promote", &id, "--yes", "--confirm-ami", &ami],
    );
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(&format!("four eyes: {b} certified this AMI")),
        "{err}"
    );
    let (code, _, err) = run_as(
        &env,
        &bob,
        &[
            "promote",
            &id,
            "--override-four-eyes",
            "--reason",
            " ",
            "--yes",
            "--confirm-ami",
            &ami,
        ],
    );
    assert_eq!(code, 2, "a blank reason: {err}");
    assert_eq!(version(&ctx, &id).await, before, "refusals wrote something");
    let out = ok_as(
        &env,
        &bob,
        &[
            "promote",
            &id,
            "--override-four-eyes",
            "--reason",
            "alice is away, CVE fix",
            "--yes",
            "--confirm-ami",
            &ami,
        ],
    );
    assert!(out.contains("The approval override was recorded."), "{out}");
    let lc = completed(&ctx, &id, creation(EventKind::MarkForProduction)).await;
    let mark = record(&lc, EventKind::MarkForProduction)
        .approval_override
        .clone()
        .expect("the override on MARK_FOR_PRODUCTION");
    assert_eq!(
        (mark.by.as_str(), mark.reason.as_str()),
        (b_arn.as_str(), "alice is away, CVE fix")
    );
    assert_eq!(
        mark.overridden,
        [format!(
            "four eyes: {b} certified this AMI, so someone else promotes it"
        )]
    );

    // The requester certifying with the break glass: recorded and announced.
    ok_as(
        &env,
        &alice,
        &[
            "certify",
            &other,
            "--reason",
            "bob is on leave",
            "--override-four-eyes",
            "--yes",
        ],
    );
    let lc = ctx.store.get(&other).await.expect("get");
    let mark = record(&lc, EventKind::QaCertificationResponse)
        .approval_override
        .clone()
        .expect("the override on QA_CERTIFICATION_RESPONSE");
    assert_eq!(
        (mark.by.as_str(), mark.reason.as_str()),
        (a_arn.as_str(), "bob is on leave")
    );

    let notes = announced(&ctx, &url).await;
    let find = |lifecycle: &str, event: &str| {
        notes
            .iter()
            .filter(|n| n["lifecycle_id"] == lifecycle && n["event"] == event)
            .cloned()
            .collect::<Vec<_>>()
    };
    let decided = find(&other, "QA_CERTIFICATION_RESPONSE");
    assert_eq!(decided.len(), 1, "{notes:?}");
    assert_eq!(decided[0]["override"]["by"], a_arn.as_str());
    assert_eq!(decided[0]["override"]["reason"], "bob is on leave");
    let plain = find(&id, "QA_CERTIFICATION_RESPONSE");
    assert!(
        plain.iter().all(|n| n.get("override").is_none()),
        "{plain:?}"
    );
    let promoted = find(&id, "MARK_FOR_PRODUCTION");
    assert!(
        promoted
            .iter()
            .any(|n| n["override"]["by"] == b_arn.as_str()
                && n["override"]["reason"] == "alice is away, CVE fix"),
        "{promoted:?}"
    );
}
