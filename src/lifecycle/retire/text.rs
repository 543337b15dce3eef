//! The lines people read for a retirement's preview and a where-used
//! answer, shared by the command line and the dashboard.

use chrono::{DateTime, Utc};

use super::super::{Lifecycle, format_age};
use super::{Ec2State, Preview, superseded};

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ({} ago)",
        at.format("%Y-%m-%d %H:%M:%S UTC"),
        format_age(now.signed_duration_since(at))
    )
}

/// The preview: what the retirement does, to which AMIs, snapshots,
/// regions and references, and what overrides it needs.
pub fn preview_lines(p: &Preview, now: DateTime<Utc>) -> Vec<String> {
    let mut lines = Vec::new();
    let when = match p.deprecate_at {
        Some(at) => format!(" at {}", at.format("%Y-%m-%dT%H:%M:%SZ")),
        None => String::new(),
    };
    lines.push(format!(
        "{}{when}: {} {} ({}), now {}",
        p.action.event_name(),
        short(&p.lifecycle_id),
        p.semver.as_deref().unwrap_or("?"),
        p.stage.label(),
        p.state.phrase()
    ));
    if p.in_production {
        lines.push("  in production: nothing supersedes it".to_string());
    }
    for s in &p.superseded {
        let at =
            s.at.map(|t| format!(" on {}", t.format("%Y-%m-%d")))
                .unwrap_or_default();
        lines.push(format!("  {} ({}{at})", s.line(), s.region));
    }
    lines.push(format!("  image {}", p.image_arn));
    for ami in &p.amis {
        let state = ami
            .ec2
            .as_ref()
            .map_or_else(|| "no where-used answer".to_string(), Ec2State::phrase);
        lines.push(format!("  {} {}: {state}", ami.region, ami.ami_id));
        if !ami.snapshots.is_empty() {
            lines.push(format!("    snapshots {}", ami.snapshots.join(", ")));
        }
        if let Some(at) = &ami.last_launched {
            lines.push(format!("    last launched {at}"));
        }
        for r in &ami.references {
            lines.push(format!("    used by {} {}", r.resource_type, r.arn));
        }
    }
    match p.references_as_of {
        Some(at) => lines.push(format!(
            "  references: {} recorded {}",
            p.references(),
            age(at, now)
        )),
        None => {
            lines
                .push("  references: never checked (amiboard where-used ID --refresh)".to_string());
        }
    }
    lines.push(format!("  lookup rows: {}", p.lookup_effect()));
    if let Some(o) = &p.approval_override {
        lines.push(format!("  {}", o.line()));
    }
    lines
}

/// A lifecycle's where-used answer, AMI by AMI, with its age; other
/// regions' AMIs are listed as not checked here.
pub fn where_used_lines(lc: &Lifecycle, others: &[Lifecycle], now: DateTime<Utc>) -> Vec<String> {
    let mut lines = Vec::new();
    let answer = lc.where_used.as_ref();
    match answer {
        Some(w) => lines.push(format!(
            "{} {}: EC2 answered {} ago in {} ({}), stack tag {}{}",
            short(&lc.lifecycle_id),
            lc.product_name,
            format_age(now.signed_duration_since(w.as_of)),
            w.region,
            w.as_of.format("%Y-%m-%d %H:%M:%S UTC"),
            lc.stack_tag,
            if w.truncated { "; more than 1000 references: the first 1000 shown" } else { "" }
        )),
        None => lines.push(format!(
            "{} {} (stack tag {}): no where-used answer recorded yet (amiboard where-used {} --refresh)",
            short(&lc.lifecycle_id),
            lc.product_name,
            lc.stack_tag,
            short(&lc.lifecycle_id)
        )),
    }
    if let Some(e) = &lc.where_used_error {
        lines.push(format!(
            "  last refresh failed {}: {}",
            age(e.at, now),
            e.reason
        ));
    }
    let mut all = others.to_vec();
    all.retain(|o| o.lifecycle_id != lc.lifecycle_id);
    all.push(lc.clone());
    let sup = superseded(&all);
    for stage in lc.stages() {
        let amis = lc.stage_amis(stage);
        if amis.is_empty() {
            continue;
        }
        let mut head = format!(
            "  {} {}",
            stage.label(),
            lc.stage_semver(stage).unwrap_or("?")
        );
        if let Some(s) = sup
            .get(&(lc.lifecycle_id.clone(), stage))
            .and_then(|v| v.first())
        {
            head.push_str(&format!(", {}", s.line()));
        }
        if let Some(r) = lc.retirement(stage) {
            head.push_str(&format!(", amiboard: {}", r.state().phrase()));
            if r.running() {
                head.push_str(&format!(" ({} running)", r.action.event_name()));
            }
        }
        lines.push(head);
        for ami in amis {
            let state = answer
                .and_then(|w| w.state_of(&ami.region, &ami.ami_id, now))
                .map_or_else(|| "not asked yet".to_string(), |s| s.phrase());
            lines.push(format!("    {} {}: {state}", ami.region, ami.ami_id));
            let Some(w) = answer.filter(|w| w.covers(&ami.region, &ami.ami_id)) else {
                continue;
            };
            if let Some(at) = w.last_launched(&ami.ami_id) {
                lines.push(format!("      last launched {at}"));
            }
            let refs = w.references_to(&ami.ami_id);
            if refs.is_empty() {
                lines.push("      no references".to_string());
            }
            for r in refs {
                lines.push(format!("      used by {} {}", r.resource_type, r.arn));
            }
        }
    }
    lines
}

/// One line per stage that has an end-of-life fact: superseded by which,
/// retired by amiboard (how far), EC2's recorded state, or deregistered
/// outside amiboard.
pub fn end_of_life_lines(lc: &Lifecycle, peers: &[Lifecycle], now: DateTime<Utc>) -> Vec<String> {
    let mut all = peers.to_vec();
    all.retain(|o| o.lifecycle_id != lc.lifecycle_id);
    all.push(lc.clone());
    end_of_life_with(lc, &superseded(&all), now)
}

/// [`end_of_life_lines`] with the supersessions computed once for a list.
pub fn end_of_life_with<S: std::hash::BuildHasher>(
    lc: &Lifecycle,
    sup: &std::collections::HashMap<(String, super::super::Stage), Vec<super::Supersession>, S>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let outside = lc.deregistered_outside(now);
    let mut lines = Vec::new();
    for stage in lc.stages() {
        let amis = lc.stage_amis(stage);
        if amis.is_empty() {
            continue;
        }
        let mut facts = Vec::new();
        if let Some(s) = sup
            .get(&(lc.lifecycle_id.clone(), stage))
            .and_then(|v| v.first())
        {
            facts.push(s.line());
        }
        if let Some(r) = lc.retirement(stage) {
            let state = r.state();
            if state != super::AmiState::Available
                || r.history
                    .iter()
                    .any(|h| h.action != super::RetireAction::Restore)
            {
                facts.push(format!("amiboard: {}", state.phrase()));
            }
            if r.running() {
                facts.push(format!("{} running", r.action.event_name()));
            }
        }
        if let Some(w) = &lc.where_used {
            for ami in amis {
                if let Some(state) = w
                    .state_of(&ami.region, &ami.ami_id, now)
                    .filter(|s| !matches!(s, Ec2State::NotChecked { .. } | Ec2State::Available))
                {
                    facts.push(format!("EC2 {}: {}", ami.ami_id, state.phrase()));
                }
            }
        }
        for ami in &outside {
            if amis.iter().any(|a| &a.ami_id == ami) {
                facts.push(format!("{ami} was deregistered outside amiboard"));
            }
        }
        if !facts.is_empty() {
            lines.push(format!(
                "{} {}: {}",
                stage.label(),
                lc.stage_semver(stage).unwrap_or("?"),
                facts.join("; ")
            ));
        }
    }
    lines
}

/// Every retirement run, oldest first: action, stage, status, who, when,
/// why, and the override that let it through.
pub fn retirement_trail(lc: &Lifecycle) -> Vec<String> {
    let mut lines = Vec::new();
    for record in &lc.retirements {
        for run in record.runs() {
            let at = run
                .finished_at
                .or(run.started_at)
                .map(|t| t.format(" at %Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default();
            let who = run
                .actor
                .as_deref()
                .map(|a| format!(" by {}", super::super::actor::short(a)))
                .unwrap_or_default();
            let when = run
                .deprecate_at
                .map(|t| t.format(" (deprecate at %Y-%m-%dT%H:%M:%SZ)").to_string())
                .unwrap_or_default();
            lines.push(format!(
                "{} ({}){when} {}{who}{at}, attempt {}",
                run.action.event_name(),
                record.stage,
                run.status.name(),
                run.attempt
            ));
            if let Some(reason) = &run.reason {
                lines.push(format!("  reason: {reason}"));
            }
            if let Some(o) = &run.approval_override {
                lines.push(format!("  {}", o.line()));
            }
            for resource in run.outputs.resources() {
                lines.push(format!("  {}", resource.line()));
            }
        }
    }
    lines
}
