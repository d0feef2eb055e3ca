//! The access matrix: every organization role × project role × environment-scoped grant ×
//! protected or not × every action, written out below. Each cell is checked twice, by running
//! the command that performs the action as that member (`--as`) on a fresh copy of one fixture
//! database, and by `proj access check`; both must give the answer in the table. On a shared
//! database (`PROJ_TEST_PG`) a third time: the statement a member would type into `psql`,
//! sent as that member's own login, in a transaction rolled back after it — the database
//! itself must give the same answer (README, Team mode).

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
    seed_resources_for_copies(&t);
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
    /// Column `i` as raw SQL by login `who` on environment `env` (a server only).
    Sql {
        who: String,
        column: usize,
        env: String,
    },
}

/// The ids raw SQL names (a hostile member knows or guesses them).
struct Ids {
    org: i64,
    shop: i64,
    env: BTreeMap<String, i64>,
    api: BTreeMap<String, i64>,
    target: i64,
}

fn ids(fixture: &TestEnv) -> Ids {
    let mut c = fixture.pg.as_ref().expect("a server").admin();
    let one =
        |c: &mut postgres::Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    let org = one(&mut c, "SELECT id FROM proj.orgs WHERE slug = 'acme'");
    let shop = one(&mut c, "SELECT id FROM proj.projects WHERE slug = 'shop'");
    let target = one(
        &mut c,
        "SELECT id FROM proj.members WHERE email = 'target@acme.dev'",
    );
    let mut env = BTreeMap::new();
    let mut api = BTreeMap::new();
    for r in c
        .query(
            "SELECT e.slug, e.id, r.id FROM proj.environments e
             JOIN proj.resources r ON r.environment_id = e.id AND r.slug = 'api'",
            &[],
        )
        .unwrap()
    {
        env.insert(r.get::<_, String>(0), r.get(1));
        api.insert(r.get::<_, String>(0), r.get(2));
    }
    Ids {
        org,
        shop,
        env,
        api,
        target,
    }
}

/// The statement a member would write for column `i` on environment `env`.
fn sql_for(i: usize, env: &str, ids: &Ids) -> String {
    let (org, shop, target) = (ids.org, ids.shop, ids.target);
    let e = ids.env[env];
    let api = ids.api[env];
    // Migration 3: a login holds no privilege on the tables; these are its only roads.
    match ACTIONS[i].0 {
        "ou" => format!("SELECT proj.w_org_update({org}, 'acme', 'Acme Two')"),
        "or" => format!("SELECT proj.w_org_delete({org})"),
        "pa" => format!("SELECT proj.w_project_insert({org}, 'newp', NULL, NULL, now())"),
        "pu" => format!("SELECT proj.w_project_update({shop}, 'shop', 'Shop Two', NULL)"),
        "pr" => format!("SELECT proj.w_project_delete({shop})"),
        "ea" => {
            format!("SELECT proj.w_env_insert({shop}, 'qa', 'Qa', 'custom', NULL, false, now())")
        }
        "eu" => format!(
            "SELECT proj.w_env_update(e.id, e.slug, 'Renamed', e.kind, e.description,
                    e.protected, e.archived_at)
             FROM proj.r_environments(p_id => {e}) e"
        ),
        "ep" => format!(
            "SELECT proj.w_env_update(e.id, e.slug, e.display_name, e.kind, e.description,
                    NOT e.protected, e.archived_at)
             FROM proj.r_environments(p_id => {e}) e"
        ),
        "er" => format!("SELECT proj.w_env_delete({e})"),
        "ra" => format!("SELECT proj.w_resource_insert({e}, 'worker', 'worker', NULL, now())"),
        "ru" => format!(
            "SELECT proj.w_resource_update(r.id, r.environment_id, 'api-two', r.type,
                    r.description)
             FROM proj.r_resources(p_env => {e}) r WHERE r.id = {api}"
        ),
        "rr" => format!("SELECT proj.w_resource_delete({api})"),
        "ma" => {
            format!("SELECT proj.w_member_insert({org}, 'new@acme.dev', NULL, 'member', now())")
        }
        "mr" => format!("SELECT proj.w_member_update({target}, NULL, 'viewer')"),
        "md" => format!("SELECT proj.w_member_delete({target})"),
        "ge" => {
            format!("SELECT proj.w_grant_insert({target}, NULL, {shop}, {e}, 'developer', now())")
        }
        "gp" => {
            format!("SELECT proj.w_grant_insert({target}, NULL, {shop}, NULL, 'developer', now())")
        }
        "rd" => format!("SELECT 1 FROM proj.r_environments(p_id => {e})"),
        other => panic!("no statement for column {other}"),
    }
}

/// Runs one statement as `who` and rolls it back: `Y` it did what it says (a row changed or
/// read), `n` the database refused (permission denied), `-` the row is not there for them
/// (nothing matched, or a foreign key names a row they cannot see, as one that is missing).
fn run_sql(fixture: &TestEnv, who: &str, sql: &str) -> (char, String) {
    let mut c = fixture.pg.as_ref().expect("a server").connect_as(who);
    for _ in 0..50 {
        let mut tx = c.transaction().unwrap();
        // A write function answers how many rows it changed (void: it did what it says);
        // a read, its rows.
        let out = tx.query(sql, &[]).map(|rows| match rows.first() {
            Some(r) if sql.contains("proj.w_") => {
                r.try_get::<_, i64>(0).map_or(1, |n| n.max(0) as u64)
            }
            _ => rows.len() as u64,
        });
        let _ = tx.rollback();
        return match out {
            Ok(0) => ('-', "no row".into()),
            Ok(n) => ('Y', format!("{n} row(s)")),
            Err(e) => match e.code() {
                Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => (
                    'n',
                    e.as_db_error()
                        .map_or(e.to_string(), |d| d.message().to_string()),
                ),
                Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION) => ('-', e.to_string()),
                // Another cell's transaction held the same rows: ask again.
                Some(&postgres::error::SqlState::T_R_DEADLOCK_DETECTED)
                | Some(&postgres::error::SqlState::T_R_SERIALIZATION_FAILURE) => continue,
                _ => ('?', e.to_string()),
            },
        };
    }
    ('?', "kept deadlocking".into())
}

/// One resource in every environment, straight into the database; on a file everything is
/// then checkpointed into the main file, so copying it copies the whole state.
fn seed_resources_for_copies(t: &TestEnv) {
    t.sql(
        "INSERT INTO resources (environment_id, slug, type, created_at)
         SELECT id, 'api', 'app', '2026-11-27T09:14:03Z' FROM environments;",
    );
    if t.pg.is_none() {
        t.sql("PRAGMA wal_checkpoint(TRUNCATE);");
    }
}

fn outcome_of_exit(code: i32) -> char {
    match code {
        0 => 'Y',
        5 => 'n',
        3 => '-',
        _ => '?',
    }
}

fn run_job(fixture: &TestEnv, ids: Option<&Ids>, job: &Job) -> (char, String) {
    match job {
        Job::Sql { who, column, env } => {
            let sql = sql_for(*column, env, ids.expect("ids on a server"));
            let (c, why) = run_sql(fixture, who, &sql);
            (
                c,
                format!(
                    "{why} [{}]",
                    sql.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
            )
        }
        Job::Enforce(args) => {
            // A fresh copy of the fixture for every command that may change it.
            let t = fixture.copy();
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
    // Every copy first, then the checks on the fixture itself: a server copies a database
    // only while nobody is connected to it.
    let (enforce, check): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| matches!(j, Job::Enforce(_)));
    let ids = fixture.pg.as_ref().map(|_| ids(fixture));
    let mut results = run_phase(fixture, ids.as_ref(), enforce);
    results.extend(run_phase(fixture, ids.as_ref(), check));
    results
}

fn run_phase(
    fixture: &TestEnv,
    ids: Option<&Ids>,
    jobs: Vec<Job>,
) -> BTreeMap<Job, (char, String)> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let out = run_job(fixture, ids, job);
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
    let rows: Vec<Row> = TABLE
        .iter()
        .map(|(org, project, env_grant, protected, expected)| Row {
            label: format!(
                "{org}/{project}/{env_grant}/{}",
                if *protected { "P" } else { "U" }
            ),
            who: email(org, project, env_grant),
            protected: *protected,
            expected,
        })
        .collect();
    let cells = verify(&fixture, &rows);
    assert_eq!(cells, TABLE.len() * ACTIONS.len());
}

/// One row to check: who acts, on which environment, and the outcome per column.
struct Row<'a> {
    label: String,
    who: String,
    protected: bool,
    expected: &'a str,
}

/// Checks every cell of `rows` through enforcement and `proj access check`; returns how many
/// cells were checked.
fn verify(fixture: &TestEnv, rows: &[Row]) -> usize {
    let has_resources = proj::cli::command().find_subcommand("resource").is_some();
    if !has_resources {
        eprintln!(
            "no `proj resource` command in this build: resource columns are checked through `proj access check` only"
        );
    }
    // (row, column) → the two jobs that answer it.
    let mut cells = Vec::new();
    let mut jobs = std::collections::BTreeSet::new();
    for Row {
        label,
        who,
        protected,
        expected,
    } in rows
    {
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
                    who,
                    ACTIONS[i].1,
                    &target_for(i, env),
                    "--json",
                ]
                .map(String::from)
                .to_vec(),
            );
            let sql = fixture.pg.as_ref().map(|_| Job::Sql {
                who: who.to_lowercase(),
                column: i,
                env: env.to_string(),
            });
            jobs.extend(enforce.iter().cloned());
            jobs.extend(sql.iter().cloned());
            jobs.insert(check.clone());
            cells.push((label, i, want.chars().next().unwrap(), enforce, check, sql));
        }
    }
    let results = run_all(fixture, jobs.into_iter().collect());
    let mut wrong = Vec::new();
    for (row, i, want, enforce, check, sql) in &cells {
        if let Some(sql) = sql {
            let (got, why) = &results[sql];
            if got != want {
                wrong.push(format!(
                    "{row} {}: table {want}, raw SQL as the login {got}: {why}",
                    ACTIONS[*i].1
                ));
            }
        }
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
    cells.len()
}

/// (name, organization role, own project grant, own environment grant, team A project
/// grant, team A environment grant, team B project grant, team B environment grant,
/// protected?, outcomes).
type TeamRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);

/// Team rows (CONTRACT.md, "Teams"): a member's role on an environment is the highest any
/// holder gives there (their own grants and each team's), and per holder an environment grant
/// replaces that holder's project-wide grant. Teams give no organization role.
///
/// Columns: name, organization role, the member's own project-wide and environment grants,
/// team A's and team B's (the member is in both), protected?, outcomes as in [`TABLE`].
/// Environment grants are on both environments.
#[rustfmt::skip]
const TEAM_TABLE: &[TeamRow] = &[
    // name               org       own project  own env   A project    A env     B project  B env     prot   ou or pa pu pr ea eu ep er ra ru rr ma mr md ge gp rd
    // Only through a team: the team's role, exactly as if it were the member's own.
    ("team-dev-p",        "member", "none",      "none",   "developer", "none",   "none",    "none",    P,  "n  n  n  n  n  Y  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("team-dev-u",        "member", "none",      "none",   "developer", "none",   "none",    "none",    U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("team-admin-p",      "member", "none",      "none",   "admin",     "none",   "none",    "none",    P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    ("team-viewer-u",     "member", "none",      "none",   "viewer",    "none",   "none",    "none",    U,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    ("team-env-dev-u",    "member", "none",      "none",   "none",      "developer", "none", "none",    U,  "n  n  n  n  n  n  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("team-dev-viewer-u", "viewer", "none",      "none",   "developer", "none",   "none",    "none",    U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    // Only in the member's own grants: as before teams.
    ("own-dev-u",         "member", "developer", "none",   "none",      "none",   "none",    "none",    U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    // Both, different roles: the higher wins, whichever holder gives it.
    ("own-viewer-team-dev-u", "member", "viewer", "none",  "developer", "none",   "none",    "none",    U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    ("own-admin-team-viewer-p", "member", "admin", "none", "viewer",    "none",   "none",    "none",    P,  "n  n  n  Y  Y  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  Y  Y"),
    // An environment grant on one holder, a project grant on the other: no replacement across
    // holders, the higher wins on the environment, the project grant alone on the project.
    ("own-dev-team-env-admin-p", "member", "developer", "none", "none", "admin",  "none",    "none",    P,  "n  n  n  n  n  Y  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    ("own-dev-team-env-viewer-u", "member", "developer", "none", "none", "viewer", "none",   "none",    U,  "n  n  n  n  n  Y  Y  n  Y  Y  Y  Y  n  n  n  n  n  Y"),
    // Per holder, the member's environment grant replaces only their own project grant.
    ("own-admin-env-viewer-team-dev-u", "member", "admin", "viewer", "developer", "none", "none", "none", U, "n  n  n  Y  Y  Y  Y  n  Y  Y  Y  Y  n  n  n  n  Y  Y"),
    ("own-admin-env-viewer-team-dev-p", "member", "admin", "viewer", "developer", "none", "none", "none", P, "n  n  n  Y  Y  Y  n  n  n  n  n  n  n  n  n  n  Y  Y"),
    // Two teams: the higher of the two.
    ("two-teams-p",       "member", "none",      "none",   "viewer",    "none",   "none",    "admin",   P,  "n  n  n  n  n  n  Y  Y  Y  Y  Y  Y  n  n  n  Y  n  Y"),
    // A team on a protected environment: developers of a team may not change it either.
    ("team-env-dev-p",    "member", "none",      "none",   "none",      "developer", "none", "none",    P,  "n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  n  Y"),
    // In a team without grants: the project does not exist for them.
    ("team-no-grant",     "member", "none",      "none",   "none",      "none",   "none",    "none",    U,  "n  n  n  -  -  -  -  -  -  -  -  -  n  n  n  -  -  -"),
];

fn team_email(name: &str) -> String {
    format!("{name}@acme.dev")
}

/// The fixture of [`fixture`] plus one member per team row, in teams `N-a` and `N-b` that hold
/// the row's team grants.
fn team_fixture() -> TestEnv {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    t.ok(&["env", "add", "staging", "--project", "acme/shop"]);
    t.ok(&["member", "add", "owner@acme.dev", "--org", "acme"]);
    t.ok(&["member", "add", "target@acme.dev", "--org", "acme"]);
    let grant = |holder: &[&str], project: &str, env: &str| {
        if project != "none" {
            t.ok(&[holder, &["-p", "acme/shop", "--role", project]].concat());
        }
        if env != "none" {
            for e in ["production", "staging"] {
                t.ok(&[holder, &["-p", "acme/shop", "--env", e, "--role", env]].concat());
            }
        }
    };
    for (n, (name, org, own_p, own_e, a_p, a_e, b_p, b_e, _, _)) in TEAM_TABLE.iter().enumerate() {
        let who = team_email(name);
        t.ok(&["member", "add", &who, "--role", org, "--org", "acme"]);
        grant(&["member", "grant", &who], own_p, own_e);
        for (suffix, p, e) in [("a", a_p, a_e), ("b", b_p, b_e)] {
            let team = format!("t{n}-{suffix}");
            t.ok(&["team", "add", &team, "--org", "acme"]);
            t.ok(&["team", "join", &team, &who, "--org", "acme"]);
            grant(&["team", "grant", &team], p, e);
        }
    }
    seed_resources_for_copies(&t);
    t
}

#[test]
fn the_team_table_has_one_row_per_name_and_a_cell_per_column() {
    let mut seen = std::collections::BTreeSet::new();
    for row in TEAM_TABLE {
        assert!(seen.insert(row.0), "duplicate row {}", row.0);
        assert_eq!(row.9.split_whitespace().count(), ACTIONS.len(), "{}", row.0);
    }
}

#[test]
fn team_rows_agree_through_enforcement_and_access_check() {
    let fixture = team_fixture();
    let rows: Vec<Row> = TEAM_TABLE
        .iter()
        .map(|row| Row {
            label: row.0.to_string(),
            who: team_email(row.0),
            protected: row.8,
            expected: row.9,
        })
        .collect();
    assert_eq!(verify(&fixture, &rows), TEAM_TABLE.len() * ACTIONS.len());
}

fn enforce_label(job: &Job) -> String {
    match job {
        Job::Enforce(args) | Job::Check(args) => args.join(" "),
        Job::Sql { who, column, env } => format!("{} as {who} on {env}", ACTIONS[*column].1),
    }
}
