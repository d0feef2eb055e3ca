//! The quick-start wizard behind `proj init`: the questions, in the seed's "Start here" order,
//! and the plan they produce. Nothing here writes; `cli::init` applies the plan in one write.
//!
//! - [`prompt`]: the [`Prompter`] trait and its dialoguer implementation (with Ctrl-C);
//! - [`answers`]: flag answers checked once ([`Known::check`] → [`Answers`]) and the questions
//!   for one value;
//! - [`plan`](mod@plan): the conversation and the [`Plan`], reading the file through the store;
//! - [`render`]: the preview tree and the equivalent command.

pub mod answers;
pub mod plan;
pub mod prompt;
pub mod render;
#[cfg(test)]
pub(crate) mod script;
#[cfg(test)]
mod tests;

pub use answers::{Answers, Known, missing_error};
pub use plan::{Outline, Plan, Reads, plan, plan_from_flags};
pub use prompt::{Prompter, TermPrompter};
pub use render::{list_or_none, shell_quote};

/// The first thing the wizard says.
pub const INTRO: &str = "Set up proj: who you are, your organization and your first project.\n\
     Nothing is saved until you confirm at the end; Ctrl-C quits.\n";
