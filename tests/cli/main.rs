//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod access_matrix;
mod core;
mod member;
