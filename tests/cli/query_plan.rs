//! Every statement the store issues, asked of SQLite with `EXPLAIN QUERY PLAN` on a populated
//! file: none may scan a whole table of the model. Statements are captured from real commands
//! through `PROJ_TRACE_SQL`, so a new query is checked as soon as a command runs it.

use crate::support::TestEnv;
use proj::store::{Store, generate::Spec};
use std::collections::BTreeSet;

/// Tables (and the aliases the store's queries give them) that must never be scanned whole.
const GUARDED: &[&str] = &[
    "orgs",
    "projects",
    "environments",
    "resources",
    "members",
    "grants",
    "events",
    "teams",
    "team_members",
    "o",
    "p",
    "e",
    "r",
    "m",
    "g",
    "po",
    "t",
    "tm",
];

/// Statements that list a whole table by design (`org list`, the unfiltered log), each
/// bounded by what it prints, and the `EXISTS` probe that stops at the first row.
fn listing_by_design(sql: &str) -> bool {
    sql.contains("FROM orgs ORDER BY slug")
        || sql == "SELECT EXISTS (SELECT 1 FROM members)"
        || (sql.contains("FROM events WHERE NULL IS NULL ORDER BY id DESC LIMIT"))
}

/// The commands whose statements are checked: reads and writes across every noun.
const OWNER: &str = "user1@example.com";
fn script() -> Vec<Vec<&'static str>> {
    vec![
        vec!["org", "list"],
        vec!["org", "show", "org-1"],
        vec!["org", "use", "org-1"],
        vec!["project", "list"],
        vec!["project", "show", "org-1/project-1"],
        vec![
            "project",
            "add",
            "bench-new",
            "--org",
            "org-1",
            "--env",
            "dev",
            "--env",
            "prod",
        ],
        vec!["project", "rename", "org-1/bench-new", "bench-renamed"],
        vec!["project", "use", "org-1/project-1"],
        vec!["env", "list"],
        vec!["env", "list", "--archived"],
        vec!["env", "show", "staging"],
        vec!["env", "show", "org-1/project-2/production"],
        vec!["env", "add", "bench-env"],
        vec!["env", "rename", "bench-env", "bench-env-2"],
        vec!["env", "archive", "bench-env-2"],
        vec!["env", "unarchive", "bench-env-2"],
        vec!["env", "protect", "bench-env-2"],
        vec!["env", "unprotect", "bench-env-2"],
        vec!["env", "remove", "bench-env-2", "--yes"],
        vec!["project", "remove", "org-1/bench-renamed", "--yes"],
        vec!["context"],
        vec!["log", "--limit", "5"],
        vec!["log", "--project", "org-1/project-1"],
        vec!["log", "--org", "org-1"],
        vec![
            "resource", "add", "qp-api", "--type", "app", "--env", "staging",
        ],
        vec!["resource", "list"],
        vec!["resource", "list", "--env", "staging"],
        vec!["resource", "show", "qp-api", "--env", "staging"],
        vec!["resource", "rename", "qp-api", "qp-web", "--env", "staging"],
        vec![
            "resource",
            "move",
            "qp-web",
            "--env",
            "staging",
            "--to",
            "development",
        ],
        vec!["resource", "remove", "qp-web", "--env", "development"],
        vec!["env", "clone", "staging", "qp-clone", "--with-access"],
        vec!["env", "diff", "staging", "qp-clone"],
        vec!["env", "remove", "qp-clone", "--yes"],
        vec!["tree", "--project", "org-1/project-1"],
        vec!["tree"],
        vec!["doctor"],
        vec!["member", "list", "--org", "org-1"],
        vec!["member", "show", "user4@example.com", "--org", "org-1"],
        vec![
            "member",
            "add",
            "qp@example.com",
            "--org",
            "org-1",
            "--role",
            "member",
        ],
        vec![
            "member",
            "role",
            "qp@example.com",
            "viewer",
            "--org",
            "org-1",
        ],
        vec![
            "member",
            "grant",
            "qp@example.com",
            "--project",
            "org-1/project-1",
            "--role",
            "developer",
        ],
        vec![
            "member",
            "grant",
            "qp@example.com",
            "--project",
            "org-1/project-1",
            "--env",
            "production",
            "--role",
            "viewer",
        ],
        vec![
            "member",
            "revoke",
            "qp@example.com",
            "--project",
            "org-1/project-1",
            "--env",
            "production",
        ],
        vec!["member", "remove", "qp@example.com", "--org", "org-1"],
        vec![
            "access",
            "check",
            "user4@example.com",
            "env.update",
            "org-1/project-1/production",
        ],
        vec![
            "access",
            "check",
            "user4@example.com",
            "resource.add",
            "org-1/project-2",
        ],
        vec!["whoami"],
        vec![
            "team",
            "add",
            "qp-team",
            "--org",
            "org-1",
            "--description",
            "query plans",
        ],
        vec!["team", "list", "--org", "org-1"],
        vec![
            "team",
            "join",
            "qp-team",
            "user4@example.com",
            "user5@example.com",
            "--org",
            "org-1",
        ],
        vec![
            "team",
            "grant",
            "qp-team",
            "--project",
            "org-1/project-1",
            "--role",
            "developer",
        ],
        vec![
            "team",
            "grant",
            "qp-team",
            "--project",
            "org-1/project-1",
            "--env",
            "staging",
            "--role",
            "admin",
        ],
        vec!["team", "show", "qp-team", "--org", "org-1"],
        vec!["member", "show", "user4@example.com", "--org", "org-1"],
        vec![
            "access",
            "check",
            "user4@example.com",
            "env.update",
            "org-1/project-1/staging",
        ],
        vec![
            "project",
            "list",
            "--org",
            "org-1",
            "--as",
            "user5@example.com",
        ],
        vec![
            "env",
            "clone",
            "org-1/project-1/staging",
            "qp-team-clone",
            "--with-access",
        ],
        vec!["env", "remove", "org-1/project-1/qp-team-clone", "--yes"],
        vec!["tree", "--org", "org-1", "--access"],
        vec![
            "team",
            "revoke",
            "qp-team",
            "--project",
            "org-1/project-1",
            "--env",
            "staging",
        ],
        vec![
            "team",
            "leave",
            "qp-team",
            "user5@example.com",
            "--org",
            "org-1",
        ],
        vec!["team", "rename", "qp-team", "qp-team-2", "--org", "org-1"],
        vec!["doctor"],
        vec!["team", "remove", "qp-team-2", "--org", "org-1", "--yes"],
        vec!["org", "add", "bench-org"],
        vec!["org", "rename", "bench-org", "bench-org-2"],
        vec!["org", "remove", "bench-org-2", "--yes"],
    ]
}

#[test]
fn no_statement_scans_a_whole_table() {
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    Store::open(&t.db)
        .unwrap()
        .generate(Spec {
            environments: 2000,
            seed: 7,
        })
        .unwrap();
    let log = t.path().join("trace.sql");
    for args in script() {
        let out = t
            .cmd()
            .env("PROJ_TRACE_SQL", &log)
            .env("PROJ_AS", OWNER)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "proj {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let statements: BTreeSet<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| {
            let up = l.to_ascii_uppercase();
            ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
                .iter()
                .any(|k| up.starts_with(k))
        })
        .map(str::to_string)
        .collect();
    assert!(
        statements.len() > 20,
        "too few statements traced: {statements:?}"
    );

    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let mut failures = Vec::new();
    for sql in &statements {
        if sql.contains("pragma_") || sql.contains("sqlite_schema") || listing_by_design(sql) {
            continue;
        }
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
        let details: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for d in details {
            let mut words = d.split_whitespace();
            if words.next() == Some("SCAN") {
                let table = words.next().unwrap_or_default();
                if GUARDED.contains(&table) {
                    failures.push(format!("{d}\n    in: {sql}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "full scans:\n{}", failures.join("\n"));
}
