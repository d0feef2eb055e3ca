//! Everything that talks to SQLite. Nothing outside this module touches rusqlite.
//!
//! This is the one list of the store API: what handlers, `scope`, `tx`, `access` and
//! `snapshot` may call. A second backend (team mode, STYLE.md "Two backends") implements
//! exactly this, with the same meaning, and nothing above the store learns which one runs.
//! Ids are bare `i64` row ids for now (typed ids would touch every call site while other
//! work is in flight; see the README's architecture section).
//!
//! Conventions: `thing(parent, slug)` finds one by name (indexed), `things(parent)` lists,
//! `thing_by_id(id)` finds one by id (for ids kept in events and snapshots), and
//! `thing_insert` / `thing_update` / `thing_delete` write. Reads return `Option` or `Vec`;
//! "not found" errors with hints are built above the store (`scope`, `error`). No method
//! decides access or writes the audit log by itself: `Tx` (src/tx.rs) does both.
//!
//! **Opening and transactions** ([`Store`])
//! - `Store::open(path)`: create (0700 dir, 0600 file), identify, configure, migrate.
//! - `Store::open_for_reading(path)`: for commands that only read; never creates a file.
//! - `Store::open_read_only(path)`, `Store::open_untouched(path)`: read-only, the latter
//!   leaving the directory exactly as it was (completion).
//! - `Store::empty_stand_in(path)`: an empty database answering for a file not created yet.
//! - `write(f)`: `f` in one `BEGIN IMMEDIATE` transaction; `read(f)`: one read transaction;
//!   `rehearse(f)`: run `f` and roll back.
//! - `path()`, `is_read_only()`, `is_stand_in()`.
//!
//! **Backend care** (`health.rs`, `backup.rs`, `migrate.rs`, `busy.rs`, `error.rs`)
//! - `health()`: typed [`Check`]s of an open store; `Store::examine(path)`: the same for a
//!   file that would not open, without changing it.
//! - `backup(dest, replace)`: a consistent copy, checked before it is put in place.
//! - `migrate::identify`, `migrate::migrate`: the numbered `.sql` files under
//!   `migrations/`, applied under the write lock.
//! - Busy waiting (`busy.rs`), and backend errors in the user's terms (`error.rs`): a lock
//!   held past the timeout is [`Kind::Busy`](crate::error::Kind) (exit 6), a full disk or a
//!   corrupt file is internal (exit 1). Only the store sees the backend's error type.
//! - `generate::Spec` / `Store::generate`: bulk fixture databases for benches and tests.
//!
//! **Organizations** ([`OrgRow`]) — `orgs()`, `org(slug)`, `org_by_id(id)`,
//! `org_insert(slug, display_name)`, `org_update(&row)`, `org_delete(id)` (cascades).
//!
//! **Projects** ([`ProjectRow`]) — `projects(org_id)`, `project(org_id, slug)`,
//! `project_by_id(id)`, `projects_named(slug)` (the same slug in every organization),
//! `project_insert(&org, slug, display_name, description)`, `project_update(&row)`,
//! `project_delete(id)`.
//!
//! **Environments** ([`EnvRow`], [`NewEnv`]) — `envs(project_id, include_archived)` (in
//! release-flow order), `env_slugs_by_project(org_id)` (one query for a whole list),
//! `envs_in_org(org_id)` (every project's, archived too: layout export and plan),
//! `env(project_id, slug)`, `env_by_id(id)`, `env_insert(&project, &NewEnv)`,
//! `env_update(&row)`, `env_delete(id)`.
//!
//! **Resources** ([`ResourceRow`]) — `resources(env_id)`, `resource(env_id, slug)`,
//! `resources_in_org(org_id)`, `resource_count(env_id)`,
//! `resource_insert(&env, slug, kind, description)`,
//! `resource_update(&row)` (a move is an update of `environment_id`), `resource_delete(id)`.
//!
//! **Members** ([`MemberRow`]) — `members(org_id)`, `member(org_id, email)`,
//! `memberships(email)` (every organization of one email), `has_members(Some(org_id))` /
//! `has_members(None)` (any organization: a file without members has a single owner),
//! `owner_count(org_id)`, `member_insert(&org, email, name, role)`, `member_update(&row)`
//! (name, role), `member_set_email(id, email)`, `member_delete(id)`.
//!
//! **Teams** ([`TeamRow`]) — `teams(org_id)`, `has_teams(org_id)`, `team(org_id, slug)`,
//! `team_by_id(id)`, `team_insert`, `team_update(&row)`, `team_delete(id)`,
//! `team_members(team_id)`, `team_members_in_org(org_id)` (layout export and plan),
//! `member_teams(member_id)`, `team_join`, `team_leave`.
//!
//! **Grants** ([`GrantRow`], held by a [`Holder`]: a member or a team) —
//! `holder_grants(holder)`, `holder_grants_in(holder, project_id)`, `access_grants(member_id)`
//! and `access_grants_in(member_id, project_id)` (the member's own and their teams' grants, in
//! one query), `granted_project_ids(member_id)`, `project_grants(project_id)`,
//! `grants_in_org(org_id)` (layout export and plan),
//! `grant_set(holder, &project, env, role)` (replaces an earlier one),
//! `grant_delete(holder, project_id, env_id)`.
//!
//! **Audit log** ([`EventRow`], [`NewEvent`]) — `events(org_id, project_id, before, limit)`
//! (newest first, older than the event id `before`: pages), `lifecycle_events()` (the adds,
//! removals and restores of organizations and projects, oldest first), `event(id)`,
//! `event_insert(&NewEvent)` (only `Tx` calls it).
//!
//! **Selection** ([`Selection`]) — `selection()` (saved organization, project, identity),
//! `selection_save(org_id, project_id)`, `identity_save(email)`.
//!
//! **Restore** ([`SavedFields`], [`SavedEnvFields`]) — inserts that bring removed rows back
//! with their old ids where free: `org_restore`, `project_restore`, `env_restore`,
//! `resource_restore`, `member_restore`, `team_restore`, `grant_restore`.
//!
//! Shared by every backend and kept above it: rows → views (`view`), snapshots for the
//! audit log (`snapshot`), access decisions (`access`), and [`now`] (`PROJ_NOW`).

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
mod team;
mod test_hooks;

pub use env::{EnvRow, NewEnv};
pub(crate) use error::from_anyhow as error_from_anyhow;
pub use event::{EventRow, NewEvent};
pub use grant::{GrantRow, Holder};
pub use health::{Check, Status};
pub use member::MemberRow;
pub use org::OrgRow;
pub use project::ProjectRow;
pub use resource::ResourceRow;
pub use restore::{SavedEnvFields, SavedFields};
pub use team::{TeamMemberRow, TeamRow};

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a command waits for another writer before giving up with exit 6.
const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5000;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    backing: Backing,
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
            if meta.len() == 0 {
                FileState::Empty
            } else {
                FileState::Regular
            }
        } else {
            FileState::Other(kind_of(&meta))
        })
    }
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
pub struct Db<'a> {
    conn: &'a Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates a proj database, per STYLE.md "Storage".
    pub fn open(path: &Path) -> Result<Store> {
        settings()?;
        if let FileState::Other(kind) = FileState::of(path)? {
            return Err(not_a_file(path, kind));
        }
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
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
        )?;
        if identity != migrate::Identity::Proj(migrate::LATEST) {
            migrate::migrate(&mut conn, path)?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::File,
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
            FileState::Regular if writable(path) && writable(&parent_dir(path)) => {
                Store::open(path)
            }
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
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;")?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            backing: Backing::ReadOnlyFile,
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

/// What the `PROJ_*` variables the store reads say, validated: a value that is set but
/// invalid is a usage error naming the variable, never silently ignored. An empty value
/// counts as unset, as for every `PROJ_*` variable.
struct Settings {
    busy_timeout: Duration,
    now: Option<String>,
    trace_sql: Option<PathBuf>,
}

/// A `PROJ_*` variable, `None` when unset or empty.
fn var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

fn settings() -> Result<Settings> {
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
/// `PROJ_NOW` pins it, so tests and demos print stable output (validated when the store
/// opens; an empty value counts as unset).
pub fn now() -> String {
    if let Some(fixed) = settings().ok().and_then(|s| s.now) {
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
    /// The saved organization, project and identity.
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
    pub fn selection_save(&self, org_id: Option<i64>, project_id: Option<i64>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE selection SET org_id = ?1, project_id = ?2 WHERE id = 1")?
            .execute((org_id, project_id))?;
        Ok(())
    }

    /// Saves the identity commands act as when `--as`/`PROJ_AS` is not given (or none).
    pub fn identity_save(&self, email: Option<&str>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE selection SET identity = ?1 WHERE id = 1")?
            .execute([email.map(crate::model::normalize_email)])?;
        Ok(())
    }
}
