//! The quick-start wizard behind `proj init`: the questions (who you are, the organization,
//! the first project, its environments) and the plan they produce. Nothing here writes; `cli::init` applies the plan in one write.
//!
//! - [`prompt`]: the [`Prompter`] trait and its dialoguer implementation (with Ctrl-C);
//! - [`answers`]: flag answers checked once ([`Known::check`] → [`Answers`]) and the questions
//!   for one value;
//! - [`plan`](mod@plan): the conversation that makes the [`Plan`], reading the file through the
//!   store;
//! - [`render`]: the preview tree ([`Outline`]) and the equivalent command.

pub mod answers;
pub mod plan;
pub mod prompt;
pub mod render;
#[cfg(test)]
pub(crate) mod script;
#[cfg(test)]
mod tests;

use crate::model::{EnvKind, OrgRole};

pub use answers::{Answers, Known, missing_error};
pub use plan::{Reads, plan, plan_from_flags};
pub use prompt::{Prompter, TermPrompter};
pub use render::{list_or_none, shell_quote};

/// Everything the wizard decided; applying it twice changes nothing the second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub email: String,
    pub name: Option<String>,
    pub org: String,
    pub project: String,
    /// Environments the project should have; the missing ones are created, none removed.
    pub envs: Vec<String>,
    /// The name as typed for a new organization or project when it is not its slug
    /// (`Storefront` for `storefront`); never set for one that exists.
    pub org_display_name: Option<String>,
    pub project_display_name: Option<String>,
}

/// What of a plan the file already holds, for the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub org_exists: bool,
    pub project_exists: bool,
    /// The project's environments once the plan is applied, in release-flow order.
    pub envs: Vec<OutlineEnv>,
    /// The role of an existing member; `None` when the plan adds them as owner.
    pub role: Option<OrgRole>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEnv {
    pub slug: String,
    pub kind: EnvKind,
    pub exists: bool,
}

/// The first thing the wizard says.
pub const INTRO: &str = "Set up proj: who you are, your organization and your first project.\n\
     Nothing is saved until you confirm at the end; Ctrl-C quits.\n";
