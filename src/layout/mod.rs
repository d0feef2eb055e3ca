//! Layout files (README, "Layout files"): the whole layout of organizations as a text
//! file, printed by `proj export` and made true by `proj apply`.
//!
//! - [`file`]: the TOML shape as serde types, parsed with positions, printed.
//! - [`desired`]: a parsed file checked (names, roles, kinds, duplicates), defaults filled in.
//! - [`current`]: what the database holds, as the actor sees it, in a few queries; its export.
//! - [`plan`]: the changes that make the database match the file, one per audit event.
//! - [`apply`]: every change access-checked through [`crate::tx::Tx`] before anything is
//!   written (all denials collected), then written and audited like the commands do.

pub mod apply;
pub mod current;
pub mod desired;
pub mod file;
pub mod plan;

use crate::error::Error;

/// Something wrong with a layout file, at a byte offset of it when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

/// A layout file's problems as one usage error (exit 2): the first at `FILE:LINE:COLUMN`,
/// with how many more there are.
pub fn problems_error(name: &str, text: &str, problems: &[Problem]) -> Error {
    let Some(first) = problems.first() else {
        return Error::internal("a layout file was refused without a reason");
    };
    let place = match first.at {
        Some(at) => {
            let (line, column) = file::line_column(text, at);
            format!("{name}:{line}:{column}")
        }
        None => name.to_string(),
    };
    let mut err = Error::usage(format!("{place}: {}", first.message));
    let more = match problems.len() - 1 {
        0 => None,
        1 => Some("1 more problem after this one".to_string()),
        n => Some(format!("{n} more problems after this one")),
    };
    let hint = match (&first.hint, more) {
        (Some(h), Some(m)) => Some(format!("{h}; {m}")),
        (Some(h), None) => Some(h.clone()),
        (None, Some(m)) => Some(m),
        (None, None) => None,
    };
    if let Some(h) = hint {
        err = err.with_hint(h);
    }
    err
}

/// A file that does not parse, as a usage error at `FILE:LINE:COLUMN`.
pub fn syntax_error(name: &str, text: &str, e: file::SyntaxError) -> Error {
    problems_error(
        name,
        text,
        &[Problem {
            at: e.at,
            message: e.message,
            hint: None,
        }],
    )
}
