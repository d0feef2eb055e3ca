//! `proj project add|list|show|rename|remove|use` and their aliases.

use crate::helpers::{env_slugs, fails_unchanged, slugs};
use crate::json::{Env, Project};
use crate::support::TestEnv;

#[test]
fn add_starts_with_a_protected_production() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let p: Project = t.json_as(&[
        "project",
        "add",
        "shop",
        "--display-name",
        "Shop",
        "--description",
        "the web shop",
    ]);
    assert_eq!(p.org, "acme");
    assert_eq!(p.environments, ["production"]);
    assert_eq!(p.display_name.as_deref(), Some("Shop"));
    assert_eq!(p.description.as_deref(), Some("the web shop"));
    let prod: Env = t.json_as(&["env", "show", "production"]);
    assert_eq!(prod.kind, "production");
    assert!(prod.protected);
    assert_eq!(prod.display_name, "Production");
}

#[test]
fn add_with_repeated_env_replaces_production() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let p: Project = t.json_as(&[
        "project",
        "add",
        "shop",
        "--env",
        "production",
        "--env",
        "staging",
        "--env",
        "dev",
    ]);
    // Release-flow order, whatever the order on the command line.
    assert_eq!(p.environments, ["dev", "staging", "production"]);
    let kinds: Vec<Env> = t.json_as(&["env", "list"]);
    let kinds: Vec<_> = kinds
        .iter()
        .map(|e| (e.kind.as_str(), e.protected))
        .collect();
    assert_eq!(
        kinds,
        [
            ("development", false),
            ("staging", false),
            ("production", true)
        ]
    );
    let p: Project = t.json_as(&["project", "add", "web", "--env", "qa"]);
    assert_eq!(p.environments, ["qa"]);
}

#[test]
fn add_with_no_env_starts_empty() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let p: Project = t.json_as(&["project", "add", "shop", "--no-env"]);
    assert!(p.environments.is_empty());
    assert!(env_slugs(&t, &[]).is_empty());
    // --env and --no-env contradict each other.
    fails_unchanged(
        &t,
        &["project", "add", "web", "--no-env", "--env", "dev"],
        2,
    );
}

#[test]
fn add_rejects_bad_or_repeated_env_names_before_writing() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let err = fails_unchanged(&t, &["project", "add", "shop", "--env", "QA Env"], 2);
    assert!(err.contains("invalid environment name `QA Env`"), "{err}");
    let err = fails_unchanged(
        &t,
        &["project", "add", "shop", "--env", "dev", "--env", "dev"],
        2,
    );
    assert!(err.contains("`dev` is given twice"), "{err}");
}

#[test]
fn add_aliases_and_conflicts() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "create", "a"]);
    t.ok(&["project", "new", "b"]);
    assert_eq!(slugs(&t.json(&["project", "ls"])), ["a", "b"]);
    let err = fails_unchanged(&t, &["project", "add", "a"], 4);
    assert!(err.contains("project `acme/a` already exists"), "{err}");
    // The same slug in another organization is fine.
    t.ok(&["org", "add", "other"]);
    t.ok(&["project", "add", "a", "--org", "other"]);
}

#[test]
fn add_without_an_organization_is_usage() {
    let t = TestEnv::new();
    t.ok(&["org", "list"]);
    let err = fails_unchanged(&t, &["project", "add", "shop"], 2);
    assert!(err.contains("no organization selected"), "{err}");
    t.ok(&["org", "add", "a"]);
    t.ok(&["org", "add", "b"]);
    let err = fails_unchanged(&t, &["project", "add", "shop"], 2);
    assert!(err.contains("available: a, b"), "{err}");
    fails_unchanged(&t, &["project", "add", "shop", "--org", "nope"], 3);
}

#[test]
fn list_one_org_or_all() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web", "--org", "acme"]);
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "api", "--org", "beta"]);
    assert_eq!(
        slugs(&t.json(&["project", "list", "--org", "acme"])),
        ["shop", "web"]
    );
    assert_eq!(
        slugs(&t.json(&["project", "list", "--org", "beta"])),
        ["api"]
    );
    let all: Vec<Project> = t.json_as(&["project", "list", "--all"]);
    let all: Vec<_> = all
        .iter()
        .map(|p| format!("{}/{}", p.org, p.slug))
        .collect();
    assert_eq!(all, ["acme/shop", "acme/web", "beta/api"]);
    t.fails(&["project", "list"], 2);
}

#[test]
fn show_by_name_org_slash_name_or_context() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let p: Project = t.json_as(&["project", "show"]);
    assert_eq!(p.environments, ["staging", "production"]);
    let q: Project = t.json_as(&["project", "show", "shop"]);
    assert_eq!(p, q);
    let q: Project = t.json_as(&["project", "show", "acme/shop"]);
    assert_eq!(p, q);
    let err = t.fails(&["project", "show", "nope"], 3);
    assert!(err.contains("project `acme/nope` not found"), "{err}");
    assert!(err.contains("available: shop"), "{err}");
    t.fails(&["project", "show", "nope/shop"], 3);
}

#[test]
fn archived_environments_are_left_out_of_the_project() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    t.ok(&["env", "archive", "staging"]);
    let p: Project = t.json_as(&["project", "show"]);
    assert_eq!(p.environments, ["production"]);
}

#[test]
fn rename_slug_display_name_and_description() {
    let t = TestEnv::with_shop();
    let p: Project = t.json_as(&[
        "project",
        "rename",
        "shop",
        "store",
        "--display-name",
        "Store",
        "--description",
        "sells things",
    ]);
    assert_eq!(p.slug, "store");
    assert_eq!(p.display_name.as_deref(), Some("Store"));
    assert_eq!(p.description.as_deref(), Some("sells things"));
    t.fails(&["project", "show", "shop"], 3);
    let e: Env = t.json_as(&["env", "show", "acme/store/production"]);
    assert_eq!(e.project, "store");
    let p: Project = t.json_as(&["project", "rename", "acme/store", "--description", ""]);
    assert_eq!(p.description, None);
}

#[test]
fn rename_failures_change_nothing() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    let err = fails_unchanged(&t, &["project", "rename", "shop", "web"], 4);
    assert!(err.contains("project `acme/web` already exists"), "{err}");
    fails_unchanged(&t, &["project", "rename", "shop"], 2);
    fails_unchanged(&t, &["project", "rename", "shop", "Web Shop"], 2);
    fails_unchanged(&t, &["project", "rename", "nope", "other"], 3);
}

#[test]
fn remove_with_environments_needs_yes() {
    let t = TestEnv::with_shop();
    let err = fails_unchanged(&t, &["project", "remove", "shop"], 4);
    assert!(
        err.contains("project `acme/shop` has 1 environment(s)"),
        "{err}"
    );
    assert!(err.contains("hint: pass --yes"), "{err}");
    let p: Project = t.json_as(&["project", "remove", "shop", "--yes"]);
    assert_eq!(p.slug, "shop");
    assert_eq!(t.json(&["project", "list"]), serde_json::json!([]));
}

#[test]
fn remove_an_empty_project_and_aliases() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "a", "--no-env"]);
    t.ok(&["project", "add", "b", "--no-env"]);
    t.ok(&["project", "add", "c"]);
    t.ok(&["project", "remove", "a"]);
    t.ok(&["project", "rm", "b"]);
    t.ok(&["project", "delete", "acme/c", "-y"]);
    assert_eq!(t.json(&["project", "list"]), serde_json::json!([]));
    fails_unchanged(&t, &["project", "rm", "a"], 3);
}

#[test]
fn use_selects_the_project_and_its_organization() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "api", "--org", "beta", "--env", "dev"]);
    t.fails(&["env", "list"], 2);
    let p: Project = t.json_as(&["project", "use", "beta/api"]);
    assert_eq!((p.org.as_str(), p.slug.as_str()), ("beta", "api"));
    assert_eq!(env_slugs(&t, &[]), ["dev"]);
    t.ok(&["project", "use", "acme/web"]);
    assert_eq!(env_slugs(&t, &[]), ["production"]);
    // Then `org use` of the same organization keeps the project.
    t.ok(&["org", "use", "acme"]);
    let p: Project = t.json_as(&["project", "show"]);
    assert_eq!(p.slug, "web");
    fails_unchanged(&t, &["project", "use", "nope"], 3);
}

#[test]
fn removing_the_selected_project_clears_the_selection() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    t.ok(&["project", "use", "web"]);
    t.ok(&["project", "remove", "web", "--yes"]);
    // Back to "the only one there is".
    let p: Project = t.json_as(&["project", "show"]);
    assert_eq!(p.slug, "shop");
}
