//! Full reads of the lifecycle table: parallel Scan segments (each read page
//! by page, one page in flight per segment) handed on page by page as they
//! arrive, and the decoding of a page.

use futures::stream::{self, BoxStream, FuturesUnordered, StreamExt};

use super::{Cursor, Item, Listing, Page, SkippedItem, Store, decode};
use crate::aws::error::AwsError;

/// A segment's next page, in flight.
type SegmentPage<'a> = futures::future::BoxFuture<'a, (u32, Result<Page, AwsError>)>;

/// Where a read of the table in segments is.
enum Segments<'a> {
    /// Not started (the probe comes first when `probe` is set).
    Start { probe: bool },
    /// Pages in flight, at most one per segment.
    Reading(FuturesUnordered<SegmentPage<'a>>),
    /// Ended, by the last page or by an error.
    Done,
}

impl Store {
    /// One page of a Scan, of one segment (`(segment, total)`) or of the
    /// whole table; at most `limit` items when given (else up to 1 MB).
    pub(super) async fn scan_page(
        &self,
        segment: Option<(u32, u32)>,
        start_key: Option<Item>,
        limit: Option<i32>,
    ) -> Result<Page, AwsError> {
        let table = &self.tables.lifecycles;
        let started = std::time::Instant::now();
        let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let out = self
            .client
            .scan()
            .table_name(table)
            .set_segment(segment.map(|(s, _)| to_i32(s)))
            .set_total_segments(segment.map(|(_, t)| to_i32(t)))
            .set_exclusive_start_key(start_key)
            .set_limit(limit)
            .customize()
            .config_override(Self::page_config())
            .send()
            .await
            .map_err(|e| self.fail("Scan", table, e))?;
        let items = out.items.unwrap_or_default();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            items = items.len(),
            ?segment,
            "dynamodb Scan page"
        );
        Ok(page_of(items, out.last_evaluated_key))
    }

    /// One page of segment `segment` of `total`; `cursor` from its previous page.
    pub async fn segment_page(
        &self,
        segment: u32,
        total: u32,
        cursor: Option<Cursor>,
    ) -> Result<Page, AwsError> {
        self.scan_page(Some((segment, total)), cursor.map(|c| c.0), None)
            .await
    }

    /// The whole table as a stream of pages in the order they arrive:
    /// `scan_segments` parallel Scan segments, each read page by page, at
    /// most one page in flight per segment. The pages carry no cursor. The
    /// stream ends after the first error. With `probe`, [`Store::probe`]
    /// runs first (a dead endpoint fails within seconds).
    pub fn scan_pages(&self, probe: bool) -> BoxStream<'_, Result<Page, AwsError>> {
        let total = self.scan_segments.max(1);
        let next = move |segment: u32, cursor: Option<Cursor>| -> SegmentPage<'_> {
            Box::pin(async move {
                let page = if total == 1 {
                    self.scan_page(None, cursor.map(|c| c.0), None).await
                } else {
                    self.segment_page(segment, total, cursor).await
                };
                (segment, page)
            })
        };
        stream::unfold(Segments::Start { probe }, move |state| async move {
            let mut pending = match state {
                Segments::Done => return None,
                Segments::Start { probe } => {
                    if probe && let Err(err) = self.probe().await {
                        return Some((Err(err), Segments::Done));
                    }
                    (0..total).map(|segment| next(segment, None)).collect()
                }
                Segments::Reading(pending) => pending,
            };
            let (segment, page) = pending.next().await?;
            match page {
                Err(err) => Some((Err(err), Segments::Done)),
                Ok(mut page) => {
                    if let Some(cursor) = page.next.take() {
                        pending.push(next(segment, Some(cursor)));
                    }
                    Some((Ok(page), Segments::Reading(pending)))
                }
            }
        })
        .boxed()
    }

    /// Every lifecycle of the table: `scan_segments` parallel Scan segments,
    /// each read page by page, at most one page in flight per segment.
    /// `progress` hears the running count. Call [`Store::probe`] first.
    pub async fn scan_all(
        &self,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Listing, AwsError> {
        let mut listing = Listing::default();
        let mut pages = self.scan_pages(false);
        while let Some(page) = pages.next().await {
            let page = page?;
            listing.lifecycles.extend(page.lifecycles);
            listing.skipped.extend(page.skipped);
            progress(listing.lifecycles.len());
        }
        Ok(listing)
    }

    /// Every lifecycle: the whole table in parallel Scan segments, or a
    /// stack tag's Query page by page, after a quick probe.
    pub async fn list_all(
        &self,
        stack_tag: Option<&str>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Listing, AwsError> {
        self.probe().await?;
        if stack_tag.is_none() {
            return self.scan_all(progress).await;
        }
        super::super::ports::page_through(self, stack_tag, progress).await
    }

    /// Every page of a full read as it arrives, after a quick probe: the
    /// whole table's Scan segments ([`Store::scan_pages`]), or a stack tag's
    /// Query page by page. The stream ends after the first error.
    pub fn pages<'a>(
        &'a self,
        stack_tag: Option<&'a str>,
    ) -> BoxStream<'a, Result<Page, AwsError>> {
        match stack_tag {
            None => self.scan_pages(true),
            Some(_) => super::super::ports::paged(self, stack_tag),
        }
    }
}

/// Decodes a page's items; an item that is not a lifecycle is skipped and named.
pub(super) fn page_of(items: Vec<Item>, last_key: Option<Item>) -> Page {
    let mut page = Page {
        lifecycles: Vec::with_capacity(items.len()),
        skipped: Vec::new(),
        next: last_key.filter(|k| !k.is_empty()).map(Cursor),
    };
    for item in items {
        let key = item
            .get("lifecycle_id")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_else(|| "(no lifecycle_id)".to_string());
        match decode(item) {
            Ok(lc) => page.lifecycles.push(lc),
            Err(error) => {
                tracing::warn!(%key, %error, "skipped a malformed lifecycle item");
                page.skipped.push(SkippedItem { key, error });
            }
        }
    }
    page
}
