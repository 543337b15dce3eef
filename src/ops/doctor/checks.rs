//! The checks themselves, pure over what the inspector read: each turns one
//! answer into a line (pass, fail with its fix, or skipped with why).

use serde_json::Value;

use super::{Answer, Check, Fixes, Status, TEMPLATE};
use crate::aws::dynamodb::{CHANGED_INDEX, CHANGED_SHARD};
use crate::aws::inspect::{
    BucketShape, IndexShape, InstanceProfileShape, KeyShape, Permission, PipelineShape, RuleShape,
    TableShape, TopicShape,
};

/// What one table must look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableExpect {
    pub name: String,
    pub key: &'static str,
    /// The stack-tag index and its range key, when the table has one.
    pub index: Option<(&'static str, Option<&'static str>)>,
}

fn key_text(key: &KeyShape) -> String {
    match &key.range {
        Some(range) => format!("{} + {range}", key.hash),
        None => key.hash.clone(),
    }
}

fn skipped(check: String, why: &str) -> Check {
    Check::new(check, Status::Skip, format!("cannot tell: {why}"), None)
}

/// Keys, the stack-tag index, point-in-time recovery.
pub fn table(expect: &TableExpect, answer: Answer<TableShape>, fixes: &Fixes) -> Check {
    let name = format!("table {}", expect.name);
    let shape = match answer {
        Answer::Found(shape) => shape,
        Answer::Missing => {
            return Check::fail(name, "does not exist", fixes.provisioned());
        }
        Answer::Unknown(why) => return skipped(name, &why),
    };
    let mut problems = Vec::new();
    if shape.key.hash != expect.key || shape.key.range.is_some() {
        problems.push(format!(
            "key is {}, expected {}",
            key_text(&shape.key),
            expect.key
        ));
    }
    if let Some((index, range)) = expect.index {
        let wanted = KeyShape {
            hash: "stack_tag".to_string(),
            range: range.map(str::to_string),
        };
        match shape.indexes.iter().find(|i| i.name == index) {
            None => problems.push(format!("index {index} is missing")),
            Some(IndexShape { key, .. }) if *key != wanted => problems.push(format!(
                "index {index} has key {}, expected {}",
                key_text(key),
                key_text(&wanted)
            )),
            Some(_) => {}
        }
    }
    let pitr = match &shape.point_in_time_recovery {
        Ok(true) => "point-in-time recovery on".to_string(),
        Ok(false) => {
            problems.push("point-in-time recovery is off".to_string());
            String::new()
        }
        Err(why) => format!("point-in-time recovery not known ({why})"),
    };
    if problems.is_empty() {
        let index = expect
            .index
            .map(|(i, _)| format!(", index {i}"))
            .unwrap_or_default();
        Check::pass(name, format!("key {}{index}, {pitr}", expect.key))
    } else {
        let fix = if problems.iter().all(|p| p.contains("point-in-time")) {
            format!(
                "turn it on: aws dynamodb update-continuous-backups --table-name {} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
                expect.name
            )
        } else {
            format!(
                "the table was not made by amiboard: recreate it with {}",
                fixes.provisioned()
            )
        };
        Check::fail(name, problems.join("; "), fix)
    }
}

/// Whether a topic policy lets `service` (e.g. `events.amazonaws.com`)
/// publish: an allowing statement with `sns:Publish` naming the service, or
/// any principal without conditions.
pub fn policy_allows(policy: &str, service: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match &doc["Statement"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    };
    let names = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    statements.iter().any(|s| {
        let publishes = names(&s["Action"]).iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "sns:publish" || a == "sns:*" || a == "*"
        });
        let principal = &s["Principal"];
        let anyone =
            principal.as_str() == Some("*") || names(&principal["AWS"]).iter().any(|p| p == "*");
        let by_service = names(&principal["Service"]).iter().any(|p| p == service);
        s["Effect"].as_str() == Some("Allow")
            && publishes
            && (by_service || (anyone && s.get("Condition").is_none()))
    })
}

/// A topic exists and, where a service publishes to it, its policy lets it.
pub fn topic(
    name: &str,
    publisher: Option<&str>,
    answer: Answer<TopicShape>,
    fixes: &Fixes,
) -> Check {
    let check = format!("topic {name}");
    let shape = match answer {
        Answer::Found(shape) => shape,
        Answer::Missing => return Check::fail(check, "does not exist", fixes.provisioned()),
        Answer::Unknown(why) => return skipped(check, &why),
    };
    let Some(service) = publisher else {
        return Check::pass(check, "exists");
    };
    if shape
        .policy
        .as_deref()
        .is_some_and(|p| policy_allows(p, service))
    {
        Check::pass(check, format!("exists; {service} may publish"))
    } else {
        Check::fail(
            check,
            format!("its policy does not let {service} publish"),
            format!(
                "add a statement allowing {service} sns:Publish on {} ({})",
                shape.arn,
                fixes.deployed_only()
            ),
        )
    }
}

/// The EventBridge rule: EC2 AMI State Change events to the ec2 topic.
pub fn rule(name: &str, ec2_topic: &str, answer: Answer<RuleShape>, fixes: &Fixes) -> Check {
    let check = format!("EventBridge rule {name}");
    let shape = match answer {
        Answer::Found(shape) => shape,
        Answer::Missing => return Check::fail(check, "does not exist", fixes.provisioned()),
        Answer::Unknown(why) => return skipped(check, &why),
    };
    let pattern: Value = shape
        .event_pattern
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null);
    let has = |field: &str, wanted: &str| {
        pattern[field]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(wanted)))
    };
    let mut problems = Vec::new();
    if !(has("source", "aws.ec2") && has("detail-type", "EC2 AMI State Change")) {
        problems.push(format!(
            "its pattern is not aws.ec2 \"EC2 AMI State Change\" ({})",
            shape.event_pattern.as_deref().unwrap_or("none")
        ));
    }
    if !shape.enabled {
        problems.push("it is disabled".to_string());
    }
    if !shape.targets.iter().any(|t| t == ec2_topic) {
        problems.push(format!("it does not target {ec2_topic}"));
    }
    if problems.is_empty() {
        Check::pass(check, format!("AMI State Change events go to {ec2_topic}"))
    } else {
        Check::fail(check, problems.join("; "), fixes.provisioned())
    }
}

/// One state machine's definition version against the binary's.
pub fn machine(name: &str, deployed: Option<u32>, binary: u32, fixes: &Fixes) -> Check {
    let check = format!("state machine {name}");
    match deployed {
        None => Check::fail(check, "does not exist", fixes.provisioned()),
        Some(v) if v == binary => Check::pass(check, format!("definitions v{v}")),
        Some(v) if v < binary => Check::fail(
            check,
            format!("workflows v{v} are older than this binary's v{binary}"),
            fixes.update_machines(),
        ),
        Some(v) => Check::fail(
            check,
            format!("workflows v{v} are newer than this binary's v{binary}"),
            "update amiboard to the version that deployed them",
        ),
    }
}

/// A role exists (`what` says what it is for; `setting` is where another
/// name is configured).
pub fn role(what: &str, name: &str, setting: &str, answer: Answer<String>, fixes: &Fixes) -> Check {
    let check = format!("{what} role {name}");
    match answer {
        Answer::Found(arn) => Check::pass(check, format!("exists ({arn})")),
        Answer::Missing => Check::fail(
            check,
            "does not exist",
            format!(
                "{}; or set {setting} to the role you have",
                fixes.deployed_only()
            ),
        ),
        Answer::Unknown(why) => skipped(check, &why),
    }
}

/// The smoke tests' instance profile exists and carries a role.
pub fn instance_profile(name: &str, answer: Answer<InstanceProfileShape>, fixes: &Fixes) -> Check {
    let check = format!("instance profile {name}");
    match answer {
        Answer::Found(p) if p.roles.is_empty() => Check::fail(
            check,
            "has no role",
            format!(
                "add a role with AmazonSSMManagedInstanceCore to it ({})",
                fixes.deployed_only()
            ),
        ),
        Answer::Found(p) => Check::pass(check, format!("exists (role {})", p.roles.join(", "))),
        Answer::Missing => Check::fail(
            check,
            "does not exist",
            format!(
                "{}; or set [workflows] smoke_instance_profile to the profile you have",
                fixes.deployed_only()
            ),
        ),
        Answer::Unknown(why) => skipped(check, &why),
    }
}

/// A pipeline exists, is enabled and scans its images.
pub fn pipeline(arn: &str, answer: &Answer<PipelineShape>, fixes: &Fixes) -> Check {
    let check = format!("pipeline {arn}");
    let shape = match answer {
        Answer::Found(shape) => shape,
        Answer::Missing => return Check::fail(check, "does not exist", fixes.pipeline()),
        Answer::Unknown(why) => return skipped(check, why),
    };
    let mut problems = Vec::new();
    if !shape.scanning {
        problems.push("image scanning is off (the vulnerability scans need it)");
    }
    if !shape.enabled {
        problems.push("it is disabled");
    }
    if problems.is_empty() {
        Check::pass(check, "enabled, image scanning on")
    } else {
        Check::fail(
            check,
            problems.join("; "),
            "turn on image scanning (imageScanningConfiguration.imageScanningEnabled) and enable it: aws imagebuilder update-image-pipeline",
        )
    }
}

/// A pipeline's infrastructure configuration sends to the imagebuilder topic.
pub fn pipeline_topic(arn: &str, answer: &Answer<PipelineShape>, topic_arn: &str) -> Option<Check> {
    let Answer::Found(shape) = answer else {
        return None;
    };
    let check = format!("pipeline {arn} notifications");
    let fix = format!(
        "set the infrastructure configuration's SNS topic to {topic_arn}: aws imagebuilder update-infrastructure-configuration --sns-topic-arn {topic_arn}"
    );
    Some(match &shape.topic {
        Ok(Some(topic)) if topic == topic_arn => Check::pass(check, format!("sent to {topic}")),
        Ok(Some(topic)) => Check::fail(check, format!("sent to {topic}, not {topic_arn}"), fix),
        Ok(None) => Check::fail(check, "its infrastructure configuration sends none", fix),
        Err(why) => skipped(check, why),
    })
}

/// A bucket exists; how it is protected goes in the detail.
pub fn bucket(what: &str, name: &str, answer: Answer<BucketShape>, fixes: &Fixes) -> Check {
    let check = format!("{what} bucket {name}");
    let shape = match answer {
        Answer::Found(shape) => shape,
        Answer::Missing => return Check::fail(check, "does not exist", fixes.provisioned()),
        Answer::Unknown(why) => return skipped(check, &why),
    };
    let said = |r: &Result<bool, String>, yes: &str, no: &str| match r {
        Ok(true) => yes.to_string(),
        Ok(false) => no.to_string(),
        Err(_) => format!("{yes}: not known"),
    };
    let detail = format!(
        "exists; {}; {}",
        said(&shape.encrypted, "encrypted", "NOT encrypted by default"),
        said(
            &shape.public_access_blocked,
            "public access blocked",
            "public access NOT blocked"
        )
    );
    // A line that says NOT is a failure, never a pass.
    let mut fixes_needed = Vec::new();
    if shape.encrypted == Ok(false) {
        fixes_needed.push(format!(
            "aws s3api put-bucket-encryption --bucket {name} --server-side-encryption-configuration '{{\"Rules\":[{{\"ApplyServerSideEncryptionByDefault\":{{\"SSEAlgorithm\":\"AES256\"}}}}]}}'"
        ));
    }
    if shape.public_access_blocked == Ok(false) {
        fixes_needed.push(format!(
            "aws s3api put-public-access-block --bucket {name} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
        ));
    }
    if fixes_needed.is_empty() {
        Check::pass(check, detail)
    } else {
        let how = if fixes.local {
            "run `amiboard provision` (its local setup makes the buckets as the template does)"
                .to_string()
        } else {
            format!("as {TEMPLATE} makes it")
        };
        Check::fail(
            check,
            detail,
            format!("{} ({how})", fixes_needed.join("; ")),
        )
    }
}

/// What the policy simulator said about one group of calls.
pub fn permissions(what: &str, answer: Result<Vec<Permission>, String>) -> Check {
    let check = format!("may call {what}");
    match answer {
        Err(why) => Check::new(check, Status::Skip, why, None),
        Ok(results) => {
            let denied: Vec<&str> = results
                .iter()
                .filter(|p| !p.allowed)
                .map(|p| p.action.as_str())
                .collect();
            if denied.is_empty() {
                Check::pass(check, format!("{} action(s) allowed", results.len()))
            } else {
                Check::fail(
                    check,
                    format!("denied: {}", denied.join(", ")),
                    "attach the operator (or on-call read-only) policy from deploy/amiboard.template.json to the caller (docs/deploy.md)",
                )
            }
        }
    }
}

/// The command that adds the change index to an existing lifecycle table.
pub fn add_changes_index_command(table: &str) -> String {
    let (index, shard) = (CHANGED_INDEX, CHANGED_SHARD);
    format!(
        "aws dynamodb update-table --table-name {table} --attribute-definitions AttributeName=lifecycle_id,AttributeType=S AttributeName=stack_tag,AttributeType=S AttributeName=updated_at,AttributeType=S AttributeName={shard},AttributeType=S --global-secondary-index-updates '[{{\"Create\":{{\"IndexName\":\"{index}\",\"KeySchema\":[{{\"AttributeName\":\"{shard}\",\"KeyType\":\"HASH\"}},{{\"AttributeName\":\"updated_at\",\"KeyType\":\"RANGE\"}}],\"Projection\":{{\"ProjectionType\":\"ALL\"}}}}}}]'"
    )
}

/// The lifecycle table's change index (`changed_shard` + `updated_at`),
/// which lets the dashboard re-read only what changed. No line when the
/// table itself is missing or unknown: its own line says so.
pub fn changes_index(table: &str, answer: &Answer<TableShape>, fixes: &Fixes) -> Option<Check> {
    let Answer::Found(shape) = answer else {
        return None;
    };
    let check = format!("index {CHANGED_INDEX} of table {table}");
    let wanted = KeyShape {
        hash: CHANGED_SHARD.to_string(),
        range: Some("updated_at".to_string()),
    };
    let add = if fixes.local {
        format!("add it: {}", add_changes_index_command(table))
    } else {
        format!(
            "update the stack from {} (docs/deploy.md); for a table the stack did not make: {}",
            super::TEMPLATE,
            add_changes_index_command(table)
        )
    };
    Some(
        match shape.indexes.iter().find(|i| i.name == CHANGED_INDEX) {
            None => Check::fail(
                check,
                "is missing (a table made before it existed): the dashboard re-reads the whole table instead of what changed",
                add,
            ),
            Some(IndexShape { key, .. }) if *key != wanted => Check::fail(
                check,
                format!("has key {}, expected {}", key_text(key), key_text(&wanted)),
                format!("delete the index, then {add}"),
            ),
            Some(_) => Check::pass(
                check,
                format!("key {}: re-reads read only what changed", key_text(&wanted)),
            ),
        },
    )
}
