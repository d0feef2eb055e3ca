//! Resources: every verb, the `--env` default, access rules, and `env clone` / `env diff`.

use crate::support::TestEnv;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub org: String,
    pub project: String,
    pub environment: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TypeChange {
    pub slug: String,
    pub a_type: String,
    pub b_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    pub a: String,
    pub b: String,
    pub only_in_a: Vec<Entry>,
    pub only_in_b: Vec<Entry>,
    pub type_differs: Vec<TypeChange>,
    pub same: usize,
}

/// Runs SQL on the test database, as the member commands would (they live elsewhere).
pub fn sql(t: &TestEnv, sql: &str) {
    t.sql(sql);
}

/// Adds a member with an organization role to `org`.
pub fn member(t: &TestEnv, org: &str, email: &str, role: &str) {
    sql(
        t,
        &format!(
            "INSERT INTO members (org_id, email, name, role, created_at)
             SELECT id, '{email}', NULL, '{role}', '2026-01-01T00:00:00Z' FROM orgs WHERE slug = '{org}'"
        ),
    );
}

/// Grants `email` a project role on `org/project`, or on one environment of it.
pub fn grant(t: &TestEnv, path: &str, email: &str, role: &str) {
    let parts: Vec<&str> = path.split('/').collect();
    let (org, project) = (parts[0], parts[1]);
    let env = match parts.get(2) {
        Some(e) => format!(
            "(SELECT e.id FROM environments e WHERE e.project_id = p.id AND e.slug = '{e}')"
        ),
        None => "NULL".to_string(),
    };
    sql(
        t,
        &format!(
            "INSERT INTO grants (member_id, project_id, environment_id, role, created_at)
             SELECT m.id, p.id, {env}, '{role}', '2026-01-01T00:00:00Z'
             FROM members m JOIN orgs o ON o.id = m.org_id JOIN projects p ON p.org_id = o.id
             WHERE o.slug = '{org}' AND p.slug = '{project}' AND m.email = '{email}'"
        ),
    );
}

/// acme/shop with staging and production, `api` in both and `worker` in staging only.
fn shop_with_resources() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    for (name, ty, env) in [
        ("api", "app", "staging"),
        ("worker", "worker", "staging"),
        ("api", "app", "production"),
    ] {
        t.ok(&[
            "resource",
            "add",
            name,
            "--type",
            ty,
            "--env",
            env,
            "-p",
            "acme/shop",
        ]);
    }
    t
}

/// acme/shop (staging, production) with ana as owner, bo as developer on the project,
/// vi as viewer on the project, and ed, a member without any grant.
fn shop_with_team() -> TestEnv {
    let t = TestEnv::with_shop();
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
    member(&t, "acme", "ana@acme.dev", "owner");
    member(&t, "acme", "bo@acme.dev", "member");
    member(&t, "acme", "vi@acme.dev", "member");
    member(&t, "acme", "ed@acme.dev", "member");
    grant(&t, "acme/shop", "bo@acme.dev", "developer");
    grant(&t, "acme/shop", "vi@acme.dev", "viewer");
    t
}

#[test]
fn add_uses_the_only_environment_and_prints_the_resource() {
    let t = TestEnv::with_shop();
    let r: Resource = t.json_as(&[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--description",
        "public API",
        "-p",
        "acme/shop",
    ]);
    assert_eq!(
        (
            r.org.as_str(),
            r.project.as_str(),
            r.environment.as_str(),
            r.slug.as_str()
        ),
        ("acme", "shop", "production", "api")
    );
    assert_eq!(r.kind, "app");
    assert_eq!(r.description.as_deref(), Some("public API"));
    assert_eq!(r.created_at, crate::support::NOW);
    let shown: Resource = t.json_as(&["resource", "show", "api", "-p", "acme/shop"]);
    assert_eq!(shown.slug, "api");
}

#[test]
fn every_type_is_accepted_and_others_are_refused() {
    let t = TestEnv::with_shop();
    for ty in [
        "app",
        "worker",
        "queue",
        "database",
        "server",
        "cron",
        "daemon",
        "service",
        "credential",
        "virtual-host",
        "ssl-certificate",
        "network",
    ] {
        let name = format!("r-{ty}");
        let r: Resource = t.json_as(&["resource", "add", &name, "--type", ty, "-p", "acme/shop"]);
        assert_eq!(r.kind, ty);
    }
    let err = t.fails(
        &[
            "resource",
            "add",
            "x",
            "--type",
            "lambda",
            "-p",
            "acme/shop",
        ],
        2,
    );
    assert!(err.contains("virtual-host"), "{err}");
    // A credential is a reference: there is no flag that would store its secret.
    t.fails(
        &[
            "resource",
            "add",
            "stripe",
            "--type",
            "credential",
            "--value",
            "sk_live",
            "-p",
            "acme/shop",
        ],
        2,
    );
}

#[test]
fn with_several_environments_env_must_be_named() {
    let t = shop_with_resources();
    let err = t.fails(
        &[
            "resource",
            "add",
            "db",
            "--type",
            "database",
            "-p",
            "acme/shop",
        ],
        2,
    );
    assert!(err.contains("no environment selected"), "{err}");
    assert!(err.contains("--env"), "{err}");
    assert!(err.contains("available: staging, production"), "{err}");
    let err = t.fails(&["resource", "show", "worker", "-p", "acme/shop"], 2);
    assert!(err.contains("`worker` is in: staging"), "{err}");
    // An archived environment does not count.
    t.ok(&["env", "archive", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "resource",
        "add",
        "db",
        "--type",
        "database",
        "-p",
        "acme/shop",
    ]);
    let r: Resource = t.json_as(&["resource", "show", "db", "-p", "acme/shop"]);
    assert_eq!(r.environment, "production");
}

#[test]
fn a_project_without_environments_says_so() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme", "--no-env"]);
    let err = t.fails(
        &["resource", "add", "api", "--type", "app", "-p", "acme/shop"],
        2,
    );
    assert!(err.contains("has no environments"), "{err}");
}

#[test]
fn slugs_are_unique_per_environment_and_validated() {
    let t = shop_with_resources();
    let before = t.dump();
    let err = t.fails(
        &[
            "resource",
            "add",
            "api",
            "--type",
            "worker",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        4,
    );
    assert!(err.contains("already exists in acme/shop/staging"), "{err}");
    let err = t.fails(
        &[
            "resource",
            "add",
            "My API",
            "--type",
            "app",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        2,
    );
    assert!(err.contains("try `my-api`"), "{err}");
    assert_eq!(before, t.dump());
}

#[test]
fn list_covers_every_environment_or_one_and_filters_by_type() {
    let t = shop_with_resources();
    let all: Vec<Resource> = t.json_as(&["resource", "list", "-p", "acme/shop"]);
    let got: Vec<_> = all
        .iter()
        .map(|r| format!("{}/{}", r.environment, r.slug))
        .collect();
    assert_eq!(got, ["staging/api", "staging/worker", "production/api"]);
    let staging: Vec<Resource> =
        t.json_as(&["resource", "ls", "--env", "staging", "-p", "acme/shop"]);
    assert_eq!(staging.len(), 2);
    let workers: Vec<Resource> =
        t.json_as(&["resource", "ls", "--type", "worker", "-p", "acme/shop"]);
    assert_eq!(workers.len(), 1);
    let plain = t.ok(&[
        "resource",
        "ls",
        "-o",
        "plain",
        "--env",
        "acme/shop/staging",
    ]);
    assert_eq!(plain, "api\tapp\tstaging\nworker\tworker\tstaging\n");
    let table = t.ok(&["resource", "ls", "-p", "acme/shop"]);
    assert!(
        table.contains("environment") && table.contains("worker"),
        "{table}"
    );
    let empty = t.run(&["resource", "ls", "--type", "queue", "-p", "acme/shop"]);
    assert_eq!((empty.code, empty.stdout.as_str()), (0, ""));
    assert!(empty.stderr.contains("no resources"), "{}", empty.stderr);
}

#[test]
fn show_of_a_missing_resource_is_not_found() {
    let t = shop_with_resources();
    let err = t.fails(
        &[
            "resource",
            "show",
            "cache",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        3,
    );
    assert!(
        err.contains("resource `cache` not found in acme/shop/staging"),
        "{err}"
    );
    assert!(err.contains("available: api, worker"), "{err}");
    t.fails(
        &["resource", "show", "api", "--env", "qa", "-p", "acme/shop"],
        3,
    );
}

#[test]
fn rename_changes_slug_type_and_description() {
    let t = shop_with_resources();
    let r: Resource = t.json_as(&[
        "resource",
        "rename",
        "worker",
        "jobs",
        "--type",
        "queue",
        "--description",
        "background",
        "--env",
        "staging",
        "-p",
        "acme/shop",
    ]);
    assert_eq!((r.slug.as_str(), r.kind.as_str()), ("jobs", "queue"));
    assert_eq!(r.description.as_deref(), Some("background"));
    let r: Resource = t.json_as(&[
        "resource",
        "rename",
        "jobs",
        "--description",
        "",
        "--env",
        "staging",
        "-p",
        "acme/shop",
    ]);
    assert_eq!(r.description, None);
    let before = t.dump();
    t.fails(
        &[
            "resource",
            "rename",
            "jobs",
            "api",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        4,
    );
    t.fails(
        &[
            "resource",
            "rename",
            "jobs",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        2,
    );
    assert_eq!(before, t.dump());
}

#[test]
fn remove_deletes_and_is_audited() {
    let t = shop_with_resources();
    let r = t.run(&[
        "resource",
        "rm",
        "worker",
        "--env",
        "staging",
        "-p",
        "acme/shop",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("removed resource acme/shop/staging/worker"),
        "{}",
        r.stderr
    );
    t.fails(
        &[
            "resource",
            "show",
            "worker",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        3,
    );
    t.fails(
        &[
            "resource",
            "delete",
            "worker",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        3,
    );
    let log = t.json(&["log", "-n", "1"]);
    assert_eq!(log[0]["action"], "resource.remove");
    assert_eq!(log[0]["target"], "acme/shop/staging/worker");
    assert_eq!(log[0]["before"]["type"], "worker");
    assert!(log[0]["after"].is_null());
}

#[test]
fn every_mutation_appends_one_event() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    let p = ["-p", "acme/shop"];
    let steps: [&[&str]; 4] = [
        &["resource", "add", "api", "-t", "app", "-e", "staging"],
        &["resource", "rename", "api", "web", "-e", "staging"],
        &[
            "resource",
            "move",
            "web",
            "-e",
            "staging",
            "--to",
            "production",
        ],
        &["resource", "remove", "web", "-e", "production"],
    ];
    for s in steps {
        t.ok(&[s, &p[..]].concat());
    }
    let log = t.json(&["log", "-n", "4"]);
    let actions: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "resource.remove",
            "resource.move",
            "resource.update",
            "resource.add"
        ]
    );
    assert_eq!(log[1]["before"]["environment"], "staging");
    assert_eq!(log[1]["after"]["environment"], "production");
}

#[test]
fn move_goes_to_another_environment_unless_the_name_is_taken() {
    let t = shop_with_resources();
    let r: Resource = t.json_as(&[
        "resource",
        "mv",
        "worker",
        "--env",
        "staging",
        "--to",
        "production",
        "-p",
        "acme/shop",
    ]);
    assert_eq!(r.environment, "production");
    t.fails(
        &[
            "resource",
            "show",
            "worker",
            "--env",
            "staging",
            "-p",
            "acme/shop",
        ],
        3,
    );
    let before = t.dump();
    let err = t.fails(
        &[
            "resource",
            "move",
            "api",
            "--env",
            "staging",
            "--to",
            "production",
            "-p",
            "acme/shop",
        ],
        4,
    );
    assert!(
        err.contains("already exists in acme/shop/production"),
        "{err}"
    );
    t.fails(
        &[
            "resource",
            "move",
            "api",
            "--env",
            "staging",
            "--to",
            "staging",
            "-p",
            "acme/shop",
        ],
        2,
    );
    t.fails(
        &[
            "resource",
            "move",
            "api",
            "--env",
            "staging",
            "--to",
            "nowhere",
            "-p",
            "acme/shop",
        ],
        3,
    );
    assert_eq!(before, t.dump());
}

#[test]
fn quiet_and_plain_output() {
    let t = TestEnv::with_shop();
    let r = t.run(&[
        "resource",
        "add",
        "api",
        "-t",
        "app",
        "-q",
        "-p",
        "acme/shop",
    ]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let plain = t.ok(&["resource", "show", "api", "-o", "plain", "-p", "acme/shop"]);
    assert_eq!(plain, "api\tapp\tproduction\n");
}

#[test]
fn developers_change_resources_outside_protected_environments() {
    let t = shop_with_team();
    let bo = ["--as", "bo@acme.dev", "-p", "acme/shop"];
    t.ok(&[
        &["resource", "add", "api", "-t", "app", "-e", "staging"],
        &bo[..],
    ]
    .concat());
    t.ok(&[
        &[
            "resource", "rename", "api", "-t", "service", "-e", "staging",
        ],
        &bo[..],
    ]
    .concat());
    let before = t.dump();
    let err = t.fails(
        &[
            &[
                "resource",
                "add",
                "db",
                "-t",
                "database",
                "-e",
                "production",
            ],
            &bo[..],
        ]
        .concat(),
        5,
    );
    assert!(err.contains("protected"), "{err}");
    t.fails(
        &[&["resource", "rm", "api", "-e", "production"], &bo[..]].concat(),
        5,
    );
    // Moving out of staging is allowed, into production is not.
    t.fails(
        &[
            &[
                "resource",
                "mv",
                "api",
                "-e",
                "staging",
                "--to",
                "production",
            ],
            &bo[..],
        ]
        .concat(),
        5,
    );
    assert_eq!(before, t.dump());
    t.ok(&[&["resource", "rm", "api", "-e", "staging"], &bo[..]].concat());
    // The owner may change production.
    t.ok(&[
        "resource",
        "add",
        "db",
        "-t",
        "database",
        "-e",
        "production",
        "--as",
        "ana@acme.dev",
        "-p",
        "acme/shop",
    ]);
}

#[test]
fn viewers_read_and_outsiders_see_nothing() {
    let t = shop_with_team();
    let vi = ["--as", "vi@acme.dev", "-p", "acme/shop"];
    t.ok(&[&["resource", "show", "api", "-e", "production"], &vi[..]].concat());
    let err = t.fails(
        &[
            &["resource", "add", "x", "-t", "app", "-e", "staging"],
            &vi[..],
        ]
        .concat(),
        5,
    );
    assert!(err.contains("permission denied"), "{err}");
    let ed = ["--as", "ed@acme.dev", "-p", "acme/shop"];
    t.fails(&[&["resource", "ls"], &ed[..]].concat(), 3);
    t.fails(
        &[
            &["resource", "add", "x", "-t", "app", "-e", "staging"],
            &ed[..],
        ]
        .concat(),
        3,
    );
}

#[test]
fn an_environment_grant_overrides_the_project_role() {
    let t = shop_with_team();
    grant(&t, "acme/shop/staging", "bo@acme.dev", "viewer");
    let bo = ["--as", "bo@acme.dev", "-p", "acme/shop"];
    t.fails(
        &[
            &["resource", "add", "x", "-t", "app", "-e", "staging"],
            &bo[..],
        ]
        .concat(),
        5,
    );
}

#[test]
fn clone_copies_resources_and_infers_the_kind() {
    let t = shop_with_resources();
    let r = t.run(&[
        "env",
        "clone",
        "staging",
        "prod-eu",
        "-p",
        "acme/shop",
        "--kind",
        "production",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let env: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (env["kind"].as_str(), env["protected"].as_bool()),
        (Some("production"), Some(true))
    );
    let qa = t.json(&["env", "clone", "staging", "qa", "-p", "acme/shop"]);
    assert_eq!(
        (qa["kind"].as_str(), qa["protected"].as_bool()),
        (Some("custom"), Some(false))
    );
    let copied: Vec<Resource> = t.json_as(&["resource", "ls", "--env", "qa", "-p", "acme/shop"]);
    let got: Vec<_> = copied
        .iter()
        .map(|r| (r.slug.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(got, [("api", "app"), ("worker", "worker")]);
    let log = t.json(&["log", "-n", "1"]);
    assert_eq!(log[0]["action"], "env.clone");
    assert_eq!(log[0]["after"]["source"], "acme/shop/staging");
}

#[test]
fn clone_onto_an_existing_name_changes_nothing() {
    let t = shop_with_resources();
    let before = t.dump();
    let err = t.fails(
        &["env", "clone", "staging", "production", "-p", "acme/shop"],
        4,
    );
    assert!(err.contains("already exists"), "{err}");
    t.fails(&["env", "clone", "nowhere", "qa", "-p", "acme/shop"], 3);
    t.fails(
        &["env", "clone", "staging", "Bad Name", "-p", "acme/shop"],
        2,
    );
    assert_eq!(before, t.dump());
}

#[test]
fn clone_with_access_copies_environment_grants() {
    let t = shop_with_team();
    grant(&t, "acme/shop/staging", "vi@acme.dev", "developer");
    let bo = ["--as", "bo@acme.dev", "-p", "acme/shop"];
    // Copying grants is granting: a developer may clone, but not with access.
    let before = t.dump();
    t.fails(
        &[&["env", "clone", "staging", "qa", "--with-access"], &bo[..]].concat(),
        5,
    );
    assert_eq!(before, t.dump());
    t.ok(&[&["env", "clone", "staging", "qa"], &bo[..]].concat());
    let ana = ["--as", "ana@acme.dev", "-p", "acme/shop"];
    t.ok(&[
        &["env", "clone", "staging", "qa2", "--with-access"],
        &ana[..],
    ]
    .concat());
    let vi = ["--as", "vi@acme.dev", "-p", "acme/shop"];
    t.ok(&[&["resource", "add", "x", "-t", "app", "-e", "qa2"], &vi[..]].concat());
    t.fails(
        &[&["resource", "add", "x", "-t", "app", "-e", "qa"], &vi[..]].concat(),
        5,
    );
}

#[test]
fn diff_names_what_differs() {
    let t = shop_with_resources();
    t.ok(&[
        "resource",
        "add",
        "cache",
        "-t",
        "queue",
        "-e",
        "production",
        "-p",
        "acme/shop",
    ]);
    t.ok(&[
        "resource",
        "add",
        "db",
        "-t",
        "database",
        "-e",
        "production",
        "-p",
        "acme/shop",
    ]);
    t.ok(&[
        "resource",
        "add",
        "db",
        "-t",
        "server",
        "-e",
        "staging",
        "-p",
        "acme/shop",
    ]);
    let d: Diff = t.json_as(&["env", "diff", "staging", "production", "-p", "acme/shop"]);
    assert_eq!(
        (d.a.as_str(), d.b.as_str()),
        ("acme/shop/staging", "acme/shop/production")
    );
    assert_eq!(
        d.only_in_a,
        [Entry {
            slug: "worker".into(),
            kind: "worker".into()
        }]
    );
    assert_eq!(
        d.only_in_b,
        [Entry {
            slug: "cache".into(),
            kind: "queue".into()
        }]
    );
    assert_eq!(
        d.type_differs,
        [TypeChange {
            slug: "db".into(),
            a_type: "server".into(),
            b_type: "database".into()
        }]
    );
    assert_eq!(d.same, 1);
    let human = t.ok(&["env", "diff", "staging", "production", "-p", "acme/shop"]);
    assert!(human.contains("- worker"), "{human}");
    assert!(human.contains("+ cache"), "{human}");
    assert!(human.contains("~ db"), "{human}");
    let plain = t.ok(&[
        "env",
        "diff",
        "staging",
        "production",
        "-p",
        "acme/shop",
        "-o",
        "plain",
    ]);
    assert_eq!(
        plain,
        "only-a\tworker\tworker\nonly-b\tcache\tqueue\ntype\tdb\tserver\tdatabase\n"
    );
    t.ok(&["env", "clone", "staging", "qa", "-p", "acme/shop"]);
    let same: Diff = t.json_as(&["env", "diff", "staging", "qa", "-p", "acme/shop"]);
    assert!(same.only_in_a.is_empty() && same.only_in_b.is_empty() && same.type_differs.is_empty());
    t.fails(&["env", "diff", "staging", "nowhere", "-p", "acme/shop"], 3);
}

#[test]
fn a_missing_env_choice_is_a_json_usage_error() {
    let t = shop_with_resources();
    let r = t.run(&[
        "resource",
        "add",
        "db",
        "-t",
        "database",
        "-p",
        "acme/shop",
        "--json",
    ]);
    assert_eq!(r.code, 2);
    let err: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "usage");
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("--env"),
        "{err}"
    );
}

#[test]
fn environments_of_other_projects_are_named_by_path() {
    let t = shop_with_resources();
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    let r: Resource = t.json_as(&[
        "resource",
        "move",
        "worker",
        "--env",
        "acme/shop/staging",
        "--to",
        "blog/production",
    ]);
    assert_eq!(
        (r.project.as_str(), r.environment.as_str()),
        ("blog", "production")
    );
    let d: Diff = t.json_as(&[
        "env",
        "diff",
        "acme/shop/production",
        "acme/blog/production",
    ]);
    assert_eq!(
        d.only_in_a,
        [Entry {
            slug: "api".into(),
            kind: "app".into()
        }]
    );
    assert_eq!(
        d.only_in_b,
        [Entry {
            slug: "worker".into(),
            kind: "worker".into()
        }]
    );
}
