//! `proj`: organizations, projects, environments and resources in one SQLite file.

pub mod access;
pub mod cli;
pub mod context;
pub mod doctor;
pub mod error;
pub mod layout;
pub mod lineage;
pub mod model;
pub mod ops;
pub mod output;
pub mod paths;
pub mod resources;
pub mod scope;
pub mod snapshot;
pub mod store;
pub mod tree;
pub mod tx;
pub mod view;
pub mod wizard;

pub use cli::run;
