//! The `/` filter: fuzzy text terms plus `field:value` terms such as
//! `status:failed event:smoke stack:main product:web owner:alice`, and scan
//! counts compared by severity: `critical:>0 high:>=3`. A `,` inside a
//! term's value means "or": `status:failed,error`, `stack:prod,staging`.

use super::rows::Row;
use crate::lifecycle::{EventKind, EventStatus, VulnerabilityCounts};

/// The fields a `field:value` term can name.
/// `stage` is `event` under the list's column name (STAGE).
pub const FIELDS: [&str; 13] = [
    "status", "event", "stage", "stack", "product", "owner", "ami", "semver", "id", "critical",
    "high", "medium", "low",
];

/// A scan severity a term can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

/// How a count compares with a term's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    AtLeast,
    Less,
    AtMost,
    Equal,
}

/// One parsed term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Each character in order, anywhere in the row's text (case-insensitive).
    Fuzzy(String),
    Status(Vec<EventStatus>),
    Event(Vec<EventKind>),
    /// Each text term holds its `,`-separated alternatives; any may match.
    Stack(Vec<String>),
    Product(Vec<String>),
    Owner(Vec<String>),
    Ami(Vec<String>),
    Semver(Vec<String>),
    Id(Vec<String>),
    /// The latest scan's count of one severity compared with a number;
    /// a lifecycle never scanned matches no such term.
    Scan {
        severity: Severity,
        comparison: Comparison,
        value: u32,
    },
}

/// A parsed filter: every term must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub terms: Vec<Term>,
}

impl Filter {
    /// Parses a filter expression; an error is one sentence for the filter bar.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            let Some((field, value)) = word.split_once(':') else {
                terms.push(Term::Fuzzy(word.to_lowercase()));
                continue;
            };
            let value = value.to_lowercase();
            if value.is_empty() {
                return Err(format!("`{field}:` needs a value"));
            }
            let alternatives = || -> Result<Vec<String>, String> {
                let list: Vec<String> = value.split(',').map(str::to_string).collect();
                if list.iter().any(String::is_empty) {
                    return Err(format!(
                        "`{field}:{value}` has an empty alternative: write `{field}:a,b`"
                    ));
                }
                Ok(list)
            };
            let term = match field.to_lowercase().as_str() {
                "status" => Term::Status(union(&alternatives()?, statuses)?),
                "event" | "stage" => Term::Event(union(&alternatives()?, events)?),
                "stack" => Term::Stack(alternatives()?),
                "product" => Term::Product(alternatives()?),
                "owner" => Term::Owner(alternatives()?),
                "ami" => Term::Ami(alternatives()?),
                "semver" => Term::Semver(alternatives()?),
                "id" => Term::Id(alternatives()?),
                "critical" => scan(Severity::Critical, field, &value)?,
                "high" => scan(Severity::High, field, &value)?,
                "medium" => scan(Severity::Medium, field, &value)?,
                "low" => scan(Severity::Low, field, &value)?,
                other => {
                    return Err(format!(
                        "unknown field `{other}`: use {}",
                        FIELDS.join(", ")
                    ));
                }
            };
            terms.push(term);
        }
        Ok(Filter {
            text: text.to_string(),
            terms,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, row: &Row) -> bool {
        self.terms.iter().all(|term| term.matches(row))
    }

    /// Whether a whole lifecycle passes (the CLI's filter, item by item).
    pub fn matches_lifecycle(&self, lc: &crate::lifecycle::Lifecycle) -> bool {
        self.is_empty() || self.matches(&Row::of(lc))
    }
}

impl Term {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Term::Fuzzy(text) => row.fuzzy(text),
            Term::Status(list) => list.contains(&row.status),
            Term::Event(list) => list.contains(&row.stage.event),
            Term::Stack(vs) => any(vs, |v| row.stack_tag.to_lowercase().contains(v)),
            Term::Product(vs) => any(vs, |v| row.product.to_lowercase().contains(v)),
            Term::Owner(vs) => any(vs, |v| row.owner.to_lowercase().contains(v)),
            Term::Ami(vs) => any(vs, |v| row.ami.as_deref().is_some_and(|a| a.contains(v))),
            Term::Semver(vs) => {
                let semver = row.semver.text();
                any(vs, |v| semver.as_deref().is_some_and(|s| s.starts_with(v)))
            }
            Term::Id(vs) => any(vs, |v| row.id.to_lowercase().starts_with(v)),
            Term::Scan {
                severity,
                comparison,
                value,
            } => row
                .vulns
                .is_some_and(|v| comparison.holds(severity.count(&v), *value)),
        }
    }
}

/// Whether any alternative holds.
fn any(alternatives: &[String], holds: impl Fn(&str) -> bool) -> bool {
    alternatives.iter().any(|v| holds(v))
}

/// What each alternative names, together (in declaration order, once each);
/// an alternative that names nothing is the whole term's error.
fn union<T: PartialEq>(
    alternatives: &[String],
    names: fn(&str) -> Result<Vec<T>, String>,
) -> Result<Vec<T>, String> {
    let mut found = Vec::new();
    for alternative in alternatives {
        for item in names(alternative)? {
            if !found.contains(&item) {
                found.push(item);
            }
        }
    }
    Ok(found)
}

impl Severity {
    fn count(self, counts: &VulnerabilityCounts) -> u32 {
        match self {
            Severity::Critical => counts.critical,
            Severity::High => counts.high,
            Severity::Medium => counts.medium,
            Severity::Low => counts.low,
        }
    }
}

impl Comparison {
    fn holds(self, count: u32, value: u32) -> bool {
        match self {
            Comparison::Greater => count > value,
            Comparison::AtLeast => count >= value,
            Comparison::Less => count < value,
            Comparison::AtMost => count <= value,
            Comparison::Equal => count == value,
        }
    }
}

/// A severity term such as `critical:>0`, `high:>=3` or `low:5`.
fn scan(severity: Severity, field: &str, value: &str) -> Result<Term, String> {
    let (comparison, number) = [
        (">=", Comparison::AtLeast),
        ("<=", Comparison::AtMost),
        (">", Comparison::Greater),
        ("<", Comparison::Less),
        ("=", Comparison::Equal),
        ("", Comparison::Equal),
    ]
    .into_iter()
    .find_map(|(sign, comparison)| value.strip_prefix(sign).map(|rest| (comparison, rest)))
    .unwrap_or((Comparison::Equal, value));
    let value = number.parse::<u32>().map_err(|_| {
        format!(
            "`{field}:{value}` is not a comparison: use {field}:>0, {field}:>=3, {field}:<2 or {field}:0"
        )
    })?;
    Ok(Term::Scan {
        severity,
        comparison,
        value,
    })
}

/// Whether every character of `needle` appears in `haystack` in order.
pub fn fuzzy(haystack: &str, needle: &str) -> bool {
    fuzzy_chars(haystack.chars(), needle)
}

/// [`fuzzy`] over text given as characters (a row's fields, lower-cased,
/// without joining them into one string).
pub fn fuzzy_chars(mut haystack: impl Iterator<Item = char>, needle: &str) -> bool {
    needle.chars().all(|n| haystack.any(|h| h == n))
}

fn statuses(value: &str) -> Result<Vec<EventStatus>, String> {
    let found: Vec<EventStatus> = EventStatus::ALL
        .into_iter()
        .filter(|s| {
            s.name().to_lowercase().starts_with(value)
                || s.word().starts_with(value)
                || s.word().replace(' ', "_").starts_with(value)
        })
        .collect();
    if found.is_empty() {
        return Err(format!(
            "unknown status `{value}`: use failed, error, running, completed or not_started"
        ));
    }
    Ok(found)
}

fn events(value: &str) -> Result<Vec<EventKind>, String> {
    let found: Vec<EventKind> = EventKind::ALL
        .into_iter()
        .filter(|e| {
            e.name().to_lowercase().contains(value) || e.label().to_lowercase().contains(value)
        })
        .collect();
    if found.is_empty() {
        return Err(format!("no event matches `{value}`"));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{EventKind, EventStatus, Lifecycle};

    #[test]
    fn stage_is_event_under_the_columns_name() {
        let by_stage = Filter::parse("stage:production,smoke").expect("stage");
        let by_event = Filter::parse("event:production,smoke").expect("event");
        assert_eq!(by_stage.terms, by_event.terms);
        assert!(matches!(
            &by_stage.terms[0],
            Term::Event(list) if list.contains(&EventKind::MarkForProduction) && list.contains(&EventKind::SmokeTests)
        ));
        let err = Filter::parse("phase:x").expect_err("unknown field");
        assert!(err.contains("event, stage, stack"), "{err}");
    }

    fn row(counts: Option<(u32, u32)>) -> Row {
        let mut lc = Lifecycle::new("id", "main", "web", "1", "o", chrono::Utc::now());
        if let Some((critical, high)) = counts {
            let scans = &mut lc.creation[2];
            assert_eq!(scans.event, EventKind::VulnerabilityScans);
            scans.status = EventStatus::Completed;
            scans.outputs.vulnerabilities = Some(VulnerabilityCounts {
                critical,
                high,
                medium: 4,
                low: 9,
                informational: 0,
            });
        }
        Row::of(&lc)
    }

    fn matches(text: &str, counts: Option<(u32, u32)>) -> bool {
        Filter::parse(text).expect(text).matches(&row(counts))
    }

    #[test]
    fn severity_terms_compare_the_latest_scan_counts() {
        assert!(matches("critical:>0", Some((1, 0))));
        assert!(!matches("critical:>0", Some((0, 5))));
        assert!(matches("high:>=3", Some((0, 3))));
        assert!(!matches("high:>=3", Some((0, 2))));
        assert!(matches("high:<3 critical:0", Some((0, 2))));
        assert!(matches("HIGH:<=2", Some((0, 2))));
        assert!(matches("medium:=4 low:9", Some((0, 0))));
        assert!(
            !matches("critical:>0 high:>=3", Some((1, 2))),
            "every term must hold"
        );
        // Never scanned: no count to compare, not even with 0.
        assert!(!matches("critical:0", None));
        assert!(!matches("critical:<1", None));
    }

    #[test]
    fn a_comma_is_or_within_a_term() {
        let f = Filter::parse("status:failed,error").expect("parse");
        assert_eq!(
            f.terms,
            vec![Term::Status(vec![EventStatus::Failed, EventStatus::Error])]
        );
        let mut lc = Lifecycle::new("id", "prod", "web", "1", "o", chrono::Utc::now());
        lc.creation[0].status = EventStatus::Error;
        let error = Row::of(&lc);
        lc.creation[0].status = EventStatus::Failed;
        let failed = Row::of(&lc);
        lc.creation[0].status = EventStatus::InProgress;
        let running = Row::of(&lc);
        assert!(f.matches(&error) && f.matches(&failed) && !f.matches(&running));
        let stacks = Filter::parse("stack:dev,prod").expect("parse");
        assert!(stacks.matches(&running));
        assert!(
            !Filter::parse("stack:dev,qa")
                .expect("parse")
                .matches(&running)
        );
        assert_eq!(
            Filter::parse("status:failed,bogus").expect_err("bogus"),
            "unknown status `bogus`: use failed, error, running, completed or not_started"
        );
        assert!(
            Filter::parse("status:failed,")
                .expect_err("empty")
                .contains("empty alternative")
        );
    }

    #[test]
    fn a_severity_term_without_a_comparison_is_one_sentence() {
        assert_eq!(
            Filter::parse("critical:>x"),
            Err(
                "`critical:>x` is not a comparison: use critical:>0, critical:>=3, critical:<2 or critical:0"
                    .to_string()
            )
        );
        for bad in ["high:>=", "high:=>3", "high:-1", "low:>3.5", "low:many"] {
            let err = Filter::parse(bad).expect_err(bad);
            assert!(err.contains("is not a comparison"), "{bad}: {err}");
            assert!(!err.contains('\n'), "{bad}: one line");
        }
        assert_eq!(
            Filter::parse("high:").expect_err("empty"),
            "`high:` needs a value"
        );
    }
}
