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
use crate::lifecycle::Stage;

/// The AMI column's width when ids are shortened (narrow terminals).
const AMI_SHORT: u16 = 13;
/// The widest STAGE value: glyph, status word, the longest event label and a
/// patch cycle number.
const STAGE_MAX: u16 = 38;

/// The STAGE text of a row, as the column shows it.
fn stage_text(row: &Row) -> (String, String) {
    let cycle = match row.stage.stage {
        Stage::Creation => String::new(),
        Stage::Patch(n) => format!(" p{n}"),
    };
    (
        if row.lost {
            format!("✗ {:<12}", "lost")
        } else {
            format!("{} {:<12}", row.status.glyph(), row.status.word())
        },
        format!("{}{cycle}", row.stage.event.label()),
    )
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

/// The columns shown at a given width, widest layout first.
fn columns(width: u16) -> Vec<(SortColumn, u16)> {
    let mut cols = vec![
        (SortColumn::Product, 20),
        (SortColumn::Stack, 12),
        (SortColumn::Semver, 8),
        (SortColumn::Stage, 30),
        (SortColumn::Ami, 21),
    ];
    if width < 100 {
        // 80 columns: the stack tag stays (it tells prod from dev), narrower;
        // the AMI id is shortened to its tail (`ami-…9abcdef0`).
        cols[0].1 = 15;
        cols[1].1 = 8;
        cols[2].1 = 7;
        cols[4].1 = AMI_SHORT;
        let others: u16 = cols.iter().map(|(_, w)| w + 1).sum::<u16>() - cols[3].1 - 1;
        cols[3].1 = width.saturating_sub(others).clamp(20, STAGE_MAX);
    }
    if width >= 130 {
        cols.push((SortColumn::Owner, 11));
        cols.push((SortColumn::Updated, 11));
    }
    if width >= 155 {
        cols.push((SortColumn::Vulns, 15));
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
    let cols = columns(area.width);
    let header = TableRow::new(cols.iter().map(|(c, _)| {
        let mark = if *c == state.sort.column { arrow } else { "" };
        Cell::from(format!("{}{mark}", c.title()))
    }))
    .style(theme.column_header);
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let start = state.offset.min(state.view.len().saturating_sub(1));
    let end = (start + height).min(state.view.len());
    // The STAGE column is as wide as its longest visible value (within the
    // room the layout gives it), so a long one is never cut when it fits.
    let mut cols = cols;
    let longest = state.view[start..end]
        .iter()
        .map(|i| {
            let (status, label) = stage_text(&state.rows[*i]);
            u16::try_from(status.chars().count() + label.chars().count()).unwrap_or(STAGE_MAX)
        })
        .max()
        .unwrap_or(0);
    if let Some(stage) = cols.iter_mut().find(|(c, _)| *c == SortColumn::Stage)
        && area.width >= 100
    {
        stage.1 = stage.1.max(longest.min(STAGE_MAX));
    }
    let rows = state.view[start..end]
        .iter()
        .map(|i| row(&state.rows[*i], &cols, theme));
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

fn row<'a>(row: &'a Row, cols: &[(SortColumn, u16)], theme: &Theme) -> TableRow<'a> {
    let cells = cols.iter().map(|(c, width)| match c {
        SortColumn::Product => Cell::from(&*row.product),
        SortColumn::Stack => Cell::from(&*row.stack_tag),
        SortColumn::Semver => Cell::from(row.semver.text().unwrap_or(Cow::Borrowed("-"))),
        SortColumn::Stage => {
            let (status, label) = stage_text(row);
            Cell::from(Line::from(vec![
                Span::styled(status, theme.status(row.status)),
                Span::raw(label),
            ]))
        }
        SortColumn::Ami => Cell::from(short_ami(row.ami.as_deref().unwrap_or("-"), *width)),
        SortColumn::Owner => Cell::from(&*row.owner),
        SortColumn::Updated => Cell::from(row.updated.format("%m-%d %H:%M").to_string()),
        SortColumn::Vulns => Cell::from(row.vulns.map_or_else(|| "-".into(), |v| v.summary())),
    });
    TableRow::new(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_stack_tag_and_shorten_the_ami() {
        let cols = columns(80);
        assert!(cols.iter().any(|(c, _)| *c == SortColumn::Stack));
        let total: u16 = cols.iter().map(|(_, w)| w + 1).sum();
        assert!(total <= 81, "{cols:?} is wider than 80 columns");
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
