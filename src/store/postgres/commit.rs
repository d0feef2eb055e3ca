//! What became of a write whose connection was lost while its COMMIT was under way.
//!
//! The server may have committed it and then lost the connection before its answer arrived:
//! "nothing was changed" would then be false, and the retry it invites exits 4. So the BEGIN
//! of every write also asks for the transaction's id (`pg_current_xact_id()`, in the same
//! message: no extra round trip), and when the COMMIT's message fails without a plain SQL
//! error, proj connects again and asks `pg_xact_status` of that id:
//! - `committed`: the change is there; the command succeeds as if nothing had happened (the
//!   new connection serves the rest of it).
//! - `aborted` (or never committed, which the server reports as aborted): exit 6, "nothing was
//!   changed".
//! - `in progress`: the old session still runs (the server has not noticed the loss). It is
//!   ended (`pg_terminate_backend`, which a login may do to its own sessions; matched by pid
//!   *and* the transaction id, so no other session is touched) and the question asked again.
//! - no new connection within `PROJ_CONNECT_TIMEOUT`, or no answer: exit 6, "it may or may
//!   not have been made", pointing at `proj log`. Never "nothing was changed" unless known.

use super::{Conn, Store, connect, error::describe, session};
use crate::error::{Error, Kind, Result};
use postgres::SimpleQueryMessage;
use postgres::error::Severity;
use std::time::{Duration, Instant};

/// The write transaction under way: its id and the server process running it.
pub(super) struct Xact {
    /// `pg_current_xact_id()` as text (digits only).
    id: String,
    pid: i32,
}

/// What the server says became of a transaction.
enum Outcome {
    Committed,
    Aborted,
    /// Why it is not known.
    Unknown(String),
}

impl Conn {
    /// Sends `sql` (which ends in a BEGIN) and learns the new transaction's id in the same
    /// message.
    pub(super) fn begin_write(&self, sql: &str) -> Result<Xact> {
        let sql = format!("{sql}; SELECT pg_current_xact_id()::text, pg_backend_pid()::text");
        self.answers.borrow_mut().clear();
        self.traced(&sql);
        let messages = self
            .client
            .borrow_mut()
            .simple_query(&sql)
            .map_err(|e| self.error(e))?;
        let (id, pid) = rows(&messages)
            .last()
            .map(|r| (r.get(0).unwrap_or_default(), r.get(1).unwrap_or_default()))
            .unwrap_or_default();
        match (id.parse::<u64>(), pid.parse::<i32>()) {
            (Ok(_), Ok(pid)) => Ok(Xact {
                id: id.to_string(),
                pid,
            }),
            _ => Err(Error::internal(
                "the database answered no transaction id for the write",
            )),
        }
    }
}

fn rows(messages: &[SimpleQueryMessage]) -> impl Iterator<Item = &postgres::SimpleQueryRow> {
    messages.iter().filter_map(|m| match m {
        SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    })
}

/// Whether a failed COMMIT message leaves its outcome unknown: anything but a plain SQL error
/// (severity ERROR, after which the session goes on and the transaction is rolled back) —
/// a lost connection, an I/O error, or the server ending the session (FATAL, PANIC), which
/// it may do after the commit is durable.
fn outcome_unknown(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => db
            .parsed_severity()
            .map_or(db.severity() != "ERROR", |s| s != Severity::Error),
        None => true,
    }
}

impl Store {
    /// Sends the COMMIT message `sql` of `xact`; when its outcome is unknown, finds it out.
    pub(super) fn commit(&self, xact: &Xact, sql: &str) -> Result<()> {
        self.conn.answers.borrow_mut().clear();
        let lost = if super::test_hooks::partition() {
            "the connection went silent (test hook PROJ_TEST_LOSE_COMMIT_REPLY=partition)".into()
        } else {
            let sql = super::test_hooks::lose_commit_reply(sql);
            self.conn.traced(&sql);
            let sent = self.conn.client.borrow_mut().batch_execute(&sql);
            let Err(e) = sent else {
                return Ok(());
            };
            if !outcome_unknown(&e) {
                return Err(self.conn.error(e));
            }
            describe(&e)
        };
        match self.ask(xact) {
            Outcome::Committed => Ok(()),
            Outcome::Aborted => Err(Error::new(
                Kind::Unreachable,
                "lost the connection to the database server before the change committed",
            )
            .caused_by(lost)
            .with_hint("try again; nothing was changed")),
            Outcome::Unknown(why) => Err(Error::new(
                Kind::Unreachable,
                "lost the connection to the database server while the change was committing: \
                 it may or may not have been made",
            )
            .caused_by(lost)
            .caused_by(why)
            .with_hint(
                "check with `proj log` (or `show`) whether it was made before trying again",
            )),
        }
    }

    /// Connects again (the new connection replaces the lost one) and asks what became of
    /// `xact`, for at most the connect timeout.
    fn ask(&self, xact: &Xact) -> Outcome {
        let timeout = self
            .target
            .config
            .get_connect_timeout()
            .copied()
            .unwrap_or(super::config::DEFAULT_CONNECT_TIMEOUT);
        let deadline = Instant::now() + timeout;
        let client = loop {
            match connect(&self.target) {
                Ok(client) => break client,
                Err(e) if Instant::now() >= deadline => {
                    return Outcome::Unknown(format!(
                        "could not connect again to ask: {}",
                        std::iter::once(e.message)
                            .chain(e.causes)
                            .collect::<Vec<_>>()
                            .join(": ")
                    ));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let old = std::mem::replace(&mut *self.conn.client.borrow_mut(), client);
        if super::test_hooks::partition() {
            // Its socket stays open, so its session runs on as behind a partition.
            std::mem::forget(old);
        }
        // The new session needs proj's timeouts too: sent with the first question.
        let mut settings = Some(session::sql(self.busy_timeout.as_millis()));
        // The id is digits (checked in `begin_write`), so it is safe as a literal; the old
        // session is ended only while it still runs this very transaction.
        let Xact { id, pid } = xact;
        let status = format!(
            "SELECT pg_xact_status('{id}'::xid8)::text,
                    (SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a
                      WHERE a.pid = {pid}
                        AND a.backend_xid::text = ('{id}'::numeric % 4294967296)::text)"
        );
        loop {
            let sql = match settings.take() {
                Some(s) => format!("{s}; {status}"),
                None => status.clone(),
            };
            self.conn.traced(&sql);
            let answer = self.conn.client.borrow_mut().simple_query(&sql);
            let messages = match answer {
                Ok(m) => m,
                Err(e) => {
                    return Outcome::Unknown(format!("could not ask the server: {}", describe(&e)));
                }
            };
            let mut found = rows(&messages);
            if sql.len() > status.len()
                && let Some(r) = found.next()
            {
                *self.conn.settings.borrow_mut() = session::parse(|i| r.get(i).map(str::to_string));
            }
            match found.next().and_then(|r| r.get(0)) {
                Some("committed") => return Outcome::Committed,
                Some("aborted") => return Outcome::Aborted,
                Some("in progress") if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Some(other) => {
                    return Outcome::Unknown(format!("the server says the change is {other}"));
                }
                None => {
                    return Outcome::Unknown(
                        "the server no longer knows the transaction".to_string(),
                    );
                }
            }
        }
    }
}
