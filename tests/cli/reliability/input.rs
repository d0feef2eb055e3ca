//! Bad input: see RELIABILITY.md.
