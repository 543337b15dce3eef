//! Issue 19 ("Trust"), items 3 and 4 on moto: a write stamped minutes in the
//! past and an import both reach an open dashboard (the real update() and
//! effect runner, the real change read) without `r`; import refuses counters
//! amiboard cannot read and what `create` refuses, keeps only the accounts
//! the reference published, flags duplicate versions and a missing
//! reference seed table. Item 6 is in `trust_small.rs`.

use std::time::{Duration, Instant};

use amiboard::app::action::Action;
use amiboard::app::runner::Runner;
use amiboard::app::state::{Load, State};
use amiboard::app::{StartOptions, update::update};
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::listener::StreamEvent;
use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

use super::{created_version, put, reference_table};
use crate::dashboard::run_until;
use crate::support::TestEnv;
use crate::workflows::ready;

/// The dashboard's refresh in these tests.
const REFRESH: Duration = Duration::from_secs(2);

/// An open dashboard on the test's tables, loaded, whose stream is healthy
/// (the stream itself is not started: no notification reaches it, as when
/// one is lost), so it reads only the changes every [`REFRESH`].
async fn open_dashboard(env: &TestEnv) -> (State, Runner, UnboundedReceiver<Action>) {
    let mut config = env.config();
    config.notifications_enabled = false;
    config.refresh = REFRESH;
    let ctx = env.context().await;
    let loaded = |s: &State| matches!(s.load, Load::Loaded { .. });
    let (mut state, runner, mut rx) =
        crate::dashboard::open(&config, ctx, &StartOptions::default(), loaded).await;
    for effect in update(
        &mut state,
        Action::Stream {
            event: StreamEvent::Connected {
                queue: "q".into(),
                topics: vec!["t".into()],
            },
        },
    ) {
        runner.run(effect);
    }
    run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(30),
        loaded,
    )
    .await
    .expect("loaded with the stream healthy");
    (state, runner, rx)
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_03_a_write_stamped_four_minutes_back_shows_within_one_refresh() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let (mut state, runner, mut rx) = Box::pin(open_dashboard(&env)).await;
    let loaded_at = state.loaded_at;
    // A writer whose clock is 4 minutes behind (AWS accepts its signed
    // requests up to 5 minutes off), and no notification.
    let id = format!("{}skewed", env.prefix);
    let mut lc = Lifecycle::new(&id, "skew", "web", "1.0", "alice", Utc::now());
    lc.updated_at = Utc::now() - chrono::Duration::minutes(4);
    ctx.store.create(&lc).await.expect("write");
    let shown = run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(20),
        |s: &State| s.lifecycle(&id).is_some() || s.by_id.contains_key(id.as_str()),
    )
    .await;
    eprintln!("trust_03: a write 4 min in the past shown after {shown:?}");
    let shown = shown.expect("the write shows without r");
    assert!(
        shown <= REFRESH + Duration::from_secs(1),
        "within refresh + 1 s: {shown:?}"
    );
    assert_eq!(
        state.loaded_at, loaded_at,
        "by the change read, not a full reload"
    );
    assert!(
        amiboard::app::changes::unvouched(&state).is_none(),
        "the header vouches for it"
    );
}

const TABLE: &str = "AmiOrchestratorTable";

fn item(id: &str, tag: &str, semver: &str) -> Value {
    json!({
        "lifecycle_id": id, "stack_tag": tag, "owner": "ownername",
        "product_name": "My Product Name", "product_ver": "1.0.0", "commit_ref": "624730fa",
        "creation_date": "08/21/2022, 10:18:20",
        "outputs_ami_creation": {"events": [{
            "name": "BUILD_AMI", "status": "COMPLETED", "status_date": "08/21/2022, 10:45:35",
            "properties": {"ami_details": [{"region": "us-east-1", "image": "ami-0478fc32f88c7f6a7",
                "name": "AmiLifecycle-ImageRecipe", "accountId": "123456789012", "ami_semver": semver}]}
        }]}
    })
}

/// A queue subscribed (raw) to the lifecycle topic; returns its URL.
async fn probe(env: &TestEnv, ctx: &amiboard::ops::Context) -> String {
    let clients = &ctx.sdk().expect("sdk clients").clients;
    let name = format!("{}probe", env.prefix);
    let url = clients.sqs.create_queue().queue_name(&name).send().await;
    let url = url.expect("queue").queue_url.expect("url");
    clients
        .sns
        .subscribe()
        .topic_arn(format!(
            "arn:aws:sns:us-east-1:123456789012:{}lifecycle-events",
            env.prefix
        ))
        .protocol("sqs")
        .endpoint(format!("arn:aws:sqs:us-east-1:123456789012:{name}"))
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribe");
    url
}

/// The bodies the probe holds now.
async fn announced(ctx: &amiboard::ops::Context, url: &str) -> Vec<Value> {
    let sqs = &ctx.sdk().expect("sdk clients").clients.sqs;
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10);
        let messages = out
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            bodies.extend(serde_json::from_str::<Value>(m.body().unwrap_or_default()));
            if let Some(handle) = m.receipt_handle() {
                let delete = sqs.delete_message().queue_url(url).receipt_handle(handle);
                let _ = delete.send().await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_03_an_import_shows_in_an_open_dashboard_without_r() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    let ids: Vec<String> = (0..13)
        .map(|n| format!("7d1e2f30-0000-4000-8000-{n:012}"))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        put(&ctx, &table, &item(id, "legacy", &format!("{}.0.0", n + 1))).await;
    }
    let probe = probe(&env, &ctx).await;
    let (mut state, runner, mut rx) = Box::pin(open_dashboard(&env)).await;
    let loaded_at = state.loaded_at;
    let out = env.ok(&["import", "--from-reference", &table]);
    assert_eq!(out.matches("created ").count(), 13, "{out}");
    // Announced like every other write (the dashboard here has no stream:
    // it shows them by its change read alone).
    let mut announced: Vec<String> = announced(&ctx, &probe)
        .await
        .iter()
        .filter(|b| b["source"] == "amiboard")
        .filter_map(|b| b["lifecycle_id"].as_str().map(str::to_string))
        .collect();
    announced.sort();
    assert_eq!(announced, ids, "one announcement per imported lifecycle");
    let imported = Instant::now();
    let all = |s: &State| ids.iter().all(|id| s.by_id.contains_key(id.as_str()));
    let shown = run_until(&mut state, &runner, &mut rx, Duration::from_secs(20), all).await;
    let missing = ids
        .iter()
        .filter(|id| !state.by_id.contains_key(id.as_str()))
        .count();
    eprintln!(
        "trust_03: 13 imported lifecycles shown {:?} after the import ended ({missing} missing)",
        shown.map(|_| imported.elapsed())
    );
    assert_eq!(missing, 0, "every imported lifecycle shows without r");
    assert!(imported.elapsed() <= REFRESH + Duration::from_secs(1));
    assert_eq!(state.loaded_at, loaded_at, "no full reload");
    // Stamped with the time of the write, the reference's dates kept in the records.
    let lc = ctx.store.get(&ids[0]).await.expect("get");
    assert!(Utc::now() - lc.updated_at < chrono::Duration::minutes(1));
    let build = lc
        .record(amiboard::lifecycle::EventRef {
            stage: amiboard::lifecycle::Stage::Creation,
            event: EventKind::AmiBuild,
        })
        .expect("build");
    assert_eq!(build.status, EventStatus::Completed);
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_04a_a_major_amiboard_cannot_count_past_is_refused_and_create_still_works() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    let huge = "7d1e2f30-0000-4000-8000-00000000000f";
    put(
        &ctx,
        &table,
        &item(huge, "edge", "18446744073709551615.0.0"),
    )
    .await;
    put(
        &ctx,
        &table,
        &item("7d1e2f30-0000-4000-8000-000000000001", "edge", "4.0.0"),
    )
    .await;
    let (code, out, err) = env.run(&["import", "--from-reference", &table]);
    assert_eq!(code, 1, "{out}{err}");
    let line = out.lines().find(|l| l.contains(huge)).expect("a line");
    assert!(line.starts_with("could not map"), "{line}");
    assert!(line.contains("MAJOR above 9007199254740991"), "{line}");
    // The counter stands at the highest imported MAJOR: create goes above it.
    assert_eq!(created_version(&env, "edge"), "5.0.0");
    assert_eq!(created_version(&env, "edge"), "6.0.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_04d_and_04e_import_validates_like_create_and_flags_duplicates() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    let first = "7d1e2f30-0000-4000-8000-000000000001";
    let second = "7d1e2f30-0000-4000-8000-000000000002";
    put(&ctx, &table, &item(first, "dup", "3.0.0")).await;
    put(&ctx, &table, &item(second, "dup", "3.0.0")).await;
    let tag = "7d1e2f30-0000-4000-8000-000000000003";
    put(&ctx, &table, &item(tag, "evil\u{1b}[2Jtag", "1.0.0")).await;
    let id = "7d1e2f30-0000-4000-8000-00000000004\u{7}";
    put(&ctx, &table, &item(id, "fine", "1.0.0\u{202e}")).await;
    let (code, out, err) = env.run(&["import", "--from-reference", &table]);
    assert_eq!(code, 1, "{out}{err}");
    let tag_line = out.lines().find(|l| l.contains(tag)).expect("tag line");
    assert!(tag_line.starts_with("could not map"), "{tag_line}");
    assert!(
        tag_line.contains("stack_tag contains the control character U+001B"),
        "{tag_line}"
    );
    let id_line = out
        .lines()
        .find(|l| l.contains("lifecycle_id contains"))
        .expect("id line");
    assert!(id_line.starts_with("could not map"), "{id_line}");
    assert!(id_line.contains("U+0007"), "{id_line}");
    assert!(
        id_line.contains("ami_semver contains the control character U+202E"),
        "{id_line}"
    );
    assert!(
        out.contains(&format!(
            "warning: duplicate version 3.0.0 in stack tag dup: held by {first}, {second}"
        )),
        "{out}"
    );
    // 04d: no reference seed table configured.
    assert!(
        out.contains("warning: tables.reference_semver_seeds is not set"),
        "{out}"
    );
    for bad in [tag, id] {
        assert!(matches!(
            ctx.store.get(bad).await,
            Err(amiboard::aws::AwsError::NotFound { .. })
        ));
    }
}

/// A reference item built in the tooling account and copied to the
/// shared-services account (the reference publishes only the latter).
fn two_accounts(id: &str, tag: &str) -> Value {
    let mut it = item(id, tag, "1.0.0");
    it["outputs_ami_creation"]["events"][0]["properties"]["ami_details"] = json!([
        {"region": "us-east-1", "image": "ami-0tooling000000001", "accountId": "111111111111", "ami_semver": "1.0.0"},
        {"region": "us-east-1", "image": "ami-0shared0000000001", "accountId": "222222222222", "ami_semver": "1.0.0"}
    ]);
    it
}

fn amis_of(lc: &Lifecycle) -> Vec<(String, Option<String>)> {
    lc.creation[0]
        .outputs
        .amis
        .iter()
        .map(|a| (a.ami_id.clone(), a.account.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_04b_import_keeps_only_the_accounts_the_reference_published() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    let by_rows = "7d1e2f30-0000-4000-8000-000000000001";
    put(&ctx, &table, &two_accounts(by_rows, "accounts")).await;
    // The lookup table (shared with the reference) holds the row it published.
    let lookup = env.config().tables.ami_lookup;
    put(
        &ctx,
        &lookup,
        &super::reference_row("accounts", "1.0.0", "us-east-1", "ami-0shared0000000001", 2),
    )
    .await;
    let out = env.ok(&["import", "--from-reference", &table]);
    assert!(out.contains("left out 1 AMI(s)"), "{out}");
    let lc = ctx.store.get(by_rows).await.expect("imported");
    assert_eq!(
        amis_of(&lc),
        [(
            "ami-0shared0000000001".to_string(),
            Some("222222222222".to_string())
        )]
    );
    assert_eq!(
        lc.creation[0]
            .outputs
            .extra
            .get("reference.unpublished_amis")
            .map(String::as_str),
        Some("ami-0tooling000000001 (account 111111111111, us-east-1)")
    );

    // Named on the command line instead, without any row.
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    put(&ctx, &table, &two_accounts(by_rows, "named")).await;
    let (code, _, err) = env.run(&[
        "import",
        "--from-reference",
        &table,
        "--shared-services-account",
        "22222222222x",
    ]);
    assert_eq!(code, 2, "{err}");
    env.ok(&[
        "import",
        "--from-reference",
        &table,
        "--shared-services-account",
        "222222222222",
    ]);
    let lc = ctx.store.get(by_rows).await.expect("imported");
    assert_eq!(
        amis_of(&lc),
        [(
            "ami-0shared0000000001".to_string(),
            Some("222222222222".to_string())
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_04b_certifying_an_imported_lifecycle_writes_into_the_references_row() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let table = format!("{}{TABLE}", env.prefix);
    reference_table(&ctx, &table, "lifecycle_id").await;
    let id = "7d1e2f30-0000-4000-8000-000000000009";
    let mut it = item(id, "certify", "1.0.0");
    let done = |name: &str, date: &str| json!({"name": name, "status": "COMPLETED", "status_date": date, "properties": {}});
    let events = it["outputs_ami_creation"]["events"]
        .as_array_mut()
        .expect("events");
    events.push(done("SMOKE_TESTS_AMI_CREATE", "08/21/2022, 10:58:02"));
    events.push(done(
        "VULNERABILIY_SCANS_AMI_CREATE",
        "08/21/2022, 11:20:44",
    ));
    events.push(done("QA_CERTIFICATION_REQUEST", "08/21/2022, 12:31:10"));
    put(&ctx, &table, &it).await;
    // The reference published the AMI at the QA request (score 4).
    let lookup = env.config().tables.ami_lookup;
    let published =
        super::reference_row("certify", "1.0.0", "us-east-1", "ami-0478fc32f88c7f6a7", 4);
    put(&ctx, &lookup, &published).await;
    env.ok(&["import", "--from-reference", &table]);
    env.ok(&["certify", id, "--reason", "ok", "--yes"]);
    let rows = ctx.store.lookup_rows("certify").await.expect("rows");
    let of_ami: Vec<_> = rows
        .iter()
        .filter(|r| r.ami_id == "ami-0478fc32f88c7f6a7")
        .map(|r| (r.lookup_id.as_str(), r.lifecycle_score))
        .collect();
    assert_eq!(
        of_ami,
        [(published["lookup_id"].as_str().expect("id"), 5)],
        "one row, the reference's, raised to certified"
    );
}
