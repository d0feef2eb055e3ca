//! A full disk and a read-only one: a write exits 1 with a clear error, the file is
//! unchanged and still opens.
//!
//! Each condition is made one way per test, and the test is named after that way:
//!
//! - a 1 MiB tmpfs mounted over the database directory, filled up, or remounted read-only
//!   (needs `mount`, i.e. root with `CAP_SYS_ADMIN`);
//! - a file-size limit (`RLIMIT_FSIZE` through `ulimit -f`), which makes writes fail with
//!   `EFBIG` as a full disk makes them fail with `ENOSPC` (no privilege needed);
//! - a read-only bind mount inside a user and mount namespace (`unshare -Urm`; needs
//!   unprivileged user namespaces, not root);
//! - a file and directory the user may not write (root drops to `nobody` with `setpriv`, as
//!   root ignores permissions; others just lose the write bit).
//!
//! A test whose way is not available here says `SKIPPED` and why, and passes — except when
//! `CI` is set (`.ci/run` sets it), where it fails: CI must prove every claim.

use super::{bytes, hermetic, integrity, many_envs, spawnable};
use crate::support::TestEnv;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted over a directory for the life of the value.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Tmpfs(dir.to_path_buf()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    fn remount(&self, mode: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A test that cannot make its condition here: skipped with the reason, or failed under CI.
fn unavailable(test: &str, why: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "{test}: this machine cannot make the condition ({why}); CI must, so this fails \
             (unset CI to skip it locally)"
        );
    }
    eprintln!("SKIPPED {test}: {why} (with CI set this fails)");
}

/// Writes zeros into `path` until the file system refuses.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

/// Checks a refused write: exit 1, an `error:` naming the cause, the file byte-identical.
#[track_caller]
fn refused_write(t: &TestEnv, args: &[String], words: &[&str], before: &[u8], dump: &str) {
    let out = spawnable(t).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "proj {args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        words.iter().any(|w| stderr.contains(w)),
        "proj {args:?}: expected one of {words:?} in {stderr}"
    );
    assert!(bytes(&t.db) == before, "proj {args:?} changed the file");
    assert_eq!(t.dump(), dump, "proj {args:?} changed the state");
}

fn shop_on(t: &TestEnv) -> (Vec<u8>, String) {
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    (bytes(&t.db), t.dump())
}

/// `proj ARGS` run by `bash` after `ulimit -f KIB` (1024-byte blocks in bash), with
/// SIGXFSZ ignored so a write past the limit fails with `EFBIG` instead of killing.
fn with_file_size_limit(t: &TestEnv, kib: u64, args: &[String]) -> std::process::Output {
    hermetic(t, "bash")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("proj"))
        .args(args)
        .output()
        .expect("run bash")
}

/// The refused write's checks, for an output produced some other way than [`refused_write`].
#[track_caller]
fn refused(out: &std::process::Output, t: &TestEnv, words: &[&str], before: &[u8], dump: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(words.iter().any(|w| stderr.contains(w)), "{stderr}");
    assert!(bytes(&t.db) == before, "the file changed");
    assert_eq!(t.dump(), dump, "the state changed");
}

const FULL: [&str; 3] = [
    "disk is full",
    "cannot read or write",
    "cannot open the database file",
];
const READ_ONLY: [&str; 2] = ["read-only", "cannot open the database file"];

#[test]
fn a_write_on_a_full_tmpfs_exits_1_and_changes_nothing() {
    crate::file_only!("a full disk under the file");
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let _mounted = match Tmpfs::mount(&dir, "1m") {
        Ok(m) => m,
        Err(why) => return unavailable("full tmpfs", &format!("mount refused: {why}")),
    };
    let (before, dump) = shop_on(&t);
    let filler = dir.join("filler");
    // Not a byte left: even the write-ahead log cannot start.
    fill(&filler);
    let small = ["env", "add", "staging", "-p", "acme/shop"].map(String::from);
    refused_write(&t, &small, &FULL, &before, &dump);
    // 64 KiB left: the log starts, and a large write runs out midway.
    let size = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(size - 64 * 1024)
        .unwrap();
    let mut large = many_envs("big", 300);
    large.extend(["--org", "acme"].map(String::from));
    refused_write(&t, &large, &FULL, &before, &dump);
    std::fs::remove_file(&filler).unwrap();
    // The file opens and is healthy; writes work again once there is room.
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// Needs no privilege, so it runs everywhere.
#[test]
fn a_write_past_the_file_size_limit_exits_1_and_changes_nothing() {
    crate::file_only!("RLIMIT_FSIZE on the file");
    let t = TestEnv::new();
    let (before, dump) = shop_on(&t);
    // A limit of 0: no write at all may happen, not even the log's first frame.
    let small = ["env", "add", "staging", "-p", "acme/shop"].map(String::from);
    let out = with_file_size_limit(&t, 0, &small);
    refused(&out, &t, &FULL, &before, &dump);
    // 64 KiB: the log starts, and a 300-environment write runs out midway.
    let mut large = many_envs("big", 300);
    large.extend(["--org", "acme"].map(String::from));
    let out = with_file_size_limit(&t, 64, &large);
    refused(&out, &t, &FULL, &before, &dump);
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

#[test]
fn a_write_on_a_read_only_tmpfs_exits_1_and_changes_nothing() {
    crate::file_only!("a read-only tmpfs under the file");
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let mounted = match Tmpfs::mount(&dir, "1m") {
        Ok(m) => m,
        Err(why) => return unavailable("read-only tmpfs", &format!("mount refused: {why}")),
    };
    let args = ["env", "add", "staging", "-p", "acme/shop"].map(String::from);
    let (before, dump) = shop_on(&t);
    assert!(mounted.remount("ro"), "remount read-only");
    refused_write(&t, &args, &READ_ONLY, &before, &dump);
    assert!(mounted.remount("rw"), "remount read-write");
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// A real read-only mount (`EROFS`) without root: the database directory bound read-only
/// onto itself in a new user and mount namespace, for the one `proj` process.
#[test]
fn a_write_on_a_read_only_bind_mount_in_a_user_namespace_exits_1_and_changes_nothing() {
    crate::file_only!("a read-only mount under the file");
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let (before, dump) = shop_on(&t);
    let in_namespace = |args: &[&str]| {
        hermetic(&t, "unshare")
            .args(["-Urm", "sh", "-c"])
            .arg(
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && shift && \
                 exec \"$@\"",
            )
            .arg("sh")
            .arg(&dir)
            .args(args)
            .output()
    };
    // Can this machine make one at all? (`true` inside a read-only bind.)
    match in_namespace(&["true"]) {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return unavailable("read-only bind mount", &format!("unshare -Urm: {why}"));
        }
        Err(e) => return unavailable("read-only bind mount", &format!("no unshare: {e}")),
    }
    let proj = assert_cmd::cargo::cargo_bin("proj");
    let proj = proj.to_str().unwrap();
    let out = in_namespace(&[proj, "env", "add", "staging", "-p", "acme/shop"]).unwrap();
    refused(&out, &t, &READ_ONLY, &before, &dump);
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// A file and directory the user may not write: as root (which ignores permissions) `proj`
/// runs as `nobody` through `setpriv`; as anyone else the write bits are removed.
#[test]
fn a_write_to_a_file_the_user_may_not_write_exits_1_and_changes_nothing() {
    crate::file_only!("the file's permissions");
    use std::os::unix::fs::PermissionsExt;
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let (before, dump) = shop_on(&t);
    let mode = |path: &Path, m: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let args = ["env", "add", "staging", "-p", "acme/shop"];
    let out = if super::is_root() {
        // nobody may enter the directories and read the file, and write none of it.
        for p in [t.path(), dir.as_path()] {
            mode(p, 0o755);
        }
        mode(&t.db, 0o644);
        let proj = crate::support::binary_for_anyone(&t);
        // setpriv reports a just-copied binary that is still "text file busy" (see
        // `output_retrying`) on stderr: try again then too.
        let mut ran = Err(std::io::Error::other("not run"));
        for _ in 0..100 {
            ran = hermetic(&t, "setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&proj)
                .args(args)
                .output();
            match &ran {
                Ok(out) if String::from_utf8_lossy(&out.stderr).contains("Text file busy") => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => break,
            }
        }
        match ran {
            Ok(out) if !String::from_utf8_lossy(&out.stderr).starts_with("setpriv:") => out,
            Ok(out) => {
                let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
                return unavailable("file the user may not write", &why);
            }
            Err(e) => return unavailable("file the user may not write", &format!("{e}")),
        }
    } else {
        mode(&dir, 0o500);
        mode(&t.db, 0o400);
        let out = spawnable(&t).args(args).output().unwrap();
        mode(&dir, 0o700);
        mode(&t.db, 0o600);
        out
    };
    refused(&out, &t, &READ_ONLY, &before, &dump);
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// What is in a directory, names sorted (nothing when it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A first write that runs out of room at any point (before the schema, inside it, in the
/// log, in the write itself) leaves nothing: no file, no `-wal`, not the directory made for
/// it. Before, a file with a schema (read later as a valid empty database) or a 4 KiB
/// header stayed.
#[test]
fn a_first_write_that_runs_out_of_room_leaves_nothing() {
    crate::file_only!("RLIMIT_FSIZE on a file not created yet");
    let t = TestEnv::new();
    let data = t.db.parent().unwrap().to_path_buf();
    let first = ["org", "add", "acme"].map(String::from);
    for kib in [0, 1, 4, 8, 16, 32, 64, 96, 128] {
        let out = with_file_size_limit(&t, kib, &first);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "limit {kib} KiB: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(
            !data.exists(),
            "limit {kib} KiB left {:?} in {}",
            listing(&data),
            data.display()
        );
    }
    // In a directory that exists, nothing is left in it either.
    std::fs::create_dir_all(&data).unwrap();
    let out = with_file_size_limit(&t, 32, &first);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(listing(&data), Vec::<String>::new());
    // With room, the same write creates the database, and says so.
    let out = spawnable(&t).args(&first).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("created a new database at {}", t.db.display())),
        "{stderr}"
    );
    assert_eq!(listing(&data), ["proj.db"]);
    assert_eq!(integrity(&t.db), "ok");
}

/// `proj ARGS` as `nobody` (when root, which ignores permissions) or as this user; `None`
/// when this machine cannot drop to `nobody`.
fn as_unprivileged(t: &TestEnv, args: &[&str]) -> Option<std::process::Output> {
    if !super::is_root() {
        return Some(spawnable(t).args(args).output().unwrap());
    }
    let proj = crate::support::binary_for_anyone(t);
    let mut ran = Err(std::io::Error::other("not run"));
    for _ in 0..100 {
        ran = hermetic(t, "setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&proj)
            .args(args)
            .output();
        match &ran {
            Ok(out) if String::from_utf8_lossy(&out.stderr).contains("Text file busy") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => break,
        }
    }
    match ran {
        Ok(out) if !String::from_utf8_lossy(&out.stderr).starts_with("setpriv:") => Some(out),
        Ok(out) => {
            unavailable(
                "unprivileged user",
                String::from_utf8_lossy(&out.stderr).trim(),
            );
            None
        }
        Err(e) => {
            unavailable("unprivileged user", &e.to_string());
            None
        }
    }
}

/// A 0400 database in a directory the user may write: the write is refused before SQLite
/// opens the file read-write, so no 0400 `-wal`/`-shm` are left beside it (which kept every
/// write failing "read-only" after `chmod 600`). `doctor` names companions the user cannot
/// write, and a read-only file.
#[test]
fn a_write_to_a_read_only_file_in_a_writable_directory_leaves_no_companions() {
    crate::file_only!("the file's permissions and its -wal/-shm");
    use std::os::unix::fs::PermissionsExt;
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let (before, dump) = shop_on(&t);
    // The test's own read-only look at the file (`dump`) left an empty -wal and -shm.
    for side in ["proj.db-wal", "proj.db-shm"] {
        let _ = std::fs::remove_file(dir.join(side));
    }
    let mode = |path: &Path, m: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap()
    };
    if super::is_root() {
        // nobody owns the directory and the file, as a user owns their own.
        for p in [t.path(), dir.as_path()] {
            mode(p, 0o755);
        }
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(&t.db, Some(65534), Some(65534)).unwrap();
    }
    mode(&t.db, 0o400);
    let Some(out) = as_unprivileged(&t, &["env", "add", "staging", "-p", "acme/shop"]) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
    assert_eq!(
        listing(&dir),
        ["proj.db"],
        "something was left beside the file"
    );
    let out = as_unprivileged(&t, &["doctor"]).unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("writable") && report.contains("read-only for this user"),
        "{report}"
    );
    // Reads still answer.
    let out = as_unprivileged(&t, &["env", "list", "-p", "acme/shop", "-o", "plain"]).unwrap();
    assert!(out.status.success());
    mode(&t.db, 0o600);
    assert!(bytes(&t.db) == before);
    assert_eq!(t.dump(), dump);
    for side in ["proj.db-wal", "proj.db-shm"] {
        let _ = std::fs::remove_file(dir.join(side));
    }

    // Companions the user cannot write beside a file they can (what the old failure left):
    // doctor fails the check and says what to run; a write is refused, naming the file.
    let shm = dir.join("proj.db-shm");
    let wal = dir.join("proj.db-wal");
    std::fs::write(&shm, vec![0u8; 32768]).unwrap();
    std::fs::write(&wal, b"").unwrap();
    for side in [&shm, &wal] {
        if super::is_root() {
            std::os::unix::fs::chown(side, Some(65534), Some(65534)).unwrap();
        }
        mode(side, 0o400);
    }
    let out = as_unprivileged(&t, &["doctor"]).unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("fail  writable") && report.contains("chmod 600"),
        "{report}"
    );
    let out = as_unprivileged(&t, &["env", "add", "staging", "-p", "acme/shop"]).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("proj.db-shm"), "{stderr}");
    for side in [&shm, &wal] {
        mode(side, 0o600);
    }
    let out = as_unprivileged(&t, &["env", "add", "staging", "-p", "acme/shop"]).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
