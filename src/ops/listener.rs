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
//! let stopped = stream.stop().await; // cancel + wait (at most STOP_LIMIT) for the cleanup
//! if let Some(line) = stopped.message() { /* what was left, and `amiboard cleanup` */ }
//! ```
//!
//! A stream that cannot start (no topic yet, STS or the endpoint unreachable)
//! retries with backoff (1 s doubling to [`RETRY_CAP`]), sending
//! [`StreamEvent::Retrying`] before each pause; only a denied caller turns it off.

#[cfg(test)]
mod denied_tests;
mod poll;
mod stopped;

pub use stopped::{Left, Stopped};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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
    /// The stream could not start (no topic yet, STS or the endpoint
    /// unreachable); it tries again after `after`.
    Retrying { reason: String, after: Duration },
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

    /// Adds one lifecycle's links in place (no rebuild of the whole index).
    pub fn add(&self, part: LinkIndex) {
        self.0.send_modify(|index| index.merge(part));
    }
}

/// How long [`StreamHandle::stop`] waits for the queue and subscriptions to
/// be removed before it gives up and reports what is left.
pub const STOP_LIMIT: Duration = Duration::from_secs(2);

/// The longest pause between attempts to start the stream.
pub const RETRY_CAP: Duration = Duration::from_mins(1);

/// What the supervisor made, for `stop` to report if it cannot wait.
#[derive(Debug, Default)]
struct Shared {
    held: Mutex<Vec<Left>>,
    opening: AtomicBool,
    /// `stop` gave up: a dropped guard must not block to clean up.
    abandoned: AtomicBool,
}

impl Shared {
    fn held(&self) -> std::sync::MutexGuard<'_, Vec<Left>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The running stream.
#[derive(Debug)]
pub struct StreamHandle {
    cancel: CancellationToken,
    links: watch::Sender<LinkIndex>,
    task: JoinHandle<()>,
    shared: Arc<Shared>,
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

    /// Stops the stream and waits until its queue and subscriptions are
    /// gone, at most [`STOP_LIMIT`]; says what is left otherwise.
    pub async fn stop(self) -> Stopped {
        self.stop_within(STOP_LIMIT).await
    }

    /// Like [`stop`](Self::stop), waiting at most `limit`. When the limit
    /// passes the cleanup is abandoned (the task is aborted, nothing blocks).
    pub async fn stop_within(self, limit: Duration) -> Stopped {
        self.stop_or(limit, std::future::pending()).await
    }

    /// Like [`stop_within`](Self::stop_within), also giving up at once when
    /// `give_up` completes (a second Ctrl-C).
    pub async fn stop_or(
        mut self,
        limit: Duration,
        give_up: impl std::future::Future<Output = ()>,
    ) -> Stopped {
        self.cancel.cancel();
        let ended = tokio::select! {
            ended = tokio::time::timeout(limit, &mut self.task) => ended.ok(),
            () = give_up => None,
        };
        let timed_out = match ended {
            Some(Ok(())) => false,
            Some(Err(err)) => {
                tracing::error!(error = %err, "the notification stream task failed");
                false
            }
            None => {
                self.shared.abandoned.store(true, Ordering::SeqCst);
                self.task.abort();
                true
            }
        };
        let stopped = Stopped {
            left: self.shared.held().clone(),
            opening: self.shared.opening.load(Ordering::SeqCst),
            timed_out,
        };
        if let Some(line) = stopped.message() {
            tracing::warn!("{line}");
        }
        stopped
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
    let shared = Arc::new(Shared::default());
    let supervisor = Supervisor {
        shared: shared.clone(),
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
        shared,
    }
}

/// Pause between reconnection attempts: 1 s doubling to 30 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30))
}

/// Pause before the next attempt to start the stream: 1 s doubling to [`RETRY_CAP`].
fn retry_backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(6)).min(RETRY_CAP)
}

struct Supervisor {
    shared: Arc<Shared>,
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
        let mut attempt = 0;
        let identity = loop {
            match sts::who_am_i(&self.clients).await {
                Ok(identity) => break identity,
                Err(err) if is_denied(&err) => return self.off(err.to_string(), true).await,
                Err(err) => {
                    if self.retry(err.to_string(), &mut attempt).await {
                        return;
                    }
                }
            }
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
        let mut told_missing = false;
        while !self.cancel.is_cancelled() && !self.events.is_closed() {
            // Not raced against `cancel`: dropping `open` midway could leave a
            // queue nobody tracks. It is bounded by the client timeouts
            // (`stop` reports it if it cannot wait).
            self.shared.opening.store(true, Ordering::SeqCst);
            let opened = sub::open(
                &self.clients,
                &super::queue_settings(&self.config),
                &identity,
                self.options.stack_tag.as_deref(),
            )
            .await;
            let opened = match opened {
                Ok(opened) => Guard::new(self.clients.clone(), opened, self.shared.clone()),
                Err(err) if is_denied(&err) => {
                    self.shared.opening.store(false, Ordering::SeqCst);
                    return self.off(err.to_string(), true).await;
                }
                Err(err) => {
                    self.shared.opening.store(false, Ordering::SeqCst);
                    let reason = err.to_string();
                    if self.retry(reason, &mut attempt).await {
                        break;
                    }
                    continue;
                }
            };
            self.shared.opening.store(false, Ordering::SeqCst);
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

    /// Says the stream could not start and waits before the next attempt;
    /// true when cancelled (or the consumer left) meanwhile.
    async fn retry(&self, reason: String, attempt: &mut u32) -> bool {
        let after = retry_backoff(*attempt);
        *attempt = attempt.saturating_add(1);
        tracing::warn!(%reason, after_secs = after.as_secs(), "notification stream not started; retrying");
        self.send(StreamEvent::Retrying { reason, after }).await;
        if self.events.is_closed() {
            return true;
        }
        tokio::select! {
            () = self.cancel.cancelled() => true,
            () = tokio::time::sleep(after) => false,
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
    shared: Arc<Shared>,
}

impl Guard {
    fn new(clients: Clients, opened: TempSubscription, shared: Arc<Shared>) -> Self {
        shared.held().push(Left {
            queue: opened.queue.name().to_string(),
            subscriptions: opened.subscriptions.len(),
        });
        Guard {
            clients,
            opened: Some(opened),
            shared,
        }
    }

    fn current(&self) -> Option<&TempSubscription> {
        self.opened.as_ref()
    }

    async fn close(mut self) {
        if let Some(opened) = self.opened.take() {
            close_logged(&self.clients, &opened, &self.shared).await;
        }
    }
}

async fn close_logged(clients: &Clients, opened: &TempSubscription, shared: &Shared) {
    match sub::close(clients, opened).await {
        Ok(()) => {
            let name = opened.queue.name();
            shared.held().retain(|l| l.queue != name);
            tracing::info!(queue = name, "notification queue removed");
        }
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
        if self.shared.abandoned.load(Ordering::SeqCst) {
            // `stop` gave up waiting and reported the queue; never block here.
            return;
        }
        let clients = self.clients.clone();
        let shared = self.shared.clone();
        let cleaner =
            std::thread::spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(close_logged(&clients, &opened, &shared)),
                    Err(err) => {
                        tracing::warn!(error = %err, "no runtime to remove the notification queue");
                    }
                }
            });
        let _ = cleaner.join();
    }
}
