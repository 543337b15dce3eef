//! Run Command seeds: summaries and invocations in both spellings, and every
//! status in both spellings.

use serde_json::json;

use super::super::super::EventStatus;
use super::super::{NotificationKind, Source, decode};
use super::seeds::{COMMAND, COMMAND_V1, at};
use super::{fixture, with_field, wrap};

#[test]
fn run_command_summaries_and_invocations() {
    // (fixture, command, per invocation, instance id, instance ids, document, event time)
    let cases = [
        (
            fixture!("run-command-summary.json"),
            COMMAND,
            false,
            None,
            2,
            "AWS-RunShellScript",
            "2016-04-26T13:15:30Z",
        ),
        (
            fixture!("run-command-invocation.json"),
            COMMAND,
            true,
            Some("i-0f1e2d3c4b5a69788"),
            0,
            "AWS-RunShellScript",
            "2016-04-26T13:16:02Z",
        ),
        (
            fixture!("run-command-summary-v1.json"),
            COMMAND_V1,
            false,
            Some("i-12345678"),
            0,
            "AWS-RunPowerShellScript",
            "2016-04-26T13:45:30Z",
        ),
        (
            fixture!("run-command-invocation-v1.json"),
            COMMAND_V1,
            true,
            Some("i-34567890"),
            0,
            "AWS-RunPowerShellScript",
            "2016-04-26T13:15:31Z",
        ),
    ];
    for (message, command, invocation, instance, instances, document, time) in cases {
        let n = decode(&wrap(message, &[]));
        assert!(n.warnings.is_empty(), "{:?}", n.warnings);
        assert_eq!(n.command_id.as_deref(), Some(command));
        assert_eq!(n.event_time, at(time));
        let NotificationKind::RunCommand {
            command_id,
            instance_id,
            instance_ids,
            per_invocation,
            document_name,
            ..
        } = n.kind
        else {
            panic!("{:?}", n.kind)
        };
        assert_eq!(command_id, command);
        assert_eq!(per_invocation, invocation, "{message}");
        assert_eq!(instance_id.as_deref(), instance);
        assert_eq!(instance_ids.len(), instances);
        assert_eq!(document_name.as_deref(), Some(document));
    }
    let n = decode(fixture!("run-command-invocation.json"));
    assert_eq!(
        n.summary,
        format!("Run Command AWS-RunShellScript {COMMAND} on i-0f1e2d3c4b5a69788: Failed")
    );
}

#[test]
fn run_command_statuses_in_both_spellings() {
    let cases = [
        ("In Progress", "In Progress", Some(EventStatus::InProgress)),
        ("InProgress", "In Progress", Some(EventStatus::InProgress)),
        ("Success", "Success", Some(EventStatus::Completed)),
        ("Failed", "Failed", Some(EventStatus::Failed)),
        ("Timed Out", "Timed Out", Some(EventStatus::Error)),
        ("TimedOut", "Timed Out", Some(EventStatus::Error)),
        ("Canceled", "Canceled", Some(EventStatus::Error)),
        ("Cancelled", "Canceled", Some(EventStatus::Error)),
        ("Pending", "Pending", Some(EventStatus::InProgress)),
        ("Exploded", "Exploded", None),
    ];
    let fixtures = [
        (fixture!("run-command-summary.json"), "status"),
        (fixture!("run-command-invocation.json"), "status"),
        (fixture!("run-command-summary-v1.json"), "Status"),
        (fixture!("run-command-invocation-v1.json"), "Status"),
    ];
    for (input, word, outcome) in cases {
        for (message, key) in fixtures {
            let n = decode(&wrap(&with_field(message, key, json!(input)), &[]));
            assert_eq!(n.source, Source::RunCommand);
            assert_eq!(n.status.as_deref(), Some(word), "{input}");
            assert_eq!(n.outcome, outcome, "{input}");
            assert_eq!(n.warnings.len(), usize::from(outcome.is_none()), "{input}");
            let NotificationKind::RunCommand { status, .. } = &n.kind else {
                panic!()
            };
            assert_eq!(status, word);
        }
    }
}
