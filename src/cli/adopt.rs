//! `amiboard import --from-reference TABLE`: one line per item of the
//! reference table (created, updated, unchanged, kept, or why not), then a
//! summary; exit 1 when any item could not be imported.

use super::foundation::refuse_read_only;
use super::output::{clean_text, emit, emit_json};
use super::{CliError, Context};
use crate::ops::{self, ImportAction, ImportReport};

/// Runs the import (or, with `dry_run`, shows it; allowed in read-only mode).
pub async fn import(
    ctx: &Context,
    table: &str,
    options: ops::ImportOptions,
    json: bool,
) -> Result<(), CliError> {
    let dry_run = options.dry_run;
    if let Some(account) = &options.shared_services_account
        && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(CliError::usage(format!(
            "--shared-services-account {}: an AWS account id is 12 digits",
            clean_text(account)
        )));
    }
    if !dry_run {
        refuse_read_only(
            ctx,
            "import writes lifecycles (--dry-run shows what it would write)",
        )?;
    }
    let report = ops::import_reference(ctx, table, options).await?;
    if json {
        emit_json(&report)?;
    } else {
        emit(&text(&report))?;
    }
    match report.problems() {
        0 => Ok(()),
        n => Err(CliError::failure(format!(
            "{n} item(s) of {} could not be imported (listed above); the others were {}",
            clean_text(table),
            if dry_run { "checked" } else { "imported" }
        ))),
    }
}

/// The verb of one line.
fn verb(action: ImportAction, dry_run: bool) -> &'static str {
    match (action, dry_run) {
        (ImportAction::Create, false) => "created",
        (ImportAction::Create, true) => "would create",
        (ImportAction::Update, false) => "updated",
        (ImportAction::Update, true) => "would update",
        (ImportAction::Unchanged, _) => "unchanged",
        (ImportAction::Kept, _) => "kept",
        (ImportAction::Unmapped, _) => "could not map",
        (ImportAction::Refused, _) => "refused",
        (ImportAction::Failed, _) => "failed",
    }
}

/// The report as lines a person reads (stored text made safe for the terminal).
fn text(report: &ImportReport) -> String {
    let mut out = String::new();
    for entry in &report.entries {
        let mut line = format!(
            "{:<13} {}",
            verb(entry.action, report.dry_run),
            entry.lifecycle_id
        );
        if let Some(tag) = &entry.stack_tag {
            line.push_str(&format!(" [{tag}]"));
        }
        if !entry.detail.is_empty() {
            line.push_str(&format!(": {}", entry.detail));
        }
        if !entry.reasons.is_empty() {
            line.push_str(&format!(": {}", entry.reasons.join("; ")));
        }
        out.push_str(&clean_text(&line));
        out.push('\n');
    }
    for counter in &report.counters {
        let line = if report.dry_run {
            format!(
                "would raise the version counter of {} so new builds get a MAJOR above {}",
                counter.stack_tag, counter.last_major
            )
        } else {
            format!(
                "raised the version counter of {}: new builds get a MAJOR above {}",
                counter.stack_tag, counter.last_major
            )
        };
        out.push_str(&clean_text(&line));
        out.push('\n');
    }
    for warning in &report.warnings {
        out.push_str(&clean_text(&format!("warning: {warning}")));
        out.push('\n');
    }
    let count = |action: ImportAction| report.entries.iter().filter(|e| e.action == action).count();
    let written = report.written();
    let summary = if report.entries.is_empty() {
        format!("{} holds no lifecycles; nothing written.", report.table)
    } else if report.dry_run {
        format!(
            "Dry run: would write {written} lifecycle(s) ({} new, {} updated); {} unchanged, {} kept, {} not importable. Nothing was written.",
            count(ImportAction::Create),
            count(ImportAction::Update),
            count(ImportAction::Unchanged),
            count(ImportAction::Kept),
            report.problems()
        )
    } else if written == 0 && report.counters.is_empty() {
        format!(
            "Nothing written: {} unchanged, {} kept, {} not importable.",
            count(ImportAction::Unchanged),
            count(ImportAction::Kept),
            report.problems()
        )
    } else {
        format!(
            "Wrote {written} lifecycle(s) ({} new, {} updated); {} unchanged, {} kept, {} not importable.",
            count(ImportAction::Create),
            count(ImportAction::Update),
            count(ImportAction::Unchanged),
            count(ImportAction::Kept),
            report.problems()
        )
    };
    out.push_str(&clean_text(&summary));
    out.push('\n');
    out
}
