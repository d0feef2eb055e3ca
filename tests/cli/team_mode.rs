//! Team mode: what only a shared PostgreSQL database has — reaching it, its write lock, its
//! schema, the statements a command sends, retries of serialization failures, a backup from it
//! to a file, and the same layout as on a file. Everything else runs on both backends through
//! the rest of the suite (`PROJ_TEST_PG`, see support.rs).

use crate::support::{TestEnv, pg_ensure_login};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Holds organization acme's write lock (its row, as the write functions lock it) in an open
/// transaction: what a long write of acme's does to the next one.
const HOLD_ACME: &str = "BEGIN; SELECT 1 FROM proj.orgs WHERE slug = 'acme' FOR NO KEY UPDATE";

/// Runs `proj ARGS` against `url` with extra variables; (exit code, stderr, how long it took).
fn run_at(t: &TestEnv, url: &str, envs: &[(&str, &str)], args: &[&str]) -> (i32, String, Duration) {
    let began = Instant::now();
    let out = t
        .std_cmd()
        .env("PROJ_DB", url)
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .expect("run proj");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        began.elapsed(),
    )
}

/// A server that is not there, or that never answers, exits 6 naming the host, within
/// PROJ_CONNECT_TIMEOUT. Needs no server of its own, so it runs on both backends.
#[test]
fn an_unreachable_server_exits_6_naming_the_host_within_the_timeout() {
    let t = TestEnv::new();
    // A port nobody listens on: refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    // A port that accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    for (port, what) in [(port, "refused"), (silent_port, "silent")] {
        let url = format!("postgres://ana:secret@127.0.0.1:{port}/platform");
        for args in [&["org", "list"][..], &["env", "add", "staging"]] {
            let (code, stderr, took) = run_at(&t, &url, &[("PROJ_CONNECT_TIMEOUT", "1")], args);
            assert_eq!(code, 6, "{what} {args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("127.0.0.1:{port}")) || stderr.contains("127.0.0.1"),
                "{what}: the host is named: {stderr}"
            );
            assert!(
                !stderr.contains("secret"),
                "{what}: the password is shown: {stderr}"
            );
            assert!(
                took < Duration::from_secs(6),
                "{what} {args:?}: took {took:?} with a 1 s connect timeout"
            );
        }
    }
    drop(silent);
}

/// Another session holding the organization's write lock (its row, which the write functions
/// lock) past the busy timeout makes a write exit 6 and change nothing; reads do not wait.
#[test]
fn a_held_write_lock_exits_6_after_the_timeout() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let before = t.dump();
    let mut holder = t.pg.as_ref().unwrap().admin();
    holder.batch_execute(HOLD_ACME).unwrap();
    let url = t.db_arg();
    let (code, stderr, took) = run_at(
        &t,
        &url,
        &[("PROJ_BUSY_TIMEOUT_MS", "1000")],
        &["env", "add", "staging", "-p", "acme/shop"],
    );
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("busy"), "{stderr}");
    assert!(
        took >= Duration::from_millis(1000),
        "gave up after {took:?}"
    );
    assert!(took < Duration::from_secs(10), "waited {took:?}");
    t.ok(&["env", "list", "-p", "acme/shop"]);
    holder.batch_execute("ROLLBACK").unwrap();
    assert_eq!(t.dump(), before);
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// A schema `proj` of a newer proj exits 6, and one proj did not make exits 1: both left
/// exactly as they were.
#[test]
fn a_newer_or_foreign_schema_is_refused_untouched() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let mut admin = t.pg.as_ref().unwrap().admin();
    admin
        .batch_execute(
            "COMMENT ON SCHEMA proj IS 'proj schema, application 0x50524F4A, version 99. Managed by proj: do not edit.'",
        )
        .unwrap();
    let before = t.dump();
    for args in [
        &["org", "list"][..],
        &["env", "add", "staging", "-p", "acme/shop"],
    ] {
        let r = t.run(args);
        assert_eq!(r.code, 6, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("newer"), "{}", r.stderr);
    }
    assert_eq!(t.dump(), before);

    let foreign = TestEnv::new_empty();
    let mut admin = foreign.pg.as_ref().unwrap().admin();
    admin
        .batch_execute(
            "CREATE SCHEMA proj; CREATE TABLE proj.orgs (id int); INSERT INTO proj.orgs VALUES (1);",
        )
        .unwrap();
    let before = foreign.dump();
    for args in [&["org", "list"][..], &["org", "add", "acme"]] {
        let r = foreign.run(args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("did not create"), "{}", r.stderr);
    }
    assert_eq!(foreign.dump(), before);
}

/// `proj doctor --json` on a server as `login` (the harness's default when `None`): the exit
/// code and each check's (status, detail) by id.
fn doctor_checks(t: &TestEnv, login: Option<&str>) -> (i32, BTreeMap<String, (String, String)>) {
    let mut args = vec!["doctor", "--json"];
    if let Some(l) = login {
        args.extend(["--as", l]);
    }
    let r = t.run(&args);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("doctor: {e}: {}{}", r.stdout, r.stderr));
    assert_eq!(v["db"], t.db_arg(), "{v}");
    assert_eq!(v["healthy"] == true, r.code == 0, "{v}: {}", r.stderr);
    let checks = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap().to_string();
            (text("id"), (text("status"), text("detail")))
        })
        .collect();
    (r.code, checks)
}

/// The status of check `id`, and its detail.
#[track_caller]
fn status<'a>(checks: &'a BTreeMap<String, (String, String)>, id: &str) -> (&'a str, &'a str) {
    let (s, d) = checks
        .get(id)
        .unwrap_or_else(|| panic!("no check {id}: {checks:?}"));
    (s.as_str(), d.as_str())
}

/// A database with PostgreSQL's default privileges (PUBLIC keeps TEMPORARY; the harness
/// grants it CREATE too): doctor says which server, and fails naming each REVOKE; once they
/// are run, the database line is ok.
#[test]
fn doctor_fails_on_postgresql_default_privileges_naming_the_fix() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let db = t.pg.as_ref().unwrap().name.clone();
    let (code, checks) = doctor_checks(&t, None);
    assert_eq!(code, 1, "{checks:?}");
    let (s, d) = status(&checks, "server");
    assert_eq!(s, "ok");
    assert!(d.starts_with("PostgreSQL "), "{d}");
    let (s, d) = status(&checks, "database");
    assert_eq!(s, "fail", "{d}");
    assert!(d.contains("temporary object can shadow a name"), "{d}");
    for fix in [
        format!("fix: `REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC`"),
        format!("`REVOKE CREATE ON DATABASE {db} FROM PUBLIC`"),
    ] {
        assert!(d.contains(&fix), "{fix}: {d}");
    }
    let human = t.run(&["doctor"]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("  fail  database"),
        "{}",
        human.stdout
    );
    assert!(human.stderr.contains("database"), "{}", human.stderr);
    assert!(
        human.stderr.contains("run the statements"),
        "{}",
        human.stderr
    );

    t.pg.as_ref()
        .unwrap()
        .admin()
        .batch_execute(&format!(
            "REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC; \
             REVOKE CREATE ON DATABASE {db} FROM PUBLIC"
        ))
        .unwrap();
    let (_, checks) = doctor_checks(&t, None);
    assert_eq!(status(&checks, "database").0, "ok", "{checks:?}");
}

/// On a database set up as the README says, the lines about the database and the login
/// hold on any schema: the database grants nobody TEMPORARY or CREATE, a member is a plain
/// login, and the schema's owner running doctor only warns that nobody should work as it.
#[test]
fn doctor_passes_the_database_lines_on_a_readme_database() {
    crate::server_only!();
    let t = TestEnv::new_as_readme();
    t.ok(&["org", "add", "acme"]);
    let (_, checks) = doctor_checks(&t, None);
    for id in [
        "schema",
        "server",
        "privileges",
        "login",
        "database",
        "row-security",
    ] {
        assert_eq!(status(&checks, id).0, "ok", "{id}: {checks:?}");
    }
    let (_, checks) = doctor_checks(&t, Some(crate::support::SCHEMA_OWNER));
    let (s, d) = status(&checks, "login");
    assert_eq!(s, "warn", "{d}");
    assert!(d.contains("nobody should work as it"), "{d}");
    assert_eq!(status(&checks, "database").0, "ok", "{checks:?}");
}

/// Depends on migration 3 (logins hold nothing on proj's tables, every function pinned with
/// pg_temp last): on a database set up as the README says, doctor is healthy, for a member
/// and for the schema's owner running it (a warning is not a failure).
#[test]
fn doctor_is_healthy_on_a_readme_database() {
    crate::server_only!();
    let t = TestEnv::new_as_readme();
    t.ok(&["org", "add", "acme"]);
    for login in [None, Some(crate::support::SCHEMA_OWNER)] {
        let (code, checks) = doctor_checks(&t, login);
        for id in ["grants", "functions"] {
            assert_eq!(status(&checks, id).0, "ok", "{login:?} {id}: {checks:?}");
        }
        assert_eq!(code, 0, "{login:?}: {checks:?}");
    }
}

/// Each privilege beyond what proj grants, and each unpinned function, fails doctor naming
/// it and the statement that takes it away; once run, that line is gone.
#[test]
fn doctor_names_each_privilege_beyond_what_proj_grants() {
    crate::server_only!();
    let t = TestEnv::new_as_readme();
    t.ok(&["org", "add", "acme"]);
    let pg = t.pg.as_ref().unwrap();
    pg_ensure_login(&pg.socket_dir, "eve@other.dev");
    let mut admin = pg.admin();
    admin
        .batch_execute(
            "GRANT CREATE ON SCHEMA proj TO PUBLIC;
             GRANT SELECT ON proj.members TO PUBLIC;
             GRANT SELECT ON proj.members TO \"eve@other.dev\";
             ALTER TABLE proj.teams DISABLE ROW LEVEL SECURITY;",
        )
        .unwrap();
    // As the owner, as a careless migration would: one function without a pinned
    // search_path, one that reads a table without SECURITY DEFINER (PUBLIC may run both).
    pg.connect_as(crate::support::SCHEMA_OWNER)
        .batch_execute(
            "CREATE FUNCTION proj.peek() RETURNS int LANGUAGE sql AS 'SELECT 1';
             CREATE FUNCTION proj.count_members() RETURNS bigint LANGUAGE sql
                 SET search_path = proj, pg_catalog, pg_temp
                 AS 'SELECT count(*) FROM members';",
        )
        .unwrap();
    let fixes = [
        ("grants", "REVOKE CREATE ON SCHEMA proj FROM PUBLIC"),
        ("grants", "REVOKE ALL ON TABLE proj.members FROM PUBLIC"),
        (
            "grants",
            "REVOKE ALL ON TABLE proj.members FROM \"eve@other.dev\"",
        ),
        (
            "functions",
            "ALTER FUNCTION proj.peek() SET search_path = proj, pg_catalog, pg_temp",
        ),
        (
            "functions",
            "REVOKE EXECUTE ON FUNCTION proj.count_members() FROM PUBLIC",
        ),
        (
            "row-security",
            "ALTER TABLE proj.teams ENABLE ROW LEVEL SECURITY",
        ),
    ];
    let (code, checks) = doctor_checks(&t, None);
    assert_eq!(code, 1, "{checks:?}");
    assert_eq!(status(&checks, "database").0, "ok", "{checks:?}");
    for (id, fix) in fixes {
        let (s, d) = status(&checks, id);
        assert_eq!(s, "fail", "{id}: {d}");
        assert!(d.contains(&format!("`{fix}`")), "{id}: {fix}: {d}");
    }
    let (_, d) = status(&checks, "grants");
    assert!(d.contains("PUBLIC holds CREATE on schema proj"), "{d}");
    assert!(
        d.contains("\"eve@other.dev\" holds SELECT on table proj.members"),
        "{d}"
    );
    let (_, d) = status(&checks, "functions");
    assert!(
        d.contains("proj.peek() may be run by PUBLIC and its search_path is not set"),
        "{d}"
    );
    assert!(
        !d.contains("ALTER FUNCTION proj.count_members() SET search_path"),
        "pinned already: {d}"
    );
    // The statements doctor printed take each one away (asked as the owner: on a schema
    // whose tables PUBLIC still reads through, revoking members' SELECT blinds the login).
    for (_, fix) in fixes {
        admin.batch_execute(fix).unwrap();
    }
    let (_, checks) = doctor_checks(&t, Some(crate::support::SCHEMA_OWNER));
    for (id, fix) in fixes {
        let (_, d) = status(&checks, id);
        assert!(!d.contains(fix), "{id}: still {fix}: {d}");
    }
    assert_eq!(status(&checks, "row-security").0, "ok", "{checks:?}");
}

/// One layout, made by the same commands.
fn build_layout(t: &TestEnv) {
    for args in [
        &["org", "add", "acme", "--display-name", "Acme"][..],
        &[
            "project",
            "add",
            "shop",
            "--org",
            "acme",
            "--env",
            "dev",
            "--env",
            "staging",
            "--env",
            "production",
        ],
        &["project", "add", "web", "--org", "acme"],
        &[
            "member",
            "add",
            "ana@acme.dev",
            "--org",
            "acme",
            "--name",
            "Ana",
        ],
        &[
            "member",
            "add",
            "bo@acme.dev",
            "--org",
            "acme",
            "--role",
            "member",
        ],
        &[
            "member",
            "add",
            "cy@acme.dev",
            "--org",
            "acme",
            "--role",
            "viewer",
        ],
        &[
            "member",
            "grant",
            "bo@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "developer",
        ],
        &[
            "member",
            "grant",
            "bo@acme.dev",
            "-p",
            "acme/shop",
            "--env",
            "production",
            "--role",
            "viewer",
        ],
        &["team", "add", "backend", "--org", "acme"],
        &["team", "join", "backend", "cy@acme.dev", "--org", "acme"],
        &[
            "team", "grant", "backend", "-p", "acme/web", "--role", "admin",
        ],
        &[
            "resource",
            "add",
            "api",
            "-t",
            "app",
            "-e",
            "staging",
            "-p",
            "acme/shop",
        ],
        &[
            "resource",
            "add",
            "db",
            "-t",
            "database",
            "-e",
            "production",
            "-p",
            "acme/shop",
        ],
        &["env", "archive", "acme/shop/dev"],
    ] {
        t.ok(args);
    }
}

/// What the layout looks like through `proj` itself, as the owner sees it.
fn layout(t: &TestEnv) -> Vec<serde_json::Value> {
    let mut member_list = t.json(&["member", "list", "--org", "acme"]);
    // The login is the server's mapping of a member, not part of the layout.
    for m in member_list.as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("login");
    }
    vec![
        t.json(&["tree", "--all"]),
        member_list,
        t.json(&["team", "list", "--org", "acme"]),
        t.json(&["env", "list", "-p", "acme/shop", "--archived"]),
    ]
}

/// A layout made on the server is the one the same commands make on a file, and a backup
/// of the server opens as a file showing the same.
#[test]
fn the_same_commands_make_the_same_layout_as_on_a_file_and_a_backup_keeps_it() {
    crate::server_only!();
    let server = TestEnv::new();
    build_layout(&server);
    let file = TestEnv::on_file();
    build_layout(&file);
    let on_server = layout(&server);
    assert_eq!(on_server, layout(&file));

    let copy = server.path().join("team.db");
    server.ok(&["backup", copy.to_str().unwrap()]);
    let restored = TestEnv::on_file();
    std::fs::create_dir_all(restored.db.parent().unwrap()).unwrap();
    std::fs::copy(&copy, &restored.db).unwrap();
    // The file acts as the owner the server's login was (the first member, ana).
    fn as_ana<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [args, &["--as", "ana@acme.dev"]].concat()
    }
    let backed_up = vec![
        restored.json(&as_ana(&["tree", "--all"])),
        {
            let mut m = restored.json(&as_ana(&["member", "list", "--org", "acme"]));
            for m in m.as_array_mut().unwrap() {
                m.as_object_mut().unwrap().remove("login");
            }
            m
        },
        restored.json(&as_ana(&["team", "list", "--org", "acme"])),
        restored.json(&as_ana(&["env", "list", "-p", "acme/shop", "--archived"])),
    ];
    assert_eq!(backed_up, on_server);
    // The logins came along.
    let bo = restored.json(&as_ana(&["member", "show", "bo@acme.dev", "--org", "acme"]));
    assert_eq!(bo["login"], "bo@acme.dev", "{bo}");
}

/// How many statements `proj ARGS` sends as `login` (`PROJ_TRACE_SQL` writes one line per
/// statement).
fn statements(t: &TestEnv, login: &str, args: &[&str]) -> usize {
    let log = t.path().join(format!("trace-{}.sql", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let out = t
        .std_cmd()
        .env("PGUSER", login)
        .env("PROJ_TRACE_SQL", &log)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    let _ = std::fs::remove_file(&log);
    n
}

/// Adds `n` projects of three environments, each with a resource, a member with grants on
/// it, and a team holding a grant there.
fn grow(t: &TestEnv, from: usize, n: usize) {
    for i in from..from + n {
        let p = format!("p{i}");
        let path = format!("acme/{p}");
        let who = format!("m{i}@acme.dev");
        let team = format!("t{i}");
        for args in [
            &[
                "project",
                "add",
                &p,
                "--org",
                "acme",
                "--env",
                "dev",
                "--env",
                "staging",
                "--env",
                "production",
            ][..],
            &[
                "resource", "add", "api", "-t", "app", "-e", "staging", "-p", &path,
            ],
            &["member", "add", &who, "--org", "acme", "--role", "member"],
            &["member", "grant", &who, "-p", &path, "--role", "developer"],
            &[
                "member",
                "grant",
                &who,
                "-p",
                &path,
                "--env",
                "production",
                "--role",
                "viewer",
            ],
            &["team", "add", &team, "--org", "acme"],
            &["team", "join", &team, &who, "--org", "acme"],
            &["team", "grant", &team, "-p", &path, "--role", "viewer"],
        ] {
            t.ok(args);
        }
    }
}

/// A command sends the same number of statements whatever the data's size: no query per
/// member, team, project or environment. Lists read a whole organization's grants, team
/// members and environments in one query each (`src/cli/roster.rs`). Counted as the owner,
/// who sees everything, and as a member who sees only the projects granted to them (or to
/// their team), with 2 projects (each with a member, a team and grants) and then with 8.
#[test]
fn commands_take_a_bounded_number_of_statements() {
    crate::server_only!();
    const READS: [&[&str]; 16] = [
        &["org", "list"],
        &["tree", "--org", "acme"],
        &["tree", "--org", "acme", "--access"],
        &["tree", "--all", "--access"],
        &["project", "list", "--org", "acme"],
        &["env", "list", "-p", "acme/p0"],
        &["resource", "list", "-p", "acme/p0", "-e", "staging"],
        &["whoami"],
        &["member", "list", "--org", "acme"],
        &["member", "show", "m0@acme.dev", "--org", "acme"],
        &["team", "list", "--org", "acme"],
        &["team", "show", "t0", "--org", "acme"],
        &[
            "access",
            "check",
            "m0@acme.dev",
            "env.update",
            "acme/p0/production",
        ],
        &["log", "--org", "acme", "--limit", "500"],
        &["export", "--org", "acme"],
        &["export", "--all", "-o", "json"],
    ];
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["member", "add", "ana@acme.dev", "--org", "acme"]);
    let count =
        |login: &str| -> Vec<usize> { READS.iter().map(|r| statements(&t, login, r)).collect() };
    grow(&t, 0, 2);
    let small = [count("ana@acme.dev"), count("m0@acme.dev")];
    grow(&t, 2, 6);
    let large = [count("ana@acme.dev"), count("m0@acme.dev")];
    let mut grew = Vec::new();
    for (who, (small, large)) in ["owner", "member"].iter().zip(small.iter().zip(&large)) {
        for (r, (s, l)) in READS.iter().zip(small.iter().zip(large)) {
            eprintln!("as {who}: {r:?}: {s} -> {l}");
            if s != l {
                grew.push(format!(
                    "as {who}: {r:?}: {s} statements with 2 projects, {l} with 8"
                ));
            }
        }
    }
    for (who, large) in ["owner", "member"].iter().zip(&large) {
        for (r, l) in READS.iter().zip(large) {
            // Bounded and small: one connection's set-up, one transaction, a few lookups.
            assert!(*l <= 15, "as {who}: {r:?} sends {l} statements");
        }
    }
    assert!(
        grew.is_empty(),
        "commands that grow with the data:\n{}",
        grew.join("\n")
    );
}

/// Writers of one organization take turns (`w_begin`): a write that starts while another
/// session holds the organization's write lock waits for it, and then sees what it committed —
/// `env add qa` after the other added `qa` is a real conflict (exit 4), `env add staging`
/// succeeds beside it; neither is a spurious failure.
#[test]
fn writers_of_an_organization_take_turns_and_see_each_others_changes() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let url = t.db_arg();
    let mut other = t.pg.as_ref().unwrap().admin();
    other.batch_execute(HOLD_ACME).unwrap();
    let spawn = |slug: &str| {
        let t = &t;
        let url = url.clone();
        let slug = slug.to_string();
        std::thread::spawn({
            let cmd = {
                let mut c = t.std_cmd();
                c.env("PROJ_DB", &url)
                    .env("PROJ_BUSY_TIMEOUT_MS", "20000")
                    .args(["env", "add", &slug, "-p", "acme/shop"]);
                if let Some(pg) = &t.pg {
                    c.env("PGUSER", pg.login.lock().unwrap().clone());
                }
                c
            };
            move || {
                let mut cmd = cmd;
                cmd.output().unwrap()
            }
        })
    };
    let qa = spawn("qa");
    let staging = spawn("staging");
    std::thread::sleep(Duration::from_millis(700));
    // Both wait for the lock; the other session adds `qa` and lets go.
    other
        .batch_execute(
            "INSERT INTO proj.environments (project_id, slug, display_name, kind, created_at)
                 SELECT id, 'qa', 'QA', 'custom', '2026-11-27T09:14:03Z' FROM proj.projects
                 WHERE slug = 'shop';
             COMMIT;",
        )
        .unwrap();
    let qa = qa.join().unwrap();
    let staging = staging.join().unwrap();
    assert_eq!(
        qa.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&qa.stderr)
    );
    assert!(
        staging.status.success(),
        "{}",
        String::from_utf8_lossy(&staging.stderr)
    );
    let mut envs = crate::helpers::env_slugs(&t, &["-p", "acme/shop"]);
    envs.sort();
    assert_eq!(envs, ["production", "qa", "staging"]);
}

/// Starts `proj ARGS` as `login` with `envs`, held inside its write transaction just before
/// COMMIT (`PROJ_TEST_PAUSE_IN_TX`, the same hook as the retry test above), runs `during`
/// while it waits, and returns (exit code, stdout, stderr) once it ends.
fn run_paused(
    t: &TestEnv,
    login: &str,
    envs: &[(&str, &str)],
    args: &[&str],
    during: impl FnOnce(),
) -> (i32, String, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = t
        .std_cmd()
        .env("PGUSER", login)
        .env("PROJ_TEST_PAUSE_IN_TX", "1500")
        .envs(envs.iter().copied())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("proj-test: paused in transaction") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "proj ended before its commit: {seen}"
        );
        seen.push_str(&line);
    }
    during();
    stderr.read_to_string(&mut seen).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, stdout, seen)
}

/// The login the harness connects as for `t`'s commands by default.
fn login_of(t: &TestEnv) -> String {
    t.pg.as_ref().unwrap().login.lock().unwrap().clone()
}

/// Runs `proj ARGS` as `login` with `envs` and a statement trace; (code, stdout, stderr,
/// trace).
fn run_traced(
    t: &TestEnv,
    login: &str,
    envs: &[(&str, &str)],
    args: &[&str],
) -> (i32, String, String, String) {
    let log = t.path().join("fault.sql");
    let _ = std::fs::remove_file(&log);
    let out = t
        .std_cmd()
        .env("PGUSER", login)
        .env("PROJ_TRACE_SQL", &log)
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(&log).unwrap_or_default(),
    )
}

/// The connection lost after the server committed and before proj heard it (the test hook
/// ends the session right after COMMIT, in the same message): proj connects again, asks
/// `pg_xact_status` of the transaction, finds it committed and succeeds: exit 0, the
/// environment there once, one audit event. (Before, it exited 6 "nothing was changed", and
/// the retry that invited exited 4.)
#[test]
fn a_connection_lost_after_the_commit_reports_the_change_made() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let login = login_of(&t);
    let (code, stdout, stderr, trace) = run_traced(
        &t,
        &login,
        &[("PROJ_TEST_LOSE_COMMIT_REPLY", "1")],
        &["env", "add", "staging", "-p", "acme/shop"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("staging"),
        "the change is printed: {stdout}"
    );
    assert!(
        trace.contains("pg_terminate_backend(pg_backend_pid())")
            && trace.contains("pg_xact_status"),
        "the connection was lost and proj asked what became of the commit:\n{trace}"
    );
    let mut envs = crate::helpers::env_slugs(&t, &["-p", "acme/shop"]);
    envs.sort();
    assert_eq!(envs, ["production", "staging"]);
    let adds = crate::helpers::events(&t)
        .iter()
        .filter(|e| e["action"] == "env.add")
        .count();
    assert_eq!(adds, 1);
    // The write lock went with the lost session: the next write does not wait for it.
    t.ok(&["env", "add", "dev", "-p", "acme/shop"]);
}

/// The session ended by an administrator while proj waits to commit: the transaction is
/// aborted, proj learns so after connecting again, and exits 6 saying nothing was changed,
/// which is true.
#[test]
fn a_connection_lost_before_the_commit_reports_nothing_changed() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let before = t.dump();
    let login = login_of(&t);
    let pg = t.pg.as_ref().unwrap();
    let log = t.path().join("aborted.sql");
    let trace = log.to_str().unwrap().to_string();
    let (code, _, stderr) = run_paused(
        &t,
        &login,
        &[("PROJ_TRACE_SQL", &trace)],
        &["env", "add", "staging", "-p", "acme/shop"],
        || {
            let ended: i64 = pg
                .admin()
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name = 'proj'",
                    &[],
                )
                .unwrap()
                .get(0);
            assert_eq!(ended, 1, "proj's session was ended");
        },
    );
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("before the change committed"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("pg_xact_status"),
        "proj asked instead of assuming"
    );
    assert_eq!(t.dump(), before);
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// The connection lost after the commit, and no new connection to ask on (the login's
/// connection limit is 0 by then): proj does not know, and says so — exit 6, "it may or may
/// not have been made", `proj log` to check — never "nothing was changed". Here it was made.
#[test]
fn a_commit_proj_cannot_ask_about_says_it_may_have_been_made() {
    crate::server_only!();
    const LOGIN: &str = "lost-commit@acme.dev";
    let t = TestEnv::with_shop();
    let pg = t.pg.as_ref().unwrap();
    let limit = |n: i32| {
        pg.admin()
            .batch_execute(&format!("ALTER ROLE \"{LOGIN}\" CONNECTION LIMIT {n}"))
            .unwrap()
    };
    t.ok(&["member", "add", LOGIN, "--org", "acme", "--role", "admin"]);
    limit(-1);
    let (code, _, stderr) = run_paused(
        &t,
        LOGIN,
        &[
            ("PROJ_TEST_LOSE_COMMIT_REPLY", "1"),
            ("PROJ_CONNECT_TIMEOUT", "1"),
        ],
        &["env", "add", "staging", "-p", "acme/shop"],
        || limit(0),
    );
    limit(-1);
    assert_eq!(code, 6, "{stderr}");
    assert!(
        stderr.contains("it may or may not have been made"),
        "{stderr}"
    );
    assert!(stderr.contains("proj log"), "{stderr}");
    assert!(!stderr.contains("nothing was changed"), "{stderr}");
    assert!(stderr.contains("could not connect again"), "{stderr}");
    let envs = crate::helpers::env_slugs(&t, &["-p", "acme/shop"]);
    assert!(
        envs.contains(&"staging".to_string()),
        "it was made: {envs:?}"
    );
}

/// A server with no connection to spare (here: the login's connection limit) is a passing
/// state, not a wrong URL: exit 6 and "try again", not exit 1 and "check the URL".
#[test]
fn too_many_clients_exits_6_with_a_retry_hint() {
    crate::server_only!();
    const LOGIN: &str = "no-slots@acme.dev";
    let t = TestEnv::with_shop();
    let pg = t.pg.as_ref().unwrap();
    crate::support::pg_ensure_login(&pg.socket_dir, LOGIN);
    pg.admin()
        .batch_execute(&format!("ALTER ROLE \"{LOGIN}\" CONNECTION LIMIT 0"))
        .unwrap();
    let (code, _, stderr, _) = run_traced(&t, LOGIN, &[], &["org", "list"]);
    let (write_code, _, write_stderr, _) = run_traced(&t, LOGIN, &[], &["org", "add", "other"]);
    pg.admin()
        .batch_execute(&format!("ALTER ROLE \"{LOGIN}\" CONNECTION LIMIT -1"))
        .unwrap();
    for (code, stderr) in [(code, stderr), (write_code, write_stderr)] {
        assert_eq!(code, 6, "{stderr}");
        assert!(stderr.contains("too many clients"), "{stderr}");
        assert!(stderr.contains("try again"), "{stderr}");
        assert!(!stderr.contains("check "), "{stderr}");
    }
}

/// A DBA's `idle_in_transaction_session_timeout` is the one in force (proj only sets its own
/// 60 s where the server has none): a write held past it loses its session, and proj, having
/// asked, says nothing was changed.
#[test]
fn the_dbas_idle_in_transaction_timeout_is_respected() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let pg = t.pg.as_ref().unwrap();
    pg.admin()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET idle_in_transaction_session_timeout = '300ms'",
            pg.name
        ))
        .unwrap();
    let before = t.dump();
    let login = login_of(&t);
    let (code, _, stderr) = run_paused(
        &t,
        &login,
        &[],
        &["env", "add", "staging", "-p", "acme/shop"],
        || {},
    );
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(t.dump(), before);
    let doctor = doctor_report(&t);
    let timeouts = doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "timeouts")
        .unwrap_or_else(|| panic!("no timeouts check: {doctor}"))
        .clone();
    let detail = timeouts["detail"].as_str().unwrap();
    assert!(
        detail.contains("idle_in_transaction_session_timeout 300ms (the server's)"),
        "{detail}"
    );
    assert!(detail.contains("lock_timeout 5s (proj's"), "{detail}");
}

/// A DBA's `statement_timeout` that cancels proj's statement is named as what it is (not
/// "another writer held its lock"), exit 6; a DBA's `lock_timeout` is the one in force, and
/// named when it runs out. Here a session holds proj's write lock so the wait is long.
#[test]
fn the_dbas_statement_and_lock_timeouts_are_respected_and_named() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let pg = t.pg.as_ref().unwrap();
    let before = t.dump();
    let mut holder = pg.admin();
    holder.batch_execute(HOLD_ACME).unwrap();
    let url = t.db_arg();
    let add = ["env", "add", "staging", "-p", "acme/shop"];
    for (setting, value, expected) in [
        (
            "statement_timeout",
            "200ms",
            "the server's statement_timeout (200ms) cancelled the statement",
        ),
        (
            "lock_timeout",
            "300ms",
            "past the server's lock_timeout (300ms)",
        ),
    ] {
        pg.admin()
            .batch_execute(&format!(
                "ALTER DATABASE {} RESET ALL; ALTER DATABASE {} SET {setting} = '{value}'",
                pg.name, pg.name
            ))
            .unwrap();
        let (code, stderr, took) = run_at(&t, &url, &[("PROJ_BUSY_TIMEOUT_MS", "20000")], &add);
        assert_eq!(code, 6, "{setting}: {stderr}");
        assert!(stderr.contains(expected), "{setting}: {stderr}");
        assert!(!stderr.contains("another writer"), "{setting}: {stderr}");
        assert!(
            took < Duration::from_secs(10),
            "{setting}: waited {took:?}, as if PROJ_BUSY_TIMEOUT_MS overrode it"
        );
        let doctor = doctor_report(&t);
        assert!(
            doctor
                .to_string()
                .contains(&format!("{setting} {value} (the server's")),
            "{setting}: {doctor}"
        );
    }
    holder.batch_execute("ROLLBACK").unwrap();
    // RESET ALL also dropped the harness's proj.clock for the database: put it back.
    pg.admin()
        .batch_execute(&format!(
            "ALTER DATABASE {} RESET ALL; ALTER DATABASE {} SET proj.clock = '{}'",
            pg.name,
            pg.name,
            crate::support::NOW
        ))
        .unwrap();
    assert_eq!(t.dump(), before);
}

/// The connection lost while the server still runs the transaction (a partition: the test
/// hook never sends the COMMIT and keeps the old socket open): `pg_xact_status` says "in
/// progress", so proj ends that session — its own, matched by process id and transaction id —
/// and asks again: aborted, exit 6, nothing changed, and the old session gone. Without ending
/// it, the answer would stay "in progress" past the connect timeout ("may or may not").
#[test]
fn a_commit_still_in_progress_is_ended_and_then_known() {
    crate::server_only!();
    let t = TestEnv::with_shop();
    let before = t.dump();
    let login = login_of(&t);
    let (code, _, stderr, trace) = run_traced(
        &t,
        &login,
        &[
            ("PROJ_TEST_LOSE_COMMIT_REPLY", "partition"),
            ("PROJ_CONNECT_TIMEOUT", "3"),
        ],
        &["env", "add", "staging", "-p", "acme/shop"],
    );
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("before the change committed"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(trace.contains("pg_terminate_backend(a.pid)"), "{trace}");
    assert_eq!(t.dump(), before);
    let left: i64 =
        t.pg.as_ref()
            .unwrap()
            .admin()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'proj'",
                &[],
            )
            .unwrap()
            .get(0);
    assert_eq!(left, 0, "the old session was ended");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
}

/// `proj doctor --json`'s report, whatever its exit code (a test database keeps PostgreSQL's
/// default privileges, which doctor fails on).
fn doctor_report(t: &TestEnv) -> serde_json::Value {
    let out = t.run(&["doctor", "--json"]);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}
