//! Builds the one `SdkConfig` every client shares, honouring `--profile`,
//! `--region`, `--endpoint-url`, the `AWS_*` environment (including the
//! per-service `AWS_ENDPOINT_URL_<SERVICE>` variables) and the default
//! credential chain, with timeouts so an unreachable endpoint fails fast.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

/// An unreachable endpoint is reported within [`OPERATION_TIMEOUT`]: each
/// attempt gives up after [`ATTEMPT_TIMEOUT`], the whole call after 9 s.
/// Calls that wait on purpose (SQS long polls) override these per call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(8);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(9);
/// A page of a large table may take longer than a single-item call (emulators
/// sort the whole table for every page); reads that page use this limit, but
/// only after a quick reachability probe under the strict limits above. It
/// bounds the whole page, retries included (`AMIBOARD_PAGE_TIMEOUT`, in
/// seconds, lowers or raises it; docs/reliability.md).
pub const PAGE_TIMEOUT: Duration = Duration::from_mins(1);

/// The environment variable that overrides [`PAGE_TIMEOUT`] (whole seconds, 1 or more).
pub const PAGE_TIMEOUT_VAR: &str = "AMIBOARD_PAGE_TIMEOUT";

/// The limit for one page: [`PAGE_TIMEOUT`] or `AMIBOARD_PAGE_TIMEOUT`.
pub fn page_timeout() -> Duration {
    std::env::var(PAGE_TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|secs| (1..=3600).contains(secs))
        .map_or(PAGE_TIMEOUT, Duration::from_secs)
}

/// Timeouts for one page of a paginated read: the whole page, first byte
/// and every retry included, within [`page_timeout`].
pub fn page_timeouts() -> TimeoutConfig {
    let page = page_timeout();
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(page)
        .operation_attempt_timeout(page)
        .operation_timeout(page)
        .build()
}

/// The limits every call runs under (see the constants above); tests lower
/// them through [`connect_with_limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: CONNECT_TIMEOUT,
            attempt: ATTEMPT_TIMEOUT,
            operation: OPERATION_TIMEOUT,
        }
    }
}

/// What the clients are built from: the `--profile`, `--region` and
/// `--endpoint-url` the configuration resolved (the `AWS_*` environment and
/// the profile files fill in the rest).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Where the clients point, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedTarget {
    pub region: String,
    pub profile: Option<String>,
    /// The endpoint when it is not AWS's own.
    pub endpoint: Option<String>,
}

/// Shared configuration plus every client amiboard uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub target: ResolvedTarget,
    /// The endpoint of the services without an `AWS_ENDPOINT_URL_<SERVICE>`
    /// of their own, when it is not AWS's (`target.endpoint` is the
    /// table's, which `AWS_ENDPOINT_URL_DYNAMODB` may point elsewhere).
    pub general_endpoint: Option<String>,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sts: aws_sdk_sts::Client,
    pub imagebuilder: aws_sdk_imagebuilder::Client,
    /// IAM, EventBridge and S3: read by `doctor` only (`aws::inspect`).
    pub iam: aws_sdk_iam::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub s3: aws_sdk_s3::Client,
}

/// The region could not be resolved.
#[derive(Debug, thiserror::Error)]
#[error(
    "no AWS region: pass --region, set AWS_REGION, or set `region` in the profile or the amiboard config"
)]
pub struct NoRegion;

/// Loads the shared SDK configuration and builds every client.
pub async fn connect(config: &ConnectSettings) -> Result<Clients, NoRegion> {
    connect_inner(config, None).await
}

/// Like [`connect`], with fixed credentials instead of the default chain
/// (tests against the emulator).
pub async fn connect_with_static_credentials(
    config: &ConnectSettings,
    access_key: &str,
    secret_key: &str,
) -> Result<Clients, NoRegion> {
    connect_with_limits(config, access_key, secret_key, Limits::default()).await
}

/// Like [`connect_with_static_credentials`], under other time limits (tests
/// that make a reply slower than an attempt may wait).
pub async fn connect_with_limits(
    config: &ConnectSettings,
    access_key: &str,
    secret_key: &str,
    limits: Limits,
) -> Result<Clients, NoRegion> {
    let credentials =
        aws_credential_types::Credentials::new(access_key, secret_key, None, None, "static");
    connect_inner_with(config, Some(credentials), limits).await
}

async fn connect_inner(
    config: &ConnectSettings,
    credentials: Option<aws_credential_types::Credentials>,
) -> Result<Clients, NoRegion> {
    connect_inner_with(config, credentials, Limits::default()).await
}

async fn connect_inner_with(
    config: &ConnectSettings,
    credentials: Option<aws_credential_types::Credentials>,
    limits: Limits,
) -> Result<Clients, NoRegion> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(limits.connect)
        .read_timeout(limits.attempt)
        .operation_attempt_timeout(limits.attempt)
        .operation_timeout(limits.operation)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    if let Some(profile) = &config.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &config.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &config.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk = loader.load().await;
    let region = sdk.region().map(ToString::to_string).ok_or(NoRegion)?;
    // The table's endpoint is the one the header names: the per-service
    // one wins in the SDK, so it wins here too.
    let general_endpoint = sdk.endpoint_url().map(ToString::to_string);
    let endpoint = service_endpoint("DYNAMODB", |name| std::env::var(name).ok())
        .or_else(|| general_endpoint.clone());
    let target = ResolvedTarget {
        region,
        profile: config
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok()),
        endpoint,
    };
    Ok(Clients::from_sdk(&sdk, target, general_endpoint))
}

impl Clients {
    /// Every client from one shared configuration.
    pub fn from_sdk(
        sdk: &aws_config::SdkConfig,
        target: ResolvedTarget,
        general_endpoint: Option<String>,
    ) -> Clients {
        Clients {
            general_endpoint,
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            sfn: aws_sdk_sfn::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            sts: aws_sdk_sts::Client::new(sdk),
            imagebuilder: aws_sdk_imagebuilder::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
            // A custom endpoint (the emulator) has no per-bucket host names.
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(target.endpoint.is_some())
                    .build(),
            ),
            target,
        }
    }

    /// The endpoint for the messages of a service without an endpoint of
    /// its own: the custom one, or "AWS (region)". Not the table's: with
    /// only `AWS_ENDPOINT_URL_DYNAMODB` set, an SQS failure named the
    /// DynamoDB endpoint.
    pub fn endpoint_label(&self) -> String {
        self.general_endpoint
            .clone()
            .unwrap_or_else(|| format!("AWS ({})", self.target.region))
    }

    /// The endpoint one service's calls go to, for its messages: the SDK
    /// gives `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_DYNAMODB`)
    /// precedence over the general endpoint, so a failure names that one.
    /// `service` is the SDK's service id in upper case (`DYNAMODB`, `SFN`).
    pub fn endpoint_label_for(&self, service: &str) -> String {
        service_endpoint(service, |name| std::env::var(name).ok())
            .unwrap_or_else(|| self.endpoint_label())
    }
}

/// The per-service endpoint the environment sets for `service`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true (then the SDK ignores it).
pub fn service_endpoint(service: &str, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    var(&format!("AWS_ENDPOINT_URL_{service}")).filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clients(table: Option<&str>, general: Option<&str>) -> Clients {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .build();
        let target = ResolvedTarget {
            region: "us-east-1".to_string(),
            profile: None,
            endpoint: table.map(ToString::to_string),
        };
        Clients::from_sdk(&sdk, target, general.map(ToString::to_string))
    }

    #[test]
    fn the_other_services_are_named_by_the_general_endpoint_not_the_tables() {
        // AWS_ENDPOINT_URL_DYNAMODB on dynalite, the rest on moto.
        let both = clients(Some("http://127.0.0.1:2"), Some("http://127.0.0.1:1"));
        assert_eq!(both.endpoint_label(), "http://127.0.0.1:1");
        // Only the table local: the rest is AWS's own.
        let table_only = clients(Some("http://127.0.0.1:2"), None);
        assert_eq!(table_only.endpoint_label(), "AWS (us-east-1)");
    }
}
