//! Lifecycle links, deduplication and event-time order.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::super::super::{AmiOutput, Bump, Lifecycle, PatchCycle};
use super::super::{
    Deduper, LinkIndex, Notification, compare_event_time, decode, is_newer, match_lifecycle,
};
use super::{fixture, with_field, wrap};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn ami(id: &str) -> AmiOutput {
    AmiOutput {
        account: None,
        region: "eu-west-1".to_owned(),
        ami_id: id.to_owned(),
        name: None,
    }
}

fn lifecycles() -> Vec<Lifecycle> {
    let now = at("2026-11-01T00:00:00Z");
    let mut first = Lifecycle::new("lc-1", "web", "web", "1", "team", now);
    first.creation[0].outputs.amis = vec![ami("ami-created"), ami("ami-created-us")];
    first.creation[0].outputs.image_arn =
        Some("arn:aws:imagebuilder:eu-west-1:1:image/web/1.0.0/1".to_owned());
    first.creation[1].outputs.run_command_id = Some("cmd-creation".to_owned());
    let mut events = Lifecycle::empty_patch_events();
    events[0].outputs.amis = vec![ami("ami-patched")];
    events[1].outputs.run_command_id = Some("cmd-patch".to_owned());
    first.patches.push(PatchCycle {
        number: 1,
        bump: Bump::Minor,
        parent_ami_id: "ami-created".to_owned(),
        parent_semver: "1.0.0".to_owned(),
        semver: "1.1.0".to_owned(),
        component: None,
        description: None,
        created_at: now,
        actor: None,
        events,
    });
    let mut second = Lifecycle::new("lc-2", "api", "api", "1", "team", now);
    second.creation[0].outputs.amis = vec![ami("ami-second"), ami("ami-created")];
    second.creation[1].outputs.run_command_id = Some("cmd-second".to_owned());
    vec![first, second]
}

fn notification(
    ami_ids: &[&str],
    image_arn: Option<&str>,
    command_id: Option<&str>,
) -> Notification {
    let mut n = decode("{}");
    n.ami_ids = ami_ids.iter().map(|s| (*s).to_owned()).collect();
    n.image_arn = image_arn.map(str::to_owned);
    n.command_id = command_id.map(str::to_owned);
    n
}

#[test]
fn index_covers_every_record_and_the_first_claim_wins() {
    let index = LinkIndex::from_lifecycles(&lifecycles());
    assert_eq!(index.counts(), (4, 1, index.counts().2));
    assert_eq!(index.ami("ami-created"), Some("lc-1"));
    assert_eq!(index.ami("ami-patched"), Some("lc-1"));
    assert_eq!(index.ami("ami-unknown"), None);
    assert_eq!(index.command("cmd-patch"), Some("lc-1"));
    assert!(LinkIndex::from_lifecycles(&[]).is_empty());
}

#[test]
fn match_by_id_then_command_then_image_then_ami() {
    let index = LinkIndex::from_lifecycles(&lifecycles());
    let arn = "arn:aws:imagebuilder:eu-west-1:1:image/web/1.0.0/1";
    let cases = [
        (notification(&["ami-second"], None, None), Some("lc-2")),
        (
            notification(&["ami-unknown", "ami-patched"], None, None),
            Some("lc-1"),
        ),
        (
            notification(&["ami-second"], None, Some("cmd-creation")),
            Some("lc-1"),
        ),
        (notification(&["ami-second"], Some(arn), None), Some("lc-1")),
        (
            notification(&["ami-unknown"], Some("arn:other"), Some("cmd-unknown")),
            None,
        ),
        (notification(&[], None, None), None),
    ];
    for (n, expected) in cases {
        assert_eq!(match_lifecycle(&n, &index).as_deref(), expected, "{n:?}");
    }
    let mut named = notification(&["ami-second"], None, None);
    named.lifecycle_id = Some("lc-named".to_owned());
    assert_eq!(match_lifecycle(&named, &index).as_deref(), Some("lc-named"));
}

#[test]
fn deduper_remembers_the_last_n_ids() {
    let mut dedup = Deduper::new(3);
    let steps = [
        ("a", true),
        ("b", true),
        ("a", false),
        ("c", true),
        ("d", true),
        ("a", true),
        ("d", false),
        ("b", true),
    ];
    for (id, first) in steps {
        assert_eq!(dedup.first_time(id), first, "{id}");
        assert!(dedup.len() <= 3);
    }
    let mut tiny = Deduper::new(0);
    assert!(tiny.is_empty());
    assert!(tiny.first_time("x"));
    assert!(!tiny.first_time("x"));
    assert!(tiny.first_time("y") && tiny.first_time("x"));

    let body = fixture!("amiboard-lifecycle-envelope.json");
    let mut dedup = Deduper::new(10);
    assert!(dedup.first_time(&decode(body).message_id));
    assert!(
        !dedup.first_time(&decode(body).message_id),
        "a redelivery is a duplicate"
    );
}

#[test]
fn newer_is_by_event_time_not_arrival() {
    let body = fixture!("amiboard-lifecycle.json");
    let event = |time: &str, status: &str, attempt: u32| {
        let message = with_field(
            &with_field(
                &with_field(body, "time", json!(time)),
                "status",
                json!(status),
            ),
            "attempt",
            json!(attempt),
        );
        decode(&wrap(&message, &[]))
    };
    let started = event("2026-11-23T09:00:00Z", "IN_PROGRESS", 1);
    let finished = event("2026-11-23T10:00:00Z", "COMPLETED", 1);
    // Arrival order is the reverse: the late IN_PROGRESS must not win.
    assert!(is_newer(&finished, &started));
    assert!(!is_newer(&started, &finished));

    let same_time_running = event("2026-11-23T10:00:00Z", "IN_PROGRESS", 1);
    assert!(
        is_newer(&finished, &same_time_running),
        "a finished status wins a tie"
    );
    let retry = event("2026-11-23T10:00:00Z", "IN_PROGRESS", 2);
    assert!(is_newer(&retry, &finished), "a higher attempt wins a tie");
    assert!(!is_newer(&finished, &finished));

    let untimed = decode(&with_field(body, "time", json!(null)));
    assert_eq!(untimed.event_time, None);
    assert!(is_newer(&started, &untimed) && !is_newer(&untimed, &started));
    assert_eq!(
        compare_event_time(&untimed, &untimed),
        std::cmp::Ordering::Equal
    );
}
