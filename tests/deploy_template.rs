//! The deployable CloudFormation template (deploy/amiboard.template.json),
//! without an emulator: its state machines are the binary's definitions, its
//! execution role allows every service integration they use, the on-call
//! policy writes nothing but its own temporary queue and subscriptions, and
//! the operator policy names every AWS call amiboard's code makes (derived
//! from the source, see `calls`) and no wildcard action.

#[path = "deploy_template/calls.rs"]
mod calls;
#[path = "deploy_template/integrations.rs"]
mod integrations;
#[path = "deploy_template/safety.rs"]
mod safety;

use std::collections::BTreeSet;

use amiboard::ops::workflows::Workflow;
use serde_json::{Value, json};

const TOPICS: [&str; 4] = [
    "LifecycleTopic",
    "ImageBuilderTopic",
    "Ec2EventsTopic",
    "RunCommandTopic",
];

/// Verbs that change something: an action starting with one is a write.
const MUTATING: &[&str] = &[
    "Put",
    "Update",
    "Delete",
    "BatchWrite",
    "TransactWrite",
    "Create",
    "Start",
    "Stop",
    "Publish",
    "Send",
    "Tag",
    "Untag",
    "Set",
    "Add",
    "Remove",
    "Modify",
    "Run",
    "Terminate",
    "Subscribe",
    "Unsubscribe",
    "Change",
    "Attach",
    "Detach",
    "Pass",
    "Import",
    "Export",
    "Restore",
    "Enable",
    "Disable",
    "Cancel",
    "Register",
    "Deregister",
    "Purge",
    "Execute",
    "Invoke",
    "Reset",
    "Replace",
    "Associate",
    "Disassociate",
    "Copy",
    "Write",
    "Upload",
    "Abort",
    "Redrive",
    "Rotate",
    "Confirm",
    "Receive",
];

/// Verbs that only read.
const READING: &[&str] = &[
    "Get", "Describe", "List", "Query", "Scan", "BatchGet", "Simulate",
];

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/amiboard.template.json");
    let text = std::fs::read_to_string(path).expect("the template");
    serde_json::from_str(&text).expect("the template is JSON")
}

fn resource<'a>(t: &'a Value, logical: &str) -> &'a Value {
    t["Resources"]
        .get(logical)
        .unwrap_or_else(|| panic!("no resource {logical}"))
}

/// Every statement of a managed policy or of a role's inline policies.
fn statements(t: &Value, logical: &str) -> Vec<Value> {
    let props = &resource(t, logical)["Properties"];
    let mut docs = vec![props["PolicyDocument"].clone()];
    for policy in props["Policies"].as_array().into_iter().flatten() {
        docs.push(policy["PolicyDocument"].clone());
    }
    // A conditional statement (`Fn::If` [condition, statement, NoValue])
    // counts as if its condition held.
    docs.iter()
        .filter_map(|d| d["Statement"].as_array())
        .flatten()
        .map(|s| {
            s.get("Fn::If")
                .map_or_else(|| s.clone(), |branches| branches[1].clone())
        })
        .collect()
}

fn list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// The Allow actions of a policy, lower-cased (IAM ignores case).
fn actions(statements: &[Value]) -> BTreeSet<String> {
    statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| list(&s["Action"]))
        .filter_map(|a| a.as_str().map(str::to_ascii_lowercase))
        .collect()
}

fn verb(action: &str) -> &str {
    action.split(':').nth(1).unwrap_or(action)
}

/// The slug of each state machine in the template and its definition,
/// parsed from its `DefinitionString`.
fn machines(t: &Value) -> Vec<(String, Value)> {
    let resources = t["Resources"].as_object().expect("Resources");
    resources
        .values()
        .filter(|r| r["Type"] == "AWS::StepFunctions::StateMachine")
        .map(|r| {
            let props = &r["Properties"];
            let name = props["StateMachineName"]["Fn::Sub"]
                .as_str()
                .expect("StateMachineName is ${Prefix}<slug>");
            let slug = name.trim_start_matches("${Prefix}").to_string();
            assert!(
                props.get("Definition").is_none(),
                "{slug}: a Definition object (CloudFormation refuses its nulls): run python3 scripts/sync-template.py"
            );
            let text = props["DefinitionString"]
                .as_str()
                .unwrap_or_else(|| panic!("{slug} has no DefinitionString"));
            assert!(!text.contains("${"), "{slug}: CloudFormation would substitute `${{` in it");
            let definition = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("{slug}'s DefinitionString is not JSON: {e}"));
            (slug, definition)
        })
        .collect()
}

/// Workflows the emulator runs but the template never deploys.
const EMULATOR_ONLY: &[&str] = &["local-setup"];

/// Every deployed workflow file: `workflows/<slug>.asl.json` but the
/// emulator-only ones, with its definition.
fn workflow_files() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows");
    let mut found: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("workflows/")
        .filter_map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name()?.to_str()?.to_string();
            let slug = name.strip_suffix(".asl.json")?.to_string();
            let text = std::fs::read_to_string(&path).expect("read");
            let definition = serde_json::from_str(&text).expect("JSON");
            (!EMULATOR_ONLY.contains(&slug.as_str())).then_some((slug, definition))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn the_definitions_are_the_workflow_files_and_the_embedded_ones() {
    let t = template();
    let found = machines(&t);
    let slugs: BTreeSet<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
    let files = workflow_files();
    let wanted: BTreeSet<&str> = files.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        slugs, wanted,
        "one state machine per workflows/*.asl.json (local-setup is emulator-only): add the resource, then run python3 scripts/sync-template.py"
    );
    for workflow in Workflow::ALL {
        assert!(
            wanted.contains(workflow.slug()),
            "{} has no file",
            workflow.slug()
        );
    }
    for (slug, file) in &files {
        let (_, in_template) = found.iter().find(|(s, _)| s == slug).expect("present");
        assert!(
            in_template == file,
            "{slug}'s DefinitionString differs from workflows/{slug}.asl.json: run python3 scripts/sync-template.py"
        );
        if let Some(workflow) = Workflow::ALL.iter().find(|w| w.slug() == slug) {
            let embedded: Value = serde_json::from_str(workflow.definition()).expect("JSON");
            assert!(
                embedded == *file,
                "{slug}: the binary embeds another definition"
            );
        }
        let props = &machines_props(&t, slug);
        assert_eq!(
            props["RoleArn"],
            json!({"Fn::GetAtt": ["WorkflowsRole", "Arn"]})
        );
    }
}

fn machines_props(t: &Value, slug: &str) -> Value {
    let name = format!("${{Prefix}}{slug}");
    t["Resources"]
        .as_object()
        .expect("Resources")
        .values()
        .find(|r| r["Properties"]["StateMachineName"]["Fn::Sub"] == name.as_str())
        .map(|r| r["Properties"].clone())
        .expect("the machine")
}

/// Where a JSON `null` stands outside a string (CloudFormation refuses the
/// template: "'null' values are not allowed in templates").
fn task_resources(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "Resource"
                    && let Some(s) = v.as_str()
                {
                    out.insert(s.to_string());
                }
                task_resources(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| task_resources(v, out)),
        _ => {}
    }
}

/// The IAM action a Step Functions task resource needs.
fn integration_action(resource: &str) -> String {
    let tail = resource
        .strip_prefix("arn:aws:states:::")
        .unwrap_or_else(|| panic!("{resource} is not a service integration"));
    let tail = tail.strip_prefix("aws-sdk:").unwrap_or(tail);
    let mut parts = tail.split(':');
    let service = parts.next().expect("service");
    let action = parts.next().expect("action");
    let action = action.split('.').next().unwrap_or(action);
    let prefix = if service == "eventbridge" {
        "events"
    } else {
        service
    };
    let mut chars = action.chars();
    let first = chars.next().expect("named").to_ascii_uppercase();
    format!("{prefix}:{first}{}", chars.as_str())
}

#[test]
fn the_execution_role_allows_every_integration_the_definitions_use() {
    let t = template();
    let allowed = actions(&statements(&t, "WorkflowsRole"));
    let mut resources = BTreeSet::new();
    for (_, def) in workflow_files() {
        task_resources(&def, &mut resources);
    }
    let needed: BTreeSet<String> = resources.iter().map(|r| integration_action(r)).collect();
    for known in [
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "sns:Publish",
        "imagebuilder:StartImagePipelineExecution",
        "ec2:RunInstances",
        "ssm:SendCommand",
    ] {
        assert!(
            needed.contains(known),
            "{known} not derived from {resources:?}"
        );
    }
    let missing: Vec<&String> = needed
        .iter()
        .filter(|a| !allowed.contains(&a.to_ascii_lowercase()))
        .collect();
    assert!(missing.is_empty(), "the workflows role lacks {missing:?}");
    assert!(
        !allowed.iter().any(|a| a == "*" || a.ends_with(":*")),
        "no wildcard service in the workflows role"
    );
}

/// Why a read-only statement breaks the rule, if it does: a write, unless
/// it is the temporary queue's (on `<prefix>watch-*` queues) or a
/// subscription on one of the four topics.
fn read_only_violations(statements: &[Value]) -> Vec<String> {
    let queue = |r: &Value| {
        r["Fn::Sub"].as_str().is_some_and(|s| {
            s.starts_with("arn:${AWS::Partition}:sqs:") && s.ends_with(":${Prefix}watch-*")
        })
    };
    let topic = |r: &Value| {
        TOPICS
            .iter()
            .any(|t| *r == json!({ "Ref": t }) || *r == json!({ "Fn::Sub": format!("${{{t}}}:*") }))
    };
    let mut bad = Vec::new();
    for s in statements.iter().filter(|s| s["Effect"] == "Allow") {
        let resources = list(&s["Resource"]);
        for action in list(&s["Action"]) {
            let action = action.as_str().unwrap_or_default().to_string();
            let verb = verb(&action);
            if action.contains('*') {
                bad.push(format!("{action}: wildcard"));
                continue;
            }
            let writes = MUTATING.iter().any(|m| verb.starts_with(m));
            let reads = READING.iter().any(|r| verb.starts_with(r));
            if !writes && reads {
                continue;
            }
            let temp_queue = action.starts_with("sqs:") && resources.iter().all(queue);
            let subscription = matches!(action.as_str(), "sns:Subscribe" | "sns:Unsubscribe")
                && resources.iter().all(topic);
            if !(temp_queue || subscription) {
                bad.push(format!("{action} on {resources:?}"));
            }
        }
    }
    bad
}

#[test]
fn the_read_only_policy_writes_nothing_but_its_temporary_queue() {
    let t = template();
    let policy = statements(&t, "OnCallReadOnlyPolicy");
    assert_eq!(read_only_violations(&policy), Vec::<String>::new());
    let granted = actions(&policy);
    for needed in ["sqs:receivemessage", "sqs:createqueue", "sns:subscribe"] {
        assert!(
            granted.contains(needed),
            "the on-call policy lacks {needed}"
        );
    }
    // The check catches each kind of write, and a queue outside the prefix.
    for (action, resource) in [
        (
            "dynamodb:PutItem",
            json!({"Fn::GetAtt": ["LifecyclesTable", "Arn"]}),
        ),
        ("dynamodb:UpdateItem", json!("*")),
        ("dynamodb:BatchWriteItem", json!("*")),
        ("states:StartExecution", json!("*")),
        ("states:StopExecution", json!("*")),
        ("sns:Publish", json!({"Ref": "LifecycleTopic"})),
        (
            "sqs:SendMessage",
            json!({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*"}),
        ),
        ("sns:Subscribe", json!("*")),
        ("dynamodb:*", json!("*")),
    ] {
        let mut tampered = policy.clone();
        tampered.push(json!({"Effect": "Allow", "Action": action, "Resource": resource}));
        assert_eq!(
            read_only_violations(&tampered).len(),
            1,
            "{action} on {resource} was not caught"
        );
    }
}

#[test]
fn the_scanner_finds_known_calls_in_the_source() {
    let calls = calls::calls_in_source();
    let found: BTreeSet<String> = calls.iter().filter_map(calls::Call::action).collect();
    for known in [
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:CreateTable",
        "states:StartExecution",
        "states:GetExecutionHistory",
        "sqs:ReceiveMessage",
        "sqs:CreateQueue",
        "sns:Publish",
        "sns:Subscribe",
        "imagebuilder:ListImagePipelines",
    ] {
        assert!(
            found.contains(known),
            "the scanner missed {known}: {found:?}"
        );
    }
    let sts = calls
        .iter()
        .find(|c| c.operation == "GetCallerIdentity")
        .expect("the caller's identity is read");
    assert_eq!(sts.action(), None, "GetCallerIdentity needs no permission");
}

#[test]
fn the_operator_policy_covers_every_call_and_has_no_wildcard_action() {
    let t = template();
    let policy = statements(&t, "OperatorPolicy");
    let granted = actions(&policy);
    for action in &granted {
        let verb = verb(action);
        assert!(
            !action.contains('*') && !verb.is_empty(),
            "wildcard action {action} in the operator policy"
        );
    }
    let missing: Vec<String> = calls::calls_in_source()
        .iter()
        .filter_map(|c| c.action().map(|a| (a, c.at.clone())))
        .filter(|(a, _)| !granted.contains(&a.to_ascii_lowercase()))
        .map(|(a, at)| format!("{a} ({at})"))
        .collect();
    assert!(
        missing.is_empty(),
        "the operator policy lacks {missing:?}: add them to OperatorPolicy in deploy/amiboard.template.json"
    );
}

#[test]
fn the_read_only_policy_allows_every_read_call() {
    let t = template();
    let granted = actions(&statements(&t, "OnCallReadOnlyPolicy"));
    let missing: BTreeSet<String> = calls::calls_in_source()
        .iter()
        .filter_map(calls::Call::action)
        .filter(|a| {
            let verb = verb(a);
            READING.iter().any(|r| verb.starts_with(r))
                && !MUTATING.iter().any(|m| verb.starts_with(m))
        })
        .filter(|a| !granted.contains(&a.to_ascii_lowercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "the on-call policy lacks the reads {missing:?}"
    );
}
