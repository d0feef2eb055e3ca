//! The PostgreSQL backend (team mode): the store API on a shared database, in schema `proj`.
//!
//! - One connection per command ([`Store::open`]), `search_path=proj`. The login holds no
//!   privilege on any table: every statement calls `r_*` (read) or `w_*` (write) functions. Each statement is sent
//!   with its parameters' types ([`Param`], `query_typed`): parsed, bound and run in one round
//!   trip, where preparing it first would cost a second. Inside a read's snapshot a statement
//!   asked again with the same parameters is answered from what it returned (access checks ask
//!   the same few lookups several times). Every statement sent is counted (`PROJ_TRACE_SQL`
//!   writes them to a file, which is how the round-trip test counts).
//! - Writes ([`Store::write`]) begin with `proj.w_begin()` (sent with `BEGIN`: no round
//!   trip), which takes the write locks (rows) of the organizations the login writes in and
//!   holds them to the end; the transaction runs READ COMMITTED, so every statement after it
//!   sees what the writer before committed. `proj` writers of one organization take turns, as
//!   on a file (`BEGIN IMMEDIATE`), and never fail each other; writers of different
//!   organizations do not wait for each other. Only a member can hold an organization's lock
//!   (migration 3): no login of another organization, nor of none, can make its writers
//!   wait. A deadlock or serialization failure (SQLSTATE 40P01, 40001) makes the whole
//!   command's transaction run again, with a jittered pause, until the busy timeout. A unique
//!   violation is a conflict (exit 4). Waiting for a lock longer than the busy timeout is
//!   exit 6.
//!   The transaction's id (`pg_current_xact_id()`) comes back with the BEGIN: a connection
//!   lost while COMMIT was under way is followed by a new one that asks the server what
//!   became of that transaction (`commit.rs`), so the command reports what happened.
//! - Reads run in one REPEATABLE READ READ ONLY transaction: one snapshot, no lock. A store
//!   opened for reading begins it in the same round trip as the schema is identified, and a
//!   read leaves it open rather than wait for a COMMIT that changes nothing: the next
//!   transaction, or the end of the connection, ends it. Before a question to the person at
//!   the keyboard, [`Store::settle`] ends it, so no snapshot stays open while they think (nor
//!   runs into the server's idle-in-transaction timeout).
//! - The schema is identified on every open in one round trip (its COMMENT carries the
//!   application id and version, see `migrate.rs`) and migrated under
//!   `pg_advisory_xact_lock` by the first write.

mod commit;
pub mod config;
mod env;
mod error;
mod event;
mod grant;
mod health;
mod member;
mod migrate;
mod org;
mod project;
mod resource;
mod restore;
mod selection;
mod session;
mod sql;
mod team;
mod test_hooks;
mod tls;

use crate::error::{Error, Result};
use postgres::types::{ToSql, Type};
use postgres::{Client, Row};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A statement's parameter, with the type it is bound as (the column's): what lets a
/// statement be parsed, bound and run in one round trip, without preparing it first.
pub(super) trait Param: ToSql + Sync {
    fn pg_type(&self) -> Type;
    fn as_sql(&self) -> &(dyn ToSql + Sync);
}

/// The PostgreSQL type a Rust value is bound as.
trait Typed {
    const TYPE: Type;
}

impl<T: Typed + ToSql + Sync> Param for T {
    fn pg_type(&self) -> Type {
        T::TYPE
    }
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
}

impl Typed for i64 {
    const TYPE: Type = Type::INT8;
}
impl Typed for i32 {
    const TYPE: Type = Type::INT4;
}
impl Typed for bool {
    const TYPE: Type = Type::BOOL;
}
impl Typed for &str {
    const TYPE: Type = Type::TEXT;
}
impl Typed for String {
    const TYPE: Type = Type::TEXT;
}
impl Typed for chrono::DateTime<chrono::Utc> {
    const TYPE: Type = Type::TIMESTAMPTZ;
}
impl Typed for serde_json::Value {
    const TYPE: Type = Type::JSONB;
}
impl<T: Typed> Typed for Option<T> {
    const TYPE: Type = T::TYPE;
}
impl<T: Typed> Typed for &T {
    const TYPE: Type = T::TYPE;
}

/// Where the connection stands with its read transaction (see [`Store::read`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadTx {
    /// No transaction open.
    None,
    /// Begun with the open, not used yet.
    Begun,
    /// A read ran in it; it stays open until the next transaction or the end.
    Used,
}

/// An open connection.
pub struct Conn {
    client: RefCell<Client>,
    /// Inside a transaction: what each query, with its parameters, returned since the
    /// transaction's last change (see [`Conn::query`]).
    answers: RefCell<HashMap<String, Vec<Row>>>,
    read_tx: Cell<ReadTx>,
    /// Inside a write (or rehearsal) transaction.
    writing: Cell<bool>,
    /// Reads commit when they end (a command that asks questions between them).
    eager: Cell<bool>,
    /// Set when the server answered 40001/40P01 inside the current transaction.
    retry: Cell<bool>,
    login: String,
    trace: Option<RefCell<std::fs::File>>,
    /// The timeouts in force (`session.rs`), read by the first statement of the connection.
    settings: RefCell<session::Settings>,
    /// The statement that reads and sets them, until the connection's first message is sent.
    session_sql: RefCell<Option<String>>,
}

/// The database inside one transaction.
pub struct Db<'a> {
    conn: &'a Conn,
}

pub struct Store {
    conn: Conn,
    target: config::Target,
    version: i32,
    busy_timeout: Duration,
}

impl Store {
    /// Connects to `url`. With `write`, a missing or older schema `proj` is created or
    /// migrated; without, a database without schema `proj` is refused as empty (the caller
    /// reads an empty stand-in instead, see `store::Store::open_for_reading`): `None`.
    pub fn open(url: &str, write: bool) -> Result<Option<Store>> {
        let target = config::resolve(url, &config::Environment::from_process())?;
        let busy_timeout = super::settings::busy_timeout_setting()?;
        let client = connect(&target)?;
        let trace = super::settings::trace_file()?;
        let mut store = Store {
            conn: Conn {
                client: RefCell::new(client),
                answers: RefCell::new(HashMap::new()),
                read_tx: Cell::new(ReadTx::None),
                writing: Cell::new(false),
                eager: Cell::new(false),
                retry: Cell::new(false),
                login: String::new(),
                trace: trace.map(RefCell::new),
                settings: RefCell::new(session::Settings::default()),
                session_sql: RefCell::new(Some(session::sql(busy_timeout.as_millis()))),
            },
            target,
            version: 0,
            busy_timeout,
        };
        // A store opened for reading begins its read transaction in the same round trip.
        let found = migrate::identify(&store.conn, &store.target.shown, !write)?;
        if !write {
            store.conn.read_tx.set(ReadTx::Begun);
        }
        store.conn.login = found.login.clone();
        store.version = found.version;
        if found.version < migrate::LATEST {
            // An empty database reads as empty; an older schema is brought up to date first,
            // by reads too (their statements expect this version).
            if !write && found.version == 0 {
                return Ok(None);
            }
            if !write {
                store.conn.batch("ROLLBACK")?;
                store.conn.read_tx.set(ReadTx::None);
            }
            store.version = migrate::migrate(&store.conn, &store.target.shown)?;
        }
        Ok(Some(store))
    }

    pub fn is_read_only(&self) -> bool {
        false
    }

    pub fn shown(&self) -> &str {
        &self.target.shown
    }

    pub fn write<T>(&mut self, f: impl Fn(&Db) -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let mut attempt: u64 = 0;
        loop {
            self.conn.retry.set(false);
            let db = Db { conn: &self.conn };
            // The organizations' write locks first (`w_begin`, migration 3).
            let end_read = self.conn.end_read();
            let out = self
                .conn
                .begin_write(&format!(
                    "{end_read}BEGIN ISOLATION LEVEL READ COMMITTED; SELECT proj.w_begin()"
                ))
                .and_then(|xact| {
                    self.conn.writing.set(true);
                    f(&db).and_then(|v| {
                        super::test_hooks::pause_in_transaction();
                        self.commit(&xact, "COMMIT")?;
                        Ok(v)
                    })
                });
            self.conn.writing.set(false);
            self.conn.answers.borrow_mut().clear();
            match out {
                Ok(v) => return Ok(v),
                Err(e) => {
                    // Whatever failed, leave no transaction or lock behind.
                    let _ = self.conn.batch("ROLLBACK");
                    if !self.conn.retry.get() || started.elapsed() >= self.busy_timeout {
                        return Err(e);
                    }
                }
            }
            attempt += 1;
            let jitter = (u64::from(std::process::id()) * 7919 + attempt * 104_729) % 1000;
            std::thread::sleep(Duration::from_micros(500 + attempt.min(20) * 200 + jitter));
        }
    }

    pub fn rehearse<T>(&mut self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let end_read = self.conn.end_read();
        self.conn
            .batch(&format!("{end_read}BEGIN ISOLATION LEVEL SERIALIZABLE"))?;
        self.conn.writing.set(true);
        let out = f(&Db { conn: &self.conn });
        self.conn.writing.set(false);
        self.conn.answers.borrow_mut().clear();
        self.conn.batch("ROLLBACK")?;
        out
    }

    /// `f` in one REPEATABLE READ READ ONLY snapshot. The transaction is left open when `f`
    /// succeeds: its COMMIT would change nothing, so it is sent with whatever comes next
    /// (another transaction's BEGIN), or not at all when the connection ends.
    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        match self.conn.read_tx.get() {
            ReadTx::Begun => {}
            ReadTx::Used => self
                .conn
                .batch("COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
            ReadTx::None => self
                .conn
                .batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
        }
        self.conn.read_tx.set(ReadTx::Used);
        self.conn.answers.borrow_mut().clear();
        let out = f(&Db { conn: &self.conn });
        if out.is_err() {
            self.conn.read_tx.set(ReadTx::None);
            self.conn.answers.borrow_mut().clear();
            let _ = self.conn.batch("ROLLBACK");
        } else if self.conn.eager.get() {
            self.settle(true)?;
        }
        out
    }

    /// Ends a read transaction left open (see [`Store::read`]) before the command waits for
    /// someone; with `eager`, every later read commits as it ends.
    pub fn settle(&self, eager: bool) -> Result<()> {
        if eager {
            self.conn.eager.set(true);
        }
        if self.conn.read_tx.replace(ReadTx::None) != ReadTx::None {
            self.conn.batch("COMMIT")?;
        }
        Ok(())
    }
}

/// A connection to `target`, the schema found without qualifying every name. No timeouts
/// as start-up options: they would override the DBA's (`session.rs` sets proj's where the
/// server has none).
fn connect(target: &config::Target) -> Result<Client> {
    let mut cfg = target.config.clone();
    cfg.options("-c search_path=proj");
    tls::connect(&cfg, target)
}

/// Parameters with the types the server is told (see [`Param`]).
fn typed<'a>(params: &[&'a dyn Param]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    params.iter().map(|p| (p.as_sql(), p.pg_type())).collect()
}

impl Conn {
    /// Statements without parameters and results, in one message (the simple protocol).
    fn batch(&self, sql: &str) -> Result<()> {
        self.answers.borrow_mut().clear();
        self.traced(sql);
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(|e| self.error(e))
    }

    /// What ends a read transaction left open, to send before the next BEGIN.
    fn end_read(&self) -> &'static str {
        self.answers.borrow_mut().clear();
        match self.read_tx.replace(ReadTx::None) {
            ReadTx::None => "",
            ReadTx::Begun | ReadTx::Used => "COMMIT; ",
        }
    }

    fn traced(&self, sql: &str) {
        if let Some(file) = &self.trace {
            use std::io::Write;
            let _ = writeln!(file.borrow_mut(), "{}", sql.replace('\n', " "));
        }
    }

    /// Runs `sql` in one round trip (parse, bind, execute): its parameters carry their types.
    /// Inside a transaction, a query (`SELECT`) asked again with the same parameters is
    /// answered from its first answer, until the transaction changes something: a read's
    /// snapshot (REPEATABLE READ) shows nobody else's changes, and a write holds the write
    /// locks of its organizations (nobody else changes them meanwhile), so only its own writes
    /// could change the answer, and each write forgets every answer.
    fn query(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>> {
        let in_tx = self.read_tx.get() != ReadTx::None || self.writing.get();
        let reads = sql.trim_start().starts_with("SELECT");
        if !reads {
            self.answers.borrow_mut().clear();
        }
        let key = if in_tx && reads {
            let key = format!(
                "{sql}\u{0}{:?}",
                params.iter().map(|p| p.as_sql()).collect::<Vec<_>>()
            );
            if let Some(rows) = self.answers.borrow().get(&key) {
                return Ok(rows.clone());
            }
            Some(key)
        } else {
            None
        };
        let rows = self.send(sql, params)?;
        if let Some(key) = key {
            self.answers.borrow_mut().insert(key, rows.clone());
        }
        Ok(rows)
    }

    /// A query that changes rows (`SELECT proj.record(…)`): never answered from memory, and
    /// it forgets every answer remembered so far, as [`Conn::execute`] does.
    fn query_writing(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>> {
        self.answers.borrow_mut().clear();
        self.send(sql, params)
    }

    /// Calls a write function that answers a count or an id (`SELECT w_…(…)`): a write,
    /// never answered from memory.
    fn change(&self, sql: &str, params: &[&dyn Param]) -> Result<i64> {
        self.query_writing(sql, params)?
            .first()
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .ok_or_else(|| Error::internal("the database answered no row"))
    }

    /// Sends `sql` with its parameters and their types in one round trip; no memory.
    fn send(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>> {
        self.traced(sql);
        self.client
            .borrow_mut()
            .query_typed(sql, &typed(params))
            .map_err(|e| self.error(e))
    }

    fn query_opt(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&self, sql: &str, params: &[&dyn Param]) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| Error::internal("the database answered no row"))
    }

    /// Runs a statement that changes rows, in one round trip; returns how many it changed.
    fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64> {
        use postgres::fallible_iterator::FallibleIterator;
        self.answers.borrow_mut().clear();
        self.traced(sql);
        let mut client = self.client.borrow_mut();
        let mut rows = client
            .query_typed_raw(sql, typed(params))
            .map_err(|e| self.error(e))?;
        while rows.next().map_err(|e| self.error(e))?.is_some() {}
        Ok(rows.rows_affected().unwrap_or(0))
    }
}

impl Db<'_> {
    pub fn login(&self) -> Option<&str> {
        Some(&self.conn.login)
    }
}
