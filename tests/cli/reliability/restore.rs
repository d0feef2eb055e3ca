//! `proj restore EVENT_ID`: what a removal recorded comes back whole, or nothing changes.

use crate::support::TestEnv;

const ANA: &str = "ana@acme.dev";

/// Everything in the file, by slugs and values (no row ids), to compare before and after.
fn state(t: &TestEnv) -> String {
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let queries = [
        "SELECT 'org', slug, display_name, created_at FROM orgs",
        "SELECT 'member', o.slug, m.email, m.name, m.role, m.created_at
         FROM members m JOIN orgs o ON o.id = m.org_id",
        "SELECT 'project', o.slug, p.slug, p.display_name, p.description, p.created_at
         FROM projects p JOIN orgs o ON o.id = p.org_id",
        "SELECT 'env', o.slug, p.slug, e.slug, e.display_name, e.kind, e.description,
                e.protected, e.archived_at, e.created_at
         FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id",
        "SELECT 'resource', o.slug, p.slug, e.slug, r.slug, r.type, r.description, r.created_at
         FROM resources r JOIN environments e ON e.id = r.environment_id
         JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id",
        "SELECT 'grant', o.slug, p.slug, m.email, e.slug, g.role, g.created_at
         FROM grants g JOIN members m ON m.id = g.member_id JOIN projects p ON p.id = g.project_id
         JOIN orgs o ON o.id = p.org_id LEFT JOIN environments e ON e.id = g.environment_id",
    ];
    let mut lines = Vec::new();
    for q in queries {
        let mut stmt = conn.prepare(q).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        lines.extend(rows.map(Result::unwrap));
    }
    lines.sort();
    lines.join("\n")
}

/// acme (owner ana, member bo) with shop: dev, staging (a resource, archived qa), production
/// (a resource, bo viewer there), bo developer on the project; and globex/site.
fn populated() -> TestEnv {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme", "--display-name", "Acme"]);
    t.ok(&[
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
        "--description",
        "the shop",
    ]);
    t.ok(&[
        "env",
        "add",
        "qa",
        "-p",
        "acme/shop",
        "--description",
        "for QA",
    ]);
    t.ok(&["env", "archive", "acme/shop/qa"]);
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    t.ok(&["org", "add", "globex"]);
    t.ok(&["project", "add", "site", "--org", "globex"]);
    // Members, grants and resources written directly: their commands live elsewhere.
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch(
        "INSERT INTO members (org_id, email, name, role, created_at)
           SELECT id, 'ana@acme.dev', 'Ana', 'owner', '2026-01-01T00:00:00Z' FROM orgs WHERE slug = 'acme';
         INSERT INTO members (org_id, email, name, role, created_at)
           SELECT id, 'bo@acme.dev', NULL, 'member', '2026-01-02T00:00:00Z' FROM orgs WHERE slug = 'acme';
         INSERT INTO grants (member_id, project_id, environment_id, role, created_at)
           SELECT m.id, p.id, NULL, 'developer', '2026-01-03T00:00:00Z'
           FROM members m, projects p WHERE m.email = 'bo@acme.dev' AND p.slug = 'shop';
         INSERT INTO grants (member_id, project_id, environment_id, role, created_at)
           SELECT m.id, p.id, e.id, 'viewer', '2026-01-04T00:00:00Z'
           FROM members m, projects p JOIN environments e ON e.project_id = p.id
           WHERE m.email = 'bo@acme.dev' AND p.slug = 'shop' AND e.slug = 'production';
         INSERT INTO resources (environment_id, slug, type, description, created_at)
           SELECT e.id, 'api', 'app', 'the API', '2026-01-05T00:00:00Z'
           FROM environments e JOIN projects p ON p.id = e.project_id
           WHERE p.slug = 'shop' AND e.slug IN ('staging', 'production');
         INSERT INTO resources (environment_id, slug, type, description, created_at)
           SELECT e.id, 'db', 'database', NULL, '2026-01-06T00:00:00Z'
           FROM environments e JOIN projects p ON p.id = e.project_id
           WHERE p.slug = 'shop' AND e.slug = 'production';",
    )
    .unwrap();
    t
}

/// Runs as ana and returns the id of the newest event.
fn last_event(t: &TestEnv) -> String {
    t.json(&["log", "-n", "1", "--as", ANA])[0]["id"].to_string()
}

#[test]
fn a_removed_project_comes_back_whole() {
    let t = populated();
    let before = state(&t);
    t.ok(&["project", "remove", "acme/shop", "--yes", "--as", ANA]);
    assert_ne!(state(&t), before);
    let id = last_event(&t);
    let restored = t.json(&["restore", &id, "--as", ANA]);
    assert_eq!(restored["slug"], "shop");
    assert_eq!(state(&t), before);
    let log = t.json(&["log", "-n", "1", "--as", ANA]);
    assert_eq!(log[0]["action"], "project.restore");
    assert_eq!(log[0]["after"]["restored_from"].to_string(), id);
    // The name is taken now: a second restore refuses and changes nothing.
    let dump = t.dump();
    let err = t.fails(&["restore", &id, "--as", ANA], 4);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(t.dump(), dump);
}

#[test]
fn a_removed_environment_comes_back_with_resources_and_grants() {
    let t = populated();
    let before = state(&t);
    t.ok(&[
        "env",
        "remove",
        "acme/shop/production",
        "--yes",
        "--as",
        ANA,
    ]);
    let id = last_event(&t);
    t.ok(&["restore", &id, "--as", ANA]);
    assert_eq!(state(&t), before);
    assert_eq!(
        t.json(&["log", "-n", "1", "--as", ANA])[0]["action"],
        "env.restore"
    );
}

#[test]
fn a_removed_organization_comes_back_with_members_and_projects() {
    let t = populated();
    let before = state(&t);
    t.ok(&["org", "remove", "acme", "--yes", "--as", ANA]);
    let id = last_event(&t);
    t.ok(&["restore", &id]);
    assert_eq!(state(&t), before);
    // Its members are back, so acme is private again: ana sees it, an outsider does not.
    t.ok(&["project", "show", "acme/shop", "--as", ANA]);
    t.fails(&["project", "show", "acme/shop"], 3);
}

#[test]
fn restore_refuses_a_taken_name_an_unknown_event_and_a_non_removal() {
    let t = populated();
    t.ok(&["project", "remove", "globex/site", "--yes"]);
    let id = last_event(&t);
    t.ok(&["project", "add", "site", "--org", "globex"]);
    let dump = t.dump();
    let err = t.fails(&["restore", &id], 4);
    assert!(
        err.starts_with("error: project `globex/site` already exists"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    t.fails(&["restore", "999999"], 3);
    let add = last_event(&t);
    let err = t.fails(&["restore", &add], 2);
    assert!(err.contains("not a removal"), "{err}");
    t.fails(&["restore", "not-a-number"], 2);
    assert_eq!(t.dump(), dump, "failed restores change nothing");
}

#[test]
fn restore_is_access_checked_like_an_add() {
    let t = populated();
    t.ok(&["project", "remove", "acme/blog", "--yes", "--as", ANA]);
    let id = last_event(&t);
    let dump = t.dump();
    // bo is a member without an org role that may add projects; the removal of a project he
    // was not granted is not even his to see, so it is not found, like an id nobody used.
    let err = t.fails(&["restore", &id, "--as", "bo@acme.dev"], 3);
    assert!(err.contains(&format!("event {id} not found")), "{err}");
    assert_eq!(t.dump(), dump);
    t.ok(&["restore", &id, "--as", ANA]);
    // An event he sees, whose restore needs what he may not do: resources in a protected
    // environment need a project admin.
    t.ok(&[
        "env",
        "remove",
        "acme/shop/production",
        "--yes",
        "--as",
        ANA,
    ]);
    let id = last_event(&t);
    let dump = t.dump();
    let err = t.fails(&["restore", &id, "--as", "bo@acme.dev"], 5);
    assert!(err.contains("permission denied"), "{err}");
    assert_eq!(t.dump(), dump);
}

#[test]
fn a_grant_whose_member_left_is_left_out_and_said_so() {
    let t = populated();
    t.ok(&[
        "env",
        "remove",
        "acme/shop/production",
        "--yes",
        "--as",
        ANA,
    ]);
    let id = last_event(&t);
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute("DELETE FROM members WHERE email = 'bo@acme.dev'", [])
        .unwrap();
    drop(conn);
    let r = t.run(&["restore", &id, "--as", ANA]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("left out the grant of bo@acme.dev"),
        "{}",
        r.stderr
    );
    let resources = super::count(
        &t.db,
        "SELECT count(*) FROM resources r JOIN environments e ON e.id = r.environment_id
         WHERE e.slug = 'production'",
        [],
    );
    assert_eq!(resources, 2, "the resources came back");
}
