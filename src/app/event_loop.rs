//! The one loop: terminal input, the clock, signals and effect results feed
//! one channel; `recv -> update -> run effects -> draw` only when changed.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;
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

/// A change that no key or resize asked for (a page of a load, a
/// notification, the clock) is drawn at most this often: pages of a load
/// and a storm's messages would otherwise cost a frame each on the UI
/// thread. A key is drawn at once, with whatever came before it.
pub const DATA_FRAME_EVERY: Duration = Duration::from_millis(100);

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
    let mut drawn_at = Instant::now();
    // A change is on the state but not on the screen yet (paced).
    let mut owed = false;
    loop {
        let action = tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep_until(drawn_at + DATA_FRAME_EVERY), if owed => {
                terminal.draw(|f| view.draw(state, f))?;
                counts.frames += 1;
                drawn_at = Instant::now();
                owed = false;
                continue;
            }
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
        let mut asked = false;
        for action in pending {
            counts.actions += 1;
            if matches!(action, Action::Key(_)) {
                state.scroll_limit = view.max_scroll(state);
            }
            asked |= matches!(action, Action::Key(_) | Action::Resized { .. });
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
        owed |= dirty;
        if draw_now(owed, asked, drawn_at.elapsed()) {
            terminal.draw(|f| view.draw(state, f))?;
            counts.frames += 1;
            drawn_at = Instant::now();
            owed = false;
        }
    }
    Ok(counts)
}

/// Whether to draw after a batch of actions: something changed (`owed`),
/// and a key or resize asked for it, or the last frame is old enough.
fn draw_now(owed: bool, asked: bool, since_drawn: Duration) -> bool {
    owed && (asked || since_drawn >= DATA_FRAME_EVERY)
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
    use std::cell::Cell;
    use std::time::Duration;

    use chrono::Utc;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::{Frame, Terminal};
    use tokio::sync::mpsc::UnboundedSender;
    use tokio_util::sync::CancellationToken;

    use super::{DATA_FRAME_EVERY, View, draw_now, run_loop};
    use crate::app::action::Action;
    use crate::app::keymap::Keymap;
    use crate::app::runner::Runner;
    use crate::app::state::{Connection, State};
    use crate::ops::OpError;

    /// Counts the frames it is asked for, and the notices each showed.
    #[derive(Default)]
    struct Counting(Cell<u32>, Cell<usize>);

    impl View for Counting {
        fn draw(&self, state: &State, _: &mut Frame) {
            self.0.set(self.0.get() + 1);
            self.1.set(state.notices.len());
        }
        fn max_scroll(&self, _: &State) -> u16 {
            0
        }
    }

    /// A change nobody asked for (it puts a notice up).
    fn news(tx: &UnboundedSender<Action>) {
        let result = Err(OpError::Unavailable("who am I: no answer".into()));
        tx.send(Action::IdentityResolved { result }).expect("loop");
    }

    #[test]
    fn a_key_is_drawn_at_once_and_other_changes_once_the_last_frame_is_old_enough() {
        let soon = DATA_FRAME_EVERY / 10;
        assert!(draw_now(true, true, soon), "a key or resize: at once");
        assert!(
            !draw_now(true, false, soon),
            "a page or a notification waits"
        );
        assert!(draw_now(true, false, DATA_FRAME_EVERY));
        assert!(!draw_now(false, true, DATA_FRAME_EVERY), "nothing changed");
    }

    #[tokio::test]
    async fn changes_nobody_asked_for_are_paced_and_the_last_one_is_drawn() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let runner = Runner::new(None, false, tx.clone());
        let cancel = CancellationToken::new();
        let mut state = State::new(Keymap::default(), false, Connection::default(), Utc::now());
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        let view = Counting::default();
        let frames = &view.0;
        let driver = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            assert_eq!(frames.get(), 1, "the first frame");
            // 20 changes 10 ms apart: one frame each without pacing; with
            // it, a frame at most every 100 ms (a slow machine draws fewer).
            for _ in 0..20 {
                news(&tx);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(DATA_FRAME_EVERY * 3).await;
            let paced = frames.get() - 1;
            assert!((1..=5).contains(&paced), "{paced} frames for 20 changes");
            assert_eq!(view.1.get(), 20, "the last change was drawn");
            // A key is drawn, too.
            let key = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
            tx.send(Action::Key(key)).expect("loop");
            for _ in 0..200 {
                if frames.get() > paced + 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert_eq!(frames.get(), paced + 2, "the key's frame");
            cancel.cancel();
        };
        let looping = run_loop(
            &mut terminal,
            &mut state,
            &view,
            &runner,
            &mut rx,
            &cancel,
            |_, _| {},
        );
        let (counts, ()) = tokio::join!(looping, driver);
        assert_eq!(counts.expect("loop").frames, u64::from(frames.get()));
    }

    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(super::osc52("ami-1"), "\x1b]52;c;YW1pLTE=\x07");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
    }
}
