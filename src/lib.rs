//! amiboard: a terminal dashboard and command line for the lifecycle of
//! Amazon Machine Images. See the README for the tour.

pub mod app;
pub mod aws;
pub mod cli;
pub mod lifecycle;
pub mod ui;
