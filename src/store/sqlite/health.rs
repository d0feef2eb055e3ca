//! The file's checks of its own storage, for `proj doctor` (`Store::health` for an open
//! store, `Store::examine` for one that would not open), as the typed [`Check`]s both backends
//! produce: everything SQLite-specific about them (pragmas, WAL, the file and its modes).

use super::{Backing, FileState, Store, migrate, raw_read_only};
use crate::error::Error;
use crate::store::{Check, Status};
use rusqlite::Connection;
use std::path::Path;

fn check(id: &'static str, status: Status, detail: impl AsRef<str>) -> Check {
    Check {
        id,
        status,
        detail: one_line(detail.as_ref()),
    }
}

/// Lines joined with `; `, tabs and other control characters as spaces.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn error_text(e: &Error) -> String {
    std::iter::once(e.message.as_str())
        .chain(e.causes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(": ")
}

impl Store {
    /// The checks of this open store: SQLite's own (`quick_check`, `foreign_key_check`), the
    /// schema, the journal mode, and who may read the file. A stand-in for a file that does
    /// not exist yet reports just that.
    pub fn health(&self) -> Vec<Check> {
        match self.backing {
            Backing::StandIn(FileState::Missing) => vec![missing()],
            Backing::StandIn(_) => empty(&self.path),
            Backing::File | Backing::ReadOnlyFile => file_checks(Ok(&self.conn), &self.path),
        }
    }

    /// The checks of the file at `path` when it could not be opened as a store (damaged,
    /// foreign, newer, not a file): every check that can still run does, and the others fail
    /// with the reason. Reads only; creates and changes nothing.
    pub fn examine(path: &Path) -> Vec<Check> {
        match FileState::of(path) {
            Err(e) => vec![check("file", Status::Fail, error_text(&e))],
            Ok(FileState::Missing) => vec![missing()],
            Ok(FileState::Empty) => empty(path),
            Ok(FileState::Other(kind)) => vec![check(
                "file",
                Status::Fail,
                format!("{kind}, not a regular file; it was not opened"),
            )],
            Ok(FileState::Regular) => match raw_read_only(path) {
                Ok(conn) => file_checks(Ok(&conn), path),
                Err(e) => file_checks(Err(&e), path),
            },
        }
    }
}

fn missing() -> Check {
    check(
        "file",
        Status::Warn,
        "does not exist yet; the first write creates it (mode 0600)",
    )
}

fn empty(path: &Path) -> Vec<Check> {
    let mut out = vec![check(
        "file",
        Status::Warn,
        "empty (0 bytes): no proj database yet; the first write makes it one",
    )];
    out.extend(modes(path));
    out
}

fn rows(conn: &Connection, sql: &str) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The file checks, in a stable order; a check whose query fails is failed with the reason.
fn file_checks(conn: Result<&Connection, &Error>, path: &Path) -> Vec<Check> {
    let conn = conn.map_err(error_text);
    let mut checks = Vec::new();
    checks.push(
        match conn
            .clone()
            .and_then(|c| rows(c, "PRAGMA quick_check").map_err(|e| error_text(&e)))
        {
            Ok(r) if r == ["ok"] => check("quick-check", Status::Ok, "ok"),
            Ok(r) => check("quick-check", Status::Fail, r.join("; ")),
            Err(e) => check("quick-check", Status::Fail, e),
        },
    );
    checks.push(
        match conn
            .clone()
            .and_then(|c| foreign_keys(c).map_err(|e| error_text(&e)))
        {
            Ok(None) => check("foreign-keys", Status::Ok, "every reference resolves"),
            Ok(Some(broken)) => check("foreign-keys", Status::Fail, broken),
            Err(e) => check("foreign-keys", Status::Fail, e),
        },
    );
    checks.push(
        match conn
            .clone()
            .and_then(|c| identity(c).map_err(|e| error_text(&e)))
        {
            Ok((app_id, version)) => schema(app_id, version),
            Err(e) => check("schema", Status::Fail, e),
        },
    );
    checks.push(match conn.and_then(|c| journal_mode(c, path)) {
        Ok(mode) if mode.eq_ignore_ascii_case("wal") => check("journal-mode", Status::Ok, "wal"),
        Ok(mode) => check(
            "journal-mode",
            Status::Warn,
            format!("{mode} (expected wal)"),
        ),
        Err(e) => check("journal-mode", Status::Fail, e),
    });
    checks.extend(modes(path));
    checks
}

/// `PRAGMA foreign_key_check`: `None` when every reference resolves, else what is broken.
fn foreign_keys(conn: &Connection) -> Result<Option<String>, Error> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let found = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if found.is_empty() {
        return Ok(None);
    }
    let first: Vec<String> = found
        .iter()
        .take(5)
        .map(|(table, rowid, parent)| {
            format!(
                "{table} row {} → missing {parent}",
                rowid.map_or("?".into(), |r| r.to_string())
            )
        })
        .collect();
    Ok(Some(format!(
        "{} broken reference(s): {}",
        found.len(),
        first.join("; ")
    )))
}

fn identity(conn: &Connection) -> Result<(i32, i32), Error> {
    Ok(conn.query_row(
        "SELECT application_id, user_version FROM pragma_application_id, pragma_user_version",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn schema(app_id: i32, version: i32) -> Check {
    let (ours, latest) = (migrate::APPLICATION_ID, migrate::LATEST);
    if app_id == ours && version == latest {
        return check("schema", Status::Ok, format!("version {version} (current)"));
    }
    let why = if app_id != ours {
        "not a proj database".to_string()
    } else if version > latest {
        format!("newer than this proj understands ({latest}); upgrade proj")
    } else {
        format!("older than this proj's ({latest}) and not upgraded")
    };
    check(
        "schema",
        Status::Fail,
        format!(
            "application_id {app_id:#x}, version {version}; expected {ours:#x}, version {latest}: {why}"
        ),
    )
}

/// The journal mode the file is in. An `immutable` connection does not report it, so it is
/// read from the header: bytes 18 and 19 are 2 for WAL, 1 for a rollback journal.
fn journal_mode(conn: &Connection, path: &Path) -> Result<String, String> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| error_text(&Error::from(e)))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(mode);
    }
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| format!("cannot read the header: {e}"))?;
    Ok(match (header[18], header[19]) {
        (2, 2) => "wal".to_string(),
        (1, 1) => "delete".to_string(),
        _ => mode,
    })
}

/// The file must be private (0600); its directory should be (0700), but it may be one the
/// user chose and shares, so a wider directory only warns.
#[cfg(unix)]
fn modes(path: &Path) -> Vec<Check> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
    let mut out = Vec::new();
    match mode(path) {
        Ok(m) if m & 0o077 == 0 => out.push(check("file-mode", Status::Ok, format!("{m:04o}"))),
        Ok(m) => out.push(check(
            "file-mode",
            Status::Fail,
            format!(
                "{m:04o}: others may read it; run `chmod 600 {}`",
                path.display()
            ),
        )),
        Err(e) => out.push(check("file-mode", Status::Fail, e.to_string())),
    }
    let dir = super::parent_dir(path);
    match mode(&dir) {
        Ok(m) if m & 0o077 == 0 => {
            out.push(check("directory-mode", Status::Ok, format!("{m:04o}")))
        }
        Ok(m) => out.push(check(
            "directory-mode",
            Status::Warn,
            format!(
                "{m:04o}: others may list it; run `chmod 700 {}` if it is only for proj",
                dir.display()
            ),
        )),
        Err(e) => out.push(check("directory-mode", Status::Warn, e.to_string())),
    }
    out.extend(writability(path, &mode));
    out
}

/// Said only when something is wrong, so a healthy file's report stays as it was: a file
/// this user may not write (reads work, writes exit 1), and, worse, a `-wal` or `-shm` they
/// may not write beside a file they may (every write fails read-only until it is fixed).
#[cfg(unix)]
fn writability(path: &Path, mode: &dyn Fn(&Path) -> std::io::Result<u32>) -> Vec<Check> {
    let shown = |p: &Path| match mode(p) {
        Ok(m) => format!("{} ({m:04o})", p.display()),
        Err(_) => p.display().to_string(),
    };
    if !super::writable(path) {
        return vec![check(
            "writable",
            Status::Warn,
            format!(
                "{} is read-only for this user: reads work, writes exit 1",
                shown(path)
            ),
        )];
    }
    let stuck: Vec<std::path::PathBuf> = ["-wal", "-shm"]
        .into_iter()
        .map(|suffix| super::companion(path, suffix))
        .filter(|side| side.exists() && !super::writable(side))
        .collect();
    if stuck.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = stuck.iter().map(|p| shown(p)).collect();
    let paths: Vec<String> = stuck.iter().map(|p| p.display().to_string()).collect();
    vec![check(
        "writable",
        Status::Fail,
        format!(
            "{} cannot be written by this user, so every write fails read-only; run `chmod 600 {}` as their owner",
            names.join(" and "),
            paths.join(" ")
        ),
    )]
}

#[cfg(not(unix))]
fn modes(_: &Path) -> Vec<Check> {
    Vec::new()
}
