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
    /// An answer no AWS API gives: an HTML page (a proxy's, a captive
    /// portal's) or an empty body without AWS's request id.
    #[error(
        "{service} {operation}: the endpoint {endpoint} answered HTTP {status} ({content_type}), not an AWS API"
    )]
    NotAws {
        service: &'static str,
        operation: &'static str,
        endpoint: String,
        status: u16,
        content_type: String,
    },
}

/// What the error path needs of a raw HTTP answer: its status, content
/// type, whether its body is empty, and whether AWS stamped it.
pub trait RawAnswer {
    fn status(&self) -> u16;
    fn content_type(&self) -> Option<&str>;
    /// `None` when the body was not read (streamed).
    fn body_is_empty(&self) -> Option<bool>;
    /// Whether a request-id header AWS services send is present.
    fn has_aws_request_id(&self) -> bool;
}

impl RawAnswer for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
    fn content_type(&self) -> Option<&str> {
        self.headers().get("content-type")
    }
    fn body_is_empty(&self) -> Option<bool> {
        self.body().bytes().map(<[u8]>::is_empty)
    }
    fn has_aws_request_id(&self) -> bool {
        [
            "x-amzn-requestid",
            "x-amz-request-id",
            "x-amz-id-2",
            "x-amzn-errortype",
        ]
        .iter()
        .any(|name| self.headers().get(*name).is_some())
    }
}

/// The one line for an answer that is not an AWS API's, or `None` for an
/// answer an AWS API can give. HTML is never one (a 404 page means the
/// operation is not there, left to the SDK's error); an empty body is one
/// only with AWS's request id or as a bodiless HEAD-style status (S3's
/// 304, 403, 404, 412).
pub fn not_aws(call: Call<'_>, endpoint: &str, answer: &impl RawAnswer) -> Option<AwsError> {
    let status = answer.status();
    let content_type = answer.content_type().map(str::trim).unwrap_or_default();
    // A 404 page is an endpoint without this operation: `Unsupported`.
    let html = content_type.to_ascii_lowercase().contains("html") && status != 404;
    let empty = answer.body_is_empty() == Some(true)
        && !answer.has_aws_request_id()
        && !matches!(status, 304 | 403 | 404 | 412);
    (html || empty).then(|| AwsError::NotAws {
        service: call.service,
        operation: call.operation,
        endpoint: endpoint.to_string(),
        status,
        content_type: match (content_type.is_empty(), empty) {
            (true, true) => "empty, no content type".to_string(),
            (true, false) => "no content type".to_string(),
            (false, true) => format!("{content_type}, empty"),
            (false, false) => content_type.to_string(),
        },
    })
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
    R: std::fmt::Debug + RawAnswer,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    if let Some(answer) = err.raw_response()
        && let Some(not_aws) = not_aws(call, endpoint, answer)
    {
        return not_aws;
    }
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

#[cfg(test)]
mod not_aws_tests {
    use super::{AwsError, Call, RawAnswer, not_aws as classify_answer};

    const CALL: Call<'static> = Call {
        service: "DynamoDB",
        operation: "Scan",
        resource: "t",
    };

    fn not_aws(endpoint: &str, answer: &Answer) -> Option<AwsError> {
        classify_answer(CALL, endpoint, answer)
    }

    struct Answer {
        status: u16,
        content_type: Option<&'static str>,
        body: &'static str,
        request_id: bool,
    }

    impl RawAnswer for Answer {
        fn status(&self) -> u16 {
            self.status
        }
        fn content_type(&self) -> Option<&str> {
            self.content_type
        }
        fn body_is_empty(&self) -> Option<bool> {
            Some(self.body.is_empty())
        }
        fn has_aws_request_id(&self) -> bool {
            self.request_id
        }
    }

    fn answer(status: u16, content_type: Option<&'static str>, body: &'static str) -> Answer {
        Answer {
            status,
            content_type,
            body,
            request_id: false,
        }
    }

    #[test]
    fn html_and_unstamped_empty_answers_are_not_aws() {
        let portal = not_aws(
            "http://proxy:8080",
            &answer(200, Some("text/html"), "<html></html>"),
        );
        assert_eq!(
            portal.map(|e| e.to_string()).as_deref(),
            Some(
                "DynamoDB Scan: the endpoint http://proxy:8080 answered HTTP 200 (text/html), not an AWS API"
            )
        );
        let empty = not_aws("http://proxy:8080", &answer(502, None, ""));
        assert!(matches!(empty, Some(AwsError::NotAws { status: 502, .. })));
    }

    #[test]
    fn answers_an_aws_api_gives_are_left_to_the_sdk() {
        // JSON and XML errors, S3's bodiless HEAD 404, an empty answer AWS stamped.
        assert!(not_aws("e", &answer(400, Some("application/x-amz-json-1.0"), "{}")).is_none());
        assert!(not_aws("e", &answer(403, Some("text/xml"), "<Error/>")).is_none());
        assert!(not_aws("e", &answer(404, None, "")).is_none());
        let stamped = Answer {
            request_id: true,
            ..answer(500, None, "")
        };
        assert!(not_aws("e", &stamped).is_none());
    }
}
