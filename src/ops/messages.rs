//! The messages the real services would publish for a workflow's work, in
//! their own formats (those of the AWS documentation; `docs/notifications.md`
//! lists them): Image Builder's image message and EC2's
//! "AMI State Change" event for builds and patches, Run Command
//! notifications for smoke tests. The state machines publish them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::execution_input::Setting;
use crate::lifecycle::{AmiOutput, EventKind, EventRef, Lifecycle};

/// The messages for each way the work can end.
#[derive(Debug, Clone, Default)]
pub struct ServiceMessages {
    pub completed: Vec<Value>,
    pub failed: Vec<Value>,
}

fn message(topic_arn: &str, body: &Value) -> Value {
    json!({ "topic_arn": topic_arn, "message": body.to_string() })
}

fn image_message(
    lc: &Lifecycle,
    at: EventRef,
    amis: &[AmiOutput],
    s: &Setting,
    status: &str,
    reason: Option<&str>,
) -> Value {
    let semver = lc.stage_semver(at.stage).unwrap_or("0.0.0");
    let name = &lc.product_name;
    let base = format!(
        "arn:aws:imagebuilder:{}:{}:image/{name}",
        s.region, s.account
    );
    let mut state = json!({ "status": status });
    if let Some(reason) = reason {
        state["reason"] = json!(reason);
    }
    json!({
        "versionlessArn": base,
        "arn": format!("{base}/{semver}/1"),
        "name": name,
        "version": semver,
        "type": "AMI",
        "buildVersion": 1,
        "state": state,
        "platform": "Linux",
        "imageRecipe": {
            "name": format!("{name}-recipe"),
            "version": semver,
            "components": [{ "componentArn": format!("arn:aws:imagebuilder:{}:aws:component/update-linux/1.0.2/1", s.region) }],
        },
        "sourcePipelineArn": lc.pipeline_arn.clone().unwrap_or_else(|| format!("arn:aws:imagebuilder:{}:{}:image-pipeline/{name}", s.region, s.account)),
        "outputResources": {
            "amis": amis.iter().map(|a| json!({
                "region": a.region,
                "image": a.ami_id,
                "name": a.name,
                "accountId": s.account,
            })).collect::<Vec<_>>(),
        },
        "tags": { "amiboard:lifecycle_id": lc.lifecycle_id },
    })
}

fn ec2_event(ami: &AmiOutput, s: &Setting, state: &str, now: DateTime<Utc>, error: &str) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "EC2 AMI State Change",
        "source": "aws.ec2",
        "account": s.account,
        "time": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "region": ami.region,
        "resources": [format!("arn:aws:ec2:{}::image/{}", ami.region, ami.ami_id)],
        "detail": {
            "RequestId": uuid::Uuid::new_v4().to_string(),
            "ImageId": ami.ami_id,
            "State": state,
            "ErrorMessage": error,
        },
    })
}

fn run_command(lc: &Lifecycle, at: EventRef, status: &str, now: DateTime<Utc>) -> Value {
    let command_id = lc
        .record(at)
        .and_then(|r| r.outputs.run_command_id.clone())
        .unwrap_or_default();
    json!({
        "eventTime": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "documentName": "AWS-RunShellScript",
        "requestedDateTime": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "commandId": command_id,
        "instanceId": "i-0a1b2c3d4e5f60718",
        "status": status,
    })
}

/// The service messages of the work of `at`. `lc` already holds the outputs
/// the work produces.
pub fn service_messages(
    lc: &Lifecycle,
    at: EventRef,
    amis: &[AmiOutput],
    s: &Setting,
    now: DateTime<Utc>,
    reason: &str,
) -> ServiceMessages {
    match at.event {
        EventKind::AmiBuild | EventKind::AmiPatch => ServiceMessages {
            completed: std::iter::once(message(
                &s.imagebuilder_topic,
                &image_message(lc, at, amis, s, "AVAILABLE", None),
            ))
            .chain(
                amis.iter()
                    .map(|a| message(&s.ec2_topic, &ec2_event(a, s, "available", now, ""))),
            )
            .collect(),
            failed: std::iter::once(message(
                &s.imagebuilder_topic,
                &image_message(lc, at, &[], s, "FAILED", Some(reason)),
            ))
            .chain(
                amis.iter()
                    .map(|a| message(&s.ec2_topic, &ec2_event(a, s, "failed", now, reason))),
            )
            .collect(),
        },
        EventKind::SmokeTests => ServiceMessages {
            completed: vec![message(
                &s.run_command_topic,
                &run_command(lc, at, "Success", now),
            )],
            failed: vec![message(
                &s.run_command_topic,
                &run_command(lc, at, "Failed", now),
            )],
        },
        _ => ServiceMessages::default(),
    }
}
