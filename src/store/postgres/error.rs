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
        if *code == SqlState::LOCK_NOT_AVAILABLE {
            let lock = self.settings().lock_timeout;
            let whose = if lock.by_proj {
                "the busy timeout, PROJ_BUSY_TIMEOUT_MS"
            } else {
                "the server's lock_timeout"
            };
            return Error::new(
                Kind::Busy,
                format!(
                    "the database is busy: another session held a lock this command needed \
                     past {whose} ({})",
                    lock.value
                ),
            )
            .caused_by(describe(&e))
            .with_hint("try again in a moment; nothing was changed");
        }
        if *code == SqlState::QUERY_CANCELED {
            return self.cancelled(&e);
        }
        if let Some(what) = transient(code) {
            return Error::new(Kind::Unreachable, format!("the database server {what}"))
                .caused_by(describe(&e))
                .with_hint("try again in a moment; nothing was changed");
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::denied("permission denied by the database")
                .caused_by(describe(&e))
                .with_hint(
                    "ask the database's administrator for the privileges README's Team mode lists",
                );
        }
        // The rules proj's schema holds at commit (migration 3), in their own words.
        if *code == SqlState::CHECK_VIOLATION
            && let Some(db) = e.as_db_error()
            && db
                .message()
                .starts_with("an organization starts with its owner")
        {
            let err = Error::denied(db.message().to_string());
            return match db.hint() {
                Some(h) => err.with_hint(h.to_string()),
                None => err,
            };
        }
        if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            return Error::internal("the database is read-only; nothing was changed")
                .caused_by(describe(&e));
        }
        Error::internal(format!("database error: {}", describe(&e)))
    }

    /// SQLSTATE 57014: the server cancelled a statement. Its message says why; the
    /// statement_timeout named is the one the session had (see `session.rs`).
    fn cancelled(&self, e: &postgres::Error) -> Error {
        let message = e.as_db_error().map(|d| d.message()).unwrap_or_default();
        let timeout = self.settings().statement_timeout;
        let (what, hint) = if message.contains("statement timeout") {
            (
                format!("the server's statement_timeout ({timeout}) cancelled the statement"),
                "nothing was changed; try again when the database is less busy, or ask its \
                 administrator about statement_timeout (set for this login or database)"
                    .to_string(),
            )
        } else {
            (
                "the database server cancelled the statement (pg_cancel_backend, or a \
                 server shutting down)"
                    .to_string(),
                "try again in a moment; nothing was changed".to_string(),
            )
        };
        Error::new(Kind::Busy, what)
            .caused_by(describe(e))
            .with_hint(hint)
    }
}

/// What a transient server state is, in words that follow "the database server …": states
/// that pass (a restart, a failover, a full connection table, an administrator's or a
/// timeout's end of the session), so exit 6 and "try again", never "check the URL". Both at
/// connecting and on an open connection.
pub fn transient(code: &SqlState) -> Option<&'static str> {
    Some(match code.code() {
        "57P01" => "ended the session: it is shutting down, or an administrator terminated it",
        "57P02" => "ended the session: it is restarting after a crash",
        "57P03" => {
            "is not accepting connections now: it is starting up, shutting down or in recovery"
        }
        "57P05" => "ended the session: it sat idle past the server's idle_session_timeout",
        "25P03" => {
            "ended the session: it sat idle in a transaction past the \
             idle_in_transaction_session_timeout"
        }
        "53300" => {
            "has no connection to spare: too many clients are connected (or this login is at its connection limit)"
        }
        "53000" | "53200" => "is short of resources (out of memory)",
        "08000" | "08003" | "08006" => "lost the connection",
        _ => return None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_server_states_are_transient_and_others_are_not() {
        for code in [
            "57P01", "57P02", "57P03", "57P05", "25P03", "53300", "53200", "08006",
        ] {
            assert!(
                transient(&SqlState::from_code(code)).is_some(),
                "{code} is a passing state"
            );
        }
        // A wrong password, a missing database, a refused privilege: the URL or the DBA.
        for code in ["28P01", "3D000", "42501", "57014", "55P03", "40001"] {
            assert!(transient(&SqlState::from_code(code)).is_none(), "{code}");
        }
    }
}
