//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod core;
mod doctor;
mod query_plan;
mod resource;
mod tree;
mod wizard;
