//! Build images as EC2 Image Builder describes them (state, recipe,
//! components) and its pipelines, in domain types the timeline and the
//! new-lifecycle form show. `aws::imagebuilder` fills them in.

/// The notice shown where the API is missing.
pub const NOT_AVAILABLE: &str = "Image Builder is not available at this endpoint";

/// An answer from Image Builder, or the notice that there is none here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceAnswer<T> {
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
