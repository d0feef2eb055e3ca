//! PostgreSQL's errors in the user's terms: the only place a `postgres::Error` becomes an
//! [`Error`](crate::error::Error).

use super::Conn;
use crate::error::{Error, Kind};
use postgres::error::SqlState;

impl Conn {
    /// Maps an error, and remembers a serialization failure or deadlock so the transaction
    /// is run again.
    pub(super) fn error(&self, e: postgres::Error) -> Error {
        let Some(code) = e.code() else {
            if e.is_closed() {
                return Error::new(
                    Kind::Unreachable,
                    "lost the connection to the database server",
                )
                .caused_by(describe(&e))
                .with_hint("try again; nothing was changed");
            }
            return Error::internal("database error").caused_by(describe(&e));
        };
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            self.retry.set(true);
            return Error::new(
                Kind::Busy,
                "the database stayed too busy with other writers to finish this change",
            )
            .caused_by(describe(&e))
            .with_hint("try again in a moment; nothing was changed");
        }
        if *code == SqlState::UNIQUE_VIOLATION {
            return Error::conflict("it already exists (another change made it first)")
                .caused_by(describe(&e));
        }
        if *code == SqlState::LOCK_NOT_AVAILABLE || *code == SqlState::QUERY_CANCELED {
            return Error::new(
                Kind::Busy,
                "the database is busy: another writer held its lock past the timeout",
            )
            .caused_by(describe(&e))
            .with_hint("try again in a moment");
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::denied("permission denied by the database")
                .caused_by(describe(&e))
                .with_hint(
                    "ask the database's administrator for the privileges README's Team mode lists",
                );
        }
        if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            return Error::internal("the database is read-only; nothing was changed")
                .caused_by(describe(&e));
        }
        Error::internal(format!("database error: {}", describe(&e)))
    }
}

/// The server's message (and detail), or the client's, on one line.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({})", db.message(), d),
            None => db.message().to_string(),
        },
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}
