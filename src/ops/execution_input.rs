//! The execution input of a workflow: where to record the result, what the
//! simulated work produces, the lookup rows and the service messages. Pure:
//! everything comes from the lifecycle and [`Setting`].

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::workflows::Workflow;
use crate::lifecycle::lookup::rows_for;
use crate::lifecycle::{
    AmiOutput, EventKind, EventOutputs, EventRef, EventStatus, Lifecycle, Stage,
    VulnerabilityCounts,
};

/// Where the workflows run and what they write to.
#[derive(Debug, Clone)]
pub struct Setting {
    pub prefix: String,
    pub region: String,
    pub account: String,
    pub lifecycle_table: String,
    pub lookup_table: String,
    pub lifecycle_topic: String,
    pub imagebuilder_topic: String,
    pub ec2_topic: String,
    pub run_command_topic: String,
    pub wait_seconds: u64,
}

/// How the simulated work ends, from the lifecycle's properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulate {
    None,
    /// A negative outcome, recorded as FAILED with a reason.
    Failed,
    /// The execution itself fails without recording (reconcile shows ERROR).
    Error,
}

impl Simulate {
    fn word(self) -> &'static str {
        match self {
            Simulate::None => "none",
            Simulate::Failed => "failed",
            Simulate::Error => "error",
        }
    }
}

/// `simulate_failure = "EVENT"` or `"EVENT:error"`; `simulate_failure_attempts = "N"`
/// limits it to the first N attempts.
pub fn simulation(lc: &Lifecycle, event: EventKind, attempt: u32) -> Simulate {
    let Some(spec) = lc.properties.get("simulate_failure") else {
        return Simulate::None;
    };
    let (name, mode) = spec.split_once(':').unwrap_or((spec, "failed"));
    if EventKind::parse(name) != Some(event) {
        return Simulate::None;
    }
    let limit = lc
        .properties
        .get("simulate_failure_attempts")
        .and_then(|n| n.trim().parse::<u32>().ok());
    if limit.is_some_and(|n| attempt > n) {
        return Simulate::None;
    }
    if mode.trim().eq_ignore_ascii_case("error") {
        Simulate::Error
    } else {
        Simulate::Failed
    }
}

/// The DynamoDB list path of an event's record, e.g. `patch_cycles[0].events[2]`.
pub fn record_path(lc: &Lifecycle, at: EventRef) -> Option<String> {
    let index = Lifecycle::position(at)?;
    match at.stage {
        Stage::Creation => Some(format!("creation_events[{index}]")),
        Stage::Patch(n) => {
            let cycle = lc.patches.iter().position(|c| c.number == n)?;
            Some(format!("patch_cycles[{cycle}].events[{index}]"))
        }
    }
}

/// `creation` or `patch-N`, as the lifecycle notification says.
pub fn stage_word(stage: Stage) -> String {
    match stage {
        Stage::Creation => "creation".to_string(),
        Stage::Patch(n) => format!("patch-{n}"),
    }
}

/// The execution name: the same lifecycle, stage, event and attempt always
/// give the same name, so a retried call cannot start a second execution.
pub fn execution_name(lifecycle_id: &str, at: EventRef, attempt: u32) -> String {
    let stage = match at.stage {
        Stage::Creation => "c".to_string(),
        Stage::Patch(n) => format!("p{n}"),
    };
    let code = Workflow::for_event(at.event).map_or("qa-decision", Workflow::code);
    let id: String = lifecycle_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(60)
        .collect();
    format!("{id}-{stage}-{code}-{attempt}")
}

/// A stable pseudo-random number from text (FNV-1a), for simulated ids.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What the simulated work of `at` produces.
pub fn simulated_outputs(lc: &Lifecycle, at: EventRef, attempt: u32, s: &Setting) -> EventOutputs {
    let seed = format!("{}/{at}/{attempt}", lc.lifecycle_id);
    let mut outputs = EventOutputs::default();
    let semver = lc.stage_semver(at.stage).unwrap_or("0.0.0").to_string();
    let first_ami = lc.stage_amis(at.stage).first().map(|a| a.ami_id.clone());
    match at.event {
        EventKind::AmiBuild | EventKind::AmiPatch => {
            let regions = lc.properties.get("regions").map_or_else(
                || vec![s.region.clone()],
                |r| r.split(',').map(|x| x.trim().to_string()).collect(),
            );
            outputs.amis = regions
                .iter()
                .map(|region| AmiOutput {
                    region: region.clone(),
                    ami_id: format!("ami-{:017x}", hash(&format!("{seed}/{region}")) >> 4),
                    name: Some(format!("{}-{semver}", lc.product_name)),
                })
                .collect();
            outputs.ami_semver = Some(semver.clone());
            outputs.image_arn = Some(format!(
                "arn:aws:imagebuilder:{}:{}:image/{}/{semver}/{attempt}",
                s.region, s.account, lc.product_name
            ));
        }
        EventKind::SmokeTests => {
            let h = format!(
                "{:032x}",
                u128::from(hash(&seed)) << 64 | u128::from(hash(&semver))
            );
            outputs.run_command_id = Some(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            ));
        }
        EventKind::VulnerabilityScans => {
            let h = hash(&seed);
            outputs.vulnerabilities = Some(VulnerabilityCounts {
                critical: 0,
                high: u32::try_from(h % 3).unwrap_or(0),
                medium: u32::try_from((h >> 8) % 7).unwrap_or(0),
                low: u32::try_from((h >> 16) % 12).unwrap_or(0),
                informational: u32::try_from((h >> 24) % 20).unwrap_or(0),
            });
        }
        EventKind::QaCertificationRequest => {
            outputs.export_location = Some(format!(
                "s3://{}qa-exports/{}/{}.vmdk",
                s.prefix,
                lc.lifecycle_id,
                first_ami.unwrap_or_default()
            ));
        }
        EventKind::MarkForProduction => {
            outputs.backup_object = Some(format!(
                "s3://{}ami-backups/{}/{}.bin",
                s.prefix,
                lc.lifecycle_id,
                first_ami.unwrap_or_default()
            ));
        }
        EventKind::QaCertificationResponse => {}
    }
    outputs
}

/// JSON turned into DynamoDB's typed JSON (`{"S": ..}`, `{"N": ..}`, `{"M": ..}`).
pub fn dynamo_json(value: &Value) -> Value {
    match value {
        Value::Null => json!({ "NULL": true }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::String(s) => json!({ "S": s }),
        Value::Array(items) => json!({ "L": items.iter().map(dynamo_json).collect::<Vec<_>>() }),
        Value::Object(map) => json!({
            "M": map.iter().map(|(k, v)| (k.clone(), dynamo_json(v))).collect::<serde_json::Map<_, _>>()
        }),
    }
}

/// The full execution input for running `at` (its record already claimed).
pub fn execution_input(
    lc: &Lifecycle,
    at: EventRef,
    attempt: u32,
    actor: &str,
    s: &Setting,
    now: DateTime<Utc>,
) -> Value {
    let outputs = simulated_outputs(lc, at, attempt, s);
    let mut done = lc.clone();
    if let Some(record) = done.record_mut(at) {
        record.status = EventStatus::Completed;
        record.outputs = outputs.clone();
    }
    let amis: Vec<AmiOutput> = done.stage_amis(at.stage).to_vec();
    let ami_ids: Vec<String> = amis.iter().map(|a| a.ami_id.clone()).collect();
    let rows: Vec<Value> = rows_for(&done, now)
        .into_iter()
        .filter(|r| ami_ids.contains(&r.ami_id))
        .filter_map(|r| serde_json::to_value(r).ok())
        .map(|r| json!({ "item": dynamo_json(&r).get("M").cloned().unwrap_or(Value::Null) }))
        .collect();
    let cycle = match at.stage {
        Stage::Patch(n) => lc.patch(n),
        Stage::Creation => None,
    };
    let outputs_value = serde_json::to_value(&outputs).unwrap_or(Value::Null);
    let reason = format!(
        "{} failed (simulated by the lifecycle property simulate_failure)",
        at.event.label()
    );
    let messages = super::messages::service_messages(&done, at, &amis, s, now, &reason);
    json!({
        "lifecycle_id": lc.lifecycle_id,
        "stack_tag": lc.stack_tag,
        "event": at.event.name(),
        "stage": stage_word(at.stage),
        "record_path": record_path(lc, at),
        "attempt": attempt,
        "attempt_text": attempt.to_string(),
        "actor": actor,
        "region": s.region,
        "semver": lc.stage_semver(at.stage),
        "bump": cycle.map(|c| c.bump.name()),
        "component": cycle.and_then(|c| c.component.clone()),
        "ami_ids": ami_ids,
        "wait_seconds": s.wait_seconds,
        "table": s.lifecycle_table,
        "lookup_table": s.lookup_table,
        "topic_arn": s.lifecycle_topic,
        "simulate": simulation(lc, at.event, attempt).word(),
        "completed": {
            "outputs": dynamo_json(&outputs_value),
            "lookup_rows": rows,
            "messages": messages.completed,
        },
        "failed": {
            "reason": reason,
            "messages": messages.failed,
        },
    })
}
