//! The timeline's End of life section: each stage's end-of-life facts
//! (`app::end_of_life`) and every retirement run with who, when, why and
//! the override (`lifecycle::retire::retirement_trail`).

use ratatui::text::Line;

use super::theme::Theme;
use crate::lifecycle::Lifecycle;

/// The end of the lifecycle: each stage's facts (superseded by, retired,
/// EC2's state) and every retirement run with who, when, why and override.
pub(super) fn lines(lc: &Lifecycle, facts: &[String], theme: &Theme, out: &mut Vec<Line<'static>>) {
    let trail = crate::lifecycle::retire::retirement_trail(lc);
    if facts.is_empty() && trail.is_empty() {
        return;
    }
    out.push(Line::from(""));
    out.push(Line::styled("End of life".to_string(), theme.header));
    for fact in facts {
        out.push(Line::styled(format!("  {fact}"), theme.notice_warn));
    }
    for line in trail {
        out.push(Line::styled(format!("    {line}"), theme.dim));
    }
}
