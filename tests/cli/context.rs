//! Context resolution: flag > environment variable > link file > saved selection > only one,
//! each asserted through `proj context --json` and through a real command.

use crate::helpers::{fails_unchanged, json_error, ok_env, run_env};
use crate::json::{Context, Link, Project};
use crate::support::TestEnv;
use std::path::Path;

/// Two organizations with two projects each; nothing saved, nothing linked.
fn two_orgs() -> TestEnv {
    let t = TestEnv::new();
    for org in ["acme", "beta"] {
        t.ok(&["org", "add", org]);
        for p in ["shop", "web"] {
            t.ok(&[
                "project",
                "add",
                p,
                "--org",
                org,
                "--env",
                &format!("{org}-{p}"),
            ]);
        }
    }
    t
}

/// `proj context --json` in `cwd` with extra variables and args.
fn context(t: &TestEnv, cwd: &Path, envs: &[(&str, &str)], args: &[&str]) -> Context {
    let mut all = vec!["context", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok_env(t, cwd, envs, &all)).expect("context JSON")
}

/// `(org, org source, project, project source)`.
fn resolved(c: &Context) -> (String, String, String, String) {
    let org = c.org.as_ref().expect("an organization");
    let project = c.project.as_ref().expect("a project");
    (
        org.value.clone(),
        org.source.clone(),
        project.value.clone(),
        project.source.clone(),
    )
}

fn tuple(o: &str, os: &str, p: &str, ps: &str) -> (String, String, String, String) {
    (o.into(), os.into(), p.into(), ps.into())
}

/// The only environment of the project a real command worked on names it: `org-project`.
fn env_list(t: &TestEnv, cwd: &Path, envs: &[(&str, &str)], args: &[&str]) -> String {
    let mut all = vec!["env", "list", "-o", "plain"];
    all.extend_from_slice(args);
    let out = ok_env(t, cwd, envs, &all);
    out.split('\t').next().unwrap().to_string()
}

#[test]
fn each_source_and_its_precedence() {
    let t = two_orgs();
    let dir = t.path().join("linked");
    std::fs::create_dir_all(&dir).unwrap();
    ok_env(&t, &dir, &[], &["link", "beta/web"]);
    t.ok(&["project", "use", "acme/web"]);
    let env = [("PROJ_ORG", "beta"), ("PROJ_PROJECT", "shop")];
    let flags = ["--org", "acme", "--project", "shop"];

    // 1. Flags beat everything.
    let c = context(&t, &dir, &env, &flags);
    assert_eq!(resolved(&c), tuple("acme", "flag", "shop", "flag"));
    assert_eq!(c.org.unwrap().detail.as_deref(), Some("--org"));
    assert_eq!(env_list(&t, &dir, &env, &flags), "acme-shop");

    // 2. Environment variables beat the link file and the saved selection.
    let c = context(&t, &dir, &env, &[]);
    assert_eq!(resolved(&c), tuple("beta", "env", "shop", "env"));
    assert_eq!(c.project.unwrap().detail.as_deref(), Some("PROJ_PROJECT"));
    assert_eq!(env_list(&t, &dir, &env, &[]), "beta-shop");

    // 3. The link file beats the saved selection.
    let c = context(&t, &dir, &[], &[]);
    assert_eq!(resolved(&c), tuple("beta", "link", "web", "link"));
    let link_path = dir.join(".proj.json").display().to_string();
    assert_eq!(c.link.as_deref(), Some(link_path.as_str()));
    assert_eq!(c.org.unwrap().detail.as_deref(), Some(link_path.as_str()));
    assert_eq!(env_list(&t, &dir, &[], &[]), "beta-web");

    // 4. The saved selection, outside the linked directory.
    let c = context(&t, t.path(), &[], &[]);
    assert_eq!(resolved(&c), tuple("acme", "saved", "web", "saved"));
    assert_eq!(c.link, None);
    assert_eq!(env_list(&t, t.path(), &[], &[]), "acme-web");
}

#[test]
fn only_one_organization_and_project() {
    let t = TestEnv::with_shop();
    let c = context(&t, t.path(), &[], &[]);
    assert_eq!(resolved(&c), tuple("acme", "only-one", "shop", "only-one"));
    t.ok(&["env", "add", "staging"]);
    // An organization chosen some other way, with one project: that project.
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "api", "--org", "beta", "--env", "dev"]);
    let c = context(&t, t.path(), &[], &["--org", "beta"]);
    assert_eq!(resolved(&c), tuple("beta", "flag", "api", "only-one"));
    assert_eq!(env_list(&t, t.path(), &[], &["--org", "beta"]), "dev");
    // Two organizations and nothing chosen: neither part resolves.
    let c = context(&t, t.path(), &[], &[]);
    assert!(c.org.is_none() && c.project.is_none());
}

#[test]
fn partial_sources_combine() {
    let t = two_orgs();
    // An organization from the environment, the project from a flag.
    let c = context(&t, t.path(), &[("PROJ_ORG", "beta")], &["-p", "web"]);
    assert_eq!(resolved(&c), tuple("beta", "env", "web", "flag"));
    // A saved organization alone (`org use`) leaves the project to choose.
    t.ok(&["org", "use", "beta"]);
    let c = context(&t, t.path(), &[], &[]);
    assert_eq!(c.org.as_ref().unwrap().source, "saved");
    assert!(c.project.is_none());
    let err = t.fails(&["env", "list"], 2);
    assert!(err.contains("available: shop, web"), "{err}");
    // A flag naming another organization does not borrow the saved project.
    t.ok(&["project", "use", "beta/web"]);
    let err = t.fails(&["env", "list", "--org", "acme"], 2);
    assert!(err.contains("no project selected"), "{err}");
}

#[test]
fn project_flag_as_org_slash_project() {
    let t = two_orgs();
    let c = context(&t, t.path(), &[], &["--project", "beta/shop"]);
    assert_eq!(resolved(&c), tuple("beta", "flag", "shop", "flag"));
    assert_eq!(
        env_list(&t, t.path(), &[], &["--project", "beta/shop"]),
        "beta-shop"
    );
    let c = context(&t, t.path(), &[("PROJ_PROJECT", "acme/web")], &[]);
    assert_eq!(resolved(&c), tuple("acme", "env", "web", "env"));
    // The same organization twice is fine.
    let c = context(&t, t.path(), &[], &["--org", "beta", "-p", "beta/web"]);
    assert_eq!(resolved(&c), tuple("beta", "flag", "web", "flag"));
}

#[test]
fn conflicting_org_and_project_prefix_is_usage() {
    let t = two_orgs();
    let err = fails_unchanged(
        &t,
        &[
            "env",
            "add",
            "qa",
            "--org",
            "acme",
            "--project",
            "beta/shop",
        ],
        2,
    );
    assert!(err.contains("disagree"), "{err}");
    let e = json_error(
        &t,
        &["context", "--org", "acme", "--project", "beta/shop"],
        2,
    );
    assert_eq!(e["code"], "usage");
    let r = run_env(
        &t,
        t.path(),
        &[("PROJ_ORG", "acme"), ("PROJ_PROJECT", "beta/x")],
        &["env", "list"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn bare_project_name_finds_its_organization() {
    let t = two_orgs();
    t.ok(&["project", "add", "api", "--org", "beta"]);
    let c = context(&t, t.path(), &[], &["-p", "api"]);
    assert_eq!(resolved(&c), tuple("beta", "flag", "api", "flag"));
    // In two organizations it is ambiguous: exit 2 naming both.
    let err = t.fails(&["env", "list", "-p", "shop"], 2);
    assert!(err.contains("exists in several organizations"), "{err}");
    assert!(err.contains("acme/shop, beta/shop"), "{err}");
    // Only commands that need the organization stumble on it.
    let shell = [("PROJ_PROJECT", "shop")];
    let orgs = ok_env(&t, t.path(), &shell, &["org", "list", "-o", "plain"]);
    assert_eq!(orgs.lines().count(), 2);
    ok_env(&t, t.path(), &shell, &["org", "add", "gamma"]);
    let c = context(&t, t.path(), &shell, &[]);
    assert!(c.org.is_none(), "{c:?}");
    let r = run_env(&t, t.path(), &shell, &["project", "list"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("acme/shop, beta/shop"), "{}", r.stderr);
    assert_eq!(
        env_list(&t, t.path(), &shell, &["--org", "beta"]),
        "beta-shop"
    );
    // In none, with several organizations to look in: not found, naming what there is.
    let err = t.fails(&["env", "list", "-p", "nope"], 3);
    assert!(
        err.contains("error: project `nope` not found in any organization"),
        "{err}"
    );
    assert!(
        err.contains("available: acme/shop, acme/web, beta/api, beta/shop"),
        "{err}"
    );
}

#[test]
fn no_project_selected_names_the_flag_and_the_choices() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop"]);
    t.ok(&["project", "add", "client-b"]);
    let err = t.fails(&["env", "list"], 2);
    assert!(err.starts_with("error: no project selected\n"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    assert!(err.contains("--project"), "{err}");
    assert!(err.contains("PROJ_PROJECT"), "{err}");
    assert!(err.contains("proj project use"), "{err}");
    assert!(err.contains("proj link"), "{err}");
    assert!(err.contains("available: client-b, shop"), "{err}");
    let e = json_error(&t, &["env", "list"], 2);
    assert_eq!(e["message"], "no project selected");
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains("available: client-b, shop")
    );
}

#[test]
fn link_file_applies_from_nested_directories() {
    let t = two_orgs();
    let root = t.path().join("repo");
    let deep = root.join("src/a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let l: Link =
        serde_json::from_str(&ok_env(&t, &root, &[], &["link", "acme/web", "--json"])).unwrap();
    assert_eq!(Path::new(&l.path), root.join(".proj.json"));
    let c = context(&t, &deep, &[], &[]);
    assert_eq!(resolved(&c), tuple("acme", "link", "web", "link"));
    assert_eq!(env_list(&t, &deep, &[], &[]), "acme-web");
    // The nearest link wins.
    let mid = root.join("src");
    ok_env(&t, &mid, &[], &["link", "beta/shop"]);
    assert_eq!(env_list(&t, &deep, &[], &[]), "beta-shop");
    // Unlink from below removes the nearest one.
    let u: Link = serde_json::from_str(&ok_env(&t, &deep, &[], &["unlink", "--json"])).unwrap();
    assert_eq!(Path::new(&u.path), mid.join(".proj.json"));
    assert_eq!(env_list(&t, &deep, &[], &[]), "acme-web");
}

#[test]
fn link_defaults_to_the_current_project_and_unlink_needs_a_link() {
    let t = two_orgs();
    let dir = t.path().join("w");
    std::fs::create_dir_all(&dir).unwrap();
    // Nothing to link to: usage.
    let r = run_env(&t, &dir, &[], &["link"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!dir.join(".proj.json").exists());
    t.ok(&["project", "use", "beta/web"]);
    let r = run_env(&t, &dir, &[], &["link"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("to beta/web"), "{}", r.stderr);
    let text = std::fs::read_to_string(dir.join(".proj.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v, serde_json::json!({"org": "beta", "project": "web"}));
    // A bare project name, in the current organization.
    let r = run_env(&t, &dir, &[], &["link", "shop"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(context(&t, &dir, &[], &[]).project.unwrap().value, "shop");
    // Linking to something missing writes nothing.
    let r = run_env(&t, &dir, &[], &["link", "beta/nope"]);
    assert_eq!(r.code, 3);
    assert_eq!(context(&t, &dir, &[], &[]).project.unwrap().value, "shop");
    ok_env(&t, &dir, &[], &["unlink"]);
    assert!(!dir.join(".proj.json").exists());
    let r = run_env(&t, &dir, &[], &["unlink"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("no link file"), "{}", r.stderr);
}

#[test]
fn a_link_to_a_removed_project_is_not_found() {
    let t = two_orgs();
    let dir = t.path().join("w");
    std::fs::create_dir_all(&dir).unwrap();
    ok_env(&t, &dir, &[], &["link", "acme/web"]);
    t.ok(&["project", "remove", "acme/web", "--yes"]);
    let r = run_env(&t, &dir, &[], &["env", "list"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("project `acme/web` not found"),
        "{}",
        r.stderr
    );
}

#[test]
fn context_in_table_and_plain() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "use", "shop"]);
    let table = t.ok(&["context"]);
    assert!(
        table.starts_with("organization acme  (saved selection)\n"),
        "{table}"
    );
    assert!(
        table.contains("project      shop  (saved selection)\n"),
        "{table}"
    );
    assert!(table.contains("identity     tester"), "{table}");
    let plain = t.ok(&["context", "-o", "plain", "--org", "acme"]);
    let lines: Vec<_> = plain.lines().collect();
    assert_eq!(lines[0], "organization\tacme\tflag\t--org");
    assert_eq!(lines[1], "project\tshop\tsaved\t");
    // On a server the identity is the login the connection acts as.
    let source = if t.pg.is_some() { "login" } else { "os-user" };
    assert!(
        lines[2].starts_with(&format!("identity\ttester\t{source}")),
        "{plain}"
    );
}

#[test]
fn project_use_then_a_real_command() {
    let t = two_orgs();
    let p: Project = t.json_as(&["project", "use", "beta/shop"]);
    assert_eq!(p.slug, "shop");
    t.ok(&["env", "add", "staging"]);
    let envs: Vec<crate::json::Env> = t.json_as(&["env", "list", "-p", "beta/shop"]);
    assert_eq!(envs[0].slug, "staging");
}

#[test]
fn identity_and_database_sources() {
    crate::file_only!(
        "identity from --as, PROJ_AS, a saved identity or the OS user: a file's; on a server the login"
    );
    let t = TestEnv::with_shop();
    let c = context(&t, t.path(), &[], &["--as", "ana@acme.dev"]);
    assert_eq!(
        (c.identity.value.as_str(), c.identity.source.as_str()),
        ("ana@acme.dev", "flag")
    );
    assert_eq!(c.identity.detail.as_deref(), Some("--as"));
    let c = context(&t, t.path(), &[("PROJ_AS", "bo@acme.dev")], &[]);
    assert_eq!(
        (c.identity.value.as_str(), c.identity.source.as_str()),
        ("bo@acme.dev", "env")
    );
    let c = context(&t, t.path(), &[], &[]);
    assert_eq!(
        (c.identity.value.as_str(), c.identity.source.as_str()),
        ("tester", "os-user")
    );
    let db = t.db.display().to_string();
    let c = context(&t, t.path(), &[], &["--db", &db]);
    // The same path as PROJ_DB: it came from the environment either way.
    assert_eq!(c.db.value, db);
}

#[test]
fn an_unreadable_link_file_stops_resolution_instead_of_being_skipped() {
    let t = two_orgs();
    let root = t.path().join("repo");
    let sub = root.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    ok_env(&t, &root, &[], &["link", "acme/web"]);
    t.ok(&["project", "use", "beta/shop"]);
    let broken = sub.join(".proj.json");
    std::fs::write(&broken, "{ not json").unwrap();
    // Neither the link above it nor the saved selection is used in its place.
    let before = t.dump();
    let r = run_env(&t, &sub, &[], &["env", "add", "qa"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let what = format!("error: cannot read the link file {}", broken.display());
    assert!(r.stderr.starts_with(&what), "{}", r.stderr);
    assert!(r.stderr.contains("proj unlink"), "{}", r.stderr);
    assert_eq!(before, t.dump());
    // What does not need it still works, and so do explicit choices.
    ok_env(&t, &sub, &[], &["org", "list"]);
    assert_eq!(env_list(&t, &sub, &[], &["-p", "beta/web"]), "beta-web");
    // `proj link` replaces it; `proj unlink` removes a broken one.
    ok_env(&t, &sub, &[], &["link", "beta/web"]);
    assert_eq!(env_list(&t, &sub, &[], &[]), "beta-web");
    std::fs::write(&broken, "[]").unwrap();
    let l: Link = serde_json::from_str(&ok_env(&t, &sub, &[], &["unlink", "--json"])).unwrap();
    assert_eq!(Path::new(&l.path), broken);
    assert!(!broken.exists());
    assert_eq!(env_list(&t, &sub, &[], &[]), "acme-web");
}
