//! In-memory fakes behind the AWS ports (`amiboard::aws::ports`): one world
//! of lifecycles, executions and published messages that records every call
//! it receives (operation and key arguments) for the test to assert on.
//! The store honours `item_version` on `save` as the DynamoDB store does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use amiboard::aws::AwsError;
use amiboard::aws::dynamodb::{Cursor, Page, ReferenceItems};
use amiboard::aws::ports::{Executions, Identify, ImageService, LifecycleStore, Publisher};
use amiboard::aws::sfn::{Execution, MachineStatus, Started, execution_arn};
use amiboard::aws::sns::TopicStatus;
use amiboard::aws::sts::Identity;
use amiboard::lifecycle::execution::RunStatus;
use amiboard::lifecycle::image::{BuildImage, Pipeline, ServiceAnswer};
use amiboard::lifecycle::lookup::LookupRow;
use amiboard::lifecycle::{EventRecord, EventStatus, Lifecycle};
use amiboard::ops::Ports;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The operations that change something somewhere.
const WRITES: [&str; 9] = [
    "save",
    "create",
    "reserve_major",
    "raise_major",
    "upsert_lookup_rows",
    "start",
    "ensure_machine",
    "publish",
    "ensure_topic",
];

/// One message the fake SNS received.
#[derive(Debug, Clone)]
pub struct Published {
    pub topic_arn: String,
    pub subject: Option<String>,
    pub message: String,
    pub attributes: BTreeMap<String, String>,
}

/// One execution the fake Step Functions started.
#[derive(Debug, Clone)]
pub struct StartedExecution {
    pub machine_arn: String,
    pub name: String,
    pub input: String,
}

/// Another writer's change, applied to the stored copy just before the next
/// `save` of that lifecycle (so that save loses the race).
type Rival = Box<dyn FnOnce(&mut Lifecycle) + Send>;

/// The whole fake AWS: every port is implemented on it.
pub struct Fakes {
    account: String,
    caller_arn: String,
    /// The fake's clock: what a save stamps as `updated_at` (frozen).
    clock: DateTime<Utc>,
    calls: Mutex<Vec<String>>,
    lifecycles: Mutex<BTreeMap<String, Lifecycle>>,
    lookup: Mutex<Vec<LookupRow>>,
    executions: Mutex<Vec<StartedExecution>>,
    published: Mutex<Vec<Published>>,
    rivals: Mutex<BTreeMap<String, Rival>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().expect("a fake's lock")
}

impl Fakes {
    pub fn new(
        account: &str,
        caller_arn: &str,
        clock: DateTime<Utc>,
        lifecycles: Vec<Lifecycle>,
    ) -> Arc<Self> {
        Arc::new(Fakes {
            account: account.to_string(),
            caller_arn: caller_arn.to_string(),
            clock,
            calls: Mutex::new(Vec::new()),
            lifecycles: Mutex::new(
                lifecycles
                    .into_iter()
                    .map(|lc| (lc.lifecycle_id.clone(), lc))
                    .collect(),
            ),
            lookup: Mutex::new(Vec::new()),
            executions: Mutex::new(Vec::new()),
            published: Mutex::new(Vec::new()),
            rivals: Mutex::new(BTreeMap::new()),
        })
    }

    /// The ports of `ops::Context`, every one this fake.
    pub fn ports(self: &Arc<Self>) -> Ports {
        Ports {
            store: self.clone(),
            executions: self.clone(),
            publisher: self.clone(),
            identity: self.clone(),
            images: self.clone(),
        }
    }

    fn record(&self, call: String) {
        lock(&self.calls).push(call);
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }

    /// Every call so far, and forgets them.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.calls))
    }

    /// The calls that write (save, start, publish, ...).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| WRITES.contains(&c.split(' ').next().unwrap_or_default()))
            .collect()
    }

    /// The stored copy of a lifecycle.
    pub fn stored(&self, id: &str) -> Lifecycle {
        lock(&self.lifecycles)
            .get(id)
            .cloned()
            .expect("a stored lifecycle")
    }

    pub fn started(&self) -> Vec<StartedExecution> {
        lock(&self.executions).clone()
    }

    pub fn published(&self) -> Vec<Published> {
        lock(&self.published).clone()
    }

    pub fn lookup(&self) -> Vec<LookupRow> {
        lock(&self.lookup).clone()
    }

    /// Someone else writes `id` (through its own conditional save) right
    /// before this dashboard's next save of it.
    pub fn rival_before_next_save(
        &self,
        id: &str,
        change: impl FnOnce(&mut Lifecycle) + Send + 'static,
    ) {
        lock(&self.rivals).insert(id.to_string(), Box::new(change));
    }
}

/// What changed in one record, field by field (times left out: they are the
/// real clock's).
fn record_diff(old: Option<&EventRecord>, new: &EventRecord) -> Vec<String> {
    let mut out = Vec::new();
    let old_status = old.map_or(EventStatus::NotStarted, |r| r.status);
    if old_status != new.status {
        out.push(format!(
            "status {}->{}",
            old_status.name(),
            new.status.name()
        ));
    }
    if old.map_or(0, |r| r.attempt) != new.attempt {
        out.push(format!("attempt {}", new.attempt));
    }
    if old.and_then(|r| r.actor.as_ref()) != new.actor.as_ref() {
        out.push(format!("actor {}", new.actor.as_deref().unwrap_or("-")));
    }
    if old.and_then(|r| r.reason.as_ref()) != new.reason.as_ref() {
        out.push(format!("reason {:?}", new.reason.as_deref().unwrap_or("-")));
    }
    if old.and_then(|r| r.execution_arn.as_ref()) != new.execution_arn.as_ref() {
        out.push(format!(
            "execution_arn {}",
            new.execution_arn.as_deref().unwrap_or("-")
        ));
    }
    if old.map(|r| &r.outputs) != Some(&new.outputs) {
        out.push("outputs".to_string());
    }
    out
}

/// Every changed record of `new` against `old`: `SMOKE_TESTS: status ...`.
fn lifecycle_diff(old: &Lifecycle, new: &Lifecycle) -> String {
    let changes: Vec<String> = new
        .all_records()
        .filter_map(|(at, record)| {
            let diff = record_diff(old.record(at), record);
            (!diff.is_empty()).then(|| format!("{at}: {}", diff.join(", ")))
        })
        .collect();
    if changes.is_empty() {
        "no record changed".to_string()
    } else {
        changes.join("; ")
    }
}

#[async_trait]
impl LifecycleStore for Fakes {
    async fn get(&self, lifecycle_id: &str) -> Result<Lifecycle, AwsError> {
        self.record(format!("get {lifecycle_id}"));
        lock(&self.lifecycles)
            .get(lifecycle_id)
            .cloned()
            .ok_or_else(|| AwsError::NotFound {
                resource: format!("lifecycle {lifecycle_id}"),
            })
    }

    async fn probe(&self) -> Result<(), AwsError> {
        self.record("probe".to_string());
        Ok(())
    }

    async fn list_page(
        &self,
        stack_tag: Option<&str>,
        cursor: Option<Cursor>,
    ) -> Result<Page, AwsError> {
        self.record(format!(
            "list_page stack={} cursor={}",
            stack_tag.unwrap_or("*"),
            if cursor.is_some() { "some" } else { "none" }
        ));
        let lifecycles = lock(&self.lifecycles)
            .values()
            .filter(|lc| stack_tag.is_none_or(|tag| lc.stack_tag == tag))
            .cloned()
            .collect();
        Ok(Page {
            lifecycles,
            skipped: Vec::new(),
            next: None,
        })
    }

    async fn create(&self, lc: &Lifecycle) -> Result<(), AwsError> {
        self.record(format!("create {}", lc.lifecycle_id));
        let mut all = lock(&self.lifecycles);
        if all.contains_key(&lc.lifecycle_id) {
            return Err(AwsError::Conflict {
                resource: format!("lifecycle {}", lc.lifecycle_id),
            });
        }
        all.insert(lc.lifecycle_id.clone(), lc.clone());
        Ok(())
    }

    async fn save(&self, lc: &Lifecycle) -> Result<Lifecycle, AwsError> {
        let id = &lc.lifecycle_id;
        let rival = lock(&self.rivals).remove(id);
        let mut all = lock(&self.lifecycles);
        if let (Some(rival), Some(stored)) = (rival, all.get_mut(id)) {
            rival(stored);
            stored.item_version += 1;
        }
        let Some(stored) = all.get(id) else {
            self.record(format!(
                "save {id} if item_version={}: NOT FOUND",
                lc.item_version
            ));
            return Err(AwsError::Conflict {
                resource: format!("lifecycle {id}"),
            });
        };
        if stored.item_version != lc.item_version {
            self.record(format!(
                "save {id} if item_version={}: CONFLICT (stored {})",
                lc.item_version, stored.item_version
            ));
            return Err(AwsError::Conflict {
                resource: format!("lifecycle {id}"),
            });
        }
        self.record(format!(
            "save {id} if item_version={}: {}",
            lc.item_version,
            lifecycle_diff(stored, lc)
        ));
        let mut next = lc.clone();
        next.item_version = lc.item_version + 1;
        next.updated_at = self.clock;
        all.insert(id.clone(), next.clone());
        Ok(next)
    }

    async fn reserve_major(&self, stack_tag: &str) -> Result<u64, AwsError> {
        self.record(format!("reserve_major {stack_tag}"));
        Ok(1)
    }

    async fn raise_major(&self, stack_tag: &str, last_major: u64) -> Result<bool, AwsError> {
        self.record(format!("raise_major {stack_tag} {last_major}"));
        Ok(false)
    }

    async fn reference_seed(
        &self,
        table: &str,
        stack_tag: &str,
    ) -> Result<Option<String>, AwsError> {
        self.record(format!("reference_seed {table} {stack_tag}"));
        Ok(None)
    }

    async fn reference_items(&self, table: &str) -> Result<ReferenceItems, AwsError> {
        self.record(format!("reference_items {table}"));
        Ok(ReferenceItems::default())
    }

    async fn upsert_lookup_rows(&self, rows: &[LookupRow]) -> Result<(), AwsError> {
        let amis: Vec<&str> = rows.iter().map(|r| r.ami_id.as_str()).collect();
        self.record(format!("upsert_lookup_rows {}", amis.join(",")));
        lock(&self.lookup).extend(rows.iter().cloned());
        Ok(())
    }

    async fn lookup_rows(&self, stack_tag: &str) -> Result<Vec<LookupRow>, AwsError> {
        self.record(format!("lookup_rows {stack_tag}"));
        Ok(lock(&self.lookup)
            .iter()
            .filter(|r| r.stack_tag == stack_tag)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl Executions for Fakes {
    async fn start(&self, machine_arn: &str, name: &str, input: &str) -> Result<Started, AwsError> {
        self.record(format!("start {machine_arn} name={name}"));
        let mut all = lock(&self.executions);
        let already_existed = all
            .iter()
            .any(|e| e.machine_arn == machine_arn && e.name == name);
        if !already_existed {
            all.push(StartedExecution {
                machine_arn: machine_arn.to_string(),
                name: name.to_string(),
                input: input.to_string(),
            });
        }
        Ok(Started {
            arn: execution_arn(machine_arn, name),
            already_existed,
        })
    }

    async fn describe(&self, execution_arn: &str) -> Result<Execution, AwsError> {
        self.record(format!("describe {execution_arn}"));
        Ok(Execution {
            arn: execution_arn.to_string(),
            status: RunStatus::Running,
            started_at: Some(self.clock),
            stopped_at: None,
            error: None,
            cause: None,
        })
    }

    async fn list_in_status(
        &self,
        machine_arn: &str,
        status: RunStatus,
        _since: DateTime<Utc>,
    ) -> Result<Vec<String>, AwsError> {
        self.record(format!("list_in_status {machine_arn} {}", status.name()));
        // The fake's executions all run: none failed, timed out or aborted.
        Ok(Vec::new())
    }

    async fn machine_definition(&self, arn: &str) -> Result<Option<String>, AwsError> {
        self.record(format!("machine_definition {arn}"));
        // Deployed by this very binary: the current version.
        let name = arn.rsplit(':').next().unwrap_or_default();
        let workflow = amiboard::ops::workflows::Workflow::ALL
            .into_iter()
            .find(|w| name.ends_with(w.slug()));
        Ok(workflow.map(|w| w.definition().to_string()))
    }

    async fn current_state(&self, execution_arn: &str) -> Result<Option<String>, AwsError> {
        self.record(format!("current_state {execution_arn}"));
        Ok(Some("Run".to_string()))
    }

    async fn path(
        &self,
        execution_arn: &str,
    ) -> Result<amiboard::lifecycle::execution::ExecutionPath, AwsError> {
        self.record(format!("path {execution_arn}"));
        Ok(amiboard::lifecycle::execution::ExecutionPath::default())
    }

    async fn ensure_machine(
        &self,
        name: &str,
        arn: &str,
        _definition: &str,
        _role_arn: &str,
    ) -> Result<MachineStatus, AwsError> {
        self.record(format!("ensure_machine {name}"));
        Ok(MachineStatus::Existed {
            name: name.to_string(),
            arn: arn.to_string(),
        })
    }
}

#[async_trait]
impl Publisher for Fakes {
    async fn publish(
        &self,
        topic_arn: &str,
        subject: Option<&str>,
        message: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let attrs: Vec<String> = attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.record(format!(
            "publish {topic_arn} subject={:?} {}",
            subject.unwrap_or("-"),
            attrs.join(" ")
        ));
        let mut all = lock(&self.published);
        all.push(Published {
            topic_arn: topic_arn.to_string(),
            subject: subject.map(str::to_string),
            message: message.to_string(),
            attributes: attributes.clone(),
        });
        Ok(format!("message-{}", all.len()))
    }

    async fn ensure_topic(&self, name: &str, arn: &str) -> Result<TopicStatus, AwsError> {
        self.record(format!("ensure_topic {name}"));
        Ok(TopicStatus::Existed {
            name: name.to_string(),
            arn: arn.to_string(),
        })
    }
}

#[async_trait]
impl Identify for Fakes {
    async fn who_am_i(&self) -> Result<Identity, AwsError> {
        self.record("who_am_i".to_string());
        Ok(Identity {
            account: self.account.clone(),
            arn: self.caller_arn.clone(),
        })
    }
}

#[async_trait]
impl ImageService for Fakes {
    async fn image(&self, image_arn: &str) -> Result<ServiceAnswer<BuildImage>, AwsError> {
        self.record(format!("image {image_arn}"));
        Ok(ServiceAnswer::Unavailable {
            notice: "the fake endpoint has no Image Builder".to_string(),
        })
    }

    async fn pipelines(&self) -> Result<ServiceAnswer<Vec<Pipeline>>, AwsError> {
        self.record("pipelines".to_string());
        Ok(ServiceAnswer::Found(Vec::new()))
    }
}
