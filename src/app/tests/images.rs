//! Pure tests of the timeline's build images: read once per image ARN, never
//! again once Image Builder is known to be missing, results cached.

use crossterm::event::KeyCode;

use super::{fresh, key, loaded};
use crate::app::action::{Action, Effect};
use crate::app::images::ImageView;
use crate::app::runner::guard;
use crate::app::state::{Screen, State};
use crate::app::update::update;
use crate::lifecycle::image::{BuildImage, ImageState, NOT_AVAILABLE, ServiceAnswer};
use crate::lifecycle::{EventStatus, Lifecycle};
use crate::ops::OpError;

pub const BUILD_ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1";

/// A lifecycle whose AMI_BUILD finished with an Image Builder image.
pub fn built(id: &str, image_arn: &str) -> Lifecycle {
    let mut lc = fresh(id, "main");
    let build = &mut lc.creation[0];
    build.status = EventStatus::Completed;
    build.attempt = 1;
    build.outputs.image_arn = Some(image_arn.to_string());
    lc
}

pub fn image(arn: &str, state: ImageState, reason: Option<&str>) -> BuildImage {
    BuildImage {
        arn: arn.to_string(),
        name: Some("web".into()),
        version: Some("1.0.0/1".into()),
        state,
        reason: reason.map(str::to_string),
        recipe: Some("web-recipe".into()),
        recipe_version: Some("1.0.0".into()),
        components: vec![
            "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1".into(),
            "arn:aws:imagebuilder:us-east-1:aws:component/aws-cli-version-2-linux/1.0.4/1".into(),
            "arn:aws:imagebuilder:us-east-1:123456789012:component/web-app/1.0.0/1".into(),
        ],
    }
}

fn fetch(arn: &str) -> Effect {
    Effect::FetchBuildImage {
        lifecycle_id: "lc-1".into(),
        image_arn: arn.into(),
    }
}

fn answer(state: &mut State, arn: &str, result: Result<ServiceAnswer<BuildImage>, OpError>) {
    let effects = update(
        state,
        Action::BuildImageFetched {
            image_arn: arn.into(),
            result,
        },
    );
    assert!(effects.is_empty());
}

fn reread(state: &mut State, lc: Lifecycle) -> Vec<Effect> {
    let id = lc.lifecycle_id.clone();
    update(state, Action::LifecycleFetched { id, result: Ok(lc) })
        .into_iter()
        .filter(|e| matches!(e, Effect::FetchBuildImage { .. }))
        .collect()
}

fn tick(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    update(state, Action::Tick { now })
}

#[test]
fn opening_the_timeline_reads_each_image_once() {
    let mut state = loaded(vec![built("lc-1", BUILD_ARN)], true);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(effects, vec![fetch(BUILD_ARN)]);
    assert!(
        guard(&effects[0], true).is_none(),
        "a read passes read-only mode"
    );
    assert!(!effects[0].is_mutating());
    assert_eq!(state.images.get(BUILD_ARN), Some(&ImageView::Loading));
    // Not per frame or tick, and not again while the read is in flight.
    assert!(tick(&mut state).is_empty());
    key(&mut state, KeyCode::Esc);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(reread(&mut state, built("lc-1", BUILD_ARN)).is_empty());
}

#[test]
fn results_are_cached_and_only_unsettled_images_are_read_again() {
    let mut state = loaded(vec![built("lc-1", BUILD_ARN)], false);
    key(&mut state, KeyCode::Enter);
    let pending = image(BUILD_ARN, ImageState::Building, None);
    answer(
        &mut state,
        BUILD_ARN,
        Ok(ServiceAnswer::Found(pending.clone())),
    );
    assert_eq!(
        state.images.get(BUILD_ARN),
        Some(&ImageView::Loaded(pending))
    );
    assert!(tick(&mut state).is_empty(), "a tick never re-reads");
    // The lifecycle was read again: the image still building is read again.
    assert_eq!(
        reread(&mut state, built("lc-1", BUILD_ARN)),
        vec![fetch(BUILD_ARN)]
    );
    let failed = image(BUILD_ARN, ImageState::Failed, Some("update-linux failed"));
    answer(
        &mut state,
        BUILD_ARN,
        Ok(ServiceAnswer::Found(failed.clone())),
    );
    // Settled: cached for good.
    assert!(reread(&mut state, built("lc-1", BUILD_ARN)).is_empty());
    key(&mut state, KeyCode::Esc);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        state.images.get(BUILD_ARN),
        Some(&ImageView::Loaded(failed))
    );
}

#[test]
fn a_failed_read_is_shown_and_retried_when_the_lifecycle_is_read_again() {
    let mut state = loaded(vec![built("lc-1", BUILD_ARN)], false);
    key(&mut state, KeyCode::Enter);
    answer(
        &mut state,
        BUILD_ARN,
        Err(OpError::Unavailable("throttled".into())),
    );
    assert_eq!(
        state.images.get(BUILD_ARN),
        Some(&ImageView::Failed("throttled".into()))
    );
    assert!(tick(&mut state).is_empty());
    assert_eq!(
        reread(&mut state, built("lc-1", BUILD_ARN)),
        vec![fetch(BUILD_ARN)]
    );
}

#[test]
fn unavailable_is_said_once_and_stops_every_further_read() {
    const OTHER: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/api/2.0.0/1";
    let lifecycles = vec![built("lc-1", BUILD_ARN), built("lc-2", OTHER)];
    let mut state = loaded(lifecycles, false);
    key(&mut state, KeyCode::Enter);
    let notice = NOT_AVAILABLE.to_string();
    answer(
        &mut state,
        BUILD_ARN,
        Ok(ServiceAnswer::Unavailable { notice }),
    );
    assert!(state.imagebuilder_missing);
    assert_eq!(state.images.get(BUILD_ARN), Some(&ImageView::Unavailable));
    assert!(reread(&mut state, built("lc-1", BUILD_ARN)).is_empty());
    // Another lifecycle's image is not asked for either.
    key(&mut state, KeyCode::Esc);
    let other = state
        .view
        .iter()
        .position(|i| &*state.rows[*i].id == "lc-2");
    state.selected = other.expect("lc-2 listed");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(matches!(state.screen(), Screen::Timeline { id, .. } if id == "lc-2"));
    assert!(tick(&mut state).is_empty());
    assert!(!state.images.contains_key(OTHER));
    // The pipelines answer the same: still one notice.
    update(
        &mut state,
        Action::PipelinesListed {
            result: Ok(ServiceAnswer::Unavailable {
                notice: NOT_AVAILABLE.into(),
            }),
        },
    );
    let told = state.notices.iter().filter(|n| n.text == NOT_AVAILABLE);
    assert_eq!(told.count(), 1);
}

#[test]
fn another_regions_ami_is_listed_as_distributed_not_tested_here() {
    let mut lc = built("lc-1", BUILD_ARN);
    lc.creation[0].outputs.amis = vec![
        crate::lifecycle::AmiOutput {
            region: "eu-west-1".into(),
            ami_id: "ami-0remote".into(),
            name: None,
            account: None,
        },
        crate::lifecycle::AmiOutput {
            region: "us-east-1".into(),
            ami_id: "ami-0local".into(),
            name: None,
            account: None,
        },
    ];
    let mut state = loaded(vec![lc], false);
    state.connection.region = "us-east-1".into();
    key(&mut state, KeyCode::Enter);
    assert!(matches!(state.screen(), Screen::Timeline { .. }));
    let text = super::screen_text(&state);
    assert!(
        text.contains("eu-west-1 ami-0remote (distributed, not tested here)"),
        "{text}"
    );
    assert!(text.contains("us-east-1 ami-0local"), "{text}");
    assert!(
        !text.contains("ami-0local (distributed"),
        "the execution region's AMI is the one tested: {text}"
    );
}
