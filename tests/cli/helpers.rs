//! Small helpers shared by the core tests: running with extra environment variables,
//! reading the JSON error object, listing slugs, and opening the file directly.
#![allow(dead_code)]

use crate::support::{Run, TestEnv};
use serde_json::Value;
use std::path::Path;

/// Runs `proj ARGS` in `cwd` with extra environment variables, whatever the exit code.
pub fn run_env(t: &TestEnv, cwd: &Path, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let env_as = envs.iter().find(|(k, _)| *k == "PROJ_AS").map(|(_, v)| *v);
    let mut cmd = t.command_for(args, env_as);
    cmd.current_dir(cwd);
    for (k, v) in envs
        .iter()
        .filter(|(k, _)| *k != "PROJ_AS" || t.pg.is_none())
    {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run proj");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Like `run_env`, asserting exit 0; returns stdout.
#[track_caller]
pub fn ok_env(t: &TestEnv, cwd: &Path, envs: &[(&str, &str)], args: &[&str]) -> String {
    let r = run_env(t, cwd, envs, args);
    assert_eq!(
        r.code, 0,
        "proj {args:?} with {envs:?} failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r.stdout
}

/// Runs with `--json`, asserts `code`, and returns the parsed error object from stderr.
#[track_caller]
pub fn json_error(t: &TestEnv, args: &[&str], code: i32) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let stderr = t.fails(&all, code);
    let v: Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("proj {args:?}: stderr is not one JSON object ({e}): {stderr}"));
    v["error"].clone()
}

/// The `slug` of every object of a JSON array.
pub fn slugs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|e| e["slug"].as_str().expect("slug").to_string())
        .collect()
}

/// The slugs of `env list` in the current context (with extra args).
#[track_caller]
pub fn env_slugs(t: &TestEnv, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["env", "list"];
    args.extend_from_slice(extra);
    slugs(&t.json(&args))
}

/// The audit events, newest first, as JSON objects.
#[track_caller]
pub fn events(t: &TestEnv) -> Vec<Value> {
    t.json(&["log", "--limit", "1000"])
        .as_array()
        .expect("array")
        .clone()
}

/// A read-write connection to the test's database, for the test's own checks.
pub fn open(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open db")
}

/// `PRAGMA integrity_check` of a file.
pub fn integrity(path: &Path) -> String {
    open(path)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// Asserts a failing command left the database exactly as it was.
#[track_caller]
pub fn fails_unchanged(t: &TestEnv, args: &[&str], code: i32) -> String {
    let before = t.dump();
    let stderr = t.fails(args, code);
    assert_eq!(before, t.dump(), "proj {args:?} changed the database");
    stderr
}
