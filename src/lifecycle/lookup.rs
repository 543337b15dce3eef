//! Rows of the AMI lookup table that AMI-selection clients query, derived from
//! a lifecycle, and the selection of the best AMI among them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventStatus, Lifecycle, Phase, Stage, parse_version};

/// One AMI in one region, as AMI-selection clients of the reference solution read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRow {
    pub lookup_id: String,
    pub stack_tag: String,
    pub ami_id: String,
    pub ami_semver: String,
    pub aws_region: String,
    pub product_name: String,
    pub product_ver: String,
    pub commit_ref: String,
    pub lifecycle_id: String,
    /// `ami-creation` or `ami-patch`.
    pub lifecycle_type: String,
    /// The reference name of the highest completed event.
    pub lifecycle_event: String,
    /// 1 built, 2 smoke tested, 3 scanned, 4 QA requested, 5 certified, 6 production.
    pub lifecycle_score: u8,
    /// `%m/%d/%Y, %H:%M:%S` in UTC, as the reference solution writes it.
    pub last_modified: String,
    /// The same instant in RFC 3339.
    #[serde(default)]
    pub last_modified_utc: String,
}

/// The reference solution's date format (UTC, no zone).
pub fn reference_date(at: DateTime<Utc>) -> String {
    at.format("%m/%d/%Y, %H:%M:%S").to_string()
}

/// The rows a lifecycle's AMIs should have: one per AMI per stage that built
/// one, scored by the highest COMPLETED event of that stage. Failed or
/// rejected events never raise a score. A stage whose AMIs were disabled or
/// deleted (`retire`) has none.
pub fn rows_for(lc: &Lifecycle, now: DateTime<Utc>) -> Vec<LookupRow> {
    let mut stages = vec![Stage::Creation];
    stages.extend(lc.patches.iter().map(|c| Stage::Patch(c.number)));
    let mut rows = Vec::new();
    for stage in stages {
        let Some(records) = lc.records(stage) else {
            continue;
        };
        // A disabled or deleted AMI is never handed to a selection client.
        if lc.retirement(stage).is_some_and(|r| {
            matches!(
                r.state(),
                super::retire::AmiState::Disabled | super::retire::AmiState::Deleted
            )
        }) {
            continue;
        }
        let Some(best) = records
            .iter()
            .filter(|r| r.status == EventStatus::Completed)
            .max_by_key(|r| r.event.lookup_score())
        else {
            continue;
        };
        let semver = lc.stage_semver(stage).unwrap_or_default().to_string();
        for ami in lc.stage_amis(stage) {
            rows.push(LookupRow {
                lookup_id: format!("{}#{}#{}", lc.lifecycle_id, ami.region, ami.ami_id),
                stack_tag: lc.stack_tag.clone(),
                ami_id: ami.ami_id.clone(),
                ami_semver: semver.clone(),
                aws_region: ami.region.clone(),
                product_name: lc.product_name.clone(),
                product_ver: lc.product_version.clone(),
                commit_ref: lc.commit_ref.clone(),
                lifecycle_id: lc.lifecycle_id.clone(),
                lifecycle_type: stage.phase().lifecycle_type().to_string(),
                lifecycle_event: best.event.reference_name(stage.phase()).to_string(),
                lifecycle_score: best.event.lookup_score(),
                last_modified: reference_date(now),
                last_modified_utc: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
        }
    }
    rows
}

/// The minimum stage an AMI must have reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MinStage {
    Built = 1,
    SmokeTested = 2,
    Scanned = 3,
    QaRequested = 4,
    QaCertified = 5,
    Production = 6,
}

impl MinStage {
    pub const NAMES: [&'static str; 6] = [
        "built",
        "smoke-tested",
        "scanned",
        "qa-requested",
        "qa-certified",
        "production",
    ];

    /// The reference selection client's `--lifecycle_event` labels, in order.
    pub const REFERENCE_LABELS: [&'static str; 6] = [
        "AMI_WITH_OS_HARDENING",
        "SMOKE_TESTED",
        "VULNERABILITY_SCANNED",
        "QA_CERTIFICATION_REQUESTED",
        "QA_CERTIFIED",
        "PRODUCTION_APPROVED",
    ];

    /// Parses amiboard's names, the reference client's labels (with the
    /// server's scores: `VULNERABILITY_SCANNED` is 3 and `QA_CERTIFIED` 5,
    /// where the reference client's own map says 2 and 4) and the stored
    /// event names (`MARK_FOR_PRODUCTION_CREATE`: production).
    pub fn parse(text: &str) -> Option<MinStage> {
        let lower = text.trim().to_ascii_lowercase();
        let stage = match lower.as_str() {
            "built" | "ami_with_os_hardening" => MinStage::Built,
            "smoke-tested" | "smoke_tested" => MinStage::SmokeTested,
            "scanned" | "vulnerability_scanned" => MinStage::Scanned,
            "qa-requested" | "qa_certification_requested" => MinStage::QaRequested,
            "qa-certified" | "qa_certified" => MinStage::QaCertified,
            "production" | "production_approved" => MinStage::Production,
            _ => {
                // The exact stored event names, e.g. MARK_FOR_PRODUCTION_CREATE.
                let score = [Phase::Creation, Phase::Patch]
                    .iter()
                    .flat_map(|p| p.sequence().iter().map(move |k| (k, *p)))
                    .find(|(k, p)| k.reference_name(*p) == text.trim())
                    .map(|(k, _)| k.lookup_score())?;
                return MinStage::from_score(score);
            }
        };
        Some(stage)
    }

    /// The stage a lookup score stands for.
    pub fn from_score(score: u8) -> Option<MinStage> {
        Some(match score {
            1 => MinStage::Built,
            2 => MinStage::SmokeTested,
            3 => MinStage::Scanned,
            4 => MinStage::QaRequested,
            5 => MinStage::QaCertified,
            6 => MinStage::Production,
            _ => return None,
        })
    }

    pub fn score(self) -> u8 {
        self as u8
    }
}

/// A selection criterion as typed: `any` (any case) or blank is no
/// criterion, as in the reference selection client.
pub fn criterion(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("any"))
        .map(str::to_string)
}

/// What an AMI-selection query asks for; `None` is "any".
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The AMI's region (`aws_region`).
    pub region: Option<String>,
    pub min_stage: Option<MinStage>,
    pub product: Option<String>,
    pub product_version: Option<String>,
    /// The lifecycle's commit (`commit_ref`).
    pub commit_ref: Option<String>,
    /// `ami-creation` or `ami-patch` rows only.
    pub lifecycle_type: Option<Phase>,
    /// An exact version; `None` or `latest` means the highest. A version that
    /// does not parse selects nothing.
    pub semver: Option<String>,
}

/// The best row: the highest semver meeting every criterion (ties broken by
/// score, then newest change).
pub fn select<'a>(rows: &'a [LookupRow], query: &Selection) -> Option<&'a LookupRow> {
    // An exact version that does not parse matches nothing, never the latest.
    let exact = match query
        .semver
        .as_deref()
        .filter(|s| !s.trim().eq_ignore_ascii_case("latest"))
    {
        Some(text) => Some(parse_version(text)?),
        None => None,
    };
    let equal = |wanted: Option<&str>, value: &str| wanted.is_none_or(|x| value == x);
    rows.iter()
        .filter(|r| equal(query.region.as_deref(), &r.aws_region))
        .filter(|r| {
            query
                .min_stage
                .is_none_or(|m| r.lifecycle_score >= m.score())
        })
        .filter(|r| equal(query.product.as_deref(), &r.product_name))
        .filter(|r| equal(query.product_version.as_deref(), &r.product_ver))
        .filter(|r| equal(query.commit_ref.as_deref(), &r.commit_ref))
        .filter(|r| {
            query
                .lifecycle_type
                .is_none_or(|t| r.lifecycle_type == t.lifecycle_type())
        })
        .filter_map(|r| parse_version(&r.ami_semver).map(|v| (v, r)))
        .filter(|(v, _)| exact.as_ref().is_none_or(|e| v == e))
        .max_by(|(va, a), (vb, b)| {
            va.cmp(vb)
                .then(a.lifecycle_score.cmp(&b.lifecycle_score))
                .then(a.last_modified_utc.cmp(&b.last_modified_utc))
        })
        .map(|(_, r)| r)
}

/// The highest MAJOR among the rows' versions (rows whose version does not
/// parse are ignored), `None` when there is none.
pub fn highest_major(rows: &[LookupRow]) -> Option<u64> {
    rows.iter()
        .filter_map(|r| parse_version(&r.ami_semver))
        .map(|v| v.major)
        .max()
}
