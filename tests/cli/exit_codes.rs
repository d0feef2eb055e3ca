//! Every exit code of the contract, each from one representative command, in text and JSON.

use crate::helpers::{fails_unchanged, json_error, open, run_env};
use crate::support::TestEnv;

#[test]
fn zero_is_success() {
    let t = TestEnv::with_shop();
    for args in [&["org", "list"][..], &["env", "list"][..], &["context"][..]] {
        assert_eq!(t.run(args).code, 0, "{args:?}");
    }
}

#[test]
fn one_is_a_file_that_is_not_ours() {
    crate::file_only!("a file that is not a proj database");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::write(&t.db, "not a database\n").unwrap();
    assert_eq!(json_error(&t, &["org", "list"], 1)["code"], "internal");
}

#[test]
fn two_is_usage() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    for (args, what) in [
        (&["env", "add", "Bad Name"][..], "invalid name"),
        (&["env", "list"][..], "no project selected"),
        (&["env", "list", "--bogus"][..], "unknown flag"),
        (&["env", "add", "x", "--kind", "nope"][..], "bad value"),
        (&["env", "rename", "production"][..], "nothing to change"),
        (
            &["org", "show", "--org", "a", "-p", "b/x"][..],
            "disagreeing context",
        ),
    ] {
        let e = json_error(&t, args, 2);
        assert_eq!(e["code"], "usage", "{what}");
    }
}

#[test]
fn three_is_not_found() {
    let t = TestEnv::with_shop();
    for args in [
        &["org", "show", "nope"][..],
        &["project", "show", "nope"][..],
        &["env", "show", "nope"][..],
        &["env", "list", "--org", "nope"][..],
        &["unlink"][..],
    ] {
        assert_eq!(json_error(&t, args, 3)["code"], "not_found", "{args:?}");
    }
}

#[test]
fn four_is_a_conflict() {
    let t = TestEnv::with_shop();
    for args in [
        &["org", "add", "acme"][..],
        &["project", "add", "shop"][..],
        &["env", "add", "production"][..],
        &["env", "remove", "production"][..],
        &["project", "remove", "shop"][..],
        &["org", "remove", "acme"][..],
    ] {
        fails_unchanged(&t, args, 4);
        assert_eq!(json_error(&t, args, 4)["code"], "conflict", "{args:?}");
    }
}

#[test]
fn five_is_permission_denied() {
    let t = TestEnv::with_shop();
    // Members straight into the file; managing them is not what this test is about.
    t.sql(
        "INSERT INTO members (org_id, email, role, created_at)
           SELECT id, 'ana@acme.dev', 'owner', '2026-11-27T09:14:03Z' FROM orgs;
         INSERT INTO members (org_id, email, role, created_at)
           SELECT id, 'vic@acme.dev', 'viewer', '2026-11-27T09:14:03Z' FROM orgs;",
    );
    let e = json_error(
        &t,
        &["org", "rename", "acme", "acme2", "--as", "vic@acme.dev"],
        5,
    );
    assert_eq!(e["code"], "permission_denied");
    fails_unchanged(
        &t,
        &["org", "rename", "acme", "acme2", "--as", "vic@acme.dev"],
        5,
    );
    t.ok(&["org", "rename", "acme", "acme2", "--as", "ana@acme.dev"]);
}

#[test]
fn six_is_a_newer_schema_or_a_busy_file() {
    crate::file_only!("SQLite's lock and user_version (a server's: team_mode tests)");
    let t = TestEnv::with_shop();
    let conn = open(&t.db);
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_BUSY_TIMEOUT_MS", "100")],
        &["env", "add", "staging", "--json"],
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.stderr.contains("\"busy\""), "{}", r.stderr);
    conn.execute_batch("ROLLBACK; PRAGMA user_version = 999;")
        .unwrap();
    drop(conn);
    assert_eq!(
        json_error(&t, &["env", "list"], 6)["code"],
        "schema_too_new"
    );
}
