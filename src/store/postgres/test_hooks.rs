//! Test-only hooks of the server backend, read from variables no user sets; without them
//! nothing here runs (the file backend's are in `sqlite/test_hooks.rs`).

/// `PROJ_TEST_LOSE_COMMIT_REPLY=1`: the write's COMMIT message also ends the session right
/// after the COMMIT (`pg_terminate_backend` of its own backend, which any login may do), so
/// the connection is lost after the server committed and before proj hears it did, exactly
/// and every time; `tests/cli/team_mode.rs` checks what proj then reports.
pub fn lose_commit_reply(sql: &str) -> String {
    if std::env::var_os("PROJ_TEST_LOSE_COMMIT_REPLY").is_some_and(|v| v == "1")
        && let Some(rest) = sql.strip_prefix("COMMIT;")
    {
        return format!("COMMIT; SELECT pg_terminate_backend(pg_backend_pid());{rest}");
    }
    sql.to_string()
}
