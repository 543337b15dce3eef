//! `X` on a lifecycle: deprecate its newest AMIs, after the preview
//! (`lifecycle::retire::preview_lines`) in the confirmation dialog. The
//! rules are checked on the records held first: a refusal shows its
//! sentence and changes nothing. Disable, delete and the override are the
//! command line's (`amiboard retire`).

use super::action::Op;
use super::state::{Dialog, State};
use crate::lifecycle::Lifecycle;
use crate::lifecycle::retire::{
    RetireAction, RetireRequest, check_retire, preview_lines, retire_target, superseded_in,
};

/// Opens the confirmation with the preview, or returns the refusal's sentence.
pub fn open(app: &mut State, lc: &Lifecycle, actor: &str) -> Result<(), String> {
    let Some(stage) = retire_target(lc, None) else {
        return Err("This lifecycle built no AMI: nothing to retire.".to_string());
    };
    // What supersedes it, among the lifecycles held of its stack tag.
    let mut peers: Vec<Lifecycle> = app
        .records
        .iter()
        .filter(|p| p.stack_tag == lc.stack_tag && p.lifecycle_id != lc.lifecycle_id)
        .cloned()
        .collect();
    peers.push(lc.clone());
    let superseded = superseded_in(&peers, &lc.lifecycle_id, stage);
    let request = RetireRequest {
        action: RetireAction::Deprecate,
        deprecate_at: None,
        override_reason: None,
        actor: actor.to_string(),
        now: app.now,
    };
    let preview = check_retire(lc, stage, &superseded, &request).map_err(|r| r.to_string())?;
    let mut lines: Vec<(String, String)> = preview_lines(&preview, app.now)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let label = if i == 0 { "Retire" } else { "" };
            (label.to_string(), line)
        })
        .collect();
    lines.push((
        String::new(),
        "Disable, delete, a time, an override: amiboard retire (CLI).".to_string(),
    ));
    app.dialog = Some(Dialog::Confirm {
        op: Op::Retire {
            lifecycle_id: lc.lifecycle_id.clone(),
            stage,
        },
        lines,
        confirm_focused: false,
        typed_ami: None,
    });
    Ok(())
}
