//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod audit;
mod concurrency;
mod context;
mod core;
mod env;
mod exit_codes;
mod globals;
mod helpers;
mod json;
mod names;
mod org;
mod output;
mod project;
mod rules;
mod storage;
mod terminal;
