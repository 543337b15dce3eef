//! The Image Builder adapter against `aws-smithy-mocks` (no emulator has it).

use aws_sdk_imagebuilder::Client;
use aws_sdk_imagebuilder::operation::get_image::GetImageOutput;
use aws_sdk_imagebuilder::operation::list_image_pipelines::ListImagePipelinesOutput;
use aws_sdk_imagebuilder::types::{
    ComponentConfiguration, Image, ImagePipeline, ImageRecipe, ImageState as SdkState, ImageStatus,
    PipelineStatus,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

use super::ImageBuilder;
use crate::lifecycle::image::{ImageState, NOT_AVAILABLE, ServiceAnswer};

const ARN: &str = "arn:aws:imagebuilder:eu-west-1:123456789012:image/web/1.0.0/1";

fn image(status: ImageStatus, reason: Option<&str>) -> GetImageOutput {
    let recipe = ImageRecipe::builder()
        .name("web-recipe")
        .version("1.0.0")
        .components(
            ComponentConfiguration::builder()
                .component_arn("arn:aws:imagebuilder:eu-west-1:aws:component/update-linux/1.0.0")
                .build()
                .expect("component"),
        )
        .build();
    let mut state = SdkState::builder().status(status);
    if let Some(reason) = reason {
        state = state.reason(reason);
    }
    GetImageOutput::builder()
        .image(
            Image::builder()
                .arn(ARN)
                .name("web")
                .version("1.0.0/1")
                .state(state.build())
                .image_recipe(recipe)
                .build(),
        )
        .build()
}

fn adapter(client: Client) -> ImageBuilder {
    ImageBuilder::from_client(client, "mock".to_string())
}

#[tokio::test]
async fn every_status_maps_and_failure_keeps_its_reason() {
    let cases = [
        (ImageStatus::Pending, ImageState::Pending),
        (ImageStatus::Building, ImageState::Building),
        (ImageStatus::Testing, ImageState::Testing),
        (ImageStatus::Distributing, ImageState::Distributing),
        (ImageStatus::Available, ImageState::Available),
        (ImageStatus::Failed, ImageState::Failed),
    ];
    for (sdk, expected) in cases {
        let reason = (expected == ImageState::Failed).then_some("component update-linux failed");
        let output = image(sdk.clone(), reason);
        let rule = mock!(Client::get_image)
            .match_requests(|r| r.image_build_version_arn() == Some(ARN))
            .then_output(move || output.clone());
        let client = mock_client!(aws_sdk_imagebuilder, RuleMode::Sequential, [&rule]);
        let ServiceAnswer::Found(found) = adapter(client).image(ARN).await.expect("answer") else {
            panic!("expected an image for {sdk:?}");
        };
        assert_eq!(found.state, expected);
        assert_eq!(found.reason.as_deref(), reason);
        assert_eq!(found.recipe.as_deref(), Some("web-recipe"));
        assert_eq!(found.recipe_version.as_deref(), Some("1.0.0"));
        assert_eq!(found.state.name(), sdk.as_str());
        assert_eq!(
            found.state.is_in_progress(),
            !matches!(expected, ImageState::Available | ImageState::Failed)
        );
        assert_eq!(found.components.len(), 1);
        assert!(found.components[0].contains("update-linux"));
    }
}

#[tokio::test]
async fn pipelines_are_listed_across_pages() {
    let first = mock!(Client::list_image_pipelines)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            ListImagePipelinesOutput::builder()
                .image_pipeline_list(ImagePipeline::builder().arn("arn:p1").name("web").build())
                .next_token("page-2")
                .build()
        });
    let second = mock!(Client::list_image_pipelines)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            ListImagePipelinesOutput::builder()
                .image_pipeline_list(
                    ImagePipeline::builder()
                        .arn("arn:p2")
                        .name("api")
                        .status(PipelineStatus::Disabled)
                        .build(),
                )
                .build()
        });
    let client = mock_client!(
        aws_sdk_imagebuilder,
        RuleMode::Sequential,
        [&first, &second]
    );
    let ServiceAnswer::Found(pipelines) = adapter(client).pipelines().await.expect("answer") else {
        panic!("expected pipelines");
    };
    let names: Vec<_> = pipelines
        .iter()
        .map(|p| (p.name.as_str(), p.enabled))
        .collect();
    assert_eq!(names, [("web", true), ("api", false)]);
}

#[tokio::test]
async fn a_404_becomes_the_not_available_notice() {
    let rule = mock!(Client::list_image_pipelines).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            StatusCode::try_from(404).expect("status"),
            SdkBody::from("<html>404 Not Found</html>"),
        )
    });
    let client = mock_client!(aws_sdk_imagebuilder, RuleMode::Sequential, [&rule]);
    let answer = adapter(client).pipelines().await.expect("no error");
    assert_eq!(
        answer,
        ServiceAnswer::Unavailable {
            notice: NOT_AVAILABLE.to_string()
        }
    );
}

#[tokio::test]
async fn get_image_at_an_endpoint_without_image_builder_is_the_notice() {
    let rule = mock!(Client::get_image).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            StatusCode::try_from(404).expect("status"),
            SdkBody::from("<html>404 Not Found</html>"),
        )
    });
    let client = mock_client!(aws_sdk_imagebuilder, RuleMode::Sequential, [&rule]);
    let answer = adapter(client).image(ARN).await.expect("no error");
    assert_eq!(
        answer,
        ServiceAnswer::Unavailable {
            notice: NOT_AVAILABLE.to_string()
        }
    );
}

#[tokio::test]
async fn a_missing_image_is_an_error_not_the_notice() {
    let rule = mock!(Client::get_image).then_http_response(|| {
        let mut response = aws_smithy_runtime_api::http::Response::new(
            StatusCode::try_from(404).expect("status"),
            SdkBody::from(r#"{"message":"image not found"}"#),
        );
        response
            .headers_mut()
            .insert("x-amzn-errortype", "ResourceNotFoundException");
        response
    });
    let client = mock_client!(aws_sdk_imagebuilder, RuleMode::Sequential, [&rule]);
    let result = adapter(client).image(ARN).await;
    assert!(result.is_err(), "{result:?}");
}
