//! The file: refused foreign and newer files stay byte-identical, a busy file exits 6,
//! modes 0700/0600, WAL, and the schema identity.

use crate::helpers::{integrity, json_error, open, run_env};
use crate::support::TestEnv;
use std::path::{Path, PathBuf};

/// The file's bytes and whether SQLite left companions next to it.
fn snapshot(path: &Path) -> (Vec<u8>, bool, bool) {
    let side = |ext: &str| PathBuf::from(format!("{}-{ext}", path.display())).exists();
    (std::fs::read(path).unwrap(), side("wal"), side("shm"))
}

/// Every command a user might try first on a file.
const TRIES: &[&[&str]] = &[
    &["org", "list"],
    &["org", "add", "acme"],
    &["env", "list"],
    &["context"],
    &["log"],
];

#[test]
fn a_text_file_is_refused_and_left_untouched() {
    crate::file_only!("a text file where the database file should be");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::write(&t.db, "name,role\nana,owner\n").unwrap();
    let before = snapshot(&t.db);
    for args in TRIES {
        let err = t.fails(args, 1);
        assert!(err.contains("is not a proj database"), "{args:?}: {err}");
        assert!(err.contains("left untouched"), "{args:?}: {err}");
        assert_eq!(snapshot(&t.db), before, "{args:?}");
    }
    let e = json_error(&t, &["org", "list"], 1);
    assert_eq!(e["code"], "internal");
}

#[test]
fn another_applications_sqlite_file_is_refused_and_left_untouched() {
    crate::file_only!("another application's SQLite file");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    {
        let conn = open(&t.db);
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
             INSERT INTO notes (body) VALUES ('keep me');",
        )
        .unwrap();
    }
    let before = snapshot(&t.db);
    assert_eq!((before.1, before.2), (false, false));
    for args in TRIES {
        let err = t.fails(args, 1);
        assert!(err.contains("is not a proj database"), "{args:?}: {err}");
        assert_eq!(snapshot(&t.db), before, "{args:?}");
    }
    // Also with its own application id, and with a user_version but no tables.
    let other = t.path().join("other.db");
    {
        let conn = open(&other);
        conn.execute_batch("PRAGMA application_id = 42; PRAGMA user_version = 1;")
            .unwrap();
    }
    let before = snapshot(&other);
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_DB", other.to_str().unwrap())],
        &["org", "add", "x"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(snapshot(&other), before);
}

#[test]
fn a_newer_schema_exits_6_and_is_left_untouched() {
    crate::file_only!(
        "the file's user_version (a server's: team_mode::a_newer_or_foreign_schema_is_refused_untouched)"
    );
    let t = TestEnv::with_shop();
    {
        let conn = open(&t.db);
        let v: i32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", v + 1))
            .unwrap();
    }
    let before = snapshot(&t.db);
    assert_eq!(
        (before.1, before.2),
        (false, false),
        "the test left companions"
    );
    for args in TRIES {
        let err = t.fails(args, 6);
        assert!(
            err.contains("newer than this proj understands"),
            "{args:?}: {err}"
        );
        assert!(err.contains("hint: upgrade proj"), "{args:?}: {err}");
        assert_eq!(snapshot(&t.db), before, "{args:?}");
    }
    let e = json_error(&t, &["org", "list"], 6);
    assert_eq!(e["code"], "schema_too_new");
}

#[test]
fn a_busy_file_exits_6_after_the_timeout() {
    crate::file_only!("holds SQLite's lock on the file");
    let t = TestEnv::with_shop();
    let conn = open(&t.db);
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before = t.dump();
    let busy = [("PROJ_BUSY_TIMEOUT_MS", "200")];
    for args in [
        &["env", "add", "staging"][..],
        &["org", "add", "beta"][..],
        &["env", "remove", "production", "--yes"][..],
    ] {
        let r = run_env(&t, t.path(), &busy, args);
        assert_eq!(r.code, 6, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("error: the database is busy"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("hint: try again"), "{}", r.stderr);
    }
    let r = run_env(&t, t.path(), &busy, &["env", "add", "staging", "--json"]);
    assert_eq!(r.code, 6);
    let v: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(v["error"]["code"], "busy");
    // Readers are not blocked by a writer (WAL).
    let r = run_env(&t, t.path(), &busy, &["env", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    conn.execute_batch("ROLLBACK").unwrap();
    assert_eq!(before, t.dump());
    // Once the lock is gone the same command works.
    let r = run_env(&t, t.path(), &busy, &["env", "add", "staging"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn the_default_location_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestEnv::new();
    let mut cmd = t.cmd();
    let out = cmd
        .env_remove("PROJ_DB")
        .args(["org", "add", "acme"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = t.path().join("home/.local/share/proj");
    let db = dir.join("proj.db");
    assert!(db.exists(), "no database at {}", db.display());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data directory");
    assert_eq!(mode(&db), 0o600, "database file");
    // `proj context` tells where it is and that it is the default.
    let out = t
        .cmd()
        .env_remove("PROJ_DB")
        .args(["context", "--json"])
        .output()
        .unwrap();
    let c: crate::json::Context = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c.db.value, db.display().to_string());
    assert_eq!((c.db.source.as_str(), c.db.detail), ("default", None));
    // And `--db` is a flag source.
    let elsewhere = t.path().join("x/y/z.db");
    let out = t
        .cmd()
        .args(["context", "--json", "--db", elsewhere.to_str().unwrap()])
        .output()
        .unwrap();
    let c: crate::json::Context = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (c.db.source.as_str(), c.db.detail.as_deref()),
        ("flag", Some("--db"))
    );
    // A command that only reads does not create the file; the first write does, privately.
    assert!(
        !elsewhere.exists(),
        "a read created {}",
        elsewhere.display()
    );
    let out = t
        .cmd()
        .args(["org", "add", "acme", "--db", elsewhere.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&t.path().join("x/y")), 0o700);
    assert_eq!(mode(&elsewhere), 0o600);
}

#[test]
fn the_file_is_a_wal_proj_database() {
    crate::file_only!("the file's WAL mode, application_id and user_version");
    let t = TestEnv::with_shop();
    let conn = open(&t.db);
    let (app_id, version, mode): (i32, i32, String) = conn
        .query_row(
            "SELECT application_id, user_version, journal_mode FROM pragma_application_id,
             pragma_user_version, pragma_journal_mode",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(app_id, 0x5052_4F4A, "application_id is \"PROJ\"");
    assert!(version >= 1);
    assert_eq!(mode, "wal");
    assert_eq!(integrity(&t.db), "ok");
}

#[test]
fn an_empty_existing_file_becomes_a_proj_database() {
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::write(&t.db, "").unwrap();
    t.ok(&["org", "add", "acme"]);
    assert_eq!(integrity(&t.db), "ok");
}

#[test]
fn a_directory_as_the_database_is_an_error() {
    crate::file_only!("a directory where the file should be");
    let t = TestEnv::new();
    std::fs::create_dir_all(&t.db).unwrap();
    let err = t.fails(&["org", "list"], 1);
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn lookups_by_name_use_an_index() {
    crate::file_only!("SQLite's query plans");
    let t = TestEnv::with_shop();
    let conn = open(&t.db);
    for sql in [
        "SELECT id FROM orgs WHERE slug = 'acme'",
        "SELECT id FROM projects WHERE org_id = 1 AND slug = 'shop'",
        "SELECT id FROM projects WHERE slug = 'shop'",
        "SELECT id FROM environments WHERE project_id = 1 AND slug = 'production'",
        "SELECT id FROM events WHERE project_id = 1 ORDER BY id DESC",
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("; ");
        assert!(plan.contains("USING"), "{sql}: {plan}");
        assert!(!plan.starts_with("SCAN"), "{sql}: {plan}");
    }
}

/// A file written by the first released schema, rebuilt from its SQL dump.
fn released_v1(t: &TestEnv) {
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    let conn = open(&t.db);
    conn.execute_batch(include_str!("../fixtures/schema-v1.sql"))
        .unwrap();
    conn.execute_batch("PRAGMA application_id = 1347571530; PRAGMA user_version = 1;")
        .unwrap();
}

#[test]
fn a_file_of_the_first_released_schema_opens_and_upgrades() {
    crate::file_only!("a fixture of file schema 1");
    let t = TestEnv::new();
    released_v1(&t);
    let orgs = crate::helpers::slugs(&t.json(&["org", "list", "--as", "ana@acme.dev"]));
    assert_eq!(orgs, ["acme", "beta"]);
    let envs: Vec<crate::json::Env> =
        t.json_as(&["env", "list", "--archived", "--as", "ana@acme.dev"]);
    let envs: Vec<_> = envs.iter().map(|e| (e.slug.as_str(), e.archived)).collect();
    assert_eq!(
        envs,
        [
            ("dev", false),
            ("staging", false),
            ("hotfix", true),
            ("production", false)
        ]
    );
    t.ok(&["env", "add", "qa", "--as", "ana@acme.dev"]);
    assert_eq!(crate::helpers::events(&t).len(), 7);
    let conn = open(&t.db);
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, proj::store::migrate::LATEST);
    assert_eq!(integrity(&t.db), "ok");
}

#[test]
fn a_file_locked_even_for_readers_is_busy_not_foreign() {
    crate::file_only!("an exclusive SQLite lock on the file");
    let t = TestEnv::with_shop();
    let before = snapshot(&t.db);
    let conn = open(&t.db);
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .unwrap();
    for args in [&["env", "list"][..], &["env", "add", "qa"][..]] {
        let r = run_env(&t, t.path(), &[("PROJ_BUSY_TIMEOUT_MS", "200")], args);
        assert_eq!(r.code, 6, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("busy"), "{}", r.stderr);
    }
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    assert_eq!(snapshot(&t.db).0, before.0);
    t.ok(&["env", "list"]);
}

#[test]
fn reads_and_failed_writes_do_not_create_the_file() {
    let t = TestEnv::new_empty();
    t.ok(&["org", "list"]);
    t.fails(&["env", "list"], 2);
    t.fails(&["project", "add", "shop"], 2);
    t.fails(&["env", "add", "Bad Name"], 2);
    assert!(
        !t.store_exists(),
        "a command that changed nothing created the database"
    );
    assert!(
        !t.db.parent().unwrap().exists(),
        "the data directory was created"
    );
    t.ok(&["org", "add", "acme"]);
    assert!(t.store_exists());
}
