//! Reliability and data safety (RELIABILITY.md): concurrency, crashes, full and read-only
//! disks, bad input, foreign and damaged files, restore and backup.

mod backup;
mod concurrency;
mod crash;
mod disk;
mod files;
mod input;
mod restore;
mod state_machine;

use crate::support::TestEnv;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use std::path::Path;

/// A small, seedable generator (xorshift64*), so a failing run can be replayed from the
/// seed it prints.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `PROJ_TEST_SEED` when set, else from the clock; prints the seed.
    pub fn from_env(what: &str) -> Rng {
        let seed = std::env::var("PROJ_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: seed {seed} (replay with PROJ_TEST_SEED={seed})");
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A proptest runner whose seed is printed first and can be replayed: `PROPTEST_RNG_SEED`
/// (proptest's own variable) fixes it, else a seed is drawn from the clock. The same seed
/// generates the same cases in the same order (`a_seed_replays_the_same_cases`).
pub fn seeded_runner(what: &str, cases: u32) -> (TestRunner, u64) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let seed = match config.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    eprintln!("{what}: seed {seed} (replay with PROPTEST_RNG_SEED={seed})");
    let config = Config {
        rng_seed: RngSeed::Fixed(seed),
        ..config
    };
    (TestRunner::new(config), seed)
}

/// Fails with proptest's report (the smallest failing case) and how to replay the run.
#[track_caller]
pub fn replayable<T: std::fmt::Debug>(run: Result<(), TestError<T>>, test: &str, seed: u64) {
    if let Err(e) = run {
        panic!("{e}\nreplay: PROPTEST_RNG_SEED={seed} cargo test --test cli {test} -- --nocapture");
    }
}

/// `PRAGMA integrity_check` of a file, opened as any SQLite client would.
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open for integrity_check");
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.join("\n")
}

/// Number of rows a query counts.
pub fn count(path: &Path, sql: &str, params: impl rusqlite::Params) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row(sql, params, |r| r.get(0)).expect(sql)
}

/// A file's bytes, for "left untouched" checks.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Arguments of `proj project add NAME` with `n` environments `e1`…`en`.
pub fn many_envs(name: &str, n: usize) -> Vec<String> {
    let mut args = vec!["project".to_string(), "add".to_string(), name.to_string()];
    for i in 1..=n {
        args.push("--env".to_string());
        args.push(format!("e{i}"));
    }
    args
}

/// Runs `proj ARGS` (owned strings) and asserts success.
#[track_caller]
pub fn ok(t: &TestEnv, args: &[String]) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    t.ok(&refs)
}

/// Whether this process runs as root (where chmod does not stop writes).
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The same hermetic `proj` as [`TestEnv::cmd`], as a std `Command` that can be spawned
/// and killed.
pub fn spawnable(t: &TestEnv) -> std::process::Command {
    hermetic(t, assert_cmd::cargo::cargo_bin("proj"))
}

/// `program` with the hermetic environment of [`TestEnv::cmd`].
pub fn hermetic(t: &TestEnv, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let home = t.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = std::process::Command::new(program);
    cmd.env_clear()
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("PROJ_DB", &t.db)
        .env("PROJ_NOW", crate::support::NOW)
        .env("USER", "tester")
        .env("NO_COLOR", "1")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(t.path());
    cmd
}
