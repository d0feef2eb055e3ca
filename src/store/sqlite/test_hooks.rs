//! Test-only hooks of the file backend, read from variables no user sets; without them
//! nothing here runs (the one both backends share is in `store/test_hooks.rs`).

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
