//! Where a lifecycle's AMIs are used: the where-used workflow's recorded
//! answer with its age (EC2's state, last launch and every reference, the
//! workflows' region only), what supersedes each stage, and the retirement
//! runs. Reached with `u` from the list and the timeline; read-only users
//! see it too.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::theme::Theme;
use crate::app::state::State;
use crate::lifecycle::retire::{retirement_trail, where_used_lines};

/// The screen's lines (the same ones `amiboard where-used` prints).
pub fn lines(state: &State, id: &str) -> Vec<String> {
    let Some(lc) = state.lifecycle(id) else {
        return vec![format!("Loading lifecycle {id}…")];
    };
    // Supersession from the lifecycles held: the newer one of the same
    // product is held once it was opened or is on screen.
    let peers: Vec<_> = state
        .records
        .iter()
        .filter(|p| p.stack_tag == lc.stack_tag)
        .cloned()
        .collect();
    let mut lines = where_used_lines(lc, &peers, state.now);
    let trail = retirement_trail(lc);
    if !trail.is_empty() {
        lines.push(String::new());
        lines.push("Retirement:".to_string());
        lines.extend(trail.into_iter().map(|l| format!("  {l}")));
    }
    lines.push(String::new());
    let short: String = id.chars().take(8).collect();
    lines.push(format!(
        "Ask EC2 again: amiboard where-used {short} --refresh (starts a workflow: not in read-only mode)."
    ));
    lines.push(format!(
        "Preview a retirement: amiboard retire {short} [--deprecate-at T | --disable | --delete] --dry-run"
    ));
    lines
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, id: &str, scroll: u16) {
    let lines: Vec<Line> = lines(state, id).into_iter().map(Line::from).collect();
    super::pages::page(
        frame,
        area,
        theme,
        state,
        " Where used ".to_string(),
        lines,
        scroll,
    );
}
