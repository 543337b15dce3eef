//! The reference solution's stored data read as amiboard's: a lifecycle item
//! of its lifecycle-state table mapped to a [`Lifecycle`] (its exact event
//! names, statuses, `event_in_progress` and `MM/DD/YYYY, HH:MM:SS` dates),
//! and the MAJOR floor its semver seed and the lookup rows set. Pure: the
//! item comes in as plain JSON, as DynamoDB's types deserialize.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{EventKind, EventStatus, Lifecycle, Phase};

/// The reference solution's date format (UTC, no zone).
pub const DATE_FORMAT: &str = "%m/%d/%Y, %H:%M:%S";

/// The prefix of the properties that keep reference fields amiboard has no
/// place for (e.g. `reference.notifications`).
pub const PROPERTY_PREFIX: &str = "reference.";

/// Top-level fields read into the lifecycle, or left out on purpose:
/// `timeline` holds URLs with API keys, `api_key` is a key, and the
/// `inputs_ami_creation` flags drive the reference's auto-chaining only.
const KNOWN_FIELDS: [&str; 16] = [
    "lifecycle_id",
    "stack_tag",
    "owner",
    "product_name",
    "product_ver",
    "commit_ref",
    "properties",
    "notifications",
    "creation_date",
    "update_date",
    "timeline",
    "api_key",
    "inputs_ami_creation",
    "event_in_progress",
    "outputs_ami_creation",
    "outputs_ami_patch",
];

/// Properties never copied: a 7-day presigned download URL is a credential.
const SECRET_PROPERTIES: [&str; 2] = ["export_presign_s3_url", "api_key"];

/// Parses a reference date (`08/21/2022, 10:18:20`, UTC).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), DATE_FORMAT)
        .ok()
        .map(|d| d.and_utc())
}

/// The event a stored reference name stands for, exactly as the reference
/// solution writes it (`VULNERABILIY_SCANS_AMI_CREATE` included), with its phase.
pub fn reference_event(name: &str) -> Option<(EventKind, Phase)> {
    [Phase::Creation, Phase::Patch]
        .into_iter()
        .find_map(|phase| {
            phase
                .sequence()
                .iter()
                .find(|kind| kind.reference_name(phase) == name)
                .map(|kind| (*kind, phase))
        })
}

/// A stored reference status: `COMPLETED`, `FAILED`, `ERROR`,
/// `ERROR_EVENT_TIMEOUT` and the accepted but unused `IN_PROGRESS`.
pub fn reference_status(text: &str) -> Option<EventStatus> {
    Some(match text {
        "COMPLETED" => EventStatus::Completed,
        "FAILED" => EventStatus::Failed,
        "ERROR" | "ERROR_EVENT_TIMEOUT" => EventStatus::Error,
        "IN_PROGRESS" => EventStatus::InProgress,
        _ => return None,
    })
}

/// The lowest MAJOR a new build may receive: one above the highest MAJOR of
/// the lookup rows, and one above the reference seed's. The seed holds the
/// version the reference solution gives the next build it completes, so a
/// build still running there takes it: it counts as taken.
pub fn major_floor(
    highest_in_lookup: Option<u64>,
    reference_seed: Option<&semver::Version>,
) -> u64 {
    let above = |major: u64| major.saturating_add(1);
    [
        Some(1),
        highest_in_lookup.map(above),
        reference_seed.map(|v| above(v.major)),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(1)
}

/// Why one item was not imported: every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// The item's `lifecycle_id`, when it has a readable one.
    pub lifecycle_id: Option<String>,
    pub reasons: Vec<String>,
}

/// Maps one item of the reference solution's lifecycle table. Any problem
/// (missing field, unknown event name or status, bad date) refuses the whole
/// item, with every reason found: half a lifecycle would mislead the rules.
pub fn map_item(item: &Value) -> Result<Lifecycle, Unmapped> {
    let mut m = Mapper::default();
    let lc = m.lifecycle(item);
    if let Some(lc) = &lc {
        m.reasons.extend(importable(lc));
    }
    match lc {
        Some(lc) if m.reasons.is_empty() => Ok(lc),
        _ => Err(Unmapped {
            lifecycle_id: item
                .get("lifecycle_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            reasons: m.reasons,
        }),
    }
}

/// The highest MAJOR an imported version may have: 2^53 - 1, the largest
/// integer every JSON reader holds exactly. The version counter of a stack
/// tag is raised to the highest imported MAJOR and `create` adds one to it,
/// so this leaves amiboard's `u64` counter room for ever; a MAJOR near
/// `u64::MAX` would make every later `create` of that stack tag fail.
pub const MAX_IMPORTED_MAJOR: u64 = (1 << 53) - 1;

/// What `create` would refuse in a mapped lifecycle: control characters in
/// the fields it checks (and the id and versions), and a MAJOR above
/// [`MAX_IMPORTED_MAJOR`]. Every problem, each naming its field.
pub fn importable(lc: &Lifecycle) -> Vec<String> {
    use super::notification::sanitize::check_input;
    let mut reasons = Vec::new();
    let mut fields: Vec<(String, &str)> = vec![
        ("lifecycle_id".to_string(), lc.lifecycle_id.as_str()),
        ("stack_tag".to_string(), lc.stack_tag.as_str()),
        ("product_name".to_string(), lc.product_name.as_str()),
        ("product_ver".to_string(), lc.product_version.as_str()),
        ("owner".to_string(), lc.owner.as_str()),
        ("commit_ref".to_string(), lc.commit_ref.as_str()),
    ];
    if let Some(semver) = &lc.ami_semver {
        fields.push(("the build's ami_semver".to_string(), semver));
    }
    for cycle in &lc.patches {
        fields.push((
            format!("patch {}'s ami_semver", cycle.number),
            &cycle.semver,
        ));
    }
    for (name, text) in &fields {
        if let Err(e) = check_input(name, text) {
            reasons.push(e);
        }
    }
    for (name, text) in fields.iter().filter(|(n, _)| n.contains("ami_semver")) {
        if let Some(v) = super::parse_version(text)
            && v.major > MAX_IMPORTED_MAJOR
        {
            reasons.push(format!(
                "{name} {} has a MAJOR above {MAX_IMPORTED_MAJOR}, the largest amiboard's version counter takes from an import",
                v.major
            ));
        }
    }
    reasons
}

/// Text of a JSON value: strings as they are, anything else as compact JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Collects every problem while mapping one item.
#[derive(Default)]
struct Mapper {
    reasons: Vec<String>,
    /// Every date seen, for `updated_at`.
    latest: Option<DateTime<Utc>>,
}

impl Mapper {
    fn problem(&mut self, reason: String) {
        self.reasons.push(reason);
    }

    fn required(&mut self, obj: &Map<String, Value>, field: &str, where_: &str) -> String {
        match obj.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                self.problem(format!("{where_}{field} is not a string: {other}"));
                String::new()
            }
            None => {
                self.problem(format!("missing field {where_}{field}"));
                String::new()
            }
        }
    }

    fn date(
        &mut self,
        obj: &Map<String, Value>,
        field: &str,
        where_: &str,
    ) -> Option<DateTime<Utc>> {
        let text = self.required(obj, field, where_);
        if text.is_empty() && !obj.contains_key(field) {
            return None;
        }
        let Some(at) = parse_date(&text) else {
            self.problem(format!(
                "bad date {text:?} in {where_}{field} (expected MM/DD/YYYY, HH:MM:SS)"
            ));
            return None;
        };
        self.latest = self.latest.max(Some(at));
        Some(at)
    }

    fn lifecycle(&mut self, item: &Value) -> Option<Lifecycle> {
        let Some(obj) = item.as_object() else {
            self.problem("the item is not a map".to_string());
            return None;
        };
        let id = self.required(obj, "lifecycle_id", "");
        let created = self.date(obj, "creation_date", "");
        let mut lc = Lifecycle::new(
            id,
            self.required(obj, "stack_tag", ""),
            self.required(obj, "product_name", ""),
            self.required(obj, "product_ver", ""),
            self.required(obj, "owner", ""),
            created.unwrap_or_default(),
        );
        if obj.contains_key("update_date") {
            self.date(obj, "update_date", "");
        }
        lc.commit_ref = obj.get("commit_ref").map(plain).unwrap_or_default();
        self.properties(obj, &mut lc);
        if let Some(events) = obj.get("outputs_ami_creation").map(|o| o.get("events")) {
            match events {
                Some(list) => {
                    lc.creation = self.records(Phase::Creation, list, "outputs_ami_creation");
                }
                None => self.problem("missing field outputs_ami_creation.events".to_string()),
            }
        }
        let build = &lc.creation[0];
        lc.ami_semver.clone_from(&build.outputs.ami_semver);
        lc.pipeline_arn = build
            .outputs
            .extra
            .get("imagebuilder_source_pipeline_name")
            .cloned();
        self.patches(obj, &mut lc);
        if let Some(running) = obj.get("event_in_progress") {
            self.in_progress(running, &mut lc);
        }
        lc.updated_at = self.latest.unwrap_or(lc.created_at);
        Some(lc)
    }

    /// The item's properties, its notifications and any field amiboard has
    /// no place for, as properties (secrets and the auto-chaining flags left out).
    fn properties(&mut self, obj: &Map<String, Value>, lc: &mut Lifecycle) {
        match obj.get("properties") {
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    lc.properties.insert(key.clone(), plain(value));
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => self.problem(format!("properties is not a map: {other}")),
        }
        if let Some(Value::Array(channels)) = obj.get("notifications") {
            let text: Vec<String> = channels
                .iter()
                .map(|c| match (c.get("method"), c.get("target")) {
                    (Some(m), Some(t)) => format!("{}:{}", plain(m), plain(t)),
                    _ => plain(c),
                })
                .collect();
            lc.properties
                .insert(format!("{PROPERTY_PREFIX}notifications"), text.join(", "));
        }
        for (key, value) in obj {
            if !KNOWN_FIELDS.contains(&key.as_str()) {
                lc.properties
                    .insert(format!("{PROPERTY_PREFIX}{key}"), plain(value));
            }
        }
    }
}

mod patches;
mod results;

#[cfg(test)]
mod tests;
