//! The SQLite backend: the store API (listed in `store/mod.rs`) on one local file. Nothing
//! outside this folder touches rusqlite.
//!
//! **Opening and transactions** ([`Store`])
//! - `Store::open(path)`: create (0700 dir, 0600 file), identify, configure, migrate.
//! - `Store::open_for_reading(path)`: for commands that only read; never creates a file.
//! - `Store::open_read_only(path)`, `Store::open_untouched(path)`: read-only, the latter
//!   leaving the directory exactly as it was (completion).
//! - `Store::empty_stand_in(path)`: an empty database answering for a file not created yet.
//! - `write(f)`: `f` in one `BEGIN IMMEDIATE` transaction; `read(f)`: one read transaction;
//!   `rehearse(f)`: run `f` and roll back.
//!
//! **Backend care** (`health.rs`, `backup.rs`, `migrate.rs`, `busy.rs`, `error.rs`)
//! - `health()`: typed [`Check`]s of an open store; `Store::examine(path)`: the same for a
//!   file that would not open, without changing it.
//! - `backup(dest, replace)`: a consistent copy, checked before it is put in place.
//! - `migrate::identify`, `migrate::migrate`: the numbered `.sql` files under
//!   `migrations/`, applied under the write lock.
//! - Busy waiting (`busy.rs`), and SQLite's errors in the user's terms (`error.rs`).
//! - `generate::Spec` / `Store::generate`: bulk fixture databases for benches and tests.

pub mod backup;
mod busy;
mod env;
mod error;
mod event;
pub mod generate;
mod grant;
mod health;
mod member;
pub mod migrate;
mod org;
mod project;
mod resource;
mod restore;
mod selection;
mod team;
mod test_hooks;

use super::settings::{DEFAULT_BUSY_TIMEOUT_MS, Settings};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Store {
    // Declared first, so it is closed before `creating` removes what it wrote.
    conn: Connection,
    path: PathBuf,
    backing: Backing,
    /// A database not there yet, made under a temporary name beside `path`; its first commit
    /// puts it in place. A write that fails before then leaves nothing behind.
    // Boxed: only a first write has one, and every store would carry its size.
    creating: Option<Box<Creation>>,
    /// The last commit put a new database at `path`; taken by [`Store::take_created`].
    created: bool,
}

/// A new database being made at `temp`, for `path`, and the directories made for it
/// (outermost first). Dropped unplaced, it removes them all again.
struct Creation {
    temp: PathBuf,
    dirs: Vec<PathBuf>,
    placed: bool,
}

impl Drop for Creation {
    fn drop(&mut self) {
        if self.placed {
            return;
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(companion(&self.temp, suffix));
        }
        // Only an empty directory goes: one this process made and nothing else filled.
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// What a [`Store`]'s connection reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backing {
    /// The file, read-write.
    File,
    /// The file, read-only: the file or its directory cannot be written.
    ReadOnlyFile,
    /// An empty in-memory database standing in for a file that does not exist yet (or is
    /// empty), which only the first write creates.
    StandIn(FileState),
}

/// What is at the database path, looked at without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Missing,
    /// A regular file of 0 bytes: an empty database nobody has written yet.
    Empty,
    Regular,
    /// A directory, FIFO, socket or device: never a database, never opened.
    Other(&'static str),
}

impl FileState {
    /// Follows symbolic links, as SQLite does.
    pub fn of(path: &Path) -> Result<FileState> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::Missing),
            Err(e) => {
                return Err(Error::internal(format!("cannot read {}", path.display())).caused_by(e));
            }
        };
        Ok(if meta.is_file() {
            if meta.len() == 0 && has_content(path) {
                FileState::Other(PSEUDO_FILE)
            } else if meta.len() == 0 {
                FileState::Empty
            } else {
                FileState::Regular
            }
        } else {
            FileState::Other(kind_of(&meta))
        })
    }
}

/// What a file is whose size says 0 bytes but which reads as text.
const PSEUDO_FILE: &str =
    "a pseudo-file (its size says 0 bytes, yet it has content, as under /proc)";

/// Whether a file whose size is 0 still reads something: a kernel's pseudo-file (`/proc`,
/// `/sys`), never a database. One that cannot be read counts as empty, as before.
fn has_content(path: &Path) -> bool {
    use std::io::Read;
    let mut byte = [0u8; 1];
    std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut byte))
        .is_ok_and(|n| n > 0)
}

/// "a directory", "a FIFO", …: what a path that is not a regular file is.
pub(crate) fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    "not a regular file"
}

/// The database path names something that is not a file: it is never opened (a FIFO would
/// block, a device would be written to), and nothing is created beside it.
fn not_a_file(path: &Path, kind: &str) -> Error {
    Error::internal(format!(
        "{} is not a regular file (it is {kind}); nothing was read or written",
        path.display()
    ))
    .with_hint(
        "point --db (or PROJ_DB) at a proj database file, or at a path that does not exist yet",
    )
}

/// A view of the database inside one transaction; all queries live on it.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    conn: &'a Connection,
}

impl Store {
    /// Opens a proj database to write to it, migrating an older schema (README,
    /// "Where the file lives"). A path where nothing is yet gets a new database made under a temporary name
    /// beside it, which the first commit puts in place ([`Store::write`]): until then there is
    /// nothing at `path`, and a write that fails (a full disk) leaves nothing behind. A file
    /// this process may not write, or beside which SQLite's `-wal`/`-shm` are not writable, is
    /// refused before SQLite opens it, so nothing is created beside it either.
    pub fn open(path: &Path) -> Result<Store> {
        settings()?;
        match FileState::of(path)? {
            FileState::Other(kind) => Err(not_a_file(path, kind)),
            FileState::Missing => Store::create(path),
            FileState::Empty | FileState::Regular => {
                check_writable(path)?;
                Store::open_in_place(path)
            }
        }
    }

    /// A new database at a temporary name beside `path`, made and migrated, not yet placed.
    fn create(path: &Path) -> Result<Store> {
        let dirs = create_missing_dirs(&parent_dir(path))?;
        let creation = Creation {
            temp: temporary_name(path),
            dirs,
            placed: false,
        };
        // The name holds this process's id: anything there was left by a process that is
        // gone (killed while it was creating), and goes.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(companion(&creation.temp, suffix));
        }
        let mut store = Store::open_in_place(&creation.temp)?;
        store.path = path.to_path_buf();
        store.creating = Some(Box::new(creation));
        Ok(store)
    }

    /// Puts a new database in place once its first transaction committed: every page in the
    /// main file (the log checkpointed and closed), then linked at `path`, which never replaces
    /// a file another process put there meanwhile. Answers `false` when one did: this store then
    /// reads that file, and the write must run again there.
    fn place(&mut self) -> Result<bool> {
        let Some(mut creation) = self.creating.take() else {
            return Ok(true);
        };
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let conn = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        conn.close().map_err(|(_, e)| Error::from(e))?;
        let placed = match std::fs::hard_link(&creation.temp, &self.path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            // A file system without hard links: check, then rename.
            Err(_) if std::fs::symlink_metadata(&self.path).is_ok() => false,
            Err(_) => match std::fs::rename(&creation.temp, &self.path) {
                Ok(()) => true,
                Err(e) => {
                    return Err(
                        Error::internal(format!("cannot create {}", self.path.display()))
                            .caused_by(e),
                    );
                }
            },
        };
        if placed {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(companion(&creation.temp, suffix));
            }
            creation.placed = true;
            self.created = true;
        } else {
            // Another process's database is there: the directories are in use.
            creation.dirs.clear();
        }
        drop(creation);
        let mut fresh = Store::open_in_place(&self.path)?;
        std::mem::swap(&mut self.conn, &mut fresh.conn);
        Ok(placed)
    }

    /// For a command that creates the database without writing to it (`doctor --upgrade`,
    /// `generate`): puts a new database in place now.
    pub fn finish_creation(&mut self) -> Result<()> {
        self.place().map(|_| ())
    }

    /// Whether the last commit put a new database at the path (once).
    pub fn take_created(&mut self) -> bool {
        std::mem::take(&mut self.created)
    }

    /// Opens the file at `path`, creating an empty one first if there is none.
    pub(super) fn open_in_place(path: &Path) -> Result<Store> {
        prepare_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)
            .map_err(|e| Error::internal(format!("cannot open {}", path.display())).caused_by(e))?;
        configure(&mut conn)?;
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
        enforce_schema_rules(&conn)?;
        if identity != migrate::Identity::Proj(migrate::LATEST) {
            migrate::migrate(&mut conn, path)?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::File,
            creating: None,
            created: false,
        })
    }

    /// Opens `path` for a command that only reads, and never writes to it or creates it:
    /// - a path that does not exist, or an empty file, reads as an empty database;
    /// - a directory, FIFO or device is refused without being opened;
    /// - a file in a directory this process cannot write (or a file it cannot write) is
    ///   opened read-only, see [`Store::open_read_only`];
    /// - otherwise it is opened as by [`Store::open`], which upgrades an older schema.
    pub fn open_for_reading(path: &Path) -> Result<Store> {
        settings()?;
        match FileState::of(path)? {
            state @ (FileState::Missing | FileState::Empty) => {
                Store::empty_stand_in_for(path, state)
            }
            FileState::Other(kind) => Err(not_a_file(path, kind)),
            FileState::Regular if check_writable(path).is_ok() => Store::open(path),
            FileState::Regular => Store::open_read_only(path),
        }
    }

    /// Opens an existing, current proj database read-only; never creates, writes or migrates.
    ///
    /// With a `-wal` file beside it, another connection may hold committed data there, so
    /// it is opened as a normal read-only connection (which reads the WAL; SQLite needs the
    /// `-shm` file for that). Without one, every committed change is in the file itself, and
    /// it is opened `immutable`, which creates no `-shm` file: the only way to read it from a
    /// directory this process cannot write. (A writer that starts during such a read is not
    /// seen; the command answers from the state it found.)
    pub fn open_read_only(path: &Path) -> Result<Store> {
        settings()?;
        let mut conn = raw_read_only(path)?;
        configure(&mut conn)?;
        match migrate::identify(&conn, path)? {
            migrate::Identity::Proj(migrate::LATEST) => {}
            migrate::Identity::Empty => {
                return Store::empty_stand_in_for(path, FileState::Empty);
            }
            migrate::Identity::Proj(v) => {
                return Err(Error::internal(format!(
                    "{} has schema version {v} and needs an upgrade to {}, but this process cannot write it",
                    path.display(),
                    migrate::LATEST
                ))
                .with_hint("run proj once as a user who can write the file and its directory"));
            }
        }
        enforce_schema_rules(&conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::ReadOnlyFile,
            creating: None,
            created: false,
        })
    }

    /// Like [`Store::open_read_only`], but leaves the directory exactly as it was: a read-only
    /// connection cannot remove the `-wal`/`-shm` files it makes SQLite create, so when no
    /// writer has them open (no `-wal` file) the file is opened `immutable`, which creates
    /// nothing. Only for answers that may be slightly stale (shell completion).
    pub fn open_untouched(path: &Path) -> Result<Store> {
        if FileState::of(path)? != FileState::Regular {
            return Err(Error::internal("not a current proj database"));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = if companion(path, "-wal").exists() {
            Connection::open_with_flags(path, flags)?
        } else {
            let uri = format!("file:{}?immutable=1", uri_path(path));
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?
        };
        test_hooks::trace_read_only(&mut conn)?;
        conn.busy_timeout(Duration::from_millis(200))?;
        if migrate::identify(&conn, path)? != migrate::Identity::Proj(migrate::LATEST) {
            return Err(Error::internal("not a current proj database"));
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::ReadOnlyFile,
            creating: None,
            created: false,
        })
    }

    /// An empty, current database in memory that answers reads for `path`, which does not
    /// exist yet; the file is created only by the first write.
    pub fn empty_stand_in(path: &Path) -> Result<Store> {
        Store::empty_stand_in_for(path, FileState::Missing)
    }

    fn empty_stand_in_for(path: &Path, state: FileState) -> Result<Store> {
        settings()?;
        let mut conn = Connection::open_in_memory()?;
        migrate::migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::StandIn(state),
            creating: None,
            created: false,
        })
    }

    /// True when this store cannot take a write: an empty stand-in, or a file opened
    /// read-only. A command that goes on to write opens the file again with [`Store::open`].
    pub fn is_read_only(&self) -> bool {
        self.backing != Backing::File
    }

    pub fn is_stand_in(&self) -> bool {
        matches!(self.backing, Backing::StandIn(_))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it lands, or none of it. The
    /// first commit of a new database also puts it in place; if another process created the
    /// database meanwhile, `f` runs again in that one.
    pub fn write<T>(&mut self, f: impl Fn(&Db) -> Result<T>) -> Result<T> {
        let out = match self.write_once(&f) {
            Ok(out) => out,
            Err(e) => {
                self.abandon_creation();
                return Err(e);
            }
        };
        match self.place() {
            Ok(true) => Ok(out),
            Ok(false) => self.write_once(&f),
            Err(e) => {
                self.abandon_creation();
                Err(e)
            }
        }
    }

    fn write_once<T>(&mut self, f: &impl Fn(&Db) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&Db { conn: &tx })?;
        super::test_hooks::pause_in_transaction();
        tx.commit()?;
        Ok(out)
    }

    /// A new database whose first write failed is removed now, with what was made for it.
    fn abandon_creation(&mut self) {
        if let Some(creation) = self.creating.take() {
            if let Ok(memory) = Connection::open_in_memory() {
                drop(std::mem::replace(&mut self.conn, memory));
            }
            drop(creation);
        }
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

/// The store's settings (`store/settings.rs`), validated, with SQLite configured before its
/// first use in this process.
fn settings() -> Result<Settings> {
    init_sqlite();
    super::settings::settings()
}

/// Configures SQLite before its first use in this process: without memory statistics
/// (nothing here reads them), its allocator takes no global mutex and keeps no counters on
/// every allocation, about a tenth of a short command's instructions. Too late (SQLite already
/// in use) it changes nothing, which only costs that time.
fn init_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; sqlite3_config refuses (and changes
        // nothing) once SQLite is initialized.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
    });
}

/// The busy timeout; [`settings`] has refused an invalid value before any store exists.
fn busy_timeout() -> Duration {
    settings().map_or(Duration::from_millis(DEFAULT_BUSY_TIMEOUT_MS), |s| {
        s.busy_timeout
    })
}

/// What every connection to a file gets: the busy handler, the statement cache, planner
/// stability and (when asked for) the SQL trace.
fn configure(conn: &mut Connection) -> Result<()> {
    let settings = settings()?;
    busy::install(conn, settings.busy_timeout)?;
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
    if let Some(log) = &settings.trace_sql {
        trace_sql(conn, log)?;
    }
    Ok(())
}

/// `foreign_keys = ON` and `trusted_schema = OFF`, set through the C interface rather than as
/// pragmas, which SQLite would parse and run. `synchronous = FULL` is this SQLite's default in
/// every journal mode (`SQLITE_DEFAULT_SYNCHRONOUS`, `SQLITE_DEFAULT_WAL_SYNCHRONOUS`; a test
/// checks it), so it is not set again.
fn enforce_schema_rules(conn: &Connection) -> Result<()> {
    use rusqlite::config::DbConfig;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    Ok(())
}

/// A read-only connection that creates nothing: `immutable` unless a `-wal` file may hold
/// committed data (see [`Store::open_read_only`]). The file is not identified here.
fn raw_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let opened = if companion(path, "-wal").exists() {
        Connection::open_with_flags(path, flags)
    } else {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    };
    opened.map_err(|e| {
        Error::from(e).caused_by(format!("while opening {} read-only", path.display()))
    })
}

/// `path` with `suffix` appended to its file name: where SQLite keeps `-wal`, `-shm` and
/// `-journal`.
pub(crate) fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The directory that holds `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether this process may write `path` (the kernel's answer, `access(2)`: it knows about
/// read-only mounts and root).
#[cfg(unix)]
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

/// Whether this process may not write `path` where it is there: a companion another
/// connection removes (or removes and makes anew) while it is asked is not a read-only one.
#[cfg(unix)]
fn refuses_writes(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let denied = unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0;
    denied && std::io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT)
}

#[cfg(not(unix))]
fn refuses_writes(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly())
}

/// Whether this process may write `path` and what SQLite writes beside it: the file, its
/// `-wal` and `-shm` where they exist, and the directory where SQLite must create them. A
/// file SQLite opened read-write but could not write would leave a `-wal` and `-shm` it made
/// (with the file's mode) behind, which keep failing writes after the file is fixed.
fn check_writable(path: &Path) -> Result<()> {
    let read_only = |what: &Path, why: &str| {
        Error::internal(format!(
            "cannot write {}: {why} is read-only for this user; nothing was changed",
            path.display()
        ))
        .with_hint(format!(
            "reads still work; to write, make {} writable (for example `chmod u+w {}`) or run as its owner",
            what.display(),
            what.display()
        ))
    };
    if !writable(path) {
        return Err(read_only(path, "the file"));
    }
    for suffix in ["-wal", "-shm"] {
        let side = companion(path, suffix);
        // A companion that another connection removes meanwhile (its last close checkpoints
        // and deletes the `-wal`) is not a read-only one.
        if refuses_writes(&side) {
            return Err(read_only(&side, &format!("its `{suffix}` file")));
        }
    }
    let dir = parent_dir(path);
    if !writable(&dir) && !companion(path, "-wal").exists() {
        return Err(read_only(&dir, "its directory"));
    }
    Ok(())
}

/// The name a new database is made under before it is put at `path`: hidden, beside it (the
/// same file system, so it can be linked there), and this process's own.
fn temporary_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(
        path.file_name()
            .unwrap_or_else(|| std::ffi::OsStr::new("proj.db")),
    );
    name.push(format!(".new-{}", std::process::id()));
    parent_dir(path).join(name)
}

/// Creates `dir` and its missing parents (0700); returns those it made, outermost first.
fn create_missing_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .filter(|d| !d.as_os_str().is_empty())
        .take_while(|d| std::fs::symlink_metadata(d).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    if let Some(deepest) = missing.last() {
        create_private_dir(deepest).map_err(|e| {
            Error::internal(format!("cannot create {}", deepest.display())).caused_by(e)
        })?;
    }
    Ok(missing)
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

impl Db<'_> {
    /// A file has no login: its identity is the saved or given email.
    pub fn login(&self) -> Option<&str> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the open sequence leaves in effect (README, "Where the file lives"), including what it does
    /// not set because it is SQLite's default.
    #[test]
    fn a_store_runs_in_wal_with_full_sync_foreign_keys_and_untrusted_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Store::open(&path).unwrap().finish_creation().unwrap();
        for store in [
            Store::open(&path).unwrap(),
            Store::open_read_only(&path).unwrap(),
        ] {
            let pragma = |name: &str| -> i64 {
                store
                    .conn
                    .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                    .unwrap()
            };
            assert_eq!(pragma("synchronous"), 2, "FULL");
            assert_eq!(pragma("foreign_keys"), 1);
            assert_eq!(pragma("trusted_schema"), 0);
        }
        let store = Store::open(&path).unwrap();
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
