//! What the workflows need of the account beyond amiboard's own resources:
//! Amazon Inspector for the scans, a network and a managed-node role for the
//! smoke tests, a distribution to this region, the VM Import/Export trust.
//! Pure over what the inspector read. What amiboard has no client for, or
//! what only a real account can satisfy, is skipped with the command that
//! tells, never failed on the local emulator.

use serde_json::Value;

use super::{Answer, Check, Fixes, Status};
use crate::aws::inspect::{Permission, PipelineShape, RoleShape};

/// The AWS managed policy that makes an instance a Systems Manager managed
/// node (Run Command reaches it).
pub const SSM_CORE: &str = "AmazonSSMManagedInstanceCore";

fn skip(check: String, detail: String) -> Check {
    Check::new(check, Status::Skip, detail, None)
}

/// Inspector's EC2 scanning: amiboard has no Inspector client (see
/// docs/doctor.md), so the line says how to check it.
pub fn inspector(region: &str) -> Check {
    skip(
        "Amazon Inspector EC2 scanning".to_string(),
        format!(
            "not read by amiboard: check with `aws inspector2 batch-get-account-status --region {region}` \
             (resourceState.ec2.status must be ENABLED, else every VULNERABILITY_SCANS event fails with no scan; \
             turn it on with `aws inspector2 enable --resource-types EC2 --region {region}`)"
        ),
    )
}

/// Where smoke-test instances launch: amiboard has no EC2 client, so the
/// line says how to check that the subnet (or a default VPC) exists.
pub fn smoke_network(subnet: Option<&str>, groups: &[String], region: &str) -> Check {
    let check = "smoke-test network".to_string();
    let detail = match subnet {
        Some(subnet) => {
            let groups = if groups.is_empty() {
                String::new()
            } else {
                format!(
                    " and `aws ec2 describe-security-groups --group-ids {} --region {region}`",
                    groups.join(" ")
                )
            };
            format!(
                "not read by amiboard: check subnet {subnet} with `aws ec2 describe-subnets --subnet-ids {subnet} --region {region}`{groups}; \
                 it must reach Systems Manager (internet route or VPC endpoints ssm, ssmmessages, ec2messages)"
            )
        }
        None => format!(
            "no [workflows] smoke_subnet_id: instances launch in the default VPC; not read by amiboard: check one exists with \
             `aws ec2 describe-vpcs --filters Name=is-default,Values=true --region {region}`, or deploy with SmokeSubnetId (docs/deploy.md)"
        ),
    };
    skip(check, detail)
}

/// The instance profile's role carries `AmazonSSMManagedInstanceCore`. The
/// emulator attaches no AWS managed policy, so there a missing one is
/// skipped, not failed.
pub fn managed_node_policy(
    profile: &str,
    role: &str,
    answer: Answer<Vec<String>>,
    fixes: &Fixes,
) -> Check {
    let check = format!("instance profile {profile} role {role}");
    match answer {
        Answer::Found(arns)
            if arns
                .iter()
                .any(|a| a.ends_with(&format!(":policy/{SSM_CORE}"))) =>
        {
            Check::pass(
                check,
                format!("carries {SSM_CORE}: smoke-test instances become managed nodes"),
            )
        }
        Answer::Found(_) if fixes.local => skip(
            check,
            format!(
                "{SSM_CORE} is not attached: the emulator loads no AWS managed policy, so only an AWS account can tell"
            ),
        ),
        Answer::Found(arns) => Check::fail(
            check,
            format!(
                "does not carry {SSM_CORE} (attached: {}): Run Command never reaches the smoke-test instance",
                if arns.is_empty() {
                    "none".to_string()
                } else {
                    arns.join(", ")
                }
            ),
            format!(
                "aws iam attach-role-policy --role-name {role} --policy-arn arn:aws:iam::aws:policy/{SSM_CORE}"
            ),
        ),
        Answer::Missing => skip(check, format!("cannot tell: role {role} does not exist")),
        Answer::Unknown(why) => skip(check, format!("cannot tell: {why}")),
    }
}

/// The workflows role may pass the instance profile's role (RunInstances
/// with IamInstanceProfile needs iam:PassRole on it), as the policy
/// simulator says.
pub fn pass_role(
    workflows_role: &str,
    role_arn: &str,
    answer: Result<Vec<Permission>, String>,
) -> Check {
    let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let check = format!("workflows role may pass {role}");
    match answer {
        Err(why) => skip(check, format!("cannot simulate {workflows_role}: {why}")),
        Ok(results) if !results.is_empty() && results.iter().all(|p| p.allowed) => Check::pass(
            check,
            format!("iam:PassRole on {role_arn} allowed to {workflows_role}"),
        ),
        Ok(_) => Check::fail(
            check,
            format!(
                "{workflows_role} may not iam:PassRole {role_arn}: RunInstances of the smoke tests is denied"
            ),
            "set [workflows] smoke_instance_profile to the stack's <prefix>smoke-instance (`amiboard config-from-stack`), or add the role's ARN to the PassRolesToServices statement of the workflows role",
        ),
    }
}

/// The region of an ARN (`arn:aws:imagebuilder:REGION:...`).
fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// A pipeline distributes its AMIs to the execution region: the smoke
/// tests, exports and backups use this region's AMI. No line when the
/// pipeline is missing or unknown (its own line says so).
pub fn distribution(arn: &str, region: &str, answer: &Answer<PipelineShape>) -> Option<Check> {
    let Answer::Found(shape) = answer else {
        return None;
    };
    let check = format!("pipeline {arn} distribution");
    let fix = format!(
        "add a distribution for {region} to the pipeline's distribution configuration (aws imagebuilder update-distribution-configuration), or run amiboard in a region it distributes to"
    );
    Some(match &shape.distribution_regions {
        Err(why) => skip(check, format!("cannot tell: {why}")),
        Ok(None) if arn_region(arn) == region => Check::pass(
            check,
            format!("no distribution configuration: the AMI stays in {region}"),
        ),
        Ok(None) => Check::fail(
            check,
            format!(
                "no distribution configuration: the AMI stays in {}, not {region}",
                arn_region(arn)
            ),
            fix,
        ),
        Ok(Some(regions)) if regions.iter().any(|r| r == region) => {
            Check::pass(check, format!("distributes to {}", regions.join(", ")))
        }
        Ok(Some(regions)) => Check::fail(
            check,
            format!(
                "distributes to {}, not {region}: the smoke tests, exports and backups find no AMI here",
                if regions.is_empty() {
                    "no region".to_string()
                } else {
                    regions.join(", ")
                }
            ),
            fix,
        ),
    })
}

/// Whether a trust policy lets `service` assume the role.
pub fn trusts(policy: &str, service: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match &doc["Statement"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    };
    let has = |v: &Value, wanted: &str| match v {
        Value::String(s) => s == wanted,
        Value::Array(list) => list.iter().any(|s| s.as_str() == Some(wanted)),
        _ => false,
    };
    statements.iter().any(|s| {
        s["Effect"].as_str() == Some("Allow")
            && (has(&s["Action"], "sts:AssumeRole") || has(&s["Action"], "sts:*"))
            && has(&s["Principal"]["Service"], service)
    })
}

/// The VM Import/Export role trusts `vmie.amazonaws.com`. No line when the
/// role is missing or unknown (its own line says so).
pub fn vm_import_trust(name: &str, answer: &Answer<RoleShape>, fixes: &Fixes) -> Option<Check> {
    let Answer::Found(role) = answer else {
        return None;
    };
    let check = format!("VM import role {name} trust");
    Some(match &role.trust_policy {
        Some(policy) if trusts(policy, "vmie.amazonaws.com") => {
            Check::pass(check, "vmie.amazonaws.com may assume it")
        }
        Some(_) => Check::fail(
            check,
            "its trust policy does not let vmie.amazonaws.com assume it: every QA export fails",
            format!(
                "trust vmie.amazonaws.com (sts:AssumeRole, sts:Externalid vmimport): aws iam update-assume-role-policy --role-name {name} ({})",
                fixes.deployed_only()
            ),
        ),
        None => skip(
            check,
            "cannot tell: GetRole gave no trust policy".to_string(),
        ),
    })
}
