//! Semantic versions of AMIs: each build in a stack tag takes the next MAJOR,
//! each patch bumps MINOR or PATCH from the AMI it patches.

use std::fmt;

use semver::Version;
use serde::{Deserialize, Serialize};

/// The version component a patch cycle bumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Bump {
    Minor,
    Patch,
}

impl Bump {
    pub fn parse(text: &str) -> Option<Bump> {
        match text.trim().to_ascii_lowercase().as_str() {
            "minor" => Some(Bump::Minor),
            "patch" => Some(Bump::Patch),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bump::Minor => "MINOR",
            Bump::Patch => "PATCH",
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The version a build receives when the stack tag's counter hands out `major`.
/// The counter starts at 1, so the first AMI of a stack tag is 1.0.0.
pub fn build_version(major: u64) -> Version {
    Version::new(major.max(1), 0, 0)
}

/// The version a patch of `parent` receives.
pub fn bump(parent: &Version, bump: Bump) -> Version {
    match bump {
        Bump::Minor => Version::new(parent.major, parent.minor.saturating_add(1), 0),
        Bump::Patch => Version::new(parent.major, parent.minor, parent.patch.saturating_add(1)),
    }
}

/// The version a patch of `parent` receives, or `None` when the part to
/// bump is already at its largest value (stored data can hold anything).
pub fn checked_bump(parent: &Version, how: Bump) -> Option<Version> {
    match how {
        Bump::Minor => Some(Version::new(parent.major, parent.minor.checked_add(1)?, 0)),
        Bump::Patch => Some(Version::new(
            parent.major,
            parent.minor,
            parent.patch.checked_add(1)?,
        )),
    }
}

/// Parses a stored version, tolerating a leading `v` and the dashed form
/// (`1-2-3`) the reference solution uses in names.
pub fn parse_version(text: &str) -> Option<Version> {
    let trimmed = text.trim().trim_start_matches(['v', 'V']);
    Version::parse(trimmed)
        .ok()
        .or_else(|| Version::parse(&trimmed.replace('-', ".")).ok())
}
