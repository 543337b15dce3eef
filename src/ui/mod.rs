//! Rendering: one module per screen or region. Draws state; does no I/O.
