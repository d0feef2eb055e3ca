//! Test-only hooks, read from variables no user sets; without them nothing here runs.

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

/// `PROJ_TEST_TRACE_UNBOUND=1` with `PROJ_TRACE_SQL`: log statements as prepared, with their
/// `?` parameters, so `tests/cli/query_plan.rs` explains exactly what the store runs.
pub fn trace_unbound() -> bool {
    std::env::var_os("PROJ_TEST_TRACE_UNBOUND").is_some()
}

/// `PROJ_TRACE_SQL` for the read-only opens too (shell completion), so the query-plan test
/// sees the completers' statements.
pub fn trace_read_only(conn: &mut rusqlite::Connection) -> crate::error::Result<()> {
    match std::env::var_os("PROJ_TRACE_SQL").filter(|v| !v.is_empty()) {
        Some(log) => super::trace_sql(conn, std::path::Path::new(&log)),
        None => Ok(()),
    }
}
