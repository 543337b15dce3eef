//! `amiboard config-from-stack FILE`: the config.toml of a deployment of
//! deploy/amiboard.template.json, from the stack's outputs (the JSON of
//! `aws cloudformation describe-stacks --stack-name NAME`, one stack of it,
//! or its `Outputs` array; `-` reads stdin). Needs neither a configuration
//! nor AWS.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::CliError;

/// Outputs that become a config key: (output, section, key).
const KEYS: &[(&str, &str, &str)] = &[
    ("region", "", "region"),
    ("prefix", "", "prefix"),
    ("lifecyclesTableName", "tables", "lifecycles"),
    ("semverSeedsTableName", "tables", "semver_seeds"),
    ("amiLookupTableName", "tables", "ami_lookup"),
    ("lifecycleTopicArn", "topics", "lifecycle"),
    ("imagebuilderTopicArn", "topics", "imagebuilder"),
    ("ec2EventsTopicArn", "topics", "ec2_events"),
    ("runCommandTopicArn", "topics", "run_command"),
    ("exportBucketName", "workflows", "export_bucket"),
    ("backupBucketName", "workflows", "backup_bucket"),
    ("exportRoleName", "workflows", "export_role"),
    (
        "smokeInstanceProfileName",
        "workflows",
        "smoke_instance_profile",
    ),
    ("runCommandRoleArn", "workflows", "smoke_service_role_arn"),
    ("smokeSubnetId", "workflows", "smoke_subnet_id"),
    (
        "smokeSecurityGroupIds",
        "workflows",
        "smoke_security_group_ids",
    ),
    ("examplePipelineArn", "workflows", "pipeline_arn"),
];

/// Outputs only present when a template parameter asks for them.
const OPTIONAL: &[&str] = &[
    "examplePipelineArn",
    "smokeSubnetId",
    "smokeSecurityGroupIds",
];

/// Outputs that are a comma-separated list: a TOML array of strings.
const LISTS: &[&str] = &["smokeSecurityGroupIds"];

/// Outputs of the template that no config key needs (ARNs people read).
const INFORMATIONAL: &[&str] = &[
    "amiSelectionTableName",
    "ec2EventsRuleName",
    "workflowsRoleArn",
    "buildStateMachineArn",
    "patchBuildStateMachineArn",
    "smokeTestsStateMachineArn",
    "vulnerabilityScansStateMachineArn",
    "qaCertificationRequestStateMachineArn",
    "promotionStateMachineArn",
    "cleanupStateMachineArn",
    "whereUsedStateMachineArn",
    "retireStateMachineArn",
    // amiboard names it from the prefix, as the template does.
    "imageLifecycleRoleArn",
    "operatorPolicyArn",
    "onCallReadOnlyPolicyArn",
];

/// The most `config-from-stack` reads: a stack description with every
/// output amiboard knows is a few KiB; more is not a stack description.
pub const INPUT_LIMIT: u64 = 1024 * 1024;

/// Reads at most [`INPUT_LIMIT`] bytes of `from`, refusing more.
fn read_limited(from: impl Read, name: &str) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    from.take(INPUT_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > INPUT_LIMIT {
        return Err(CliError::usage(format!(
            "{name} is larger than {} KiB: not a stack description (give the output of aws cloudformation describe-stacks)",
            INPUT_LIMIT / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| CliError::usage(format!("{name} is not UTF-8 text")))
}

/// Prints the config file for the stack in `file`.
pub fn config_from_stack(file: &Path) -> Result<(), CliError> {
    let text = if file.as_os_str() == "-" {
        read_limited(std::io::stdin().lock(), "stdin")?
    } else {
        let name = file.display().to_string();
        let opened = std::fs::File::open(file)
            .map_err(|e| CliError::usage(format!("cannot read {name}: {e}")))?;
        read_limited(opened, &name)?
    };
    let config = render(&text).map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    print!("{config}");
    Ok(())
}

/// The outputs as (key, value), from any of the three shapes.
fn outputs(text: &str) -> Result<BTreeMap<String, String>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let list = match &value {
        Value::Array(_) => &value,
        Value::Object(map) if map.contains_key("Stacks") => {
            let stacks = map["Stacks"].as_array().map_or(&[][..], Vec::as_slice);
            match stacks {
                [one] => &one["Outputs"],
                [] => return Err("describe-stacks lists no stack".to_string()),
                more => {
                    return Err(format!(
                        "describe-stacks lists {} stacks: pass --stack-name NAME to it",
                        more.len()
                    ));
                }
            }
        }
        Value::Object(map) => map.get("Outputs").unwrap_or(&Value::Null),
        _ => &Value::Null,
    };
    let Some(items) = list.as_array() else {
        return Err(
            "no Outputs: give the JSON of `aws cloudformation describe-stacks --stack-name NAME`"
                .to_string(),
        );
    };
    let mut found = BTreeMap::new();
    for item in items {
        match (item["OutputKey"].as_str(), item["OutputValue"].as_str()) {
            (Some(key), Some(value)) => {
                found.insert(key.to_string(), value.to_string());
            }
            _ => {
                return Err(format!(
                    "an output is not {{OutputKey, OutputValue}}: {item}"
                ));
            }
        }
    }
    Ok(found)
}

/// The config.toml for the outputs in `text`.
pub fn render(text: &str) -> Result<String, String> {
    let found = outputs(text)?;
    let unknown: Vec<&str> = found
        .keys()
        .map(String::as_str)
        .filter(|k| !KEYS.iter().any(|(o, _, _)| o == k) && !INFORMATIONAL.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "outputs {} are not deploy/amiboard.template.json's: is this an amiboard stack?",
            unknown.join(", ")
        ));
    }
    let missing: Vec<&str> = KEYS
        .iter()
        .map(|(o, _, _)| *o)
        .filter(|o| !found.contains_key(*o) && !OPTIONAL.contains(o))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the stack has no output {}: deploy deploy/amiboard.template.json (or update the stack)",
            missing.join(", ")
        ));
    }
    let mut out =
        String::from("# Written by `amiboard config-from-stack` from the stack's outputs.\n");
    let mut section = "";
    for (output, table, key) in KEYS {
        let Some(value) = found.get(*output) else {
            continue;
        };
        if *table != section {
            section = table;
            let _ = write!(out, "\n[{table}]\n");
        }
        let value = if LISTS.contains(output) {
            toml::Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| toml::Value::String(v.to_string()))
                    .collect(),
            )
        } else {
            toml::Value::String(value.clone())
        };
        let _ = writeln!(out, "{key} = {value}");
    }
    // A real build takes minutes: 360 rounds of 30 s stay inside the
    // machines' 1-2 h timeouts (the default 3 s would end a build after 18 min).
    out.push_str("wait_seconds = 30\n");
    crate::config::parse_file(&out, Path::new("config-from-stack"))
        .map_err(|e| format!("the config written from it does not load: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(skip: &str, extra: &[(&str, &str)]) -> String {
        let mut outputs: Vec<Value> = KEYS
            .iter()
            .filter(|(o, _, _)| *o != skip)
            .map(|(o, _, _)| serde_json::json!({"OutputKey": o, "OutputValue": format!("v-{o}")}))
            .collect();
        for (k, v) in extra {
            outputs.push(serde_json::json!({"OutputKey": k, "OutputValue": v}));
        }
        serde_json::json!({"Stacks": [{"StackName": "amiboard", "Outputs": outputs}]}).to_string()
    }

    #[test]
    fn every_output_lands_in_its_section() {
        let config = render(&stack("", &[("operatorPolicyArn", "arn:p")])).expect("renders");
        let file = crate::config::parse_file(&config, Path::new("x")).expect("loads");
        assert_eq!(file.prefix.as_deref(), Some("v-prefix"));
        assert_eq!(file.region.as_deref(), Some("v-region"));
        assert_eq!(
            file.tables.ami_lookup.as_deref(),
            Some("v-amiLookupTableName")
        );
        assert_eq!(
            file.topics.run_command.as_deref(),
            Some("v-runCommandTopicArn")
        );
        assert_eq!(
            file.workflows.smoke_service_role_arn.as_deref(),
            Some("v-runCommandRoleArn")
        );
        assert_eq!(
            file.workflows.pipeline_arn.as_deref(),
            Some("v-examplePipelineArn")
        );
        assert_eq!(
            file.workflows.smoke_instance_profile.as_deref(),
            Some("v-smokeInstanceProfileName")
        );
        assert_eq!(
            file.workflows.smoke_subnet_id.as_deref(),
            Some("v-smokeSubnetId")
        );
    }

    #[test]
    fn the_security_groups_are_a_list_and_the_smoke_network_is_optional() {
        let groups = [("smokeSecurityGroupIds", "sg-1, sg-2")];
        let mut outputs: Vec<Value> = KEYS
            .iter()
            .filter(|(o, _, _)| !OPTIONAL.contains(o))
            .map(|(o, _, _)| serde_json::json!({"OutputKey": o, "OutputValue": format!("v-{o}")}))
            .collect();
        let bare = serde_json::json!({ "Outputs": outputs.clone() }).to_string();
        let config = render(&bare).expect("renders");
        assert!(!config.contains("smoke_subnet_id"), "{config}");
        assert!(!config.contains("smoke_security_group_ids"), "{config}");
        assert!(
            config.contains("smoke_instance_profile = \"v-smokeInstanceProfileName\""),
            "{config}"
        );
        for (k, v) in groups {
            outputs.push(serde_json::json!({"OutputKey": k, "OutputValue": v}));
        }
        let config =
            render(&serde_json::json!({ "Outputs": outputs }).to_string()).expect("renders");
        let file = crate::config::parse_file(&config, Path::new("x")).expect("loads");
        assert_eq!(
            file.workflows.smoke_security_group_ids,
            Some(vec!["sg-1".to_string(), "sg-2".to_string()])
        );
        assert_eq!(file.workflows.smoke_subnet_id, None);
    }

    #[test]
    fn the_three_shapes_are_read_and_the_pipeline_is_optional() {
        let whole = stack("examplePipelineArn", &[]);
        let value: Value = serde_json::from_str(&whole).expect("json");
        let one = value["Stacks"][0].to_string();
        let array = value["Stacks"][0]["Outputs"].to_string();
        for text in [whole, one, array] {
            let config = render(&text).expect("renders");
            assert!(!config.contains("pipeline_arn"), "{config}");
        }
    }

    #[test]
    fn missing_unknown_or_malformed_outputs_are_one_line() {
        let err = render(&stack("exportBucketName", &[])).expect_err("missing");
        assert!(err.contains("no output exportBucketName"), "{err}");
        let err = render(&stack("", &[("Surprise", "x")])).expect_err("unknown");
        assert!(err.contains("outputs Surprise are not"), "{err}");
        let err = render("{\"Stacks\": []}").expect_err("empty");
        assert_eq!(err, "describe-stacks lists no stack");
        let err = render("not json").expect_err("text");
        assert!(err.starts_with("not JSON"), "{err}");
        let err = render("{\"StackName\": \"x\"}").expect_err("no outputs");
        assert!(err.starts_with("no Outputs"), "{err}");
        assert!(!err.contains('\n'));
    }
}
