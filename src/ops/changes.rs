//! What changed since a time, for a periodic re-read that reads only that:
//! the lifecycle table's change index (`aws::dynamodb::changes`). An older
//! table without the index answers `ChangedSince::NoIndex`: read everything.

use chrono::{DateTime, Utc};

pub use crate::aws::dynamodb::{CHANGE_MARGIN, ChangedSince, Changes};

use super::{Context, OpError};

/// Every lifecycle written at or after `since` less [`CHANGE_MARGIN`], each
/// once at the newest version read (the index is eventually consistent: keep
/// a held copy whose `item_version` is higher). Pass the answer's `read_at`
/// as the next `since`.
pub async fn changed_since(ctx: &Context, since: DateTime<Utc>) -> Result<ChangedSince, OpError> {
    Ok(ctx.store.changed_since(since).await?)
}
