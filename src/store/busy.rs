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
