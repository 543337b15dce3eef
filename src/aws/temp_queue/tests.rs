//! The pure parts of the temporary subscription: names, policies, and which
//! queues count as left behind.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a time")
}

fn tags(host: &str, pid: &str, created: &str, heartbeat: Option<&str>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::from([
        (TAG_HOST.to_string(), host.to_string()),
        (TAG_PID.to_string(), pid.to_string()),
        (TAG_CREATED_AT.to_string(), created.to_string()),
    ]);
    if let Some(beat) = heartbeat {
        tags.insert(TAG_HEARTBEAT.to_string(), beat.to_string());
    }
    tags
}

/// Name, tags, queue creation time, process check, expected reason.
type Case<'a> = (
    &'a str,
    BTreeMap<String, String>,
    Option<DateTime<Utc>>,
    &'a dyn Fn(u32) -> Option<bool>,
    Option<&'a str>,
);

#[test]
fn which_queues_are_left_behind() {
    let now = at("2026-11-23T12:00:00Z");
    let hour = Duration::from_hours(1);
    let alive = |pid: u32| Some(pid == 100);
    let no_proc = |_: u32| None;
    let cases: [Case<'_>; 9] = [
        (
            "live process here, old, heartbeat fresh",
            tags(
                "me",
                "100",
                "2026-11-20T00:00:00Z",
                Some("2026-11-23T11:57:00Z"),
            ),
            None,
            &alive,
            None,
        ),
        (
            // defect 12: a live pid is a hint, not proof (it may be reused).
            "live pid here, heartbeat stale",
            tags(
                "me",
                "100",
                "2026-11-20T00:00:00Z",
                Some("2026-11-23T10:00:00Z"),
            ),
            None,
            &alive,
            Some("last seen 120 min ago (stale after 60 min)"),
        ),
        (
            "dead process here, new",
            tags("me", "200", "2026-11-23T11:59:00Z", None),
            None,
            &alive,
            Some("process 200 on this host is gone"),
        ),
        (
            "other host, fresh",
            tags("other", "200", "2026-11-23T11:30:00Z", None),
            None,
            &alive,
            None,
        ),
        (
            "other host, stale",
            tags("other", "200", "2026-11-23T10:00:00Z", None),
            None,
            &alive,
            Some("last seen 120 min ago (stale after 60 min)"),
        ),
        (
            "other host, old but heartbeat fresh",
            tags(
                "other",
                "200",
                "2026-11-20T00:00:00Z",
                Some("2026-11-23T11:58:00Z"),
            ),
            None,
            &alive,
            None,
        ),
        (
            "no /proc: by age",
            tags("me", "200", "2026-11-23T11:59:00Z", None),
            None,
            &no_proc,
            None,
        ),
        (
            "no tags, old queue",
            BTreeMap::new(),
            Some(at("2026-11-23T09:00:00Z")),
            &alive,
            Some("last seen 180 min ago (stale after 60 min)"),
        ),
        (
            "no tags, no creation time",
            BTreeMap::new(),
            None,
            &alive,
            None,
        ),
    ];
    for (name, tags, created, alive, expected) in cases {
        let got = leftover_reason(&tags, created, now, hour, "me", alive);
        assert_eq!(got.as_deref(), expected, "{name}");
    }
}

#[test]
fn names_policies_and_filters() {
    assert_eq!(queue_prefix("amiboard-"), "amiboard-watch-");
    assert_eq!(queue_prefix("my.team-"), "my-team-watch-");
    let topics = vec![
        "arn:aws:sns:eu-west-1:1:a".to_string(),
        "arn:aws:sns:eu-west-1:1:b".to_string(),
    ];
    let policy: serde_json::Value =
        serde_json::from_str(&queue_policy("arn:aws:sqs:eu-west-1:1:q", &topics))
            .expect("policy JSON");
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "sns.amazonaws.com");
    assert_eq!(statement["Action"], "sqs:SendMessage");
    assert_eq!(statement["Resource"], "arn:aws:sqs:eu-west-1:1:q");
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"],
        serde_json::json!(topics)
    );
    assert_eq!(stack_tag_filter("main"), r#"{"stack_tag":["main"]}"#);
}

#[test]
fn defect_12_a_live_process_of_any_name_is_alive() {
    // This test's own process is not named amiboard: a renamed binary's
    // live `watch` must not lose its queue.
    assert_eq!(process_alive(std::process::id()), Some(true));
    assert_eq!(process_alive(u32::MAX), Some(false));
}
