//! The dashboard: application state, actions, the pure update function, the
//! effect runner and the event loop. It calls the use cases in `ops` (through
//! the runner) and draws through the `event_loop::View` it is given.

pub mod action;
pub mod applies;
pub mod approval;
pub mod changes;
pub mod complete;
mod connection;
pub mod create;
mod dialogs;
pub mod doctor_badge;
pub mod end_of_life;
pub mod event_loop;
pub mod facts;
pub mod feed;
mod feed_keys;
pub mod filter;
mod flow;
pub mod images;
pub mod inbox;
mod input;
pub mod keymap;
pub mod layout;
mod list_view;
pub mod list_watch;
mod live;
pub mod logs;
pub mod memory;
pub mod palette;
pub mod prepared;
pub mod progress;
pub mod records;
pub mod retire;
pub mod rows;
pub mod runner;
pub mod state;
pub mod update;

#[cfg(test)]
pub(crate) mod tests;

use chrono::Utc;

use crate::config::Config;
use action::Effect;
use keymap::Keymap;
use state::{Connection, Screen, State};

/// What the dashboard opens on, from its command-line flags.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Only this stack tag's lifecycles.
    pub stack_tag: Option<String>,
    /// The list filter to start with.
    pub filter: Option<String>,
    /// Open this lifecycle's timeline at once.
    pub lifecycle: Option<String>,
}

/// Builds the start-up state from the configuration and flags (no I/O).
pub fn initial_state(
    config: &Config,
    mut connection: Connection,
    options: &StartOptions,
) -> Result<(State, Vec<Effect>), String> {
    let keymap = Keymap::from_config(&config.keys)?;
    connection.table.clone_from(&config.tables.lifecycles);
    connection.stack_tag.clone_from(&options.stack_tag);
    let mut state = State::new(keymap, config.read_only, connection, Utc::now());
    state
        .production_stack_tags
        .clone_from(&config.production_stack_tags);
    state.approval_rules = crate::ops::ApprovalRules::from_config(config);
    state
        .default_pipeline
        .clone_from(&config.workflows.pipeline_arn);
    state.refresh_every = config.refresh;
    state.full_reload = config.full_reload;
    state.workflow_poll = config.workflow_poll;
    if config.notifications_enabled {
        state.feed.status = feed::StreamStatus::Starting;
    }
    if let Some(filter) = &options.filter {
        state.filter = filter::Filter::parse(filter).map_err(|e| format!("--filter: {e}"))?;
    }
    let mut effects = vec![Effect::Identify, Effect::CheckWorkflows];
    effects.extend(update::start_load(&mut state));
    if let Some(id) = &options.lifecycle {
        state.screens.push(Screen::Timeline {
            id: id.clone(),
            scroll: 0,
        });
        effects.push(Effect::FetchLifecycle { id: id.clone() });
    }
    Ok((state, effects))
}
