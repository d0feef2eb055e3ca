//! Test-only hooks of the server backend, read from variables no user sets; without them
//! nothing here runs (the file backend's are in `sqlite/test_hooks.rs`, the shared one in
//! `store/test_hooks.rs`).

/// `PROJ_TEST_LOSE_COMMIT_REPLY=1`: the write's COMMIT message also ends the session right
/// after the COMMIT (`pg_terminate_backend` of its own backend, which any login may do), so
/// the connection is lost after the server committed and before proj hears it did, exactly
/// and every time; `tests/cli/team_mode.rs` checks what proj then reports.
pub fn lose_commit_reply(sql: &str) -> String {
    if hook() == Some("1")
        && let Some(rest) = sql.strip_prefix("COMMIT")
    {
        return format!("COMMIT; SELECT pg_terminate_backend(pg_backend_pid()){rest}");
    }
    sql.to_string()
}

/// `PROJ_TEST_LOSE_COMMIT_REPLY=partition`: the COMMIT is never sent and the connection counts
/// as lost while its session lives on, idle in its transaction (the old client is leaked, its
/// socket open): what a network partition leaves, where the server still shows the
/// transaction in progress. `tests/cli/team_mode.rs` checks that proj ends that session and
/// learns the transaction aborted.
pub fn partition() -> bool {
    hook() == Some("partition")
}

fn hook() -> Option<&'static str> {
    static HOOK: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HOOK.get_or_init(|| std::env::var("PROJ_TEST_LOSE_COMMIT_REPLY").ok())
        .as_deref()
}
