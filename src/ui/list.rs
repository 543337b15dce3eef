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

use crate::lifecycle::{Stage, format_age};

/// The AMI column's width when ids are shortened (narrow terminals).
const AMI_SHORT: u16 = 13;
/// The widest STAGE value: glyph, status word, the longest event label and a
/// patch cycle number.
const STAGE_MAX: u16 = 38;

/// The STAGE text of a row, as the column shows it: glyph, status word and
/// event; `compact` (below 130 columns beside a REASON) drops the word, the glyph
/// still tells every status apart (`! Smoke tests`, `✘ Build`).
fn stage_text(row: &Row, compact: bool) -> (String, String) {
    let cycle = match row.stage.stage {
        Stage::Creation => String::new(),
        Stage::Patch(n) => format!(" p{n}"),
    };
    let status = if row.lost {
        if compact {
            "✗ ".to_string()
        } else {
            format!("✗ {:<12}", "lost")
        }
    } else if compact {
        format!("{} ", row.status.glyph())
    } else {
        format!("{} {:<12}", row.status.glyph(), row.status.word())
    };
    (status, format!("{}{cycle}", row.stage.event.label()))
}

/// An AMI id cut to `width`, keeping its tail (what tells two apart).
fn short_ami(ami: &str, width: u16) -> String {
    let width = usize::from(width);
    if ami.chars().count() <= width || width < 6 {
        return ami.to_string();
    }
    let tail: String = ami
        .chars()
        .rev()
        .take(width.saturating_sub(5))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("ami-…{tail}")
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
    let reasons = state.view[start..end].iter().any(|i| {
        let row = &state.rows[*i];
        row.reason.is_some() || state.end_of_life.row_note(&row.id).is_some()
    });
    let compact = reasons && area.width < 130;
    // The STAGE column is as wide as its longest visible value (within the
    // room the layout gives it), so a long one is never cut when it fits.
    let longest = state.view[start..end]
        .iter()
        .map(|i| {
            let (status, label) = stage_text(&state.rows[*i], compact);
            u16::try_from(status.chars().count() + label.chars().count()).unwrap_or(STAGE_MAX)
        })
        .max()
        .unwrap_or(0);
    let mut cols = columns(area.width, reasons, longest);
    let header = TableRow::new(cols.iter().map(|(c, _)| match c {
        Column::Sort(c) => {
            let mark = if *c == state.sort.column { arrow } else { "" };
            Cell::from(format!("{}{mark}", c.title()))
        }
        Column::Reason => Cell::from("REASON"),
    }))
    .style(theme.column_header);
    if let Some(stage) = cols
        .iter_mut()
        .find(|(c, _)| *c == Column::Sort(SortColumn::Stage))
        && area.width >= 100
        && !reasons
    {
        stage.1 = stage.1.max(longest.min(STAGE_MAX));
    }
    let rows = state.view[start..end].iter().map(|i| {
        let r = &state.rows[*i];
        // A failure's reason first; else the end of life (superseded,
        // retired, EC2's state: `app::end_of_life`).
        let note = r
            .reason
            .is_none()
            .then(|| state.end_of_life.row_note(&r.id))
            .flatten();
        row(r, note, &cols, compact, state.now, theme)
    });
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
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
    note: Option<String>,
    cols: &[(Column, u16)],
    compact: bool,
    now: DateTime<Utc>,
    theme: &Theme,
) -> TableRow<'a> {
    let cells = cols.iter().map(|(c, width)| match c {
        Column::Reason => match (&row.reason, &note) {
            (None, Some(note)) => Cell::from(note.clone()).style(theme.notice_warn),
            _ => Cell::from(row.reason.as_deref().unwrap_or("")).style(theme.dim),
        },
        Column::Sort(c) => sort_cell(row, *c, *width, compact, now, theme),
    });
    TableRow::new(cells)
}

fn sort_cell<'a>(
    row: &'a Row,
    c: SortColumn,
    width: u16,
    compact: bool,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Cell<'a> {
    match c {
        SortColumn::Product => Cell::from(&*row.product),
        SortColumn::Stack => Cell::from(&*row.stack_tag),
        SortColumn::Semver => Cell::from(row.semver.text().unwrap_or(Cow::Borrowed("-"))),
        SortColumn::Stage => {
            let (status, label) = stage_text(row, compact);
            Cell::from(Line::from(vec![
                Span::styled(status, theme.status(row.status)),
                Span::raw(label),
            ]))
        }
        SortColumn::Ami => Cell::from(short_ami(row.ami.as_deref().unwrap_or("-"), width)),
        SortColumn::Owner => Cell::from(&*row.owner),
        SortColumn::Updated => Cell::from(format!(
            "{:>w$}",
            format_age(now - row.updated),
            w = usize::from(AGE)
        )),
        SortColumn::Vulns => Cell::from(row.vulns.map_or_else(|| "-".into(), |v| v.summary())),
        SortColumn::Problems => Cell::from(""),
    }
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
            "ami-…9abcdef0"
        );
        assert_eq!(
            short_ami("ami-0123456789abcdef0", 21),
            "ami-0123456789abcdef0"
        );
        assert_eq!(short_ami("-", AMI_SHORT), "-");
    }
}
