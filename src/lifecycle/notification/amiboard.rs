//! amiboard's own lifecycle message (its format is in the parent module's
//! documentation): from the JSON body, else from the message attributes.

use std::fmt::Write as _;

use serde_json::Value;

use super::envelope::Envelope;
use super::{Decoded, EventKind, EventStatus, NotificationKind, Phase, Source, Stage, json};

/// The `kind` of a lifecycle message.
const LIFECYCLE_EVENT: &str = "lifecycle-event";

/// The `kind` of a retirement message (`workflows/retire.asl.json`).
const RETIREMENT: &str = "retirement";

/// Decodes a body marked `"source": "amiboard"` or `"kind": "lifecycle-event"`.
pub(super) fn decode(value: &Value, env: &Envelope, warnings: &mut Vec<String>) -> Option<Decoded> {
    let source = json::raw_str(value, "source");
    let kind = json::raw_str(value, "kind");
    let ours = source.is_some_and(|s| s.eq_ignore_ascii_case("amiboard"))
        || kind.is_some_and(|k| k.eq_ignore_ascii_case(LIFECYCLE_EVENT));
    if !ours {
        return None;
    }
    if kind.is_some_and(|k| k.eq_ignore_ascii_case(RETIREMENT)) {
        return Some(retirement(value, warnings));
    }
    if let Some(other) = kind.filter(|k| !k.eq_ignore_ascii_case(LIFECYCLE_EVENT)) {
        let other = super::sanitize::field(other);
        warnings.push(format!(
            "unknown amiboard message kind {other:?}; shown raw"
        ));
        let mut decoded = Decoded::new(
            Source::Amiboard,
            NotificationKind::Raw,
            format!("amiboard {other}"),
        );
        decoded.lifecycle_id = json::text(value, "lifecycle_id");
        return Some(decoded);
    }
    Some(lifecycle(Some(value), env, warnings))
}

/// Decodes a message whose body is not amiboard JSON but whose attributes
/// carry `lifecycle_id` and `event` or `status`.
pub(super) fn from_attributes(env: &Envelope, warnings: &mut Vec<String>) -> Option<Decoded> {
    env.attribute("lifecycle_id")?;
    if env.attribute("event").is_none() && env.attribute("status").is_none() {
        return None;
    }
    Some(lifecycle(None, env, warnings))
}

/// Reads the lifecycle fields from the body, falling back to the attributes.
fn lifecycle(body: Option<&Value>, env: &Envelope, warnings: &mut Vec<String>) -> Decoded {
    let same_text = |a: &str, b: &str| a == b;
    let same_event = |a: &str, b: &str| {
        EventKind::parse(a).is_some() && EventKind::parse(a) == EventKind::parse(b)
    };
    let same_status = |a: &str, b: &str| {
        EventStatus::parse(a).is_some() && EventStatus::parse(a) == EventStatus::parse(b)
    };
    let lifecycle_id = pick(body, env, "lifecycle_id", same_text, warnings);
    let stack_tag = pick(body, env, "stack_tag", same_text, warnings);
    let event_text = pick(body, env, "event", same_event, warnings);
    let status_text = pick(body, env, "status", same_status, warnings);
    let stage_text = pick(body, env, "stage", same_text, warnings);

    let named = event_text.as_deref().map(EventKind::parse_with_phase);
    if let (Some(text), Some(None)) = (&event_text, &named) {
        warnings.push(format!("unknown lifecycle event {text:?}"));
    }
    let (event, named_phase) = match named.flatten() {
        Some((event, phase)) => (Some(event), phase),
        None => (None, None),
    };
    let status = status_text.as_deref().and_then(EventStatus::parse);
    if let (Some(text), None) = (&status_text, status) {
        warnings.push(format!("unknown lifecycle status {text:?}"));
    }
    let (stage, stage_phase) = stage_text.as_deref().map_or((None, None), parse_stage);
    if let (Some(text), None) = (&stage_text, stage_phase) {
        warnings.push(format!("unknown lifecycle stage {text:?}"));
    }
    if let (Some(a), Some(b)) = (stage_phase, named_phase)
        && a != b
    {
        warnings.push(format!(
            "stage {a} disagrees with event name phase {b}; using the stage"
        ));
    }
    let phase = stage_phase.or(named_phase);
    let attempt = body
        .and_then(|v| json::count(v, "attempt"))
        .or_else(|| env.attribute("attempt").and_then(|a| a.parse().ok()));
    let reason = body.and_then(|v| json::text(v, "reason"));

    let mut decoded = Decoded::new(
        Source::Amiboard,
        NotificationKind::Raw,
        summary(
            stack_tag.as_deref().or(lifecycle_id.as_deref()),
            event,
            stage,
            phase,
            status,
            attempt,
            reason.as_deref(),
        ),
    );
    decoded.lifecycle_id = lifecycle_id;
    decoded.ami_ids = body
        .map(|v| json::strings(v, "ami_ids"))
        .unwrap_or_default();
    decoded.status = status.map(|s| s.name().to_owned());
    decoded.outcome = status;
    decoded.event_time = body.and_then(|v| json::time(v, "time", warnings));
    decoded.kind = NotificationKind::Lifecycle {
        event,
        status,
        stage,
        phase,
        stack_tag,
        attempt,
        actor: body.and_then(|v| json::text(v, "actor")),
        reason,
        execution_arn: body.and_then(|v| json::text(v, "execution_arn")),
    };
    decoded
}

/// One field from the body, else the attribute of the same name; a
/// disagreement keeps the body and notes a warning.
fn pick(
    body: Option<&Value>,
    env: &Envelope,
    name: &str,
    same: impl Fn(&str, &str) -> bool,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let from_body = body.and_then(|v| json::text(v, name));
    let from_attribute = env.attribute(name);
    match (from_body, from_attribute) {
        (Some(body), Some(attribute)) => {
            if !same(&body, attribute) {
                warnings.push(format!(
                    "attribute {name} {attribute:?} disagrees with the message body {body:?}; using the body"
                ));
            }
            Some(body)
        }
        (Some(body), None) => Some(body),
        (None, attribute) => attribute.map(str::to_owned),
    }
}

/// Parses `creation` or `patch-N` (also `patch N`, `patch_N`, `ami-creation`);
/// a bare `patch` / `ami-patch` gives the phase alone.
pub(super) fn parse_stage(text: &str) -> (Option<Stage>, Option<Phase>) {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(phase) = Phase::parse(&lower) {
        let stage = (phase == Phase::Creation).then_some(Stage::Creation);
        return (stage, Some(phase));
    }
    let number = lower
        .strip_prefix("patch")
        .map(|rest| rest.trim_start_matches(['-', '_', ' ']))
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n >= 1);
    match number {
        Some(n) => (Some(Stage::Patch(n)), Some(Phase::Patch)),
        None => (None, None),
    }
}

/// e.g. `web-frontend: SMOKE_TESTS (patch 2) FAILED, attempt 3: 2 of 14 failed`.
fn summary(
    who: Option<&str>,
    event: Option<EventKind>,
    stage: Option<Stage>,
    phase: Option<Phase>,
    status: Option<EventStatus>,
    attempt: Option<u32>,
    reason: Option<&str>,
) -> String {
    let mut line = format!("{}: ", who.unwrap_or("lifecycle"));
    line.push_str(event.map_or("event ?", EventKind::name));
    match (stage, phase) {
        (Some(Stage::Patch(n)), _) => {
            let _ = write!(line, " (patch {n})");
        }
        (Some(Stage::Creation), _) | (None, Some(Phase::Creation)) => {
            line.push_str(" (creation)");
        }
        (None, Some(Phase::Patch)) => line.push_str(" (patch)"),
        (None, None) => {}
    }
    line.push(' ');
    line.push_str(status.map_or("status ?", EventStatus::name));
    if let Some(attempt) = attempt {
        let _ = write!(line, ", attempt {attempt}");
    }
    if let Some(reason) = reason {
        line.push_str(": ");
        line.push_str(reason);
    }
    line
}

/// Decodes a retirement message: `web: RETIRE_DELETE (creation) COMPLETED,
/// attempt 1 by alice; ⚠ override by bob: why`.
fn retirement(value: &Value, warnings: &mut Vec<String>) -> Decoded {
    let event = json::text(value, "event").unwrap_or_else(|| "RETIRE_?".to_string());
    let status_text = json::text(value, "status");
    let status = status_text.as_deref().and_then(EventStatus::parse);
    if let (Some(text), None) = (&status_text, status) {
        warnings.push(format!("unknown retirement status {text:?}"));
    }
    let stage = json::text(value, "stage").and_then(|s| parse_stage(&s).0);
    let stack_tag = json::text(value, "stack_tag");
    let lifecycle_id = json::text(value, "lifecycle_id");
    let attempt = json::count(value, "attempt");
    let actor = json::text(value, "actor");
    let reason = json::text(value, "reason");
    let override_line = value.get("override").filter(|o| o.is_object()).map(|o| {
        let by = json::text(o, "by")
            .map_or_else(|| "someone".to_string(), |b| super::super::actor::short(&b));
        let why = json::text(o, "reason").unwrap_or_default();
        format!("⚠ override by {by}: {why}")
    });
    let mut line = format!(
        "{}: {}",
        stack_tag
            .as_deref()
            .or(lifecycle_id.as_deref())
            .unwrap_or("lifecycle"),
        super::sanitize::field(&event)
    );
    if let Some(stage) = stage {
        let _ = write!(line, " ({})", stage.label());
    }
    let _ = write!(line, " {}", status.map_or("status ?", EventStatus::name));
    if let Some(attempt) = attempt {
        let _ = write!(line, ", attempt {attempt}");
    }
    if let Some(actor) = &actor {
        let _ = write!(line, " by {}", super::super::actor::short(actor));
    }
    if let Some(reason) = &reason {
        let _ = write!(line, ": {reason}");
    }
    if let Some(o) = &override_line {
        let _ = write!(line, "; {o}");
    }
    let mut decoded = Decoded::new(Source::Amiboard, NotificationKind::Raw, line);
    decoded.lifecycle_id = lifecycle_id;
    decoded.ami_ids = json::strings(value, "ami_ids");
    decoded.image_arn = json::text(value, "image_arn");
    decoded.status = status.map(|s| s.name().to_owned());
    decoded.event_time = json::time(value, "time", warnings);
    decoded.kind = NotificationKind::Retirement {
        event,
        status,
        stage,
        stack_tag,
        attempt,
        actor,
        reason,
        execution_arn: json::text(value, "execution_arn"),
        override_line,
    };
    decoded
}
