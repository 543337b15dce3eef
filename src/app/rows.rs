//! The list's view model: one precomputed [`Row`] per lifecycle (so sorting and
//! filtering never walk event records), the sort columns, and the filtered,
//! sorted index the list screen draws a window of.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use semver::Version;

use super::filter::Filter;
use crate::lifecycle::{EventRef, EventStatus, Lifecycle, VulnerabilityCounts, parse_version};

/// What the list shows and filters on for one lifecycle, and nothing more:
/// 100 000 of these are held, so the strings a table repeats (stack tag,
/// product, owner) are shared through [`Names`], a plain x.y.z version is
/// three numbers, and the full record is read when a screen needs it
/// (`app::records`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: Arc<str>,
    /// `name version`.
    pub product: Arc<str>,
    pub stack_tag: Arc<str>,
    pub owner: Arc<str>,
    pub semver: Semver,
    pub stage: EventRef,
    pub status: EventStatus,
    /// The current run is lost (its execution does not exist): shown
    /// `✗ lost`, not as its status.
    pub lost: bool,
    /// The newest AMI id.
    pub ami: Option<Box<str>>,
    pub updated: DateTime<Utc>,
    pub vulns: Option<VulnerabilityCounts>,
    /// Why the current event failed (its record's reason or error), held
    /// only for a failed or broken row: on-call's REASON column.
    pub reason: Option<Box<str>>,
    /// Where the row goes in the problems-first sort.
    pub triage: Triage,
    /// The record's optimistic-concurrency version, so a read older than
    /// what is held is never applied.
    pub item_version: u64,
}

/// A lifecycle's version as the list holds it: three numbers when it is a
/// plain `x.y.z`, else its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Semver {
    None,
    Plain([u32; 3]),
    Other(Box<str>),
}

impl Semver {
    pub fn of(text: Option<&str>) -> Semver {
        let Some(text) = text else {
            return Semver::None;
        };
        let mut parts = text
            .split('.')
            .map(|p| p.parse::<u32>().ok().filter(|n| n.to_string() == p));
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) => Semver::Plain([a, b, c]),
            _ => Semver::Other(text.into()),
        }
    }

    /// The version as written, if any.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Semver::None => None,
            Semver::Plain([a, b, c]) => Some(Cow::Owned(format!("{a}.{b}.{c}"))),
            Semver::Other(text) => Some(Cow::Borrowed(text)),
        }
    }

    /// Version order (a text that is no version sorts as none).
    pub fn cmp_version(&self, other: &Semver) -> Ordering {
        match (self, other) {
            (Semver::Plain(a), Semver::Plain(b)) => a.cmp(b),
            _ => self.version().cmp(&other.version()),
        }
    }

    fn version(&self) -> Option<Version> {
        match self {
            Semver::None => None,
            Semver::Plain([a, b, c]) => Some(Version::new((*a).into(), (*b).into(), (*c).into())),
            Semver::Other(text) => parse_version(text),
        }
    }
}

/// The strings many rows repeat, each held once. A handle: its clones share
/// one set, so a page of a load is turned into rows off the UI thread
/// (`app::prepared`) with the same copies the UI thread's rows hold.
#[derive(Debug, Clone, Default)]
pub struct Names(Arc<Mutex<HashSet<Arc<str>>>>);

impl Names {
    fn set(&self) -> MutexGuard<'_, HashSet<Arc<str>>> {
        // A panic elsewhere while it was held leaves a set that is still
        // whole (an insert either happened or not).
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        let mut set = self.set();
        if let Some(held) = set.get(text) {
            return Arc::clone(held);
        }
        let held: Arc<str> = Arc::from(text);
        set.insert(Arc::clone(&held));
        held
    }

    /// Forgets the names no row uses any more.
    pub fn prune(&mut self) {
        self.set().retain(|name| Arc::strong_count(name) > 1);
    }

    /// Whether two handles share one set.
    pub fn same(&self, other: &Names) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How urgently a row wants a person, most urgent first: the order of the
/// problems-first sort (`!`) and the header's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Triage {
    /// The work itself broke (ERROR).
    Error,
    /// A negative outcome (FAILED): tests, a scan, a rejection.
    Failed,
    /// The event's execution ended without recording a result (read-only:
    /// shown ERROR from the execution, not written).
    Lost,
    /// A QA decision or a promotion is due (the approval inbox).
    Waiting,
    /// An event is running.
    Running,
    /// Nothing to do: completed, or not started yet.
    Done,
}

impl Triage {
    pub const ALL: [Triage; 6] = [
        Triage::Error,
        Triage::Failed,
        Triage::Lost,
        Triage::Waiting,
        Triage::Running,
        Triage::Done,
    ];

    /// The word the header counts it under.
    pub fn word(self) -> &'static str {
        match self {
            Triage::Error => "error",
            Triage::Failed => "failed",
            Triage::Lost => "lost",
            Triage::Waiting => "waiting",
            Triage::Running => "running",
            Triage::Done => "done",
        }
    }

    /// The filter that shows this group, where one term says it
    /// (`status:error`); waiting and lost have no filter term.
    pub fn filter(self) -> Option<&'static str> {
        match self {
            Triage::Error => Some("status:error"),
            Triage::Failed => Some("status:failed"),
            Triage::Running => Some("status:running"),
            Triage::Lost | Triage::Waiting | Triage::Done => None,
        }
    }

    fn of(lc: &Lifecycle, status: EventStatus, reason: Option<&str>, lost: bool) -> Triage {
        match status {
            EventStatus::Error
                if lost || reason.is_some_and(|r| r.ends_with("(not recorded: read-only)")) =>
            {
                Triage::Lost
            }
            EventStatus::Error => Triage::Error,
            EventStatus::Failed => Triage::Failed,
            EventStatus::InProgress => Triage::Running,
            _ if crate::ops::inbox::waits_for_person(lc) => Triage::Waiting,
            _ => Triage::Done,
        }
    }
}

/// The most a row keeps of a failure's reason (the record has it all).
const REASON_MAX: usize = 200;

impl Row {
    /// The row of one lifecycle, on its own (the CLI's filter).
    pub fn of(lc: &Lifecycle) -> Row {
        Row::named(lc, &mut Names::default())
    }

    /// The row of one lifecycle, its repeated strings shared through `names`.
    pub fn named(lc: &Lifecycle, names: &mut Names) -> Row {
        let (stage, record) = lc.current();
        let semver = lc.newest_semver().or(lc.ami_semver.as_deref());
        let ami = lc.newest_ami().map(|(_, a)| a.ami_id.as_str().into());
        let product = format!("{} {}", lc.product_name, lc.product_version);
        let reason = record.reason.as_deref();
        let triage = Triage::of(lc, record.status, reason, record.is_lost());
        let reason = matches!(record.status, EventStatus::Failed | EventStatus::Error).then(|| {
            // Said by the record, else by its scan counts, else said missing.
            let said = match (reason, record.outputs.vulnerabilities) {
                (Some(r), _) if !r.trim().is_empty() => Cow::Borrowed(r),
                (_, Some(v)) => Cow::Owned(format!("scan found {}", v.summary())),
                _ => Cow::Borrowed("no reason recorded"),
            };
            crate::lifecycle::notification::sanitize::one_line(&said, REASON_MAX).into_boxed_str()
        });
        Row {
            id: Arc::from(lc.lifecycle_id.as_str()),
            product: names.get(&product),
            stack_tag: names.get(&lc.stack_tag),
            owner: names.get(&lc.owner),
            semver: Semver::of(semver),
            stage,
            status: record.status,
            lost: record.is_lost(),
            ami,
            updated: lc.updated_at,
            vulns: lc.latest_vulnerabilities(),
            reason,
            triage,
            item_version: lc.item_version,
        }
    }

    /// Whether `needle`'s characters appear in order in the row's text:
    /// product, stack tag, owner, id, AMI, version and event, lower-cased.
    pub fn fuzzy(&self, needle: &str) -> bool {
        let semver = self.semver.text();
        let parts = [
            &*self.product,
            &*self.stack_tag,
            &*self.owner,
            &*self.id,
            self.ami.as_deref().unwrap_or(""),
            semver.as_deref().unwrap_or(""),
            self.stage.event.name(),
        ];
        let text = parts
            .iter()
            .flat_map(|p| p.chars().chain(std::iter::once(' ')))
            .flat_map(char::to_lowercase);
        super::filter::fuzzy_chars(text, needle)
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
    /// Problems first (`!`): error, failed, lost, waiting on a person,
    /// running, done; the newest change first within each. Not a column of
    /// its own, and not in the `s` cycle.
    Problems,
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
            SortColumn::Updated => "AGE",
            SortColumn::Vulns => "VULNS",
            SortColumn::Problems => "problems first",
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
            SortColumn::Semver => a.semver.cmp_version(&b.semver),
            SortColumn::Stage => stage_key(a).cmp(&stage_key(b)),
            SortColumn::Ami => a.ami.cmp(&b.ami),
            SortColumn::Owner => a.owner.cmp(&b.owner),
            SortColumn::Updated => a.updated.cmp(&b.updated),
            SortColumn::Vulns => vuln_key(a).cmp(&vuln_key(b)),
            SortColumn::Problems => a
                .triage
                .cmp(&b.triage)
                .then_with(|| b.updated.cmp(&a.updated)),
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
