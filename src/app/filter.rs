//! The `/` filter: fuzzy text terms plus `field:value` terms such as
//! `status:failed event:smoke stack:main product:web owner:alice`.

use super::rows::Row;
use crate::lifecycle::{EventKind, EventStatus};

/// The fields a `field:value` term can name.
pub const FIELDS: [&str; 8] = [
    "status", "event", "stack", "product", "owner", "ami", "semver", "id",
];

/// One parsed term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Each character in order, anywhere in the row's text (case-insensitive).
    Fuzzy(String),
    Status(Vec<EventStatus>),
    Event(Vec<EventKind>),
    Stack(String),
    Product(String),
    Owner(String),
    Ami(String),
    Semver(String),
    Id(String),
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
            let term = match field.to_lowercase().as_str() {
                "status" => Term::Status(statuses(&value)?),
                "event" => Term::Event(events(&value)?),
                "stack" => Term::Stack(value),
                "product" => Term::Product(value),
                "owner" => Term::Owner(value),
                "ami" => Term::Ami(value),
                "semver" => Term::Semver(value),
                "id" => Term::Id(value),
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
}

impl Term {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Term::Fuzzy(text) => fuzzy(&row.haystack, text),
            Term::Status(list) => list.contains(&row.status),
            Term::Event(list) => list.contains(&row.stage.event),
            Term::Stack(v) => row.stack_tag.to_lowercase().contains(v),
            Term::Product(v) => row.product.to_lowercase().contains(v),
            Term::Owner(v) => row.owner.to_lowercase().contains(v),
            Term::Ami(v) => row.ami.as_deref().is_some_and(|a| a.contains(v)),
            Term::Semver(v) => row.semver.as_deref().is_some_and(|s| s.starts_with(v)),
            Term::Id(v) => row.id.to_lowercase().starts_with(v),
        }
    }
}

/// Whether every character of `needle` appears in `haystack` in order.
pub fn fuzzy(haystack: &str, needle: &str) -> bool {
    let mut chars = haystack.chars();
    needle.chars().all(|n| chars.any(|h| h == n))
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
