//! A hostile login with `psql` on a shared database (migration 3): every road it has — tables,
//! functions, `EXPLAIN`, temporary objects, explicit ids, locks, the audit log, restore —
//! gives it no more than `proj` would. Each attack runs as a member of the organization and as
//! a login of no organization, on a database with PostgreSQL's default privileges (PUBLIC
//! keeps TEMPORARY) and again on one set up as the README's DBA recipe says; each asserts the
//! refusal and that nothing changed. Server only: a file cannot stop whoever may write it.

use crate::server_only;
use crate::support::{TestEnv, pg_ensure_login};
use postgres::error::SqlState;

/// acme (owner ana) with `shop` (bo is developer there, its production protected) and
/// `secret` (hidden from bo); mal is a login of no organization.
fn layout() -> TestEnv {
    let t = TestEnv::new();
    let pg = t.pg.as_ref().unwrap();
    pg_ensure_login(&pg.socket_dir, "mal");
    t.init("ana@acme.dev", "acme", "shop");
    t.ok(&["project", "add", "secret", "--org", "acme"]);
    t.ok(&["env", "add", "staging", "-p", "acme/secret"]);
    t.ok(&["member", "add", "bo@acme.dev", "--role", "member"]);
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    t.ok(&["member", "add", "cy@acme.dev", "--role", "member"]);
    t
}

fn id(t: &TestEnv, sql: &str) -> i64 {
    t.pg.as_ref()
        .unwrap()
        .admin()
        .query_one(sql, &[])
        .unwrap()
        .get(0)
}

/// What a statement answers as text rows, or the SQLSTATE it fails with.
fn run(c: &mut postgres::Client, sql: &str) -> Result<Vec<String>, SqlState> {
    match c.simple_query(sql) {
        Ok(msgs) => Ok(msgs
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => Some(
                    (0..r.len())
                        .map(|i| r.get(i).unwrap_or("NULL").to_string())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                _ => None,
            })
            .collect()),
        Err(e) => Err(e.code().cloned().unwrap_or(SqlState::INTERNAL_ERROR)),
    }
}

/// A write that did nothing: refused, or a row the login may not see (0 rows changed).
fn changes_nothing(c: &mut postgres::Client, sql: &str) {
    let _ = run(c, "ROLLBACK");
    match run(c, sql) {
        Ok(rows) => assert_eq!(rows, vec!["0"], "`{sql}` changed something"),
        Err(code) => assert!(
            matches!(
                code,
                SqlState::INSUFFICIENT_PRIVILEGE
                    | SqlState::FOREIGN_KEY_VIOLATION
                    | SqlState::CHECK_VIOLATION
            ),
            "`{sql}`: {code:?}"
        ),
    }
    let _ = run(c, "ROLLBACK");
}

/// `sql` is refused with one of `codes`; the transaction it was in is rolled back.
#[track_caller]
fn refused_as(c: &mut postgres::Client, sql: &str, codes: &[SqlState], who: &str) {
    let code = refused(c, sql);
    let _ = run(c, "ROLLBACK");
    assert!(codes.contains(&code), "{who}: {code:?}");
}

fn refused(c: &mut postgres::Client, sql: &str) -> SqlState {
    match run(c, sql) {
        Ok(rows) => panic!("`{sql}` was allowed: {rows:?}"),
        Err(code) => code,
    }
}

/// Runs every attack as `who`, then checks that the database is as it was.
fn attack_all(t: &TestEnv, who: &str) {
    let pg = t.pg.as_ref().unwrap();
    let before = t.dump();
    let acme = id(t, "SELECT id FROM proj.orgs WHERE slug = 'acme'");
    let secret = id(t, "SELECT id FROM proj.projects WHERE slug = 'secret'");
    let prod = id(
        t,
        "SELECT e.id FROM proj.environments e JOIN proj.projects p ON p.id = e.project_id
         WHERE p.slug = 'shop' AND e.slug = 'production'",
    );
    let bo = id(t, "SELECT id FROM proj.members WHERE email = 'bo@acme.dev'");
    let mut c = pg.connect_as(who);

    // No table, sequence or view of proj answers a login at all: no planner of theirs (so no
    // EXPLAIN ANALYZE counting what a filter removed), no explicit id, no LOCK.
    for table in [
        "orgs",
        "projects",
        "environments",
        "resources",
        "members",
        "teams",
        "team_members",
        "grants",
        "events",
        "selection",
        "removals",
        "pending",
    ] {
        for sql in [
            format!("SELECT * FROM proj.{table}"),
            format!("EXPLAIN ANALYZE SELECT * FROM proj.{table} WHERE 1 = 1"),
            format!("BEGIN; LOCK TABLE proj.{table} IN ACCESS EXCLUSIVE MODE"),
            format!("DELETE FROM proj.{table}"),
            format!("TRUNCATE proj.{table}"),
        ] {
            let _ = run(&mut c, "ROLLBACK");
            assert_eq!(
                refused(&mut c, &sql),
                SqlState::INSUFFICIENT_PRIVILEGE,
                "{who}: {sql}"
            );
        }
    }
    let _ = run(&mut c, "ROLLBACK");
    for sql in [
        format!(
            "INSERT INTO proj.orgs (id, slug, created_at) VALUES ({}, 'squat', now())",
            acme + 1
        ),
        format!(
            "INSERT INTO proj.events (id, at, actor, action, org_id, target) \
             VALUES (100000, now(), 'x', 'org.add', {acme}, 'acme')"
        ),
        "SELECT last_value FROM proj.orgs_id_seq".to_string(),
        "SELECT nextval('proj.events_id_seq')".to_string(),
    ] {
        // Refused before any row is looked at: no privilege, or no id but the sequence's.
        let code = refused(&mut c, &sql);
        assert!(
            code == SqlState::INSUFFICIENT_PRIVILEGE || code == SqlState::GENERATED_ALWAYS,
            "{who}: {sql}: {code:?}"
        );
    }

    // The helpers behind the rules are not callable: no oracle of what exists.
    for sql in [
        format!("SELECT proj.org_gone({acme})"),
        format!("SELECT proj.org_readable({acme})"),
        format!("SELECT proj.event_writable({acme}, {secret})"),
        format!("SELECT proj.standing({acme})"),
        format!("SELECT proj.project_role({secret}, NULL)"),
        format!("SELECT proj.saw_removed_org({acme})"),
        "SELECT * FROM proj.readable_projects()".to_string(),
        format!("SELECT proj.removed_key('projects', {secret})"),
        "SELECT proj.lock_org(1)".to_string(),
    ] {
        assert_eq!(
            refused(&mut c, &sql),
            SqlState::INSUFFICIENT_PRIVILEGE,
            "{who}: {sql}"
        );
    }
    // `name_taken` answers a project name only to who may add projects there.
    assert_eq!(
        run(&mut c, &format!("SELECT proj.name_taken({acme}, 'secret')")).unwrap(),
        vec!["NULL"],
        "{who}"
    );

    // Reading through the functions: hidden rows are not there, by id or by scan, and
    // EXPLAIN shows only a function scan.
    assert_eq!(
        run(
            &mut c,
            &format!("SELECT count(*) FROM proj.r_projects(p_id => {secret})")
        )
        .unwrap(),
        vec!["0"]
    );
    assert_eq!(
        run(
            &mut c,
            &format!("SELECT count(*) FROM proj.r_environments(p_project => {secret})")
        )
        .unwrap(),
        vec!["0"]
    );
    let plan = run(
        &mut c,
        "EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM proj.r_projects() WHERE slug > 'a'",
    )
    .unwrap()
    .join("\n");
    assert!(plan.contains("Function Scan"), "{plan}");
    assert!(
        !plan.contains("projects_org_id_slug_key") && !plan.contains("Index"),
        "{plan}"
    );
    let visible = run(&mut c, "SELECT slug FROM proj.r_projects() ORDER BY 1").unwrap();
    assert!(
        !visible.contains(&"secret".to_string()),
        "{who} sees {visible:?}"
    );

    // Temporary objects shadow nothing inside proj's functions (where PUBLIC may create them).
    if run(
        &mut c,
        "CREATE TEMP TABLE members (id bigint, org_id bigint, login text, role text, email text)",
    )
    .is_ok()
    {
        run(
            &mut c,
            &format!(
                "INSERT INTO pg_temp.members VALUES (1, {acme}, session_user, 'owner', 'x@x'); \
                 CREATE TEMP TABLE pg_roles (rolname name, rolsuper boolean); \
                 INSERT INTO pg_temp.pg_roles VALUES (session_user, true); \
                 CREATE TEMP TABLE events (id bigint); \
                 GRANT SELECT ON pg_temp.members, pg_temp.pg_roles, pg_temp.events TO PUBLIC"
            ),
        )
        .unwrap();
        let visible = run(&mut c, "SELECT slug FROM proj.r_projects() ORDER BY 1").unwrap();
        assert!(
            !visible.contains(&"secret".to_string()),
            "{who} shadowed into {visible:?}"
        );
        changes_nothing(
            &mut c,
            &format!("SELECT proj.w_member_update({bo}, NULL, 'owner')"),
        );
        let _ = run(
            &mut c,
            "DROP TABLE pg_temp.members, pg_temp.pg_roles, pg_temp.events",
        );
    }

    // Changes through the functions follow the rules: a protected production stays, a
    // production environment starts protected, a hidden project is a missing one.
    let _ = run(&mut c, "ROLLBACK");
    changes_nothing(
        &mut c,
        &format!(
            "SELECT proj.w_env_update({prod}, 'production', 'Renamed', 'production', NULL, \
             true, NULL)"
        ),
    );
    let shop = id(t, "SELECT id FROM proj.projects WHERE slug = 'shop'");
    refused_as(
        &mut c,
        &format!(
            "BEGIN; SELECT proj.w_env_insert({shop}, 'prod2', 'Prod2', 'production', NULL, \
             false, now()); COMMIT"
        ),
        &[
            SqlState::INSUFFICIENT_PRIVILEGE,
            SqlState::FOREIGN_KEY_VIOLATION,
        ],
        who,
    );
    let hidden = refused(
        &mut c,
        &format!("SELECT proj.w_env_insert({secret}, 'x', 'X', 'custom', NULL, false, now())"),
    );
    let missing = refused(
        &mut c,
        "SELECT proj.w_env_insert(987654321, 'x', 'X', 'custom', NULL, false, now())",
    );
    assert_eq!(
        hidden, missing,
        "{who}: a hidden project answers as a missing one"
    );
    assert_eq!(
        run(
            &mut c,
            &format!("SELECT proj.w_env_delete({})", secret + 1000)
        )
        .unwrap(),
        vec!["0"]
    );

    // A change without its event does not commit; an event without a change is refused.
    refused_as(
        &mut c,
        &format!("BEGIN; SELECT proj.w_resource_insert({prod}, 'x', 'app', NULL, now()); COMMIT"),
        &[
            SqlState::INSUFFICIENT_PRIVILEGE,
            SqlState::FOREIGN_KEY_VIOLATION,
        ],
        who,
    );
    for sql in [
        format!(
            "SELECT proj.record('member.remove', {acme}, NULL, 'mal@acme.dev', \
             '{{\"org\":\"acme\",\"email\":\"mal@acme.dev\",\"login\":\"mal\",\"role\":\"owner\"}}', NULL)"
        ),
        "SELECT proj.record('org.add', NULL, NULL, 'x', NULL, NULL)".to_string(),
        format!(
            "SELECT proj.record('org.remove', {acme}, NULL, 'acme', '{{\"members\":[]}}', NULL)"
        ),
    ] {
        let _ = run(&mut c, "ROLLBACK");
        assert_eq!(
            refused(&mut c, &sql),
            SqlState::INSUFFICIENT_PRIVILEGE,
            "{who}: {sql}"
        );
    }

    // No organization without an owner: one created without its creator as owner does not
    // commit.
    refused_as(
        &mut c,
        "BEGIN; SELECT proj.w_org_insert('ownerless', NULL, now()); \
         SELECT proj.record('org.add', currval(pg_get_serial_sequence('proj.orgs', 'id')), \
         NULL, 'ownerless', NULL, NULL); COMMIT",
        &[SqlState::INSUFFICIENT_PRIVILEGE, SqlState::CHECK_VIOLATION],
        who,
    );

    // Restore re-creates only what a real removal removed.
    refused_as(
        &mut c,
        &format!("SELECT proj.w_member_restore({acme}, 'mal@acme.dev', NULL, 'owner', now())"),
        &[
            SqlState::INSUFFICIENT_PRIVILEGE,
            SqlState::FOREIGN_KEY_VIOLATION,
        ],
        who,
    );

    drop(c);
    assert_eq!(t.dump(), before, "{who} changed something");
}

/// Nobody outside an organization can make its writers wait: a login of no organization
/// holding a transaction open (with whatever it may call) leaves `proj env add` alone.
fn nobody_blocks(t: &TestEnv, who: &str) {
    let pg = t.pg.as_ref().unwrap();
    let mut c = pg.connect_as(who);
    let acme = id(t, "SELECT id FROM proj.orgs WHERE slug = 'acme'");
    let _ = run(&mut c, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    let _ = run(&mut c, "SELECT * FROM proj.r_orgs()");
    let _ = run(
        &mut c,
        &format!("SELECT proj.w_org_update({acme}, 'acme', 'Taken')"),
    );
    let _ = run(&mut c, "SELECT pg_advisory_lock(5787775650370682967)");
    let slug = format!("qa-{}", who.len());
    let out = t
        .command_for(
            &[
                "env",
                "add",
                &slug,
                "-p",
                "acme/shop",
                "--as",
                "ana@acme.dev",
            ],
            None,
        )
        .env("PROJ_BUSY_TIMEOUT_MS", "1000")
        .output()
        .unwrap();
    let _ = run(&mut c, "ROLLBACK");
    assert!(
        out.status.success(),
        "{who} made a writer wait: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A forged removal event can make no owner restore what never was.
fn forged_restore(t: &TestEnv) {
    let pg = t.pg.as_ref().unwrap();
    let mut bo = pg.connect_as("bo@acme.dev");
    // bo may add an environment to shop: a real change, with an event that lies about it.
    let shop = id(t, "SELECT id FROM proj.projects WHERE slug = 'shop'");
    let acme = id(t, "SELECT id FROM proj.orgs WHERE slug = 'acme'");
    let forged = format!(
        "BEGIN; SELECT proj.w_env_insert({shop}, 'forged', 'Forged', 'custom', NULL, false, now()); \
         SELECT proj.record('member.remove', {acme}, NULL, 'mal@acme.dev', \
         '{{\"member\":{{\"org\":\"acme\",\"email\":\"mal@acme.dev\",\"name\":null,\"role\":\"owner\",\"created_at\":\"2026-01-01T00:00:00Z\",\"login\":\"mal\"}},\"teams\":[],\"grants\":[]}}', NULL); COMMIT"
    );
    let _ = run(&mut bo, &forged);
    let _ = run(&mut bo, "ROLLBACK");
    let ids = t
        .pg
        .as_ref()
        .unwrap()
        .admin()
        .query(
            "SELECT id FROM proj.events WHERE action = 'member.remove' AND target = 'mal@acme.dev'",
            &[],
        )
        .unwrap();
    for r in ids {
        let event: i64 = r.get(0);
        let out = t.run(&[
            "restore",
            &event.to_string(),
            "--as",
            "ana@acme.dev",
            "--yes",
        ]);
        assert_ne!(out.code, 0, "a forged event restored: {}", out.stdout);
    }
    assert_eq!(
        id(
            t,
            "SELECT count(*) FROM proj.members WHERE email = 'mal@acme.dev'"
        ),
        0
    );
}

#[test]
fn a_hostile_login_gets_no_more_than_proj_gives_on_default_privileges() {
    server_only!();
    let t = layout();
    for who in ["bo@acme.dev", "mal"] {
        attack_all(&t, who);
    }
    nobody_blocks(&t, "mal");
    forged_restore(&t);
}

#[test]
fn a_hostile_login_gets_no_more_than_proj_gives_as_the_readme_sets_it_up() {
    server_only!();
    let t = layout();
    let pg = t.pg.as_ref().unwrap();
    pg.admin()
        .batch_execute(&format!(
            "REVOKE TEMPORARY, CREATE ON DATABASE {db} FROM PUBLIC",
            db = pg.name
        ))
        .unwrap();
    for who in ["bo@acme.dev", "mal"] {
        attack_all(&t, who);
    }
}

/// A real removal is restored whole, by its owner, from what the database recorded.
#[test]
fn a_real_removal_restores_on_a_server() {
    server_only!();
    let t = layout();
    t.ok(&["member", "remove", "bo@acme.dev", "--yes"]);
    let event = id(
        &t,
        "SELECT max(id) FROM proj.events WHERE action = 'member.remove'",
    );
    t.ok(&["restore", &event.to_string()]);
    assert_eq!(
        id(
            &t,
            "SELECT count(*) FROM proj.members WHERE email = 'bo@acme.dev' AND login = 'bo@acme.dev'"
        ),
        1
    );
    assert_eq!(
        id(
            &t,
            "SELECT count(*) FROM proj.grants g JOIN proj.members m ON m.id = g.member_id WHERE m.email = 'bo@acme.dev'"
        ),
        1
    );
}

/// On a server an organization starts with its creator as owner: `org add` by a plain login
/// makes it the owner (its email: `--user`, or the login when that is one); a login that
/// names no email gets the database's refusal, exit 5, with the way to say it; nothing is
/// left behind either way.
#[test]
fn an_organization_on_a_server_starts_with_its_creator_as_owner() {
    server_only!();
    let t = TestEnv::new();
    t.ok(&[
        "org",
        "add",
        "acme",
        "--as",
        "ana@acme.dev",
        "--user",
        "ana@acme.dev",
    ]);
    let owner = t.json(&[
        "member",
        "show",
        "ana@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(owner["role"], "owner", "{owner}");
    assert_eq!(owner["login"], "ana@acme.dev", "{owner}");
    // The login is an email: it is the owner's.
    let pg = t.pg.as_ref().unwrap();
    pg_ensure_login(&pg.socket_dir, "bo@acme.dev");
    let out = t
        .std_cmd()
        .env("PGUSER", "bo@acme.dev")
        .args(["org", "add", "beta"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let owner = t.json(&[
        "member",
        "show",
        "bo@acme.dev",
        "--org",
        "beta",
        "--as",
        "bo@acme.dev",
    ]);
    assert_eq!(owner["role"], "owner", "{owner}");
    // A login that says no email: refused by the database, nothing made.
    pg_ensure_login(&pg.socket_dir, "nomail");
    let before = t.dump();
    let out = t
        .std_cmd()
        .env("PGUSER", "nomail")
        .args(["org", "add", "gamma"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("starts with its owner"), "{stderr}");
    assert!(stderr.contains("--user"), "{stderr}");
    assert_eq!(t.dump(), before);
}
