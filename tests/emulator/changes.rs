//! The change index against moto: `changed_since(T)` answers exactly the
//! lifecycles written since T, at their newest version, whoever wrote them
//! (amiboard's create and conditional saves, the state machines' result
//! writes, the seed's batch writes), across a day boundary; a table without
//! the index answers `NoIndex`, and `doctor` says how to add it.

use std::collections::BTreeMap;

use amiboard::aws::dynamodb::{CHANGED_INDEX, CHANGED_SHARD, ChangedSince, Changes};
use amiboard::lifecycle::{EventKind, EventStatus, Lifecycle};
use amiboard::ops::Context;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};
use chrono::{DateTime, Duration, Utc};

use crate::support::TestEnv;
use crate::workflows::{completed, create, creation, ready};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn lifecycle(env: &TestEnv, name: &str, updated_at: DateTime<Utc>) -> Lifecycle {
    let mut lc = Lifecycle::new(
        format!("{}{name}", env.prefix),
        "changes",
        "web",
        "3.2",
        "tester",
        updated_at,
    );
    lc.updated_at = updated_at;
    lc.ami_semver = Some("1.0.0".to_string());
    lc
}

async fn changes(ctx: &Context, since: DateTime<Utc>) -> Changes {
    match ctx.store.changed_since(since).await.expect("changed since") {
        ChangedSince::Changes(changes) => changes,
        ChangedSince::NoIndex(why) => panic!("no change index: {why}"),
    }
}

/// Id -> item_version of what a read answered.
fn versions(lifecycles: &[Lifecycle]) -> BTreeMap<String, u64> {
    lifecycles
        .iter()
        .map(|lc| (lc.lifecycle_id.clone(), lc.item_version))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_since_answers_exactly_what_was_written_since_by_anyone() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let store = &ctx.sdk().expect("sdk").store;
    // Ten lifecycles seeded two days ago (the seed's batch write path).
    let old = Utc::now() - Duration::days(2);
    let seeded: Vec<Lifecycle> = (0..10)
        .map(|n| lifecycle(&env, &format!("old-{n}"), old))
        .collect();
    store.batch_put_lifecycles(&seeded).await.expect("seed");
    let since = Utc::now();
    let before = changes(&ctx, since).await;
    assert_eq!(versions(&before.lifecycles), BTreeMap::new(), "nothing yet");
    assert!(before.read_at >= since);

    // Two seeded lifecycles are triggered (amiboard's conditional save, then
    // the build machine's own UpdateItem of the result), one is created.
    let triggered: Vec<String> = seeded[..2]
        .iter()
        .map(|lc| lc.lifecycle_id.clone())
        .collect();
    for id in &triggered {
        env.ok(&["trigger", id, "--yes"]);
    }
    let created = create(&env, "changes", &[]);
    let mut newest = BTreeMap::new();
    for id in triggered.iter().chain([&created]) {
        let lc = completed(&ctx, id, creation(EventKind::AmiBuild)).await;
        newest.insert(id.clone(), lc.item_version);
    }

    let after = changes(&ctx, since).await;
    assert_eq!(
        versions(&after.lifecycles),
        newest,
        "the changed ones, newest"
    );
    assert!(after.skipped.is_empty(), "{:?}", after.skipped);
    for lc in &after.lifecycles {
        // The state machine's write (only `updated_at` and the record) is
        // what the index answered: the item stayed in its shard.
        let build = lc.record(creation(EventKind::AmiBuild)).expect("build");
        assert_eq!(build.status, EventStatus::Completed, "{}", lc.lifecycle_id);
        assert!(lc.updated_at >= since, "{}", lc.lifecycle_id);
    }
    // Nothing was written after now (asked from past the read's 6-minute window).
    let later = changes(&ctx, Utc::now() + Duration::minutes(7)).await;
    assert_eq!(versions(&later.lifecycles), BTreeMap::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_many_items_hands_over_the_first_thousand_whole_and_the_rest_by_version() {
    // Measured at 100 000 (docs/performance.md): after a write to every
    // item, each read within the margin brought every record at once. Now a
    // read holds at most CHANGES_HELD whole; the rest come as id + version,
    // each once, none in both.
    use amiboard::aws::dynamodb::CHANGES_HELD;
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = &ctx.sdk().expect("sdk").store;
    let now = Utc::now();
    let written: Vec<Lifecycle> = (0..CHANGES_HELD + 150)
        .map(|n| {
            let mut lc = lifecycle(&env, &format!("many-{n:05}"), now);
            lc.item_version = 3;
            lc
        })
        .collect();
    store.batch_put_lifecycles(&written).await.expect("write");
    let read = changes(&ctx, now - Duration::minutes(1)).await;
    assert_eq!(read.lifecycles.len(), CHANGES_HELD);
    assert_eq!(read.beyond.len(), 150);
    let mut all: Vec<String> = read
        .lifecycles
        .iter()
        .map(|lc| lc.lifecycle_id.clone())
        .chain(read.beyond.iter().map(|(id, _)| id.clone()))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), written.len(), "each once, none in both");
    assert!(
        read.beyond.iter().all(|(_, v)| *v == 3),
        "{:?}",
        &read.beyond[..3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_reads_across_a_day_boundary_whatever_the_fraction() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = &ctx.sdk().expect("sdk").store;
    // The read asks from 23:59:30; it reads from six minutes before (23:53:30).
    let times = [
        ("a", "2026-11-29T23:52:00Z", false),
        ("b", "2026-11-29T23:53:29.999Z", false),
        ("c", "2026-11-29T23:53:30Z", true),
        ("c2", "2026-11-29T23:53:30.250Z", true),
        ("d", "2026-11-29T23:59:59.5Z", true),
        ("e", "2026-11-30T00:00:00Z", true),
        ("f", "2026-11-30T12:00:00.123456789Z", true),
    ];
    let lifecycles: Vec<Lifecycle> = times
        .iter()
        .map(|(name, time, _)| lifecycle(&env, name, at(time)))
        .collect();
    store.batch_put_lifecycles(&lifecycles).await.expect("seed");
    let found = changes(&ctx, at("2026-11-29T23:59:30Z")).await;
    let want: BTreeMap<String, u64> = times
        .iter()
        .filter(|(_, _, kept)| *kept)
        .map(|(name, _, _)| (format!("{}{name}", env.prefix), 0))
        .collect();
    assert_eq!(versions(&found.lifecycles), want);
    // From the next day on, only that day's.
    let next_day = changes(&ctx, at("2026-11-30T11:00:00Z")).await;
    assert_eq!(
        versions(&next_day.lifecycles),
        BTreeMap::from([(format!("{}f", env.prefix), 0)])
    );
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_without_the_index_says_so_until_it_is_added() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let sdk = ctx.sdk().expect("sdk");
    let table = format!("{}lifecycles", env.prefix);
    // An older table: the same, without the change index.
    sdk.clients
        .dynamodb
        .update_table()
        .table_name(&table)
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .delete(
                    DeleteGlobalSecondaryIndexAction::builder()
                        .index_name(CHANGED_INDEX)
                        .build()
                        .expect("delete"),
                )
                .build(),
        )
        .send()
        .await
        .expect("drop the index");
    // A new amiboard writes into it all the same.
    let lc = lifecycle(&env, "written", Utc::now());
    sdk.store.batch_put_lifecycles(&[lc]).await.expect("write");

    match ctx.store.changed_since(Utc::now()).await.expect("answer") {
        ChangedSince::NoIndex(why) => assert!(
            why.contains(&format!("table {table} has no index {CHANGED_INDEX}")),
            "{why}"
        ),
        ChangedSince::Changes(c) => panic!("read without an index: {c:?}"),
    }
    let (code, out, err) = env.run(&["doctor", "--json"]);
    assert_eq!(code, 1, "{err}");
    let checks: Vec<serde_json::Value> = serde_json::from_str(&out).expect("doctor --json");
    let line = checks
        .iter()
        .find(|c| c["check"] == format!("index {CHANGED_INDEX} of table {table}"))
        .expect("the index line");
    assert_eq!(line["status"], "fail", "{line}");
    assert!(
        line["fix"]
            .as_str()
            .is_some_and(|f| f.contains("aws dynamodb update-table")),
        "{line}"
    );

    // Adding it as the fix says (all four key attributes, the index ALL):
    // what was written meanwhile carries its shard and is found.
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attr")
    };
    sdk.clients
        .dynamodb
        .update_table()
        .table_name(&table)
        .set_attribute_definitions(Some(
            ["lifecycle_id", "stack_tag", "updated_at", CHANGED_SHARD]
                .map(attr)
                .to_vec(),
        ))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name(CHANGED_INDEX)
                        .key_schema(key(CHANGED_SHARD, KeyType::Hash))
                        .key_schema(key("updated_at", KeyType::Range))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .expect("create"),
                )
                .build(),
        )
        .send()
        .await
        .expect("add the index");
    let found = changes(&ctx, Utc::now() - Duration::minutes(5)).await;
    assert_eq!(
        versions(&found.lifecycles),
        BTreeMap::from([(format!("{}written", env.prefix), 0)])
    );
    let (code, out, _) = env.run(&["doctor", "--json"]);
    let checks: Vec<serde_json::Value> = serde_json::from_str(&out).expect("doctor --json");
    let line = checks
        .iter()
        .find(|c| c["check"] == format!("index {CHANGED_INDEX} of table {table}"))
        .expect("the index line");
    assert_eq!(line["status"], "pass", "{line} (exit {code})");
}
