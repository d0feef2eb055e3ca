//! The settings both backends read from the environment, and the clock: `PROJ_BUSY_TIMEOUT_MS`
//! (how long a write waits for another), `PROJ_TRACE_SQL` (a file every statement is
//! appended to) and `PROJ_NOW` (pins [`now`]). Each store validates them when it opens, so a
//! bad value is a usage error before anything is read or written.

use crate::error::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

/// How long a command waits for another writer before giving up with exit 6.
pub(super) const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5000;

/// What the `PROJ_*` variables the store reads say, validated: a value that is set but
/// invalid is a usage error naming the variable, never silently ignored. An empty value
/// counts as unset, as for every `PROJ_*` variable.
pub(super) struct Settings {
    pub(super) busy_timeout: Duration,
    pub(super) now: Option<String>,
    pub(super) trace_sql: Option<PathBuf>,
}

/// A `PROJ_*` variable, `None` when unset or empty.
fn var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

pub(super) fn settings() -> Result<Settings> {
    let text = |name: &str| -> Result<Option<String>> {
        var(name)
            .map(|v| {
                v.into_string().map_err(|v| {
                    Error::usage(format!(
                        "{name} is not valid UTF-8: {}",
                        v.to_string_lossy().escape_debug()
                    ))
                })
            })
            .transpose()
    };
    let busy_timeout = match text("PROJ_BUSY_TIMEOUT_MS")? {
        None => Duration::from_millis(DEFAULT_BUSY_TIMEOUT_MS),
        Some(v) => Duration::from_millis(v.trim().parse::<u64>().map_err(|_| {
            Error::usage(format!(
                "PROJ_BUSY_TIMEOUT_MS must be a whole number of milliseconds, not `{}`",
                v.escape_debug()
            ))
            .with_hint(format!(
                "for example PROJ_BUSY_TIMEOUT_MS={DEFAULT_BUSY_TIMEOUT_MS}, or unset it"
            ))
        })?),
    };
    let now = match text("PROJ_NOW")? {
        None => None,
        Some(v) => Some(
            chrono::DateTime::parse_from_rfc3339(v.trim())
                .map_err(|e| {
                    Error::usage(format!(
                        "PROJ_NOW must be an RFC 3339 timestamp, not `{}`",
                        v.escape_debug()
                    ))
                    .caused_by(e)
                    .with_hint("for example PROJ_NOW=2026-11-27T09:14:03Z, or unset it")
                })?
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    };
    Ok(Settings {
        busy_timeout,
        now,
        trace_sql: var("PROJ_TRACE_SQL").map(PathBuf::from),
    })
}

/// The busy timeout, validated.
pub(super) fn busy_timeout_setting() -> Result<Duration> {
    Ok(settings()?.busy_timeout)
}

/// `PROJ_TRACE_SQL`'s file, opened to append (the server backend's trace; a file's
/// connection traces through SQLite's own hook).
pub(super) fn trace_file() -> Result<Option<std::fs::File>> {
    let Some(log) = settings()?.trace_sql else {
        return Ok(None);
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map(Some)
        .map_err(|e| Error::internal(format!("cannot open {}", log.display())).caused_by(e))
}

/// The time every row and event is stamped with: RFC 3339 UTC to the second.
/// `PROJ_NOW` pins it, so tests and demos print stable output (validated when the store
/// opens; an empty value counts as unset).
pub fn now() -> String {
    if let Some(fixed) = settings().ok().and_then(|s| s.now) {
        return fixed;
    }
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
