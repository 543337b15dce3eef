//! Tests against the real local AWS emulator (moto), which the harness starts
//! once for this test binary.

mod support;

mod foundation;
mod workflows;
