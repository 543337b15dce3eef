//! The poller: long-polls the queue, decodes and deduplicates, hands the
//! notifications to the consumer, and only then deletes them. Runs as its own
//! task so that a panic in it still lets the supervisor clean up.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{Arrival, StreamEvent, backoff};
use crate::aws::temp_queue::{self as sub, HEARTBEAT, TempSubscription};
use crate::aws::{Clients, sqs};
use crate::lifecycle::notification::{Deduper, LinkIndex, decode_bytes, match_lifecycle};

/// How many message ids the deduper remembers.
const REMEMBERED_IDS: usize = 4096;

/// Why the poller ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    /// Cancelled, or the consumer went away.
    Stopped,
    /// The queue no longer exists (someone ran `cleanup` on it).
    QueueGone,
}

pub(super) struct Poller {
    pub clients: Clients,
    pub subscription: TempSubscription,
    pub events: mpsc::Sender<StreamEvent>,
    pub cancel: CancellationToken,
    pub links: watch::Receiver<LinkIndex>,
}

/// Arrivals in the last minute.
#[derive(Debug, Default)]
struct Rate {
    arrivals: VecDeque<Instant>,
    last_sent: Option<usize>,
}

impl Rate {
    fn record(&mut self, count: usize, now: Instant) {
        self.arrivals.extend(std::iter::repeat_n(now, count));
    }

    /// The new figure, when it changed since it was last sent.
    fn changed(&mut self, now: Instant) -> Option<usize> {
        while self
            .arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_mins(1))
        {
            self.arrivals.pop_front();
        }
        let current = self.arrivals.len();
        (self.last_sent != Some(current)).then(|| {
            self.last_sent = Some(current);
            current
        })
    }
}

impl Poller {
    pub(super) async fn run(self) -> Ended {
        let url = self.subscription.queue.url.clone();
        let mut deduper = Deduper::new(REMEMBERED_IDS);
        let mut rate = Rate::default();
        let mut last_heartbeat = Instant::now();
        let mut failures = 0;
        loop {
            let received = tokio::select! {
                () = self.cancel.cancelled() => return Ended::Stopped,
                received = sqs::receive(&self.clients, &url) => received,
            };
            let messages = match received {
                Ok(messages) => messages,
                Err(err) if err.is_missing_resource() => return Ended::QueueGone,
                Err(err) => {
                    tracing::warn!(error = %err, "receiving notifications failed");
                    let reason = err.to_string();
                    if !self.send(StreamEvent::Reconnecting { reason }).await {
                        return Ended::Stopped;
                    }
                    tokio::select! {
                        () = self.cancel.cancelled() => return Ended::Stopped,
                        () = tokio::time::sleep(backoff(failures)) => {}
                    }
                    failures = failures.saturating_add(1);
                    continue;
                }
            };
            if failures > 0 {
                failures = 0;
                let connected = StreamEvent::Connected {
                    queue: self.subscription.queue.name().to_string(),
                    topics: self.subscription.topics.clone(),
                };
                if !self.send(connected).await {
                    return Ended::Stopped;
                }
            }
            let now = Instant::now();
            if !messages.is_empty() {
                let received_at = Utc::now();
                let mut arrivals = Vec::new();
                for message in &messages {
                    let notification = decode_bytes(message.body.as_bytes());
                    if !notification.warnings.is_empty() {
                        tracing::warn!(message_id = %message.message_id, warnings = ?notification.warnings, "odd notification");
                    }
                    if deduper.first_time(&notification.message_id) {
                        let lifecycle_id = match_lifecycle(&notification, &self.links.borrow());
                        arrivals.push(Arrival {
                            notification,
                            lifecycle_id,
                            received_at,
                        });
                    }
                }
                rate.record(arrivals.len(), now);
                if !arrivals.is_empty() && !self.send(StreamEvent::Notifications(arrivals)).await {
                    // Not handled: leave the messages for SQS to redeliver.
                    return Ended::Stopped;
                }
                let receipts: Vec<String> =
                    messages.into_iter().map(|m| m.receipt_handle).collect();
                if let Err(err) = sqs::delete_messages(&self.clients, &url, &receipts).await {
                    tracing::warn!(error = %err, "could not delete handled notifications; they may come again (and be dropped as duplicates)");
                }
            }
            // Checked after every poll (at most LONG_POLL apart), sent when changed.
            if let Some(per_minute) = rate.changed(now)
                && !self.send(StreamEvent::Rate { per_minute }).await
            {
                return Ended::Stopped;
            }
            if now.duration_since(last_heartbeat) >= HEARTBEAT {
                last_heartbeat = now;
                if let Err(err) = sub::heartbeat(&self.clients, &self.subscription).await {
                    tracing::warn!(error = %err, "could not refresh the queue heartbeat");
                }
            }
        }
    }

    /// Sends an event; false when the consumer is gone.
    async fn send(&self, event: StreamEvent) -> bool {
        self.events.send(event).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_counts_the_last_minute_and_reports_only_changes() {
        let start = Instant::now();
        let mut rate = Rate::default();
        assert_eq!(rate.changed(start), Some(0), "the first figure is sent");
        assert_eq!(rate.changed(start), None);
        rate.record(3, start);
        rate.record(2, start + Duration::from_secs(30));
        assert_eq!(rate.changed(start + Duration::from_secs(30)), Some(5));
        assert_eq!(rate.changed(start + Duration::from_secs(61)), Some(2));
        assert_eq!(rate.changed(start + Duration::from_secs(91)), Some(0));
    }

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let pauses: Vec<u64> = (0..8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
