//! Tests against the real local AWS emulator (moto), which the harness starts
//! once for this test binary.

mod support;

mod docs;
mod foundation;
mod notifications;
mod workflows;
