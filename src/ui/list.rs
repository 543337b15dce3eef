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
use chrono::{DateTime, Utc};

use crate::lifecycle::{vocabulary, write_age};

use super::fit::{Col, Fitted, Step, cells, fit};

/// How the STAGE column writes statuses: glyph and word (the word padded to
/// the widest visible one), or `Compact`, the short form, without the word:
/// the glyph still tells every status apart (`! Smoke tests`, `✘ Build`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StageForm {
    Words(usize),
    Compact,
}

impl StageForm {
    /// The full form for the visible `rows`.
    fn words(rows: &[&Row]) -> StageForm {
        StageForm::Words(rows.iter().map(|r| status_word(r).len()).max().unwrap_or(0))
    }
}

fn status_word(row: &Row) -> &'static str {
    if row.lost { "lost" } else { row.status.word() }
}

/// The STAGE text of a row, as the column shows it: glyph, status word and
/// event, in `form`. Written on the stack: the list measures and draws it
/// for every visible row each frame.
fn stage_text(row: &Row, form: StageForm) -> (Small, Small) {
    let mut status = Small::new();
    status.push(if row.lost { "✗" } else { row.status.glyph() });
    status.push(" ");
    if let StageForm::Words(pad) = form {
        let base = status.as_str().chars().count();
        status.push(status_word(row));
        status.pad_to(base + pad);
        status.push(" ");
    }
    let mut label = Small::new();
    let _ = vocabulary::write_event_words(&mut label, row.stage);
    (status, label)
}

/// A cell's text: borrowed from the row, or formatted on the stack.
enum CellText<'a> {
    Borrowed(&'a str),
    Formatted(Small),
}

impl CellText<'_> {
    fn as_str(&self) -> &str {
        match self {
            CellText::Borrowed(text) => text,
            CellText::Formatted(small) => small.as_str(),
        }
    }
}

/// One column of the table: a sortable one, or the failure's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sort(SortColumn),
    /// Why the current event failed; only while a visible row has one.
    Reason,
}

/// The list's columns, in the order they show.
const LIST_COLUMNS: [Column; 9] = [
    Column::Sort(SortColumn::Product),
    Column::Sort(SortColumn::Stack),
    Column::Sort(SortColumn::Semver),
    Column::Sort(SortColumn::Stage),
    Column::Sort(SortColumn::Updated),
    Column::Sort(SortColumn::Ami),
    Column::Sort(SortColumn::Owner),
    Column::Sort(SortColumn::Vulns),
    Column::Reason,
];

/// What the list gives up, in order, when the terminal is too narrow for
/// every column whole (docs/dashboard.md). PRODUCT (name and version), STAGE
/// and AGE never go; no column is ever cut mid-value, except REASON, the
/// free text that takes the room left.
const LIST_STEPS: [Step<Column>; 8] = [
    Step::Drop(Column::Sort(SortColumn::Vulns)),
    Step::Drop(Column::Sort(SortColumn::Owner)),
    Step::Drop(Column::Sort(SortColumn::Ami)),
    Step::Shorten(Column::Sort(SortColumn::Stage)),
    Step::Drop(Column::Sort(SortColumn::Semver)),
    Step::Shorten(Column::Reason),
    Step::Drop(Column::Sort(SortColumn::Stack)),
    Step::Drop(Column::Reason),
];

/// The AGE column: `29d14h` at most.
const AGE: u16 = 6;
/// The least the REASON column gets (its short form).
const REASON_MIN: u16 = 16;
/// What REASON asks for before the steps shorten it: the room to read the
/// cause of most failures.
const REASON_WANT: u16 = 40;

/// The text of a sortable cell, as measured and drawn (STAGE is drawn in
/// two styled parts, measured here whole). Allocates nothing.
fn cell_text(row: &Row, c: SortColumn, form: StageForm, now: DateTime<Utc>) -> CellText<'_> {
    let mut text = Small::new();
    match c {
        SortColumn::Product => return CellText::Borrowed(&row.product),
        SortColumn::Stack => return CellText::Borrowed(&row.stack_tag),
        SortColumn::Semver => match &row.semver {
            Semver::None => return CellText::Borrowed("-"),
            Semver::Plain([a, b, c]) => {
                let _ = write!(text, "{a}.{b}.{c}");
            }
            Semver::Other(other) => return CellText::Borrowed(other),
        },
        SortColumn::Stage => {
            let (status, label) = stage_text(row, form);
            text = status;
            text.push(label.as_str());
        }
        SortColumn::Ami => return CellText::Borrowed(row.ami.as_deref().unwrap_or("-")),
        SortColumn::Owner => return CellText::Borrowed(&row.owner),
        SortColumn::Updated => {
            let mut age = Small::new();
            let _ = write_age(&mut age, now - row.updated);
            text.pad_to(usize::from(AGE).saturating_sub(age.as_str().chars().count()));
            text.push(age.as_str());
        }
        SortColumn::Vulns => match row.vulns {
            Some(v) => {
                let _ = v.write_summary(&mut text);
            }
            None => return CellText::Borrowed("-"),
        },
        SortColumn::Problems => return CellText::Borrowed(""),
    }
    CellText::Formatted(text)
}

/// The columns of the visible `rows` at `width`: each as wide as its
/// widest value (or heading), then [`LIST_STEPS`] until they fit.
fn columns(
    rows: &[&Row],
    width: u16,
    sorted: SortColumn,
    now: DateTime<Utc>,
) -> Vec<Fitted<Column>> {
    let reasons = rows.iter().any(|r| r.reason.is_some());
    let words = StageForm::words(rows);
    let measured = LIST_COLUMNS.iter().filter_map(|&c| match c {
        Column::Reason => reasons.then(|| {
            let widest = rows
                .iter()
                .filter_map(|r| r.reason.as_deref())
                .map(cells)
                .max()
                .unwrap_or(0);
            Col::new(c, widest.clamp(REASON_MIN, REASON_WANT)).with_short(REASON_MIN)
        }),
        Column::Sort(s) => {
            // The sorted column's heading carries an arrow.
            let heading = cells(s.title()) + u16::from(s == sorted);
            let widest = |form| {
                rows.iter()
                    .map(|r| cells(cell_text(r, s, form, now).as_str()))
                    .max()
                    .unwrap_or(0)
                    .max(heading)
            };
            let col = Col::new(c, widest(words));
            Some(if s == SortColumn::Stage {
                col.with_short(widest(StageForm::Compact))
            } else {
                col
            })
        }
    });
    let measured: Vec<Col<Column>> = measured.collect();
    fit(
        &measured,
        &LIST_STEPS,
        reasons.then_some(Column::Reason),
        width,
        1,
    )
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
    // The end of life (superseded, retired, EC2's state) reads in REASON
    // where no failure does (`app::end_of_life::noted`).
    // Only a row that gets a note is copied: a frame allocates nothing per
    // row otherwise (tests/frame_allocations.rs).
    let noted: Vec<Option<Row>> = state.view[start..end]
        .iter()
        .map(|i| {
            let row = &state.rows[*i];
            (row.reason.is_none() && state.end_of_life.has_note(&row.id))
                .then(|| crate::app::end_of_life::noted(state, row))
        })
        .collect();
    let visible: Vec<&Row> = noted
        .iter()
        .zip(&state.view[start..end])
        .map(|(n, i)| n.as_ref().unwrap_or(&state.rows[*i]))
        .collect();
    let cols = columns(&visible, area.width, state.sort.column, state.now);
    let words = StageForm::words(&visible);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible = Visible {
        state,
        theme,
        cols: &cols,
        rows: &visible,
        selected: state.selected - start,
        words,
        arrow,
    };
    visible.draw(frame.buffer_mut(), inner);
}

/// The visible window of the list, drawn straight into the buffer: each
/// cell's text borrowed from its row or formatted on the stack, so a frame
/// allocates nothing per row whatever the table's size (issue 22). Laid out
/// as ratatui's `Table` lays it: the fitted columns from the left, one
/// space apart, a header line, the selected row highlighted.
struct Visible<'a> {
    state: &'a State,
    theme: &'a Theme,
    cols: &'a [Fitted<Column>],
    /// The visible rows, top to bottom.
    rows: &'a [&'a Row],
    /// The highlighted line, counted from the first visible row.
    selected: usize,
    words: StageForm,
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
        for (col, span) in self.cols.iter().zip(spans.iter()) {
            let (x, width) = (inner.x + span.x, usize::from(span.width));
            match col.key {
                Column::Sort(c) => {
                    let (end, _) = buf.set_stringn(x, inner.y, c.title(), width, Style::default());
                    if c == self.state.sort.column {
                        let room = width.saturating_sub(usize::from(end - x));
                        buf.set_stringn(end, inner.y, self.arrow, room, Style::default());
                    }
                }
                Column::Reason => {
                    buf.set_stringn(x, inner.y, "REASON", width, Style::default());
                }
            }
        }
        let lines = inner.height.saturating_sub(1);
        for (line, row) in (0..lines).zip(self.rows) {
            let y = inner.y + 1 + line;
            for (col, span) in self.cols.iter().zip(spans.iter()) {
                let cell = Rect::new(inner.x + span.x, y, span.width, 1);
                self.cell(buf, row, *col, cell);
            }
            if usize::from(line) == self.selected {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    self.theme.row_selected,
                );
            }
        }
    }

    /// Each column's x (from the left edge) and width. When the columns fit,
    /// as `columns` makes them, they sit one after the other one space
    /// apart; otherwise ratatui's layout shrinks them as its `Table` would.
    fn spans(&self, width: u16) -> Vec<Rect> {
        let total: u32 = self.cols.iter().map(|c| u32::from(c.width) + 1).sum();
        if total <= u32::from(width) + 1 {
            let mut x = 0;
            return self
                .cols
                .iter()
                .map(|c| {
                    let span = Rect::new(x, 0, c.width, 1);
                    x += c.width + 1;
                    span
                })
                .collect();
        }
        let widths = self.cols.iter().map(|c| Constraint::Length(c.width));
        Layout::horizontal(widths)
            .flex(Flex::Start)
            .spacing(1)
            .split(Rect::new(0, 0, width, 1))
            .to_vec()
    }

    fn cell(&self, buf: &mut Buffer, row: &Row, col: Fitted<Column>, cell: Rect) {
        let (x, y, width) = (cell.x, cell.y, usize::from(cell.width));
        match col.key {
            Column::Reason => {
                buf.set_style(cell, self.theme.dim);
                let reason = row.reason.as_deref().unwrap_or("");
                buf.set_stringn(x, y, reason, width, Style::default());
            }
            Column::Sort(SortColumn::Stage) => {
                let form = if col.short {
                    StageForm::Compact
                } else {
                    self.words
                };
                let (status, label) = stage_text(row, form);
                let style = self.theme.status(row.status);
                let (end, _) = buf.set_stringn(x, y, status.as_str(), width, style);
                let room = width.saturating_sub(usize::from(end - x));
                buf.set_stringn(end, y, label.as_str(), room, Style::default());
            }
            Column::Sort(s) => {
                let text = cell_text(row, s, self.words, self.state.now);
                buf.set_stringn(x, y, text.as_str(), width, Style::default());
            }
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
    use crate::lifecycle::demo::demo_lifecycle;

    fn keys(cols: &[Fitted<Column>]) -> Vec<Column> {
        cols.iter().map(|c| c.key).collect()
    }

    #[test]
    fn narrow_terminals_drop_whole_columns_in_the_declared_order() {
        let now = crate::app::tests::now();
        let lcs: Vec<_> = (0..40)
            .map(|i| demo_lifecycle(i, "production-eu-west-1-payments", i + 1, now))
            .collect();
        let rows: Vec<Row> = lcs.iter().map(Row::of).collect();
        let all: Vec<&Row> = rows.iter().collect();
        let calm: Vec<&Row> = rows.iter().filter(|r| r.reason.is_none()).collect();
        for visible in [&all, &calm] {
            let mut before = usize::MAX;
            for width in [80, 100, 120, 130, 160, 200] {
                let cols = columns(visible, width, SortColumn::Updated, now);
                let total: u16 = cols.iter().map(|c| c.width + 1).sum();
                assert!(total <= width + 1, "{width}: {cols:?}");
                for stays in [SortColumn::Product, SortColumn::Stage, SortColumn::Updated] {
                    assert!(
                        keys(&cols).contains(&Column::Sort(stays)),
                        "{width}: {cols:?}"
                    );
                }
                // A wider terminal never shows fewer columns.
                let shown = cols.len();
                assert!(before == usize::MAX || shown >= before, "{width}: {cols:?}");
                before = shown;
                // Whatever went, went in the declared order.
                let order: Vec<Column> = LIST_STEPS
                    .iter()
                    .filter_map(|s| match s {
                        Step::Drop(c) => Some(*c),
                        Step::Shorten(_) => None,
                    })
                    .filter(|c| *c != Column::Reason || visible.len() == all.len())
                    .collect();
                let gone: Vec<Column> = order
                    .iter()
                    .filter(|c| !keys(&cols).contains(c))
                    .copied()
                    .collect();
                assert_eq!(gone, order[..gone.len()].to_vec(), "{width}: {cols:?}");
            }
        }
        // At 80 columns with failures: the reason and the stack tag stay.
        let cols = columns(&all, 80, SortColumn::Updated, now);
        assert!(keys(&cols).contains(&Column::Reason), "{cols:?}");
        // At 200 columns nothing is lost.
        let cols = columns(&all, 200, SortColumn::Updated, now);
        assert_eq!(keys(&cols), LIST_COLUMNS.to_vec());
    }
}
