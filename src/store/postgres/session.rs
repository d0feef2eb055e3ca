//! The session's timeouts: the DBA's where the DBA set them (`ALTER ROLE … SET`, `ALTER
//! DATABASE … SET`, `postgresql.conf`), proj's own only where the server left them at 0 (no
//! limit). proj needs two: `lock_timeout`, so a command waits for a lock at most the busy
//! timeout (`PROJ_BUSY_TIMEOUT_MS`, exit 6 after it), and
//! `idle_in_transaction_session_timeout`, so a proj stopped inside a transaction (a laptop
//! put to sleep) does not hold the write lock for ever. It sets neither as a start-up option:
//! those would silently override the DBA's. Instead the first statement of every connection
//! reads the three timeouts and sets the missing ones with `set_config`, in the same message
//! as the schema's identification: no extra round trip. `statement_timeout` is only read, to
//! name it when it cancels a statement. `proj doctor` reports what is in force and whose it is.

use super::Conn;
use crate::store::{Check, Status};

/// proj's `idle_in_transaction_session_timeout` where the server has none.
const IDLE_IN_TRANSACTION: &str = "60s";

/// One timeout as the session has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setting {
    /// As the server shows it (`5s`, `1min`, `0`).
    pub value: String,
    /// proj set it (the server had none); otherwise it is the server's.
    pub by_proj: bool,
}

/// The timeouts in force on the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub lock_timeout: Setting,
    pub idle_in_transaction: Setting,
    pub statement_timeout: String,
}

/// A statement that reads the timeouts and sets proj's where the server has none; its row
/// is read by [`parse`]. Session-level (`set_config(…, false)`): sent outside a transaction,
/// so no ROLLBACK takes it back.
pub fn sql(busy_timeout_ms: u128) -> String {
    format!(
        "SELECT s.lt, s.it, s.st,
                CASE WHEN s.lt = '0' THEN set_config('lock_timeout', '{busy}ms', false) END,
                CASE WHEN s.it = '0'
                     THEN set_config('idle_in_transaction_session_timeout', '{IDLE_IN_TRANSACTION}', false) END
         FROM (SELECT current_setting('lock_timeout') lt,
                      current_setting('idle_in_transaction_session_timeout') it,
                      current_setting('statement_timeout') st OFFSET 0) s",
        busy = busy_timeout_ms.max(1)
    )
}

/// The settings from the row of [`sql`]: columns 0–2 what the server had, 3–4 what proj set
/// (NULL where it set nothing).
pub fn parse(cell: impl Fn(usize) -> Option<String>) -> Settings {
    let setting = |had: usize, set: usize| match cell(set) {
        Some(value) => Setting {
            value,
            by_proj: true,
        },
        None => Setting {
            value: cell(had).unwrap_or_default(),
            by_proj: false,
        },
    };
    Settings {
        lock_timeout: setting(0, 3),
        idle_in_transaction: setting(1, 4),
        statement_timeout: cell(2).unwrap_or_default(),
    }
}

impl Settings {
    /// `proj doctor`'s line: each timeout and whose it is.
    pub fn check(&self) -> Check {
        let whose = |s: &Setting, why: &str| {
            if s.by_proj {
                format!("{} (proj's: the server sets none; {why})", s.value)
            } else {
                format!("{} (the server's)", s.value)
            }
        };
        let statement = match self.statement_timeout.as_str() {
            "0" => "none".to_string(),
            t => format!("{t} (the server's: a longer statement is cancelled, exit 6)"),
        };
        Check {
            id: "timeouts",
            status: Status::Ok,
            detail: format!(
                "lock_timeout {}; idle_in_transaction_session_timeout {}; statement_timeout {}",
                whose(&self.lock_timeout, "PROJ_BUSY_TIMEOUT_MS"),
                whose(
                    &self.idle_in_transaction,
                    "a stopped proj releases the write lock"
                ),
                statement
            ),
        }
    }
}

impl Conn {
    pub(super) fn settings(&self) -> Settings {
        self.settings.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: [Option<&str>; 5]) -> Settings {
        parse(|i| cells[i].map(str::to_string))
    }

    #[test]
    fn the_servers_settings_win_and_proj_fills_the_gaps() {
        let s = row([Some("2s"), Some("0"), Some("0"), None, Some("1min")]);
        assert_eq!(
            s.lock_timeout,
            Setting {
                value: "2s".into(),
                by_proj: false
            }
        );
        assert_eq!(
            s.idle_in_transaction,
            Setting {
                value: "1min".into(),
                by_proj: true
            }
        );
        let detail = s.check().detail;
        assert!(
            detail.contains("lock_timeout 2s (the server's)"),
            "{detail}"
        );
        assert!(detail.contains("1min (proj's"), "{detail}");
        assert!(detail.contains("statement_timeout none"), "{detail}");
    }
}
