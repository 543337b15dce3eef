//! The approval inbox: one row per lifecycle waiting for a person, the
//! longest waiting first, with who asked, how long ago, the smoke-test
//! result and the scan counts. `c`/`x`/`p` act on the selected row.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::theme::Theme;
use crate::app::inbox::{Waiting, clamp, items};
use crate::app::state::{Load, State};
use crate::lifecycle::actor::short;

/// The inbox's columns, by how much room there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Stack,
    Product,
    Semver,
    Stage,
    For,
    By,
    Waited,
    Smoke,
    Scans,
    Ami,
}

fn columns(width: u16) -> Vec<(Col, &'static str, u16)> {
    if width < 120 {
        // 80 columns: the stack tag stays (it tells prod from dev).
        return vec![
            (Col::Id, "ID", 8),
            (Col::Stack, "STACK", 8),
            (Col::Product, "PRODUCT", 9),
            (Col::For, "WAITING FOR", 11),
            (Col::By, "REQUESTED BY", 12),
            (Col::Waited, "WAITED", 6),
            (Col::Smoke, "SMOKE", 8),
            (Col::Scans, "SCANS", 11),
        ];
    }
    let mut cols = vec![
        (Col::Id, "ID", 8),
        (Col::Stack, "STACK", 10),
        (Col::Product, "PRODUCT", 16),
        (Col::Semver, "SEMVER", 8),
        (Col::Stage, "STAGE", 8),
        (Col::For, "WAITING FOR", 11),
        (Col::By, "REQUESTED BY", 16),
        (Col::Waited, "WAITED", 7),
        (Col::Smoke, "SMOKE", 16),
        (Col::Scans, "SCANS", 11),
    ];
    if width >= 150 {
        cols.push((Col::Ami, "AMI", 21));
    }
    cols
}

fn cell<'a>(item: &Waiting, col: Col, narrow: bool, theme: &Theme) -> Cell<'a> {
    let text = match col {
        Col::Id => item.lifecycle_id.chars().take(8).collect(),
        Col::Stack => item.stack_tag.clone(),
        Col::Product => format!("{} {}", item.product_name, item.product_version),
        Col::Semver => item.semver.clone().unwrap_or_else(|| "-".into()),
        Col::Stage => item.stage.clone(),
        Col::For => item.waiting_for.label().to_string(),
        Col::By => item
            .requested_by
            .as_deref()
            .map_or_else(|| "-".into(), short),
        Col::Waited => item.waiting.clone(),
        Col::Smoke if narrow => {
            let text = item.smoke_text();
            text.split(" (").next().unwrap_or_default().to_string()
        }
        Col::Smoke => {
            return Cell::from(Span::styled(
                item.smoke_text(),
                theme.status(item.smoke_tests),
            ));
        }
        Col::Scans => item.scan_text(),
        Col::Ami => item
            .amis
            .first()
            .map_or_else(|| "-".to_string(), |a| a.ami_id.clone()),
    };
    Cell::from(text)
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, selected: usize) {
    let items = items(state);
    let title = Line::from(vec![
        Span::styled(" Approval inbox ", theme.title),
        Span::raw(format!(
            " {} waiting for a person, longest first ",
            items.len()
        )),
    ]);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    if items.is_empty() {
        let text = match state.load {
            Load::Idle | Load::Loading { .. } if state.rows.is_empty() => "Loading lifecycles…",
            _ => {
                "Nothing is waiting for a person: no QA decision is pending and no promotion is allowed."
            }
        };
        let paragraph = Paragraph::new(vec![Line::from(""), Line::from(format!("  {text}"))])
            .block(block)
            .style(theme.dim)
            .wrap(Wrap { trim: true });
        frame.render_widget(paragraph, area);
        return;
    }
    let cols = columns(area.width);
    let narrow = area.width < 120;
    let header =
        Row::new(cols.iter().map(|(_, title, _)| Cell::from(*title))).style(theme.column_header);
    let rows = items.iter().map(|item| {
        Row::new(
            cols.iter()
                .map(|(col, _, _)| cell(item, *col, narrow, theme)),
        )
    });
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|(_, _, w)| Constraint::Length(*w))
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.row_selected)
        .column_spacing(1);
    let mut table_state = TableState::default().with_selected(Some(clamp(selected, items.len())));
    frame.render_stateful_widget(table, area, &mut table_state);
}
