//! The open timeline's Image Builder build images: which to read, a cache per
//! image ARN, and what to do when the endpoint has no Image Builder (say so
//! once, and never ask again).

use std::collections::HashMap;

use super::action::Effect;
use super::state::{Level, Screen, State};
use crate::lifecycle::image::{BuildImage, ServiceAnswer};
use crate::lifecycle::{EventKind, Lifecycle};
use crate::ops::OpError;

/// What the dashboard knows about one build image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageView {
    /// A read is in flight.
    Loading,
    Loaded(BuildImage),
    /// The endpoint has no Image Builder: nothing is shown (the notice covers it).
    Unavailable,
    /// The read failed; the timeline says so in one dim line.
    Failed(String),
}

/// Build images by image ARN.
pub type Images = HashMap<String, ImageView>;

/// The image ARNs of a lifecycle's AMI_BUILD and AMI_PATCH records, in order.
pub fn image_arns(lc: &Lifecycle) -> Vec<String> {
    let patches = lc.patches.iter().flat_map(|c| c.events.iter());
    lc.creation
        .iter()
        .chain(patches)
        .filter(|r| matches!(r.event, EventKind::AmiBuild | EventKind::AmiPatch))
        .filter_map(|r| r.outputs.image_arn.clone())
        .collect()
}

/// Reads for the open timeline's build images that were never read. With
/// `reread`, images still on their way (PENDING ... DISTRIBUTING) and failed
/// reads are read again too: the lifecycle itself was just read again.
pub fn fetch_wanted(state: &mut State, reread: bool) -> Vec<Effect> {
    if state.imagebuilder_missing {
        return Vec::new();
    }
    let Screen::Timeline { id, .. } = state.screen() else {
        return Vec::new();
    };
    let Some(lc) = state.lifecycle(id) else {
        return Vec::new();
    };
    let lifecycle_id = id.clone();
    let arns = image_arns(lc);
    let mut effects = Vec::new();
    for image_arn in arns {
        let due = match state.images.get(&image_arn) {
            None => true,
            Some(ImageView::Loaded(image)) => reread && image.state.is_in_progress(),
            Some(ImageView::Failed(_)) => reread,
            Some(ImageView::Loading | ImageView::Unavailable) => false,
        };
        if due {
            state.images.insert(image_arn.clone(), ImageView::Loading);
            effects.push(Effect::FetchBuildImage {
                lifecycle_id: lifecycle_id.clone(),
                image_arn,
            });
        }
    }
    effects
}

/// Image Builder answered for one image.
pub fn fetched(
    state: &mut State,
    image_arn: String,
    result: Result<ServiceAnswer<BuildImage>, OpError>,
) {
    let view = match result {
        Ok(ServiceAnswer::Found(image)) => ImageView::Loaded(image),
        Ok(ServiceAnswer::Unavailable { notice }) => {
            mark_missing(state, notice);
            ImageView::Unavailable
        }
        Err(err) => {
            tracing::warn!(%image_arn, error = %err, "build image not read");
            ImageView::Failed(err.to_string())
        }
    };
    state.images.insert(image_arn, view);
}

/// The endpoint has no Image Builder: say so once, and stop asking for images.
pub fn mark_missing(state: &mut State, notice: String) {
    if !state.imagebuilder_missing {
        state.imagebuilder_missing = true;
        state.notify(Level::Info, notice);
    }
    for view in state.images.values_mut() {
        if *view == ImageView::Loading {
            *view = ImageView::Unavailable;
        }
    }
}
