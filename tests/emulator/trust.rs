//! Trust (issue 19), items 1, 2 and 5 on the emulator: approvals bound to
//! identities (a role session named `unknown`, no identity at all) and
//! break-glass overrides in every human output; item 2 (one execution per
//! attempt, found by its deterministic name) is in `trust/executions.rs`.

mod executions;

use amiboard::lifecycle::EventKind;
use amiboard::ops::Context;

use crate::approvals::{ok_as, person, run_as, to_qa};
use crate::fault_proxy::{Fault, FaultProxy};
use crate::support::{TestEnv, moto};
use crate::workflows::{completed, create, creation, ready};

const ACCOUNT: &str = "123456789012";

/// Temporary credentials of a role session: who STS says the binary is.
struct Session {
    arn: String,
    key: String,
    secret: String,
    token: String,
}

/// Assumes a role of this test under `session_name` (moto's STS answers
/// GetCallerIdentity with the assumed-role ARN of these credentials).
async fn session(env: &TestEnv, ctx: &Context, session_name: &str) -> Session {
    let clients = &ctx.sdk().expect("sdk clients").clients;
    let role = format!("{}Admin", env.prefix);
    clients
        .iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("IAM role");
    let out = clients
        .sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .role_session_name(session_name)
        .send()
        .await
        .expect("AssumeRole");
    let credentials = out.credentials.expect("credentials");
    Session {
        arn: out.assumed_role_user.expect("assumed role").arn,
        key: credentials.access_key_id,
        secret: credentials.secret_access_key,
        token: credentials.session_token,
    }
}

/// Runs the binary as the role session.
fn run_in(env: &TestEnv, who: &Session, args: &[&str]) -> (i32, String, String) {
    let out = env
        .cmd()
        .env("AWS_ACCESS_KEY_ID", &who.key)
        .env("AWS_SECRET_ACCESS_KEY", &who.secret)
        .env("AWS_SESSION_TOKEN", &who.token)
        .args(args)
        .output()
        .expect("run amiboard");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn version(ctx: &Context, id: &str) -> u64 {
    ctx.store.get(id).await.expect("get").item_version
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_01_session_unknown_cannot_certify() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let unknown = session(&env, &ctx, "unknown").await;
    assert!(unknown.arn.ends_with("/unknown"), "{}", unknown.arn);
    let id = create(&env, "prod", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        let (code, out, err) = run_in(&env, &unknown, &["trigger", &id, "--yes"]);
        assert_eq!(code, 0, "{out}{err}");
        completed(&ctx, &id, creation(event)).await;
    }
    // The same session certifying its own request is refused: a session
    // named `unknown` is a person called unknown, not nobody.
    let before = version(&ctx, &id).await;
    let (code, out, err) = run_in(
        &env,
        &unknown,
        &["certify", &id, "--reason", "fine", "--yes"],
    );
    assert_eq!(code, 4, "certified its own request: {out}{err}");
    assert!(
        err.contains(&format!(
            "four eyes: {}Admin/unknown requested QA of this AMI",
            env.prefix
        )),
        "{err}"
    );
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );
    let lc = ctx.store.get(&id).await.expect("get");
    let request = lc
        .record(creation(EventKind::QaCertificationRequest))
        .expect("request");
    assert_eq!(
        request.actor.as_deref(),
        Some(unknown.arn.as_str()),
        "the full ARN is recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_01_same_person_under_a_role_cannot_certify() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let alice = person(&env, &ctx, "alice").await;
    let id = create(&env, "prod", &[]);
    to_qa(&env, &ctx, &alice, &id).await;
    // Alice's IAM user asked for QA; a role session under her name is her.
    let as_role = session(&env, &ctx, &alice.name).await;
    let before = version(&ctx, &id).await;
    let (code, out, err) = run_in(
        &env,
        &as_role,
        &["certify", &id, "--reason", "fine", "--yes"],
    );
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        err.contains(&format!("four eyes: {} requested QA", alice.name)),
        "{err}"
    );
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_01_no_identity_refuses_every_write() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "trust", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }
    // STS refuses to say who the caller is; everything else answers.
    let proxy = FaultProxy::start(&moto().url).await;
    proxy.inject(
        "GetCallerIdentity",
        Fault::Status {
            status: 403,
            code: "AccessDenied".into(),
        },
        None,
    );
    let before = version(&ctx, &id).await;
    for args in [
        vec!["certify", id.as_str(), "--reason", "fine", "--yes"],
        vec![
            "certify",
            id.as_str(),
            "--reject",
            "--reason",
            "no",
            "--yes",
        ],
    ] {
        let out = env
            .cmd()
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(&args)
            .output()
            .expect("run amiboard");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{args:?} acted for nobody: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("refused: who you are is unknown (STS GetCallerIdentity: "),
            "{err}"
        );
    }
    assert_eq!(
        version(&ctx, &id).await,
        before,
        "a refusal wrote something"
    );
    assert!(proxy.seen().iter().any(|op| op == "GetCallerIdentity"));
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_05_overrides_appear_in_every_human_output() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let alice = person(&env, &ctx, "alice").await;
    let bob = person(&env, &ctx, "bob").await;
    let id = create(&env, "prod", &[]);
    to_qa(&env, &ctx, &alice, &id).await;
    // Alice requested QA and certifies it anyway, breaking the glass.
    ok_as(
        &env,
        &alice,
        &[
            "certify",
            &id,
            "--reason",
            "looks fine",
            "--override-four-eyes",
            "--yes",
        ],
    );
    let line = format!("⚠ override by {} at ", alice.name);
    let why = "looks fine (over: four eyes:";
    for args in [
        vec!["show", id.as_str()],
        vec!["timeline", id.as_str()],
        vec!["timeline", id.as_str(), "--markdown"],
    ] {
        let out = ok_as(&env, &bob, &args);
        assert!(
            out.contains(&line) && out.contains(why),
            "{args:?} hides the override:\n{out}"
        );
    }
    // The promotion checklist flags the certification.
    let (code, out, err) = run_as(&env, &bob, &["promote", &id, "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    let qa = out.lines().find(|l| l.contains("✔ QA")).expect("a QA line");
    assert!(qa.contains(&line) && qa.contains(why), "{out}");
    // So does the production view once it is promoted.
    // A production stack tag: the AMI named on the command line.
    let lc = ctx.store.get(&id).await.expect("get");
    let ami = lc.newest_ami().expect("an AMI").1.ami_id.clone();
    ok_as(
        &env,
        &bob,
        &["promote", &id, "--yes", "--confirm-ami", ami.as_str()],
    );
    completed(&ctx, &id, creation(EventKind::MarkForProduction)).await;
    let out = ok_as(&env, &bob, &["production", "--stack-tag", "prod"]);
    assert!(
        out.contains(&line) && out.contains(why),
        "production hides the override:\n{out}"
    );
}
