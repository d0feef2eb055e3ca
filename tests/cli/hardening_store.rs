//! Hardening of the file (issue 12, "Data loss and files that are not what they seem" and
//! "Diagnostics that fail when needed"), each through the real binary: backup never
//! replaces the database, its companions or anything but a regular file; commands that only
//! read never write; invalid `PROJ_*` variables are usage errors; doctor lists its checks
//! for files it cannot open.

use crate::helpers::{open, run_env, slugs};
use crate::support::{Run, TestEnv};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn companion(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

fn env_slugs(t: &TestEnv) -> Vec<String> {
    slugs(&t.json(&["env", "list", "-p", "acme/shop"]))
}

/// Every file in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[track_caller]
fn refused_as_database_file(t: &TestEnv, dest: &Path, what: &str) {
    for yes in [false, true] {
        let mut args = vec!["backup", dest.to_str().unwrap()];
        if yes {
            args.push("--yes");
        }
        let r = t.run(&args);
        assert_eq!(r.code, 2, "proj {args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(what) && r.stderr.contains("must not replace"),
            "proj {args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn backup_refuses_the_database_and_its_companions_however_spelled() {
    crate::file_only!("a backup onto the database file or its -wal/-shm");
    let t = TestEnv::with_shop();
    let data = t.db.parent().unwrap().to_path_buf();
    // Another connection stays open, so the newest commit lives only in the `-wal` file.
    let holder = open(&t.db);
    holder
        .execute_batch("PRAGMA wal_autocheckpoint = 0; SELECT count(*) FROM orgs;")
        .unwrap();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    let wal = companion(&t.db, "-wal");
    assert!(wal.exists() && companion(&t.db, "-shm").exists());
    let wal_before = std::fs::read(&wal).unwrap();

    std::fs::create_dir(t.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(&wal, t.path().join("wal-link")).unwrap();
    std::os::unix::fs::symlink(&t.db, t.path().join("db-link")).unwrap();
    std::fs::hard_link(&t.db, t.path().join("db-hard")).unwrap();
    std::fs::hard_link(&wal, t.path().join("wal-hard")).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (PathBuf::from("data/proj.db"), "the database itself"),
        (t.db.clone(), "the database itself"),
        (PathBuf::from("sub/../data/proj.db"), "the database itself"),
        (t.path().join("db-link"), "the database itself"),
        (t.path().join("db-hard"), "the database itself"),
        (PathBuf::from("data/proj.db-wal"), "write-ahead log"),
        (
            PathBuf::from("./data/../data/proj.db-wal"),
            "write-ahead log",
        ),
        (wal.clone(), "write-ahead log"),
        (t.path().join("wal-link"), "write-ahead log"),
        (t.path().join("wal-hard"), "write-ahead log"),
        (PathBuf::from("data/proj.db-shm"), "shared-memory"),
        // Not there now, but SQLite would take it for a hot journal.
        (PathBuf::from("data/proj.db-journal"), "rollback journal"),
        (
            PathBuf::from("sub/../data/proj.db-journal"),
            "rollback journal",
        ),
    ];
    for (dest, what) in &cases {
        refused_as_database_file(&t, dest, what);
    }
    // From inside the data directory, with the database given relatively.
    let r = run_env(
        &t,
        &data,
        &[("PROJ_DB", "proj.db")],
        &["backup", "proj.db-wal", "--yes"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);

    assert_eq!(
        std::fs::read(&wal).unwrap(),
        wal_before,
        "the WAL was touched"
    );
    assert!(!companion(&t.db, "-journal").exists());
    drop(holder);
    assert_eq!(env_slugs(&t), ["staging", "production"]);
    assert_eq!(crate::helpers::integrity(&t.db), "ok");
}

#[test]
fn backup_replaces_only_a_regular_file() {
    let t = TestEnv::with_shop();
    let dir = t.path();
    // A FIFO and a socket: refused with and without --yes, and left what they were.
    let fifo = dir.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let socket = dir.join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // A device, reached through a symbolic link (so the old code could only ever replace
    // the link, never /dev/null itself).
    let device = dir.join("device");
    std::os::unix::fs::symlink("/dev/null", &device).unwrap();
    for (path, what) in [
        (&fifo, "a FIFO"),
        (&socket, "a socket"),
        (&device, "a character device"),
    ] {
        for yes in [false, true] {
            let mut args = vec!["backup", path.to_str().unwrap()];
            if yes {
                args.push("--yes");
            }
            let r = t.run(&args);
            assert_eq!(r.code, 2, "proj {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains(what) && r.stderr.contains("only a regular file"),
                "proj {args:?}: {}",
                r.stderr
            );
        }
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket());
    assert!(std::fs::symlink_metadata(&device).unwrap().is_symlink());
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A directory: a clear usage error, with or without --yes.
    let folder = dir.join("backups");
    std::fs::create_dir(&folder).unwrap();
    for args in [
        &["backup", "backups"][..],
        &["backup", "backups", "--yes"][..],
    ] {
        let r = t.run(args);
        assert_eq!(r.code, 2, "proj {args:?}: {}", r.stderr);
        assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    }
    assert!(listing(&folder).is_empty());
    // No partial copies were left anywhere.
    assert!(
        !listing(dir).iter().any(|n| n.contains(".partial-")),
        "{:?}",
        listing(dir)
    );

    // A regular file: conflict without --yes, replaced with it; through a symbolic link,
    // the file it points to is replaced and the link stays.
    std::fs::write(dir.join("old.db"), "old").unwrap();
    t.fails(&["backup", "old.db"], 4);
    std::os::unix::fs::symlink(dir.join("old.db"), dir.join("latest")).unwrap();
    t.ok(&["backup", "latest", "--yes"]);
    assert!(
        std::fs::symlink_metadata(dir.join("latest"))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(crate::helpers::integrity(&dir.join("old.db")), "ok");
}

#[test]
fn backup_and_doctor_on_a_missing_file_create_nothing() {
    let t = TestEnv::new_empty();
    let r = t.run(&["backup", "copy.db"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("nothing to back up"), "{}", r.stderr);
    assert!(!t.path().join("copy.db").exists());
    let r = t.run(&["doctor", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["checks"][0]["id"], "file");
    assert_eq!(v["checks"][0]["status"], "warn");
    assert!(!t.db.exists(), "doctor created the file");
    assert!(
        !t.db.parent().unwrap().exists(),
        "doctor created the directory"
    );
}

#[test]
fn an_empty_file_reads_as_an_empty_database_without_being_written() {
    crate::file_only!("an empty file is a file's state (a server's doctor judges its privileges)");
    let t = TestEnv::new();
    let data = t.db.parent().unwrap();
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(&t.db, "").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o600)).unwrap();
    for args in [
        &["org", "list"][..],
        &["tree"][..],
        &["log"][..],
        &["context"][..],
        &["doctor"][..],
    ] {
        let r = t.run(args);
        assert_eq!(r.code, 0, "proj {args:?}: {}", r.stderr);
        assert_eq!(
            std::fs::metadata(&t.db).unwrap().len(),
            0,
            "proj {args:?} wrote"
        );
        assert_eq!(listing(data), ["proj.db"], "proj {args:?}");
    }
    // A write that fails leaves it empty too; the first write that succeeds makes it a database.
    t.fails(&["project", "add", "shop"], 2);
    assert_eq!(std::fs::metadata(&t.db).unwrap().len(), 0);
    t.ok(&["org", "add", "acme"]);
    assert_eq!(slugs(&t.json(&["org", "list"])), ["acme"]);
}

#[test]
fn a_database_path_that_is_not_a_file_is_refused_unopened() {
    let t = TestEnv::new();
    let journal = Path::new("/dev/null-journal");
    let existed = journal.exists();
    for args in [&["org", "list"][..], &["org", "add", "acme"][..]] {
        let r = run_env(&t, t.path(), &[("PROJ_DB", "/dev/null")], args);
        let left = journal.exists() && !existed;
        if left {
            let _ = std::fs::remove_file(journal);
        }
        assert!(!left, "proj {args:?} created /dev/null-journal");
        assert_eq!(r.code, 1, "proj {args:?}: {}", r.stderr);
        assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
        assert!(!r.stderr.contains("free space"), "{}", r.stderr);
    }
    // A FIFO is never opened (opening one blocks until a writer comes).
    let fifo = t.path().join("fifo.db");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = t
        .std_cmd()
        .env("PROJ_DB", &fifo)
        .args(["org", "list"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("proj blocked opening a FIFO as its database");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        listing(t.path())
            .iter()
            .filter(|n| n.starts_with("fifo"))
            .count(),
        1
    );
}

/// Runs `proj` as a user who cannot write the database's directory. As root (here and in
/// CI) chmod does not stop root, so the binary runs as `nobody` (uid/gid 65534); as anyone
/// else the directory and file are made read-only for their owner.
fn run_unprivileged(t: &TestEnv, bin: &Path, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let template = t.std_cmd();
    let mut cmd = Command::new(bin);
    cmd.env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.current_dir(template.get_current_dir().unwrap());
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    let out = crate::support::output_retrying(cmd.args(args)).expect("run proj");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_database_in_a_directory_the_user_cannot_write_still_answers_reads() {
    crate::file_only!("the file's directory permissions");
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let t = TestEnv::with_shop();
    let data = t.db.parent().unwrap().to_path_buf();
    // The binary where any user can run it, and the test's directories open to read.
    let proj = crate::support::binary_for_anyone(&t);
    set(&t.path().join("home"), 0o755);
    let root = unsafe { libc::geteuid() } == 0;
    let (dir_mode, file_mode) = if root { (0o755, 0o644) } else { (0o555, 0o444) };
    set(&t.db, file_mode);
    set(&data, dir_mode);

    // No `-wal` file: every commit is in the file itself.
    assert_eq!(listing(&data), ["proj.db"]);
    let before = std::fs::read(&t.db).unwrap();
    let r = run_unprivileged(
        &t,
        &proj,
        &["env", "list", "-p", "acme/shop", "-o", "plain"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("production\t"), "{}", r.stdout);
    let r = run_unprivileged(&t, &proj, &["doctor", "--json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    assert_eq!(v["checks"][0]["id"], "quick-check");
    assert_eq!(v["checks"][0]["status"], "ok");
    assert_eq!(v["checks"][2]["status"], "ok", "{}", v["checks"][2]);
    assert_eq!(listing(&data), ["proj.db"]);
    assert_eq!(std::fs::read(&t.db).unwrap(), before);
    // A write says why it cannot, and changes nothing.
    let r = run_unprivileged(&t, &proj, &["env", "add", "qa", "-p", "acme/shop"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(std::fs::read(&t.db).unwrap(), before);

    // With another connection open, the newest commit is only in the `-wal` file: a read
    // must see it (the read-only connection reads the WAL through the existing `-shm`).
    if !root {
        set(&data, 0o755);
        set(&t.db, 0o644);
    }
    let holder = open(&t.db);
    holder
        .execute_batch("PRAGMA wal_autocheckpoint = 0; SELECT count(*) FROM orgs;")
        .unwrap();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    if !root {
        set(&data, 0o555);
    }
    assert!(companion(&t.db, "-wal").exists());
    let r = run_unprivileged(
        &t,
        &proj,
        &["env", "list", "-p", "acme/shop", "-o", "plain"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let envs: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(envs, ["staging", "production"]);
    drop(holder);
    set(&data, 0o700);
    set(&t.db, 0o600);
}

#[test]
fn invalid_variables_exit_2_naming_them_and_empty_ones_count_as_unset() {
    let t = TestEnv::with_shop();
    let before = t.dump();
    for (var, value) in [
        ("PROJ_NOW", "garbage"),
        ("PROJ_NOW", "2026-13-01T00:00:00Z"),
        ("PROJ_NOW", "yesterday"),
        ("PROJ_BUSY_TIMEOUT_MS", "abc"),
        ("PROJ_BUSY_TIMEOUT_MS", "-5"),
        ("PROJ_BUSY_TIMEOUT_MS", "1.5"),
    ] {
        for args in [
            &["env", "add", "staging", "-p", "acme/shop"][..],
            &["org", "list"][..],
            &["doctor"][..],
            &["backup", "copy.db"][..],
        ] {
            let r = run_env(&t, t.path(), &[(var, value)], args);
            assert_eq!(r.code, 2, "{var}={value} proj {args:?}: {}", r.stderr);
            assert!(
                r.stderr.starts_with(&format!("error: {var} ")),
                "{var}={value}: {}",
                r.stderr
            );
        }
    }
    assert_eq!(t.dump(), before);
    assert!(!t.path().join("copy.db").exists());

    // An offset is accepted and stored as UTC, like every timestamp.
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_NOW", "2026-11-27T10:14:03+01:00")],
        &["org", "add", "beta", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["created_at"], "2026-11-27T09:14:03Z");

    // Empty means unset: the real clock, the default timeout, no trace file.
    for var in ["PROJ_NOW", "PROJ_TRACE_SQL", "PROJ_BUSY_TIMEOUT_MS"] {
        let slug = format!("x{}", var.len());
        let r = run_env(&t, t.path(), &[(var, "")], &["org", "add", &slug, "--json"]);
        assert_eq!(r.code, 0, "{var}=\"\": {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let at = v["created_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "{var}=\"\" stored {at:?}"
        );
    }
}

#[test]
fn the_busy_error_does_not_blame_proj_for_a_lock_anyone_may_hold() {
    crate::file_only!("SQLite's lock on the file");
    let t = TestEnv::with_shop();
    let conn = open(&t.db);
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_BUSY_TIMEOUT_MS", "100")],
        &["org", "add", "beta"],
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(!r.stderr.contains("another `proj`"), "{}", r.stderr);
    assert!(r.stderr.contains("another process"), "{}", r.stderr);
    conn.execute_batch("ROLLBACK").unwrap();
}

/// Schema version 1, written by the first release.
const V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1.db");

fn placed(content: &[u8]) -> TestEnv {
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::write(&t.db, content).unwrap();
    t
}

/// `doctor --json` on a file it cannot open: the check list on stdout with `failed` among the
/// failed checks, exit `code`, and the file untouched.
#[track_caller]
fn doctor_fails(t: &TestEnv, code: i32, failed: &[&str]) -> Vec<Value> {
    let before = std::fs::read(&t.db).unwrap();
    let r = t.run(&["doctor", "--json"]);
    assert_eq!(r.code, code, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("no check list ({e}): {}{}", r.stdout, r.stderr));
    assert_eq!(v["healthy"], false);
    let checks = v["checks"].as_array().unwrap().clone();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "quick-check",
            "foreign-keys",
            "schema",
            "journal-mode",
            "file-mode",
            "directory-mode"
        ]
    );
    for id in failed {
        let c = checks.iter().find(|c| c["id"] == *id).unwrap();
        assert_eq!(c["status"], "fail", "{c}");
    }
    assert!(r.stderr.contains("failed"), "{}", r.stderr);
    // The human form lists them too.
    let human = t.run(&["doctor"]);
    assert_eq!(human.code, code);
    assert!(human.stdout.contains("fail  schema") || failed.iter().all(|f| *f != "schema"));
    assert_eq!(
        std::fs::read(&t.db).unwrap(),
        before,
        "doctor modified the file"
    );
    checks
}

#[test]
fn doctor_lists_its_checks_for_files_it_cannot_open() {
    crate::file_only!("files doctor cannot open");
    // Truncated.
    let data = std::fs::read(V1).unwrap();
    let t = placed(&data[..5000]);
    doctor_fails(&t, 1, &["quick-check"]);
    // Damaged pages.
    let mut bad = data.clone();
    bad[4096..].fill(0xA5);
    let t = placed(&bad);
    doctor_fails(&t, 1, &["quick-check"]);
    // Another application's SQLite file.
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    open(&t.db)
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep');")
        .unwrap();
    let checks = doctor_fails(&t, 1, &["schema"]);
    assert!(
        checks[2]["detail"]
            .as_str()
            .unwrap()
            .contains("not a proj database"),
        "{}",
        checks[2]
    );
    // A newer schema: exit 6, as for every other command.
    let t = TestEnv::with_shop();
    open(&t.db)
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let checks = doctor_fails(&t, 6, &["schema"]);
    assert!(
        checks[2]["detail"].as_str().unwrap().contains("newer"),
        "{}",
        checks[2]
    );
    assert_eq!(checks[0]["status"], "ok");
    // Not a file at all.
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_DB", "/dev/null")],
        &["doctor", "--json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["checks"][0]["id"], "file");
    assert_eq!(v["checks"][0]["status"], "fail");
}

#[test]
fn doctor_plain_keeps_one_record_a_line() {
    crate::file_only!("doctor's file checks");
    // A current file with one index page scrambled: it opens (the index is not read on the
    // way), and `quick_check` answers with one multi-line row.
    let t = TestEnv::with_shop();
    let (root, size): (i64, i64) = open(&t.db)
        .query_row(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_schema
             WHERE name = 'projects_by_slug'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut data = std::fs::read(&t.db).unwrap();
    let page = ((root - 1) * size) as usize;
    for (i, b) in data[page + 8..page + size as usize].iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    std::fs::write(&t.db, &data).unwrap();
    let r = t.run(&["doctor", "-o", "plain"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("check\tquick-check\tfail\t"),
        "{}",
        r.stdout
    );
    for line in r.stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            (fields[0] == "check" && fields.len() == 4)
                || (fields[0] == "advice" && fields.len() == 5),
            "not one record: {line:?}\n{}",
            r.stdout
        );
    }
}
