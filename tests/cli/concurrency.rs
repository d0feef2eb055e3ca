//! Several `proj` processes on one database (a file, or a server) at once: every write lands,
//! the database stays sound.

use crate::helpers::{env_slugs, slugs};
use crate::support::TestEnv;
use std::process::{Child, Stdio};

fn spawn(t: &TestEnv, args: &[&str]) -> Child {
    t.std_cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn proj")
}

/// Waits for every child and asserts each exited 0.
fn all_succeed(children: Vec<(String, Child)>) {
    for (name, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{name}: exit {:?}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn eight_writers_on_one_file() {
    let t = TestEnv::with_shop();
    let children = (0..8)
        .map(|i| {
            let name = format!("env{i}");
            let child = spawn(&t, &["env", "add", &name]);
            (name, child)
        })
        .collect();
    all_succeed(children);
    let mut got = env_slugs(&t, &[]);
    got.sort();
    let mut want: Vec<String> = (0..8).map(|i| format!("env{i}")).collect();
    want.push("production".into());
    want.sort();
    assert_eq!(got, want);
    assert_eq!(t.integrity(), "ok");
    // Every one of them wrote its audit event.
    let log = t.json(&["log", "-n", "100"]);
    let adds = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "env.add")
        .count();
    assert_eq!(adds, 8);
}

#[test]
fn eight_first_runs_on_a_new_file() {
    let t = TestEnv::new_empty();
    assert!(!t.store_exists());
    let children = (0..8)
        .map(|i| {
            let name = format!("org{i}");
            let child = spawn(&t, &["org", "add", &name]);
            (name, child)
        })
        .collect();
    all_succeed(children);
    let got = slugs(&t.json(&["org", "list"]));
    let want: Vec<String> = (0..8).map(|i| format!("org{i}")).collect();
    assert_eq!(got, want);
    assert_eq!(t.integrity(), "ok");
}

#[test]
fn first_readers_and_writers_racing_on_new_files() {
    // Several rounds, each on a new file: the race to create the schema and switch to WAL
    // is only sometimes lost, so one round would rarely show it.
    for round in 0..4 {
        let t = TestEnv::new();
        let children = (0..8)
            .map(|i| {
                let name = format!("org{i}");
                // On a server an organization starts with its creator as owner: the
                // login says its email (a file's stays without members).
                let args: &[&str] = if i % 2 == 0 && crate::support::on_postgres() {
                    &["org", "add", &name, "--user", "racer@acme.dev"]
                } else if i % 2 == 0 {
                    &["org", "add", &name]
                } else {
                    &["org", "list"]
                };
                (format!("round {round}: {args:?}"), spawn(&t, args))
            })
            .collect();
        all_succeed(children);
        assert_eq!(
            slugs(&t.json(&["org", "list"])),
            ["org0", "org2", "org4", "org6"]
        );
        assert_eq!(t.integrity(), "ok");
    }
}

#[test]
fn eight_writers_racing_for_one_name_leave_one_winner() {
    let t = TestEnv::with_shop();
    let children: Vec<_> = (0..8)
        .map(|_| spawn(&t, &["env", "add", "staging"]))
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 4).count(), 7, "{codes:?}");
    assert_eq!(env_slugs(&t, &[]), ["staging", "production"]);
    assert_eq!(t.integrity(), "ok");
}
