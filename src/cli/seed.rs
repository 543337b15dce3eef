//! `seed`: writes demo lifecycles in batches, with their lookup rows and
//! semver counters, showing progress.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Utc;
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::output::emit;
use super::{CliError, Context, Exit};
use crate::lifecycle::demo::{seeded_lifecycle, stack_tag_for};
use crate::lifecycle::lookup::rows_for;

const CHUNK: u64 = 500;

/// Writes `count` demo lifecycles.
pub async fn seed(ctx: &Context, count: u64, fixed_tag: Option<&str>) -> Result<(), CliError> {
    if ctx.config.read_only {
        return Err(CliError::new(
            Exit::Refused,
            "refused: read-only mode: seed writes lifecycles",
        ));
    }
    if count == 0 {
        return Err(CliError::usage("--lifecycles must be at least 1"));
    }
    let started = Instant::now();
    // A different salt each run, so seeding twice adds rather than overwrites.
    let salt = uuid::Uuid::new_v4().as_u64_pair().0;
    let mut per_tag: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..count {
        *per_tag
            .entry(stack_tag_for(salt.wrapping_add(i), fixed_tag))
            .or_default() += 1;
    }
    // Reserve a block of majors per stack tag with one atomic ADD, so demo
    // versions never collide with versions handed out before, after or meanwhile.
    let store = &ctx.sdk()?.store;
    let mut next_major: BTreeMap<String, u64> = BTreeMap::new();
    for (tag, n) in &per_tag {
        let base = store.reserve_majors(tag, *n).await?;
        next_major.insert(tag.clone(), base);
    }

    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} lifecycles  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = Utc::now();
    // Each lifecycle's stack tag and version, decided up front (cheap); the
    // lifecycles themselves are built chunk by chunk so memory stays flat.
    let mut plan: Vec<(String, u64)> = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for i in 0..count {
        let tag = stack_tag_for(salt.wrapping_add(i), fixed_tag);
        let major = next_major.entry(tag.clone()).or_insert(1);
        plan.push((tag, *major));
        *major += 1;
    }
    let plan = &plan;
    let chunks = (0..count)
        .step_by(usize::try_from(CHUNK).unwrap_or(500))
        .map(move |start| {
            let end = (start + CHUNK).min(count);
            (start..end)
                .map(|i| {
                    let (tag, major) = &plan[usize::try_from(i).unwrap_or(0)];
                    seeded_lifecycle(salt.wrapping_add(i), tag, *major, now)
                })
                .collect::<Vec<_>>()
        });
    let lookup_rows = std::sync::atomic::AtomicUsize::new(0);
    futures::stream::iter(chunks.map(Ok::<_, CliError>))
        .map_ok(|lifecycles| {
            let bar = bar.clone();
            let lookup_rows = &lookup_rows;
            async move {
                let rows: Vec<_> = lifecycles.iter().flat_map(|lc| rows_for(lc, now)).collect();
                store.batch_put_lifecycles(&lifecycles).await?;
                store.batch_put_lookup_rows(&rows).await?;
                lookup_rows.fetch_add(rows.len(), std::sync::atomic::Ordering::Relaxed);
                bar.inc(lifecycles.len() as u64);
                Ok::<_, CliError>(())
            }
        })
        .try_buffer_unordered(4)
        .try_collect::<Vec<()>>()
        .await?;
    bar.finish_and_clear();
    emit(&format!(
        "wrote {count} lifecycles and {} AMI lookup rows across {} stack tags in {:.1}s\n",
        lookup_rows.load(std::sync::atomic::Ordering::Relaxed),
        per_tag.len(),
        started.elapsed().as_secs_f64()
    ))
}
