//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod access_matrix;
mod core;
mod doctor;
mod generated;
mod member;
mod query_plan;
mod resource;
mod shells;
mod tree;
mod wizard;
