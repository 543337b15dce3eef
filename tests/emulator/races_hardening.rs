//! Hardening of concurrent writers against moto with the real binary: ten
//! concurrent patches add one cycle, a decision never silently replaces
//! another, and `seed` beside `create` never hands out a MAJOR twice.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::thread;
use std::time::Duration;

use amiboard::aws::sfn;
use amiboard::lifecycle::{EventKind, EventStatus, Refusal, Stage, parse_version};
use amiboard::ops::{self, OpError, workflows::Workflow};

use crate::support::TestEnv;
use crate::workflows::{at, completed, create, creation, ready, to_production};

/// Runs each `(delay_ms, args)` at the same time, each after its delay; returns (exit code, stdout, stderr) in that order.
fn concurrently(env: &TestEnv, runs: &[(u64, Vec<&str>)]) -> Vec<(i32, String, String)> {
    thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(delay, args)| {
                scope.spawn(move || {
                    thread::sleep(Duration::from_millis(*delay));
                    env.run(args)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn defect_05_ten_concurrent_patches_write_one_cycle_and_start_it() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "patch-race", &[]);
    to_production(&env, &ctx, &id).await;

    let args = vec!["patch", id.as_str(), "--bump", "minor", "--yes"];
    let runs: Vec<_> = (0..10).map(|_| (0, args.clone())).collect();
    let results = concurrently(&env, &runs);
    let winners = results.iter().filter(|(code, _, _)| *code == 0).count();
    assert_eq!(winners, 1, "{results:#?}");
    for (code, _, err) in results.iter().filter(|(code, _, _)| *code != 0) {
        assert_eq!(*code, 4, "{err}");
        assert!(
            err.contains("first") || err.contains("is running"),
            "the loser is told who won: {err}"
        );
    }

    // One cycle, claimed in the write that added it, with the next version.
    let lc = ctx.store.get(&id).await.expect("get");
    assert_eq!(lc.patches.len(), 1, "{:#?}", lc.patches);
    assert_eq!(lc.patches[0].number, 1);
    assert_eq!(lc.patches[0].semver, "1.1.0");
    let lc = completed(&ctx, &id, at(Stage::Patch(1), EventKind::AmiPatch)).await;
    assert_eq!(lc.patches.len(), 1);
    let record = lc
        .record(at(Stage::Patch(1), EventKind::AmiPatch))
        .expect("record");
    assert_eq!(record.attempt, 1);

    let setting = ops::setting(&ctx).await.expect("setting");
    let machine =
        Workflow::PatchBuild.machine_arn(&setting.prefix, &setting.region, &setting.account);
    let executions = sfn::list_executions(&ctx.sdk().expect("sdk clients").clients, &machine)
        .await
        .expect("list");
    assert_eq!(executions.len(), 1, "{executions:?}");
    assert_eq!(
        record.execution_arn.as_deref(),
        Some(executions[0].as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn defect_10_a_certify_never_silently_overrides_a_rejection() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "qa-race", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;
    for event in [
        EventKind::SmokeTests,
        EventKind::VulnerabilityScans,
        EventKind::QaCertificationRequest,
    ] {
        env.ok(&["trigger", &id, "--yes"]);
        completed(&ctx, &id, creation(event)).await;
    }

    let reject = vec![
        "certify",
        id.as_str(),
        "--reject",
        "--reason",
        "CIS fails",
        "--yes",
    ];
    let certify = vec!["certify", id.as_str(), "--reason", "looks good", "--yes"];
    // Five rejects at once; five certifies 150 ms after they returned, by
    // people who saw the request pending (`--yes`: they saw no later state).
    let mut results = concurrently(&env, &vec![(0, reject.clone()); 5]);
    results.extend(concurrently(&env, &vec![(150, certify.clone()); 5]));
    let winners: Vec<_> = results
        .iter()
        .enumerate()
        .filter(|(_, (code, _, _))| *code == 0)
        .collect();
    assert_eq!(winners.len(), 1, "one decision only: {results:#?}");
    let rejected_won = winners[0].0 < 5;
    assert!(rejected_won, "the first decision stands: {results:#?}");
    let qa = creation(EventKind::QaCertificationResponse);
    let lc = ctx.store.get(&id).await.expect("get");
    let record = lc.record(qa).expect("qa record");
    let (status, word) = if rejected_won {
        (EventStatus::Failed, "rejected by")
    } else {
        (EventStatus::Completed, "certified by")
    };
    assert_eq!(record.status, status, "{results:#?}");
    assert_eq!(record.attempt, 1);
    // Human output names the actor by its short form.
    let actor = amiboard::lifecycle::actor::short(record.actor.as_deref().expect("actor"));
    for (code, _, err) in results.iter().filter(|(code, _, _)| *code != 0) {
        assert_eq!(*code, 4, "{err}");
        assert!(
            err.contains(word) && err.contains(&actor) && err.contains(" UTC"),
            "the refusal names the earlier decision, its actor and time: {err}"
        );
    }

    if rejected_won {
        // Re-deciding stays possible, but only on the state that shows the
        // rejection: a caller who saw nothing is refused, one who saw it wins.
        let unseen = ops::decide(&ctx, "qa-bob", &id, true, "fixed", None).await;
        assert!(
            matches!(unseen, Err(OpError::Refused(Refusal::AlreadyDecided(_)))),
            "{unseen:?}"
        );
        let stale = ops::decide(
            &ctx,
            "qa-bob",
            &id,
            true,
            "fixed",
            Some(lc.item_version - 1),
        )
        .await;
        assert!(
            matches!(stale, Err(OpError::Refused(Refusal::AlreadyDecided(_)))),
            "{stale:?}"
        );
        let seen = ops::decide(&ctx, "qa-bob", &id, true, "fixed", Some(lc.item_version))
            .await
            .expect("a deliberate re-decision on the rejected state");
        let record = seen.lifecycle.record(qa).expect("qa record");
        assert_eq!((record.status, record.attempt), (EventStatus::Completed, 2));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn defect_11_seed_beside_create_never_hands_out_a_major_twice() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let tag = "seed-race";

    // Seeds and creates as processes, while this test reserves versions
    // itself, one after the other, for as long as they run (one at a time:
    // moto serialises the ADD but reads the returned value after its lock,
    // so two truly simultaneous ADDs can both see the later value; real
    // DynamoDB cannot).
    let mut children = Vec::new();
    for _ in 0..6 {
        children.push(
            env.cmd()
                .args(["seed", "--lifecycles", "3", "--stack-tag", tag])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn seed"),
        );
    }
    for _ in 0..4 {
        children.push(
            env.cmd()
                .args([
                    "create",
                    "--stack-tag",
                    tag,
                    "--product-name",
                    "web",
                    "--product-version",
                    "1.0",
                    "--yes",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn create"),
        );
    }
    let mut reserved = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    loop {
        let mut running = 0;
        for child in &mut children {
            if child.try_wait().expect("try_wait").is_none() {
                running += 1;
            }
        }
        if running == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "seed/create hang");
        reserved.push(ctx.store.reserve_major(tag).await.expect("reserve"));
    }
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let listing = ctx
        .store
        .list_all(Some(tag), &mut |_| {})
        .await
        .expect("list");
    assert_eq!(listing.lifecycles.len(), 6 * 3 + 4);
    let mut holders: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for lc in &listing.lifecycles {
        let version = lc
            .ami_semver
            .as_deref()
            .and_then(parse_version)
            .expect("a version");
        holders
            .entry(version.major)
            .or_default()
            .push(lc.lifecycle_id.clone());
    }
    for major in reserved {
        holders
            .entry(major)
            .or_default()
            .push("(reserved here)".into());
    }
    let duplicates: Vec<_> = holders.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(
        duplicates.is_empty(),
        "MAJOR versions handed out twice: {duplicates:#?}"
    );
}
