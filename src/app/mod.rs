//! Application state, actions, the pure update function, the effect runner and the event loop.
pub mod config;
