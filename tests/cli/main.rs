//! Integration tests: the real `proj` binary in hermetic temp dirs.

mod support;

mod access_matrix;
mod audit;
mod concurrency;
mod context;
mod core;
mod doctor;
mod enforce;
mod env;
mod exit_codes;
mod generated;
mod globals;
mod hardening_access;
mod hardening_io;
mod hardening_store;
mod helpers;
mod json;
mod layout;
mod member;
mod names;
mod org;
mod output;
mod project;
mod query_plan;
mod readme;
mod reliability;
mod resource;
mod rules;
mod shells;
mod storage;
mod team;
mod team_mode;
mod terminal;
mod tree;
mod wizard;
