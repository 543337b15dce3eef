//! Application state, actions, the pure update function, the effect runner and
//! the event loop of the dashboard.

pub mod action;
pub mod config;
pub mod create;
mod dialogs;
pub mod event_loop;
pub mod feed;
mod feed_keys;
pub mod filter;
mod flow;
pub mod images;
mod input;
pub mod keymap;
mod live;
pub mod logging;
pub mod ops;
pub mod progress;
pub mod rows;
pub mod runner;
pub mod state;
pub mod stream;
pub mod update;

#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::cli::args::DashboardArgs;
use crate::cli::{CliError, Context};
use action::{Action, Effect};
use keymap::Keymap;
use state::{Screen, State, Target};

/// Builds the start-up state from the configuration and flags (no I/O).
pub fn initial_state(ctx: &Context, args: &DashboardArgs) -> Result<(State, Vec<Effect>), String> {
    let keymap = Keymap::from_config(&ctx.config.keys)?;
    let target = Target {
        account: None,
        actor: None,
        profile: ctx.clients.target.profile.clone(),
        region: ctx.clients.target.region.clone(),
        endpoint: ctx.clients.target.endpoint.clone(),
        table: ctx.config.tables.lifecycles.clone(),
        stack_tag: args.stack_tag.clone(),
    };
    let mut state = State::new(keymap, ctx.config.read_only, target, Utc::now());
    state
        .production_stack_tags
        .clone_from(&ctx.config.production_stack_tags);
    state.refresh_every = ctx.config.refresh;
    state.workflow_poll = ctx.config.workflow_poll;
    if ctx.config.notifications_enabled {
        state.feed.status = feed::StreamStatus::Starting;
    }
    if let Some(filter) = &args.filter {
        state.filter = filter::Filter::parse(filter).map_err(|e| format!("--filter: {e}"))?;
    }
    let mut effects = vec![Effect::Identify];
    effects.extend(update::start_load(&mut state));
    if let Some(id) = &args.lifecycle {
        state.screens.push(Screen::Timeline {
            id: id.clone(),
            scroll: 0,
        });
        effects.push(Effect::FetchLifecycle { id: id.clone() });
    }
    Ok((state, effects))
}

/// Runs the full-screen dashboard until the user quits.
pub async fn run_dashboard(ctx: Context, args: DashboardArgs) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "the dashboard needs a terminal; for scripts use `amiboard list`, `show`, `timeline` or `watch`",
        ));
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = crate::ui::theme::Theme::from_config(&ctx.config.theme, no_color)
        .map_err(CliError::usage)?;
    let (mut state, effects) = initial_state(&ctx, &args).map_err(CliError::usage)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let cancel = CancellationToken::new();
    let stream = ctx.config.notifications_enabled.then(|| {
        let options = stream::StreamOptions {
            stack_tag: args.stack_tag.clone(),
        };
        spawn_stream(&ctx, options, tx.clone(), &cancel)
    });
    let mut runner = runner::Runner::new(None, state.read_only, tx.clone());
    if let Some(handle) = &stream {
        runner = runner.with_links(handle.link_setter());
    }
    let runner = runner.with_context(Arc::new(ctx));

    let mut terminal = ratatui::try_init()?;
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
    let result = event_loop::run_loop(
        &mut terminal,
        &mut state,
        &theme,
        &runner,
        &mut rx,
        &cancel,
        |terminal, text| event_loop::write_osc52(terminal.backend_mut(), text),
    )
    .await;
    // Stop reading the terminal first, so keys typed while the stream cleans
    // up go to the shell, not to us.
    cancel.cancel();
    ratatui::restore();
    // Remove the temporary queue and subscriptions before leaving, whatever
    // ended the loop (q, SIGTERM, SIGHUP, SIGINT).
    if let Some(handle) = stream {
        handle.stop().await;
    }
    result.map(|_| ()).map_err(CliError::from)
}

/// Starts the live stream and forwards its events as actions on the one channel.
fn spawn_stream(
    ctx: &Context,
    options: stream::StreamOptions,
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
    cancel: &CancellationToken,
) -> stream::StreamHandle {
    let (events_tx, mut events_rx) = tokio::sync::mpsc::channel(64);
    let handle = stream::spawn(
        ctx.clients.clone(),
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
    handle
}
