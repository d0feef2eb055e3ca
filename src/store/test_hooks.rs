//! The test-only hook both backends share, read from a variable no user sets; without it
//! nothing here runs (each backend's own are in its `test_hooks.rs`).

/// `PROJ_TEST_PAUSE_IN_TX=MS`: sleep inside every write transaction, after its statements and
/// before its commit, marking both ends on stderr, so `tests/cli/reliability/crash.rs` can
/// aim SIGKILL at a running write and tell afterwards whether it landed there.
pub fn pause_in_transaction() {
    if let Some(ms) = std::env::var("PROJ_TEST_PAUSE_IN_TX")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        // Markers for the test, not output for a user: straight to stderr, unbuffered.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "proj-test: paused in transaction");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = writeln!(std::io::stderr(), "proj-test: resuming to commit");
    }
}
