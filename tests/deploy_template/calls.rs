//! Which AWS calls amiboard's own code makes, derived from the source: the
//! operations of each `aws-sdk-*` crate in Cargo.toml (the `src/operation/`
//! modules of the crate's sources in the cargo registry, with the API name
//! each module declares), matched against fluent calls `.<operation>()` in
//! `src/**/*.rs` that end in `.send()`. The result is IAM actions
//! (`dynamodb:UpdateItem`, `states:StartExecution`, ...).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// SDK crate (after `aws-sdk-`) and the IAM prefix of its actions.
pub const SERVICES: &[(&str, &str)] = &[
    ("dynamodb", "dynamodb"),
    ("eventbridge", "events"),
    ("iam", "iam"),
    ("imagebuilder", "imagebuilder"),
    ("s3", "s3"),
    ("sfn", "states"),
    ("sns", "sns"),
    ("sqs", "sqs"),
    ("sts", "sts"),
    ("ec2", "ec2"),
    ("ssm", "ssm"),
    ("cloudformation", "cloudformation"),
];

/// API operations whose IAM action has another name, or none at all.
/// `None`: no permission is needed (sts:GetCallerIdentity always works).
const ACTION_NAMES: &[(&str, &str, Option<&str>)] = &[
    ("sts", "GetCallerIdentity", None),
    ("s3", "HeadBucket", Some("s3:ListBucket")),
    ("s3", "HeadObject", Some("s3:GetObject")),
    ("s3", "ListObjectsV2", Some("s3:ListBucket")),
    ("s3", "ListObjects", Some("s3:ListBucket")),
    (
        "s3",
        "GetBucketEncryption",
        Some("s3:GetEncryptionConfiguration"),
    ),
    (
        "s3",
        "GetPublicAccessBlock",
        Some("s3:GetBucketPublicAccessBlock"),
    ),
    (
        "s3",
        "GetBucketLifecycleConfiguration",
        Some("s3:GetLifecycleConfiguration"),
    ),
    ("s3", "GetBucketVersioning", Some("s3:GetBucketVersioning")),
    ("s3", "DeleteObjects", Some("s3:DeleteObject")),
    ("sqs", "DeleteMessageBatch", Some("sqs:DeleteMessage")),
    ("sqs", "SendMessageBatch", Some("sqs:SendMessage")),
    (
        "sqs",
        "ChangeMessageVisibilityBatch",
        Some("sqs:ChangeMessageVisibility"),
    ),
];

/// One call found in the source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    /// The SDK crate (after `aws-sdk-`).
    pub service: String,
    /// The API operation, e.g. `UpdateItem`.
    pub operation: String,
    /// Where it was found (`src/aws/sfn.rs:120`).
    pub at: String,
}

impl Call {
    /// The IAM action this call needs, or `None` when it needs none.
    pub fn action(&self) -> Option<String> {
        for (service, operation, action) in ACTION_NAMES {
            if *service == self.service && *operation == self.operation {
                return action.map(str::to_string);
            }
        }
        let prefix = SERVICES
            .iter()
            .find(|(s, _)| *s == self.service)
            .map_or(self.service.as_str(), |(_, p)| p);
        Some(format!("{prefix}:{}", self.operation))
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `aws-sdk-*` crates of `[dependencies]` with their locked versions.
fn sdk_crates() -> Vec<(String, String)> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [dependencies] table");
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let mut crates = Vec::new();
    for line in deps.lines() {
        let Some(name) = line.split('=').next().map(str::trim) else {
            continue;
        };
        let Some(service) = name.strip_prefix("aws-sdk-") else {
            continue;
        };
        let marker = format!("name = \"{name}\"\nversion = \"");
        let version = lock
            .split(&marker)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{name} is not in Cargo.lock"));
        crates.push((service.to_string(), version.to_string()));
    }
    assert!(!crates.is_empty(), "no aws-sdk crate in [dependencies]");
    crates
}

/// Where cargo unpacked a crate's sources.
fn crate_dir(name: &str, version: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"),
        PathBuf::from,
    );
    let registry = home.join("registry").join("src");
    let wanted = format!("{name}-{version}");
    for index in std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", registry.display()))
        .flatten()
    {
        let dir = index.path().join(&wanted);
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "the sources of {wanted} are not under {}",
        registry.display()
    );
}

/// Each crate's operations: snake_case method name to API name.
pub fn sdk_operations() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut all = BTreeMap::new();
    for (service, version) in sdk_crates() {
        let dir = crate_dir(&format!("aws-sdk-{service}"), &version).join("src/operation");
        let mut ops = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).expect("operation dir").flatten() {
            if !entry.path().is_dir() {
                continue;
            }
            let snake = entry.file_name().to_string_lossy().to_string();
            let module = dir.join(format!("{snake}.rs"));
            let text = std::fs::read_to_string(&module).unwrap_or_default();
            // The module declares the API name the request is signed with.
            let api = text
                .split("Metadata::new(\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map_or_else(|| pascal(&snake), str::to_string);
            ops.insert(snake, api);
        }
        assert!(ops.len() > 3, "few operations found in {}", dir.display());
        all.insert(service, ops);
    }
    all
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs")
            && !name.ends_with("tests.rs")
            && name != "tests.rs"
            // Test-only mocked clients (`#[cfg(test)] pub mod mocked`).
            && name != "mocked.rs"
        {
            out.push(path);
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier right before the `.` at `dot` (whitespace skipped).
fn receiver(text: &str, dot: usize) -> String {
    let before = text[..dot].trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_ident(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    before[start..].to_string()
}

/// Every SDK call in `src/`. Panics on a call it cannot attribute to one
/// service, so a new call can never be silently skipped.
pub fn calls_in_source() -> Vec<Call> {
    let ops = sdk_operations();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let full = std::fs::read_to_string(&file).expect("readable");
        // Unit tests at the end of a file make no calls of the binary.
        let text = full
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or(&full);
        let imported: BTreeSet<&str> = ops
            .keys()
            .filter(|s| text.contains(&format!("aws_sdk_{s}")))
            .map(String::as_str)
            .collect();
        let rel = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut rest = 0;
        while let Some(pos) = text[rest..].find("()") {
            let close = rest + pos;
            rest = close + 2;
            let head = &text[..close];
            let start = head
                .char_indices()
                .rev()
                .find(|(_, c)| !is_ident(*c))
                .map_or(0, |(i, _)| i + 1);
            let name = &head[start..];
            if name.is_empty() || !head[..start].trim_end().ends_with('.') {
                continue;
            }
            let candidates: Vec<&str> = ops
                .iter()
                .filter(|(_, o)| o.contains_key(name))
                .map(|(s, _)| s.as_str())
                .collect();
            if candidates.is_empty() {
                continue;
            }
            // A fluent request: made on a client, or the statement goes on
            // to `.send()` (a request built over several statements is
            // always made on a client field).
            let dot = head[..start].trim_end().len() - 1;
            let recv = receiver(text, dot);
            let on_client =
                recv == "client" || SERVICES.iter().any(|(c, p)| *c == recv || *p == recv);
            let statement = text[close..].split(';').next().unwrap_or_default();
            if !on_client && !statement.contains(".send()") {
                continue;
            }
            let service = if let Some(s) = candidates
                .iter()
                .find(|s| **s == recv || SERVICES.iter().any(|(c, p)| c == *s && *p == recv))
            {
                (*s).to_string()
            } else {
                let narrowed: Vec<&str> = candidates
                    .iter()
                    .copied()
                    .filter(|s| imported.contains(s))
                    .collect();
                match (narrowed.as_slice(), candidates.as_slice()) {
                    ([one], _) | ([], [one]) => (*one).to_string(),
                    _ => panic!(
                        "{rel}: `.{name}()` on `{recv}` could be any of {candidates:?}: name the client"
                    ),
                }
            };
            let line = text[..close].matches('\n').count() + 1;
            found.push(Call {
                operation: ops[&service][name].clone(),
                service,
                at: format!("{rel}:{line}"),
            });
        }
    }
    found.sort();
    found
}
