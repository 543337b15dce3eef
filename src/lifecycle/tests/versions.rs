//! Semantic versions: one MAJOR per build, MINOR or PATCH per patch, and the
//! stored spellings that parse.

use semver::Version;

use super::super::{Bump, build_version, bump, parse_version};

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

#[test]
fn each_build_takes_the_next_major() {
    let cases = [
        (0, "1.0.0"),
        (1, "1.0.0"),
        (2, "2.0.0"),
        (3, "3.0.0"),
        (42, "42.0.0"),
    ];
    for (major, expected) in cases {
        assert_eq!(build_version(major), v(expected), "counter {major}");
    }
}

#[test]
fn patches_bump_minor_or_patch_from_the_parent() {
    let cases = [
        ("1.0.0", Bump::Patch, "1.0.1"),
        ("1.0.0", Bump::Minor, "1.1.0"),
        ("2.0.0", Bump::Minor, "2.1.0"),
        ("2.1.0", Bump::Patch, "2.1.1"),
        ("2.1.1", Bump::Patch, "2.1.2"),
        // A MINOR bump resets PATCH.
        ("2.1.1", Bump::Minor, "2.2.0"),
        ("2.9.0", Bump::Minor, "2.10.0"),
        // Pre-release and build metadata are not carried over.
        ("3.0.0-rc.1+build.5", Bump::Patch, "3.0.1"),
        ("3.0.0-rc.1", Bump::Minor, "3.1.0"),
    ];
    for (parent, kind, expected) in cases {
        assert_eq!(bump(&v(parent), kind), v(expected), "{parent} {kind}");
    }
}

#[test]
fn a_stack_tags_history_reads_as_the_issue_says() {
    let second = build_version(2);
    let minor = bump(&second, Bump::Minor);
    let patched = bump(&minor, Bump::Patch);
    let history: Vec<String> = [build_version(1), second, minor, patched]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(history, ["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
}

#[test]
fn stored_versions_parse() {
    let cases = [
        ("1.2.3", Some("1.2.3")),
        ("  1.2.3 ", Some("1.2.3")),
        ("v1.2.3", Some("1.2.3")),
        ("V2.0.0", Some("2.0.0")),
        // The dashed form the reference solution uses in AMI names.
        ("1-2-3", Some("1.2.3")),
        ("v10-0-1", Some("10.0.1")),
        // A real pre-release keeps its dash.
        ("1.0.0-rc.1", Some("1.0.0-rc.1")),
        ("", None),
        ("latest", None),
        ("1.2", None),
        ("1", None),
        ("1.2.3.4", None),
        ("a.b.c", None),
        ("1.2.x", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_version(text), expected.map(v), "{text:?}");
    }
}

#[test]
fn bump_kinds_parse_and_display() {
    let cases = [
        ("minor", Some(Bump::Minor)),
        ("MINOR", Some(Bump::Minor)),
        (" Patch ", Some(Bump::Patch)),
        ("patch", Some(Bump::Patch)),
        ("major", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(Bump::parse(text), expected, "{text:?}");
    }
    assert_eq!(Bump::Minor.to_string(), "MINOR");
    assert_eq!(Bump::Patch.name(), "PATCH");
    assert_eq!(serde_json::to_string(&Bump::Patch).unwrap(), "\"PATCH\"");
}
