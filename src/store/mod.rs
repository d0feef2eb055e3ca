//! Everything that talks to SQLite. Nothing outside this module touches rusqlite.

pub mod backup;
mod busy;
mod env;
mod event;
pub mod generate;
mod health;
mod member;
pub mod migrate;
mod org;
mod project;
mod resource;
mod restore;
mod test_hooks;

pub use env::{EnvRow, NewEnv};
pub use event::EventRow;
pub use health::ForeignKeyViolation;
pub use member::{GrantRow, MemberRow};
pub use org::OrgRow;
pub use project::ProjectRow;
pub use resource::ResourceRow;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a command waits for another writer before giving up with exit 6.
const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5000;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// An empty in-memory database standing in for a file that does not exist yet.
    stand_in: bool,
}

/// A view of the database inside one transaction; all queries live on it.
pub struct Db<'a> {
    conn: &'a Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates a proj database, per STYLE.md "Storage".
    pub fn open(path: &Path) -> Result<Store> {
        prepare_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)
            .map_err(|e| Error::internal(format!("cannot open {}", path.display())).caused_by(e))?;
        busy::install(&mut conn, busy_timeout())?;
        // Every statement the store issues stays prepared; the default (16) is fewer than one
        // command can use, and a re-prepare costs more than the query it serves.
        conn.set_prepared_statement_cache_capacity(128);
        // Plans do not depend on bound values (query planner stability): without it, this
        // build of SQLite (STAT4) re-prepares a cached statement whenever a parameter is
        // rebound, which made each lookup cost a full parse.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        if let Some(log) = std::env::var_os("PROJ_TRACE_SQL") {
            trace_sql(&mut conn, Path::new(&log))?;
        }
        // Identify the file before changing anything: a foreign or newer file stays untouched.
        let identity = migrate::identify(&conn, path)?;
        let mode: String = busy::retry(busy_timeout(), || {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        })
        .map_err(|e| {
            Error::from(e).caused_by(format!("while enabling WAL on {}", path.display()))
        })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::internal(format!(
                "{} could not be switched to WAL mode (it answered `{mode}`)",
                path.display()
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
        )?;
        if identity != migrate::Identity::Proj(migrate::LATEST) {
            migrate::migrate(&mut conn, path)?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            stand_in: false,
        })
    }

    /// Opens an existing, current proj database read-only; never creates or migrates.
    /// Used where any failure must be silent (shell completion).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        test_hooks::trace_read_only(&mut conn)?;
        conn.busy_timeout(Duration::from_millis(200))?;
        if migrate::identify(&conn, path)? != migrate::Identity::Proj(migrate::LATEST) {
            return Err(Error::internal("not a current proj database"));
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            stand_in: false,
        })
    }

    /// Like [`Store::open_read_only`], but leaves the directory exactly as it was: a read-only
    /// connection cannot remove the `-wal`/`-shm` files it makes SQLite create, so when no
    /// writer has them open (no `-wal` file) the file is opened `immutable`, which creates
    /// nothing. Only for answers that may be slightly stale (shell completion).
    pub fn open_untouched(path: &Path) -> Result<Store> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if Path::new(&wal).exists() {
            return Store::open_read_only(path);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let mut conn = Connection::open_with_flags(uri, flags)?;
        test_hooks::trace_read_only(&mut conn)?;
        if migrate::identify(&conn, path)? != migrate::Identity::Proj(migrate::LATEST) {
            return Err(Error::internal("not a current proj database"));
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            stand_in: false,
        })
    }

    /// An empty, current database in memory that answers reads for `path`, which does not
    /// exist yet; the file is created only by the first write.
    pub fn empty_stand_in(path: &Path) -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        migrate::migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            stand_in: true,
        })
    }

    pub fn is_stand_in(&self) -> bool {
        self.stand_in
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it lands, or none of it.
    pub fn write<T>(&mut self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&Db { conn: &tx })?;
        test_hooks::pause_in_transaction();
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a transaction that is then rolled back: whether it would succeed.
    pub fn rehearse<T>(&mut self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        f(&Db { conn: &tx })
    }

    /// Runs `f` in one read transaction, so it sees a single consistent state.
    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f(&Db { conn: &tx })?;
        tx.commit()?;
        Ok(out)
    }

    /// Integrity of the file, as `PRAGMA integrity_check` reports it (`ok` when healthy).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Appends every statement this process runs, with its parameters, to `log`: a debugging
/// aid (`PROJ_TRACE_SQL=FILE`) and how the query-plan test learns what the store asks.
fn trace_sql(conn: &mut Connection, log: &Path) -> Result<()> {
    use rusqlite::trace::{TraceEvent, TraceEventCodes};
    use std::io::Write;
    let unbound = test_hooks::trace_unbound();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| Error::internal(format!("cannot open {}", log.display())).caused_by(e))?;
    conn.trace_v2(
        TraceEventCodes::SQLITE_TRACE_STMT,
        Some(move |event: TraceEvent<'_>| {
            if let TraceEvent::Stmt(stmt, sql) = event {
                let expanded = stmt.expanded_sql().filter(|_| !unbound);
                let text = expanded.unwrap_or_else(|| sql.to_string());
                let _ = writeln!(file, "{}", text.replace('\n', " "));
            }
        }),
    )?;
    Ok(())
}

/// A path percent-encoded for a `file:` URI.
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in absolute.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn busy_timeout() -> Duration {
    let ms = std::env::var("PROJ_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_BUSY_TIMEOUT_MS);
    Duration::from_millis(ms)
}

/// Creates the directory (0700) and the file (0600) before SQLite touches them.
fn prepare_file(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        create_private_dir(dir).map_err(|e| {
            Error::internal(format!("cannot create {}", dir.display())).caused_by(e)
        })?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        // Another process created it a moment ago: fine, it is the same new file.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::internal(format!("cannot create {}", path.display())).caused_by(e)),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The time every row and event is stamped with: RFC 3339 UTC to the second.
/// `PROJ_NOW` pins it, so tests and demos print stable output.
pub fn now() -> String {
    if let Ok(fixed) = std::env::var("PROJ_NOW") {
        return fixed;
    }
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The saved selection and identity.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub org: Option<String>,
    pub project: Option<(String, String)>,
    pub identity: Option<String>,
}

impl Db<'_> {
    pub fn selection(&self) -> Result<Selection> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.slug, po.slug, p.slug, s.identity FROM selection s
             LEFT JOIN orgs o ON o.id = s.org_id
             LEFT JOIN projects p ON p.id = s.project_id
             LEFT JOIN orgs po ON po.id = p.org_id
             WHERE s.id = 1",
        )?;
        let sel = stmt
            .query_row([], |r| {
                let org: Option<String> = r.get(0)?;
                let porg: Option<String> = r.get(1)?;
                let project: Option<String> = r.get(2)?;
                Ok(Selection {
                    org,
                    project: porg.zip(project),
                    identity: r.get(3)?,
                })
            })
            .unwrap_or_default();
        Ok(sel)
    }

    /// Saves the current organization (and project, or none).
    pub fn select(&self, org_id: Option<i64>, project_id: Option<i64>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE selection SET org_id = ?1, project_id = ?2 WHERE id = 1")?
            .execute((org_id, project_id))?;
        Ok(())
    }

    pub fn set_identity(&self, email: Option<&str>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE selection SET identity = ?1 WHERE id = 1")?
            .execute([email])?;
        Ok(())
    }
}
