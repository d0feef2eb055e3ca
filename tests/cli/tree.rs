//! `proj tree`: the drawing off a terminal, its JSON, its scope and visibility.

use crate::resource::{grant, member};
use crate::support::TestEnv;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Org {
    slug: String,
    display_name: Option<String>,
    projects: Vec<Project>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Project {
    org: String,
    slug: String,
    display_name: Option<String>,
    environments: Vec<Env>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Env {
    org: String,
    project: String,
    slug: String,
    kind: String,
    protected: bool,
    archived: bool,
    resources: Vec<Res>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Res {
    org: String,
    project: String,
    environment: String,
    slug: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The contract's example: acme/shop with staging and production, `api` in both.
fn example() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "resource",
        "add",
        "api",
        "-t",
        "app",
        "-e",
        "staging",
        "-p",
        "acme/shop",
    ]);
    t.ok(&[
        "resource",
        "add",
        "api",
        "-t",
        "app",
        "-e",
        "production",
        "-p",
        "acme/shop",
    ]);
    t
}

#[test]
fn draws_the_contract_example_with_box_characters_off_a_terminal_too() {
    let t = example();
    let out = t.ok(&["tree", "--org", "acme"]);
    assert_eq!(
        out,
        "\
acme
└── shop
    ├── staging      (staging)
    │   └── api      app
    └── production   (production, protected)
        └── api      app
"
    );
}

#[test]
fn json_carries_every_level_with_parent_slugs() {
    let t = example();
    let orgs: Vec<Org> = t.json_as(&["tree", "--org", "acme"]);
    assert_eq!(orgs.len(), 1);
    let o = &orgs[0];
    assert_eq!((o.slug.as_str(), o.display_name.as_deref()), ("acme", None));
    let p = &o.projects[0];
    assert_eq!(
        (p.org.as_str(), p.slug.as_str(), p.display_name.as_deref()),
        ("acme", "shop", None)
    );
    let envs: Vec<_> = p
        .environments
        .iter()
        .map(|e| (e.slug.as_str(), e.kind.as_str(), e.protected))
        .collect();
    assert_eq!(
        envs,
        [
            ("staging", "staging", false),
            ("production", "production", true)
        ]
    );
    let e = &p.environments[1];
    assert_eq!(
        (e.org.as_str(), e.project.as_str(), e.archived),
        ("acme", "shop", false)
    );
    let r = &e.resources[0];
    assert_eq!(
        (
            r.org.as_str(),
            r.project.as_str(),
            r.environment.as_str(),
            r.slug.as_str(),
            r.kind.as_str()
        ),
        ("acme", "shop", "production", "api", "app")
    );
}

#[test]
fn a_named_project_narrows_the_tree_and_all_widens_it() {
    let t = example();
    t.ok(&["project", "add", "blog", "--org", "acme", "--no-env"]);
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "site", "--org", "beta"]);
    let org = t.ok(&["tree", "--org", "acme"]);
    assert!(
        org.contains("blog") && org.contains("shop") && !org.contains("beta"),
        "{org}"
    );
    assert!(org.contains("(no environments)"), "{org}");
    let one = t.ok(&["tree", "-p", "acme/blog"]);
    assert_eq!(one, "acme\n└── blog   (no environments)\n");
    let all = t.ok(&["tree", "--all"]);
    assert!(
        all.starts_with("acme\n") && all.contains("\n\nbeta\n└── site\n"),
        "{all}"
    );
    let err = t.fails(&["tree"], 2);
    assert!(err.contains("--all") && err.contains("acme, beta"), "{err}");
}

#[test]
fn a_linked_directory_narrows_it_too() {
    let t = example();
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    let dir = t.path().join("src");
    std::fs::create_dir_all(&dir).unwrap();
    let r = t.run_in(&dir, &["link", "acme/blog"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = t.run_in(&dir, &["tree"]);
    assert_eq!(
        r.stdout,
        "acme\n└── blog\n    └── production   (production, protected)\n"
    );
}

#[test]
fn archived_environments_are_marked_and_plain_is_tabular() {
    let t = example();
    t.ok(&["env", "archive", "staging", "-p", "acme/shop"]);
    let out = t.ok(&["tree", "--org", "acme"]);
    assert!(out.contains("staging      (staging, archived)"), "{out}");
    t.ok(&["env", "add", "dev", "-p", "acme/shop"]);
    let plain = t.ok(&["tree", "--org", "acme", "-o", "plain"]);
    assert_eq!(
        plain,
        "acme\tshop\tdev\tdevelopment\tno\tno\t\t\n\
         acme\tshop\tstaging\tstaging\tno\tyes\tapi\tapp\n\
         acme\tshop\tproduction\tproduction\tyes\tno\tapi\tapp\n"
    );
}

#[test]
fn projects_the_actor_cannot_see_are_left_out() {
    let t = example();
    t.ok(&["project", "add", "secret", "--org", "acme"]);
    member(&t, "acme", "ana@acme.dev", "owner");
    member(&t, "acme", "bo@acme.dev", "member");
    grant(&t, "acme/shop", "bo@acme.dev", "developer");
    let bo = t.ok(&["tree", "--org", "acme", "--as", "bo@acme.dev"]);
    assert!(bo.contains("shop") && !bo.contains("secret"), "{bo}");
    let ana = t.ok(&["tree", "--org", "acme", "--as", "ana@acme.dev"]);
    assert!(ana.contains("secret"), "{ana}");
    t.fails(&["tree", "-p", "acme/secret", "--as", "bo@acme.dev"], 3);
    let all = t.ok(&["tree", "--all", "--as", "bo@acme.dev"]);
    assert!(!all.contains("secret"), "{all}");
}

/// On a real terminal the branches are box-drawing characters.
#[cfg(unix)]
#[test]
fn draws_box_characters_on_a_terminal() {
    use expectrl::{Eof, Expect, Session};
    let t = example();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_proj"));
    cmd.env_clear()
        .env("HOME", t.path().join("home"))
        .env("PROJ_DB", t.db_arg())
        .env("PROJ_NOW", crate::support::NOW)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .current_dir(t.path())
        .args(["tree", "--org", "acme"]);
    if let Some(pg) = &t.pg {
        cmd.env("PGUSER", pg.login.lock().unwrap().as_str());
    }
    let mut session = Session::spawn(cmd).expect("spawn on a pty");
    session.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    let found = session.expect(Eof).expect("output");
    let out = String::from_utf8_lossy(found.get(0).unwrap_or_default()).replace("\r\n", "\n");
    assert!(
        out.ends_with(
            "\
acme
└── shop
    ├── staging      (staging)
    │   └── api      app
    └── production   (production, protected)
        └── api      app
"
        ),
        "{out:?}"
    );
}

#[test]
fn an_empty_file_has_an_empty_tree() {
    let t = TestEnv::new();
    let r = t.run(&["tree"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(r.stderr.contains("no organizations"), "{}", r.stderr);
    assert_eq!(t.json(&["tree"]), serde_json::json!([]));
}
