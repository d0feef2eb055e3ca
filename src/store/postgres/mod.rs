//! The PostgreSQL backend (team mode): the store API on a shared database, in schema `proj`.
//!
//! - One connection per command ([`Store::open`]), `search_path=proj`, statements prepared
//!   once per connection and reused ([`Conn::statement`]); every statement sent is counted
//!   (`PROJ_TRACE_SQL` writes them to a file, which is how the round-trip test counts).
//! - Writes ([`Store::write`]) take the database's write lock first — a session-level
//!   advisory lock, sent in the same message as `BEGIN` and released in the same message as
//!   `COMMIT`, so it costs no round trip — and run SERIALIZABLE. Writers of `proj` therefore
//!   take turns, as on a file (`BEGIN IMMEDIATE`), and never fail each other's
//!   serialization; a serialization failure or deadlock (SQLSTATE 40001, 40P01) from anyone
//!   else makes the whole command's transaction run again, with a jittered pause, until the
//!   busy timeout. A unique violation is a conflict (exit 4). Waiting for the lock longer
//!   than the busy timeout is exit 6.
//! - Reads run in one REPEATABLE READ READ ONLY transaction: one snapshot, no lock.
//! - The schema is identified on every open in one round trip (its COMMENT carries the
//!   application id and version, see `migrate.rs`) and migrated under
//!   `pg_advisory_xact_lock` by the first write.

pub mod config;
mod error;
mod health;
mod migrate;
mod queries;
mod tls;

use crate::error::{Error, Result};
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The key of the write lock: "PROJ" and "W" — any `proj` writer of this database.
const WRITE_LOCK: i64 = 0x5052_4F4A_0000_0057;

/// An open connection and what it has prepared.
pub struct Conn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    /// Set when the server answered 40001/40P01 inside the current transaction.
    retry: Cell<bool>,
    login: String,
    trace: Option<RefCell<std::fs::File>>,
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
        let busy_timeout = super::sqlite::busy_timeout_setting()?;
        let mut cfg = target.config.clone();
        // Statements wait for locks at most the busy timeout (exit 6 after it), and the
        // schema is found without qualifying every name.
        cfg.options(&format!(
            "-c search_path=proj -c lock_timeout={} -c idle_in_transaction_session_timeout=60000",
            busy_timeout.as_millis().max(1)
        ));
        let client = tls::connect(&cfg, &target)?;
        let trace = super::sqlite::trace_file()?;
        let mut store = Store {
            conn: Conn {
                client: RefCell::new(client),
                statements: RefCell::new(HashMap::new()),
                retry: Cell::new(false),
                login: String::new(),
                trace: trace.map(RefCell::new),
            },
            target,
            version: 0,
            busy_timeout,
        };
        let found = migrate::identify(&store.conn, &store.target.shown)?;
        store.conn.login = found.login.clone();
        store.version = found.version;
        if found.version < migrate::LATEST {
            // An empty database reads as empty; an older schema is brought up to date first,
            // by reads too (their statements expect this version).
            if !write && found.version == 0 {
                return Ok(None);
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
            // The lock is taken in a transaction of its own (the COMMIT), so the write
            // transaction's snapshot is taken after the lock is granted.
            self.conn.batch(&format!(
                "SELECT pg_advisory_lock({WRITE_LOCK}); COMMIT; BEGIN ISOLATION LEVEL SERIALIZABLE"
            ))?;
            let out = f(&db).and_then(|v| {
                super::sqlite::pause_in_transaction();
                self.conn
                    .batch(&format!("COMMIT; SELECT pg_advisory_unlock({WRITE_LOCK})"))?;
                Ok(v)
            });
            match out {
                Ok(v) => return Ok(v),
                Err(e) => {
                    // Whatever failed, leave no transaction or lock behind.
                    let _ = self.conn.batch("ROLLBACK; SELECT pg_advisory_unlock_all()");
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
        self.conn.batch("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
        let out = f(&Db { conn: &self.conn });
        self.conn.batch("ROLLBACK")?;
        out
    }

    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        self.conn
            .batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let out = f(&Db { conn: &self.conn });
        match out {
            Ok(v) => {
                self.conn.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl Conn {
    /// Statements without parameters and results, in one message (the simple protocol).
    fn batch(&self, sql: &str) -> Result<()> {
        self.traced(sql);
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(|e| self.error(e))
    }

    /// The prepared statement for `sql`, prepared on first use.
    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self
            .client
            .borrow_mut()
            .prepare(sql)
            .map_err(|e| self.error(e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    fn traced(&self, sql: &str) {
        if let Some(file) = &self.trace {
            use std::io::Write;
            let _ = writeln!(file.borrow_mut(), "{}", sql.replace('\n', " "));
        }
    }

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql)?;
        self.traced(sql);
        self.client
            .borrow_mut()
            .query(&stmt, params)
            .map_err(|e| self.error(e))
    }

    fn query_opt(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| Error::internal("the database answered no row"))
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        self.traced(sql);
        self.client
            .borrow_mut()
            .execute(&stmt, params)
            .map_err(|e| self.error(e))
    }
}

impl Db<'_> {
    pub fn login(&self) -> Option<&str> {
        Some(&self.conn.login)
    }
}
