//! EC2 Image Builder: a build image's status, recipe and components, and the
//! account's pipelines, in domain types. Where the endpoint has no Image
//! Builder (moto, every installable emulator) the answer is
//! [`Answer::Unavailable`] with a short notice, never an error.

use aws_sdk_imagebuilder::Client as AwsImageBuilderClient;
use aws_sdk_imagebuilder::types::ImageStatus as AwsImageStatus;

use super::client::Clients;
use super::error::{AwsError, Call, classify};

/// The notice shown where the API is missing.
pub const NOT_AVAILABLE: &str = "Image Builder is not available at this endpoint";

/// An answer from Image Builder, or the notice that there is none here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Found(T),
    Unavailable { notice: String },
}

/// Where a build image stands, PENDING ... AVAILABLE or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageState {
    Pending,
    Creating,
    Building,
    Testing,
    Distributing,
    Integrating,
    Available,
    Failed,
    Cancelled,
    Deprecated,
    Disabled,
    Deleted,
    Unknown,
}

impl ImageState {
    /// The API's word for it: `AVAILABLE`, `FAILED`, ...
    pub fn name(self) -> &'static str {
        match self {
            ImageState::Pending => "PENDING",
            ImageState::Creating => "CREATING",
            ImageState::Building => "BUILDING",
            ImageState::Testing => "TESTING",
            ImageState::Distributing => "DISTRIBUTING",
            ImageState::Integrating => "INTEGRATING",
            ImageState::Available => "AVAILABLE",
            ImageState::Failed => "FAILED",
            ImageState::Cancelled => "CANCELLED",
            ImageState::Deprecated => "DEPRECATED",
            ImageState::Disabled => "DISABLED",
            ImageState::Deleted => "DELETED",
            ImageState::Unknown => "UNKNOWN",
        }
    }

    /// Whether the image is still on its way to AVAILABLE or FAILED.
    pub fn is_in_progress(self) -> bool {
        matches!(
            self,
            ImageState::Pending
                | ImageState::Creating
                | ImageState::Building
                | ImageState::Testing
                | ImageState::Distributing
                | ImageState::Integrating
        )
    }
}

/// One build image: its state (with reason when it failed), recipe and components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildImage {
    pub arn: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub state: ImageState,
    pub reason: Option<String>,
    pub recipe: Option<String>,
    pub recipe_version: Option<String>,
    /// Component ARNs, in the recipe's order.
    pub components: Vec<String>,
}

/// One image pipeline the new-lifecycle form can offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub arn: String,
    pub name: String,
    pub enabled: bool,
}

/// The Image Builder adapter.
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    client: AwsImageBuilderClient,
    endpoint: String,
}

fn state(status: Option<&AwsImageStatus>) -> ImageState {
    match status {
        Some(AwsImageStatus::Pending) => ImageState::Pending,
        Some(AwsImageStatus::Creating) => ImageState::Creating,
        Some(AwsImageStatus::Building) => ImageState::Building,
        Some(AwsImageStatus::Testing) => ImageState::Testing,
        Some(AwsImageStatus::Distributing) => ImageState::Distributing,
        Some(AwsImageStatus::Integrating) => ImageState::Integrating,
        Some(AwsImageStatus::Available) => ImageState::Available,
        Some(AwsImageStatus::Failed) => ImageState::Failed,
        Some(AwsImageStatus::Cancelled) => ImageState::Cancelled,
        Some(AwsImageStatus::Deprecated) => ImageState::Deprecated,
        Some(AwsImageStatus::Disabled) => ImageState::Disabled,
        Some(AwsImageStatus::Deleted) => ImageState::Deleted,
        _ => ImageState::Unknown,
    }
}

/// Whether an error means the endpoint has no Image Builder at all.
fn is_absent(err: &AwsError) -> bool {
    match err {
        AwsError::Unsupported { .. } => true,
        AwsError::Service { code, detail, .. } => {
            code.is_none()
                || matches!(
                    code.as_deref(),
                    Some("UnknownOperationException" | "NotImplemented" | "InternalFailure")
                )
                || detail.contains("404")
        }
        _ => false,
    }
}

impl ImageBuilder {
    pub fn new(clients: &Clients) -> Self {
        Self::from_client(clients.imagebuilder.clone(), clients.endpoint_label())
    }

    /// An adapter on a given client (tests pass a mocked one).
    pub fn from_client(client: AwsImageBuilderClient, endpoint: String) -> Self {
        ImageBuilder { client, endpoint }
    }

    fn answer<T>(result: Result<T, AwsError>) -> Result<Answer<T>, AwsError> {
        match result {
            Ok(found) => Ok(Answer::Found(found)),
            Err(err) if is_absent(&err) => {
                tracing::info!(error = %err, "image builder is not available");
                Ok(Answer::Unavailable {
                    notice: NOT_AVAILABLE.to_string(),
                })
            }
            Err(err) => Err(err),
        }
    }

    /// GetImage: the build image's status, reason, recipe and components.
    pub async fn image(&self, image_arn: &str) -> Result<Answer<BuildImage>, AwsError> {
        let result = self
            .client
            .get_image()
            .image_build_version_arn(image_arn)
            .send()
            .await
            .map_err(|e| {
                let call = Call {
                    service: "Image Builder",
                    operation: "GetImage",
                    resource: image_arn,
                };
                classify(call, &self.endpoint, e)
            })
            .and_then(|out| {
                let image = out.image.ok_or_else(|| AwsError::NotFound {
                    resource: format!("image {image_arn}"),
                })?;
                let recipe = image.image_recipe();
                Ok(BuildImage {
                    arn: image.arn().unwrap_or(image_arn).to_string(),
                    name: image.name().map(str::to_string),
                    version: image.version().map(str::to_string),
                    state: state(image.state().and_then(|s| s.status())),
                    reason: image.state().and_then(|s| s.reason()).map(str::to_string),
                    recipe: recipe.and_then(|r| r.name()).map(str::to_string),
                    recipe_version: recipe.and_then(|r| r.version()).map(str::to_string),
                    components: recipe
                        .map(|r| {
                            r.components()
                                .iter()
                                .map(|c| c.component_arn().to_string())
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            });
        Self::answer(result)
    }

    /// ListImagePipelines, every page.
    pub async fn pipelines(&self) -> Result<Answer<Vec<Pipeline>>, AwsError> {
        let mut pipelines = Vec::new();
        let mut token = None;
        loop {
            let result = self
                .client
                .list_image_pipelines()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    let call = Call {
                        service: "Image Builder",
                        operation: "ListImagePipelines",
                        resource: "pipelines",
                    };
                    classify(call, &self.endpoint, e)
                });
            let out = match Self::answer(result)? {
                Answer::Found(out) => out,
                Answer::Unavailable { notice } => return Ok(Answer::Unavailable { notice }),
            };
            pipelines.extend(out.image_pipeline_list().iter().map(|p| Pipeline {
                arn: p.arn().unwrap_or_default().to_string(),
                name: p.name().unwrap_or_default().to_string(),
                enabled: p.status().is_none_or(|s| s.as_str() == "ENABLED"),
            }));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(Answer::Found(pipelines))
    }
}

#[cfg(test)]
#[path = "imagebuilder_tests.rs"]
mod tests;
