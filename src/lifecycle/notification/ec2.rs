//! `EventBridge` "EC2 AMI State Change" events (an AMI became available,
//! failed or was deregistered), as `EventBridge` forwards them to SNS.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Decoded, EventStatus, NotificationKind, Source, json, text_in};

/// The `EventBridge` `detail-type` of these events.
const DETAIL_TYPE: &str = "EC2 AMI State Change";

/// Decodes an event whose `detail-type` is "EC2 AMI State Change".
pub(super) fn decode(value: &Value, warnings: &mut Vec<String>) -> Option<Decoded> {
    let detail_type = json::raw_str(value, "detail-type")?;
    if !detail_type.eq_ignore_ascii_case(DETAIL_TYPE) {
        return None;
    }
    if let Some(source) = json::text(value, "source").filter(|s| s != "aws.ec2") {
        warnings.push(format!("{DETAIL_TYPE} from unexpected source {source:?}"));
    }
    let detail = json::get(value, "detail");
    let region = json::text(value, "region");
    let ami_id = text_in(detail, "ImageId").or_else(|| ami_from_resources(value));
    let state = text_in(detail, "State").map(|s| s.to_ascii_lowercase());
    let error_message = text_in(detail, "ErrorMessage");
    let event_time = json::time(value, "time", warnings);

    let Some(ami_id) = ami_id else {
        warnings.push(format!("{DETAIL_TYPE} without an ImageId; shown raw"));
        let mut decoded = Decoded::new(Source::Ec2, NotificationKind::Raw, DETAIL_TYPE.to_owned());
        decoded.event_time = event_time;
        return Some(decoded);
    };
    let state = state.unwrap_or_else(|| {
        warnings.push(format!("{DETAIL_TYPE} without a State"));
        "unknown".to_owned()
    });
    let mut summary = format!("AMI {ami_id} {state}");
    if let Some(region) = &region {
        let _ = write!(summary, " in {region}");
    }
    if let Some(error) = &error_message {
        let _ = write!(summary, ": {error}");
    }
    let mut decoded = Decoded::new(Source::Ec2, NotificationKind::Raw, summary);
    decoded.ami_ids = vec![ami_id.clone()];
    decoded.status = Some(state.clone());
    decoded.outcome = outcome(&state);
    decoded.event_time = event_time;
    decoded.kind = NotificationKind::AmiStateChange {
        state,
        ami_id,
        region,
        error_message,
    };
    Some(decoded)
}

/// What an AMI state means for the event that made the AMI. Deregistration
/// ends an AMI rather than an event, so it means nothing here.
fn outcome(state: &str) -> Option<EventStatus> {
    match state {
        "available" => Some(EventStatus::Completed),
        "failed" | "error" | "invalid" => Some(EventStatus::Failed),
        "pending" => Some(EventStatus::InProgress),
        _ => None,
    }
}

/// The AMI id at the end of an `arn:aws:ec2:region::image/ami-…` resource.
fn ami_from_resources(value: &Value) -> Option<String> {
    json::strings(value, "resources")
        .iter()
        .find_map(|arn| arn.rsplit_once(":image/").map(|(_, id)| id.to_owned()))
        .filter(|id| id.starts_with("ami-"))
}
