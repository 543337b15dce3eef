//! Patch cycles (`patch_history`) and the running or broken event
//! (`event_in_progress`).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Mapper, plain, reference_event, reference_status};
use crate::lifecycle::{
    Bump, EventKind, EventOutputs, EventRef, EventStatus, Lifecycle, PatchCycle, Phase, Stage,
    checked_bump, parse_version,
};

impl Mapper {
    /// The patch cycles: `historical` in order, then `current`.
    pub(super) fn patches(&mut self, obj: &Map<String, Value>, lc: &mut Lifecycle) {
        let Some(history) = obj.get("outputs_ami_patch").map(|o| o.get("patch_history")) else {
            return;
        };
        let Some(history) = history else {
            self.problem("missing field outputs_ami_patch.patch_history".to_string());
            return;
        };
        let mut cycles: Vec<&Value> = Vec::new();
        match history.get("historical") {
            Some(Value::Array(old)) => cycles.extend(old),
            None | Some(Value::Null) => {}
            Some(_) => self.problem("patch_history.historical is not a list".to_string()),
        }
        cycles.extend(history.get("current"));
        let inputs = obj
            .get("inputs_ami_patch")
            .and_then(|i| i.get("properties"));
        for (number, cycle) in (1u32..).zip(cycles) {
            let where_ = format!("patch cycle {number}");
            let Some(list) = cycle.get("events") else {
                self.problem(format!("{where_} has no events"));
                continue;
            };
            let events = self.records(Phase::Patch, list, &where_);
            let build = &events[0];
            if build.attempt == 0 {
                self.problem(format!("{where_} has no PATCH_AMI result"));
                continue;
            }
            let Some(semver) = build.outputs.ami_semver.clone() else {
                self.problem(format!("{where_}: PATCH_AMI has no ami_semver"));
                continue;
            };
            let (parent_ami_id, parent_semver) = self.parent(lc, &where_);
            let first = number == 1;
            let input = |key: &str| inputs.filter(|_| first).and_then(|p| p.get(key)).map(plain);
            lc.patches.push(PatchCycle {
                number,
                bump: bump_of(
                    build
                        .outputs
                        .extra
                        .get("semver_bump_type")
                        .map(String::as_str),
                ),
                parent_ami_id,
                parent_semver,
                semver,
                // The reference keeps the first patch's inputs for ever.
                component: input("patch_component_url"),
                description: input("patch_change_description"),
                created_at: build.finished_at.unwrap_or(lc.created_at),
                actor: None,
                events,
            });
        }
    }

    /// The AMI a new patch cycle builds on: the latest cycle's, else the creation's.
    fn parent(&mut self, lc: &Lifecycle, where_: &str) -> (String, String) {
        let stage = lc.active_stage();
        if let (Some(ami), Some(semver)) = (lc.stage_amis(stage).first(), lc.stage_semver(stage)) {
            return (ami.ami_id.clone(), semver.to_string());
        }
        self.problem(format!(
            "{where_} has no AMI to patch (the build before it reported none)"
        ));
        (String::new(), String::new())
    }

    /// `event_in_progress`: the running event, or the one that broke
    /// (`ERROR`, `ERROR_EVENT_TIMEOUT`) with its error message.
    pub(super) fn in_progress(&mut self, running: &Value, lc: &mut Lifecycle) {
        let Some(obj) = running.as_object() else {
            self.problem("event_in_progress is not a map".to_string());
            return;
        };
        let where_ = "event_in_progress.";
        let name = self.required(obj, "name", where_);
        let Some((kind, phase)) = reference_event(&name) else {
            self.problem(format!("unknown event name {name:?} in event_in_progress"));
            return;
        };
        let started = self.date(obj, "execution_startdate", where_);
        let status = match obj.get("status").map(plain) {
            None => EventStatus::InProgress,
            Some(text) => {
                if reference_status(&text) != Some(EventStatus::Error) {
                    self.problem(format!("unknown status {text:?} in event_in_progress"));
                    return;
                }
                EventStatus::Error
            }
        };
        let finished = if obj.contains_key("status_date") {
            self.date(obj, "status_date", where_)
        } else {
            None
        };
        let props = obj.get("properties");
        if kind == EventKind::AmiPatch {
            self.new_cycle(lc, props, started, status == EventStatus::Error);
        }
        let stage = match phase {
            Phase::Creation => Stage::Creation,
            Phase::Patch => {
                let Some(cycle) = lc.latest_patch() else {
                    self.problem(format!("event_in_progress {name} has no patch cycle"));
                    return;
                };
                Stage::Patch(cycle.number)
            }
        };
        if kind == EventKind::AmiBuild && lc.pipeline_arn.is_none() {
            lc.pipeline_arn = props
                .and_then(|p| p.get("imagebuilder_pipeline_arn"))
                .map(plain);
        }
        let Some(record) = lc.record_mut(EventRef { stage, event: kind }) else {
            return;
        };
        if record.status == EventStatus::Completed {
            self.problem(format!(
                "event_in_progress names {name}, which already completed"
            ));
            return;
        }
        record.attempt = record.attempt.saturating_add(1);
        record.status = status;
        record.started_at = started;
        record.finished_at = finished;
        record.reason = obj.get("error_message").map(plain);
        record.execution_arn = obj.get("execution_arn").map(plain);
        record.outputs = EventOutputs::default();
    }

    /// A patch cycle whose PATCH_AMI is still running (or broke): its parent
    /// and bump come from `event_in_progress.properties`.
    fn new_cycle(
        &mut self,
        lc: &mut Lifecycle,
        props: Option<&Value>,
        started: Option<DateTime<Utc>>,
        broke: bool,
    ) {
        let prop = |key: &str| props.and_then(|p| p.get(key)).map(plain);
        let bump = bump_of(prop("semver_bump_type").as_deref());
        let (parent_ami_id, parent_semver) = match (
            prop("parent_ami_id"),
            prop("parent_ami_semver"),
        ) {
            (Some(id), Some(semver)) => (id, semver),
            // The reference's error path replaces the running event's
            // properties: a failed patch build keeps neither its parent nor
            // its bump. Its parent is the AMI every patch builds on (the
            // latest cycle's, else the creation's); what cannot be known is
            // marked on the lifecycle instead of refusing it.
            _ if broke => {
                let (id, semver) = self.parent(lc, "event_in_progress PATCH_AMI");
                let number = lc.patches.last().map_or(1, |c| c.number.saturating_add(1));
                lc.properties.insert(
                    INFERRED.to_string(),
                    format!(
                        "patch cycle {number} failed in the reference solution, whose error path replaced its properties: its parent {id} {semver} is inferred (the AMI patches build on) and its bump {} {}",
                        bump_word(bump),
                        if prop("semver_bump_type").is_some() { "read" } else { "assumed (the reference's default)" }
                    ),
                );
                (id, semver)
            }
            _ => {
                self.problem(
                    "event_in_progress PATCH_AMI has no parent_ami_id or parent_ami_semver"
                        .to_string(),
                );
                return;
            }
        };
        let Some(semver) = parse_version(&parent_semver).and_then(|v| checked_bump(&v, bump))
        else {
            self.problem(format!(
                "event_in_progress PATCH_AMI: parent_ami_semver {parent_semver:?} is not a version"
            ));
            return;
        };
        let number = lc.patches.last().map_or(1, |c| c.number.saturating_add(1));
        lc.patches.push(PatchCycle {
            number,
            bump,
            parent_ami_id,
            parent_semver,
            semver: semver.to_string(),
            component: prop("patch_component_url"),
            description: prop("patch_change_description"),
            created_at: started.unwrap_or(lc.created_at),
            actor: None,
            events: Lifecycle::empty_patch_events(),
        });
    }
}

/// The property that marks what an import inferred instead of reading it.
pub const INFERRED: &str = "amiboard.import_inferred";

fn bump_word(bump: Bump) -> &'static str {
    match bump {
        Bump::Minor => "MINOR",
        Bump::Patch => "PATCH",
    }
}

/// The reference's bump: `MINOR` is a minor bump, any other value a patch bump.
fn bump_of(text: Option<&str>) -> Bump {
    if text == Some("MINOR") {
        Bump::Minor
    } else {
        Bump::Patch
    }
}
