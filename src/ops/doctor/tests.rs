//! The checks, pure: each failure with its fix, each unknown as skipped.

use super::checks::{self, TableExpect};
use super::permissions::{Principal, principal};
use super::{Answer, Check, Fixes, Status, answer, role_name};
use crate::aws::AwsError;
use crate::aws::inspect::{
    BucketShape, IndexShape, InstanceProfileShape, KeyShape, Permission, PipelineShape, RuleShape,
    TableShape, TopicShape,
};

pub(super) const LOCAL: Fixes = Fixes { local: true };
pub(super) const AWS: Fixes = Fixes { local: false };
const EC2_TOPIC: &str = "arn:aws:sns:us-east-1:1:p-ec2-ami-events";
const IB_TOPIC: &str = "arn:aws:sns:us-east-1:1:p-imagebuilder-images";

fn key(hash: &str, range: Option<&str>) -> KeyShape {
    KeyShape {
        hash: hash.into(),
        range: range.map(Into::into),
    }
}

fn lifecycles() -> TableExpect {
    TableExpect {
        name: "p-lifecycles".into(),
        key: "lifecycle_id",
        index: Some(("stack_tag_index", Some("updated_at"))),
    }
}

fn good_table() -> TableShape {
    TableShape {
        name: "p-lifecycles".into(),
        key: key("lifecycle_id", None),
        indexes: vec![IndexShape {
            name: "stack_tag_index".into(),
            key: key("stack_tag", Some("updated_at")),
        }],
        deletion_protection: true,
        point_in_time_recovery: Ok(true),
    }
}

pub(super) fn assert_fail(check: &Check, detail: &str, fix: &str) {
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.detail.contains(detail), "{check:?}");
    assert!(
        check.fix.as_deref().is_some_and(|f| f.contains(fix)),
        "{check:?}"
    );
}

#[test]
fn a_table_passes_only_with_its_keys_index_and_recovery() {
    let ok = checks::table(&lifecycles(), Answer::Found(good_table()), &LOCAL);
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(ok.fix, None);

    let missing = checks::table(&lifecycles(), Answer::Missing, &LOCAL);
    assert_fail(&missing, "does not exist", "run `amiboard provision`");
    let missing = checks::table(&lifecycles(), Answer::Missing, &AWS);
    assert_fail(&missing, "does not exist", "deploy/amiboard.template.json");

    let mut no_pitr = good_table();
    no_pitr.point_in_time_recovery = Ok(false);
    let check = checks::table(&lifecycles(), Answer::Found(no_pitr), &AWS);
    assert_fail(
        &check,
        "point-in-time recovery is off",
        "update-continuous-backups --table-name p-lifecycles",
    );

    let mut wrong = good_table();
    wrong.key = key("id", None);
    wrong.indexes[0].key = key("stack_tag", None);
    let check = checks::table(&lifecycles(), Answer::Found(wrong), &LOCAL);
    assert_fail(&check, "key is id, expected lifecycle_id", "recreate it");
    assert!(
        check
            .detail
            .contains("index stack_tag_index has key stack_tag")
    );

    let mut no_index = good_table();
    no_index.indexes.clear();
    let check = checks::table(&lifecycles(), Answer::Found(no_index), &LOCAL);
    assert_fail(&check, "index stack_tag_index is missing", "provision");

    // Recovery that could not be read is said, not failed.
    let mut unknown = good_table();
    unknown.point_in_time_recovery = Err("denied".into());
    let check = checks::table(&lifecycles(), Answer::Found(unknown), &LOCAL);
    assert_eq!(check.status, Status::Pass);
    assert!(check.detail.contains("not known (denied)"));

    let check = checks::table(&lifecycles(), Answer::Unknown("denied".into()), &LOCAL);
    assert_eq!(check.status, Status::Skip);
    assert!(check.detail.contains("denied"));
}

fn policy(principal: &str, condition: bool) -> String {
    let condition = if condition {
        r#","Condition":{"StringEquals":{"AWS:SourceOwner":"1"}}"#
    } else {
        ""
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":["sns:Publish"],"Resource":"*"{condition}}}]}}"#
    )
}

#[test]
fn topic_policies_must_let_the_publishing_service_publish() {
    let service = policy(r#"{"Service":["events.amazonaws.com"]}"#, false);
    assert!(checks::policy_allows(&service, "events.amazonaws.com"));
    assert!(!checks::policy_allows(&service, "ssm.amazonaws.com"));
    // The default policy (any AWS principal of the owner account) does not let services in.
    let owner_only = policy(r#"{"AWS":"*"}"#, true);
    assert!(!checks::policy_allows(&owner_only, "events.amazonaws.com"));
    assert!(checks::policy_allows(
        &policy(r#""*""#, false),
        "events.amazonaws.com"
    ));
    let deny = service.replace("Allow", "Deny");
    assert!(!checks::policy_allows(&deny, "events.amazonaws.com"));
    assert!(!checks::policy_allows("not json", "events.amazonaws.com"));

    let topic = |policy: Option<String>| {
        Answer::Found(TopicShape {
            arn: EC2_TOPIC.into(),
            policy,
        })
    };
    let ok = checks::topic(
        "p-ec2",
        Some("events.amazonaws.com"),
        topic(Some(service)),
        &LOCAL,
    );
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    let bad = checks::topic(
        "p-ec2",
        Some("events.amazonaws.com"),
        topic(Some(owner_only)),
        &LOCAL,
    );
    assert_fail(
        &bad,
        "does not let events.amazonaws.com publish",
        "`amiboard provision` does not create it",
    );
    // The lifecycle topic only has to exist.
    assert_eq!(
        checks::topic("p-lc", None, topic(None), &LOCAL).status,
        Status::Pass
    );
    assert_fail(
        &checks::topic("p-lc", None, Answer::Missing, &LOCAL),
        "does not exist",
        "amiboard provision",
    );
}

fn rule(pattern: &str, targets: &[&str]) -> Answer<RuleShape> {
    Answer::Found(RuleShape {
        name: "p-ec2-ami-events".into(),
        event_pattern: Some(pattern.into()),
        enabled: true,
        targets: targets.iter().map(|t| (*t).to_string()).collect(),
    })
}

#[test]
fn the_rule_needs_the_ami_pattern_and_the_ec2_topic() {
    let pattern = r#"{"source":["aws.ec2"],"detail-type":["EC2 AMI State Change"]}"#;
    let ok = checks::rule("r", EC2_TOPIC, rule(pattern, &[EC2_TOPIC]), &LOCAL);
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    let elsewhere = checks::rule("r", EC2_TOPIC, rule(pattern, &["arn:x"]), &LOCAL);
    assert_fail(
        &elsewhere,
        &format!("does not target {EC2_TOPIC}"),
        "provision",
    );
    let wrong =
        r#"{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}"#;
    let check = checks::rule("r", EC2_TOPIC, rule(wrong, &[EC2_TOPIC]), &AWS);
    assert_fail(&check, "not aws.ec2", "deploy/amiboard.template.json");
    assert_fail(
        &checks::rule("r", EC2_TOPIC, Answer::Missing, &LOCAL),
        "does not exist",
        "provision",
    );
}

#[test]
fn state_machines_must_be_at_the_binarys_version() {
    assert_eq!(checks::machine("m", Some(3), 3, &AWS).status, Status::Pass);
    assert_fail(
        &checks::machine("m", Some(2), 3, &AWS),
        "workflows v2 are older than this binary's v3",
        "run `amiboard provision` or update the stack",
    );
    assert_fail(
        &checks::machine("m", Some(4), 3, &LOCAL),
        "newer",
        "update amiboard",
    );
    assert_fail(
        &checks::machine("m", None, 3, &LOCAL),
        "does not exist",
        "run `amiboard provision`",
    );
}

#[test]
fn roles_and_the_instance_profile_must_exist() {
    let ok = checks::role("Run Command", "r", "k", Answer::Found("arn:r".into()), &AWS);
    assert_eq!(ok.status, Status::Pass);
    assert_fail(
        &checks::role("Run Command", "r", "[workflows] k", Answer::Missing, &AWS),
        "does not exist",
        "deploy deploy/amiboard.template.json (docs/deploy.md); or set [workflows] k",
    );
    let empty = InstanceProfileShape {
        name: "p".into(),
        roles: vec![],
    };
    assert_fail(
        &checks::instance_profile("p", Answer::Found(empty), &AWS),
        "has no role",
        "AmazonSSMManagedInstanceCore",
    );
    let full = InstanceProfileShape {
        name: "p".into(),
        roles: vec!["smoke".into()],
    };
    assert_eq!(
        checks::instance_profile("p", Answer::Found(full), &AWS).status,
        Status::Pass
    );
}

#[test]
fn pipelines_must_scan_and_notify_the_imagebuilder_topic() {
    let shape = |scanning: bool, topic: Result<Option<String>, String>| {
        Answer::Found(PipelineShape {
            arn: "arn:p".into(),
            enabled: true,
            scanning,
            infrastructure_arn: Some("arn:i".into()),
            topic,
            distribution_regions: Ok(None),
        })
    };
    let ok = shape(true, Ok(Some(IB_TOPIC.into())));
    assert_eq!(checks::pipeline("arn:p", &ok, &AWS).status, Status::Pass);
    let topic = checks::pipeline_topic("arn:p", &ok, IB_TOPIC).expect("a line");
    assert_eq!(topic.status, Status::Pass);

    let unscanned = shape(false, Ok(None));
    assert_fail(
        &checks::pipeline("arn:p", &unscanned, &AWS),
        "image scanning is off",
        "imageScanningEnabled",
    );
    assert_fail(
        &checks::pipeline_topic("arn:p", &unscanned, IB_TOPIC).expect("a line"),
        "sends none",
        &format!("--sns-topic-arn {IB_TOPIC}"),
    );
    let elsewhere = shape(true, Ok(Some("arn:other".into())));
    assert_fail(
        &checks::pipeline_topic("arn:p", &elsewhere, IB_TOPIC).expect("a line"),
        "sent to arn:other",
        IB_TOPIC,
    );
    let unknown = shape(true, Err("not at this endpoint".into()));
    assert_eq!(
        checks::pipeline_topic("arn:p", &unknown, IB_TOPIC)
            .expect("a line")
            .status,
        Status::Skip
    );
    assert_fail(
        &checks::pipeline("arn:p", &Answer::Missing, &AWS),
        "does not exist",
        "pipeline_arn",
    );
    assert!(checks::pipeline_topic("arn:p", &Answer::Missing, IB_TOPIC).is_none());
}

#[test]
fn buckets_must_exist_and_say_how_they_are_protected() {
    let shape = BucketShape {
        name: "b".into(),
        public_access_blocked: Ok(true),
        encrypted: Ok(false),
    };
    // A line that says NOT is ✘ with the command that fixes it, never ✔.
    let check = checks::bucket("export", "b", Answer::Found(shape.clone()), &LOCAL);
    assert_eq!(check.status, Status::Fail);
    assert!(check.detail.contains("NOT encrypted"), "{check:?}");
    assert!(check.detail.contains("public access blocked"), "{check:?}");
    assert!(
        check
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("put-bucket-encryption --bucket b")
                && !f.contains("put-public-access-block")),
        "{check:?}"
    );
    let open = BucketShape {
        public_access_blocked: Ok(false),
        encrypted: Ok(true),
        ..shape
    };
    let check = checks::bucket("export", "b", Answer::Found(open.clone()), &LOCAL);
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(
        check.detail.contains("public access NOT blocked"),
        "{check:?}"
    );
    let safe = BucketShape {
        public_access_blocked: Ok(true),
        ..open
    };
    let check = checks::bucket("export", "b", Answer::Found(safe), &LOCAL);
    assert_eq!(check.status, Status::Pass, "{check:?}");
    assert!(!check.detail.contains("NOT"), "{check:?}");
    assert_fail(
        &checks::bucket("export", "b", Answer::Missing, &LOCAL),
        "does not exist",
        "provision",
    );
}

#[test]
fn permissions_fail_on_a_denied_call_and_skip_when_unknown() {
    let allowed = |action: &str, allowed: bool| Permission {
        action: action.into(),
        allowed,
    };
    let ok = checks::permissions("x", Ok(vec![allowed("sns:Publish", true)]));
    assert_eq!(ok.status, Status::Pass);
    let denied = checks::permissions(
        "x",
        Ok(vec![
            allowed("sns:Publish", true),
            allowed("states:StartExecution", false),
        ]),
    );
    assert_fail(&denied, "denied: states:StartExecution", "operator");
    let skipped = checks::permissions("x", Err("AccessDenied".into()));
    assert_eq!(skipped.status, Status::Skip);
}

#[test]
fn the_principal_to_simulate_comes_from_the_caller_arn() {
    assert_eq!(
        principal("arn:aws:iam::1:user/ops/alice"),
        Principal::User("arn:aws:iam::1:user/ops/alice".into())
    );
    assert_eq!(
        principal("arn:aws:sts::1:assumed-role/Admin/alice@example.com"),
        Principal::Role {
            account: "1".into(),
            name: "Admin".into()
        }
    );
    assert_eq!(
        principal("arn:aws:sts::1:user/moto"),
        Principal::User("arn:aws:iam::1:user/moto".into())
    );
    assert!(matches!(
        principal("arn:aws:iam::1:root"),
        Principal::Unsupported(_)
    ));
    assert!(matches!(
        principal("arn:aws:sts::1:federated-user/bob"),
        Principal::Unsupported(_)
    ));
    assert!(matches!(principal("nonsense"), Principal::Unsupported(_)));
}

#[test]
fn unreachable_and_bad_credentials_stop_the_checklist() {
    let down = AwsError::Unreachable {
        service: "DynamoDB",
        endpoint: "e".into(),
        detail: "refused".into(),
    };
    assert!(answer::<()>(Err(down)).is_err());
    let expired = AwsError::Credentials {
        service: "DynamoDB",
        operation: "DescribeTable",
        detail: "expired".into(),
    };
    assert!(answer::<()>(Err(expired)).is_err());
    let denied = AwsError::AccessDenied {
        service: "IAM",
        operation: "GetRole",
        resource: "r".into(),
        detail: "no".into(),
    };
    assert!(matches!(answer::<()>(Err(denied)), Ok(Answer::Unknown(_))));
    assert_eq!(answer::<u8>(Ok(None)), Ok(Answer::Missing));
    assert_eq!(role_name("arn:aws:iam::1:role/path/name"), "name");
    assert_eq!(role_name("plain"), "plain");
}

#[test]
fn the_lifecycle_table_needs_the_change_index_with_its_fix() {
    let changes = IndexShape {
        name: "changed_index".into(),
        key: key("changed_shard", Some("updated_at")),
    };
    let mut table = good_table();
    table.indexes.push(changes.clone());
    let ok = checks::changes_index("p-lifecycles", &Answer::Found(table), &LOCAL).expect("a line");
    assert_eq!(ok.check, "index changed_index of table p-lifecycles");
    assert_eq!(ok.status, Status::Pass, "{ok:?}");

    // An older table: the fix adds the index to it, in place.
    let older = Answer::Found(good_table());
    let check = checks::changes_index("p-lifecycles", &older, &LOCAL).expect("a line");
    assert_fail(
        &check,
        "is missing",
        "aws dynamodb update-table --table-name p-lifecycles",
    );
    assert!(
        check
            .fix
            .as_deref()
            .is_some_and(|f| f.contains(r#""Create":{"IndexName":"changed_index""#))
    );
    // The index definition it prints is JSON the AWS CLI can take.
    let command = checks::add_changes_index_command("p-lifecycles");
    let updates = command.split('\'').nth(1).expect("quoted JSON");
    let updates: serde_json::Value = serde_json::from_str(updates).expect("JSON");
    assert_eq!(
        updates[0]["Create"]["KeySchema"][1]["AttributeName"],
        "updated_at"
    );
    let check = checks::changes_index("p-lifecycles", &older, &AWS).expect("a line");
    assert_fail(
        &check,
        "is missing",
        "update the stack from deploy/amiboard.template.json",
    );

    let mut wrong = good_table();
    wrong.indexes.push(IndexShape {
        key: key("changed_shard", None),
        ..changes
    });
    let check =
        checks::changes_index("p-lifecycles", &Answer::Found(wrong), &LOCAL).expect("a line");
    assert_fail(
        &check,
        "has key changed_shard, expected changed_shard + updated_at",
        "delete the index",
    );

    // A missing or unknown table has its own line.
    assert_eq!(
        checks::changes_index("p-lifecycles", &Answer::Missing, &LOCAL),
        None
    );
    let unknown = Answer::Unknown("denied".into());
    assert_eq!(
        checks::changes_index("p-lifecycles", &unknown, &LOCAL),
        None
    );
}
