//! Keys inside the modal dialogs: confirmation (starts on Cancel, needs `y`,
//! or the AMI id typed for production), the reason form, the MINOR/PATCH
//! choice, refusals and the quit-while-busy question.

use crossterm::event::{KeyCode, KeyEvent};

use super::action::{Effect, Op};
use super::flow::{confirm, submit};
use super::state::{Dialog, State};
use crate::lifecycle::rules::check_decision;
use crate::lifecycle::{Bump, EventKind, EventRef, Stage};

pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(dialog) = state.dialog.take() else {
        return Vec::new();
    };
    // Ctrl combinations answer nothing: Ctrl-Y is not `y`.
    let code = if super::input::is_ctrl(&key) {
        KeyCode::Null
    } else {
        key.code
    };
    match dialog {
        Dialog::Create(form) => return super::create::key(state, form, key),
        Dialog::Override(form) => return super::approval::key(state, form, &key, code),
        // Any key closes a refusal; Esc, Enter, q and Space only close it,
        // and `y` never confirms anything: every other key also does what it
        // does, so the refusal never swallows the next key.
        Dialog::Refused { .. } => {
            if !matches!(
                code,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | ' ' | 'y' | 'n')
            ) {
                return super::input::key(state, key);
            }
        }
        Dialog::QuitWhileBusy => match code {
            KeyCode::Char('y' | 'Y') => state.should_quit = true,
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Enter => {}
            _ => state.dialog = Some(Dialog::QuitWhileBusy),
        },
        Dialog::Confirm {
            op,
            lines,
            confirm_focused,
            typed_ami: Some(mut typed),
        } => {
            match code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter if typed.input.trim() == typed.expected => return submit(state, op),
                KeyCode::Enter => {
                    typed.error = Some(if typed.input.trim().is_empty() {
                        "Type the AMI id above to confirm.".to_string()
                    } else {
                        format!(
                            "`{}` is not this stage's AMI ({}); nothing was changed.",
                            typed.input.trim(),
                            typed.expected
                        )
                    });
                }
                _ => {
                    super::input::edit_text(&mut typed.input, &key);
                    typed.error = None;
                }
            }
            state.dialog = Some(Dialog::Confirm {
                op,
                lines,
                confirm_focused,
                typed_ami: Some(typed),
            });
        }
        Dialog::Confirm {
            op,
            lines,
            confirm_focused,
            typed_ami: None,
        } => match code {
            KeyCode::Char('y' | 'Y') => return submit(state, op),
            KeyCode::Enter if confirm_focused => return submit(state, op),
            KeyCode::Char('n' | 'q') | KeyCode::Esc | KeyCode::Enter => {}
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                state.dialog = Some(Dialog::Confirm {
                    op,
                    lines,
                    confirm_focused: !confirm_focused,
                    typed_ami: None,
                });
            }
            _ => {
                state.dialog = Some(Dialog::Confirm {
                    op,
                    lines,
                    confirm_focused,
                    typed_ami: None,
                });
            }
        },
        Dialog::Reason {
            lifecycle_id,
            certified,
            mut input,
            error,
        } => {
            let mut error = error;
            match code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter => {
                    let Some(lc) = state.lifecycle(&lifecycle_id).cloned() else {
                        return Vec::new();
                    };
                    match check_decision(&lc, &input) {
                        Ok(_) => {
                            let op = Op::Decide {
                                lifecycle_id,
                                certified,
                                reason: input.trim().to_string(),
                                seen: lc.item_version,
                            };
                            let target = EventRef {
                                stage: Stage::Creation,
                                event: EventKind::QaCertificationResponse,
                            };
                            // Four eyes first: the same person opens the override form.
                            super::approval::decide(state, op, &lc, target);
                            return Vec::new();
                        }
                        Err(refusal) => error = Some(refusal.to_string()),
                    }
                }
                _ => {
                    super::input::edit_text(&mut input, &key);
                }
            }
            state.dialog = Some(Dialog::Reason {
                lifecycle_id,
                certified,
                input,
                error,
            });
        }
        Dialog::PatchChoice { lifecycle_id, bump } => {
            let bump = match code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter => {
                    if let Some(lc) = state.lifecycle(&lifecycle_id).cloned() {
                        let target = EventRef {
                            stage: Stage::Patch(
                                u32::try_from(lc.patches.len()).unwrap_or(u32::MAX) + 1,
                            ),
                            event: EventKind::AmiPatch,
                        };
                        let op = Op::StartPatch { lifecycle_id, bump };
                        confirm(state, op, &lc, target, None);
                    }
                    return Vec::new();
                }
                KeyCode::Char('m' | 'M') => Bump::Minor,
                KeyCode::Char('p') => Bump::Patch,
                KeyCode::Tab | KeyCode::Left | KeyCode::Right | KeyCode::Up | KeyCode::Down => {
                    if bump == Bump::Minor {
                        Bump::Patch
                    } else {
                        Bump::Minor
                    }
                }
                _ => bump,
            };
            state.dialog = Some(Dialog::PatchChoice { lifecycle_id, bump });
        }
    }
    Vec::new()
}
