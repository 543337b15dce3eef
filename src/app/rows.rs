//! The list's view model: one precomputed [`Row`] per lifecycle (so sorting and
//! filtering never walk event records), the sort columns, and the filtered,
//! sorted index the list screen draws a window of.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use semver::Version;

use super::filter::Filter;
use crate::lifecycle::{EventRef, EventStatus, Lifecycle, VulnerabilityCounts, parse_version};

/// What the list shows for one lifecycle.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub product: String,
    pub stack_tag: String,
    pub semver: Option<String>,
    pub version: Option<Version>,
    pub stage: EventRef,
    pub status: EventStatus,
    pub ami: Option<String>,
    pub owner: String,
    pub updated: DateTime<Utc>,
    pub vulns: Option<VulnerabilityCounts>,
    /// Lower-case text fuzzy terms match against.
    pub haystack: String,
}

impl Row {
    pub fn of(lc: &Lifecycle) -> Row {
        let (stage, record) = lc.current();
        let semver = lc
            .newest_semver()
            .or(lc.ami_semver.as_deref())
            .map(ToString::to_string);
        let ami = lc.newest_ami().map(|(_, a)| a.ami_id.clone());
        let product = format!("{} {}", lc.product_name, lc.product_version);
        let haystack = format!(
            "{} {} {} {} {} {} {}",
            product,
            lc.stack_tag,
            lc.owner,
            lc.lifecycle_id,
            ami.as_deref().unwrap_or(""),
            semver.as_deref().unwrap_or(""),
            stage.event.name(),
        )
        .to_lowercase();
        Row {
            id: lc.lifecycle_id.clone(),
            version: semver.as_deref().and_then(parse_version),
            semver,
            product,
            stack_tag: lc.stack_tag.clone(),
            stage,
            status: record.status,
            ami,
            owner: lc.owner.clone(),
            updated: lc.updated_at,
            vulns: lc.latest_vulnerabilities(),
            haystack,
        }
    }
}

/// The columns the list can be sorted by, in the order `s` cycles them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Product,
    Stack,
    Semver,
    Stage,
    Ami,
    Owner,
    Updated,
    Vulns,
}

impl SortColumn {
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Product,
        SortColumn::Stack,
        SortColumn::Semver,
        SortColumn::Stage,
        SortColumn::Ami,
        SortColumn::Owner,
        SortColumn::Updated,
        SortColumn::Vulns,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SortColumn::Product => "PRODUCT",
            SortColumn::Stack => "STACK",
            SortColumn::Semver => "SEMVER",
            SortColumn::Stage => "STAGE",
            SortColumn::Ami => "AMI",
            SortColumn::Owner => "OWNER",
            SortColumn::Updated => "UPDATED",
            SortColumn::Vulns => "VULNS",
        }
    }

    #[must_use]
    pub fn next(self) -> SortColumn {
        let i = SortColumn::ALL.iter().position(|c| *c == self).unwrap_or(0);
        SortColumn::ALL[(i + 1) % SortColumn::ALL.len()]
    }

    pub(super) fn compare(self, a: &Row, b: &Row) -> Ordering {
        match self {
            SortColumn::Product => a.product.cmp(&b.product),
            SortColumn::Stack => a.stack_tag.cmp(&b.stack_tag),
            SortColumn::Semver => a.version.cmp(&b.version),
            SortColumn::Stage => stage_key(a).cmp(&stage_key(b)),
            SortColumn::Ami => a.ami.cmp(&b.ami),
            SortColumn::Owner => a.owner.cmp(&b.owner),
            SortColumn::Updated => a.updated.cmp(&b.updated),
            SortColumn::Vulns => vuln_key(a).cmp(&vuln_key(b)),
        }
    }
}

fn stage_key(row: &Row) -> (u32, usize, EventStatus) {
    let cycle = match row.stage.stage {
        crate::lifecycle::Stage::Creation => 0,
        crate::lifecycle::Stage::Patch(n) => n,
    };
    (
        cycle,
        Lifecycle::position(row.stage).unwrap_or(0),
        row.status,
    )
}

fn vuln_key(row: &Row) -> Option<(u32, u32, u32, u32)> {
    row.vulns.map(|v| (v.critical, v.high, v.medium, v.low))
}

/// The sort in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            column: SortColumn::Updated,
            descending: true,
        }
    }
}

/// The indices of the rows that pass `filter`, in `sort` order. Ties keep the
/// lifecycle id order so the list never jitters between refreshes.
pub fn build_view(rows: &[Row], filter: &Filter, sort: Sort) -> Vec<usize> {
    let mut view: Vec<usize> = (0..rows.len())
        .filter(|i| filter.matches(&rows[*i]))
        .collect();
    view.sort_unstable_by(|a, b| {
        let (ra, rb) = (&rows[*a], &rows[*b]);
        let primary = sort.column.compare(ra, rb);
        let primary = if sort.descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then_with(|| ra.id.cmp(&rb.id))
    });
    view
}
