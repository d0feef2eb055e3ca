//! A hermetic environment per test: its own temp dir, HOME, XDG dirs and database,
//! a cleared environment, and a fixed clock.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const NOW: &str = "2026-11-27T09:14:03Z";

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

/// What a finished command left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        TestEnv { dir, db }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `proj` with a cleared environment pointing everything inside the temp dir.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same as `cmd`, as a plain `std::process::Command` (to spawn and pipe).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("proj"));
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        cmd.env_clear()
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("PROJ_DB", &self.db)
            .env("PROJ_NOW", NOW)
            .env("USER", "tester")
            .env("NO_COLOR", "1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs `proj ARGS` and returns what happened, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.dir.path(), args)
    }

    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .current_dir(cwd)
            .args(args)
            .output()
            .expect("run proj");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts exit 0; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "proj {args:?} failed:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs with `--json`, asserts exit 0, and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("proj {args:?}: bad JSON {e}: {out}"))
    }

    /// Runs with `--json` and deserializes into a mirror struct (unknown fields rejected).
    #[track_caller]
    pub fn json_as<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        serde_json::from_value(self.json(args)).unwrap_or_else(|e| panic!("proj {args:?}: {e}"))
    }

    /// Runs and asserts the exit code; returns stderr.
    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "proj {args:?}:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stderr
    }

    /// A database with organization `acme` and project `acme/shop` (production only).
    pub fn with_shop() -> Self {
        let t = TestEnv::new();
        t.ok(&["org", "add", "acme"]);
        t.ok(&["project", "add", "shop", "--org", "acme"]);
        t
    }

    /// Every row of every table, as text, to compare states before and after a command.
    pub fn dump(&self) -> String {
        if !self.db.exists() {
            return "(no database file)".to_string();
        }
        let conn = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open db");
        let mut out = String::new();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in tables {
            out.push_str(&format!("== {t}\n"));
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap();
            for row in rows {
                out.push_str(&row.unwrap());
                out.push('\n');
            }
        }
        out
    }
}

/// A copy of the `proj` binary that any user may run (the build directory may sit under a
/// home that other users cannot enter), in `t`'s directory, which is opened to be entered.
#[cfg(unix)]
pub fn binary_for_anyone(t: &TestEnv) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = t.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let proj = bin.join("proj");
    std::fs::copy(assert_cmd::cargo::cargo_bin("proj"), &proj).unwrap();
    for (p, mode) in [
        (&bin, 0o755),
        (&proj, 0o755),
        (&t.path().to_path_buf(), 0o755),
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    proj
}

/// `cmd.output()`, retried while the kernel says the binary is busy: a just-copied binary
/// stays "text file busy" while a child another test thread forked still holds the copy's
/// descriptor open between its fork and exec.
pub fn output_retrying(cmd: &mut std::process::Command) -> std::io::Result<std::process::Output> {
    let mut tries = 0;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
