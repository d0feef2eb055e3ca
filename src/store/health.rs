//! The typed result of a storage check for `proj doctor`, which both backends produce
//! (`Store::health` for an open store, `Store::examine` for one that would not open); what
//! each backend checks is in its own `health.rs`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Worth a look, but the storage is sound.
    Warn,
    /// The storage is unhealthy.
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One health check: a stable id, its status and a one-line detail.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    /// Always one line: multi-line answers (SQLite's `integrity_check`, error chains) are
    /// joined with `; `.
    pub detail: String,
}
