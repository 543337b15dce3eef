//! amiboard: a terminal dashboard and command line for the lifecycle of
//! Amazon Machine Images. See the README for the tour and
//! `docs/architecture.md` for the layers and which way their imports point.

pub mod app;
pub mod aws;
pub mod cli;
pub mod config;
pub mod lifecycle;
pub mod ops;
pub mod ui;
