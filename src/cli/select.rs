//! `amiboard select`: the best AMI from the lookup table, with every
//! criterion of the reference selection client.

use super::args::SelectArgs;
use super::output::{emit, emit_json};
use super::{CliError, Context};
use crate::aws::AwsError;
use crate::lifecycle::Phase;
use crate::lifecycle::lookup::{MinStage, Selection, criterion, select};
use crate::ops;

/// Selects as the reference selection client does: every criterion it
/// accepts, `any` as its wildcard, the AMI region defaulting to the
/// configured region (`--region any`: every region).
pub async fn select_ami(ctx: &Context, args: SelectArgs) -> Result<(), CliError> {
    let query = selection(&args, &ctx.target.region)?;
    let rows = ops::lookup_rows(ctx, &args.stack_tag).await?;
    let Some(row) = select(&rows, &query) else {
        let region = query
            .region
            .as_deref()
            .map_or_else(String::new, |r| format!(" in region {r}"));
        return Err(AwsError::NotFound {
            resource: format!(
                "an AMI in stack tag {}{region} meeting those criteria",
                args.stack_tag
            ),
        }
        .into());
    };
    if args.json {
        return emit_json(row);
    }
    emit(&format!("{}\n", row.ami_id))
}

/// The query `select`'s flags ask for; a value no criterion accepts is a
/// usage error (exit 2), never silently no filter.
fn selection(args: &SelectArgs, configured_region: &str) -> Result<Selection, CliError> {
    let min_stage = match criterion(args.min_stage.as_deref()) {
        Some(text) => Some(MinStage::parse(&text).ok_or_else(|| {
            CliError::usage(format!(
                "--min-stage {text:?}: use one of {}, or one of {}",
                MinStage::NAMES.join(", "),
                MinStage::REFERENCE_LABELS.join(", ")
            ))
        })?),
        None => None,
    };
    let lifecycle_type = match criterion(args.lifecycle_type.as_deref()) {
        Some(text) => Some(Phase::parse(&text).ok_or_else(|| {
            CliError::usage(format!(
                "--lifecycle-type {text:?}: use ami-creation, ami-patch or any"
            ))
        })?),
        None => None,
    };
    let region = match args.region.as_deref().map(str::trim) {
        Some(r) if r.eq_ignore_ascii_case("any") => None,
        Some(r) if !r.is_empty() => Some(r.to_string()),
        _ => Some(configured_region.to_string()),
    };
    Ok(Selection {
        region,
        min_stage,
        product: criterion(args.product.as_deref()),
        product_version: criterion(args.product_version.as_deref()),
        commit_ref: criterion(args.commit_ref.as_deref()),
        lifecycle_type,
        semver: args.semver.clone(),
    })
}
