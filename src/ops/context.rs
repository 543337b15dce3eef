//! What every use case runs in: the resolved configuration and the AWS
//! services behind their ports (`aws::ports`). The CLI and the dashboard
//! build one [`Context`] at start-up; the whole-app test builds one from fakes.

use std::sync::Arc;

use crate::aws::client::{NoRegion, ResolvedTarget};
use crate::aws::dynamodb::{Store, TableNames};
use crate::aws::ports::{Executions, Identify, ImageService, LifecycleStore, Publisher};
use crate::aws::temp_queue::QueueSettings;
use crate::aws::{Clients, ConnectSettings, imagebuilder::ImageBuilder};
use crate::config::Config;

/// The services a use case may call, each behind its trait.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn LifecycleStore>,
    pub executions: Arc<dyn Executions>,
    pub publisher: Arc<dyn Publisher>,
    pub identity: Arc<dyn Identify>,
    pub images: Arc<dyn ImageService>,
}

/// The SDK clients themselves, for what only a real endpoint does: bulk
/// seeding, table provisioning, the temporary notification queue.
#[derive(Debug, Clone)]
pub struct Sdk {
    pub clients: Clients,
    pub store: Store,
}

/// What every command and the dashboard's effects run in.
#[derive(Clone)]
pub struct Context {
    pub config: Config,
    /// Where the clients point (region, profile, endpoint).
    pub target: ResolvedTarget,
    pub store: Arc<dyn LifecycleStore>,
    pub executions: Arc<dyn Executions>,
    pub publisher: Arc<dyn Publisher>,
    pub identity: Arc<dyn Identify>,
    pub images: Arc<dyn ImageService>,
    sdk: Option<Sdk>,
}

/// Every profile the shared AWS config and credentials files define.
pub fn known_profiles() -> std::collections::BTreeSet<String> {
    crate::aws::profiles::known()
}

/// The client settings the configuration resolved.
pub fn connect_settings(config: &Config) -> ConnectSettings {
    ConnectSettings {
        profile: config.profile.clone(),
        region: config.region.clone(),
        endpoint_url: config.endpoint_url.clone(),
    }
}

/// The table names the configuration resolved.
pub fn table_names(config: &Config) -> TableNames {
    TableNames {
        lifecycles: config.tables.lifecycles.clone(),
        semver_seeds: config.tables.semver_seeds.clone(),
        ami_lookup: config.tables.ami_lookup.clone(),
    }
}

/// What the temporary notification queue needs: the prefix, the topics to
/// subscribe (the lifecycle topic first) and when a leftover is stale.
pub fn queue_settings(config: &Config) -> QueueSettings {
    let topics = &config.topics;
    let mut names = vec![topics.lifecycle.clone()];
    if config.include_service_topics {
        names.extend([
            topics.imagebuilder.clone(),
            topics.ec2_events.clone(),
            topics.run_command.clone(),
        ]);
    }
    QueueSettings {
        prefix: config.prefix.clone(),
        topics: names,
        stale_after: config.stale_after,
    }
}

impl Context {
    /// Builds the clients from the configuration (the default credential chain).
    pub async fn connect(config: Config) -> Result<Self, NoRegion> {
        let clients = crate::aws::connect(&connect_settings(&config)).await?;
        Ok(Self::from_clients(config, clients))
    }

    /// A context on clients made elsewhere (tests use fixed credentials).
    pub fn from_clients(config: Config, clients: Clients) -> Self {
        let store =
            Store::new(&clients, table_names(&config)).with_scan_segments(config.scan_segments);
        let shared = Arc::new(clients.clone());
        let ports = Ports {
            store: Arc::new(store.clone()),
            executions: shared.clone(),
            publisher: shared.clone(),
            identity: shared,
            images: Arc::new(ImageBuilder::new(&clients)),
        };
        let target = clients.target.clone();
        let mut ctx = Self::with_ports(config, target, ports);
        ctx.sdk = Some(Sdk { clients, store });
        ctx
    }

    /// A context on the given ports only (the whole-app test's fakes): what
    /// needs the SDK clients themselves answers [`Context::sdk`]'s error.
    pub fn with_ports(config: Config, target: ResolvedTarget, ports: Ports) -> Self {
        Context {
            config,
            target,
            store: ports.store,
            executions: ports.executions,
            publisher: ports.publisher,
            identity: ports.identity,
            images: ports.images,
            sdk: None,
        }
    }

    /// The SDK clients, where this context has them.
    pub fn sdk(&self) -> Result<&Sdk, super::OpError> {
        self.sdk.as_ref().ok_or_else(|| {
            super::OpError::Unavailable(
                "this needs the AWS clients, and this context has only fakes".to_string(),
            )
        })
    }

    /// The endpoint for messages: the custom one, or "AWS (region)".
    pub fn endpoint_label(&self) -> String {
        self.target
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("AWS ({})", self.target.region))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_configured_heartbeat_is_the_queues() {
        assert_eq!(
            crate::aws::temp_queue::HEARTBEAT.as_secs(),
            crate::config::QUEUE_HEARTBEAT_MINUTES * 60
        );
    }
}
