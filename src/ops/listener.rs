//! The live notification stream as one tokio task the dashboard (and `watch`)
//! consumes: [`spawn`] it with a channel and a `CancellationToken`; it opens
//! the temporary subscription, sends [`StreamEvent`]s, and on cancel (or if
//! its poller panics) unsubscribes and deletes its queue before it ends.
//!
//! ```ignore
//! let (tx, mut rx) = tokio::sync::mpsc::channel(64);
//! let stream = ops::listener::spawn(clients, config, StreamOptions::default(), tx, cancel.child_token());
//! stream.set_links(LinkIndex::from_lifecycles(&lifecycles)); // whenever they reload
//! while let Some(event) = rx.recv().await { /* StreamEvent -> Action */ }
//! stream.stop().await; // cancel + wait for the cleanup
//! ```

#[cfg(test)]
mod denied_tests;
mod poll;

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::aws::temp_queue::{self as sub, TempSubscription};
use crate::aws::{AwsError, Clients, sts};
use crate::config::Config;
use crate::lifecycle::notification::{Arrival, LinkIndex};

/// What the stream tells its consumer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Subscribed and listening (again, after `Reconnecting`).
    Connected { queue: String, topics: Vec<String> },
    /// Something to mention once: leftovers of killed processes, missing topics.
    Notice(String),
    /// Receiving failed; retrying after a pause.
    Reconnecting { reason: String },
    /// No live notifications: disabled, no topic, access denied, or a fatal
    /// error. The consumer falls back to periodic refresh. Sent at most once,
    /// and last.
    Off { reason: String, denied: bool },
    /// New notifications (each message id once), in arrival order.
    Notifications(Vec<Arrival>),
    /// Notifications received in the last minute.
    Rate { per_minute: usize },
}

/// How to subscribe.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// Only lifecycle messages whose `stack_tag` attribute is this.
    pub stack_tag: Option<String>,
}

/// A cloneable way to call [`StreamHandle::set_links`] from elsewhere (the
/// dashboard's effect runner) while the handle stays with its owner.
#[derive(Debug, Clone)]
pub struct LinkSetter(watch::Sender<LinkIndex>);

impl LinkSetter {
    pub fn set(&self, index: LinkIndex) {
        self.0.send_replace(index);
    }
}

/// The running stream.
#[derive(Debug)]
pub struct StreamHandle {
    cancel: CancellationToken,
    links: watch::Sender<LinkIndex>,
    task: JoinHandle<()>,
}

impl StreamHandle {
    /// Replaces the index used to tie notifications to lifecycles.
    pub fn set_links(&self, index: LinkIndex) {
        self.links.send_replace(index);
    }

    /// A setter for the link index that outlives borrows of the handle.
    pub fn link_setter(&self) -> LinkSetter {
        LinkSetter(self.links.clone())
    }

    /// Stops the stream and waits until its queue and subscriptions are gone.
    pub async fn stop(self) {
        self.cancel.cancel();
        self.join().await;
    }

    /// Waits for the stream to end (after `Off`, or once cancelled elsewhere).
    pub async fn join(self) {
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the notification stream task failed");
        }
    }
}

/// Starts the stream. It ends when `cancel` is cancelled, when `events` is
/// closed, or after sending [`StreamEvent::Off`]; it removes what it created
/// before it ends.
pub fn spawn(
    clients: Clients,
    config: Config,
    options: StreamOptions,
    events: mpsc::Sender<StreamEvent>,
    cancel: CancellationToken,
) -> StreamHandle {
    let (links, links_rx) = watch::channel(LinkIndex::default());
    let supervisor = Supervisor {
        clients,
        config,
        options,
        events,
        cancel: cancel.clone(),
        links: links_rx,
    };
    let task = tokio::spawn(supervisor.run());
    StreamHandle {
        cancel,
        links,
        task,
    }
}

/// Pause between reconnection attempts: 1 s doubling to 30 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30))
}

struct Supervisor {
    clients: Clients,
    config: Config,
    options: StreamOptions,
    events: mpsc::Sender<StreamEvent>,
    cancel: CancellationToken,
    links: watch::Receiver<LinkIndex>,
}

impl Supervisor {
    async fn send(&self, event: StreamEvent) {
        // A consumer that went away stops the stream through `events.is_closed`.
        let _ = self.events.send(event).await;
    }

    async fn off(&self, reason: String, denied: bool) {
        tracing::warn!(%reason, denied, "notification stream off");
        self.send(StreamEvent::Off { reason, denied }).await;
    }

    async fn run(self) {
        if !self.config.notifications_enabled {
            let reason = "live notifications are off in the configuration".to_string();
            return self.off(reason, false).await;
        }
        let identity = match sts::who_am_i(&self.clients).await {
            Ok(identity) => identity,
            Err(err) => return self.off(err.to_string(), is_denied(&err)).await,
        };
        match sub::find_leftovers(&self.clients, &super::queue_settings(&self.config)).await {
            Ok(found) if !found.is_empty() => {
                let names: Vec<_> = found.iter().map(|l| l.name.as_str()).collect();
                self.send(StreamEvent::Notice(format!(
                    "{} leftover notification queue(s) from stopped amiboard processes ({}): run `amiboard cleanup`",
                    found.len(),
                    names.join(", ")
                )))
                .await;
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not look for leftover queues"),
        }
        let mut attempt = 0;
        let mut told_missing = false;
        while !self.cancel.is_cancelled() && !self.events.is_closed() {
            // Not raced against `cancel`: dropping `open` midway could leave a
            // queue nobody tracks. It is bounded by the client timeouts.
            let opened = sub::open(
                &self.clients,
                &super::queue_settings(&self.config),
                &identity,
                self.options.stack_tag.as_deref(),
            )
            .await;
            let opened = match opened {
                Ok(opened) => Guard::new(self.clients.clone(), opened),
                Err(err @ AwsError::Unreachable { .. }) => {
                    self.send(StreamEvent::Reconnecting {
                        reason: err.to_string(),
                    })
                    .await;
                    if self.pause(attempt).await {
                        break;
                    }
                    attempt += 1;
                    continue;
                }
                Err(err) => return self.off(err.to_string(), is_denied(&err)).await,
            };
            attempt = 0;
            if self.cancel.is_cancelled() {
                opened.close().await;
                break;
            }
            let Some(current) = opened.current() else {
                break;
            };
            if !current.missing.is_empty() && !told_missing {
                told_missing = true;
                self.send(StreamEvent::Notice(format!(
                    "not subscribed to {} (no such topic; run `amiboard provision`)",
                    current.missing.join(", ")
                )))
                .await;
            }
            self.send(StreamEvent::Connected {
                queue: current.queue.name().to_string(),
                topics: current.topics.clone(),
            })
            .await;
            let poller = poll::Poller {
                clients: self.clients.clone(),
                subscription: current.clone(),
                events: self.events.clone(),
                cancel: self.cancel.clone(),
                links: self.links.clone(),
            };
            let ended = tokio::spawn(poller.run()).await;
            opened.close().await;
            match ended {
                Ok(poll::Ended::Stopped) => break,
                Ok(poll::Ended::QueueGone) => {
                    self.send(StreamEvent::Reconnecting {
                        reason: "the notification queue was deleted; subscribing again".into(),
                    })
                    .await;
                }
                Err(err) => {
                    tracing::error!(error = %err, "notification poller panicked");
                    let reason =
                        "the notification stream stopped on an internal error (see the log)";
                    return self.off(reason.to_string(), false).await;
                }
            }
        }
    }

    /// Waits before the next attempt; true when cancelled meanwhile.
    async fn pause(&self, attempt: u32) -> bool {
        tokio::select! {
            () = self.cancel.cancelled() => true,
            () = tokio::time::sleep(backoff(attempt)) => false,
        }
    }
}

fn is_denied(err: &AwsError) -> bool {
    matches!(
        err,
        AwsError::AccessDenied { .. } | AwsError::Credentials { .. }
    )
}

/// Owns an open subscription. `close` removes it; if the guard is dropped
/// open (the runtime shutting down, a panic unwinding), a thread with its
/// own runtime removes it, blocking the drop for at most a few seconds.
struct Guard {
    clients: Clients,
    opened: Option<TempSubscription>,
}

impl Guard {
    fn new(clients: Clients, opened: TempSubscription) -> Self {
        Guard {
            clients,
            opened: Some(opened),
        }
    }

    fn current(&self) -> Option<&TempSubscription> {
        self.opened.as_ref()
    }

    async fn close(mut self) {
        if let Some(opened) = self.opened.take() {
            close_logged(&self.clients, &opened).await;
        }
    }
}

async fn close_logged(clients: &Clients, opened: &TempSubscription) {
    match sub::close(clients, opened).await {
        Ok(()) => tracing::info!(queue = opened.queue.name(), "notification queue removed"),
        Err(err) => tracing::warn!(
            queue = opened.queue.name(),
            error = %err,
            "could not remove the notification queue; `amiboard cleanup` will"
        ),
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(opened) = self.opened.take() else {
            return;
        };
        let clients = self.clients.clone();
        let cleaner =
            std::thread::spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(close_logged(&clients, &opened)),
                    Err(err) => {
                        tracing::warn!(error = %err, "no runtime to remove the notification queue");
                    }
                }
            });
        let _ = cleaner.join();
    }
}
