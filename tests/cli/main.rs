//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod core;
#[cfg(unix)]
mod reliability;
