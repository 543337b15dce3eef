//! Deduplication and ordering: SQS delivers at least once and SNS in no
//! particular order, so a message may come twice and an old one late.

use std::cmp::Ordering;
use std::collections::{HashSet, VecDeque};

use super::{EventStatus, Notification, NotificationKind};

/// Remembers the last `capacity` message ids, in bounded memory.
#[derive(Debug, Clone)]
pub struct Deduper {
    capacity: usize,
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl Deduper {
    /// A deduper that remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Deduper {
            capacity,
            order: VecDeque::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
        }
    }

    /// Whether `id` is new; remembers it, forgetting the oldest id when full.
    pub fn first_time(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.order.push_back(id.to_owned());
        self.seen.insert(id.to_owned());
        true
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Orders two notifications about the same thing by when their events
/// happened, not when they arrived. A missing time sorts oldest. At equal
/// times a higher lifecycle attempt is newer, then a finished status
/// (completed, failed, error) is newer than a running one.
pub fn compare_event_time(a: &Notification, b: &Notification) -> Ordering {
    a.event_time
        .cmp(&b.event_time)
        .then_with(|| attempt(a).cmp(&attempt(b)))
        .then_with(|| progress(a.outcome).cmp(&progress(b.outcome)))
}

/// Whether `candidate` should replace `current` as the latest word on a
/// lifecycle (strictly newer by [`compare_event_time`]; ties keep `current`).
pub fn is_newer(candidate: &Notification, current: &Notification) -> bool {
    compare_event_time(candidate, current) == Ordering::Greater
}

fn attempt(n: &Notification) -> u32 {
    match n.kind {
        NotificationKind::Lifecycle { attempt, .. } => attempt.unwrap_or(0),
        _ => 0,
    }
}

fn progress(outcome: Option<EventStatus>) -> u8 {
    match outcome {
        None | Some(EventStatus::NotStarted) => 0,
        Some(EventStatus::InProgress) => 1,
        Some(EventStatus::Completed | EventStatus::Failed | EventStatus::Error) => 2,
    }
}
