//! The layout numbers update() needs (how many list rows fit, how tall the
//! notifications pane is): they live with the state so update() never asks
//! the renderer. `ui` draws with the same numbers.

/// Rows of the split notifications pane, borders included.
pub const PANE_HEIGHT: u16 = 8;

/// Rows of the header (2), status line, footer, and the table's border and
/// heading around the list.
const LIST_CHROME: u16 = 2 + 1 + 1 + 1 + 1;

/// How many lifecycle rows fit on a terminal `height` rows high, with or
/// without the notifications pane.
pub fn list_rows_for(height: u16, pane_open: bool) -> usize {
    let pane = if pane_open { PANE_HEIGHT } else { 0 };
    usize::from(height.saturating_sub(LIST_CHROME + pane).max(1))
}
