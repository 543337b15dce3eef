//! What [`super::StreamHandle::stop`] reports: the queues it could not remove
//! within its limit, as one line that names them and `amiboard cleanup`.

/// A queue the stream made and has not removed (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub queue: String,
    pub subscriptions: usize,
}

/// What [`StreamHandle::stop`] achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Queues (with their subscriptions) still in the account.
    pub left: Vec<Left>,
    /// A queue was being created when the limit passed (it may exist).
    pub opening: bool,
    /// The cleanup did not finish within the limit (and was abandoned).
    pub timed_out: bool,
}

impl Stopped {
    /// Everything the stream made is gone.
    pub fn is_clean(&self) -> bool {
        self.left.is_empty() && !self.opening
    }

    /// One line naming what was left and how to remove it, when anything was.
    pub fn message(&self) -> Option<String> {
        if self.is_clean() {
            return None;
        }
        let mut parts: Vec<String> = self
            .left
            .iter()
            .map(|l| {
                format!(
                    "notification queue {} and {} subscription(s)",
                    l.queue, l.subscriptions
                )
            })
            .collect();
        if self.opening {
            parts.push("a notification queue being created".to_string());
        }
        let why = if self.timed_out {
            format!(
                "the endpoint did not answer in time (at most {} s)",
                super::STOP_LIMIT.as_secs()
            )
        } else {
            "removing them failed".to_string()
        };
        Some(format!(
            "left behind {} ({why}); `amiboard cleanup` removes them",
            parts.join(", ")
        ))
    }
}
