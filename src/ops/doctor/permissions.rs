//! Whether the caller may make the calls amiboard makes, asked of IAM's
//! policy simulator for the caller's own identity. When it cannot be asked
//! (the root user, a federated user, no `iam:SimulatePrincipalPolicy`, an
//! emulator without it) the line is skipped with why, never passed.

use super::{Check, OpError, Status, answer, checks, is_fatal};
use crate::aws::inspect::Inspect;
use crate::ops::Context;
use crate::ops::execution_input::Setting;
use crate::ops::workflows::Workflow;

/// Who to simulate, from the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user: its ARN as is.
    User(String),
    /// An assumed role: the role's name (its ARN, path included, comes from GetRole).
    Role { account: String, name: String },
    /// Not something the simulator takes, and why.
    Unsupported(String),
}

/// Derives the principal to simulate from `sts:GetCallerIdentity`'s ARN.
pub fn principal(caller_arn: &str) -> Principal {
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    let [_, _, service, _, account, resource] = parts.as_slice() else {
        return Principal::Unsupported(format!("the caller ARN {caller_arn} is not an ARN"));
    };
    let mut path = resource.split('/');
    match (*service, path.next()) {
        ("iam", Some("user")) => Principal::User(caller_arn.to_string()),
        // An emulator may name a user under sts.
        ("sts", Some("user")) => Principal::User(caller_arn.replacen(":sts:", ":iam:", 1)),
        ("sts", Some("assumed-role")) => match path.next() {
            Some(name) if !name.is_empty() => Principal::Role {
                account: (*account).to_string(),
                name: name.to_string(),
            },
            _ => Principal::Unsupported(format!("cannot read the role of {caller_arn}")),
        },
        (_, Some("root")) => Principal::Unsupported(
            "the caller is the account's root user, which the policy simulator does not take"
                .to_string(),
        ),
        _ => Principal::Unsupported(format!(
            "the policy simulator does not take {caller_arn} (only IAM users and roles)"
        )),
    }
}

/// One group of calls on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallGroup {
    pub what: String,
    pub resource: String,
    pub actions: Vec<String>,
}

fn group(what: String, resource: String, actions: &[&str]) -> Option<CallGroup> {
    (!actions.is_empty()).then(|| CallGroup {
        what,
        resource,
        actions: actions.iter().map(|a| (*a).to_string()).collect(),
    })
}

/// The calls amiboard makes, by resource: reads always, changes unless
/// read-only, the temporary queue's calls when notifications are on.
pub fn call_groups(ctx: &Context, s: &Setting) -> Vec<CallGroup> {
    let write = !ctx.config.read_only;
    let notify = ctx.config.notifications_enabled;
    let table = |name: &str| format!("arn:aws:dynamodb:{}:{}:table/{name}", s.region, s.account);
    let t = &ctx.config.tables;
    let pick = |read: &[&'static str], changes: &[&'static str]| -> Vec<&'static str> {
        let mut all = read.to_vec();
        if write {
            all.extend_from_slice(changes);
        }
        all
    };
    let build = Workflow::Build;
    let machine = build.machine_arn(&s.prefix, &s.region, &s.account);
    let executions = format!(
        "arn:aws:states:{}:{}:execution:{}:*",
        s.region,
        s.account,
        build.machine_name(&s.prefix)
    );
    let mut topic_calls = Vec::new();
    if write {
        topic_calls.push("sns:Publish");
    }
    if notify {
        topic_calls.extend(["sns:Subscribe", "sns:GetTopicAttributes"]);
    }
    let mut groups = vec![
        group(
            format!("DynamoDB on {}", t.lifecycles),
            table(&t.lifecycles),
            &pick(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                    "dynamodb:DescribeTable",
                ],
                &["dynamodb:PutItem", "dynamodb:UpdateItem"],
            ),
        ),
        group(
            format!("DynamoDB on {}", t.semver_seeds),
            table(&t.semver_seeds),
            &pick(&["dynamodb:GetItem"], &["dynamodb:UpdateItem"]),
        ),
        group(
            format!("DynamoDB on {}", t.ami_lookup),
            table(&t.ami_lookup),
            &pick(&["dynamodb:Query"], &["dynamodb:PutItem"]),
        ),
        group(
            format!("Step Functions on {}", build.machine_name(&s.prefix)),
            machine,
            &pick(
                &["states:DescribeStateMachine", "states:ListExecutions"],
                &["states:StartExecution"],
            ),
        ),
        group(
            "Step Functions executions".to_string(),
            executions,
            &["states:DescribeExecution", "states:GetExecutionHistory"],
        ),
        group(
            format!("SNS on {}", ctx.config.topics.lifecycle),
            s.lifecycle_topic.clone(),
            &topic_calls,
        ),
        group(
            "STS and Image Builder".to_string(),
            "*".to_string(),
            &[
                "sts:GetCallerIdentity",
                "imagebuilder:ListImagePipelines",
                "imagebuilder:GetImage",
            ],
        ),
    ];
    if notify {
        groups.push(group(
            "SQS on the temporary notification queues".to_string(),
            format!("arn:aws:sqs:{}:{}:{}*", s.region, s.account, s.prefix),
            &[
                "sqs:CreateQueue",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:DeleteQueue",
                "sqs:TagQueue",
            ],
        ));
    }
    groups.into_iter().flatten().collect()
}

/// One line per group of calls, or one skipped line when the simulator
/// cannot be asked.
pub async fn check(
    ctx: &Context,
    inspect: &dyn Inspect,
    s: &Setting,
    caller_arn: &str,
    out: &mut Vec<Check>,
) -> Result<(), OpError> {
    let whole = "may call what amiboard calls".to_string();
    let arn = match principal(caller_arn) {
        Principal::User(arn) => arn,
        Principal::Role { account, name } => match answer(inspect.role(&name).await)? {
            super::Answer::Found(role) => role.arn,
            _ => format!("arn:aws:iam::{account}:role/{name}"),
        },
        Principal::Unsupported(why) => {
            out.push(Check::new(whole, Status::Skip, why, None));
            return Ok(());
        }
    };
    for (n, group) in call_groups(ctx, s).into_iter().enumerate() {
        match inspect
            .simulate(&arn, &group.actions, &group.resource)
            .await
        {
            Ok(results) => out.push(checks::permissions(&group.what, Ok(results))),
            Err(err) if is_fatal(&err) => return Err(err.into()),
            Err(err) if n == 0 => {
                // The simulator cannot be asked at all: one line says so.
                out.push(Check::new(
                    whole,
                    Status::Skip,
                    format!("cannot simulate the caller's policy ({arn}): {err}"),
                    None,
                ));
                return Ok(());
            }
            Err(err) => out.push(checks::permissions(&group.what, Err(err.to_string()))),
        }
    }
    Ok(())
}
