//! The approval inbox: one row per lifecycle waiting for a person, the
//! longest waiting first, with who asked, how long ago, the smoke-test
//! result and the scan counts. `c`/`x`/`p` act on the selected row.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::fit::{self, Fitted, Step, cells};
use super::theme::Theme;
use crate::app::inbox::{Waiting, clamp, items};
use crate::app::state::{Load, State};
use crate::lifecycle::actor::short as short_actor;

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

impl Col {
    const ALL: [Col; 11] = [
        Col::Id,
        Col::Stack,
        Col::Product,
        Col::Semver,
        Col::Stage,
        Col::For,
        Col::By,
        Col::Waited,
        Col::Smoke,
        Col::Scans,
        Col::Ami,
    ];

    fn title(self) -> &'static str {
        match self {
            Col::Id => "ID",
            Col::Stack => "STACK",
            Col::Product => "PRODUCT",
            Col::Semver => "SEMVER",
            Col::Stage => "STAGE",
            Col::For => "WAITING FOR",
            Col::By => "REQUESTED BY",
            Col::Waited => "WAITED",
            Col::Smoke => "SMOKE",
            Col::Scans => "SCANS",
            Col::Ami => "AMI",
        }
    }
}

/// What the inbox gives up, in order, when the terminal is too narrow for
/// every column whole (docs/dashboard.md). ID, PRODUCT, WAITING FOR and
/// WAITED never go.
const INBOX_STEPS: [Step<Col>; 8] = [
    Step::Drop(Col::Ami),
    Step::Shorten(Col::Smoke),
    Step::Drop(Col::Stage),
    Step::Drop(Col::Semver),
    Step::Drop(Col::By),
    Step::Drop(Col::Scans),
    Step::Drop(Col::Stack),
    Step::Drop(Col::Smoke),
];

/// The columns of `items` at `width`: each as wide as its widest value or
/// title, then [`INBOX_STEPS`] until they fit.
fn columns(items: &[Waiting], width: u16) -> Vec<Fitted<Col>> {
    let measured: Vec<fit::Col<Col>> = Col::ALL
        .iter()
        .map(|&col| {
            let widest = |short| {
                items
                    .iter()
                    .map(|item| cells(&text(item, col, short)))
                    .max()
                    .unwrap_or(0)
                    .max(cells(col.title()))
            };
            let measured = fit::Col::new(col, widest(false));
            if col == Col::Smoke {
                measured.with_short(widest(true))
            } else {
                measured
            }
        })
        .collect();
    fit::fit(&measured, &INBOX_STEPS, None, width, 1)
}

/// A cell's text; `short` is the smoke result without its detail.
fn text(item: &Waiting, col: Col, short: bool) -> String {
    match col {
        Col::Id => item.lifecycle_id.chars().take(8).collect(),
        Col::Stack => item.stack_tag.clone(),
        Col::Product => format!("{} {}", item.product_name, item.product_version),
        Col::Semver => item.semver.clone().unwrap_or_else(|| "-".into()),
        Col::Stage => item.stage.clone(),
        Col::For => item.waiting_for.label().to_string(),
        Col::By => item
            .requested_by
            .as_deref()
            .map_or_else(|| "-".into(), short_actor),
        Col::Waited => item.waiting.clone(),
        Col::Smoke if short => {
            let text = item.smoke_text();
            text.split(" (").next().unwrap_or_default().to_string()
        }
        Col::Smoke => item.smoke_text(),
        Col::Scans => item.scan_text(),
        Col::Ami => item
            .amis
            .first()
            .map_or_else(|| "-".to_string(), |a| a.ami_id.clone()),
    }
}

fn cell<'a>(item: &Waiting, col: Fitted<Col>, theme: &Theme) -> Cell<'a> {
    let text = text(item, col.key, col.short);
    if col.key == Col::Smoke {
        return Cell::from(Span::styled(text, theme.status(item.smoke_tests)));
    }
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
    let cols = columns(&items, area.width);
    let header =
        Row::new(cols.iter().map(|c| Cell::from(c.key.title()))).style(theme.column_header);
    let rows = items
        .iter()
        .map(|item| Row::new(cols.iter().map(|col| cell(item, *col, theme))));
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.width)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.row_selected)
        .column_spacing(1);
    let mut table_state = TableState::default().with_selected(Some(clamp(selected, items.len())));
    frame.render_stateful_widget(table, area, &mut table_state);
}
