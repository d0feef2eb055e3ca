//! The database enforces the access model (README, Team mode): on a shared database a
//! member's own login, connected as `psql` would be, reads and changes exactly what `proj`
//! lets it. The access matrix (access_matrix.rs) checks every cell through raw SQL too; here:
//! the rules themselves against their Rust twin, and what a member may not change. The
//! attacks through every road a login has (tables, functions, EXPLAIN, temporary objects,
//! ids, locks, the audit log, restore) are in attacks.rs.
//! Server only: a file cannot stop whoever may write it.

use crate::server_only;
use crate::support::{TestEnv, pg_ensure_login};
use postgres::error::SqlState;
use proj::access::{Action, Case, Level, Stand, verdict};
use proj::model::{OrgRole, ProjectRole};

/// Every case of the access table: `access::verdict` (Rust) and `proj.verdict` (SQL) name the
/// same rule for each, so changing one without the other fails here.
#[test]
fn the_database_rules_are_the_rust_rules_case_by_case() {
    server_only!();
    let t = TestEnv::new();
    t.upgrade(&[]);
    let mut stands = vec![Stand::NoMembers, Stand::Outsider];
    stands.extend(OrgRole::ALL.iter().map(|r| Stand::Role(*r)));
    let mut roles: Vec<Option<ProjectRole>> = vec![None];
    roles.extend(ProjectRole::ALL.iter().map(|r| Some(*r)));
    let mut cases = Vec::new();
    for &stand in &stands {
        for &action in Action::ALL {
            for level in [Level::Org, Level::Project, Level::Env] {
                for touches_owner in [false, true] {
                    for granted in [false, true] {
                        for &role in &roles {
                            for protected in [false, true] {
                                cases.push(Case {
                                    stand,
                                    action,
                                    level,
                                    touches_owner,
                                    granted,
                                    role,
                                    protected,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    let col = |f: &dyn Fn(&Case) -> String| cases.iter().map(f).collect::<Vec<String>>();
    let stand = col(&|c| c.stand.as_str().to_string());
    let action = col(&|c| c.action.as_str().to_string());
    let level = col(&|c| c.level.as_str().to_string());
    let role: Vec<Option<String>> = cases
        .iter()
        .map(|c| c.role.map(|r| r.as_str().to_string()))
        .collect();
    let touches: Vec<bool> = cases.iter().map(|c| c.touches_owner).collect();
    let granted: Vec<bool> = cases.iter().map(|c| c.granted).collect();
    let protected: Vec<bool> = cases.iter().map(|c| c.protected).collect();
    let mut c = t.pg.as_ref().unwrap().admin();
    let rows = c
        .query(
            "SELECT proj.verdict(s, a, l, t, g, r, p)
             FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::bool[],
                         $6::text[], $7::bool[]) WITH ORDINALITY AS u(s, a, l, t, g, r, p, n)
             ORDER BY n",
            &[
                &stand, &action, &level, &touches, &granted, &role, &protected,
            ],
        )
        .unwrap();
    assert_eq!(rows.len(), cases.len());
    let wrong: Vec<String> = cases
        .iter()
        .zip(&rows)
        .filter_map(|(case, row)| {
            let sql: String = row.get(0);
            let rust = verdict(case).as_str();
            (sql != rust).then(|| format!("{case:?}: Rust {rust}, SQL {sql}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} cases disagree:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    assert_eq!(cases.len(), 6 * Action::ALL.len() * 3 * 2 * 2 * 4 * 2);
}

/// A layout set up as a DBA would (README, Team mode): schema `proj` owned by a login nobody
/// works as, `ana@acme.dev` owner of acme with projects `shop` and `secret`, `bo@acme.dev` a
/// member with developer on shop, and `eve@other.dev` owner of another organization.
fn layout() -> TestEnv {
    let t = TestEnv::new();
    let pg = t.pg.as_ref().unwrap();
    pg_ensure_login(&pg.socket_dir, "proj_owner");
    t.upgrade(&["--as", "proj_owner"]);
    t.init("ana@acme.dev", "acme", "shop");
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--env",
        "production",
        "-p",
        "acme/shop",
    ]);
    t.ok(&["project", "add", "secret", "--org", "acme"]);
    t.ok(&["env", "add", "staging", "-p", "acme/secret"]);
    t.ok(&[
        "member",
        "add",
        "bo@acme.dev",
        "--org",
        "acme",
        "--role",
        "member",
    ]);
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    // On a server an organization starts with its creator as its owner.
    t.ok(&["org", "add", "other", "--as", "eve@other.dev"]);
    t
}

/// A connection as `login`, as `psql` would open it.
fn connect(t: &TestEnv, login: &str) -> postgres::Client {
    t.pg.as_ref().unwrap().connect_as(login)
}

/// The SQLSTATE a statement fails with (`None`: it succeeded).
fn refused(c: &mut postgres::Client, sql: &str) -> Option<SqlState> {
    match c.batch_execute(sql) {
        Ok(()) => None,
        Err(e) => Some(e.code().cloned().unwrap_or(SqlState::INTERNAL_ERROR)),
    }
}

#[test]
fn members_cannot_change_what_the_tables_are() {
    server_only!();
    let t = layout();
    let before = t.dump();
    for who in ["bo@acme.dev", "ana@acme.dev"] {
        let mut c = connect(&t, who);
        for sql in [
            "ALTER TABLE proj.environments DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE proj.environments DISABLE TRIGGER guard",
            "DROP POLICY reads ON proj.projects",
            "ALTER TABLE proj.events ADD COLUMN x int",
            "DROP TABLE proj.events",
            "CREATE OR REPLACE FUNCTION proj.allowed(rule text) RETURNS boolean
             LANGUAGE sql AS 'SELECT true'",
            "TRUNCATE proj.environments",
            "SELECT proj.decide('org.remove', 1, NULL, NULL, false)",
        ] {
            let got = refused(&mut c, sql);
            assert!(
                matches!(got, Some(SqlState::INSUFFICIENT_PRIVILEGE)),
                "{who}: {sql}: {got:?}"
            );
        }
    }
    assert_eq!(t.dump(), before);
}

/// The `login` check: a plain login is ok; the schema's owner running doctor warns that
/// nobody should work as it; a login that holds, or may act as a role that holds, more than
/// a plain login fails with the statement that takes it away. (Formerly warnings in an
/// `enforcement` check; issue 21 wants them failures.)
#[test]
fn doctor_fails_for_a_login_that_passes_by_the_model() {
    server_only!();
    let t = layout();
    let check = |login: &str| {
        let out = t.run(&["doctor", "--json", "--as", login]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let c = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "login")
            .cloned()
            .unwrap_or_else(|| panic!("no login check: {v}"));
        if c["status"] == "fail" {
            assert_eq!(out.code, 1, "{login}: {}", out.stderr);
        }
        (
            c["status"].as_str().unwrap().to_string(),
            c["detail"].as_str().unwrap().to_string(),
        )
    };
    let (status, detail) = check("bo@acme.dev");
    assert_eq!(status, "ok", "{detail}");
    let (status, detail) = check("proj_owner");
    assert_eq!(status, "warn", "{detail}");
    assert!(detail.contains("owns schema proj"), "{detail}");
    assert!(detail.contains("nobody should work as it"), "{detail}");

    let pg = t.pg.as_ref().unwrap();
    let mut admin = pg.admin();
    // Roles belong to the whole cluster: names no other test uses.
    for login in [
        "mallory@acme.dev",
        "doctor-trent@acme.dev",
        "doctor-carol@acme.dev",
    ] {
        pg_ensure_login(&pg.socket_dir, login);
    }
    admin
        .batch_execute(
            "ALTER ROLE \"mallory@acme.dev\" BYPASSRLS;
             GRANT proj_owner TO \"doctor-trent@acme.dev\";
             DO $$ BEGIN CREATE ROLE doctor_creators NOLOGIN CREATEDB;
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT doctor_creators TO \"doctor-carol@acme.dev\";",
        )
        .unwrap();
    for (login, what, fix) in [
        (
            "mallory@acme.dev",
            "has BYPASSRLS",
            "`ALTER ROLE \"mallory@acme.dev\" NOBYPASSRLS`",
        ),
        (
            "doctor-trent@acme.dev",
            "may act as proj_owner, the owner of schema proj",
            "`REVOKE proj_owner FROM \"doctor-trent@acme.dev\"`",
        ),
        (
            "doctor-carol@acme.dev",
            "as a member of doctor_creators, has CREATEDB",
            "`ALTER ROLE doctor_creators NOCREATEDB`",
        ),
    ] {
        let (status, detail) = check(login);
        assert_eq!(status, "fail", "{login}: {detail}");
        assert!(detail.contains(what), "{login}: {detail}");
        assert!(detail.contains(fix), "{login}: {detail}");
    }
    let predefined: bool = admin
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_data')",
            &[],
        )
        .unwrap()
        .get(0);
    if predefined {
        pg_ensure_login(&pg.socket_dir, "doctor-dan@acme.dev");
        admin
            .batch_execute("GRANT pg_read_all_data TO \"doctor-dan@acme.dev\"")
            .unwrap();
        let (status, detail) = check("doctor-dan@acme.dev");
        assert_eq!(status, "fail", "{detail}");
        assert!(
            detail.contains("fix: `REVOKE pg_read_all_data FROM \"doctor-dan@acme.dev\"`"),
            "{detail}"
        );
    }
}
