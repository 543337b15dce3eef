//! Hardening against moto with the real binary: read-only mode covers
//! `cleanup`, and hostile stored text never reaches the terminal raw.

use amiboard::lifecycle::{EventStatus, Lifecycle};
use chrono::Utc;

use crate::support::TestEnv;

/// What an attacker stores: an OSC 52 clipboard write, a screen clear, an
/// 8-bit CSI and a bidi override.
const HOSTILE: &str = "web\u{1b}]52;c;aGkK\u{7}\u{1b}[2J\u{9b}31m\u{202E}gpj.exe\u{2066}";

/// Asserts `text` holds nothing a terminal would interpret.
fn assert_inert(what: &str, text: &str) {
    for (c, name) in [
        ('\u{1b}', "ESC"),
        ('\u{7}', "BEL"),
        ('\u{9b}', "U+009B"),
        ('\u{202E}', "U+202E"),
        ('\u{2066}', "U+2066"),
    ] {
        assert!(!text.contains(c), "{what} prints a raw {name}: {text:?}");
    }
}

#[test]
fn defect_13_cleanup_is_refused_in_read_only_mode_except_dry_run() {
    let env = TestEnv::new();
    let (code, out, err) = env.run(&["--read-only", "cleanup"]);
    assert_eq!(code, 4, "out: {out} err: {err}");
    assert!(err.contains("refused: read-only mode"), "{err}");
    assert!(out.is_empty(), "{out}");

    let out = env
        .cmd()
        .env("AMIBOARD_READ_ONLY", "1")
        .arg("cleanup")
        .output()
        .expect("run amiboard");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("refused: read-only mode"), "{err}");

    // Listing what would be removed changes nothing: still allowed.
    let (code, out, err) = env.run(&["--read-only", "cleanup", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no leftover"), "{out}");
}

#[tokio::test]
async fn defect_04_create_refuses_control_characters_before_writing() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let cases: [(&str, Vec<String>); 4] = [
        (
            "product name",
            vec!["--product-name".into(), HOSTILE.into()],
        ),
        (
            "product version",
            vec!["--product-version".into(), "1.0\u{9b}2J".into()],
        ),
        (
            "commit ref",
            vec!["--commit-ref".into(), "abc\u{202E}def".into()],
        ),
        (
            "property",
            vec!["--property".into(), "team=a\u{1b}[2J".into()],
        ),
    ];
    for (field, extra) in cases {
        let mut args: Vec<String> = ["create", "--stack-tag", "main", "--yes"]
            .map(String::from)
            .to_vec();
        if field != "product name" {
            args.extend(["--product-name".into(), "web".into()]);
        }
        if field != "product version" {
            args.extend(["--product-version".into(), "1.0".into()]);
        }
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 2, "{field}: out: {out} err: {err}");
        assert!(err.contains(field), "{field}: {err}");
        assert_inert(field, &err);
    }
    let listing = ctx.store.list_all(None, &mut |_| {}).await.expect("list");
    assert!(listing.lifecycles.is_empty(), "{:?}", listing.lifecycles);
    // Not even the version counter moved.
    assert_eq!(ctx.store.reserve_major("main").await.expect("reserve"), 1);
}

#[tokio::test]
async fn defect_04_stored_hostile_text_is_printed_inert() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let mut lc = Lifecycle::new("lc-hostile", "main", HOSTILE, HOSTILE, HOSTILE, Utc::now());
    lc.commit_ref = HOSTILE.to_string();
    lc.ami_semver = Some("1.0.0".to_string());
    lc.properties
        .insert(HOSTILE.to_string(), HOSTILE.to_string());
    let record = &mut lc.creation[0];
    record.status = EventStatus::Failed;
    record.attempt = 1;
    record.started_at = Some(Utc::now());
    record.finished_at = Some(Utc::now());
    record.actor = Some(HOSTILE.to_string());
    record.reason = Some(format!("broke | the\ntable\r\n{HOSTILE}"));
    ctx.store.create(&lc).await.expect("create");
    // A malformed item whose key is hostile: the warning names it.
    ctx.sdk()
        .expect("sdk")
        .clients
        .dynamodb
        .put_item()
        .table_name(&ctx.config.tables.lifecycles)
        .item("lifecycle_id", AttributeValue::S(format!("lc-{HOSTILE}")))
        .item("stack_tag", AttributeValue::S("main".into()))
        .item("updated_at", AttributeValue::S("not a time".into()))
        .send()
        .await
        .expect("put raw item");

    for args in [
        &["list"][..],
        &["show", "lc-hostile"],
        &["timeline", "lc-hostile"],
        &["timeline", "lc-hostile", "--markdown"],
        &["list", "--json"],
        &["show", "lc-hostile", "--json"],
        &["timeline", "lc-hostile", "--json"],
    ] {
        let (code, out, err) = env.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_inert(&format!("{args:?} stdout"), &out);
        assert_inert(&format!("{args:?} stderr"), &err);
        assert!(out.contains("gpj.exe"), "{args:?}: {out}");
    }

    // The Markdown table keeps one row per event, each of nine cells.
    let markdown = env.ok(&["timeline", "lc-hostile", "--markdown"]);
    let rows: Vec<&str> = markdown.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 2 + lc.creation.len(), "{markdown}");
    for row in &rows {
        let separators = row.replace("\\|", "").matches('|').count();
        assert_eq!(separators, 9, "{row}");
    }

    // JSON stays JSON with the same text, only escaped.
    let listed: Vec<Lifecycle> =
        serde_json::from_str(&env.ok(&["list", "--json"])).expect("list --json is JSON");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].product_name, HOSTILE);
    assert_eq!(listed[0].creation[0].actor.as_deref(), Some(HOSTILE));
    let raw = env.ok(&["show", "lc-hostile", "--json"]);
    assert!(raw.contains("\\u009b") && raw.contains("\\u202e"), "{raw}");
}

/// A lifecycle in production whose numbers sit at their limits: the failed
/// SMOKE_TESTS of its patch cycle was tried u32::MAX times, and its version
/// parts cannot be bumped.
fn at_the_limits(id: &str) -> Lifecycle {
    use amiboard::lifecycle::{AmiOutput, EventKind};
    let mut lc = Lifecycle::new(id, "limits", "web", "1.0", "alice", Utc::now());
    let top = format!("{}.{}.{}", u64::MAX, u64::MAX, u64::MAX);
    lc.ami_semver = Some(top.clone());
    for record in &mut lc.creation {
        record.status = EventStatus::Completed;
        record.attempt = u32::MAX;
        if record.event == EventKind::AmiBuild {
            record.outputs.amis = vec![AmiOutput {
                account: None,
                region: "us-east-1".into(),
                ami_id: "ami-0limits".into(),
                name: None,
            }];
            record.outputs.ami_semver = Some(top.clone());
        }
    }
    lc
}

#[tokio::test]
async fn defect_07_numbers_at_their_limits_are_refused_not_a_panic() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let lc = at_the_limits("lc-limits");
    ctx.store.create(&lc).await.expect("create");
    // A MINOR or PATCH bump of u64::MAX cannot be counted.
    for bump in ["minor", "patch"] {
        let (code, out, err) = env.run(&["patch", "lc-limits", "--bump", bump, "--yes"]);
        assert_eq!(code, 4, "patch --bump {bump}: out {out} err {err}");
        assert!(err.contains("cannot be bumped"), "{err}");
    }
    // A failed event tried u32::MAX times cannot be retried once more.
    let mut failed = at_the_limits("lc-tries");
    if let Some(smoke) = failed.creation.get_mut(1) {
        smoke.status = EventStatus::Failed;
    }
    for later in failed.creation.iter_mut().skip(2) {
        later.status = EventStatus::NotStarted;
        later.attempt = 0;
    }
    ctx.store.create(&failed).await.expect("create");
    for command in [
        &["retry", "lc-tries", "--yes"][..],
        &["trigger", "lc-tries", "--yes"],
    ] {
        let (code, out, err) = env.run(command);
        assert_eq!(code, 4, "{command:?}: out {out} err {err}");
        assert!(err.contains("cannot go higher"), "{err}");
    }
    let stored = ctx.store.get("lc-tries").await.expect("read");
    assert_eq!(
        stored.item_version, failed.item_version,
        "nothing was written"
    );
}
