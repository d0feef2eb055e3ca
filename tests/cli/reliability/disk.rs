//! A full disk and a read-only one: a write exits 1 with a clear error, the file is
//! unchanged and still opens.
//!
//! The conditions are made for real where the machine allows: a small tmpfs mounted over
//! the database directory (needs root, as in CI containers that allow `mount`), filled up
//! or remounted read-only. Where `mount` is refused, a full disk is imitated with a file-size
//! limit (`ulimit -f`) and a read-only one with `chattr +i` (root) or `chmod` (others);
//! when none works the test says why and skips.

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

/// A 1 MiB tmpfs over `dir`, unless `PROJ_TEST_NO_MOUNT` asks for the fallbacks.
fn mount(dir: &Path) -> Result<Tmpfs, String> {
    if std::env::var_os("PROJ_TEST_NO_MOUNT").is_some() {
        return Err("PROJ_TEST_NO_MOUNT is set".to_string());
    }
    Tmpfs::mount(dir, "1m")
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

#[test]
fn a_write_on_a_full_disk_exits_1_and_changes_nothing() {
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let words = [
        "disk is full",
        "cannot read or write",
        "cannot open the database file",
    ];
    let mounted = mount(&dir);
    match &mounted {
        Ok(_) => {
            let (before, dump) = shop_on(&t);
            let filler = dir.join("filler");
            // Not a byte left: even the write-ahead log cannot start.
            fill(&filler);
            let small = ["env", "add", "staging", "-p", "acme/shop"].map(String::from);
            refused_write(&t, &small, &words, &before, &dump);
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
            refused_write(&t, &large, &words, &before, &dump);
            std::fs::remove_file(&filler).unwrap();
            eprintln!("full disk: tmpfs of 1 MiB, filled");
        }
        Err(why) => {
            // A file-size limit: the log cannot grow, like a disk with no room.
            let (before, dump) = shop_on(&t);
            let proj = assert_cmd::cargo::cargo_bin("proj");
            let out = hermetic(&t, "/bin/sh")
                .args(["-c", "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\""])
                .arg(proj)
                .args(["env", "add", "staging", "-p", "acme/shop"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(words.iter().any(|w| stderr.contains(w)), "{stderr}");
            assert!(bytes(&t.db) == before);
            assert_eq!(t.dump(), dump);
            eprintln!("full disk: mount refused ({why}); imitated with `ulimit -f 0`");
        }
    }
    // The file opens and is healthy; writes work again once there is room.
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

#[test]
fn a_write_on_a_read_only_disk_exits_1_and_changes_nothing() {
    let t = TestEnv::new();
    let dir = t.db.parent().unwrap().to_path_buf();
    let words = ["read-only", "cannot open the database file"];
    let args = ["env", "add", "staging", "-p", "acme/shop"].map(String::from);
    let mounted = mount(&dir);
    match &mounted {
        Ok(mounted) => {
            let (before, dump) = shop_on(&t);
            assert!(mounted.remount("ro"), "remount read-only");
            refused_write(&t, &args, &words, &before, &dump);
            assert!(mounted.remount("rw"), "remount read-write");
            eprintln!("read-only disk: tmpfs remounted read-only");
        }
        Err(why) => {
            let (before, dump) = shop_on(&t);
            let root = super::is_root();
            let locked = if root {
                Command::new("chattr")
                    .arg("+i")
                    .arg(&t.db)
                    .status()
                    .is_ok_and(|s| s.success())
            } else {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o400)).is_ok()
            };
            if !locked {
                eprintln!(
                    "SKIPPED read-only disk: mount refused ({why}) and chattr +i unavailable; \
                     root ignores chmod, so this machine cannot make the file read-only"
                );
                return;
            }
            refused_write(&t, &args, &words, &before, &dump);
            if root {
                Command::new("chattr")
                    .arg("-i")
                    .arg(&t.db)
                    .status()
                    .unwrap();
            } else {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            eprintln!("read-only disk: mount refused ({why}); imitated with chattr/chmod");
        }
    }
    assert_eq!(integrity(&t.db), "ok");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}
