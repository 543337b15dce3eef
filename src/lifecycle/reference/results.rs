//! Event results (a stage's list of them) read into amiboard's records.

use serde_json::{Map, Value};

use super::{Mapper, SECRET_PROPERTIES, plain, reference_event, reference_status};
use crate::lifecycle::{
    AmiOutput, EventKind, EventRecord, EventStatus, Phase, VulnerabilityCounts,
};

impl Mapper {
    /// The records of one stage from a list of results: each result fills
    /// its event's record; a repeated result counts as another attempt (the
    /// first one stands, as the reference's own rules read it).
    pub(super) fn records(&mut self, phase: Phase, list: &Value, where_: &str) -> Vec<EventRecord> {
        let mut records: Vec<EventRecord> = phase
            .sequence()
            .iter()
            .map(|e| EventRecord::new(*e))
            .collect();
        let Some(results) = list.as_array() else {
            self.problem(format!("{where_}.events is not a list"));
            return records;
        };
        for result in results {
            let Some(result) = result.as_object() else {
                self.problem(format!("an event result in {where_} is not a map"));
                continue;
            };
            let name = self.required(result, "name", &format!("{where_} event "));
            let Some((kind, found)) = reference_event(&name) else {
                self.problem(format!("unknown event name {name:?} in {where_}"));
                continue;
            };
            if found != phase {
                self.problem(format!("{name} is an {found} event, found in {where_}"));
                continue;
            }
            let status_text = self.required(result, "status", &format!("{name} "));
            let status = reference_status(&status_text);
            if status.is_none() {
                self.problem(format!(
                    "unknown status {status_text:?} of {name} in {where_}"
                ));
            }
            let at = self.date(result, "status_date", &format!("{name} "));
            let Some(record) = records.iter_mut().find(|r| r.event == kind) else {
                continue;
            };
            if record.attempt > 0 {
                record.attempt = record.attempt.saturating_add(1);
                continue;
            }
            record.attempt = 1;
            record.status = status.unwrap_or_default();
            record.finished_at = at;
            self.outputs(kind, result, record);
        }
        records
    }

    /// What one result reported, in the record's outputs, reason and actor.
    fn outputs(&mut self, kind: EventKind, result: &Map<String, Value>, record: &mut EventRecord) {
        let empty = Map::new();
        let props = match result.get("properties") {
            Some(Value::Object(map)) => map,
            _ => &empty,
        };
        let out = &mut record.outputs;
        let mut used: Vec<&str> = Vec::new();
        match kind {
            EventKind::AmiBuild | EventKind::AmiPatch => {
                used.push("ami_details");
                for detail in props
                    .get("ami_details")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                {
                    let (Some(region), Some(ami_id)) = (
                        detail.get("region").and_then(Value::as_str),
                        detail.get("image").and_then(Value::as_str),
                    ) else {
                        self.problem(format!(
                            "an ami_details entry of {} has no region or image",
                            kind.reference_name(Phase::Creation)
                        ));
                        continue;
                    };
                    out.amis.push(AmiOutput {
                        account: detail.get("accountId").map(plain),
                        region: region.to_string(),
                        ami_id: ami_id.to_string(),
                        name: detail
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    });
                    if out.ami_semver.is_none() {
                        out.ami_semver = detail.get("ami_semver").map(plain);
                    }
                }
                out.image_arn = props.get("imagebuilder_image_arn").map(plain);
                used.push("imagebuilder_image_arn");
            }
            EventKind::VulnerabilityScans => {
                if let Some(Value::Object(severities)) = props.get("vulnerability_severities") {
                    used.push("vulnerability_severities");
                    let mut counts = VulnerabilityCounts::default();
                    for (severity, value) in severities {
                        let Some(n) = plain(value).trim().parse::<u32>().ok() else {
                            self.problem(format!(
                                "vulnerability count {severity} = {value} is not a number"
                            ));
                            continue;
                        };
                        match severity.as_str() {
                            "CRITICAL" => counts.critical = n,
                            "HIGH" => counts.high = n,
                            "MEDIUM" => counts.medium = n,
                            "LOW" => counts.low = n,
                            "INFORMATIONAL" => counts.informational = n,
                            other => {
                                out.extra.insert(other.to_ascii_lowercase(), n.to_string());
                            }
                        }
                    }
                    out.vulnerabilities = Some(counts);
                }
            }
            EventKind::QaCertificationRequest => {
                out.export_location = props.get("export_image_path").map(plain);
                used.push("export_image_path");
            }
            EventKind::QaCertificationResponse => {
                record.actor = props.get("qa_owner").map(plain);
                record.reason = props
                    .get("qa_comment")
                    .or_else(|| result.get("certification_status"))
                    .map(plain);
            }
            EventKind::MarkForProduction => {
                let bucket = props.get("s3_bucket").map(plain);
                let key = props.get("s3_object_key").map(plain);
                if let (Some(bucket), Some(key)) = (bucket, key)
                    && bucket != "NOT_APPLICABLE"
                {
                    out.backup_object = Some(format!("s3://{bucket}/{key}"));
                    used.extend(["s3_bucket", "s3_object_key"]);
                }
                if record.status == EventStatus::Failed {
                    record.reason = props
                        .get("approval_status")
                        .map(|s| format!("approval_status: {}", plain(s)));
                }
            }
            EventKind::SmokeTests => {}
        }
        for (key, value) in props {
            if !used.contains(&key.as_str()) && !SECRET_PROPERTIES.contains(&key.as_str()) {
                out.extra.insert(key.clone(), plain(value));
            }
        }
        for (key, value) in result {
            let skip = [
                "name",
                "status",
                "status_date",
                "properties",
                "lifecycle_id",
                "api_key",
            ];
            if !skip.contains(&key.as_str()) {
                out.extra.insert(key.clone(), plain(value));
            }
        }
    }
}
