//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod core;
mod reliability;
