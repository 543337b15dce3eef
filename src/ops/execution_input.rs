//! The execution input of a workflow: where to record the result, the
//! lifecycle's pipeline, AMIs and image so far, the lookup row's shared
//! fields and the `[workflows]` settings. Pure: everything comes from the
//! lifecycle and [`Setting`]; no result of the work is computed here.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::workflows::Workflow;
use crate::config::{StackTagWorkflowsFile, WorkflowsFile};
use crate::lifecycle::lookup::reference_date;
use crate::lifecycle::{AmiOutput, EventRef, Lifecycle, Stage, format_duration};

/// The SSM parameter promotion writes the AMI id to, unless configured
/// otherwise (`{stack_tag}` and `{product_name}` are replaced).
pub const DEFAULT_PRODUCTION_PARAMETER: &str =
    "/amiboard/{stack_tag}/{product_name}/production-ami";

/// Where the workflows run, what they write to, and the `[workflows]` settings.
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
    /// Seconds between two status calls of the work.
    pub wait_seconds: u64,
    /// The `[workflows]` section of the configuration.
    pub workflows: WorkflowsFile,
}

impl Setting {
    /// The pipeline `provision` creates on the local emulator: the default
    /// when neither the lifecycle nor the configuration names one.
    pub fn demo_pipeline_arn(&self) -> String {
        format!(
            "arn:aws:imagebuilder:{}:{}:image-pipeline/{}demo",
            self.region, self.account, self.prefix
        )
    }

    /// The bucket QA exports go to.
    pub fn export_bucket(&self) -> String {
        self.workflows
            .export_bucket
            .clone()
            .unwrap_or_else(|| format!("{}qa-exports", self.prefix))
    }

    /// The bucket of the AMI backups.
    pub fn backup_bucket(&self) -> String {
        self.workflows
            .backup_bucket
            .clone()
            .unwrap_or_else(|| format!("{}ami-backups", self.prefix))
    }

    /// The lifecycle's pipeline, else its stack tag's, else `[workflows]`'s,
    /// else the local demo pipeline.
    pub fn pipeline_arn(&self, lc: &Lifecycle) -> String {
        lc.pipeline_arn
            .clone()
            .or_else(|| self.tag(&lc.stack_tag).and_then(|t| t.pipeline_arn.clone()))
            .or_else(|| self.workflows.pipeline_arn.clone())
            .unwrap_or_else(|| self.demo_pipeline_arn())
    }

    fn tag(&self, stack_tag: &str) -> Option<&StackTagWorkflowsFile> {
        self.workflows.stack_tags.get(stack_tag)
    }

    /// The accounts a stack tag's production AMIs are shared with: its own
    /// list, else `[workflows]`'s; empty: not shared.
    pub fn production_accounts(&self, stack_tag: &str) -> Vec<String> {
        self.tag(stack_tag)
            .and_then(|t| t.production_accounts.clone())
            .or_else(|| self.workflows.production_accounts.clone())
            .unwrap_or_default()
    }

    /// The SSM parameter that holds the production AMI of the lifecycle's
    /// stack tag and product, or `None` when it is not configured
    /// (`production_parameter`, per stack tag, else `[workflows]`; default off).
    /// Characters an SSM name cannot hold become `-` in the replaced values.
    pub fn production_parameter(&self, lc: &Lifecycle) -> Option<String> {
        let tag = self.tag(&lc.stack_tag);
        let w = &self.workflows;
        let wanted = tag
            .and_then(|t| t.production_parameter)
            .or(w.production_parameter)
            .unwrap_or(false);
        if !wanted {
            return None;
        }
        let template = tag
            .and_then(|t| t.production_parameter_name.clone())
            .or_else(|| w.production_parameter_name.clone())
            .unwrap_or_else(|| DEFAULT_PRODUCTION_PARAMETER.to_string());
        let part = |v: &str| -> String {
            v.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        Some(
            template
                .replace("{stack_tag}", &part(&lc.stack_tag))
                .replace("{product_name}", &part(&lc.product_name)),
        )
    }

    /// The AMIs of the execution's region, the only ones a workflow acts on:
    /// AMI ids are regional, so a call made here with another region's id
    /// fails (`InvalidAMIID.NotFound`), and a store task needs a bucket of
    /// the request's region. Other regions' AMIs are recorded, not tested.
    pub fn local_amis<'a>(&self, amis: &'a [AmiOutput]) -> Vec<&'a str> {
        amis.iter()
            .filter(|a| a.region == self.region)
            .map(|a| a.ami_id.as_str())
            .collect()
    }

    /// How long `workflow` may wait for its work: the configured budget
    /// (`[workflows.budget_minutes]`) or the default, never more than the
    /// execution's `TimeoutSeconds` less a reserve, so a run that exhausts it
    /// still records FAILED ("still BUILDING after 5h00m") instead of being
    /// ended by Step Functions with nothing recorded.
    pub fn budget_seconds(&self, workflow: Workflow) -> u64 {
        let b = &self.workflows.budget_minutes;
        let configured = match workflow {
            Workflow::Build => b.build,
            Workflow::PatchBuild => b.patch_build,
            Workflow::VulnerabilityScans => b.vulnerability_scans,
            Workflow::QaCertificationRequest => b.qa_certification_request,
            Workflow::Promotion => b.promotion,
            Workflow::SmokeTests | Workflow::Cleanup | Workflow::WhereUsed | Workflow::Retire => {
                None
            }
        };
        let minutes = configured.unwrap_or_else(|| default_budget_minutes(workflow));
        minutes.saturating_mul(60).min(max_budget_seconds(workflow))
    }

    /// Poll rounds `wait_seconds` apart that fit in `seconds`; an explicit
    /// `poll_rounds` is kept when it fits.
    fn rounds(&self, seconds: u64) -> u64 {
        let fit = seconds.div_euclid(self.wait_seconds.max(1)).max(1);
        self.workflows
            .poll_rounds
            .map_or(fit, |explicit| u64::from(explicit).clamp(1, fit))
    }

    /// `$.poll`: the interval, the rounds and the time they add up to.
    pub fn poll(&self, workflow: Workflow) -> Value {
        let rounds = self.rounds(self.budget_seconds(workflow));
        let seconds = self.wait_seconds.max(1);
        json!({
            "seconds": seconds,
            "rounds": rounds,
            "budget_text": budget_text(rounds, seconds),
        })
    }

    /// The smoke test's instance, document, commands and the budget of each
    /// phase (the instance running, its SSM agent registering, the command),
    /// all inside the execution's `TimeoutSeconds`.
    fn smoke_settings(&self) -> Value {
        let w = &self.workflows;
        let seconds = self.wait_seconds.max(1);
        let max = max_budget_seconds(Workflow::SmokeTests);
        let fixed = SMOKE_INSTANCE_SECONDS
            + SMOKE_REGISTRATION_SECONDS
            + SMOKE_DELIVERY_SECONDS
            + SMOKE_COMMAND_SLACK_SECONDS;
        let execution_timeout = w
            .smoke_command_timeout_seconds
            .unwrap_or(DEFAULT_SMOKE_COMMAND_SECONDS)
            .clamp(60, max.saturating_sub(fixed).max(60));
        let instance_rounds = self.rounds(SMOKE_INSTANCE_SECONDS);
        let registration_rounds = self.rounds(SMOKE_REGISTRATION_SECONDS);
        let command_rounds = self.rounds(
            execution_timeout
                .saturating_add(SMOKE_DELIVERY_SECONDS)
                .saturating_add(SMOKE_COMMAND_SLACK_SECONDS),
        );
        json!({
            "instance_type": w.smoke_instance_type.as_deref().unwrap_or("t3.micro"),
            "subnet_id": w.smoke_subnet_id,
            "security_group_ids": w.smoke_security_group_ids.clone().unwrap_or_default(),
            "instance_profile": w.smoke_instance_profile.clone().unwrap_or_else(|| format!("{}smoke-instance", self.prefix)),
            "document": w.smoke_document.as_deref().unwrap_or("AWS-RunShellScript"),
            "commands": w.smoke_commands.clone().unwrap_or_else(|| vec!["systemctl is-system-running --wait || true".to_string()]),
            "windows_commands": w.smoke_windows_commands.clone().unwrap_or_else(|| vec!["Get-Service -Name AmazonSSMAgent".to_string()]),
            "service_role_arn": w.smoke_service_role_arn.clone().unwrap_or_else(|| format!("arn:aws:iam::{}:role/{}run-command", self.account, self.prefix)),
            "execution_timeout_text": execution_timeout.to_string(),
            "delivery_timeout_seconds": SMOKE_DELIVERY_SECONDS,
            "instance_rounds": instance_rounds,
            "instance_budget_text": budget_text(instance_rounds, seconds),
            "registration_rounds": registration_rounds,
            "registration_budget_text": budget_text(registration_rounds, seconds),
            "command_rounds": command_rounds,
            "command_budget_text": budget_text(command_rounds, seconds),
        })
    }

    /// What the work states are given: the smoke-test instance and commands,
    /// the scan threshold, the export and backup locations, the production
    /// accounts and parameter, and which optional steps run for this stack tag.
    fn work_settings(&self, lc: &Lifecycle, amis: &[AmiOutput]) -> Value {
        let w = &self.workflows;
        let tag = self.tag(&lc.stack_tag);
        let promoted = self.local_amis(amis);
        let accounts = self.production_accounts(&lc.stack_tag);
        let parameter = self.production_parameter(lc);
        json!({
            "smoke": self.smoke_settings(),
            "scan": {
                "max_critical": tag.and_then(|t| t.scan_max_critical).or(w.scan_max_critical).unwrap_or(0),
                "max_high": tag.and_then(|t| t.scan_max_high).or(w.scan_max_high).unwrap_or(u32::MAX),
            },
            "export": {
                "bucket": self.export_bucket(),
                "prefix": w.export_prefix.as_deref().unwrap_or("qa-exports/"),
                "role": w.export_role.clone().unwrap_or_else(|| format!("{}vmimport", self.prefix)),
            },
            "backup": { "bucket": self.backup_bucket() },
            "share": {
                "ami_ids": promoted,
                "ami_text": promoted.join(", "),
                "accounts_text": accounts.join(", "),
                "launch_permission": accounts.iter().map(|a| json!({ "UserId": a })).collect::<Vec<_>>(),
            },
            "parameter": { "name": parameter, "ami_id": promoted.first() },
            "steps": {
                "export": tag.and_then(|t| t.export).or(w.export).unwrap_or(true),
                "backup": tag.and_then(|t| t.backup).or(w.backup).unwrap_or(true),
                "share": !accounts.is_empty() && !promoted.is_empty(),
                "parameter": parameter.is_some() && !promoted.is_empty(),
            },
        })
    }
}

/// A smoke test's phases: the instance may take this long to be `running`,
/// its SSM agent this long to register (PingStatus Online); Run Command has
/// this long to deliver the command (SendCommand's `TimeoutSeconds`), and the
/// command's own `executionTimeout` (default an hour) plus this slack to end.
const SMOKE_INSTANCE_SECONDS: u64 = 600;
const SMOKE_REGISTRATION_SECONDS: u64 = 900;
const SMOKE_DELIVERY_SECONDS: u64 = 600;
const SMOKE_COMMAND_SLACK_SECONDS: u64 = 300;
const DEFAULT_SMOKE_COMMAND_SECONDS: u64 = 3600;

/// The seconds Step Functions gives an execution of `workflow` (its
/// definition's `TimeoutSeconds`).
pub fn timeout_seconds(workflow: Workflow) -> u64 {
    serde_json::from_str::<Value>(workflow.definition())
        .ok()
        .and_then(|v| v["TimeoutSeconds"].as_u64())
        .unwrap_or(3600)
}

/// The longest poll budget of `workflow`: its `TimeoutSeconds` less a tenth
/// (at least ten minutes) for the recording states and the retries' backoff.
pub fn max_budget_seconds(workflow: Workflow) -> u64 {
    let timeout = timeout_seconds(workflow);
    timeout.saturating_sub((timeout / 10).max(600)).max(60)
}

/// The default poll budget in minutes, from real durations: an Image Builder
/// build with its tests and a multi-region distribution takes 30 to 90
/// minutes, an export or a store task of a large AMI can take hours, an
/// Inspector scan up to a few hours after the image is available.
pub fn default_budget_minutes(workflow: Workflow) -> u64 {
    match workflow {
        Workflow::Build
        | Workflow::PatchBuild
        | Workflow::QaCertificationRequest
        | Workflow::Promotion => 300,
        Workflow::VulnerabilityScans => 180,
        Workflow::SmokeTests => 100,
        Workflow::Cleanup | Workflow::WhereUsed => 10,
        // Image Builder deregisters and deletes snapshots region by region.
        Workflow::Retire => 45,
    }
}

/// `5h00m` for 600 rounds 30 s apart.
fn budget_text(rounds: u64, seconds: u64) -> String {
    let total = i64::try_from(rounds.saturating_mul(seconds)).unwrap_or(i64::MAX);
    format_duration(chrono::Duration::seconds(total))
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

/// The fields every lookup row of `at` shares once it completes, as
/// DynamoDB's typed JSON; the state machine adds `lookup_id`, `ami_id` and
/// `aws_region` for each AMI.
fn lookup_row(lc: &Lifecycle, at: EventRef, now: DateTime<Utc>) -> Value {
    let row = json!({
        "stack_tag": lc.stack_tag,
        "ami_semver": lc.stage_semver(at.stage).unwrap_or_default(),
        "product_name": lc.product_name,
        "product_ver": lc.product_version,
        "commit_ref": lc.commit_ref,
        "lifecycle_id": lc.lifecycle_id,
        "lifecycle_type": at.stage.phase().lifecycle_type(),
        "lifecycle_event": at.event.reference_name(at.stage.phase()),
        "lifecycle_score": at.event.lookup_score(),
        "last_modified": reference_date(now),
        "last_modified_utc": now.to_rfc3339_opts(SecondsFormat::Secs, true),
    });
    dynamo_json(&row).get("M").cloned().unwrap_or(Value::Null)
}

/// The components a patch puts on the production AMI: the configured update
/// components (default: AWS's update-linux) and the patch cycle's own.
fn patch_components(lc: &Lifecycle, at: EventRef, s: &Setting) -> Vec<Value> {
    let region = &s.region;
    let mut arns = s.workflows.update_components.clone().unwrap_or_else(|| {
        vec![format!(
            "arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x"
        )]
    });
    if let Stage::Patch(n) = at.stage {
        arns.extend(lc.patch(n).and_then(|c| c.component.clone()));
    }
    arns.iter()
        .map(|arn| json!({ "ComponentArn": arn }))
        .collect()
}

/// The full execution input for running `at` (its record already claimed):
/// only what amiboard knows. The state machine asks the services for
/// everything the work produces.
pub fn execution_input(
    lc: &Lifecycle,
    at: EventRef,
    attempt: u32,
    actor: &str,
    s: &Setting,
    now: DateTime<Utc>,
) -> Value {
    let amis = lc.stage_amis(at.stage);
    let workflow = Workflow::for_event(at.event).unwrap_or(Workflow::Build);
    let local = s.local_amis(amis);
    let ami_ids: Vec<&str> = amis.iter().map(|a| a.ami_id.as_str()).collect();
    // The recorded AMIs in Image Builder's shape, as a build's arrive.
    let image_amis: Vec<Value> = amis
        .iter()
        .map(|a| json!({ "Region": a.region, "Image": a.ami_id }))
        .collect();
    // The stage's image: the one its build or patch recorded.
    let image_arn = lc
        .records(at.stage)
        .and_then(|records| records.first())
        .and_then(|build| build.outputs.image_arn.clone());
    let cycle = match at.stage {
        Stage::Patch(n) => lc.patch(n),
        Stage::Creation => None,
    };
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
        "semver": lc.stage_semver(at.stage).unwrap_or("0.0.0"),
        "bump": cycle.map(|c| c.bump.name()),
        "component": cycle.and_then(|c| c.component.clone()),
        "pipeline_arn": s.pipeline_arn(lc),
        "parent_ami": cycle.map(|c| c.parent_ami_id.clone()),
        "patch_components": patch_components(lc, at, s),
        "ami_ids": ami_ids,
        "amis": image_amis,
        "local": {
            "ami_ids": local,
            "ami": local.first(),
        },
        "image_arn": image_arn,
        "poll": s.poll(workflow),
        "settings": s.work_settings(lc, amis),
        "table": s.lifecycle_table,
        "lookup_table": s.lookup_table,
        "lookup_row": lookup_row(lc, at, now),
        "topic_arn": s.lifecycle_topic,
        "run_command_topic": s.run_command_topic,
    })
}

#[cfg(test)]
#[path = "execution_input_tests.rs"]
mod tests;
