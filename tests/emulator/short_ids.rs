//! Short lifecycle ids on the command line: a unique prefix (the 8
//! characters the dashboard shows) resolves, an ambiguous one lists the
//! matches (exit 2), an unknown one is not found (exit 3).

use amiboard::lifecycle::Lifecycle;
use chrono::Utc;

use crate::support::TestEnv;

#[tokio::test]
async fn a_unique_prefix_resolves_and_an_ambiguous_one_lists_the_matches() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let ids = [
        "6f3a91c2-0000-4000-8000-000000000001",
        "6f3a91c2-0000-4000-8000-000000000002",
        "b7e0d4aa-0000-4000-8000-000000000003",
    ];
    for id in ids {
        let lc = Lifecycle::new(id, "short", "web", "1.0", "alice", Utc::now());
        ctx.store.create(&lc).await.expect("create");
    }

    // The dashboard's 8 characters are enough when they are unique.
    let out = env.ok(&["show", "b7e0d4aa", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&out).expect("show --json");
    assert_eq!(shown["lifecycle_id"], ids[2]);
    let timeline = env.ok(&["timeline", "b7e0", "--json"]);
    assert!(timeline.contains(ids[2]), "{timeline}");

    // Ambiguous: both matches named, exit 2, nothing changed.
    let (code, out, err) = env.run(&["trigger", "6f3a91c2", "--yes"]);
    assert_eq!(code, 2, "out {out} err {err}");
    assert!(err.contains(ids[0]) && err.contains(ids[1]), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for id in &ids[..2] {
        let lc = ctx.store.get(id).await.expect("read");
        assert!(lc.running().is_none(), "nothing was triggered");
    }

    // The whole id is always exact.
    let out = env.ok(&["show", "6f3a91c2-0000-4000-8000-000000000002"]);
    assert!(out.contains(ids[1]), "{out}");

    // Unknown: not found (3). Too short to be a prefix: a usage error (2)
    // that says how long an id must be.
    let (code, _, err) = env.run(&["show", "ffffffff"]);
    assert_eq!(code, 3, "{err}");
    for typed in ["6f3", "0"] {
        let (code, _, err) = env.run(&["show", typed]);
        assert_eq!(code, 2, "{typed}: {err}");
        assert!(err.contains("an id needs at least 4 characters"), "{err}");
    }
}
