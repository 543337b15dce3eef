//! The lifecycle list. Only the visible window of the filtered, sorted view is
//! turned into table rows each frame, so 100000 lifecycles draw as fast as 100.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TableRow, Table, TableState, Wrap};

use super::theme::Theme;
use crate::app::rows::{Row, SortColumn};
use crate::app::state::{Load, State};
use chrono::{DateTime, Utc};

use crate::lifecycle::{format_age, vocabulary};

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
/// event, in `form`.
fn stage_text(row: &Row, form: StageForm) -> (String, String) {
    let glyph = if row.lost { "✗" } else { row.status.glyph() };
    let status = match form {
        StageForm::Compact => format!("{glyph} "),
        StageForm::Words(pad) => format!("{glyph} {:<pad$} ", status_word(row)),
    };
    (status, vocabulary::event_words(row.stage))
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
/// two styled parts, measured here whole).
fn cell_text(row: &Row, c: SortColumn, form: StageForm, now: DateTime<Utc>) -> Cow<'_, str> {
    match c {
        SortColumn::Product => Cow::Borrowed(&row.product),
        SortColumn::Stack => Cow::Borrowed(&row.stack_tag),
        SortColumn::Semver => row.semver.text().unwrap_or(Cow::Borrowed("-")),
        SortColumn::Stage => {
            let (status, label) = stage_text(row, form);
            Cow::Owned(status + &label)
        }
        SortColumn::Ami => Cow::Borrowed(row.ami.as_deref().unwrap_or("-")),
        SortColumn::Owner => Cow::Borrowed(&row.owner),
        SortColumn::Updated => Cow::Owned(format!(
            "{:>w$}",
            format_age(now - row.updated),
            w = usize::from(AGE)
        )),
        SortColumn::Vulns => Cow::Owned(row.vulns.map_or_else(|| "-".into(), |v| v.summary())),
        SortColumn::Problems => Cow::Borrowed(""),
    }
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
                    .map(|r| cells(&cell_text(r, s, form, now)))
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
    let noted: Vec<Row> = state.view[start..end]
        .iter()
        .map(|i| crate::app::end_of_life::noted(state, &state.rows[*i]))
        .collect();
    let visible: Vec<&Row> = noted.iter().collect();
    let cols = columns(&visible, area.width, state.sort.column, state.now);
    let words = StageForm::words(&visible);
    let header = TableRow::new(cols.iter().map(|c| match c.key {
        Column::Sort(c) => {
            let mark = if c == state.sort.column { arrow } else { "" };
            Cell::from(format!("{}{mark}", c.title()))
        }
        Column::Reason => Cell::from("REASON"),
    }))
    .style(theme.column_header);
    let rows = noted.iter().map(|r| row(r, &cols, words, state.now, theme));
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.width)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.row_selected)
        .column_spacing(1);
    let mut table_state = TableState::default().with_selected(Some(state.selected - start));
    frame.render_stateful_widget(table, area, &mut table_state);
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

fn row<'a>(
    row: &'a Row,
    cols: &[Fitted<Column>],
    words: StageForm,
    now: DateTime<Utc>,
    theme: &Theme,
) -> TableRow<'a> {
    let cells = cols.iter().map(|c| match c.key {
        Column::Reason => Cell::from(row.reason.as_deref().unwrap_or("")).style(theme.dim),
        Column::Sort(SortColumn::Stage) => {
            let form = if c.short { StageForm::Compact } else { words };
            let (status, label) = stage_text(row, form);
            Cell::from(Line::from(vec![
                Span::styled(status, theme.status(row.status)),
                Span::raw(label),
            ]))
        }
        Column::Sort(s) => Cell::from(cell_text(row, s, words, now)),
    });
    TableRow::new(cells)
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
