//! State machine: see RELIABILITY.md.
