//! `proj backup`: a consistent copy through SQLite's online backup API.

use super::Store;
use crate::error::{Error, Result};
use rusqlite::Connection;
use rusqlite::backup::StepResult;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

impl Store {
    /// Copies the database to `dest` (mode 0600) and returns the copy's size in bytes.
    ///
    /// The copy is taken in one read transaction, so other processes keep writing meanwhile
    /// and the copy is the state at one instant. It is written beside `dest` under a temporary
    /// name, checked with `integrity_check`, and only then put in place: `dest` never holds
    /// half a copy. Without `replace`, an existing `dest` is a conflict.
    pub fn backup(&self, dest: &Path, replace: bool) -> Result<u64> {
        let partial = partial_path(dest)?;
        let result = self.copy_to(&partial);
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        let placed = if replace {
            std::fs::rename(&partial, dest)
        } else {
            // A hard link never replaces an existing file, so two backups cannot race.
            match std::fs::hard_link(&partial, dest) {
                Ok(()) => std::fs::remove_file(&partial),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
                // A file system without hard links: check, then rename.
                Err(_) if dest.exists() => Err(std::io::ErrorKind::AlreadyExists.into()),
                Err(_) => std::fs::rename(&partial, dest),
            }
        };
        if let Err(e) = placed {
            let _ = std::fs::remove_file(&partial);
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return Err(exists(dest));
            }
            return Err(Error::internal(format!("cannot write {}", dest.display())).caused_by(e));
        }
        Ok(std::fs::metadata(dest)?.len())
    }

    fn copy_to(&self, partial: &Path) -> Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(partial).map_err(|e| {
            Error::internal(format!("cannot create {}", partial.display())).caused_by(e)
        })?;
        let mut copy = Connection::open(partial)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            // All pages in one step: one read transaction, one consistent state.
            let deadline = Instant::now() + super::busy_timeout();
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More | StepResult::Busy | StepResult::Locked
                        if Instant::now() < deadline =>
                    {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    _ => {
                        return Err(Error::new(
                            crate::error::Kind::Busy,
                            "the database stayed busy; no backup was made",
                        )
                        .with_hint("try again in a moment"));
                    }
                }
            }
        }
        let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::internal("the copy failed its integrity check").caused_by(check));
        }
        copy.close().map_err(|(_, e)| Error::from(e))?;
        Ok(())
    }
}

fn partial_path(dest: &Path) -> Result<PathBuf> {
    let name = dest
        .file_name()
        .ok_or_else(|| Error::usage(format!("`{}` is not a file path", dest.display())))?;
    let mut partial = name.to_os_string();
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(dest.with_file_name(partial))
}

pub fn exists(dest: &Path) -> Error {
    Error::conflict(format!("`{}` already exists", dest.display()))
        .with_hint("pass --yes to replace it, or choose another path")
}
