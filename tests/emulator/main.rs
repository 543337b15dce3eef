//! Tests against the real local AWS emulator (moto), which the harness starts
//! once for this test binary.

mod support;

mod fault_proxy;

mod adoption;
mod approvals;
mod changes;
mod cli_parity;
mod dashboard;
mod definitions;
mod docs;
mod doctor;
mod faults;
mod foundation;
mod hardening;
mod inbox;
mod list_stream;
mod logs_runs;
mod not_aws;
mod notifications;
mod outage;
mod performance;
mod races_hardening;
mod short_ids;
mod stack;
mod stack_guide;
mod stack_network;
mod stack_provision;
mod trust;
mod watcher;
mod workflows;
