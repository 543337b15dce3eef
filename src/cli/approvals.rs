//! `promote --dry-run` (the promotion checklist, nothing written) and the
//! break-glass flags of certify and promote, and the AMI id a promotion in a
//! production stack tag needs typed.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::json;

use super::output::{clean_text, emit, emit_json};
use super::{CliError, Context, Exit};
use crate::ops::{self, PromotionPreview};

/// The override reason of `--override-four-eyes --reason TEXT`: required and
/// not blank (clap makes the two come together; blank is refused here).
pub fn override_reason(
    override_four_eyes: bool,
    reason: Option<&str>,
) -> Result<Option<&str>, CliError> {
    if !override_four_eyes {
        return Ok(None);
    }
    match reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(Some(reason)),
        _ => Err(CliError::usage(
            "--override-four-eyes needs --reason TEXT saying why (it is recorded); nothing was changed",
        )),
    }
}

/// The checklist as text: a heading, one ✔/✘ line each, and what follows.
pub fn checklist_text(preview: &PromotionPreview) -> String {
    let lc = &preview.lifecycle;
    let mut out = format!(
        "Promotion checklist for {} ({} {}, stack tag {}), {}:\n",
        lc.lifecycle_id, lc.product_name, lc.product_version, lc.stack_tag, preview.target
    );
    for check in &preview.checks {
        out.push_str(&format!("  {check}\n"));
    }
    if let Some(refusal) = &preview.refusal {
        out.push_str(&format!("  ✘ {:<11} {refusal}\n", "rules"));
    }
    out
}

/// Prints the checklist on standard error before `promote` asks (best effort).
pub async fn show_checklist(ctx: &Context, lifecycle_id: &str) {
    // A preview writes nothing: an unknown caller sees four eyes refuse.
    let actor = ops::actor(ctx)
        .await
        .unwrap_or_else(|_| "unknown".to_string());
    if let Ok(preview) = ops::promotion_preview(ctx, &actor, lifecycle_id).await {
        eprint!("{}", clean_text(&checklist_text(&preview)));
    }
}

/// `promote ID --dry-run`: the checklist for the caller; writes nothing.
/// Exit 0 when the promotion would go ahead, 1 when something would block.
pub async fn dry_run(ctx: &Context, lifecycle_id: &str, json: bool) -> Result<(), CliError> {
    // A preview writes nothing: an unknown caller sees four eyes refuse.
    let actor = ops::actor(ctx)
        .await
        .unwrap_or_else(|_| "unknown".to_string());
    let preview = ops::promotion_preview(ctx, &actor, lifecycle_id).await?;
    let passes = preview.passes();
    if json {
        emit_json(&json!({
            "lifecycle_id": preview.lifecycle.lifecycle_id,
            "event": preview.target.event.name(),
            "stage": ops::execution_input::stage_word(preview.target.stage),
            "caller": actor,
            "passes": passes,
            "checks": preview.checks.iter().map(|c| json!({
                "name": c.name, "ok": c.ok, "detail": c.detail,
            })).collect::<Vec<_>>(),
            "refusal": preview.refusal.as_ref().map(ToString::to_string),
        }))?;
    } else {
        let mut text = checklist_text(&preview);
        text.push_str(if passes {
            "Promotion would go ahead. Nothing was changed (--dry-run).\n"
        } else {
            "Promotion would be refused (or needs --override-four-eyes --reason TEXT). Nothing was changed (--dry-run).\n"
        });
        emit(&clean_text(&text))?;
    }
    if passes {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Failure,
            format!("the promotion of {lifecycle_id} would be blocked"),
        ))
    }
}

/// The AMI id a promotion in a production stack tag needs typed: given as
/// `--confirm-ami` (needed with `--yes`: exit 2 without it), else asked on a
/// terminal. A different id is a refusal (exit 4); nothing changes either way.
pub(super) fn typed_ami(
    stack_tag: &str,
    ami: Option<&str>,
    given: Option<&str>,
    yes: bool,
) -> Result<(), CliError> {
    let Some(ami) = ami else {
        // No AMI to name: the promotion's own rules refuse it.
        return Ok(());
    };
    let typed = match given {
        Some(typed) => typed.trim().to_string(),
        None if yes => {
            return Err(CliError::usage(format!(
                "promote: {stack_tag} is a production stack tag: with --yes pass --confirm-ami {ami} (the AMI being promoted); nothing changed"
            )));
        }
        None => {
            let stdin = std::io::stdin();
            if !stdin.is_terminal() {
                return Err(CliError::usage(format!(
                    "promote: {stack_tag} is a production stack tag and standard input is not a terminal: pass --yes --confirm-ami {ami}; nothing changed"
                )));
            }
            eprint!("{stack_tag} is a production stack tag. Type the AMI id to promote ({ami}): ");
            let _ = std::io::stderr().flush();
            let mut answer = String::new();
            stdin.lock().read_line(&mut answer)?;
            answer.trim().to_string()
        }
    };
    if typed == ami {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Refused,
            clean_text(&format!(
                "`{typed}` is not this stage's AMI ({ami}); nothing was changed"
            )),
        ))
    }
}
