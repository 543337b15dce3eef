//! Tests against the real local AWS emulator (moto), which the harness starts
//! once for this test binary.

mod support;

mod fault_proxy;

mod definitions;
mod docs;
mod faults;
mod foundation;
mod hardening;
mod notifications;
mod outage;
mod races_hardening;
mod short_ids;
mod workflows;
