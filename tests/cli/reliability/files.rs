//! Files proj did not write, damaged files and newer ones: refused per the contract
//! (exit 1, or 6 for a newer schema) and never modified, byte for byte. And the fixture of
//! schema v1 opens with this binary (the upgrade path every later migration must pass).

use super::{bytes, integrity};
use crate::support::TestEnv;
use std::path::Path;

/// Schema version 1, written by the first release (see RELIABILITY.md for how it was made).
const V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1.db");

fn place(t: &TestEnv, content: &[u8]) {
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::write(&t.db, content).unwrap();
}

fn no_side_files(db: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = format!("{}{suffix}", db.display());
        assert!(!Path::new(&side).exists(), "{side} was left behind");
    }
}

/// A read and a write both fail with `code` and the message; the file stays byte-identical.
#[track_caller]
fn refused(t: &TestEnv, code: i32, message: &str) {
    let before = bytes(&t.db);
    for args in [
        &["org", "list"][..],
        &["org", "add", "zz"],
        &["project", "add", "zz", "--org", "acme"],
    ] {
        let err = t.fails(args, code);
        assert!(err.starts_with("error: "), "proj {args:?}: {err}");
        assert!(
            err.contains(message),
            "proj {args:?}: expected `{message}` in {err}"
        );
        assert!(bytes(&t.db) == before, "proj {args:?} modified the file");
    }
}

#[test]
fn a_text_file_is_refused_and_untouched() {
    crate::file_only!("a text file where the database file should be");
    let t = TestEnv::new();
    place(&t, &b"name,email\nana,ana@acme.dev\n".repeat(200));
    refused(&t, 1, "is not a proj database");
    no_side_files(&t.db);
}

#[test]
fn another_applications_sqlite_file_is_refused_and_untouched() {
    crate::file_only!("another application's SQLite file");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
         INSERT INTO notes (body) VALUES ('keep me');
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(conn);
    refused(&t, 1, "is not a proj database");
    no_side_files(&t.db);
}

#[test]
fn a_newer_schema_exits_6_and_is_untouched() {
    crate::file_only!(
        "the file's user_version (a server's: team_mode::a_newer_or_foreign_schema_is_refused_untouched)"
    );
    let t = TestEnv::with_shop();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(conn);
    refused(&t, 6, "newer than this proj understands");
}

/// A valid proj file with some pages in it, damaged by `damage`.
fn damaged(damage: impl FnOnce(&mut Vec<u8>)) -> TestEnv {
    let t = TestEnv::new();
    let mut data = bytes(Path::new(V1));
    damage(&mut data);
    place(&t, &data);
    t
}

#[test]
fn truncated_files_are_refused_and_untouched() {
    crate::file_only!("truncated SQLite files");
    for keep in [45_056, 5000, 1000, 100] {
        let t = damaged(|d| d.truncate(keep));
        let before = bytes(&t.db);
        for args in [&["org", "list"][..], &["org", "add", "zz"]] {
            let err = t.fails(args, 1);
            assert!(err.starts_with("error: "), "{keep} bytes: {err}");
        }
        assert!(
            bytes(&t.db) == before,
            "a file truncated to {keep} bytes was modified"
        );
    }
}

#[test]
fn corrupted_files_are_refused_and_untouched() {
    crate::file_only!("damaged SQLite files");
    // Every page but the header page overwritten, and one page scrambled.
    let everything = damaged(|d| d[4096..].fill(0xA5));
    refused(&everything, 1, "corrupt");
    let one_page = damaged(|d| {
        for (i, b) in d[2 * 4096 + 8..3 * 4096].iter_mut().enumerate() {
            *b = (i * 7) as u8;
        }
    });
    refused(&one_page, 1, "corrupt");
}

#[test]
fn the_v1_fixture_opens_and_keeps_everything() {
    crate::file_only!("a fixture of file schema 1");
    let t = TestEnv::new();
    place(&t, &bytes(Path::new(V1)));
    let projects = t.json(&["project", "list", "--all"]);
    let summary: Vec<String> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let envs: Vec<&str> = p["environments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap())
                .collect();
            format!(
                "{}/{}: {}",
                p["org"].as_str().unwrap(),
                p["slug"].as_str().unwrap(),
                envs.join(" ")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "acme/api: production",
            "acme/shop: dev staging production",
            "globex/portal: preview"
        ]
    );
    let api = t.json(&["env", "list", "--archived", "-p", "acme/api"]);
    assert_eq!(api[0]["slug"], "qa");
    assert!(api[0]["archived_at"].is_string(), "{api}");
    let preview = t.json(&["env", "show", "globex/portal/preview"]);
    assert_eq!(preview["kind"], "staging");
    assert_eq!(preview["protected"], true);
    assert_eq!(t.json(&["log", "-n", "100"]).as_array().unwrap().len(), 11);
    // Still writable by its owner, and still a healthy, current file.
    t.ok(&["env", "add", "qa", "-p", "acme/shop"]);
    assert_eq!(integrity(&t.db), "ok");
    let version = super::count(&t.db, "SELECT user_version FROM pragma_user_version", []);
    assert_eq!(version, proj::store::migrate::LATEST as i64);
}
