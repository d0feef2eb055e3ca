//! Waiting for another writer.
//!
//! SQLite's built-in busy timeout sleeps with a back-off that reaches 100 ms per try. With
//! eight processes writing at once a waiter woke up to find the lock taken by a newcomer
//! again and again, and single commands waited over 2.5 s of the 5 s timeout (measured by
//! `tests/cli/reliability/concurrency.rs`). Polling every 1–3 ms, jittered per process so
//! waiters do not wake in step, brought the slowest command to about 0.5 s.

use crate::error::Result;
use rusqlite::Connection;
use std::time::{Duration, Instant};

/// Retries a locked database for up to `timeout`, then lets the command fail as busy.
pub fn install(conn: &mut Connection, timeout: Duration) -> Result<()> {
    let mut started = Instant::now();
    let salt = u64::from(std::process::id());
    conn.busy_handler(Some(move |attempt: i32| {
        if attempt == 0 {
            started = Instant::now();
        }
        if started.elapsed() >= timeout {
            return false;
        }
        let jitter = salt
            .wrapping_mul(2_654_435_761)
            .wrapping_add(attempt as u64 * 7919)
            % 1000;
        std::thread::sleep(Duration::from_micros(1000 + 2 * jitter));
        true
    }))?;
    Ok(())
}

/// Runs `f` again while it fails as busy, up to `timeout`.
///
/// SQLite skips the busy handler where waiting could deadlock: two processes that both read
/// a new file and both try to switch it to WAL get `SQLITE_BUSY` at once. Eight first runs
/// at once on a new file failed that way (`eight_first_runs_at_once_all_succeed`). Retrying
/// from the start, after the other process finished, is safe.
pub fn retry<T>(
    timeout: Duration,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let started = Instant::now();
    let mut attempt: u64 = 0;
    loop {
        match f() {
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && started.elapsed() < timeout =>
            {
                attempt += 1;
                let jitter = (u64::from(std::process::id()) + attempt * 7919) % 1000;
                std::thread::sleep(Duration::from_micros(1000 + 2 * jitter));
            }
            other => return other,
        }
    }
}
