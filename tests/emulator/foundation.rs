//! The foundation against moto: provisioning, seeding, listing, showing, the
//! conditional writes, the semver counter and bad input.

use std::collections::BTreeSet;
use std::io::Write;

use amiboard::aws::AwsError;
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use chrono::Utc;

use crate::support::TestEnv;

#[test]
fn provision_is_idempotent_and_says_what_it_did() {
    let env = TestEnv::new();
    let first = env.ok(&["provision"]);
    assert_eq!(first.matches("created  table").count(), 3, "{first}");
    assert!(first.contains(&format!("{}lifecycles", env.prefix)));
    let second = env.ok(&["provision"]);
    assert_eq!(second.matches("exists   table").count(), 3, "{second}");
    assert!(!second.contains("created"));
}

#[test]
fn seed_then_list_returns_every_lifecycle() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let seeded = env.ok(&["seed", "--lifecycles", "120"]);
    assert!(seeded.starts_with("wrote 120 lifecycles"), "{seeded}");
    let listed: Vec<Lifecycle> =
        serde_json::from_str(&env.ok(&["list", "--json"])).expect("list --json is JSON");
    assert_eq!(listed.len(), 120);
    let ids: BTreeSet<_> = listed.iter().map(|l| l.lifecycle_id.clone()).collect();
    assert_eq!(ids.len(), 120, "ids are unique");
    // Spread over stages and statuses, with patch cycles among them.
    let statuses: BTreeSet<_> = listed.iter().map(|l| l.current().1.status).collect();
    for status in [
        EventStatus::Completed,
        EventStatus::Failed,
        EventStatus::Error,
    ] {
        assert!(statuses.contains(&status), "no lifecycle is {status}");
    }
    // Nothing seeded runs: a seeded run would name an execution that does
    // not exist and never move (the demo driver's lifecycles are the live ones).
    assert!(
        listed.iter().all(|l| l.running().is_none()),
        "a seeded lifecycle is running"
    );
    assert!(listed.iter().any(|l| !l.patches.is_empty()));
    let tags: BTreeSet<_> = listed.iter().map(|l| l.stack_tag.clone()).collect();
    assert!(tags.len() >= 3, "several stack tags: {tags:?}");

    // The stack-tag list holds exactly that tag's lifecycles.
    let main: Vec<Lifecycle> =
        serde_json::from_str(&env.ok(&["list", "--stack-tag", "main", "--json"])).expect("json");
    let expected = listed.iter().filter(|l| l.stack_tag == "main").count();
    assert_eq!(main.len(), expected);
    assert!(main.iter().all(|l| l.stack_tag == "main"));

    // Versions within a stack tag never repeat.
    for tag in &tags {
        let versions: Vec<_> = listed
            .iter()
            .filter(|l| &l.stack_tag == tag)
            .filter_map(|l| l.ami_semver.clone())
            .collect();
        let unique: BTreeSet<_> = versions.iter().collect();
        assert_eq!(unique.len(), versions.len(), "duplicate versions in {tag}");
    }
}

#[test]
fn seed_into_one_stack_tag_and_show() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    env.ok(&["seed", "--lifecycles", "5", "--stack-tag", "feature-x"]);
    let listed: Vec<Lifecycle> = serde_json::from_str(&env.ok(&["list", "--json"])).expect("json");
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|l| l.stack_tag == "feature-x"));
    let id = &listed[0].lifecycle_id;
    let shown: Lifecycle =
        serde_json::from_str(&env.ok(&["show", id, "--json"])).expect("show --json");
    assert_eq!(&shown, &listed[0]);
    let text = env.ok(&["show", id]);
    // The dashboard's words, not the reference names (those stay in --json).
    assert!(text.contains(id) && text.contains("Build"), "{text}");
    assert!(
        !text.contains("AMI_BUILD") && !text.contains("NOT_STARTED"),
        "{text}"
    );
}

#[test]
fn unknown_lifecycle_exits_3() {
    let env = TestEnv::new();
    env.ok(&["provision"]);
    let (code, _, err) = env.run(&["show", "no-such-id"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no-such-id") && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn missing_tables_name_provision() {
    let env = TestEnv::new();
    let (code, _, err) = env.run(&["list"]);
    assert_eq!(code, 1);
    assert!(err.contains("amiboard provision"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn unknown_config_key_exits_2_naming_file_line_and_key() {
    let env = TestEnv::new();
    let path = env.dir.path().join("bad.toml");
    let mut file = std::fs::File::create(&path).expect("create");
    writeln!(
        file,
        "region = \"us-east-1\"\n\n[tables]\nlifecycle = \"x\""
    )
    .expect("write");
    let (code, _, err) = env.run(&["--config", path.to_str().expect("utf-8"), "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml:4"), "{err}");
    assert!(err.contains("lifecycle"), "{err}");

    std::fs::write(&path, "refresh_seconds = \"soon\"\n").expect("write");
    let (code, _, err) = env.run(&["--config", path.to_str().expect("utf-8"), "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:1"), "{err}");
}

#[test]
fn bad_flag_exits_2() {
    let env = TestEnv::new();
    let (code, _, err) = env.run(&["list", "--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"), "{err}");
}

#[test]
fn no_region_says_how_to_set_it() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["list"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--region") && err.contains("AWS_REGION"),
        "{err}"
    );
}

#[test]
fn unreachable_endpoint_fails_fast_with_one_line() {
    let env = TestEnv::new();
    // A port that accepts connections and never answers: the worst case.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("addr"));
    let started = std::time::Instant::now();
    let (code, _, err) = env.run(&["--endpoint-url", &url, "list"]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    assert!(took < std::time::Duration::from_secs(12), "took {took:?}");
    assert!(err.contains("cannot reach DynamoDB"), "{err}");

    // A closed port: refused at once.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let (code, _, err) = env.run(&["--endpoint-url", &format!("http://{closed}"), "list"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot reach DynamoDB"), "{err}");
}

#[tokio::test]
async fn concurrent_writers_are_detected_not_overwritten() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let lc = Lifecycle::new("lc-race", "main", "web", "1.0", "alice", Utc::now());
    ctx.store.create(&lc).await.expect("create");
    assert!(matches!(
        ctx.store.create(&lc).await,
        Err(AwsError::Conflict { .. })
    ));

    let read_a = ctx.store.get("lc-race").await.expect("get");
    let read_b = read_a.clone();
    let mut a = read_a;
    a.creation[0].status = EventStatus::InProgress;
    a.creation[0].actor = Some("alice".into());
    let saved = ctx.store.save(&a).await.expect("first writer wins");
    assert_eq!(saved.item_version, 1);

    let mut b = read_b;
    b.creation[0].actor = Some("bob".into());
    let lost = ctx.store.save(&b).await;
    assert!(matches!(lost, Err(AwsError::Conflict { .. })), "{lost:?}");

    let stored = ctx.store.get("lc-race").await.expect("get");
    assert_eq!(stored.creation[0].actor.as_deref(), Some("alice"));
    assert_eq!(stored.item_version, 1);
    assert_eq!(stored.creation[0].event, EventKind::AmiBuild);
}

#[tokio::test]
async fn semver_counter_never_hands_out_a_version_twice() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = ctx.store.clone();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(
            async move { store.reserve_major("main").await },
        ));
    }
    let mut majors = BTreeSet::new();
    for task in tasks {
        majors.insert(task.await.expect("join").expect("reserve"));
    }
    assert_eq!(majors, (1..=20).collect::<BTreeSet<u64>>());
    assert_eq!(store.reserve_major("other").await.expect("reserve"), 1);
}

#[tokio::test]
async fn malformed_items_are_skipped_with_their_key() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let good = Lifecycle::new("lc-good", "main", "web", "1.0", "alice", Utc::now());
    ctx.store.create(&good).await.expect("create");
    ctx.sdk()
        .expect("sdk")
        .clients
        .dynamodb
        .put_item()
        .table_name(&ctx.config.tables.lifecycles)
        .item("lifecycle_id", AttributeValue::S("lc-broken".into()))
        .item("stack_tag", AttributeValue::S("main".into()))
        .item("updated_at", AttributeValue::S("not a time".into()))
        .send()
        .await
        .expect("put raw item");
    let listing = ctx.store.list_all(None, &mut |_| {}).await.expect("list");
    assert_eq!(listing.lifecycles.len(), 1);
    assert_eq!(listing.skipped.len(), 1);
    assert_eq!(listing.skipped[0].key, "lc-broken");

    let (code, out, err) = env.run(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("lc-good"));
    assert!(err.contains("lc-broken"), "{err}");
}

#[test]
fn missing_credentials_say_so_in_one_line() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .args(["list"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("credentials are missing, invalid or expired"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn the_dashboard_without_a_terminal_says_so() {
    let env = TestEnv::new();
    let (code, _, err) = env.run(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
}
