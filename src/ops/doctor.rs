//! `amiboard doctor`: a read-only checklist of a deployment against the
//! configured account and region. The inspector (`aws::inspect`) reads what
//! is there; `checks` turns each answer into a line (pass, fail with its fix,
//! skipped with why). An unreachable endpoint or bad credentials end it with
//! the usual error instead.

pub mod account;
#[cfg(test)]
mod account_tests;
pub mod checks;
pub mod permissions;
#[cfg(test)]
mod tests;

use serde::Serialize;

use super::deployed::deployed_workflows;
use super::execution_input::Setting;
use super::run::setting;
use super::workflows::Workflow;
use super::{Context, OpError};
use crate::aws::AwsError;
use crate::aws::dynamodb::STACK_TAG_INDEX;
use crate::aws::inspect::{Inspect, Inspector};
use checks::TableExpect;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    /// ✔, ✘ or – .
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Pass => "✔",
            Status::Fail => "✘",
            Status::Skip => "–",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: String,
    pub status: Status,
    pub detail: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

impl Check {
    pub fn new(check: String, status: Status, detail: String, fix: Option<String>) -> Check {
        Check {
            check,
            status,
            detail,
            fix,
        }
    }
    pub fn pass(check: String, detail: impl Into<String>) -> Check {
        Check::new(check, Status::Pass, detail.into(), None)
    }
    pub fn fail(check: String, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check::new(check, Status::Fail, detail.into(), Some(fix.into()))
    }
}

/// What a read found: the resource, its absence, or why it cannot tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Found(T),
    Missing,
    Unknown(String),
}

impl<T> Answer<T> {
    /// The found value turned by `f`; absence and unknown kept.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        match self {
            Answer::Found(found) => Answer::Found(f(found)),
            Answer::Missing => Answer::Missing,
            Answer::Unknown(why) => Answer::Unknown(why),
        }
    }
}

/// Sorts a read's result; an unreachable endpoint or bad credentials stop
/// the whole checklist (every other line would say the same).
pub fn answer<T>(result: Result<Option<T>, AwsError>) -> Result<Answer<T>, AwsError> {
    match result {
        Ok(Some(found)) => Ok(Answer::Found(found)),
        Ok(None) => Ok(Answer::Missing),
        Err(err) if is_fatal(&err) => Err(err),
        Err(err) if err.is_missing_resource() => Ok(Answer::Missing),
        Err(err) => Ok(Answer::Unknown(err.to_string())),
    }
}

fn is_fatal(err: &AwsError) -> bool {
    matches!(
        err,
        AwsError::Unreachable { .. } | AwsError::Credentials { .. }
    )
}

/// A short reason when an error is one `amiboard doctor` explains: a call
/// was denied, or a table, topic, queue or state machine is missing (the
/// dashboard's header then says to run it).
pub fn reason(err: &OpError) -> Option<String> {
    let OpError::Aws(aws) = err else {
        return None;
    };
    match aws {
        AwsError::AccessDenied {
            service, operation, ..
        } => Some(format!("{service} {operation} denied")),
        AwsError::Missing { kind, name } => Some(format!("{kind} {name} missing")),
        // An execution that is gone is history, not the deployment.
        other if other.is_missing_resource() && other.code() != Some("ExecutionDoesNotExist") => {
            Some("a resource is missing".to_string())
        }
        _ => None,
    }
}

/// The template that deploys what `provision` does not create.
pub const TEMPLATE: &str = "deploy/amiboard.template.json";

/// The fixes differ between the local emulator (`provision` makes most of
/// it) and an AWS account (the template does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixes {
    pub local: bool,
}

impl Fixes {
    /// For what `amiboard provision` creates.
    pub fn provisioned(&self) -> String {
        if self.local {
            "run `amiboard provision`".to_string()
        } else {
            format!("deploy {TEMPLATE} (docs/deploy.md), or run `amiboard provision`")
        }
    }
    /// For what only the template creates (roles, topic policies).
    pub fn deployed_only(&self) -> String {
        if self.local {
            format!("deploy {TEMPLATE} (docs/deploy.md); `amiboard provision` does not create it")
        } else {
            format!("deploy {TEMPLATE} (docs/deploy.md)")
        }
    }
    /// For outdated state machine definitions.
    pub fn update_machines(&self) -> String {
        if self.local {
            "run `amiboard provision`".to_string()
        } else {
            format!("run `amiboard provision` or update the stack ({TEMPLATE})")
        }
    }
    /// For a configured pipeline that is not there.
    pub fn pipeline(&self) -> String {
        if self.local {
            "run `amiboard provision` (it creates the demo pipeline), or fix [workflows] pipeline_arn".to_string()
        } else {
            "fix [workflows] pipeline_arn / [workflows.stack_tags.<tag>] pipeline_arn, or create the pipeline (docs/deploy.md)".to_string()
        }
    }
}

/// The whole checklist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count()
    }
    /// How many were skipped.
    pub fn skipped(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Skip)
            .count()
    }
}

/// The three tables and their keys (see `aws::dynamodb::provision`).
pub fn table_expectations(ctx: &Context) -> Vec<TableExpect> {
    let t = &ctx.config.tables;
    vec![
        TableExpect {
            name: t.lifecycles.clone(),
            key: "lifecycle_id",
            index: Some((STACK_TAG_INDEX, Some("updated_at"))),
        },
        TableExpect {
            name: t.semver_seeds.clone(),
            key: "stack_tag",
            index: None,
        },
        TableExpect {
            name: t.ami_lookup.clone(),
            key: "lookup_id",
            index: Some((STACK_TAG_INDEX, None)),
        },
    ]
}

/// Every pipeline the configuration names (`[workflows]` and per stack
/// tag), or the demo pipeline lifecycles fall back to when it names none.
pub fn configured_pipelines(s: &Setting) -> Vec<String> {
    let mut arns: Vec<String> = s.workflows.pipeline_arn.iter().cloned().collect();
    for tag in s.workflows.stack_tags.values() {
        if let Some(arn) = &tag.pipeline_arn
            && !arns.contains(arn)
        {
            arns.push(arn.clone());
        }
    }
    if arns.is_empty() {
        arns.push(s.demo_pipeline_arn());
    }
    arns
}

/// The name of a role given as a name or an ARN (`...:role/path/name`).
pub fn role_name(name_or_arn: &str) -> String {
    name_or_arn
        .rsplit('/')
        .next()
        .unwrap_or(name_or_arn)
        .to_string()
}

/// Runs every check on the SDK clients.
pub async fn doctor(ctx: &Context) -> Result<Report, OpError> {
    let inspector = Inspector::new(&ctx.sdk()?.clients);
    doctor_with(ctx, &inspector).await
}

/// Runs every check through the given inspector.
pub async fn doctor_with(ctx: &Context, inspect: &dyn Inspect) -> Result<Report, OpError> {
    // Who am I: an unreachable endpoint or bad credentials end here.
    let caller = ctx.identity.who_am_i().await?;
    let s = setting(ctx).await?;
    let fixes = Fixes {
        local: ctx.target.endpoint.is_some(),
    };
    let mut report = Report::default();
    let out = &mut report.checks;
    for expect in table_expectations(ctx) {
        let found = answer(inspect.table(&expect.name).await)?;
        let changes = (expect.name == ctx.config.tables.lifecycles)
            .then(|| checks::changes_index(&expect.name, &found, &fixes))
            .flatten();
        out.push(checks::table(&expect, found, &fixes));
        out.extend(changes);
    }
    let topics = [
        (&s.lifecycle_topic, None),
        (&s.imagebuilder_topic, Some("imagebuilder.amazonaws.com")),
        (&s.ec2_topic, Some("events.amazonaws.com")),
        (&s.run_command_topic, Some("ssm.amazonaws.com")),
    ];
    for (arn, publisher) in topics {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let found = answer(inspect.topic(arn).await)?;
        out.push(checks::topic(name, publisher, found, &fixes));
    }
    let rule = format!("{}ec2-ami-events", s.prefix);
    let found = answer(inspect.rule(&rule).await)?;
    out.push(checks::rule(&rule, &s.ec2_topic, found, &fixes));
    machines(ctx, &fixes, out).await?;
    roles(inspect, &s, &fixes, out).await?;
    for arn in configured_pipelines(&s) {
        let found = answer(inspect.pipeline(&arn).await)?;
        out.push(checks::pipeline(&arn, &found, &fixes));
        out.extend(checks::pipeline_topic(&arn, &found, &s.imagebuilder_topic));
        out.extend(account::distribution(&arn, &s.region, &found));
    }
    out.push(account::smoke_network(
        s.workflows.smoke_subnet_id.as_deref(),
        s.workflows
            .smoke_security_group_ids
            .as_deref()
            .unwrap_or_default(),
        &s.region,
    ));
    out.push(account::inspector(&s.region));
    for (what, name) in [("export", s.export_bucket()), ("backup", s.backup_bucket())] {
        let found = answer(inspect.bucket(&name).await)?;
        out.push(checks::bucket(what, &name, found, &fixes));
    }
    permissions::check(ctx, inspect, &s, &caller.arn, out).await?;
    if fixes.local {
        only_an_account_needs(&fixes, out);
    }
    Ok(report)
}

/// On the local stack, what only the template deploys (roles, the instance
/// profile, topic policies) is not needed: its workflows run without them.
/// Such a line is skipped (`–`) with that reason, not failed, so `doctor`
/// on a freshly provisioned local stack passes.
pub fn only_an_account_needs(fixes: &Fixes, checks: &mut [Check]) {
    let deployed_only = fixes.deployed_only();
    for check in checks.iter_mut() {
        let template_only = check
            .fix
            .as_deref()
            .is_some_and(|fix| fix.contains(&deployed_only));
        if check.status == Status::Fail && template_only {
            check.status = Status::Skip;
            check.detail = format!(
                "{}; only an AWS account needs it ({TEMPLATE} deploys it there; the local stack runs without it)",
                check.detail
            );
            check.fix = None;
        }
    }
}

/// One line per state machine: present, and at this binary's version.
async fn machines(ctx: &Context, fixes: &Fixes, out: &mut Vec<Check>) -> Result<(), OpError> {
    match deployed_workflows(ctx).await {
        Ok(deployed) => {
            for (name, version) in deployed.machines {
                out.push(checks::machine(&name, version, deployed.binary, fixes));
            }
        }
        Err(OpError::Aws(err)) if is_fatal(&err) => return Err(err.into()),
        Err(err) => {
            for workflow in Workflow::ALL {
                out.push(Check::new(
                    format!(
                        "state machine {}",
                        workflow.machine_name(&ctx.config.prefix)
                    ),
                    Status::Skip,
                    format!("cannot tell: {err}"),
                    None,
                ));
            }
        }
    }
    Ok(())
}

/// The workflow role, the Run Command role, the VM import role (and its
/// trust), the smoke tests' instance profile, its role's managed-node policy
/// and whether the workflow role may pass that role.
async fn roles(
    inspect: &dyn Inspect,
    s: &Setting,
    fixes: &Fixes,
    out: &mut Vec<Check>,
) -> Result<(), OpError> {
    let w = &s.workflows;
    let workflow = std::env::var("AMIBOARD_WORKFLOW_ROLE_ARN")
        .unwrap_or_else(|_| format!("{}workflows", s.prefix));
    let run_command = w
        .smoke_service_role_arn
        .clone()
        .unwrap_or_else(|| format!("{}run-command", s.prefix));
    let vm_import = w.export_role.clone().unwrap_or_else(|| "vmimport".into());
    let mut workflow_arn = None;
    for (what, name, setting) in [
        ("workflow execution", workflow, "AMIBOARD_WORKFLOW_ROLE_ARN"),
        (
            "Run Command",
            run_command,
            "[workflows] smoke_service_role_arn",
        ),
        ("VM import", vm_import, "[workflows] export_role"),
    ] {
        let name = role_name(&name);
        let found = answer(inspect.role(&name).await)?;
        let arn = found.clone().map(|r| r.arn);
        out.push(checks::role(what, &name, setting, arn, fixes));
        if what == "VM import" {
            out.extend(account::vm_import_trust(&name, &found, fixes));
        }
        if let (Answer::Found(role), "workflow execution") = (found, what) {
            workflow_arn = Some(role.arn);
        }
    }
    let profile = w
        .smoke_instance_profile
        .clone()
        .unwrap_or_else(|| "AmazonSSMRoleForInstancesQuickSetup".into());
    let found = answer(inspect.instance_profile(&profile).await)?;
    out.push(checks::instance_profile(&profile, found.clone(), fixes));
    if let Answer::Found(shape) = found
        && let Some(role) = shape.roles.first()
    {
        let attached = answer(inspect.attached_policies(role).await)?;
        out.push(account::managed_node_policy(
            &profile, role, attached, fixes,
        ));
        pass_role(inspect, workflow_arn.as_deref(), role, out).await?;
    }
    Ok(())
}

/// Whether the workflow role may pass the instance profile's role.
async fn pass_role(
    inspect: &dyn Inspect,
    workflow_arn: Option<&str>,
    role: &str,
    out: &mut Vec<Check>,
) -> Result<(), OpError> {
    let check = format!("workflows role may pass {role}");
    let Some(workflow_arn) = workflow_arn else {
        out.push(Check::new(
            check,
            Status::Skip,
            "cannot tell: the workflow execution role could not be read".to_string(),
            None,
        ));
        return Ok(());
    };
    let role_arn = match answer(inspect.role(role).await)? {
        Answer::Found(shape) => shape.arn,
        Answer::Missing => {
            let why = format!("cannot tell: role {role} does not exist");
            out.push(Check::new(check, Status::Skip, why, None));
            return Ok(());
        }
        Answer::Unknown(why) => {
            let why = format!("cannot tell: {why}");
            out.push(Check::new(check, Status::Skip, why, None));
            return Ok(());
        }
    };
    let simulated = match inspect
        .simulate(workflow_arn, &["iam:PassRole".to_string()], &role_arn)
        .await
    {
        Ok(results) => Ok(results),
        Err(err) if is_fatal(&err) => return Err(err.into()),
        Err(err) => Err(err.to_string()),
    };
    out.push(account::pass_role(workflow_arn, &role_arn, simulated));
    Ok(())
}
