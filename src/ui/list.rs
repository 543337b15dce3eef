//! The lifecycle list. Only the visible window of the filtered, sorted view is
//! turned into table rows each frame, so 100000 lifecycles draw as fast as 100.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TableRow, Table, TableState, Wrap};

use super::theme::Theme;
use crate::app::rows::{Row, SortColumn};
use crate::app::state::{Load, State};
use crate::lifecycle::Stage;

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
        // 80 columns: the stack tag goes (filter with stack:), the stage stays whole.
        cols.remove(1);
        cols[0].1 = 17;
        cols[1].1 = 7;
        cols[2].1 = 32;
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
            state.lifecycles.len(),
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
        Load::Idle | Load::Loading { .. } if state.lifecycles.is_empty() => {
            "Loading lifecycles…".to_string()
        }
        Load::Failed { message, .. } if state.lifecycles.is_empty() => format!(
            "Cannot load lifecycles: {message}. Retrying automatically; press r to retry now."
        ),
        _ if state.lifecycles.is_empty() => format!(
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
    let cells = cols.iter().map(|(c, _)| match c {
        SortColumn::Product => Cell::from(row.product.as_str()),
        SortColumn::Stack => Cell::from(row.stack_tag.as_str()),
        SortColumn::Semver => Cell::from(row.semver.as_deref().unwrap_or("-")),
        SortColumn::Stage => {
            let cycle = match row.stage.stage {
                Stage::Creation => String::new(),
                Stage::Patch(n) => format!(" p{n}"),
            };
            Cell::from(Line::from(vec![
                Span::styled(
                    format!("{} {:<12}", row.status.glyph(), row.status.word()),
                    theme.status(row.status),
                ),
                Span::raw(format!("{}{cycle}", row.stage.event.label())),
            ]))
        }
        SortColumn::Ami => Cell::from(row.ami.as_deref().unwrap_or("-")),
        SortColumn::Owner => Cell::from(row.owner.as_str()),
        SortColumn::Updated => Cell::from(row.updated.format("%m-%d %H:%M").to_string()),
        SortColumn::Vulns => Cell::from(row.vulns.map_or_else(|| "-".into(), |v| v.summary())),
    });
    TableRow::new(cells)
}
