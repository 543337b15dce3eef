//! The lifecycle list. Only the visible window of the filtered, sorted view is
//! turned into table rows each frame, so 100000 lifecycles draw as fast as 100.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::small::Small;
use super::theme::Theme;
use crate::app::rows::{Row, Semver, SortColumn};
use crate::app::state::{Load, State};

use crate::lifecycle::{Stage, write_age};

/// The AMI column's width when ids are shortened (narrow terminals).
const AMI_SHORT: u16 = 13;
/// The widest STAGE value: glyph, status word, the longest event label and a
/// patch cycle number.
const STAGE_MAX: u16 = 38;

/// The STAGE text of a row, as the column shows it: glyph, status word and
/// event; `compact` (below 130 columns beside a REASON) drops the word, the glyph
/// still tells every status apart (`! Smoke tests`, `✘ Build`). Written on
/// the stack: the list draws it for every visible row each frame.
fn stage_text(row: &Row, compact: bool) -> (Small, Small) {
    let mut status = Small::new();
    let (glyph, word) = if row.lost {
        ("✗", "lost")
    } else {
        (row.status.glyph(), row.status.word())
    };
    status.push(glyph);
    status.push(" ");
    if !compact {
        let base = status.as_str().chars().count();
        status.push(word);
        status.pad_to(base + 12);
    }
    let mut label = Small::new();
    label.push(row.stage.event.label());
    if let Stage::Patch(n) = row.stage.stage {
        let _ = write!(label, " p{n}");
    }
    (status, label)
}

/// An AMI id cut to `width`, keeping its tail (what tells two apart): the
/// prefix to draw before the tail (`ami-…`, or nothing when it fits whole).
fn short_ami(ami: &str, width: u16) -> (&'static str, &str) {
    let width = usize::from(width);
    if ami.chars().count() <= width || width < 6 {
        return ("", ami);
    }
    let keep = width.saturating_sub(5).max(1);
    let start = ami.char_indices().rev().nth(keep - 1).map_or(0, |(i, _)| i);
    ("ami-…", &ami[start..])
}

/// One column of the table: a sortable one, or the failure's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sort(SortColumn),
    /// Why the current event failed; only while a visible row has one.
    Reason,
}

/// The AGE column: `29d14h` at most.
const AGE: u16 = 6;
/// The least the REASON column gets.
const REASON_MIN: u16 = 20;

/// The columns shown at a given width, widest layout first. With `reasons`
/// (a visible row failed) the STAGE column is as wide as its longest
/// visible value (`stage`), the REASON column takes the room left, and the
/// AMI (and at 80 columns the semver) steps aside; the stack tag and the
/// age stay at every width.
fn columns(width: u16, reasons: bool, stage: u16) -> Vec<(Column, u16)> {
    use SortColumn as S;
    let narrow = width < 100;
    let mut cols: Vec<(Column, u16)> = if narrow {
        // 80 columns: the stack tag stays (it tells prod from dev), narrower;
        // the AMI id is shortened to its tail (`ami-…9abcdef0`).
        vec![
            (Column::Sort(S::Product), 15),
            (Column::Sort(S::Stack), 8),
            (Column::Sort(S::Semver), 7),
            (Column::Sort(S::Stage), 20),
            (Column::Sort(S::Updated), AGE),
            (Column::Sort(S::Ami), AMI_SHORT),
        ]
    } else {
        vec![
            (Column::Sort(S::Product), if width < 130 { 18 } else { 20 }),
            (Column::Sort(S::Stack), 12),
            (Column::Sort(S::Semver), 8),
            (Column::Sort(S::Stage), 30),
            (Column::Sort(S::Updated), AGE),
            (Column::Sort(S::Ami), 21),
        ]
    };
    if reasons {
        cols.retain(|(c, _)| match c {
            Column::Sort(S::Ami) => width >= 155,
            Column::Sort(S::Semver) => !narrow,
            _ => true,
        });
        let others: u16 = cols
            .iter()
            .filter(|(c, _)| *c != Column::Sort(S::Stage))
            .map(|(_, w)| w + 1)
            .sum();
        // The stage gets what it needs as long as REASON keeps its least.
        let room = width.saturating_sub(others + REASON_MIN + 2);
        let stage = stage.clamp(10, STAGE_MAX).min(room).max(10);
        if let Some(col) = cols.iter_mut().find(|(c, _)| *c == Column::Sort(S::Stage)) {
            col.1 = stage;
        }
        let reason = width.saturating_sub(others + stage + 1).max(REASON_MIN);
        cols.push((Column::Reason, reason));
        return cols;
    }
    if narrow {
        let others: u16 = cols
            .iter()
            .filter(|(c, _)| *c != Column::Sort(S::Stage))
            .map(|(_, w)| w + 1)
            .sum::<u16>();
        if let Some(stage) = cols.iter_mut().find(|(c, _)| *c == Column::Sort(S::Stage)) {
            stage.1 = width.saturating_sub(others).clamp(20, STAGE_MAX);
        }
    }
    if width >= 130 {
        cols.push((Column::Sort(S::Owner), 11));
    }
    if width >= 155 {
        cols.push((Column::Sort(S::Vulns), 15));
    }
    cols
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let arrow = if state.sort.descending { "↓" } else { "↑" };
    let title = Line::from(vec![
        Span::styled(" Lifecycles ", theme.title),
        Span::raw(format!(
            " {} of {}  sort: {} {arrow} ",
            state.view.len(),
            state.rows.len(),
            state.sort.column.title()
        )),
    ]);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    if state.view.is_empty() {
        let text = empty_text(state);
        let paragraph = Paragraph::new(text)
            .block(block)
            .style(theme.dim)
            .wrap(Wrap { trim: true });
        frame.render_widget(paragraph, area);
        return;
    }
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let start = state.offset.min(state.view.len().saturating_sub(1));
    let end = (start + height).min(state.view.len());
    let reasons = state.view[start..end]
        .iter()
        .any(|i| state.rows[*i].reason.is_some());
    let compact = reasons && area.width < 130;
    // The STAGE column is as wide as its longest visible value (within the
    // room the layout gives it), so a long one is never cut when it fits.
    let longest = state.view[start..end]
        .iter()
        .map(|i| {
            let (status, label) = stage_text(&state.rows[*i], compact);
            u16::try_from(status.as_str().chars().count() + label.as_str().chars().count()).unwrap_or(STAGE_MAX)
        })
        .max()
        .unwrap_or(0);
    let mut cols = columns(area.width, reasons, longest);
    if let Some(stage) = cols
        .iter_mut()
        .find(|(c, _)| *c == Column::Sort(SortColumn::Stage))
        && area.width >= 100
        && !reasons
    {
        stage.1 = stage.1.max(longest.min(STAGE_MAX));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible = Visible {
        state,
        theme,
        cols: &cols,
        rows: &state.view[start..end],
        selected: state.selected - start,
        compact,
        arrow,
    };
    visible.draw(frame.buffer_mut(), inner);
}

/// The visible window of the list, drawn straight into the buffer: each
/// cell's text borrowed from its row or formatted on the stack, so a frame
/// allocates nothing per row whatever the table's size (issue 22). Laid out
/// as ratatui's `Table` lays it: columns of fixed widths from the left, one
/// space apart, a header line, the selected row highlighted.
struct Visible<'a> {
    state: &'a State,
    theme: &'a Theme,
    cols: &'a [(Column, u16)],
    /// Indices into `state.rows`, top to bottom.
    rows: &'a [usize],
    /// The highlighted line, counted from the first visible row.
    selected: usize,
    compact: bool,
    arrow: &'static str,
}

impl Visible<'_> {
    fn draw(&self, buf: &mut Buffer, inner: Rect) {
        if inner.is_empty() {
            return;
        }
        let spans = self.spans(inner.width);
        let header = Rect { height: 1, ..inner };
        buf.set_style(header, self.theme.column_header);
        for ((col, _), span) in self.cols.iter().zip(spans.iter()) {
            let (x, width) = (inner.x + span.x, usize::from(span.width));
            match col {
                Column::Sort(c) => {
                    let (end, _) = buf.set_stringn(x, inner.y, c.title(), width, Style::default());
                    if *c == self.state.sort.column {
                        let room = width.saturating_sub(usize::from(end - x));
                        buf.set_stringn(end, inner.y, self.arrow, room, Style::default());
                    }
                }
                Column::Reason => {
                    buf.set_stringn(x, inner.y, "REASON", width, Style::default());
                }
            }
        }
        let rows = inner.height.saturating_sub(1);
        for (line, index) in (0..rows).zip(self.rows) {
            let y = inner.y + 1 + line;
            let row = &self.state.rows[*index];
            for ((col, _), span) in self.cols.iter().zip(spans.iter()) {
                let cell = Rect::new(inner.x + span.x, y, span.width, 1);
                self.cell(buf, row, *col, cell);
            }
            if usize::from(line) == self.selected {
                buf.set_style(Rect { y, height: 1, ..inner }, self.theme.row_selected);
            }
        }
    }

    /// Each column's x (from the left edge) and width. When the columns fit,
    /// as they do at every width `columns` lays out, they sit one after the
    /// other one space apart; otherwise ratatui's layout shrinks them as its
    /// `Table` would (a solver run per new layout, so not the usual path).
    fn spans(&self, width: u16) -> Vec<Rect> {
        let total: u32 = self.cols.iter().map(|(_, w)| u32::from(*w) + 1).sum();
        if total <= u32::from(width) + 1 {
            let mut x = 0;
            return self
                .cols
                .iter()
                .map(|(_, w)| {
                    let span = Rect::new(x, 0, *w, 1);
                    x += w + 1;
                    span
                })
                .collect();
        }
        let widths = self.cols.iter().map(|(_, w)| Constraint::Length(*w));
        Layout::horizontal(widths)
            .flex(Flex::Start)
            .spacing(1)
            .split(Rect::new(0, 0, width, 1))
            .to_vec()
    }

    fn cell(&self, buf: &mut Buffer, row: &Row, col: Column, cell: Rect) {
        let (x, y, width) = (cell.x, cell.y, usize::from(cell.width));
        let plain = Style::default();
        let mut text = Small::new();
        match col {
            Column::Reason => {
                buf.set_style(cell, self.theme.dim);
                buf.set_stringn(x, y, row.reason.as_deref().unwrap_or(""), width, plain);
            }
            Column::Sort(SortColumn::Product) => {
                buf.set_stringn(x, y, &*row.product, width, plain);
            }
            Column::Sort(SortColumn::Stack) => {
                buf.set_stringn(x, y, &*row.stack_tag, width, plain);
            }
            Column::Sort(SortColumn::Owner) => {
                buf.set_stringn(x, y, &*row.owner, width, plain);
            }
            Column::Sort(SortColumn::Semver) => {
                let shown = match &row.semver {
                    Semver::None => "-",
                    Semver::Plain([a, b, c]) => {
                        let _ = write!(text, "{a}.{b}.{c}");
                        text.as_str()
                    }
                    Semver::Other(other) => other,
                };
                buf.set_stringn(x, y, shown, width, plain);
            }
            Column::Sort(SortColumn::Stage) => {
                let (status, label) = stage_text(row, self.compact);
                let status_style = self.theme.status(row.status);
                let (end, _) = buf.set_stringn(x, y, status.as_str(), width, status_style);
                let room = width.saturating_sub(usize::from(end - x));
                buf.set_stringn(end, y, label.as_str(), room, plain);
            }
            Column::Sort(SortColumn::Ami) => {
                let (prefix, tail) = short_ami(row.ami.as_deref().unwrap_or("-"), cell.width);
                let (end, _) = buf.set_stringn(x, y, prefix, width, plain);
                let room = width.saturating_sub(usize::from(end - x));
                buf.set_stringn(end, y, tail, room, plain);
            }
            Column::Sort(SortColumn::Updated) => {
                let mut age = Small::new();
                let _ = write_age(&mut age, self.state.now - row.updated);
                let pad = usize::from(AGE).saturating_sub(age.as_str().chars().count());
                text.pad_to(pad);
                text.push(age.as_str());
                buf.set_stringn(x, y, text.as_str(), width, plain);
            }
            Column::Sort(SortColumn::Vulns) => {
                let shown = match row.vulns {
                    Some(v) => {
                        let _ = v.write_summary(&mut text);
                        text.as_str()
                    }
                    None => "-",
                };
                buf.set_stringn(x, y, shown, width, plain);
            }
            Column::Sort(SortColumn::Problems) => {}
        }
    }
}

fn empty_text(state: &State) -> Vec<Line<'static>> {
    let text = match &state.load {
        Load::Idle | Load::Loading { .. } if state.rows.is_empty() => {
            "Loading lifecycles…".to_string()
        }
        Load::Failed { message, .. } if state.rows.is_empty() => format!(
            "Cannot load lifecycles: {message}. Retrying automatically; press r to retry now."
        ),
        _ if state.rows.is_empty() => format!(
            "No lifecycles in table {}. Create one with `amiboard create`, or load demo data with `amiboard seed`.",
            state.connection.table
        ),
        _ => format!(
            "No lifecycle matches the filter `{}`. Press / to change it, Esc to clear it.",
            state.filter.text
        ),
    };
    vec![Line::from(""), Line::from(format!("  {text}"))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_stack_tag_and_shorten_the_ami() {
        for reasons in [false, true] {
            let cols = columns(80, reasons, 24);
            assert!(
                cols.iter()
                    .any(|(c, _)| *c == Column::Sort(SortColumn::Stack))
            );
            assert!(
                cols.iter()
                    .any(|(c, _)| *c == Column::Sort(SortColumn::Updated)),
                "the age stays at 80 columns"
            );
            assert_eq!(cols.iter().any(|(c, _)| *c == Column::Reason), reasons);
            let total: u16 = cols.iter().map(|(_, w)| w + 1).sum();
            assert!(total <= 81, "{cols:?} is wider than 80 columns");
        }
        for width in [100, 120, 130, 160] {
            for reasons in [false, true] {
                let cols = columns(width, reasons, STAGE_MAX);
                let total: u16 = cols.iter().map(|(_, w)| w + 1).sum();
                assert!(total <= width + 1, "{width}: {cols:?}");
                assert!(
                    cols.iter()
                        .any(|(c, _)| *c == Column::Sort(SortColumn::Updated))
                );
            }
        }
        assert_eq!(
            short_ami("ami-0123456789abcdef0", AMI_SHORT),
            ("ami-…", "9abcdef0")
        );
        assert_eq!(
            short_ami("ami-0123456789abcdef0", 21),
            ("", "ami-0123456789abcdef0")
        );
        assert_eq!(short_ami("-", AMI_SHORT), ("", "-"));
    }
}
