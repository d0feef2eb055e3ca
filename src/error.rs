//! Typed errors at the boundary and their exit codes (README.md, "Exit codes").

use std::fmt;

/// What went wrong, as far as a user or a script needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad flags, an invalid name, nothing selected, a prompt needed without a terminal.
    Usage,
    NotFound,
    /// Already exists, or not empty / protected without `--yes`.
    Conflict,
    Denied,
    /// The file is busy past the timeout.
    Busy,
    /// The file's schema is newer than this binary.
    Newer,
    /// The shared database server cannot be reached (team mode).
    Unreachable,
    /// I/O, a file that is not ours, a corrupt file, a bug.
    Internal,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Internal => 1,
            Kind::Usage => 2,
            Kind::NotFound => 3,
            Kind::Conflict => 4,
            Kind::Denied => 5,
            Kind::Busy | Kind::Newer | Kind::Unreachable => 6,
        }
    }

    /// The stable `code` of the JSON error object.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Internal => "internal",
            Kind::Usage => "usage",
            Kind::NotFound => "not_found",
            Kind::Conflict => "conflict",
            Kind::Denied => "permission_denied",
            Kind::Busy => "busy",
            Kind::Newer => "schema_too_new",
            Kind::Unreachable => "unreachable",
        }
    }
}

/// An error a user sees: a kind, a message, an optional hint and the chain of causes.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    pub causes: Vec<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            causes: Vec::new(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, message)
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(Kind::Denied, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }
    /// `{what} not found`, with the names there are as the hint (`available: a, b`).
    pub fn missing(what: impl fmt::Display, available: &[String]) -> Self {
        Self::not_found(format!("{what} not found")).listing("available", available)
    }
    /// `{what} not found in {place}`, with the names there are as the hint.
    pub fn missing_in(what: impl fmt::Display, place: &str, available: &[String]) -> Self {
        Self::not_found(format!("{what} not found in {place}")).listing("available", available)
    }
    /// `{what} already exists` (exit 4).
    pub fn exists(what: impl fmt::Display) -> Self {
        Self::conflict(format!("{what} already exists"))
    }
    /// `{what} already exists in {place}` (exit 4).
    pub fn exists_in(what: impl fmt::Display, place: &str) -> Self {
        Self::conflict(format!("{what} already exists in {place}"))
    }
    /// A change command given nothing to change (exit 2); `hint` names what it takes.
    pub fn nothing_to_change(hint: &str) -> Self {
        Self::usage("nothing to change").with_hint(hint)
    }
    /// The hint `{label}: a, b`, when there is anything to list.
    pub fn listing(self, label: &str, names: &[String]) -> Self {
        if names.is_empty() {
            return self;
        }
        self.with_hint(format!("{label}: {}", names.join(", ")))
    }
    /// An answer the exit code alone gives, with nothing printed: `proj -q access check`
    /// exits 5 when the member is denied.
    pub fn silent(kind: Kind) -> Self {
        Self::new(kind, "")
    }
    pub fn is_silent(&self) -> bool {
        self.message.is_empty() && self.hint.is_none() && self.causes.is_empty()
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn caused_by(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::internal(err.to_string())
    }
}

/// An I/O or parse failure given a sentence of context with [`anyhow::Context`], as a
/// user sees it (exit 1): the outermost context is the message and each error under it a
/// cause, as `Error::internal(context).caused_by(error)` would make it.
impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        let mut chain = err.chain().map(ToString::to_string);
        let message = chain.next().unwrap_or_default();
        Error {
            causes: chain.collect(),
            ..Error::internal(message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn context_is_the_message_and_the_error_a_cause() {
        let failed: std::io::Result<()> = Err(std::io::ErrorKind::PermissionDenied.into());
        let err = Error::from(failed.context("cannot write x").unwrap_err());
        let by_hand = Error::internal("cannot write x")
            .caused_by(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(err.kind, Kind::Internal);
        assert_eq!(err.message, by_hand.message);
        assert_eq!(err.causes, by_hand.causes);
        assert_eq!(err.hint, None);
    }
}
