//! The one loop: terminal input, the clock, signals and effect results feed
//! one channel; `recv -> update -> run effects -> draw` only when changed.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::action::{Action, Effect};
use super::runner::Runner;
use super::state::State;

/// What the loop draws with: the renderer (`ui::Renderer`), passed in so
/// that nothing in `app` calls into `ui`.
pub trait View {
    /// Draws the whole dashboard from the state.
    fn draw(&self, state: &State, frame: &mut Frame);
    /// The largest scroll offset the screen on top can show.
    fn max_scroll(&self, state: &State) -> u16;
}

/// How many frames the loop drew (the benchmark reads it).
#[derive(Debug, Default, Clone, Copy)]
pub struct LoopStats {
    pub frames: u64,
    pub actions: u64,
}

/// Runs until the state says quit or `cancel` fires. `copy` writes OSC 52
/// through the terminal backend.
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    view: &impl View,
    runner: &Runner,
    rx: &mut UnboundedReceiver<Action>,
    cancel: &CancellationToken,
    mut copy: impl FnMut(&mut Terminal<B>, &str),
) -> Result<LoopStats, B::Error> {
    let mut counts = LoopStats::default();
    terminal.draw(|f| view.draw(state, f))?;
    counts.frames += 1;
    state.dirty = false;
    loop {
        let action = tokio::select! {
            () = cancel.cancelled() => break,
            action = rx.recv() => match action { Some(a) => a, None => break },
        };
        let mut pending = vec![action];
        // Take everything already queued so a burst costs one frame.
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
            if pending.len() >= 256 {
                break;
            }
        }
        let mut dirty = false;
        for action in pending {
            counts.actions += 1;
            if matches!(action, Action::Key(_)) {
                state.scroll_limit = view.max_scroll(state);
            }
            // The header counts down to the stream's next attempt.
            dirty |= matches!(action, Action::Tick { .. }) && state.feed.retry_at.is_some();
            for effect in super::update::update(state, action) {
                match effect {
                    Effect::Copy { text } => copy(terminal, &text),
                    other => runner.run(other),
                }
            }
            dirty |= state.dirty;
            state.dirty = false;
        }
        if state.should_quit {
            break;
        }
        if dirty {
            terminal.draw(|f| view.draw(state, f))?;
            counts.frames += 1;
        }
    }
    Ok(counts)
}

/// Reads terminal events into the channel until cancelled. A terminal that
/// is gone (EOF, EIO) ends the dashboard the way `q` does.
pub fn spawn_input(tx: UnboundedSender<Action>, cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut events = crossterm::event::EventStream::new();
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => break,
                next = events.next() => next,
            };
            let action = match next {
                Some(Ok(crossterm::event::Event::Key(key))) => Action::Key(key),
                Some(Ok(crossterm::event::Event::Resize(width, height))) => {
                    Action::Resized { width, height }
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => {
                    tracing::warn!(%err, "terminal input failed; quitting");
                    let _ = tx.send(Action::Terminate);
                    break;
                }
                None => {
                    tracing::warn!("terminal input ended; quitting");
                    let _ = tx.send(Action::Terminate);
                    break;
                }
            };
            if tx.send(action).is_err() {
                break;
            }
        }
    });
}

/// Sends `Tick` once a second until cancelled.
pub fn spawn_ticker(tx: UnboundedSender<Action>, cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = interval.tick() => {
                    if tx.send(Action::Tick { now: Utc::now() }).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

/// Turns SIGINT, SIGTERM and SIGHUP into `Terminate`, so the terminal is restored.
pub fn spawn_signals(tx: UnboundedSender<Action>, cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Action::Terminate);
    });
}

/// The OSC 52 escape that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Writes OSC 52 to a writer (the crossterm backend).
pub fn write_osc52(out: &mut impl Write, text: &str) {
    if out
        .write_all(osc52(text).as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        tracing::warn!("cannot write OSC 52");
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(super::osc52("ami-1"), "\x1b]52;c;YW1pLTE=\x07");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
    }
}
