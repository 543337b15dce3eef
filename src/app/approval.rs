//! Approvals in the dashboard: the promotion checklist in the promote
//! dialog, and the break-glass form that opens when four eyes or the
//! checklist refuses (type `override` and a reason, then confirm as usual).

use crossterm::event::{KeyCode, KeyEvent};

use super::action::{Effect, Op};
use super::flow::confirm;
use super::state::{Dialog, State};
use crate::lifecycle::approvals::{ApprovalRefusal, Check, decide_blockers};
use crate::lifecycle::{EventRef, Lifecycle};

/// The word typed to break the glass.
pub const OVERRIDE_WORD: &str = "override";

/// Which field of the override form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideField {
    Word,
    Reason,
}

/// The break-glass form: what refuses, the word and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideForm {
    /// What runs once overridden (and confirmed).
    pub op: Op,
    pub lifecycle_id: String,
    pub target: EventRef,
    /// What refuses, one sentence or ✘ line each.
    pub blockers: Vec<String>,
    /// The promotion checklist, when promoting.
    pub checks: Vec<Check>,
    /// Production: the confirmation after the override asks for this AMI id.
    pub typed_ami: Option<String>,
    pub word: String,
    pub reason: String,
    pub focus: OverrideField,
    pub error: Option<String>,
}

/// The caller as the dashboard knows them (`unknown` before STS answered).
fn caller(state: &State) -> String {
    state
        .connection
        .actor
        .clone()
        .unwrap_or_else(|| "unknown".to_string())
}

/// The checklist as dialog lines: a heading, then one ✔/✘ line each.
fn checklist_lines(checks: &[Check]) -> Vec<(String, String)> {
    let failing = checks.iter().filter(|c| !c.ok).count();
    let heading = if failing == 0 {
        "all passed".to_string()
    } else {
        format!("{failing} ✘")
    };
    std::iter::once(("Checklist".to_string(), heading))
        .chain(checks.iter().map(|c| {
            let mark = if c.ok { '✔' } else { '✘' };
            (format!("{mark} {}", c.name), c.detail.clone())
        }))
        .collect()
}

/// Adds lines to the open confirmation dialog.
fn extend_confirm(state: &mut State, extra: Vec<(String, String)>) {
    if let Some(Dialog::Confirm { lines, .. }) = state.dialog.as_mut() {
        lines.extend(extra);
    }
}

/// Promote: the checklist for the caller. All ✔: the confirmation (with the
/// checklist in it); any ✘: the override form first.
pub fn promote(state: &mut State, lc: &Lifecycle, target: EventRef, typed_ami: Option<String>) {
    let preview = crate::ops::promotion_checklist(&state.approval_rules, lc, &caller(state));
    let op = Op::Promote {
        lifecycle_id: lc.lifecycle_id.clone(),
    };
    if preview.checks.iter().all(|c| c.ok) {
        confirm(state, op, lc, target, typed_ami);
        extend_confirm(state, checklist_lines(&preview.checks));
        return;
    }
    let blockers = preview
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("✘ {}: {}", c.name, c.detail))
        .collect();
    open(state, op, lc, target, blockers, preview.checks, typed_ami);
}

/// Certify or reject with a reason: four eyes for the caller. Nothing in
/// the way: the confirmation; else the override form first.
pub fn decide(state: &mut State, op: Op, lc: &Lifecycle, target: EventRef) {
    let policy = state.approval_rules.policy(&lc.stack_tag);
    let blockers: Vec<String> = decide_blockers(lc, &caller(state), &policy)
        .iter()
        .map(|b| match b {
            ApprovalRefusal::FourEyes(rule) => rule.to_string(),
            other => other.to_string(),
        })
        .collect();
    if blockers.is_empty() {
        confirm(state, op, lc, target, None);
    } else {
        open(state, op, lc, target, blockers, Vec::new(), None);
    }
}

fn open(
    state: &mut State,
    op: Op,
    lc: &Lifecycle,
    target: EventRef,
    blockers: Vec<String>,
    checks: Vec<Check>,
    typed_ami: Option<String>,
) {
    state.dialog = Some(Dialog::Override(OverrideForm {
        op,
        lifecycle_id: lc.lifecycle_id.clone(),
        target,
        blockers,
        checks,
        typed_ami,
        word: String::new(),
        reason: String::new(),
        focus: OverrideField::Word,
        error: None,
    }));
}

/// Keys in the override form: Tab moves between the fields, Enter goes on
/// to the confirmation once `override` and a reason are typed, Esc cancels.
pub fn key(
    state: &mut State,
    mut form: OverrideForm,
    key: &KeyEvent,
    code: KeyCode,
) -> Vec<Effect> {
    match code {
        KeyCode::Esc => return Vec::new(),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
            form.focus = match form.focus {
                OverrideField::Word => OverrideField::Reason,
                OverrideField::Reason => OverrideField::Word,
            };
        }
        KeyCode::Enter if form.word.trim() != OVERRIDE_WORD => {
            form.error = Some(format!(
                "Type `{OVERRIDE_WORD}` to break the glass, or Esc to cancel; nothing was changed."
            ));
            form.focus = OverrideField::Word;
        }
        KeyCode::Enter if form.reason.trim().is_empty() => {
            form.error =
                Some("A reason is required: it is recorded with the override.".to_string());
            form.focus = OverrideField::Reason;
        }
        KeyCode::Enter => {
            let Some(lc) = state.lifecycle(&form.lifecycle_id).cloned() else {
                return Vec::new();
            };
            let reason = form.reason.trim().to_string();
            let op = Op::Overridden {
                op: Box::new(form.op),
                reason: reason.clone(),
            };
            confirm(state, op, &lc, form.target, form.typed_ami);
            let mut extra = Vec::new();
            if !form.checks.is_empty() {
                extra.extend(checklist_lines(&form.checks));
            }
            extra.push(("Override".to_string(), reason));
            extend_confirm(state, extra);
            return Vec::new();
        }
        _ => {
            let field = match form.focus {
                OverrideField::Word => &mut form.word,
                OverrideField::Reason => &mut form.reason,
            };
            super::input::edit_text(field, key);
            form.error = None;
        }
    }
    state.dialog = Some(Dialog::Override(form));
    Vec::new()
}
