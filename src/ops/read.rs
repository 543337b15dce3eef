//! Reads the dashboard and the CLI share: a page of lifecycles, one
//! lifecycle, who the caller is, Image Builder's pipelines and build images.

pub use crate::aws::dynamodb::{Cursor, Listing, Page, SkippedItem};

use super::{Context, OpError};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::image::{BuildImage, Pipeline, ServiceAnswer};
use crate::lifecycle::lookup::LookupRow;

/// Who the caller is, as the header shows it and records name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The AWS account id.
    pub account: String,
    /// The short actor name records carry (the last part of the caller's ARN).
    pub actor: String,
}

/// One page of lifecycles, of one stack tag or of all.
pub async fn list_page(
    ctx: &Context,
    stack_tag: Option<&str>,
    cursor: Option<Cursor>,
) -> Result<Page, OpError> {
    Ok(ctx.store.list_page(stack_tag, cursor).await?)
}

/// Every lifecycle, of one stack tag or of all; `progress` hears the count.
pub async fn list_all(
    ctx: &Context,
    stack_tag: Option<&str>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Listing, OpError> {
    Ok(ctx.store.list_all(stack_tag, progress).await?)
}

/// One lifecycle, read again.
pub async fn get(ctx: &Context, lifecycle_id: &str) -> Result<Lifecycle, OpError> {
    Ok(ctx.store.get(lifecycle_id).await?)
}

/// The shortest id prefix people type: the 8 characters the dashboard shows.
pub const MIN_ID_PREFIX: usize = 4;

/// A full lifecycle id from what a person typed: the id itself, or a unique
/// prefix of one (`6f3a91c2` for `6f3a91c2-...`). An ambiguous prefix lists
/// the matches ([`OpError::Ambiguous`]); no match is `NotFound`. A prefix is
/// looked up with a full read of the table, so type the whole id in scripts.
pub async fn resolve_id(ctx: &Context, typed: &str) -> Result<String, OpError> {
    let typed = typed.trim();
    match ctx.store.get(typed).await {
        Ok(lc) => return Ok(lc.lifecycle_id),
        // A whole id (a UUID is 36 characters) that is not there is not a prefix.
        Err(crate::aws::AwsError::NotFound { .. })
            if typed.len() >= MIN_ID_PREFIX && typed.len() < 36 => {}
        Err(err) => return Err(err.into()),
    }
    let listing = ctx.store.list_all(None, &mut |_| {}).await?;
    let mut matches: Vec<String> = listing
        .lifecycles
        .into_iter()
        .map(|lc| lc.lifecycle_id)
        .filter(|id| id.starts_with(typed))
        .collect();
    matches.sort();
    match matches.len() {
        0 => Err(crate::aws::AwsError::NotFound {
            resource: format!("lifecycle {typed}"),
        }
        .into()),
        1 => Ok(matches.remove(0)),
        _ => Err(OpError::Ambiguous {
            typed: typed.to_string(),
            matches,
        }),
    }
}

/// Every AMI lookup row of a stack tag (what `select` chooses from).
pub async fn lookup_rows(ctx: &Context, stack_tag: &str) -> Result<Vec<LookupRow>, OpError> {
    Ok(ctx.store.lookup_rows(stack_tag).await?)
}

/// Who the caller is (STS).
pub async fn identify(ctx: &Context) -> Result<Caller, OpError> {
    let identity = ctx.identity.who_am_i().await?;
    Ok(Caller {
        actor: identity.actor(),
        account: identity.account,
    })
}

/// The account's image pipelines, for the new-lifecycle form.
pub async fn pipelines(ctx: &Context) -> Result<ServiceAnswer<Vec<Pipeline>>, OpError> {
    Ok(ctx.images.pipelines().await?)
}

/// One build image's status, recipe and components.
pub async fn build_image(
    ctx: &Context,
    image_arn: &str,
) -> Result<ServiceAnswer<BuildImage>, OpError> {
    Ok(ctx.images.image(image_arn).await?)
}
