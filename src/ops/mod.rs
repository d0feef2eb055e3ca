//! The operations layer: every change to the model, written once.
//!
//! One function per mutation, per noun (`ops::env::add`, `ops::member::grant`, …). Each one
//! checks the action that authorizes it through [`Tx::require`](crate::tx::Tx::require),
//! writes through the store, and appends its audit event through the same [`Tx`]. Command
//! handlers, `init`, `apply`, `restore` and `env clone` all call these, so a rule about how
//! something is created (an inferred kind, the login of a first owner, the snapshot a removal
//! keeps) holds on every road. Each store write (`env_insert`, `member_set_login`, …) has one
//! caller, here.
//!
//! What stays with the callers: resolving names to rows, the checks that give a command its
//! own error and hint (a name that is taken, the last owner), confirmation, and printing.
//! A caller that checks before its own conflict checks asks the same question an operation
//! then asks again: [`Tx`] answers a repeated question about existing rows from memory.
//!
//! Operations take the rows they act on (`org`, `project`, `env`: what `scope` resolves, or
//! what a plan made) and return the rows they wrote.

pub mod env;
pub mod grant;
pub mod member;
pub mod org;
pub mod project;
pub mod resource;
pub mod restore;
pub mod selection;
pub mod team;
