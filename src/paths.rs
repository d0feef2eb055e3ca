//! Where the database lives when `--db`/`PROJ_DB` do not say.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// `proj.db` in the platform data directory (on Linux `$XDG_DATA_HOME/proj/proj.db`,
/// usually `~/.local/share/proj/proj.db`).
pub fn default_db() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "proj")
        .map(|d| d.data_dir().join("proj.db"))
        .ok_or_else(|| {
            Error::usage("cannot find a data directory for the database (no home directory)")
                .with_hint("pass --db PATH or set PROJ_DB")
        })
}
