//! Plain `amiboard`: wires the dashboard together (state, runner, live
//! stream, renderer, terminal) and runs it until the user quits.

use std::io::Write;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::args::DashboardArgs;
use super::{CliError, Context};
use crate::app::action::Action;
use crate::app::state::Connection;
use crate::app::{self, StartOptions, event_loop, runner, update};
use crate::ops::listener;
use crate::ui::{Renderer, theme::Theme};

/// Where the dashboard points, for its header and dialogs.
fn connection(ctx: &Context) -> Connection {
    Connection {
        account: None,
        actor: None,
        profile: ctx.target.profile.clone(),
        region: ctx.target.region.clone(),
        endpoint: ctx.target.endpoint.clone(),
        table: ctx.config.tables.lifecycles.clone(),
        stack_tag: None,
    }
}

/// Runs the full-screen dashboard until the user quits. `:profile` and
/// `:region` end one session and open the next on the new target, in the
/// same terminal (the old session's temporary queue is removed first).
pub async fn run(ctx: Context, args: DashboardArgs) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "the dashboard needs a terminal; for scripts use `amiboard list`, `show`, `timeline` or `watch`",
        ));
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::from_config(&ctx.config.theme, no_color).map_err(CliError::usage)?;
    let mut terminal = init_terminal()?;
    let mut ctx = ctx;
    let mut options = StartOptions {
        stack_tag: args.stack_tag.clone(),
        filter: args.filter.clone(),
        lifecycle: args.lifecycle.clone(),
    };
    loop {
        let ended = session(&mut terminal, ctx, &options, &theme).await;
        let Ok(Some((config, switch))) = ended else {
            return ended.map(|_| ());
        };
        let mut config = config;
        if switch.profile.is_some() {
            config.profile = switch.profile;
        }
        if switch.region.is_some() {
            config.region = switch.region;
        }
        ctx = match Context::connect(config).await {
            Ok(ctx) => ctx,
            Err(err) => {
                restore_terminal();
                return Err(err.into());
            }
        };
        // Another account or region: the lifecycle opened at start-up may not be there.
        options.lifecycle = None;
    }
}

/// One dashboard session on one target. Returns where to go next when the
/// user switched profile or region, `None` when they quit; the terminal is
/// restored unless the session ends in a switch.
async fn session(
    terminal: &mut ratatui::DefaultTerminal,
    ctx: Context,
    options: &StartOptions,
    theme: &Theme,
) -> Result<Option<(crate::config::Config, crate::app::state::Switch)>, CliError> {
    let (mut state, effects) = match app::initial_state(&ctx.config, connection(&ctx), options) {
        Ok(started) => started,
        Err(err) => {
            restore_terminal();
            return Err(CliError::usage(err));
        }
    };
    state.profiles = crate::ops::known_profiles().into_iter().collect();
    let config = ctx.config.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let cancel = CancellationToken::new();
    let stream = if ctx.config.notifications_enabled {
        let stream_options = listener::StreamOptions {
            stack_tag: options.stack_tag.clone(),
        };
        match spawn_stream(&ctx, stream_options, tx.clone(), &cancel) {
            Ok(handle) => Some(handle),
            Err(err) => {
                restore_terminal();
                return Err(err);
            }
        }
    } else {
        None
    };
    let mut runner = runner::Runner::new(None, state.read_only, tx.clone());
    if let Some(handle) = &stream {
        runner = runner.with_links(handle.link_setter());
    }
    let runner = runner.with_context(Arc::new(ctx));

    if let Ok(size) = terminal.size() {
        update::update(
            &mut state,
            Action::Resized {
                width: size.width,
                height: size.height,
            },
        );
    }
    for effect in effects {
        runner.run(effect);
    }
    event_loop::spawn_input(tx.clone(), cancel.clone());
    event_loop::spawn_ticker(tx.clone(), cancel.clone());
    event_loop::spawn_signals(tx, cancel.clone());
    let view = Renderer {
        theme: theme.clone(),
    };
    let result = event_loop::run_loop(
        terminal,
        &mut state,
        &view,
        &runner,
        &mut rx,
        &cancel,
        |terminal, text| event_loop::write_osc52(terminal.backend_mut(), text),
    )
    .await;
    // Stop reading the terminal first, so keys typed while the stream cleans
    // up go to the shell, not to us.
    cancel.cancel();
    let switch = state.switch_to.take().filter(|_| result.is_ok());
    if switch.is_none() {
        restore_terminal();
    }
    // Remove the temporary queue and subscriptions before leaving, whatever
    // ended the loop (q, SIGTERM, SIGHUP, SIGINT, a terminal that is gone),
    // waiting at most `listener::STOP_LIMIT`; a second Ctrl-C or SIGTERM
    // gives up at once. What could not be removed is named on one line.
    if let Some(handle) = stream {
        let stopped = handle.stop_or(listener::STOP_LIMIT, second_signal()).await;
        if let Some(line) = stopped.message() {
            if switch.is_some() {
                tracing::warn!(%line, "switching target");
            } else {
                say(&line);
            }
        }
    }
    result.map_err(CliError::from)?;
    Ok(switch.map(|s| (config, s)))
}

/// A line on stderr that may be gone (a closed terminal): errors are ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "amiboard: {line}");
}

/// Raw mode and the alternate screen, with a panic hook that restores them
/// quietly (ratatui's own hook prints, and panics again, on a dead terminal).
fn init_terminal() -> std::io::Result<ratatui::DefaultTerminal> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
}

/// Leaves raw mode and the alternate screen; a terminal that is gone is ignored.
fn restore_terminal() {
    if let Err(err) = crossterm::terminal::disable_raw_mode() {
        tracing::debug!(%err, "cannot leave raw mode (terminal gone?)");
    }
    if let Err(err) = crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    ) {
        tracing::debug!(%err, "cannot leave the alternate screen (terminal gone?)");
    }
}

/// Completes on the next SIGINT or SIGTERM (not SIGHUP: a closed terminal
/// may send more than one, and must still clean up).
async fn second_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

/// Starts the live stream and forwards its events as actions on the one channel.
fn spawn_stream(
    ctx: &Context,
    options: listener::StreamOptions,
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
    cancel: &CancellationToken,
) -> Result<listener::StreamHandle, CliError> {
    let sdk = ctx.sdk().map_err(|e| CliError::failure(e.to_string()))?;
    let (events_tx, mut events_rx) = tokio::sync::mpsc::channel(64);
    let handle = listener::spawn(
        sdk.clients.clone(),
        ctx.config.clone(),
        options,
        events_tx,
        cancel.child_token(),
    );
    tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            if tx.send(Action::Stream { event }).is_err() {
                break;
            }
        }
    });
    Ok(handle)
}
