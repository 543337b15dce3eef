//! Twenty people trigger the same event at once: exactly one execution.

use std::thread;

use amiboard::aws::sfn;
use amiboard::lifecycle::{EventKind, EventStatus};
use amiboard::ops::{self, workflows::Workflow};

use super::{completed, create, creation, ready};
use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_triggers_start_exactly_one_execution() {
    let env = TestEnv::new();
    let ctx = ready(&env).await;
    let id = create(&env, "race", &[]);
    completed(&ctx, &id, creation(EventKind::AmiBuild)).await;

    let results: Vec<(i32, String, String)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| env.run(&["trigger", &id, "--yes"])))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let winners = results.iter().filter(|(code, _, _)| *code == 0).count();
    let losers: Vec<_> = results.iter().filter(|(code, _, _)| *code != 0).collect();
    assert_eq!(winners, 1, "{results:#?}");
    for (code, _, err) in &losers {
        assert_eq!(*code, 4, "{err}");
        assert!(
            err.contains("first") || err.contains("is running"),
            "the loser is told who won: {err}"
        );
    }

    let setting = ops::setting(&ctx).await.expect("setting");
    let machine =
        Workflow::SmokeTests.machine_arn(&setting.prefix, &setting.region, &setting.account);
    let executions = sfn::list_executions(&ctx.sdk().expect("sdk clients").clients, &machine)
        .await
        .expect("list");
    assert_eq!(executions.len(), 1, "{executions:?}");
    let lc = completed(&ctx, &id, creation(EventKind::SmokeTests)).await;
    let record = lc.record(creation(EventKind::SmokeTests)).expect("smoke");
    assert_eq!(record.attempt, 1);
    assert_eq!(record.status, EventStatus::Completed);
    assert_eq!(
        record.execution_arn.as_deref(),
        Some(executions[0].as_str())
    );
}
