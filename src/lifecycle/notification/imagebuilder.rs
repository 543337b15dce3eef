//! EC2 Image Builder image messages, published to the infrastructure
//! configuration's SNS topic when an image becomes AVAILABLE or FAILED.

use std::fmt::Write as _;

use serde_json::Value;

use super::{AmiOutput, Decoded, EventStatus, NotificationKind, Source, json, text_in};

/// Decodes an image message: a `state.status` and an Image Builder image `arn`
/// (or `outputResources`).
pub(super) fn decode(value: &Value) -> Option<Decoded> {
    let state = text_in(json::get(value, "state"), "status")?.to_ascii_uppercase();
    let image_arn = json::text(value, "arn").filter(|arn| arn.contains(":imagebuilder:"));
    if image_arn.is_none() && json::get(value, "outputResources").is_none() {
        return None;
    }
    let reason = text_in(json::get(value, "state"), "reason");
    let name = json::text(value, "name");
    let version = json::text(value, "version");
    let build = json::text(value, "buildVersion");
    let amis = amis(value);

    let mut summary = format!("Image Builder {}", name.as_deref().unwrap_or("image"));
    match (&version, &build) {
        (Some(version), Some(build)) => {
            let _ = write!(summary, " {version}/{build}");
        }
        (Some(version), None) => {
            let _ = write!(summary, " {version}");
        }
        _ => {}
    }
    let _ = write!(summary, " {state}");
    if let Some(reason) = &reason {
        let _ = write!(summary, ": {reason}");
    } else if !amis.is_empty() {
        let list: Vec<String> = amis
            .iter()
            .map(|ami| format!("{} ({})", ami.ami_id, ami.region))
            .collect();
        let _ = write!(summary, ": {}", list.join(", "));
    }

    let mut decoded = Decoded::new(Source::ImageBuilder, NotificationKind::Raw, summary);
    decoded.ami_ids = amis.iter().map(|ami| ami.ami_id.clone()).collect();
    decoded.image_arn.clone_from(&image_arn);
    decoded.status = Some(state.clone());
    decoded.outcome = outcome(&state);
    decoded.kind = NotificationKind::ImageBuilderImage {
        state,
        reason,
        image_arn,
        name,
        version,
        amis,
    };
    Some(decoded)
}

/// The AMIs in `outputResources.amis`, skipping entries without an image id.
fn amis(value: &Value) -> Vec<AmiOutput> {
    let list = json::get(value, "outputResources")
        .and_then(|o| json::get(o, "amis"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|ami| {
            Some(AmiOutput {
                account: json::text(ami, "accountId"),
                ami_id: json::text(ami, "image")?,
                region: json::text(ami, "region").unwrap_or_default(),
                name: json::text(ami, "name"),
            })
        })
        .collect()
}

/// What an image state means for the build or patch event that started it.
fn outcome(state: &str) -> Option<EventStatus> {
    match state {
        "AVAILABLE" => Some(EventStatus::Completed),
        "FAILED" => Some(EventStatus::Failed),
        "CANCELLED" => Some(EventStatus::Error),
        "PENDING" | "CREATING" | "BUILDING" | "TESTING" | "DISTRIBUTING" | "INTEGRATING" => {
            Some(EventStatus::InProgress)
        }
        _ => None,
    }
}
