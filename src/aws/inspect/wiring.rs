//! How the pieces are wired: the EventBridge rule, the roles and instance
//! profile, the Image Builder pipelines, and the caller's own permissions
//! (IAM's policy simulator).

use aws_sdk_eventbridge::types::RuleState as AwsRuleState;
use aws_sdk_iam::types::PolicyEvaluationDecisionType as AwsDecision;
use aws_sdk_imagebuilder::types::PipelineStatus as AwsPipelineStatus;

use super::{
    Inspector, InstanceProfileShape, Permission, PipelineShape, RoleShape, RuleShape, absent_or,
    is_absent,
};
use crate::aws::error::AwsError;

pub(super) async fn rule(ins: &Inspector, name: &str) -> Result<Option<RuleShape>, AwsError> {
    let events = &ins.clients.eventbridge;
    let out = match events.describe_rule().name(name).send().await {
        Ok(out) => out,
        Err(e) => return absent_or(ins.fail("EventBridge", "DescribeRule", name, e)),
    };
    let mut targets = Vec::new();
    let mut token = None;
    loop {
        let page = events
            .list_targets_by_rule()
            .rule(name)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| ins.fail("EventBridge", "ListTargetsByRule", name, e))?;
        targets.extend(page.targets().iter().map(|t| t.arn().to_string()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(Some(RuleShape {
        name: name.to_string(),
        event_pattern: out.event_pattern().map(str::to_string),
        enabled: out.state().is_none_or(|s| *s == AwsRuleState::Enabled),
        targets,
    }))
}

/// IAM returns policy documents URL-encoded (RFC 3986); an already plain
/// document is returned as it is.
pub(super) fn url_decoded(text: &str) -> String {
    if !text.starts_with('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) async fn role(ins: &Inspector, name: &str) -> Result<Option<RoleShape>, AwsError> {
    match ins.clients.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role().map(|r| RoleShape {
            arn: r.arn().to_string(),
            trust_policy: r.assume_role_policy_document().map(url_decoded),
        })),
        Err(e) => absent_or(ins.fail("IAM", "GetRole", name, e)),
    }
}

pub(super) async fn attached_policies(
    ins: &Inspector,
    role: &str,
) -> Result<Option<Vec<String>>, AwsError> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let out = match ins
            .clients
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => return absent_or(ins.fail("IAM", "ListAttachedRolePolicies", role, e)),
        };
        arns.extend(
            out.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        marker = out
            .is_truncated()
            .then(|| out.marker().map(str::to_string))
            .flatten();
        if marker.is_none() {
            return Ok(Some(arns));
        }
    }
}

/// The regions a distribution configuration distributes to.
async fn distribution_regions(
    ins: &Inspector,
    arn: Option<&str>,
) -> Result<Option<Vec<String>>, String> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    match ins
        .clients
        .imagebuilder
        .get_distribution_configuration()
        .distribution_configuration_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.distribution_configuration()
                .map(|c| {
                    c.distributions()
                        .iter()
                        .map(|d| d.region().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        )),
        Err(e) => {
            let err = ins.fail("Image Builder", "GetDistributionConfiguration", arn, e);
            if is_absent(&err) {
                Err(format!(
                    "its distribution configuration {arn} does not exist"
                ))
            } else {
                Err(err.to_string())
            }
        }
    }
}

pub(super) async fn instance_profile(
    ins: &Inspector,
    name: &str,
) -> Result<Option<InstanceProfileShape>, AwsError> {
    match ins
        .clients
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile().map(|p| InstanceProfileShape {
            name: p.instance_profile_name().to_string(),
            roles: p
                .roles()
                .iter()
                .map(|r| r.role_name().to_string())
                .collect(),
        })),
        Err(e) => absent_or(ins.fail("IAM", "GetInstanceProfile", name, e)),
    }
}

pub(super) async fn pipeline(
    ins: &Inspector,
    arn: &str,
) -> Result<Option<PipelineShape>, AwsError> {
    let builder = &ins.clients.imagebuilder;
    let out = match builder
        .get_image_pipeline()
        .image_pipeline_arn(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return absent_or(ins.fail("Image Builder", "GetImagePipeline", arn, e)),
    };
    let Some(pipeline) = out.image_pipeline() else {
        return Ok(None);
    };
    let infrastructure_arn = pipeline
        .infrastructure_configuration_arn()
        .map(str::to_string);
    let topic = match &infrastructure_arn {
        None => Ok(None),
        Some(infra) => match builder
            .get_infrastructure_configuration()
            .infrastructure_configuration_arn(infra)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .infrastructure_configuration()
                .and_then(|c| c.sns_topic_arn())
                .map(str::to_string)),
            Err(e) => {
                let err = ins.fail("Image Builder", "GetInfrastructureConfiguration", infra, e);
                if is_absent(&err) {
                    Err(format!(
                        "its infrastructure configuration {infra} does not exist"
                    ))
                } else {
                    Err(err.to_string())
                }
            }
        },
    };
    let distribution_regions =
        distribution_regions(ins, pipeline.distribution_configuration_arn()).await;
    Ok(Some(PipelineShape {
        arn: pipeline.arn().unwrap_or(arn).to_string(),
        enabled: pipeline
            .status()
            .is_none_or(|s| *s == AwsPipelineStatus::Enabled),
        scanning: pipeline
            .image_scanning_configuration()
            .and_then(
                aws_sdk_imagebuilder::types::ImageScanningConfiguration::image_scanning_enabled,
            )
            .unwrap_or(false),
        infrastructure_arn,
        topic,
        distribution_regions,
    }))
}

pub(super) async fn simulate(
    ins: &Inspector,
    principal_arn: &str,
    actions: &[String],
    resource: &str,
) -> Result<Vec<Permission>, AwsError> {
    let mut permissions = Vec::new();
    let mut marker = None;
    loop {
        let out = ins
            .clients
            .iam
            .simulate_principal_policy()
            .policy_source_arn(principal_arn)
            .set_action_names(Some(actions.to_vec()))
            .resource_arns(resource)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| ins.fail("IAM", "SimulatePrincipalPolicy", principal_arn, e))?;
        permissions.extend(out.evaluation_results().iter().map(|r| Permission {
            action: r.eval_action_name().to_string(),
            allowed: *r.eval_decision() == AwsDecision::Allowed,
        }));
        marker = out
            .is_truncated()
            .then(|| out.marker().map(str::to_string))
            .flatten();
        if marker.is_none() {
            break;
        }
    }
    Ok(permissions)
}

#[cfg(test)]
mod tests {
    use super::url_decoded;

    #[test]
    fn trust_policies_are_url_decoded_when_encoded() {
        assert_eq!(
            url_decoded("%7B%22Statement%22%3A%5B%5D%2C%22a%22%3A%22b+c%22%7D"),
            r#"{"Statement":[],"a":"b c"}"#
        );
        let plain = r#"{"Statement":[{"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(url_decoded(plain), plain);
        // A stray percent is kept.
        assert_eq!(url_decoded("%7B%zz"), "{%zz");
    }
}
