//! The access matrix: every organization role × project role × environment-scoped grant ×
//! protected or not × every action, written out below. Each cell is checked twice, by running
//! the command that performs the action as that member (`--as`) on a fresh copy of one fixture
//! database, and by `proj access check`; both must give the answer in the table.

use crate::support::TestEnv;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const P: bool = true;
const U: bool = false;

/// The columns of the table, in order: what `proj access check` calls the action, and the
/// level of its target (`org`, `project` or `env`, the environment of the row).
const ACTIONS: [(&str, &str, &str); 18] = [
    ("ou", "org.update", "org"),
    ("or", "org.remove", "org"),
    ("pa", "project.add", "org"),
    ("pu", "project.update", "project"),
    ("pr", "project.remove", "project"),
    ("ea", "env.add", "project"),
    ("eu", "env.update", "env"),
    ("ep", "env.protect", "env"),
    ("er", "env.remove", "env"),
    ("ra", "resource.add", "env"),
    ("ru", "resource.update", "env"),
    ("rr", "resource.remove", "env"),
    ("ma", "member.add", "org"),
    ("mr", "member.role", "org"),
    ("md", "member.remove", "org"),
    ("ge", "member.grant", "env"),
    ("gp", "member.grant", "project"),
    ("rd", "read", "env"),
];

/// One row a person can check against README.md, "Members and access":
/// (organization role, project-wide grant, grant on the environment, protected?, outcomes).
///
/// The environment is `production` (protected, `P`) or `staging` (unprotected, `U`); the
/// member's environment grant, when there is one, is on both. Outcomes, one per column:
/// `Y` allowed (exit 0), `n` denied (exit 5), `-` the project does not exist for them (exit 3).
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, bool, &str)] = &[
    // org     project     env grant   prot   ou or pa pu pr ea eu ep er ra ru rr ma mr md ge gp rd
    ("owner",  "admin",     "none",      P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "none",      U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "admin",     P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "admin",     U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "developer", P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "developer", U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "viewer",    P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "admin",     "viewer",    U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "none",      P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "none",      U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "admin",     P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "admin",     U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "developer", P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "developer", U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "viewer",    P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "developer", "viewer",    U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "none",      P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "none",      U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "admin",     P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "admin",     U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "developer", P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "developer", U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "viewer",    P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "viewer",    "viewer",    U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "none",      P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "none",      U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "admin",     P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "admin",     U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "developer", P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "developer", U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "viewer",    P,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("owner",  "none",      "viewer",    U,  "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    // org     project     env grant   prot   ou or pa pu pr ea eu ep er ra ru rr ma mr md ge gp rd
    ("admin",  "admin",     "none",      P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "none",      U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "admin",     P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "admin",     U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "developer", P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "developer", U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "viewer",    P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "admin",     "viewer",    U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "none",      P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "none",      U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "admin",     P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "admin",     U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "developer", P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "developer", U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "viewer",    P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "developer", "viewer",    U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "none",      P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "none",      U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "admin",     P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "admin",     U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "developer", P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "developer", U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "viewer",    P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "viewer",    "viewer",    U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "none",      P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "none",      U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "admin",     P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "admin",     U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "developer", P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "developer", U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "viewer",    P,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("admin",  "none",      "viewer",    U,  "Y  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    // org     project     env grant   prot   ou or pa pu pr ea eu ep er ra ru rr ma mr md ge gp rd
    ("member", "admin",     "none",      P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("member", "admin",     "none",      U,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("member", "admin",     "admin",     P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("member", "admin",     "admin",     U,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("member", "admin",     "developer", P,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("member", "admin",     "developer", U,  "n  n  n  Y  Y  Y  Y  n  Y  Y  Y  Y  n  n  n  n  Y  Y"),
    ("member", "admin",     "viewer",    P,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("member", "admin",     "viewer",    U,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("member", "developer", "none",      P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "developer", "none",      U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("member", "developer", "admin",     P,  "n  n  n  n  n  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "developer", "admin",     U,  "n  n  n  n  n  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "developer", "developer", P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "developer", "developer", U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("member", "developer", "viewer",    P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "developer", "viewer",    U,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "viewer",    "none",      P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "viewer",    "none",      U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "viewer",    "admin",     P,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "viewer",    "admin",     U,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "viewer",    "developer", P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "viewer",    "developer", U,  "n  n  n  n  n  n  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("member", "viewer",    "viewer",    P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "viewer",    "viewer",    U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "none",      "none",      P,  "n  n  n  -  -  -  -  -  -  -  -  -  n  n  n  -  -  -"),
    ("member", "none",      "none",      U,  "n  n  n  -  -  -  -  -  -  -  -  -  n  n  n  -  -  -"),
    ("member", "none",      "admin",     P,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "none",      "admin",     U,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("member", "none",      "developer", P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "none",      "developer", U,  "n  n  n  n  n  n  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("member", "none",      "viewer",    P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("member", "none",      "viewer",    U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    // org     project     env grant   prot   ou or pa pu pr ea eu ep er ra ru rr ma mr md ge gp rd
    ("viewer", "admin",     "none",      P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("viewer", "admin",     "none",      U,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("viewer", "admin",     "admin",     P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("viewer", "admin",     "admin",     U,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("viewer", "admin",     "developer", P,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("viewer", "admin",     "developer", U,  "n  n  n  Y  Y  Y  Y  n  Y  Y  Y  Y  n  n  n  n  Y  Y"),
    ("viewer", "admin",     "viewer",    P,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("viewer", "admin",     "viewer",    U,  "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    ("viewer", "developer", "none",      P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "developer", "none",      U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("viewer", "developer", "admin",     P,  "n  n  n  n  n  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "developer", "admin",     U,  "n  n  n  n  n  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "developer", "developer", P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "developer", "developer", U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("viewer", "developer", "viewer",    P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "developer", "viewer",    U,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "none",      P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "none",      U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "admin",     P,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "viewer",    "admin",     U,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "viewer",    "developer", P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "developer", U,  "n  n  n  n  n  n  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "viewer",    P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "viewer",    "viewer",    U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "none",      "none",      P,  "n  n  n  -  -  -  -  -  -  -  -  -  n  n  n  -  -  -"),
    ("viewer", "none",      "none",      U,  "n  n  n  -  -  -  -  -  -  -  -  -  n  n  n  -  -  -"),
    ("viewer", "none",      "admin",     P,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "none",      "admin",     U,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("viewer", "none",      "developer", P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "none",      "developer", U,  "n  n  n  n  n  n  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("viewer", "none",      "viewer",    P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("viewer", "none",      "viewer",    U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
];

fn email(org: &str, project: &str, env: &str) -> String {
    format!("{org}.{project}.{env}@acme.dev")
}

/// acme/shop with `staging` and a protected `production`, a resource `api` in each, the owner
/// `owner@acme.dev` (the saved identity), `target@acme.dev` to change, and one member per
/// combination of organization role, project grant and environment grant.
fn fixture() -> TestEnv {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    t.ok(&["env", "add", "staging", "--project", "acme/shop"]);
    t.ok(&["member", "add", "owner@acme.dev", "--org", "acme"]);
    t.ok(&["member", "add", "target@acme.dev", "--org", "acme"]);
    for org in ["owner", "admin", "member", "viewer"] {
        for project in ["admin", "developer", "viewer", "none"] {
            for env in ["none", "admin", "developer", "viewer"] {
                let who = email(org, project, env);
                t.ok(&["member", "add", &who, "--role", org, "--org", "acme"]);
                if project != "none" {
                    t.ok(&[
                        "member",
                        "grant",
                        &who,
                        "-p",
                        "acme/shop",
                        "--role",
                        project,
                    ]);
                }
                if env != "none" {
                    for e in ["production", "staging"] {
                        let args = ["member", "grant", &who, "-p", "acme/shop", "--env", e];
                        t.ok(&[&args[..], &["--role", env]].concat());
                    }
                }
            }
        }
    }
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch(
        "INSERT INTO resources (environment_id, slug, type, created_at)
         SELECT id, 'api', 'app', '2026-11-27T09:14:03Z' FROM environments;",
    )
    .unwrap();
    // Everything in the main file, so copying it copies the whole state.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    t
}

/// The command that performs column `i` on environment `env`, or `None` when this build has
/// no such command.
fn command_for(i: usize, env: &str, has_resources: bool) -> Option<Vec<String>> {
    let env_path = format!("acme/shop/{env}");
    let protect = if env == "production" {
        "unprotect"
    } else {
        "protect"
    };
    let args: Vec<&str> = match ACTIONS[i].0 {
        "ou" => vec!["org", "rename", "acme", "--display-name", "Acme Two"],
        "or" => vec!["org", "remove", "acme", "--yes"],
        "pa" => vec!["project", "add", "newp", "--org", "acme"],
        "pu" => vec![
            "project",
            "rename",
            "acme/shop",
            "--display-name",
            "Shop Two",
        ],
        "pr" => vec!["project", "remove", "acme/shop", "--yes"],
        "ea" => vec!["env", "add", "qa", "--project", "acme/shop"],
        "eu" => vec!["env", "rename", &env_path, "--display-name", "Renamed"],
        "ep" => vec!["env", protect, &env_path],
        "er" => vec!["env", "remove", &env_path, "--yes"],
        "ra" | "ru" | "rr" if !has_resources => return None,
        "ra" => vec![
            "resource",
            "add",
            "worker",
            "--type",
            "worker",
            "--env",
            env,
            "-p",
            "acme/shop",
        ],
        "ru" => vec![
            "resource",
            "rename",
            "api",
            "api-two",
            "--env",
            env,
            "-p",
            "acme/shop",
        ],
        "rr" => vec![
            "resource",
            "remove",
            "api",
            "--env",
            env,
            "-p",
            "acme/shop",
            "--yes",
        ],
        "ma" => vec!["member", "add", "new@acme.dev", "--org", "acme"],
        "mr" => vec![
            "member",
            "role",
            "target@acme.dev",
            "viewer",
            "--org",
            "acme",
        ],
        "md" => vec!["member", "remove", "target@acme.dev", "--org", "acme"],
        "ge" => vec![
            "member",
            "grant",
            "target@acme.dev",
            "-p",
            "acme/shop",
            "--env",
            env,
            "--role",
            "developer",
        ],
        "gp" => vec![
            "member",
            "grant",
            "target@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "developer",
        ],
        "rd" => vec!["env", "show", &env_path],
        other => panic!("no command for column {other}"),
    };
    Some(args.into_iter().map(String::from).collect())
}

fn target_for(i: usize, env: &str) -> String {
    match ACTIONS[i].2 {
        "org" => "acme".into(),
        "project" => "acme/shop".into(),
        _ => format!("acme/shop/{env}"),
    }
}

/// What can be run for one cell; identical runs are shared between cells.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    Enforce(Vec<String>),
    Check(Vec<String>),
}

fn outcome_of_exit(code: i32) -> char {
    match code {
        0 => 'Y',
        5 => 'n',
        3 => '-',
        _ => '?',
    }
}

fn run_job(fixture: &TestEnv, job: &Job) -> (char, String) {
    match job {
        Job::Enforce(args) => {
            // A fresh copy of the fixture for every command that may change it.
            let t = TestEnv::new();
            std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
            std::fs::copy(&fixture.db, &t.db).unwrap();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = t.run(&args);
            (
                outcome_of_exit(r.code),
                format!("exit {}: {}", r.code, r.stderr.trim()),
            )
        }
        Job::Check(args) => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = fixture.run(&args);
            if r.code != 0 {
                return ('?', format!("exit {}: {}", r.code, r.stderr.trim()));
            }
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            let c = match (v["allowed"].as_bool(), v["visible"].as_bool()) {
                (Some(true), _) => 'Y',
                (Some(false), Some(true)) => 'n',
                (Some(false), Some(false)) => '-',
                _ => '?',
            };
            (c, format!("{} ({})", v["reason"], v["rule"]))
        }
    }
}

fn run_all(fixture: &TestEnv, jobs: Vec<Job>) -> BTreeMap<Job, (char, String)> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let out = run_job(fixture, job);
                    results.lock().unwrap().insert(job.clone(), out);
                }
            });
        }
    });
    results.into_inner().unwrap()
}

#[test]
fn the_table_covers_every_combination_once() {
    let mut seen = std::collections::BTreeSet::new();
    for (org, project, env, protected, cells) in TABLE {
        assert!(
            seen.insert((*org, *project, *env, *protected)),
            "duplicate row {org} {project} {env}"
        );
        assert_eq!(
            cells.split_whitespace().count(),
            ACTIONS.len(),
            "row {org} {project} {env}"
        );
    }
    assert_eq!(seen.len(), 4 * 4 * 4 * 2);
}

#[test]
fn enforcement_and_access_check_agree_with_the_table() {
    let fixture = fixture();
    let has_resources = proj::cli::command().find_subcommand("resource").is_some();
    if !has_resources {
        eprintln!(
            "no `proj resource` command in this build: resource columns are checked through `proj access check` only"
        );
    }
    // (row, column) → the two jobs that answer it.
    let mut cells = Vec::new();
    let mut jobs = std::collections::BTreeSet::new();
    for (org, project, env_grant, protected, expected) in TABLE {
        let who = email(org, project, env_grant);
        let env = if *protected { "production" } else { "staging" };
        for (i, want) in expected.split_whitespace().enumerate() {
            let enforce = command_for(i, env, has_resources).map(|mut args| {
                args.extend(["--as".to_string(), who.clone()]);
                Job::Enforce(args)
            });
            let check = Job::Check(
                [
                    "access",
                    "check",
                    &who,
                    ACTIONS[i].1,
                    &target_for(i, env),
                    "--json",
                ]
                .map(String::from)
                .to_vec(),
            );
            jobs.extend(enforce.iter().cloned());
            jobs.insert(check.clone());
            let row = format!(
                "{org}/{project}/{env_grant}/{}",
                if *protected { "P" } else { "U" }
            );
            cells.push((row, i, want.chars().next().unwrap(), enforce, check));
        }
    }
    let results = run_all(&fixture, jobs.into_iter().collect());
    let mut wrong = Vec::new();
    for (row, i, want, enforce, check) in &cells {
        let (checked, why) = &results[check];
        if checked != want {
            wrong.push(format!(
                "{row} {}: table {want}, access check {checked}: {why}",
                ACTIONS[*i].1
            ));
        }
        if let Some(enforce) = enforce {
            let (got, why) = &results[enforce];
            if got != want {
                wrong.push(format!(
                    "{row} {} ({}): table {want}, enforcement {got}: {why}",
                    ACTIONS[*i].1,
                    enforce_label(enforce)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells.len(), TABLE.len() * ACTIONS.len());
}

fn enforce_label(job: &Job) -> String {
    match job {
        Job::Enforce(args) | Job::Check(args) => args.join(" "),
    }
}
