//! Many processes writing one file at once: every command succeeds, nothing is lost.
//!
//! Each process works on its own projects of one shared organization, so the final state
//! is known in advance: the sum of every process's operations.

use crate::support::TestEnv;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The busy timeout the writers run with: no command may wait longer than this for the lock,
/// or it exits 6 and the test fails. Before the busy handler polled (src/store/busy.rs), one
/// command of 8 writers waited 2.6 s; since, the slowest whole command measures 0.4-0.8 s.
const STARVATION_BOUND_MS: &str = "2000";

/// The mutations process `i` runs, ten per cycle, and each one appends one audit event.
/// Cycle `c`: adds, renames, archive/protect, and removes across two projects.
fn script(i: usize, cycles: usize) -> Vec<Vec<String>> {
    let mut ops = Vec::new();
    let main = format!("acme/p{i}");
    for c in 0..cycles {
        let side = format!("q{i}-{c}");
        let renamed = format!("n{i}-{c}");
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        ops.push(s(&[
            "project", "add", &side, "--org", "acme", "--env", "dev", "--env", "staging",
        ]));
        ops.push(s(&["env", "add", &format!("e{c}"), "-p", &main]));
        ops.push(s(&["env", "add", &format!("tmp{c}"), "-p", &main]));
        ops.push(s(&[
            "env",
            "rename",
            &format!("{main}/tmp{c}"),
            &format!("r{c}"),
        ]));
        ops.push(s(&["env", "remove", &format!("{main}/r{c}")]));
        ops.push(s(&["project", "rename", &format!("acme/{side}"), &renamed]));
        ops.push(s(&[
            "env",
            "add",
            "extra",
            "-p",
            &format!("acme/{renamed}"),
        ]));
        ops.push(s(&["env", "archive", &format!("acme/{renamed}/extra")]));
        if c % 2 == 1 {
            ops.push(s(&[
                "project",
                "remove",
                &format!("acme/{renamed}"),
                "--yes",
            ]));
        } else {
            ops.push(s(&["env", "protect", &format!("acme/{renamed}/dev")]));
        }
        ops.push(s(&[
            "env",
            "rename",
            &format!("{main}/e{c}"),
            &format!("f{c}"),
        ]));
    }
    ops
}

/// Project slug → environment slugs (archived included), as the scripts leave them.
fn expected(processes: usize, cycles: usize) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for i in 0..processes {
        let mut main = vec!["production".to_string()];
        main.extend((0..cycles).map(|c| format!("f{c}")));
        main.sort();
        out.insert(format!("p{i}"), main);
        for c in (0..cycles).step_by(2) {
            let envs = ["dev", "extra", "staging"].map(String::from).to_vec();
            out.insert(format!("n{i}-{c}"), envs);
        }
    }
    out
}

/// What the file holds, read through `proj … --json`.
fn actual(t: &TestEnv) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for p in t
        .json(&["project", "list", "--org", "acme"])
        .as_array()
        .unwrap()
    {
        let slug = p["slug"].as_str().unwrap().to_string();
        let envs = t.json(&["env", "list", "--archived", "-p", &format!("acme/{slug}")]);
        let mut names: Vec<String> = envs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["slug"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        out.insert(slug, names);
    }
    out
}

fn hammer(processes: usize, cycles: usize) {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    for i in 0..processes {
        t.ok(&["project", "add", &format!("p{i}"), "--org", "acme"]);
    }
    let setup_events = 1 + processes as i64;
    let started = Instant::now();
    let slowest = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..processes)
            .map(|i| {
                let t = &t;
                scope.spawn(move || {
                    let mut slowest = Duration::ZERO;
                    for op in script(i, cycles) {
                        let began = Instant::now();
                        let out = t
                            .cmd()
                            .env("PROJ_BUSY_TIMEOUT_MS", STARVATION_BOUND_MS)
                            .args(&op)
                            .arg("-q")
                            .output()
                            .expect("spawn proj");
                        slowest = slowest.max(began.elapsed());
                        assert!(
                            out.status.success(),
                            "process {i}: proj {op:?} exited {:?}: {}",
                            out.status.code(),
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                    slowest
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .max()
            .unwrap()
    });
    let elapsed = started.elapsed();
    let mutations = processes * cycles * 10;
    eprintln!(
        "{processes} processes x {} mutations = {mutations} in {:.1}s ({:.1} ms each, slowest {} ms; \
         none waited past the {STARVATION_BOUND_MS} ms busy timeout)",
        cycles * 10,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / mutations as f64,
        slowest.as_millis()
    );
    assert_eq!(t.integrity(), "ok");
    let events = t.sql_i64("SELECT count(*) FROM events");
    assert_eq!(
        events,
        setup_events + mutations as i64,
        "one audit event per mutation"
    );
    assert_eq!(actual(&t), expected(processes, cycles));
}

/// 8 processes x 200 mutations on one file.
#[test]
fn eight_processes_lose_nothing() {
    hammer(8, 20);
}

/// The soak: 8 processes x 500 mutations. `cargo test --test cli soak -- --ignored`
#[test]
#[ignore = "long: run with `cargo test --test cli soak -- --ignored`"]
fn soak_eight_processes_times_500() {
    hammer(8, 50);
}

/// Eight first runs at once on a file that does not exist yet: one creates and migrates
/// it, the others wait for it, and all of them succeed.
#[test]
fn eight_first_runs_at_once_all_succeed() {
    for round in 0..10 {
        let t = TestEnv::new();
        std::thread::scope(|scope| {
            for i in 0..8 {
                let t = &t;
                scope.spawn(move || {
                    let out = t
                        .cmd()
                        .args(["org", "add", &format!("o{i}"), "-q"])
                        // The login's email: on a server an organization starts with its
                        // creator as owner.
                        .args(["--user", "racer@acme.dev"])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "round {round}, process {i}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                });
            }
        });
        assert_eq!(t.sql_i64("SELECT count(*) FROM orgs"), 8);
        assert_eq!(t.integrity(), "ok");
    }
}

/// A writer that holds the lock past the timeout makes others give up with exit 6, and
/// they change nothing. The command gives up after the timeout, and no later than the timeout
/// plus what the same command costs without a lock (measured just before, counted twice for a
/// loaded machine) plus 250 ms.
#[test]
fn a_lock_held_past_the_timeout_exits_6() {
    crate::file_only!(
        "holds SQLite's write lock with BEGIN IMMEDIATE on the file (the server's lock: team_mode::a_held_write_lock_exits_6_after_the_timeout)"
    );
    const TIMEOUT: Duration = Duration::from_millis(1000);
    let t = TestEnv::with_shop();
    let before = t.dump();
    // What a command costs here without waiting: the slowest of three rehearsals.
    let cost = (0..3)
        .map(|_| {
            let began = Instant::now();
            t.ok(&["env", "show", "acme/shop/production", "-q"]);
            began.elapsed()
        })
        .max()
        .unwrap();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let began = Instant::now();
    let out = t
        .cmd()
        .env("PROJ_BUSY_TIMEOUT_MS", TIMEOUT.as_millis().to_string())
        .args(["env", "add", "staging", "-p", "acme/shop"])
        .output()
        .unwrap();
    let waited = began.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.starts_with("error: the database is busy"),
        "{stderr}"
    );
    assert!(waited >= TIMEOUT, "gave up after {waited:?}");
    let bound = TIMEOUT + cost * 2 + Duration::from_millis(250);
    eprintln!(
        "busy: gave up after {waited:?} (timeout {TIMEOUT:?}, bound {bound:?}, a command costs {cost:?})"
    );
    assert!(
        waited <= bound,
        "waited {waited:?} for a {TIMEOUT:?} timeout (a command costs {cost:?})"
    );
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    assert_eq!(t.dump(), before);
    // Reads never wait for writers (WAL).
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    t.ok(&["env", "list", "-p", "acme/shop"]);
    conn.execute_batch("ROLLBACK").unwrap();
}
