//! The live notification feed as the dashboard holds it: the stream's state
//! for the header, the messages for the pane (bounded), and the pane's own
//! controls (pause/freeze, autoscroll, filter, selection).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::lifecycle::notification::{
    Arrival, LinkIndex, Notification, NotificationKind, Source, match_lifecycle, sanitize,
};
use crate::lifecycle::{EventStatus, Lifecycle};

/// How far back the feed's history reaches when the dashboard opens.
pub const HISTORY_MINUTES: i64 = 60;

/// How many notifications the pane keeps.
pub const FEED_CAPACITY: usize = 1000;

/// Where the live stream stands, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStatus {
    /// Subscribing (the stream was spawned, nothing heard yet).
    Starting,
    Connected {
        queue: String,
        topics: usize,
    },
    Reconnecting {
        reason: String,
    },
    /// No live notifications; periodic refresh only.
    Off {
        reason: String,
    },
}

impl StreamStatus {
    /// Whether the stream may still deliver (so links are worth sending).
    pub fn is_live(&self) -> bool {
        !matches!(self, StreamStatus::Off { .. })
    }
}

/// The feed of notifications and the pane's controls.
// Independent switches, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct Feed {
    pub status: StreamStatus,
    pub per_minute: usize,
    /// Shown messages, oldest first.
    pub items: VecDeque<Arrival>,
    /// While paused, arrivals wait here and the pane stays frozen.
    pub held: Vec<Arrival>,
    pub paused: bool,
    /// The selection follows the newest message.
    pub autoscroll: bool,
    /// Index into the filtered view.
    pub selected: usize,
    /// Case-insensitive text every shown line must contain.
    pub filter: String,
    /// The text being typed after `/`, while the feed's filter bar is open.
    pub filter_input: Option<String>,
    /// The split pane under the list or timeline is open.
    pub pane_open: bool,
    /// "Access denied" was already said once.
    pub told_denied: bool,
    /// When the stream, which could not start, tries again (the header
    /// counts down to it).
    pub retry_at: Option<DateTime<Utc>>,
    /// The first load put the last hour of recorded events in the feed
    /// (marked `history`); later reads add none.
    pub history_done: bool,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            status: StreamStatus::Off {
                reason: "not started".into(),
            },
            per_minute: 0,
            items: VecDeque::new(),
            held: Vec::new(),
            paused: false,
            autoscroll: true,
            selected: 0,
            filter: String::new(),
            filter_input: None,
            pane_open: false,
            told_denied: false,
            retry_at: None,
            history_done: false,
        }
    }
}

/// When a notification happened, as far as it says: the event's own time,
/// else when SNS published it, else when it reached us.
pub fn arrival_time(arrival: &Arrival) -> DateTime<Utc> {
    arrival
        .notification
        .event_time
        .or(arrival.notification.published_at)
        .unwrap_or(arrival.received_at)
}

impl Feed {
    /// "retrying in Ns" while the stream waits to try starting again.
    pub fn retry_label(&self, now: DateTime<Utc>) -> Option<String> {
        let at = self.retry_at?;
        if !matches!(self.status, StreamStatus::Reconnecting { .. }) {
            return None;
        }
        let secs = u64::try_from((at - now).num_milliseconds())
            .unwrap_or(0)
            .div_ceil(1000);
        Some(format!("retrying in {secs}s"))
    }

    /// Adds arrivals: shown at once, or held while paused.
    pub fn push(&mut self, arrivals: Vec<Arrival>) {
        if self.paused {
            self.held.extend(arrivals);
            let over = self.held.len().saturating_sub(FEED_CAPACITY);
            self.held.drain(..over);
            return;
        }
        // In time order: a message SQS delivers late goes where its time
        // puts it (most arrive in order, so the search from the end is short).
        for arrival in arrivals {
            let at = arrival_time(&arrival);
            let index = self
                .items
                .iter()
                .rposition(|a| arrival_time(a) <= at)
                .map_or(0, |i| i + 1);
            self.items.insert(index, arrival);
        }
        let over = self.items.len().saturating_sub(FEED_CAPACITY);
        self.items.drain(..over);
        if self.autoscroll {
            self.selected = self.view().len().saturating_sub(1);
        } else {
            self.clamp();
        }
    }

    /// Ties the arrivals that no lifecycle claimed yet to `lc` when it
    /// recorded what they name (a Run Command id, an image ARN, an AMI id):
    /// a notification may come before the record that explains it. Whether
    /// any changed.
    pub fn relink(&mut self, lc: &Lifecycle) -> bool {
        let index = LinkIndex::from_lifecycles(std::slice::from_ref(lc));
        if index.is_empty() {
            return false;
        }
        let mut changed = false;
        for arrival in self.items.iter_mut().chain(self.held.iter_mut()) {
            if arrival.lifecycle_id.is_none()
                && let Some(id) = match_lifecycle(&arrival.notification, &index)
            {
                arrival.lifecycle_id = Some(id);
                changed = true;
            }
        }
        changed
    }

    /// Pauses (freezes the pane) or resumes, showing what arrived meanwhile.
    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if !self.paused {
            let held = std::mem::take(&mut self.held);
            self.push(held);
        }
    }

    /// Whether an arrival passes the filter.
    pub fn matches(&self, arrival: &Arrival) -> bool {
        let needle = self.filter.trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        line_text(arrival).to_lowercase().contains(&needle)
    }

    /// Indices into `items` that pass the filter, oldest first.
    pub fn view(&self) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, a)| self.matches(a))
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected arrival of the filtered view.
    pub fn selected_item(&self) -> Option<&Arrival> {
        let view = self.view();
        view.get(self.selected).and_then(|i| self.items.get(*i))
    }

    pub fn clamp(&mut self) {
        let len = self.view().len();
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// Applies a new filter text and keeps the selection in range.
    pub fn set_filter(&mut self, text: &str) {
        text.clone_into(&mut self.filter);
        if self.autoscroll {
            self.selected = self.view().len().saturating_sub(1);
        } else {
            self.clamp();
        }
    }
}

/// The events of `lc` its record says changed in the hour before `now`,
/// as feed lines of the `history` source (what happened before the
/// dashboard opened): `SMOKE_TESTS failed (try 2): <reason>`.
pub fn history(lc: &Lifecycle, now: DateTime<Utc>) -> Vec<Arrival> {
    let since = now - chrono::Duration::minutes(HISTORY_MINUTES);
    lc.all_records()
        .filter(|(_, r)| r.status != EventStatus::NotStarted)
        .filter_map(|(at, r)| {
            let when = r.changed_at().filter(|t| *t >= since && *t <= now)?;
            let stage = match at.stage {
                crate::lifecycle::Stage::Creation => String::new(),
                crate::lifecycle::Stage::Patch(n) => format!(" p{n}"),
            };
            let mut summary = format!(
                "{}{stage} {} {}",
                at.event.label(),
                r.status.glyph(),
                r.status.word()
            );
            if r.attempt > 1 {
                summary.push_str(&format!(" (try {})", r.attempt));
            }
            if let Some(actor) = r
                .actor
                .as_deref()
                .filter(|_| r.status == EventStatus::InProgress)
            {
                summary.push_str(&format!(" by {actor}"));
            }
            if let Some(reason) = r.reason.as_deref().filter(|r| !r.is_empty()) {
                summary.push_str(": ");
                summary.push_str(reason);
            }
            let summary = sanitize::one_line(&summary, sanitize::MAX_SUMMARY_CHARS);
            let raw = sanitize::sanitize(&serde_json::to_string_pretty(r).unwrap_or_default());
            Some(Arrival {
                notification: Notification {
                    message_id: format!(
                        "history:{}:{}:{}:{}",
                        lc.lifecycle_id,
                        at.event.name(),
                        r.attempt,
                        r.status.name()
                    ),
                    topic_arn: None,
                    subject: None,
                    published_at: None,
                    event_time: Some(when),
                    source: Source::History,
                    kind: NotificationKind::Raw,
                    lifecycle_id: Some(lc.lifecycle_id.clone()),
                    ami_ids: Vec::new(),
                    image_arn: None,
                    command_id: None,
                    status: Some(r.status.name().to_string()),
                    outcome: Some(r.status),
                    summary,
                    raw,
                    warnings: Vec::new(),
                },
                lifecycle_id: Some(lc.lifecycle_id.clone()),
                received_at: when,
            })
        })
        .collect()
}

/// The searchable text of one feed line: source, lifecycle, status, summary.
pub fn line_text(arrival: &Arrival) -> String {
    let n = &arrival.notification;
    format!(
        "{} {} {} {}",
        n.source.label(),
        arrival.lifecycle_id.as_deref().unwrap_or("-"),
        n.status.as_deref().unwrap_or(""),
        n.summary
    )
}
