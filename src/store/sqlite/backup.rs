//! `proj backup`: a consistent copy through SQLite's online backup API.

use super::Store;
use crate::error::{Error, Result};
use anyhow::Context as _;
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
    ///
    /// Refused before anything is written (exit 2): a `dest` that is the database or one of
    /// its companion files (`-wal`, `-shm`, `-journal`), however it is spelled (relative,
    /// `..`, a symbolic link, a hard link); a directory; and anything that is not a regular
    /// file (FIFO, socket, device), with or without `replace`. A symbolic link is followed:
    /// the copy replaces the file it points to.
    pub fn backup(&self, dest: &Path, replace: bool) -> Result<u64> {
        if self.is_stand_in() {
            return Err(Error::not_found(format!(
                "there is no database at {} yet; nothing to back up",
                self.path.display()
            ))
            .with_hint("the first write creates it"));
        }
        let dest = &self.backup_target(dest)?;
        if dest.exists() && !replace {
            return Err(exists(dest));
        }
        let partial = partial_path(dest)?;
        let result = self.copy_to(&partial);
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        place(&partial, dest, replace)
    }

    fn copy_to(&self, partial: &Path) -> Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
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

impl Store {
    /// Where a backup to `dest` lands, after refusing every `dest` it must not replace.
    fn backup_target(&self, dest: &Path) -> Result<PathBuf> {
        let target = destination(dest)?;
        if let Some(what) = self.protected(&target) {
            return Err(Error::usage(format!(
                "`{}` is {what}; a backup must not replace it",
                dest.display()
            ))
            .with_hint("write the backup to another path"));
        }
        replaceable(dest, &target)?;
        Ok(target)
    }

    /// What `target` is, when it is the database or one of its companion files: compared by
    /// device and inode where the file exists (hard links, symbolic links, any spelling), and
    /// by canonical directory and name where it does not.
    fn protected(&self, target: &Path) -> Option<&'static str> {
        const SIDES: [(&str, &str); 4] = [
            ("", "the database itself"),
            ("-wal", "the database's write-ahead log (`-wal`)"),
            ("-shm", "the database's shared-memory index (`-shm`)"),
            ("-journal", "the database's rollback journal (`-journal`)"),
        ];
        let target_id = file_id(target);
        let target_name = canonical_name(target);
        // SQLite names the companions after the path it opened; with a symbolic link in the
        // way they may sit beside either the link or the file, so both are protected.
        let mut bases = vec![self.path.clone()];
        bases.extend(self.path.canonicalize().ok());
        for base in &bases {
            for (suffix, what) in SIDES {
                let side = super::companion(base, suffix);
                if target_id.is_some() && target_id == file_id(&side) {
                    return Some(what);
                }
                if target_name.is_some() && target_name == canonical_name(&side) {
                    return Some(what);
                }
            }
        }
        None
    }
}

/// Where a backup to `dest` goes: through a symbolic link to the file it leads to.
fn destination(dest: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_symlink() => dest.canonicalize().map_err(|e| {
            Error::usage(format!(
                "`{}` is a symbolic link that does not lead to a file",
                dest.display()
            ))
            .caused_by(e)
            .with_hint("write the backup to another path, or remove the link")
        }),
        _ => Ok(dest.to_path_buf()),
    }
}

/// Refuses a `target` a backup must not replace: a directory, a FIFO, a socket, a device.
fn replaceable(dest: &Path, target: &Path) -> Result<()> {
    match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => Err(Error::usage(format!("`{}` is a directory", dest.display()))
            .with_hint(format!(
                "give a file path for the copy, e.g. {}",
                dest.join("proj-backup.db").display()
            ))),
        Ok(m) if !m.is_file() => Err(Error::usage(format!(
            "`{}` is {}; only a regular file can be replaced by a backup",
            dest.display(),
            super::kind_of(&m)
        ))
        .with_hint("write the backup to a regular file")),
        _ => Ok(()),
    }
}

/// Puts a checked copy in place: renamed over `dest` with `replace`, else linked so that an
/// existing `dest` is never replaced. Returns the copy's size.
///
/// The destination's `-wal`, `-shm` and `-journal` (left by a writer that crashed, or by a
/// database removed without them) are part of it and go first: SQLite would replay a stale
/// log or journal into the copy on its next open, which would then hold the old database.
fn place(partial: &Path, dest: &Path, replace: bool) -> Result<u64> {
    for suffix in ["-wal", "-journal", "-shm"] {
        let side = super::companion(dest, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = std::fs::remove_file(partial);
                return Err(Error::internal(format!(
                    "cannot remove {}, which would be read with the copy",
                    side.display()
                ))
                .caused_by(e)
                .with_hint("remove it, or write the backup to another path"));
            }
        }
    }
    let placed = if replace {
        std::fs::rename(partial, dest)
    } else {
        // A hard link never replaces an existing file, so two backups cannot race.
        match std::fs::hard_link(partial, dest) {
            Ok(()) => std::fs::remove_file(partial),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            // A file system without hard links: check, then rename.
            Err(_) if dest.exists() => Err(std::io::ErrorKind::AlreadyExists.into()),
            Err(_) => std::fs::rename(partial, dest),
        }
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_file(partial);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(exists(dest));
        }
        return Err(Error::internal(format!("cannot write {}", dest.display())).caused_by(e));
    }
    Ok(std::fs::metadata(dest)?.len())
}

/// The tables a backup from a server fills, parents first, with the columns it copies
/// (every column of the file's schema but the selection, which stays each person's own).
pub const TABLES: &[(&str, &[&str])] = &[
    ("orgs", &["id", "slug", "display_name", "created_at"]),
    (
        "projects",
        &[
            "id",
            "org_id",
            "slug",
            "display_name",
            "description",
            "created_at",
        ],
    ),
    (
        "environments",
        &[
            "id",
            "project_id",
            "slug",
            "display_name",
            "kind",
            "description",
            "protected",
            "archived_at",
            "created_at",
        ],
    ),
    (
        "resources",
        &[
            "id",
            "environment_id",
            "slug",
            "type",
            "description",
            "created_at",
        ],
    ),
    (
        "members",
        &[
            "id",
            "org_id",
            "email",
            "name",
            "role",
            "created_at",
            "login",
        ],
    ),
    (
        "teams",
        &[
            "id",
            "org_id",
            "slug",
            "display_name",
            "description",
            "created_at",
        ],
    ),
    ("team_members", &["team_id", "member_id", "created_at"]),
    (
        "grants",
        &[
            "id",
            "member_id",
            "team_id",
            "project_id",
            "environment_id",
            "role",
            "created_at",
        ],
    ),
    (
        "events",
        &[
            "id",
            "at",
            "actor",
            "action",
            "org_id",
            "project_id",
            "target",
            "before",
            "after",
        ],
    ),
];

/// Rows of one table as text (or NULL), in [`TABLES`]' column order.
pub type TableRows<'a> = (&'a str, Vec<Vec<Option<String>>>);

impl Store {
    /// Writes rows read elsewhere (a server) into a new file at `dest`, created and migrated
    /// as `proj` creates files, checked, then put in place as a backup is. SQLite's type
    /// affinity stores the text of integer columns as integers.
    pub fn import(dest: &Path, replace: bool, tables: &[TableRows]) -> Result<u64> {
        let target = destination(dest)?;
        replaceable(dest, &target)?;
        let dest = target.as_path();
        if dest.exists() && !replace {
            return Err(exists(dest));
        }
        let partial = partial_path(dest)?;
        let written = (|| {
            let mut store = Store::open_in_place(&partial)?;
            let tx = store.conn.transaction()?;
            for (table, rows) in tables {
                let columns = TABLES
                    .iter()
                    .find(|(t, _)| t == table)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| Error::internal(format!("unknown table {table}")))?;
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let mut stmt = tx.prepare(&format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                ))?;
                for row in rows {
                    stmt.execute(rusqlite::params_from_iter(row.iter()))?;
                }
            }
            tx.commit()?;
            let check: String = store
                .conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(Error::internal("the copy failed its integrity check").caused_by(check));
            }
            Ok(())
        })();
        if let Err(e) = written {
            for side in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(super::companion(&partial, side));
            }
            return Err(e);
        }
        for side in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(super::companion(&partial, side));
        }
        place(&partial, dest, replace)
    }
}

/// Device and inode of an existing file (symbolic links followed).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

/// The canonical directory of `path` joined with its file name: one spelling for every way
/// of writing a path whose file may not exist.
fn canonical_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = super::parent_dir(path).canonicalize().ok()?;
    Some(dir.join(name))
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
