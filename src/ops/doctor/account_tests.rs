//! The account checks (issue 18), pure: what only a real account can
//! satisfy is skipped with the command that tells, each failure has its fix.

use super::account;
use super::tests::{AWS, LOCAL, assert_fail};
use super::{Answer, Status};
use crate::aws::inspect::{Permission, PipelineShape, RoleShape};

#[test]
fn what_amiboard_cannot_read_is_skipped_with_the_command_that_tells() {
    let inspector = account::inspector("eu-west-1");
    assert_eq!(inspector.status, Status::Skip);
    assert!(
        inspector
            .detail
            .contains("aws inspector2 batch-get-account-status --region eu-west-1"),
        "{inspector:?}"
    );
    let default_vpc = account::smoke_network(None, &[], "eu-west-1");
    assert_eq!(default_vpc.status, Status::Skip);
    assert!(
        default_vpc
            .detail
            .contains("describe-vpcs --filters Name=is-default,Values=true --region eu-west-1"),
        "{default_vpc:?}"
    );
    let subnet = account::smoke_network(Some("subnet-0abc"), &["sg-1".into()], "eu-west-1");
    assert_eq!(subnet.status, Status::Skip);
    assert!(
        subnet.detail.contains("--subnet-ids subnet-0abc")
            && subnet.detail.contains("--group-ids sg-1"),
        "{subnet:?}"
    );
    assert_eq!(subnet.fix, None);
}

#[test]
fn the_profile_role_must_carry_the_managed_node_policy_on_aws_only() {
    let core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".to_string();
    let ok = account::managed_node_policy("p", "r", Answer::Found(vec![core]), &AWS);
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(ok.check, "instance profile p role r");
    let other = vec!["arn:aws:iam::1:policy/mine".to_string()];
    let bad = account::managed_node_policy("p", "r", Answer::Found(other.clone()), &AWS);
    assert_fail(
        &bad,
        "does not carry AmazonSSMManagedInstanceCore (attached: arn:aws:iam::1:policy/mine)",
        "aws iam attach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    // The emulator loads no AWS managed policy: never a failure there.
    let local = account::managed_node_policy("p", "r", Answer::Found(other), &LOCAL);
    assert_eq!(local.status, Status::Skip, "{local:?}");
    assert!(local.detail.contains("only an AWS account can tell"));
    let denied = account::managed_node_policy("p", "r", Answer::Unknown("denied".into()), &AWS);
    assert_eq!(denied.status, Status::Skip);
}

#[test]
fn the_workflows_role_must_be_allowed_to_pass_the_profile_role() {
    let role = "arn:aws:iam::1:role/p-smoke-instance";
    let allowed = |allowed| {
        Ok(vec![Permission {
            action: "iam:PassRole".into(),
            allowed,
        }])
    };
    let ok = account::pass_role("arn:w", role, allowed(true));
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(ok.check, "workflows role may pass p-smoke-instance");
    assert_fail(
        &account::pass_role("arn:w", role, allowed(false)),
        "may not iam:PassRole",
        "smoke_instance_profile",
    );
    // Nothing simulated is not a pass.
    assert_eq!(
        account::pass_role("arn:w", role, Ok(vec![])).status,
        Status::Fail
    );
    let unknown = account::pass_role("arn:w", role, Err("no simulator".into()));
    assert_eq!(unknown.status, Status::Skip);
    assert!(unknown.detail.contains("no simulator"));
}

#[test]
fn the_pipeline_must_distribute_to_the_execution_region() {
    let arn = "arn:aws:imagebuilder:eu-west-1:1:image-pipeline/p";
    let shape = |regions: Result<Option<Vec<String>>, String>| {
        Answer::Found(PipelineShape {
            arn: arn.into(),
            enabled: true,
            scanning: true,
            infrastructure_arn: None,
            topic: Ok(None),
            distribution_regions: regions,
        })
    };
    let both = shape(Ok(Some(vec!["us-east-1".into(), "eu-west-1".into()])));
    let ok = account::distribution(arn, "eu-west-1", &both).expect("a line");
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(ok.check, format!("pipeline {arn} distribution"));
    let elsewhere = shape(Ok(Some(vec!["us-east-1".into()])));
    assert_fail(
        &account::distribution(arn, "eu-west-1", &elsewhere).expect("a line"),
        "distributes to us-east-1, not eu-west-1",
        "add a distribution for eu-west-1",
    );
    let none = shape(Ok(None));
    assert_eq!(
        account::distribution(arn, "eu-west-1", &none)
            .expect("a line")
            .status,
        Status::Pass
    );
    assert_fail(
        &account::distribution(arn, "us-east-1", &none).expect("a line"),
        "stays in eu-west-1, not us-east-1",
        "update-distribution-configuration",
    );
    // An endpoint without GetDistributionConfiguration, or a missing one: skipped.
    let unknown = shape(Err(
        "The emulator's Image Builder has no GetDistributionConfiguration.".into(),
    ));
    let check = account::distribution(arn, "eu-west-1", &unknown).expect("a line");
    assert_eq!(check.status, Status::Skip);
    assert!(check.detail.contains("no GetDistributionConfiguration"));
    assert!(account::distribution(arn, "eu-west-1", &Answer::Missing).is_none());
}

#[test]
fn the_vm_import_role_must_trust_vm_import_export() {
    let trust = |service: &str| {
        Answer::Found(RoleShape {
            arn: "arn:aws:iam::1:role/p-vmimport".into(),
            trust_policy: Some(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:Externalid":"vmimport"}}}}}}]}}"#
            )),
        })
    };
    let ok =
        account::vm_import_trust("p-vmimport", &trust("vmie.amazonaws.com"), &AWS).expect("a line");
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(ok.check, "VM import role p-vmimport trust");
    assert_fail(
        &account::vm_import_trust("p-vmimport", &trust("ec2.amazonaws.com"), &AWS).expect("a line"),
        "does not let vmie.amazonaws.com assume it",
        "aws iam update-assume-role-policy --role-name p-vmimport",
    );
    assert!(account::trusts(
        r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","vmie.amazonaws.com"]},"Action":["sts:AssumeRole"]}}"#,
        "vmie.amazonaws.com"
    ));
    assert!(!account::trusts(
        r#"{"Statement":[{"Effect":"Deny","Principal":{"Service":"vmie.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        "vmie.amazonaws.com"
    ));
    assert!(account::vm_import_trust("x", &Answer::Missing, &AWS).is_none());
}
