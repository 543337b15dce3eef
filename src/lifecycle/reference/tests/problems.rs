//! Items the mapping refuses (every reason listed), reference dates, and
//! the MAJOR floor.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use serde_json::{Value, json};

use super::{ID, creation_done, item};
use crate::lifecycle::reference::{major_floor, map_item, parse_date};

#[test]
fn whatever_cannot_be_mapped_is_listed_with_every_reason() {
    let reasons = |it: &Value| map_item(it).unwrap_err().reasons;
    let mut it = item(creation_done());
    it["outputs_ami_creation"]["events"][1]["name"] = json!("SMOKE_TEST_AMI_CREATE");
    it["outputs_ami_creation"]["events"][2]["status"] = json!("SKIPPED");
    it["outputs_ami_creation"]["events"][3]["status_date"] = json!("2022-08-21T12:31:10Z");
    it.as_object_mut().unwrap().remove("owner");
    let found = reasons(&it);
    assert_eq!(found.len(), 4, "{found:#?}");
    for part in [
        "unknown event name \"SMOKE_TEST_AMI_CREATE\"",
        "unknown status \"SKIPPED\"",
        "bad date \"2022-08-21T12:31:10Z\"",
        "missing field owner",
    ] {
        assert!(found.iter().any(|r| r.contains(part)), "{part}: {found:#?}");
    }
    let err = map_item(&it).unwrap_err();
    assert_eq!(err.lifecycle_id.as_deref(), Some(ID));

    // The typo is the only spelling the reference writes for creation scans;
    // a patch event in the creation list is refused.
    let mut it = item(creation_done());
    it["outputs_ami_creation"]["events"][2]["name"] = json!("VULNERABILITY_SCANS_AMI_PATCH");
    assert!(
        reasons(&it)[0].contains("is an ami-patch event"),
        "{:?}",
        reasons(&it)
    );
    let mut it = item(creation_done());
    it["outputs_ami_creation"]["events"][0]["name"] = json!("build_ami");
    assert!(reasons(&it)[0].contains("unknown event name \"build_ami\""));

    let mut it = item(creation_done());
    it["event_in_progress"] =
        json!({"name": "SMOKE_TESTS_AMI_CREATE", "execution_startdate": "yesterday"});
    assert!(
        reasons(&it).iter().any(|r| r.contains("already completed")),
        "{:?}",
        reasons(&it)
    );
    assert!(
        reasons(&it)
            .iter()
            .any(|r| r.contains("bad date \"yesterday\""))
    );
    let mut it = item(vec![]);
    it["event_in_progress"] = json!({"name": "BUILD_AMI", "execution_startdate": "08/21/2022, 10:18:21", "status": "WEIRD"});
    assert!(reasons(&it)[0].contains("unknown status \"WEIRD\" in event_in_progress"));

    let none = map_item(&json!(["not", "a", "map"])).unwrap_err();
    assert_eq!(none.lifecycle_id, None);
    assert!(!none.reasons.is_empty());
}

#[test]
fn reference_dates_parse_as_utc_and_nothing_else_does() {
    let at = parse_date("08/21/2022, 10:18:20").unwrap();
    assert_eq!(at.to_rfc3339(), "2022-08-21T10:18:20+00:00");
    for bad in [
        "21/08/2022, 10:18:20",
        "2022-08-21 10:18:20",
        "08/21/2022 10:18:20",
        "",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn the_major_floor_is_one_above_the_lookup_and_the_reference_seed() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    let cases = [
        (None, None, 1),
        (Some(3), None, 4),
        // The seed's own value is taken: a build running in the reference gets it.
        (Some(3), Some(v("4.0.0")), 5),
        (Some(3), Some(v("2.0.0")), 4),
        (None, Some(v("7.0.0")), 8),
        (Some(0), None, 1),
        (Some(u64::MAX), None, u64::MAX),
    ];
    for (lookup, seed, floor) in cases {
        assert_eq!(
            major_floor(lookup, seed.as_ref()),
            floor,
            "{lookup:?} {seed:?}"
        );
    }
}
