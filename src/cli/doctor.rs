//! `amiboard doctor`: prints the checklist (`ops::doctor`), one line per
//! check with the fix under each failure, or `--json`; exits 1 when any
//! check failed (skipped ones do not fail).

use super::output::{clean, emit, emit_json};
use super::{CliError, Context, Exit};
use crate::ops::doctor::{Report, Status};

/// The checklist as people read it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        out.push_str(&format!(
            "{} {}: {}\n",
            check.status.glyph(),
            clean(&check.check),
            clean(&check.detail)
        ));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("    fix: {}\n", clean(fix)));
        }
    }
    let passed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass)
        .count();
    out.push_str(&format!(
        "\n{passed} passed, {} failed, {} skipped\n",
        report.failed(),
        report.skipped()
    ));
    out
}

/// Runs every check (reads only, so read-only mode is fine).
pub async fn doctor(ctx: &Context, json: bool) -> Result<(), CliError> {
    let report = crate::ops::doctor::doctor(ctx).await?;
    if json {
        emit_json(&report.checks)?;
    } else {
        emit(&render(&report))?;
    }
    match report.failed() {
        0 => Ok(()),
        n => Err(CliError::new(
            Exit::Failure,
            format!("doctor: {n} check(s) failed; each ✘ line says how to fix it"),
        )),
    }
}
