//! Failures that tell the truth about files and output: a backup over a destination with a
//! stale `-wal`, a change whose output cannot be written, `--db` values that are not a file
//! path, and paths that are not files.

use crate::support::TestEnv;
use std::path::Path;
use std::process::{Command, Stdio};

/// `proj ARGS` with the test's environment, run by `sh` with `redirect` after it
/// (`>&-`: stdout closed).
fn through_sh(t: &TestEnv, redirect: &str, args: &[&str]) -> std::process::Output {
    let base = t.command_for(args, None);
    let mut sh = Command::new("sh");
    sh.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    sh.current_dir(t.path())
        .arg("-c")
        .arg(format!("exec \"$0\" \"$@\" {redirect}"))
        .arg(base.get_program())
        .args(base.get_args())
        .output()
        .expect("run sh")
}

/// `proj ARGS` with stdout on `/dev/full`, where every write fails with `ENOSPC`.
fn to_dev_full(t: &TestEnv, args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    t.command_for(args, None)
        .stdout(Stdio::from(full))
        .output()
        .expect("run proj")
}

const MADE: &str = "error: the change was made, but its output could not be written";

#[test]
fn a_change_whose_output_cannot_be_written_says_it_was_made() {
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full here");
        return;
    }
    let t = TestEnv::with_shop();
    let out = to_dev_full(&t, &["env", "add", "staging", "-p", "acme/shop"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with(MADE), "{stderr}");
    assert!(stderr.contains("do not run it again"), "{stderr}");
    // It was made: a retry is the conflict the message warned of.
    assert!(
        t.ok(&["env", "list", "-p", "acme/shop"])
            .contains("staging")
    );
    t.fails(&["env", "add", "staging", "-p", "acme/shop"], 4);
    // JSON says the same, in its own shape.
    let out = to_dev_full(&t, &["env", "add", "qa", "-p", "acme/shop", "--json"]);
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        err["error"]["message"],
        "the change was made, but its output could not be written"
    );
    // A read that cannot print changed nothing, and says only that.
    let out = to_dev_full(&t, &["env", "list", "-p", "acme/shop"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to stdout"),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_is_a_failed_write_not_a_silent_success() {
    let t = TestEnv::with_shop();
    let out = through_sh(&t, ">&-", &["env", "add", "staging", "-p", "acme/shop"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with(MADE), "{stderr}");
    assert!(stderr.contains("stdout is closed"), "{stderr}");
    assert!(
        t.ok(&["env", "list", "-p", "acme/shop"])
            .contains("staging")
    );
    // A read: exit 1, nothing claimed.
    let out = through_sh(&t, ">&-", &["env", "list", "-p", "acme/shop"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to stdout"),
        "{stderr}"
    );
    // `--quiet` prints nothing, so nothing fails.
    let out = through_sh(&t, ">&-", &["env", "add", "qa", "-p", "acme/shop", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    // Help and version too.
    let out = through_sh(&t, ">&-", &["--version"]);
    assert_eq!(out.status.code(), Some(1));
}

/// A closed stdout must not become the number of a file `proj` opens: the table it prints
/// would be written into that file.
#[test]
fn a_closed_stdout_never_lands_in_the_database() {
    crate::file_only!("the file's bytes");
    let t = TestEnv::new_empty();
    let out = through_sh(&t, ">&-", &["org", "add", "acme"]);
    assert_eq!(out.status.code(), Some(1));
    let out = through_sh(&t, ">&-", &["org", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(t.ok(&["doctor"]).contains("quick-check"));
    assert!(t.ok(&["org", "list", "-o", "plain"]).starts_with("acme\t"));
}

fn companion(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Fills `dest`'s `-wal` with a log that holds other data (as a writer killed after its
/// commit leaves it): the pages of organization `stale`.
fn leave_a_stale_wal(dest: &Path) {
    let conn = rusqlite::Connection::open(dest).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint = 0;
         INSERT INTO orgs (slug, created_at) VALUES ('stale', '2026-11-27T09:14:03Z');",
    )
    .unwrap();
    let wal = companion(dest, "-wal");
    let log = std::fs::read(&wal).unwrap();
    assert!(!log.is_empty());
    drop(conn);
    std::fs::write(&wal, log).unwrap();
    let _ = std::fs::remove_file(companion(dest, "-shm"));
}

#[test]
fn a_backup_over_a_file_with_a_stale_wal_holds_the_backup() {
    crate::file_only!("the destination's -wal beside a file");
    let t = TestEnv::new();
    t.ok(&["org", "add", "fresh"]);
    for replace in [true, false] {
        let dest = t.path().join(format!("copy-{replace}.db"));
        t.cmd()
            .env("PROJ_DB", &dest)
            .args(["org", "add", "old"])
            .assert()
            .success();
        leave_a_stale_wal(&dest);
        if !replace {
            // A database removed without its -wal: the log is the destination's too.
            std::fs::remove_file(&dest).unwrap();
        }
        let mut args = vec!["backup", dest.to_str().unwrap()];
        if replace {
            args.push("--yes");
        }
        t.ok(&args);
        let orgs = t
            .cmd()
            .env("PROJ_DB", &dest)
            .args(["org", "list", "-o", "plain"])
            .output()
            .unwrap();
        let orgs = String::from_utf8_lossy(&orgs.stdout);
        assert!(orgs.starts_with("fresh\t"), "the copy holds {orgs}");
        assert!(!orgs.contains("stale") && !orgs.contains("old"), "{orgs}");
    }
}

#[test]
fn db_values_that_are_not_a_file_path_exit_2_and_create_nothing() {
    let t = TestEnv::new_empty();
    let cases = [
        ("http://example.com/x.db", "`http://` URL"),
        ("https://user:secret@example.com/x.db", "`https://` URL"),
        ("sqlite://x.db", "`sqlite://` URL"),
        ("file:///tmp/x.db", "`file://` URL"),
        ("~/x.db", "starts with `~`"),
        ("~", "starts with `~`"),
        (":memory:", "`:memory:`"),
    ];
    for (db, says) in cases {
        for (args, flag) in [
            (vec!["--db", db, "org", "add", "acme"], "--db"),
            (vec!["org", "list"], "PROJ_DB"),
            (vec!["doctor"], "PROJ_DB"),
        ] {
            let mut cmd = t.cmd();
            if flag == "PROJ_DB" {
                cmd.env("PROJ_DB", db);
            }
            let out = cmd.args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{db} {args:?}: {stderr}");
            assert!(stderr.contains(says) && stderr.contains(flag), "{stderr}");
            assert!(stderr.contains("hint: "), "{stderr}");
            assert!(
                !stderr.contains("secret"),
                "a password was echoed: {stderr}"
            );
        }
    }
    let mut left: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["home"], "something was created");
    assert!(!t.store_exists());
    // A postgres URL is still a database, not refused as a URL (it may be unreachable).
    let out = t
        .cmd()
        .env("PROJ_DB", "postgres://nobody@127.0.0.1:1/none")
        .env("PGCONNECT_TIMEOUT", "1")
        .args(["org", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
}

#[test]
fn the_first_write_says_it_created_a_new_database() {
    crate::file_only!("a new file, and the directories made for it");
    let t = TestEnv::new_empty();
    let db = t.path().join("typo").join("dir").join("proj.db");
    let out = t
        .cmd()
        .env("PROJ_DB", &db)
        .args(["org", "add", "acme"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        format!("created a new database at {}\n", db.display())
    );
    // Only the first: the next write is to an existing database.
    let out = t
        .cmd()
        .env("PROJ_DB", &db)
        .args(["org", "add", "beta"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Nothing but the database beside it.
    let names: Vec<String> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["proj.db"]);
}

#[test]
fn a_pseudo_file_is_not_an_empty_database() {
    let pseudo = Path::new("/proc/version");
    if !pseudo.exists() {
        eprintln!("SKIPPED: no /proc/version here");
        return;
    }
    let t = TestEnv::new();
    for args in [vec!["org", "list"], vec!["org", "add", "acme"]] {
        let out = t.cmd().env("PROJ_DB", pseudo).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert!(stderr.contains("pseudo-file"), "{stderr}");
    }
    let out = t
        .cmd()
        .env("PROJ_DB", pseudo)
        .arg("doctor")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("fail  file"), "{report}");
    assert!(
        !report.contains("chmod"),
        "doctor advised a chmod: {report}"
    );
}
