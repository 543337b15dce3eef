//! Who am I: the caller's account and ARN, from STS GetCallerIdentity.

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// The caller's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

impl Identity {
    /// The actor records keep: the caller's full ARN (four eyes compares
    /// the principals it names; people read `lifecycle::actor::short`).
    pub fn actor(&self) -> String {
        self.arn.trim().to_string()
    }
}

/// Calls STS GetCallerIdentity.
pub async fn who_am_i(clients: &Clients) -> Result<Identity, AwsError> {
    let started = std::time::Instant::now();
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            classify(
                Call {
                    service: "STS",
                    operation: "GetCallerIdentity",
                    resource: "caller",
                },
                &clients.endpoint_label_for("STS"),
                e,
            )
        })?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "sts GetCallerIdentity"
    );
    Ok(Identity {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
    })
}

#[async_trait::async_trait]
impl super::ports::Identify for Clients {
    async fn who_am_i(&self) -> Result<Identity, AwsError> {
        who_am_i(self).await
    }
}
