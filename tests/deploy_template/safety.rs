//! What keeps a deployment and its people safe: CloudFormation can take the
//! template (no JSON null), names are amiboard's defaults under the prefix,
//! stateful resources are retained, the smoke network is a parameter
//! exported only when set, and people may simulate only their own principal
//! and the workflows role.

use amiboard::config::{Tables, Topics};
use serde_json::{Value, json};

use super::{list, resource, template};

#[test]
fn stateful_resources_are_retained_on_delete_and_replacement() {
    let t = template();
    for logical in [
        "LifecyclesTable",
        "SemverSeedsTable",
        "AmiLookupTable",
        "ExportBucket",
        "BackupBucket",
    ] {
        let r = resource(&t, logical);
        assert_eq!(r["DeletionPolicy"], "Retain", "{logical}");
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{logical}");
    }
    // Every table and bucket of the template is one of them.
    for (logical, r) in t["Resources"].as_object().expect("Resources") {
        if matches!(
            r["Type"].as_str(),
            Some("AWS::DynamoDB::Table" | "AWS::S3::Bucket")
        ) {
            assert_eq!(r["DeletionPolicy"], "Retain", "{logical}");
        }
    }
}

#[test]
fn the_smoke_network_is_a_parameter_exported_only_when_set() {
    let t = template();
    let p = &t["Parameters"];
    assert_eq!(p["SmokeSubnetId"]["Type"], "String");
    assert_eq!(p["SmokeSubnetId"]["Default"], "");
    assert_eq!(p["SmokeSecurityGroupIds"]["Type"], "CommaDelimitedList");
    assert_eq!(p["SmokeSecurityGroupIds"]["Default"], "");
    let o = &t["Outputs"];
    assert_eq!(o["smokeSubnetId"]["Value"], json!({"Ref": "SmokeSubnetId"}));
    assert_eq!(o["smokeSubnetId"]["Condition"], "HasSmokeSubnet");
    assert_eq!(
        o["smokeSecurityGroupIds"]["Value"],
        json!({"Fn::Join": [",", {"Ref": "SmokeSecurityGroupIds"}]})
    );
    assert_eq!(
        o["smokeSecurityGroupIds"]["Condition"],
        "HasSmokeSecurityGroups"
    );
    let c = &t["Conditions"];
    assert_eq!(
        c["HasSmokeSubnet"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "SmokeSubnetId"}, ""]}]})
    );
    assert_eq!(
        c["HasSmokeSecurityGroups"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SmokeSecurityGroupIds"}]}, ""]}]})
    );
    // The subnet pattern takes a subnet id or nothing.
    let pattern = p["SmokeSubnetId"]["AllowedPattern"]
        .as_str()
        .expect("pattern");
    assert_eq!(pattern, "^(subnet-[0-9a-f]{8,17})?$");
    assert_eq!(
        t["Outputs"]["smokeInstanceProfileName"]["Value"],
        json!({"Ref": "SmokeInstanceProfile"})
    );
}

/// The resources `iam:SimulatePrincipalPolicy` is allowed on, per policy,
/// with each `Fn::If` statement's condition.
fn simulate_resources(t: &Value, logical: &str) -> Vec<(Option<String>, Value)> {
    let raw = &resource(t, logical)["Properties"]["PolicyDocument"]["Statement"];
    raw.as_array()
        .expect("statements")
        .iter()
        .map(|s| match s.get("Fn::If") {
            Some(b) => (b[0].as_str().map(str::to_string), b[1].clone()),
            None => (None, s.clone()),
        })
        .filter(|(_, s)| {
            list(&s["Action"])
                .iter()
                .any(|a| a == "iam:SimulatePrincipalPolicy")
        })
        .flat_map(|(c, s)| {
            list(&s["Resource"])
                .into_iter()
                .map(move |r| (c.clone(), r))
        })
        .collect()
}

#[test]
fn people_may_simulate_only_their_own_principal_and_the_workflows_role() {
    let t = template();
    for policy in ["OperatorPolicy", "OnCallReadOnlyPolicy"] {
        let found = simulate_resources(&t, policy);
        assert_eq!(
            found,
            vec![
                (
                    None,
                    json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${!aws:username}"})
                ),
                (None, json!({"Fn::GetAtt": ["WorkflowsRole", "Arn"]})),
                (
                    Some("HasPeopleRoles".to_string()),
                    json!({"Ref": "PeopleRoleArns"})
                ),
            ],
            "{policy}: no role/* (any role's effective permissions)"
        );
    }
    assert_eq!(t["Parameters"]["PeopleRoleArns"]["Default"], "");
}

fn nulls(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(at.to_string()),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| nulls(v, &format!("{at}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| nulls(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn the_template_has_no_null_outside_a_string() {
    let t = template();
    let mut found = Vec::new();
    nulls(&t, "", &mut found);
    assert!(
        found.is_empty(),
        "{} null(s) in the template, CloudFormation refuses them: {found:?}",
        found.len()
    );
    // The walk reaches nested objects and lists; a null inside a string is text.
    let mut found = Vec::new();
    let sample = json!({"A": [{"ResultPath": null}], "B": "{\"ResultPath\":null}"});
    nulls(&sample, "", &mut found);
    assert_eq!(found, vec!["/A/0/ResultPath".to_string()]);
}

/// Every `Resource` string of a definition, however deeply nested (Map
/// iterators, Parallel branches).

#[test]
fn names_are_amiboards_defaults_under_the_prefix() {
    let t = template();
    let named = |logical: &str, key: &str| {
        resource(&t, logical)["Properties"][key]["Fn::Sub"]
            .as_str()
            .unwrap_or_else(|| panic!("{logical}.{key} is a Fn::Sub"))
            .to_string()
    };
    let tables = Tables::with_prefix("${Prefix}");
    assert_eq!(named("LifecyclesTable", "TableName"), tables.lifecycles);
    assert_eq!(named("SemverSeedsTable", "TableName"), tables.semver_seeds);
    assert_eq!(named("AmiLookupTable", "TableName"), tables.ami_lookup);
    let topics = Topics::with_prefix("${Prefix}");
    assert_eq!(named("LifecycleTopic", "TopicName"), topics.lifecycle);
    assert_eq!(named("ImageBuilderTopic", "TopicName"), topics.imagebuilder);
    assert_eq!(named("Ec2EventsTopic", "TopicName"), topics.ec2_events);
    assert_eq!(named("RunCommandTopic", "TopicName"), topics.run_command);
    assert_eq!(named("WorkflowsRole", "RoleName"), "${Prefix}workflows");
    assert_eq!(named("RunCommandRole", "RoleName"), "${Prefix}run-command");
    assert_eq!(
        t["Parameters"]["Prefix"]["Default"],
        amiboard::config::DEFAULT_PREFIX
    );
    for table in ["LifecyclesTable", "SemverSeedsTable", "AmiLookupTable"] {
        let props = &resource(&t, table)["Properties"];
        assert_eq!(props["DeletionProtectionEnabled"], true, "{table}");
        assert_eq!(
            props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true,
            "{table}"
        );
    }
    let export = &t["Outputs"]["amiSelectionTableName"];
    assert_eq!(export["Value"], json!({"Ref": "AmiLookupTable"}));
    assert_eq!(
        export["Export"]["Name"],
        json!({"Ref": "SelectionExportName"})
    );
    assert_eq!(
        t["Parameters"]["SelectionExportName"]["Default"],
        "amiSelectionTableName"
    );
}
