//! EC2 Image Builder: a build image's status, recipe and components, and the
//! account's pipelines, in domain types. Where the endpoint has no Image
//! Builder (moto, every installable emulator) the answer is
//! [`ServiceAnswer::Unavailable`] with a short notice, never an error.

use aws_sdk_imagebuilder::Client as AwsImageBuilderClient;
use aws_sdk_imagebuilder::types::ImageStatus as AwsImageStatus;

use super::client::Clients;
use super::error::{AwsError, Call, classify};
use crate::lifecycle::image::{BuildImage, ImageState, NOT_AVAILABLE, Pipeline, ServiceAnswer};

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
        // No Image Builder answers here: an unknown operation, or a page
        // that is not an AWS API's.
        AwsError::Unsupported { .. } | AwsError::NotAws { .. } => true,
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
        Self::from_client(
            clients.imagebuilder.clone(),
            clients.endpoint_label_for("IMAGEBUILDER"),
        )
    }

    /// An adapter on a given client (tests pass a mocked one).
    pub fn from_client(client: AwsImageBuilderClient, endpoint: String) -> Self {
        ImageBuilder { client, endpoint }
    }

    fn answer<T>(result: Result<T, AwsError>) -> Result<ServiceAnswer<T>, AwsError> {
        match result {
            Ok(found) => Ok(ServiceAnswer::Found(found)),
            Err(err) if is_absent(&err) => {
                tracing::info!(error = %err, "image builder is not available");
                Ok(ServiceAnswer::Unavailable {
                    notice: NOT_AVAILABLE.to_string(),
                })
            }
            Err(err) => Err(err),
        }
    }

    /// GetImage: the build image's status, reason, recipe and components.
    pub async fn image(&self, image_arn: &str) -> Result<ServiceAnswer<BuildImage>, AwsError> {
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
    pub async fn pipelines(&self) -> Result<ServiceAnswer<Vec<Pipeline>>, AwsError> {
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
                ServiceAnswer::Found(out) => out,
                ServiceAnswer::Unavailable { notice } => {
                    return Ok(ServiceAnswer::Unavailable { notice });
                }
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
        Ok(ServiceAnswer::Found(pipelines))
    }
}

#[async_trait::async_trait]
impl super::ports::ImageService for ImageBuilder {
    async fn image(&self, image_arn: &str) -> Result<ServiceAnswer<BuildImage>, AwsError> {
        ImageBuilder::image(self, image_arn).await
    }
    async fn pipelines(&self) -> Result<ServiceAnswer<Vec<Pipeline>>, AwsError> {
        ImageBuilder::pipelines(self).await
    }
}

#[cfg(test)]
#[path = "imagebuilder_tests.rs"]
mod tests;
