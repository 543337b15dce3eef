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

#[tokio::test(flavor = "multi_thread")]
async fn scan_segments_cover_the_table_exactly_once() {
    let env = TestEnv::new();
    let ctx = env.provisioned().await;
    let store = ctx.sdk().expect("sdk").store.clone();
    let now = Utc::now();
    let seeded: Vec<_> = (0..ITEMS)
        .map(|i| demo_lifecycle(i, &stack_tag_for(i, None), i + 1, now))
        .collect();
    store.batch_put_lifecycles(&seeded).await.expect("seed");
    let want: BTreeMap<String, u32> = seeded.iter().map(|l| (l.lifecycle_id.clone(), 1)).collect();
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
