//! Every statement the store issues, asked of SQLite with `EXPLAIN QUERY PLAN` on a populated
//! file: none may scan a whole table. Statements are captured from real commands through
//! `PROJ_TRACE_SQL` with `PROJ_TEST_TRACE_UNBOUND` (a test-only switch in
//! `src/store/test_hooks.rs`), i.e. as prepared, with their `?` parameters, and explained
//! unbound on a connection configured as the store's (query planner stability on), so the
//! plan is the one the store gets, not one for literal values SQLite could fold away.
//!
//! The commands cover every noun and verb, `init`, `link`, `backup`, `restore`, the shell
//! completers (`COMPLETE=bash`), and run as the owner and as two non-owners with grants (a
//! member who is developer on one project and viewer on its production, and a viewer).

use crate::support::TestEnv;
use proj::store::{generate::Spec, sqlite::Store};
use std::collections::BTreeSet;

/// What may be scanned whole: `selection` (alias `s`) has one row (the saved organization,
/// project and identity), `sqlite_schema` is SQLite's own, and `CONSTANT` is `SCAN CONSTANT
/// ROW`, no table. Anything else, by name or by the alias a query gives it, fails.
const TINY: &[&str] = &["selection", "s", "sqlite_schema", "CONSTANT"];

/// Statements that read a whole table by design, each matched exactly by its text.
const LISTING_BY_DESIGN: &[&str] = &[
    // `org list` prints every organization.
    "SELECT id, slug, display_name, created_at FROM orgs ORDER BY slug",
    // Whether any member exists at all: stops at the first row.
    "SELECT EXISTS (SELECT 1 FROM members)",
    // The unfiltered log, newest first: walks the table backwards and stops after LIMIT rows.
    "SELECT id, at, actor, action, org_id, project_id, target, before, after FROM events \
     WHERE ?1 IS NULL AND id < ?3 ORDER BY id DESC LIMIT ?2",
];

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

const MEMBER: &str = "qp-dev@example.com";
const VIEWER: &str = "qp-viewer@example.com";

/// Commands for the non-owners: reads everywhere, and writes they may or may not be allowed.
fn non_owner_script() -> Vec<Vec<&'static str>> {
    vec![
        vec!["whoami"],
        // Each identity keeps its own selection: the owner's is not theirs.
        vec!["org", "use", "org-1"],
        vec!["context"],
        vec!["org", "list"],
        vec!["org", "show", "org-1"],
        vec!["project", "list", "--org", "org-1"],
        vec!["project", "show", "org-1/project-1"],
        vec!["project", "show", "org-1/project-2"],
        vec!["env", "list", "-p", "org-1/project-1"],
        vec!["env", "list", "-p", "org-1/project-1", "--archived"],
        vec!["env", "show", "org-1/project-1/production"],
        vec!["env", "show", "org-1/project-1/staging"],
        vec!["env", "add", "qp-mine", "-p", "org-1/project-1"],
        vec!["env", "rename", "org-1/project-1/qp-mine", "qp-ours"],
        vec!["env", "remove", "org-1/project-1/qp-ours", "--yes"],
        vec![
            "resource",
            "list",
            "-p",
            "org-1/project-1",
            "--env",
            "staging",
        ],
        vec![
            "resource",
            "add",
            "qp-x",
            "--type",
            "app",
            "-p",
            "org-1/project-1",
            "--env",
            "staging",
        ],
        vec!["member", "list", "--org", "org-1"],
        vec!["member", "show", "user1@example.com", "--org", "org-1"],
        vec![
            "access",
            "check",
            MEMBER,
            "env.update",
            "org-1/project-1/production",
        ],
        vec!["access", "check", VIEWER, "resource.add", "org-1/project-2"],
        vec!["log", "--limit", "5"],
        vec!["log", "--project", "org-1/project-1"],
        vec!["tree", "--project", "org-1/project-1"],
        vec!["tree"],
        vec!["project", "add", "qp-denied", "--org", "org-1"],
        vec!["export", "--org", "org-1"],
    ]
}

/// Lines being completed (`proj` first, the word under the cursor last), read as the owner
/// and as the member: every completer that reads the file.
fn completions() -> Vec<Vec<&'static str>> {
    vec![
        vec!["proj", "org", "show", ""],
        vec!["proj", "project", "show", ""],
        vec!["proj", "project", "show", "org-1/pro"],
        vec!["proj", "-p", "org-1/project-1", "env", "rm", ""],
        vec!["proj", "env", "show", "org-1/project-1/"],
        vec!["proj", "env", "clone", "staging", ""],
        vec!["proj", "env", "unarchive", ""],
        vec![
            "proj",
            "-p",
            "org-1/project-1",
            "resource",
            "show",
            "--env",
            "staging",
            "",
        ],
        vec!["proj", "resource", "mv", "api-0", "--to", ""],
        vec!["proj", "member", "show", "--org", "org-1", "user"],
        vec![
            "proj",
            "member",
            "grant",
            "user4@example.com",
            "--project",
            "",
        ],
        vec!["proj", "member", "add", "x@example.com", "--role", ""],
        vec!["proj", "access", "check", ""],
        vec![
            "proj",
            "access",
            "check",
            "user4@example.com",
            "env.update",
            "",
        ],
        vec!["proj", "restore", ""],
        vec!["proj", "--org", "org-1", "project", "use", ""],
        vec!["proj", "log", "--project", ""],
        vec!["proj", "tree", "--project", ""],
    ]
}

#[test]
fn no_statement_scans_a_whole_table() {
    crate::file_only!(
        "SQLite's query plans of a generated file (the server's bound on round trips: team_mode::reads_take_a_bounded_number_of_statements)"
    );
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
    let run = |who: &str, cwd: &std::path::Path, args: &[&str], vars: &[(&str, String)]| {
        let out = t
            .cmd()
            .current_dir(cwd)
            .env("PROJ_TRACE_SQL", &log)
            .env("PROJ_TEST_TRACE_UNBOUND", "1")
            .env("PROJ_AS", who)
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let owner = |args: &[&str]| {
        let (code, stderr) = run(OWNER, t.path(), args, &[]);
        assert_eq!(code, 0, "proj {args:?}: {stderr}");
    };
    let lines_before = |log: &std::path::Path| {
        std::fs::read_to_string(log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };

    // The owner: every noun and verb.
    for args in script() {
        owner(&args);
    }
    // init on the populated file, as its owner (keeps what exists).
    owner(&[
        "init",
        "--yes",
        "--user",
        OWNER,
        "--name",
        "One",
        "--org",
        "org-1",
        "--project",
        "project-1",
    ]);
    // link and unlink in a directory, and what reads the link.
    let here = t.path().join("work");
    std::fs::create_dir_all(&here).unwrap();
    for args in [
        vec!["link", "org-1/project-2"],
        vec!["context"],
        vec!["env", "list"],
        vec!["unlink"],
    ] {
        let (code, stderr) = run(OWNER, &here, &args, &[]);
        assert_eq!(code, 0, "proj {args:?} in a linked directory: {stderr}");
    }
    // Layout files: export, then apply a changed export with --prune (the last project
    // removed, a protection changed, a project with grants of a member and a team added),
    // then plan the same file against the result.
    let export = t
        .cmd()
        .env("PROJ_TRACE_SQL", &log)
        .env("PROJ_TEST_TRACE_UNBOUND", "1")
        .env("PROJ_AS", OWNER)
        .args(["export", "--org", "org-1"])
        .output()
        .unwrap();
    assert!(export.status.success());
    let text = String::from_utf8(export.stdout).unwrap();
    let last_project = text.rfind("[[org.project]]\n").unwrap();
    let changed = text[..last_project].replacen(
        "slug = \"staging\"\n",
        "slug = \"staging\"\nprotected = true\n",
        1,
    ) + "[[org.project]]\nslug = \"qp-layout\"\n\n[[org.project.env]]\nslug = \"production\"\n\n\
         [[org.project.env.resource]]\nslug = \"api\"\ntype = \"app\"\n\n\
         [[org.project.grant]]\nmember = \"user4@example.com\"\nrole = \"developer\"\n\n\
         [[org.project.grant]]\nteam = \"team-1\"\nenv = \"production\"\nrole = \"viewer\"\n";
    let layout = t.path().join("layout.toml");
    std::fs::write(&layout, changed).unwrap();
    owner(&["apply", "--yes", "--prune", layout.to_str().unwrap()]);
    owner(&["apply", "--dry-run", "--prune", layout.to_str().unwrap()]);
    owner(&["export", "--all"]);
    // backup, then restore of a removed environment, project and organization.
    let copy = t.path().join("copy.db");
    owner(&["backup", copy.to_str().unwrap()]);
    owner(&["env", "add", "qp-gone", "-p", "org-1/project-1"]);
    owner(&["env", "remove", "org-1/project-1/qp-gone", "--yes"]);
    let last_removal = || {
        let conn = rusqlite::Connection::open(&t.db).unwrap();
        conn.query_row(
            "SELECT max(id) FROM events WHERE action LIKE '%.remove'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        .to_string()
    };
    owner(&["restore", &last_removal()]);
    owner(&[
        "project", "add", "qp-gone", "--org", "org-1", "--env", "dev",
    ]);
    owner(&["project", "remove", "org-1/qp-gone", "--yes"]);
    owner(&["restore", &last_removal()]);
    owner(&["org", "add", "qp-gone-org"]);
    owner(&["org", "remove", "qp-gone-org", "--yes"]);
    owner(&["restore", &last_removal()]);
    let owner_lines = lines_before(&log);

    // Two non-owners with grants.
    owner(&[
        "member", "add", MEMBER, "--org", "org-1", "--role", "member",
    ]);
    owner(&[
        "member",
        "grant",
        MEMBER,
        "--project",
        "org-1/project-1",
        "--role",
        "developer",
    ]);
    owner(&[
        "member",
        "grant",
        MEMBER,
        "--project",
        "org-1/project-1",
        "--env",
        "production",
        "--role",
        "viewer",
    ]);
    owner(&[
        "member", "add", VIEWER, "--org", "org-1", "--role", "viewer",
    ]);
    owner(&[
        "member",
        "grant",
        VIEWER,
        "--project",
        "org-1/project-2",
        "--role",
        "viewer",
    ]);
    owner(&["env", "remove", "org-1/project-1/staging", "--yes"]);
    let removal = last_removal();
    let mut denied = 0;
    for who in [MEMBER, VIEWER] {
        for args in
            non_owner_script()
                .iter()
                .map(Vec::as_slice)
                .chain([["restore", removal.as_str()].as_slice()])
        {
            let (code, stderr) = run(who, t.path(), args, &[]);
            // Allowed (0), hidden (3), taken (4) or denied (5): never broken or misused.
            assert!(
                [0, 3, 4, 5].contains(&code),
                "proj {args:?} as {who}: exit {code}: {stderr}"
            );
            denied += (code != 0) as usize;
        }
    }
    assert!(denied > 0, "the non-owners were allowed everything");
    let non_owner_lines = lines_before(&log) - owner_lines;

    // The completers, as the owner and as the member.
    let before_completion = lines_before(&log);
    for who in [OWNER, MEMBER] {
        for words in completions() {
            let index = (words.len() - 1).to_string();
            let vars = [
                ("COMPLETE", "bash".to_string()),
                ("_CLAP_COMPLETE_INDEX", index),
                ("_CLAP_IFS", "\n".to_string()),
            ];
            let mut args = vec!["--"];
            args.extend(&words);
            let (code, stderr) = run(who, t.path(), &args, &vars);
            assert_eq!(code, 0, "completing {words:?} as {who}: {stderr}");
        }
    }
    let completion_lines = lines_before(&log) - before_completion;
    assert!(
        non_owner_lines > 50,
        "too few statements traced as non-owners"
    );
    assert!(
        completion_lines > 20,
        "too few statements traced by completion"
    );

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
    assert!(
        statements.iter().any(|s| s.contains('?')),
        "the trace holds expanded statements, not the prepared ones"
    );

    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .unwrap();
    let mut failures = Vec::new();
    let mut scans = BTreeSet::new();
    for sql in &statements {
        if sql.contains("pragma_") || LISTING_BY_DESIGN.contains(&sql.as_str()) {
            continue;
        }
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
        // Parameters stay unbound, as when the store prepares the statement.
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().unwrap() {
            let detail: String = row.get(3).unwrap();
            let mut words = detail.split_whitespace();
            if words.next() == Some("SCAN") {
                let table = words.next().unwrap_or_default().to_string();
                scans.insert(table.clone());
                if !TINY.contains(&table.as_str()) {
                    failures.push(format!("{detail}\n    in: {sql}"));
                }
            }
        }
    }
    eprintln!(
        "query plan: {} distinct statements explained ({owner_lines} traced as the owner, \
         {non_owner_lines} as non-owners, {completion_lines} by completion); scans: {scans:?}",
        statements.len()
    );
    assert!(failures.is_empty(), "full scans:\n{}", failures.join("\n"));
}

/// What `EXPLAIN QUERY PLAN` does not show: the lookups SQLite makes to enforce foreign keys
/// (a removal checks or cascades into every child table). Each child column must lead an
/// index, except in `selection` (one row).
#[test]
fn every_foreign_key_has_an_index() {
    crate::file_only!(
        "SQLite's schema and query plans (the server's bound on round trips: team_mode::reads_take_a_bounded_number_of_statements)"
    );
    let t = TestEnv::with_shop();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let strings = |sql: &str, col: usize| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(col))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut missing = Vec::new();
    for table in strings("SELECT name FROM sqlite_schema WHERE type = 'table'", 0) {
        if table == "selection" {
            continue;
        }
        let leading: Vec<String> = strings(&format!("PRAGMA index_list('{table}')"), 1)
            .iter()
            .filter_map(|index| {
                strings(&format!("PRAGMA index_info('{index}')"), 2)
                    .into_iter()
                    .next()
            })
            .collect();
        for column in strings(&format!("PRAGMA foreign_key_list('{table}')"), 3) {
            if !leading.contains(&column) {
                missing.push(format!("{table}.{column}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "foreign keys without an index: {missing:?}"
    );
}
