//! One error type for every AWS call, with the service, operation and resource
//! it concerns, classified so the edge can pick a sentence and an exit code.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What went wrong with an AWS call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    #[error("cannot reach {service} at {endpoint}: {detail}")]
    Unreachable {
        service: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error(
        "{service} {operation}: the credentials are missing, invalid or expired ({detail}); refresh them (for SSO: aws sso login) and retry"
    )]
    Credentials {
        service: &'static str,
        operation: &'static str,
        detail: String,
    },
    #[error("{service} {operation}: access denied to {resource} ({detail})")]
    AccessDenied {
        service: &'static str,
        operation: &'static str,
        resource: String,
        detail: String,
    },
    #[error("{kind} {name} does not exist: run `amiboard provision` first")]
    Missing { kind: &'static str, name: String },
    #[error("{resource} was changed by someone else since it was read; reload and try again")]
    Conflict { resource: String },
    #[error("{resource} not found")]
    NotFound { resource: String },
    #[error("{service} {operation} is not available at this endpoint")]
    Unsupported {
        service: &'static str,
        operation: &'static str,
    },
    #[error("{service} {operation} on {resource} failed: {detail}")]
    Service {
        service: &'static str,
        operation: &'static str,
        resource: String,
        code: Option<String>,
        detail: String,
    },
    #[error("malformed {what}: {detail}")]
    Malformed { what: String, detail: String },
}

/// The call an error came from, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub service: &'static str,
    pub operation: &'static str,
    pub resource: &'a str,
}

const CREDENTIAL_CODES: [&str; 8] = [
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "MissingAuthenticationToken",
    "IncompleteSignature",
];

const DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
];

/// Classifies any SDK error. `endpoint` names where the call went.
pub fn classify<E, R>(
    call: Call<'_>,
    endpoint: &str,
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    match &err {
        SdkError::TimeoutError(_) => AwsError::Unreachable {
            service: call.service,
            endpoint: endpoint.to_string(),
            detail: "timed out".to_string(),
        },
        SdkError::DispatchFailure(failure) => {
            let chain = source_chain(&err);
            if chain.contains("no credentials found") {
                AwsError::Credentials {
                    service: call.service,
                    operation: call.operation,
                    detail: "no credentials found in the environment, profile, SSO, web identity, container or instance metadata".to_string(),
                }
            } else if failure.is_user() || chain.contains("credential") {
                // The credential provider fails here (no credentials, SSO expired).
                AwsError::Credentials {
                    service: call.service,
                    operation: call.operation,
                    detail: chain,
                }
            } else {
                AwsError::Unreachable {
                    service: call.service,
                    endpoint: endpoint.to_string(),
                    detail: if failure.is_timeout() {
                        "timed out".to_string()
                    } else {
                        chain
                    },
                }
            }
        }
        SdkError::ServiceError(service_err) => {
            let inner = service_err.err();
            let code = inner.code().map(str::to_string);
            let detail = inner
                .message()
                .map_or_else(|| source_chain(&err), str::to_string);
            let code_ref = code.as_deref().unwrap_or_default();
            if CREDENTIAL_CODES.contains(&code_ref) {
                AwsError::Credentials {
                    service: call.service,
                    operation: call.operation,
                    detail,
                }
            } else if DENIED_CODES.contains(&code_ref) {
                AwsError::AccessDenied {
                    service: call.service,
                    operation: call.operation,
                    resource: call.resource.to_string(),
                    detail,
                }
            } else if code_ref == "ConditionalCheckFailedException" {
                AwsError::Conflict {
                    resource: call.resource.to_string(),
                }
            } else {
                AwsError::Service {
                    service: call.service,
                    operation: call.operation,
                    resource: call.resource.to_string(),
                    code,
                    detail,
                }
            }
        }
        SdkError::ResponseError(_) => {
            let detail = source_chain(&err);
            if detail.contains("404") || detail.to_ascii_lowercase().contains("not found") {
                AwsError::Unsupported {
                    service: call.service,
                    operation: call.operation,
                }
            } else {
                AwsError::Service {
                    service: call.service,
                    operation: call.operation,
                    resource: call.resource.to_string(),
                    code: None,
                    detail,
                }
            }
        }
        _ => AwsError::Service {
            service: call.service,
            operation: call.operation,
            resource: call.resource.to_string(),
            code: None,
            detail: source_chain(&err),
        },
    }
}

/// The error and its sources on one line.
pub fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ").replace('\n', " ")
}

impl AwsError {
    /// The service error code, when the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the error means a resource (table, queue, topic, state machine) is missing.
    pub fn is_missing_resource(&self) -> bool {
        matches!(self, AwsError::Missing { .. })
            || matches!(
                self.code(),
                Some(
                    "ResourceNotFoundException"
                        | "NotFound"
                        | "NotFoundException"
                        | "AWS.SimpleQueueService.NonExistentQueue"
                        | "QueueDoesNotExist"
                        | "StateMachineDoesNotExist"
                        | "ExecutionDoesNotExist"
                )
            )
    }
}
