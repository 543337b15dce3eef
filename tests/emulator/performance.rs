//! Full reads in parallel Scan segments against moto: each segment's pages,
//! and `scan_all` over any number of segments, cover the table exactly once.

use std::collections::BTreeMap;

use amiboard::aws::dynamodb::Store;
use amiboard::lifecycle::demo::{demo_lifecycle, stack_tag_for};
use chrono::Utc;

use crate::support::TestEnv;

/// More than one 1 MB Scan page when read as one segment.
const ITEMS: u64 = 1200;

/// How many times each id was read.
fn counts(ids: impl IntoIterator<Item = String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

/// `ITEMS` demo lifecycles written to `store`, `tag(i)` the stack tag of the
/// i-th; returns each id once, as `counts` gives a read that saw each once.
async fn seed(store: &Store, tag: impl Fn(u64) -> String) -> BTreeMap<String, u32> {
    let now = Utc::now();
    let seeded: Vec<_> = (0..ITEMS)
        .map(|i| demo_lifecycle(i, &tag(i), i + 1, now))
        .collect();
    store.batch_put_lifecycles(&seeded).await.expect("seed");
    seeded.iter().map(|l| (l.lifecycle_id.clone(), 1)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_segments_cover_the_table_exactly_once() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = ctx.sdk().expect("sdk").store.clone();
    let want = seed(&store, |i| stack_tag_for(i, None)).await;
    assert_eq!(want.len() as u64, ITEMS, "distinct ids seeded");

    // Segment by segment, page by page: disjoint, and together the table.
    for total in [1_u32, 4, 7] {
        let mut all = Vec::new();
        let mut pages = 0;
        for segment in 0..total {
            let mut cursor = None;
            loop {
                let page = store
                    .segment_page(segment, total, cursor)
                    .await
                    .expect("segment page");
                pages += 1;
                all.extend(page.lifecycles.into_iter().map(|l| l.lifecycle_id));
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        assert_eq!(
            counts(all),
            want,
            "{total} segment(s): every id exactly once"
        );
        if total == 1 {
            assert!(
                pages > 1,
                "one segment is read in more than one page: {pages}"
            );
        }
    }

    // The full read the CLI and reconcile use, in 1, 4 and 16 segments at once.
    for segments in [1, 4, 16] {
        let parallel: Store = store.clone().with_scan_segments(segments);
        let mut heard = 0;
        let listing = parallel
            .list_all(None, &mut |n| heard = n)
            .await
            .expect("list_all");
        assert!(listing.skipped.is_empty());
        assert_eq!(heard as u64, ITEMS, "progress hears the final count");
        let ids = listing.lifecycles.into_iter().map(|l| l.lifecycle_id);
        assert_eq!(
            counts(ids),
            want,
            "{segments} parallel segments: exactly once"
        );
    }
}

/// The dashboard reads the table in pages of at most `PAGE_ITEMS` (a Scan,
/// or a stack tag's Query, with `Limit`), each id once, and its runner
/// hands the UI thread about `HANDOVER_ITEMS` at a time, not a page each.
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_reads_small_pages_and_hands_them_over_together() {
    use amiboard::app::action::Action;
    use amiboard::app::runner::{HANDOVER_ITEMS, Runner};
    use amiboard::app::state::{Connection, Load};
    use amiboard::app::{StartOptions, initial_state, update::update};
    use amiboard::aws::dynamodb::PAGE_ITEMS;
    use std::sync::Arc;

    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = ctx.sdk().expect("sdk").store.clone();
    let want = seed(&store, |_| "paged".to_string()).await;

    for tag in [None, Some("paged")] {
        let (mut cursor, mut ids, mut sizes) = (None, Vec::new(), Vec::new());
        loop {
            let page = store.list_page(tag, cursor).await.expect("page");
            sizes.push(page.lifecycles.len());
            ids.extend(page.lifecycles.into_iter().map(|l| l.lifecycle_id));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert!(
            sizes.iter().all(|n| *n <= PAGE_ITEMS as usize),
            "{tag:?}: pages of at most {PAGE_ITEMS}: {sizes:?}"
        );
        assert!(
            sizes.len() as u64 >= ITEMS / u64::from(PAGE_ITEMS),
            "{tag:?}: {sizes:?}"
        );
        assert_eq!(counts(ids), want, "{tag:?}: every id exactly once");
    }

    // The dashboard's load: 1200 lifecycles in pages of 250 come to the
    // UI thread as two hand-overs (1000, then the rest).
    let config = env.config();
    let connection = Connection {
        region: "us-east-1".into(),
        table: config.tables.lifecycles.clone(),
        ..Connection::default()
    };
    let (mut state, effects) =
        initial_state(&config, connection, &StartOptions::default()).expect("state");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Some(Arc::new(env.context().await)), false, tx);
    for effect in effects {
        runner.run(effect);
    }
    let mut handed = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while !matches!(state.load, Load::Loaded { .. }) {
        assert!(std::time::Instant::now() < deadline, "the load did not end");
        let Ok(Some(action)) =
            tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await
        else {
            continue;
        };
        if let Action::PageLoaded { result, .. } = &action {
            let page = result.as_ref().expect("a hand-over");
            handed.push(page.prepared.len());
            // In the list's order (newest first, then by id): the UI
            // thread's merge finds it sorted.
            assert!(
                page.prepared.windows(2).all(|w| {
                    let (a, b) = (&w[0].row, &w[1].row);
                    a.updated > b.updated || a.updated == b.updated && a.id <= b.id
                }),
                "a hand-over comes sorted"
            );
        }
        for effect in update(&mut state, action) {
            runner.run(effect);
        }
    }
    assert_eq!(state.rows.len() as u64, ITEMS);
    let items = usize::try_from(ITEMS).expect("items");
    assert_eq!(handed, vec![HANDOVER_ITEMS, items - HANDOVER_ITEMS]);
}
