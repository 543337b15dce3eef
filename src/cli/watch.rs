//! `watch` and `cleanup`: the temporary notification subscription from the
//! command line. `watch` consumes the same stream task as the dashboard
//! (`ops::listener`) and stops it cleanly on SIGINT, SIGTERM and SIGHUP.

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{CliError, Context};
use crate::aws::temp_queue as sub;
use crate::lifecycle::notification::Arrival;
use crate::lifecycle::notification::sanitize::{MAX_SUMMARY_CHARS, escape_json_text, one_line};
use crate::lifecycle::notification::{LinkIndex, NotificationKind};
use crate::ops::listener::{self, StreamEvent, StreamOptions};

/// A line on stderr, made safe (AWS error text can quote message content).
fn say(text: &str) {
    eprintln!("amiboard: {}", one_line(text, 4 * MAX_SUMMARY_CHARS));
}

/// Streams decoded notifications until a signal (exit 0) or until the
/// stream turns off (exit 1 with the reason on one line). A stream that
/// cannot start is retried with backoff, unless `once` (then exit 1) or the
/// caller is denied. Quitting waits at most `listener::STOP_LIMIT` for the
/// cleanup; a second signal gives up at once.
pub async fn watch(
    ctx: &Context,
    json: bool,
    stack_tag: Option<&str>,
    once: bool,
) -> Result<(), CliError> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    let options = StreamOptions {
        stack_tag: stack_tag.map(str::to_string),
    };
    let handle = listener::spawn(
        ctx.sdk()?.clients.clone(),
        ctx.config.clone(),
        options,
        tx,
        cancel.clone(),
    );
    let mut ignore_count = |_| {};
    let links = crate::ops::list_all(ctx, None, &mut ignore_count);
    tokio::pin!(links);
    let mut links_loaded = false;
    let mut printer = Printer {
        json,
        newest: HashMap::new(),
    };
    let mut off = None;
    // Once cancelled, the stream's cleanup gets `STOP_LIMIT`; a second
    // signal ends the wait at once.
    let mut deadline: Option<tokio::time::Instant> = None;
    let cancelled = |deadline: &mut Option<tokio::time::Instant>| -> bool {
        let again = deadline.is_some();
        cancel.cancel();
        deadline.get_or_insert_with(|| tokio::time::Instant::now() + listener::STOP_LIMIT);
        again
    };
    let mut gave_up = false;
    loop {
        let wait_until = deadline.unwrap_or_else(tokio::time::Instant::now);
        tokio::select! {
            _ = terminate.recv() => if cancelled(&mut deadline) { gave_up = true; break },
            _ = hangup.recv() => if cancelled(&mut deadline) { gave_up = true; break },
            _ = interrupt.recv() => if cancelled(&mut deadline) { gave_up = true; break },
            () = tokio::time::sleep_until(wait_until), if deadline.is_some() => break,
            listing = &mut links, if !links_loaded => {
                links_loaded = true;
                match listing {
                    Ok(listing) => handle.set_links(LinkIndex::from_lifecycles(&listing.lifecycles)),
                    Err(err) => tracing::debug!(error = %err, "no lifecycles to link notifications to"),
                }
            }
            event = rx.recv() => match event {
                // The task ended: cancelled and cleaned up, or off.
                None => break,
                Some(StreamEvent::Connected { queue, topics }) => say(&format!(
                    "watching {} topic(s) through queue {queue}; Ctrl-C stops",
                    topics.len()
                )),
                Some(StreamEvent::Notice(text)) => say(&text),
                Some(StreamEvent::Reconnecting { reason }) => say(&format!("reconnecting: {reason}")),
                Some(StreamEvent::Retrying { reason, after }) => {
                    if once {
                        off = Some(reason);
                        cancelled(&mut deadline);
                    } else {
                        say(&format!("cannot start the stream: {reason}; retrying in {} s", after.as_secs()));
                    }
                }
                Some(StreamEvent::Off { reason, .. }) => off = Some(reason),
                Some(StreamEvent::Rate { .. }) => {}
                Some(StreamEvent::Notifications(arrivals)) => {
                    // After cancel the stream is draining: keep reading so it can finish.
                    if !cancel.is_cancelled() && !printer.print(&arrivals) {
                        cancelled(&mut deadline);
                    }
                }
            },
        }
    }
    let limit = match deadline {
        _ if gave_up => std::time::Duration::ZERO,
        Some(deadline) => deadline.saturating_duration_since(tokio::time::Instant::now()),
        None => listener::STOP_LIMIT,
    };
    let stopped = handle.stop_within(limit).await;
    if let Some(line) = stopped.message() {
        say(&line);
    }
    match off {
        Some(reason) => Err(CliError::failure(format!(
            "no live notifications: {}",
            one_line(&reason, 4 * MAX_SUMMARY_CHARS)
        ))),
        None => Ok(()),
    }
}

/// Prints arrivals as lines or JSON Lines.
struct Printer {
    json: bool,
    /// The newest event time printed per lifecycle, to mark late arrivals.
    newest: HashMap<String, DateTime<Utc>>,
}

fn stamp(time: Option<DateTime<Utc>>) -> String {
    time.map_or_else(
        || "-".to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

fn kind_name(kind: &NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Lifecycle { .. } => "lifecycle",
        NotificationKind::ImageBuilderImage { .. } => "imagebuilder-image",
        NotificationKind::AmiStateChange { .. } => "ami-state-change",
        NotificationKind::RunCommand { .. } => "run-command",
        NotificationKind::Retirement { .. } => "retirement",
        NotificationKind::Raw => "raw",
    }
}

impl Printer {
    /// Prints; false when stdout is closed (`watch | head`).
    fn print(&mut self, arrivals: &[Arrival]) -> bool {
        let mut text = String::new();
        for arrival in arrivals {
            let n = &arrival.notification;
            let lifecycle = arrival.lifecycle_id.as_deref().map(|l| one_line(l, 64));
            // SNS does not keep order: an event older than one already shown
            // for the same lifecycle is marked, not reordered.
            let late = match (&lifecycle, n.event_time) {
                (Some(id), Some(time)) => {
                    let newest = self.newest.entry(id.clone()).or_insert(time);
                    let late = time < *newest;
                    *newest = (*newest).max(time);
                    late
                }
                _ => false,
            };
            if self.json {
                let line = json!({
                    "received_at": stamp(Some(arrival.received_at)),
                    "event_time": n.event_time.map(|t| stamp(Some(t))),
                    "published_at": n.published_at.map(|t| stamp(Some(t))),
                    "late": late,
                    "message_id": n.message_id,
                    "source": n.source.label(),
                    "kind": kind_name(&n.kind),
                    "status": n.status,
                    "outcome": n.outcome,
                    "lifecycle_id": lifecycle,
                    "ami_ids": n.ami_ids,
                    "image_arn": n.image_arn,
                    "command_id": n.command_id,
                    "topic_arn": n.topic_arn,
                    "subject": n.subject,
                    "summary": n.summary,
                    "warnings": n.warnings,
                    "raw": n.raw,
                });
                text.push_str(&escape_json_text(&line.to_string()));
            } else {
                // Every field was sanitized by `decode`; one_line again keeps it one line.
                text.push_str(&format!(
                    "{}  event {}  {:<13}  {:<36}  {}{}",
                    stamp(Some(arrival.received_at)),
                    stamp(n.event_time),
                    n.source.label(),
                    lifecycle.as_deref().unwrap_or("-"),
                    one_line(&n.summary, MAX_SUMMARY_CHARS),
                    if late {
                        "  (late: older than one shown)"
                    } else {
                        ""
                    },
                ));
            }
            text.push('\n');
        }
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_ok()
    }
}

/// Removes leftover queues and subscriptions (or, with `dry_run`, lists them).
/// Read-only mode allows only `--dry-run`: removing changes the account.
pub async fn cleanup(ctx: &Context, dry_run: bool) -> Result<(), CliError> {
    if !dry_run {
        super::foundation::refuse_read_only(
            ctx,
            "cleanup removes queues and subscriptions (--dry-run lists them)",
        )?;
    }
    let leftovers = sub::find_leftovers(
        &ctx.sdk()?.clients,
        &crate::ops::queue_settings(&ctx.config),
    )
    .await?;
    let mut text = String::new();
    if leftovers.is_empty() {
        text.push_str("no leftover notification queues or subscriptions\n");
    }
    let mut failures = 0;
    for leftover in &leftovers {
        let what = match &leftover.url {
            Some(_) => format!(
                "queue {} and {} subscription(s)",
                leftover.name,
                leftover.subscriptions.len()
            ),
            None => format!(
                "{} subscription(s) to deleted queue {}",
                leftover.subscriptions.len(),
                leftover.name
            ),
        };
        let line = if dry_run {
            format!("would remove {what}: {}", leftover.reason)
        } else {
            match sub::remove(&ctx.sdk()?.clients, leftover).await {
                Ok(()) => format!("removed {what}: {}", leftover.reason),
                Err(err) => {
                    failures += 1;
                    format!("could not remove {what}: {err}")
                }
            }
        };
        text.push_str(&one_line(&line, 4 * MAX_SUMMARY_CHARS));
        text.push('\n');
    }
    super::output::emit(&text)?;
    if failures > 0 {
        return Err(CliError::failure(format!(
            "{failures} leftover(s) could not be removed"
        )));
    }
    Ok(())
}
