//! What each Step Functions integration the workflows use needs of the
//! workflows role, as AWS documents it: the action itself and the actions it
//! depends on (tagging at launch, passing a role, the EBS direct reads of a
//! store task). One row per integration, each with where it is documented.
//!
//! To add an integration: add its row to `TABLE` (the key is the task
//! `Resource` after `arn:aws:states:::`, without `.sync` or
//! `.waitForTaskToken`), then grant the actions in the `WorkflowsRole` of
//! deploy/amiboard.template.json. A definition using an integration without
//! a row fails `every_integration_the_workflows_use_has_a_row`; a role
//! missing an action of a row fails
//! `the_workflows_role_allows_what_each_integration_needs`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{actions, list, statements, template, workflow_files};

/// One integration and the IAM actions it needs.
pub struct Needs {
    /// `aws-sdk:<service>:<action>` or an optimized `<service>:<action>`.
    pub integration: &'static str,
    /// Every IAM action the call needs, dependent actions included.
    pub actions: &'static [&'static str],
    /// Where AWS documents it.
    pub source: &'static str,
}

const SFN_SDK: &str = "Step Functions Developer Guide, \"Integrating services: AWS SDK service integrations\" (the role needs the API's own IAM action)";
const IB_DEPENDENT: &str = "Service Authorization Reference, Amazon EC2 Image Builder (list_imagebuilder, \"API operations\": the Get* reads of the recipe, infrastructure, distribution and components the build uses); Image Builder User Guide, \"Using service-linked roles for Image Builder\" (AWSServiceRoleForImageBuilder is created on first use: iam:CreateServiceLinkedRole)";

/// The table. Keep it sorted by integration.
pub const TABLE: &[Needs] = &[
    Needs {
        integration: "aws-sdk:ec2:createStoreImageTask",
        actions: &[
            "ec2:CreateStoreImageTask",
            "ebs:ListSnapshotBlocks",
            "ebs:GetSnapshotBlock",
            "s3:PutObject",
            "s3:PutObjectTagging",
            "s3:AbortMultipartUpload",
            "ec2:DescribeTags",
        ],
        source: "EC2 User Guide, \"Permissions for storing and restoring AMIs using S3\" (work-with-ami-store-restore.html): the store half of its example policy; encrypted snapshots also need the KMS key (template parameter SnapshotKmsKeyArn)",
    },
    Needs {
        integration: "aws-sdk:ec2:createTags",
        actions: &["ec2:CreateTags"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ec2:describeExportImageTasks",
        actions: &["ec2:DescribeExportImageTasks"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ec2:describeImageReferences",
        actions: &["ec2:DescribeImageReferences"],
        source: "EC2 API Reference, DescribeImageReferences; Service Authorization Reference, Amazon EC2: no resource-level permissions (Resource \"*\")",
    },
    Needs {
        integration: "aws-sdk:ec2:describeImages",
        actions: &["ec2:DescribeImages"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ec2:describeInstances",
        actions: &["ec2:DescribeInstances"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ec2:describeStoreImageTasks",
        actions: &["ec2:DescribeStoreImageTasks"],
        source: "EC2 User Guide, \"Permissions for storing and restoring AMIs using S3\"",
    },
    Needs {
        integration: "aws-sdk:ec2:exportImage",
        actions: &[
            "ec2:ExportImage",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:PutObject",
        ],
        source: "VM Import/Export User Guide, \"Required permissions for VM Import/Export\" (the calling principal's policy: the EC2 action and the export bucket; no iam:PassRole is listed, the service role is named by RoleName and assumed by vmie.amazonaws.com)",
    },
    Needs {
        integration: "aws-sdk:ec2:modifyImageAttribute",
        actions: &["ec2:ModifyImageAttribute"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ec2:runInstances",
        actions: &["ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"],
        source: "EC2 User Guide, \"Grant permission to tag resources during creation\" (TagSpecifications needs ec2:CreateTags with ec2:CreateAction RunInstances) and \"IAM roles for Amazon EC2: permissions to launch an instance with a role\" (IamInstanceProfile needs iam:PassRole on its role)",
    },
    Needs {
        integration: "aws-sdk:ec2:terminateInstances",
        actions: &["ec2:TerminateInstances"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:createImage",
        actions: &[
            "imagebuilder:CreateImage",
            "imagebuilder:GetImageRecipe",
            "imagebuilder:GetInfrastructureConfiguration",
            "imagebuilder:GetDistributionConfiguration",
            "imagebuilder:GetComponent",
            "iam:CreateServiceLinkedRole",
        ],
        source: IB_DEPENDENT,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:createImageRecipe",
        actions: &[
            "imagebuilder:CreateImageRecipe",
            "imagebuilder:GetComponent",
            "imagebuilder:GetImage",
            "ec2:DescribeImages",
        ],
        source: "Service Authorization Reference, Amazon EC2 Image Builder: CreateImageRecipe reads its components and its parent image (an Image Builder image or an AMI)",
    },
    Needs {
        integration: "aws-sdk:imagebuilder:getImage",
        actions: &["imagebuilder:GetImage"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:getImagePipeline",
        actions: &["imagebuilder:GetImagePipeline"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:getLifecycleExecution",
        actions: &["imagebuilder:GetLifecycleExecution"],
        source: "Service Authorization Reference, Amazon EC2 Image Builder: GetLifecycleExecution on a lifecycleExecution resource",
    },
    Needs {
        integration: "aws-sdk:imagebuilder:listImageScanFindingAggregations",
        actions: &["imagebuilder:ListImageScanFindingAggregations"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:listImageScanFindings",
        actions: &["imagebuilder:ListImageScanFindings"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:listLifecycleExecutionResources",
        actions: &["imagebuilder:ListLifecycleExecutionResources"],
        source: "Service Authorization Reference, Amazon EC2 Image Builder: ListLifecycleExecutionResources on a lifecycleExecution resource",
    },
    Needs {
        integration: "aws-sdk:imagebuilder:startImagePipelineExecution",
        actions: &[
            "imagebuilder:StartImagePipelineExecution",
            "imagebuilder:GetImagePipeline",
            "imagebuilder:GetImageRecipe",
            "imagebuilder:GetInfrastructureConfiguration",
            "imagebuilder:GetDistributionConfiguration",
            "imagebuilder:GetComponent",
            "iam:CreateServiceLinkedRole",
        ],
        source: IB_DEPENDENT,
    },
    Needs {
        integration: "aws-sdk:imagebuilder:startResourceStateUpdate",
        actions: &["imagebuilder:StartResourceStateUpdate", "iam:PassRole"],
        source: "Image Builder API Reference, StartResourceStateUpdate (executionRole: the role Image Builder assumes, passed by the caller: iam:PassRole to imagebuilder.amazonaws.com); Image Builder User Guide, \"Prerequisites for lifecycle policies\" (the execution role with EC2ImageBuilderLifecycleExecutionPolicy)",
    },
    Needs {
        integration: "aws-sdk:ssm:describeInstanceInformation",
        actions: &["ssm:DescribeInstanceInformation"],
        source: "Service Authorization Reference, AWS Systems Manager: DescribeInstanceInformation supports no resource-level permissions (Resource \"*\")",
    },
    Needs {
        integration: "aws-sdk:ssm:getCommandInvocation",
        actions: &["ssm:GetCommandInvocation"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ssm:putParameter",
        actions: &["ssm:PutParameter"],
        source: SFN_SDK,
    },
    Needs {
        integration: "aws-sdk:ssm:sendCommand",
        actions: &["ssm:SendCommand", "iam:PassRole"],
        source: "Systems Manager User Guide, \"Monitoring Systems Manager status changes using Amazon SNS notifications\" (ServiceRoleArn: the caller needs iam:PassRole on that role); ssm:SendCommand on the instance and on the document",
    },
    Needs {
        integration: "dynamodb:deleteItem",
        actions: &["dynamodb:DeleteItem"],
        source: "Step Functions Developer Guide, \"Call DynamoDB APIs with Step Functions\": IAM policies",
    },
    Needs {
        integration: "dynamodb:putItem",
        actions: &["dynamodb:PutItem"],
        source: "Step Functions Developer Guide, \"Call DynamoDB APIs with Step Functions\": IAM policies",
    },
    Needs {
        integration: "dynamodb:updateItem",
        actions: &["dynamodb:UpdateItem"],
        source: "Step Functions Developer Guide, \"Call DynamoDB APIs with Step Functions\": IAM policies",
    },
    Needs {
        integration: "sns:publish",
        actions: &["sns:Publish"],
        source: "Step Functions Developer Guide, \"Publish messages to an Amazon SNS topic with Step Functions\": IAM policies",
    },
];

/// The integration key of a task `Resource`, `None` for anything else
/// (an activity or a Lambda ARN).
pub fn integration(resource: &str) -> Option<String> {
    let tail = resource.strip_prefix("arn:aws:states:::")?;
    let tail = tail
        .strip_suffix(".sync")
        .or_else(|| tail.strip_suffix(".waitForTaskToken"))
        .or_else(|| tail.strip_suffix(".sync:2"))
        .unwrap_or(tail);
    Some(tail.to_string())
}

/// Every integration a definition uses, Map iterators and Parallel
/// branches included.
pub fn integrations(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if map.get("Type").and_then(Value::as_str) == Some("Task")
                && let Some(key) = map
                    .get("Resource")
                    .and_then(Value::as_str)
                    .and_then(integration)
            {
                out.insert(key);
            }
            map.values().for_each(|v| integrations(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| integrations(v, out)),
        _ => {}
    }
}

fn row(key: &str) -> Option<&'static Needs> {
    TABLE.iter().find(|n| n.integration == key)
}

/// What a role's statements lack of the table's rows: `row: action` lines.
fn missing(allowed: &BTreeSet<String>) -> Vec<String> {
    TABLE
        .iter()
        .flat_map(|n| {
            n.actions
                .iter()
                .filter(|a| !allowed.contains(&a.to_ascii_lowercase()))
                .map(move |a| format!("{}: {a} ({})", n.integration, n.source))
        })
        .collect()
}

#[test]
fn every_integration_the_workflows_use_has_a_row() {
    let mut used = BTreeSet::new();
    for (_, definition) in workflow_files() {
        integrations(&definition, &mut used);
    }
    for known in [
        "aws-sdk:ec2:runInstances",
        "aws-sdk:ec2:createStoreImageTask",
        "dynamodb:updateItem",
        "sns:publish",
    ] {
        assert!(used.contains(known), "{known} not found in {used:?}");
    }
    let without: Vec<&String> = used.iter().filter(|k| row(k).is_none()).collect();
    assert!(
        without.is_empty(),
        "integrations without a row in tests/deploy_template/integrations.rs TABLE: {without:?}"
    );
    // The walk reaches into a Map's iterator and a Parallel's branches.
    let nested = json!({"States": {"M": {"Type": "Map", "Iterator": {"States": {
        "P": {"Type": "Parallel", "Branches": [{"States": {"T": {"Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:ec2:describeImages"}}}]}}}}}});
    let mut found = BTreeSet::new();
    integrations(&nested, &mut found);
    assert_eq!(
        found,
        BTreeSet::from(["aws-sdk:ec2:describeImages".to_string()])
    );
}

#[test]
fn the_table_is_well_formed() {
    let keys: Vec<&str> = TABLE.iter().map(|n| n.integration).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(keys, sorted, "one row per integration, sorted");
    for n in TABLE {
        assert!(!n.source.is_empty(), "{}: no source", n.integration);
        let own = n.integration.rsplit(':').next().unwrap_or_default();
        let (service, _) = n
            .integration
            .trim_start_matches("aws-sdk:")
            .split_once(':')
            .expect("svc:action");
        let first = n.actions[0];
        assert!(
            first.eq_ignore_ascii_case(&format!(
                "{}:{own}",
                if service == "eventbridge" {
                    "events"
                } else {
                    service
                }
            )),
            "{}: the first action is the call's own, not {first}",
            n.integration
        );
        for a in n.actions {
            let (prefix, verb) = a.split_once(':').expect("service:Action");
            assert!(
                !prefix.is_empty() && verb.starts_with(|c: char| c.is_ascii_uppercase()),
                "{a}"
            );
        }
    }
}

#[test]
fn the_workflows_role_allows_what_each_integration_needs() {
    let t = template();
    let role = statements(&t, "WorkflowsRole");
    let allowed = actions(&role);
    let lacking = missing(&allowed);
    assert!(
        lacking.is_empty(),
        "the workflows role lacks:\n{}",
        lacking.join("\n")
    );
    // The check fails on a role without one dependent action.
    let mut without_ebs = allowed.clone();
    without_ebs.remove("ebs:getsnapshotblock");
    assert_eq!(missing(&without_ebs).len(), 1);
}

/// The resources of the role's Allow statements that grant `action`.
fn resources_of(role: &[Value], action: &str) -> Vec<Value> {
    role.iter()
        .filter(|s| s["Effect"] == "Allow")
        .filter(|s| {
            list(&s["Action"])
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(action)))
        })
        .flat_map(|s| list(&s["Resource"]))
        .collect()
}

#[test]
fn the_dependent_actions_reach_the_resources_they_act_on() {
    let t = template();
    let role = statements(&t, "WorkflowsRole");
    let pass = resources_of(&role, "iam:PassRole");
    for passed in [
        "SmokeInstanceRole",
        "RunCommandRole",
        "VmImportRole",
        "ImageLifecycleRole",
    ] {
        assert!(
            pass.contains(&json!({"Fn::GetAtt": [passed, "Arn"]})),
            "iam:PassRole does not cover {passed}: {pass:?}"
        );
    }
    let ebs = resources_of(&role, "ebs:GetSnapshotBlock");
    assert_eq!(
        ebs,
        vec![json!({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"})]
    );
    assert_eq!(
        resources_of(&role, "ebs:ListSnapshotBlocks"),
        ebs,
        "both EBS direct reads on the snapshots"
    );
    for key in ["s3:PutObjectTagging", "s3:AbortMultipartUpload"] {
        assert!(
            resources_of(&role, key).contains(&json!({"Fn::Sub": "${BackupBucket.Arn}/*"})),
            "{key} on the backup bucket's objects"
        );
    }
    let commands = resources_of(&role, "ssm:SendCommand");
    for document in ["AWS-RunShellScript", "AWS-RunPowerShellScript"] {
        let arn = format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}::document/{document}");
        assert!(
            commands.contains(&json!({ "Fn::Sub": arn })),
            "ssm:SendCommand may not use {document} (Windows AMIs need the PowerShell one)"
        );
    }
    // The lifecycle role is passed to Image Builder only.
    let passes_lifecycle = role.iter().find(|s| {
        list(&s["Resource"]).contains(&json!({"Fn::GetAtt": ["ImageLifecycleRole", "Arn"]}))
    });
    assert_eq!(
        passes_lifecycle.map(|s| s["Condition"].clone()),
        Some(json!({"StringEquals": {"iam:PassedToService": "imagebuilder.amazonaws.com"}})),
        "iam:PassRole of the image-lifecycle role only to imagebuilder.amazonaws.com"
    );
    assert_eq!(
        resources_of(&role, "imagebuilder:GetLifecycleExecution"),
        vec![
            json!({"Fn::Sub": "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:${AWS::AccountId}:lifecycle-execution/*"})
        ]
    );
    assert_eq!(
        resources_of(&role, "dynamodb:DeleteItem"),
        vec![json!({"Fn::GetAtt": ["AmiLookupTable", "Arn"]})],
        "the workflows delete lookup rows only"
    );
    // No resource-level permissions: the statement must say "*".
    assert_eq!(
        resources_of(&role, "ssm:DescribeInstanceInformation"),
        vec![json!("*")]
    );
}

#[test]
fn the_snapshot_key_is_granted_only_when_given() {
    let t = template();
    let raw =
        t["Resources"]["WorkflowsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .expect("statements");
    let kms: Vec<&Value> = raw
        .iter()
        .filter(|s| {
            s.get("Fn::If").is_some_and(|b| {
                list(&b[1]["Action"])
                    .iter()
                    .any(|a| a.as_str().is_some_and(|a| a.starts_with("kms:")))
            })
        })
        .collect();
    assert_eq!(
        kms.len(),
        2,
        "Decrypt/DescribeKey and CreateGrant, each conditional"
    );
    for statement in kms {
        let branches = &statement["Fn::If"];
        assert_eq!(branches[0], "HasSnapshotKmsKey");
        assert_eq!(branches[1]["Resource"], json!({"Ref": "SnapshotKmsKeyArn"}));
        assert_eq!(branches[2], json!({"Ref": "AWS::NoValue"}));
    }
    let granted = actions(&statements(&t, "WorkflowsRole"));
    for a in ["kms:decrypt", "kms:describekey", "kms:creategrant"] {
        assert!(granted.contains(a), "{a}");
    }
    // No unconditional KMS statement.
    assert!(raw.iter().all(|s| {
        s.get("Fn::If").is_some()
            || !list(&s["Action"])
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.starts_with("kms:")))
    }));
    assert_eq!(
        t["Conditions"]["HasSnapshotKmsKey"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "SnapshotKmsKeyArn"}, ""]}]})
    );
    assert_eq!(t["Parameters"]["SnapshotKmsKeyArn"]["Default"], "");
}
