//! `proj env add|list|show|rename|remove|archive|unarchive|protect|unprotect`: kinds,
//! display names, release-flow order, archiving and protection.

use crate::helpers::{env_slugs, fails_unchanged, json_error};
use crate::json::Env;
use crate::support::TestEnv;

fn kind_of(t: &TestEnv, args: &[&str]) -> (String, bool) {
    let e: Env = t.json_as(args);
    (e.kind, e.protected)
}

#[test]
fn kind_is_inferred_from_well_known_names() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web", "--no-env"]);
    for (name, kind) in [
        ("dev", "development"),
        ("development", "development"),
        ("stage", "staging"),
        ("staging", "staging"),
        ("stg", "staging"),
        ("prod", "production"),
        ("qa", "custom"),
        ("preview", "custom"),
        ("devel", "custom"),
        ("production-eu", "custom"),
    ] {
        let e: Env = t.json_as(&["env", "add", name, "-p", "web"]);
        assert_eq!(e.kind, kind, "{name}");
        // The slug stays what the user typed.
        assert_eq!(e.slug, name);
        assert_eq!(e.protected, kind == "production", "{name}");
    }
    let e: Env = t.json_as(&["env", "add", "production", "-p", "web"]);
    assert_eq!((e.kind.as_str(), e.protected), ("production", true));
}

#[test]
fn kind_flag_overrides_inference() {
    let t = TestEnv::with_shop();
    assert_eq!(
        kind_of(&t, &["env", "add", "live", "--kind", "production"]),
        ("production".into(), true)
    );
    assert_eq!(
        kind_of(&t, &["env", "add", "prod", "--kind", "custom"]),
        ("custom".into(), false)
    );
    assert_eq!(
        kind_of(&t, &["env", "add", "sandbox", "--kind", "development"]),
        ("development".into(), false)
    );
    let err = fails_unchanged(&t, &["env", "add", "x", "--kind", "prodution"], 2);
    assert!(
        err.contains("development, staging, custom, production"),
        "{err}"
    );
}

#[test]
fn display_name_defaults_from_the_slug() {
    let t = TestEnv::with_shop();
    let e: Env = t.json_as(&["env", "add", "staging"]);
    assert_eq!(e.display_name, "Staging");
    let e: Env = t.json_as(&["env", "add", "client-demo"]);
    assert_eq!(e.display_name, "Client Demo");
    let e: Env = t.json_as(&[
        "env",
        "add",
        "hotfix",
        "--display-name",
        "Hotfix 1.2",
        "--description",
        "for the 1.2 line",
    ]);
    assert_eq!(e.display_name, "Hotfix 1.2");
    assert_eq!(e.description.as_deref(), Some("for the 1.2 line"));
}

#[test]
fn add_twice_is_a_conflict() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let err = fails_unchanged(&t, &["env", "add", "staging"], 4);
    assert!(
        err.contains("environment `staging` already exists in acme/shop"),
        "{err}"
    );
    // An archived one still holds its name, and the hint says how to get it back.
    t.ok(&["env", "archive", "staging"]);
    let err = fails_unchanged(&t, &["env", "add", "staging"], 4);
    assert!(err.contains("proj env unarchive staging"), "{err}");
}

#[test]
fn aliases() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "create", "dev"]);
    t.ok(&["env", "new", "staging"]);
    assert_eq!(env_slugs(&t, &[]), ["dev", "staging", "production"]);
    let ls: Vec<Env> = t.json_as(&["env", "ls"]);
    assert_eq!(ls.len(), 3);
    t.ok(&["env", "rm", "dev"]);
    t.ok(&["env", "delete", "staging"]);
    assert_eq!(env_slugs(&t, &[]), ["production"]);
}

#[test]
fn list_in_release_flow_order_with_ties_by_creation() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop"]);
    for name in ["qa", "staging", "zeta", "dev", "alpha", "stg", "sandbox"] {
        t.ok(&["env", "add", name]);
    }
    t.ok(&["env", "add", "live", "--kind", "production"]);
    t.ok(&["env", "add", "local", "--kind", "development"]);
    assert_eq!(
        env_slugs(&t, &[]),
        [
            "dev",
            "local",
            "staging",
            "stg",
            "qa",
            "zeta",
            "alpha",
            "sandbox",
            "production",
            "live"
        ]
    );
    // Changing the kind moves it, to its place by creation among its new kind.
    t.ok(&["env", "rename", "sandbox", "--kind", "development"]);
    assert_eq!(env_slugs(&t, &[])[..3], ["dev", "sandbox", "local"]);
}

#[test]
fn show_by_env_project_env_or_org_project_env() {
    let t = TestEnv::with_shop();
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "api", "--org", "beta", "--env", "dev"]);
    let a: Env = t.json_as(&["env", "show", "production", "--org", "acme"]);
    let b: Env = t.json_as(&["env", "show", "acme/shop/production"]);
    assert_eq!(a, b);
    let c: Env = t.json_as(&["env", "show", "api/dev", "--org", "beta"]);
    assert_eq!((c.org.as_str(), c.project.as_str()), ("beta", "api"));
    let err = t.fails(&["env", "show", "staging", "--org", "acme"], 3);
    assert!(
        err.contains("environment `staging` not found in acme/shop"),
        "{err}"
    );
    assert!(err.contains("available: production"), "{err}");
    t.fails(&["env", "show", "acme/nope/production"], 3);
    t.fails(&["env", "show", "nope/shop/production"], 3);
    t.fails(&["env", "show", "a/b/c/d"], 2);
}

#[test]
fn list_and_show_of_an_empty_project() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--no-env"]);
    assert_eq!(t.json(&["env", "list"]), serde_json::json!([]));
    let r = t.run(&["env", "list"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(r.stderr.contains("no environments"), "{}", r.stderr);
    let err = t.fails(&["env", "show", "production"], 3);
    assert!(!err.contains("available"), "{err}");
}

#[test]
fn rename_moves_a_default_display_name_along() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let e: Env = t.json_as(&["env", "rename", "staging", "qa"]);
    assert_eq!((e.slug.as_str(), e.display_name.as_str()), ("qa", "Qa"));
    // The kind stays: a rename is not a re-inference.
    assert_eq!(e.kind, "staging");
    t.fails(&["env", "show", "staging"], 3);
    t.ok(&["env", "rename", "qa", "--display-name", "Quality"]);
    let e: Env = t.json_as(&["env", "rename", "qa", "uat"]);
    assert_eq!(e.display_name, "Quality");
    let e: Env = t.json_as(&["env", "rename", "uat", "--description", "acceptance"]);
    assert_eq!(e.description.as_deref(), Some("acceptance"));
    let e: Env = t.json_as(&["env", "rename", "uat", "--description", ""]);
    assert_eq!(e.description, None);
    let e: Env = t.json_as(&["env", "rename", "uat", "--kind", "production"]);
    assert_eq!(e.kind, "production");
}

#[test]
fn rename_failures_change_nothing() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let err = fails_unchanged(&t, &["env", "rename", "staging", "production"], 4);
    assert!(
        err.contains("environment `production` already exists"),
        "{err}"
    );
    fails_unchanged(&t, &["env", "rename", "staging"], 2);
    fails_unchanged(&t, &["env", "rename", "staging", "Q A"], 2);
    fails_unchanged(&t, &["env", "rename", "nope", "qa"], 3);
    fails_unchanged(&t, &["env", "rename", "staging", "--kind", "bogus"], 2);
}

#[test]
fn archive_hides_and_unarchive_brings_back() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    t.ok(&["env", "add", "hotfix"]);
    let e: Env = t.json_as(&["env", "archive", "hotfix"]);
    assert!(e.archived && e.archived_at.is_some());
    assert_eq!(env_slugs(&t, &[]), ["staging", "production"]);
    let all: Vec<Env> = t.json_as(&["env", "list", "--archived"]);
    let all: Vec<_> = all.iter().map(|e| (e.slug.as_str(), e.archived)).collect();
    assert_eq!(
        all,
        [("staging", false), ("hotfix", true), ("production", false)]
    );
    // Still reachable by name while archived.
    let shown: Env = t.json_as(&["env", "show", "hotfix"]);
    assert!(shown.archived);
    // Archiving twice changes nothing and writes no event.
    let before = t.dump();
    let r = t.run(&["env", "archive", "hotfix"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(before, t.dump());
    let e: Env = t.json_as(&["env", "unarchive", "hotfix"]);
    assert!(!e.archived && e.archived_at.is_none());
    assert_eq!(env_slugs(&t, &[]), ["staging", "hotfix", "production"]);
    fails_unchanged(&t, &["env", "archive", "nope"], 3);
}

#[test]
fn archived_column_in_table_and_plain_with_archived_flag() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "hotfix"]);
    t.ok(&["env", "archive", "hotfix"]);
    let plain = t.ok(&["env", "list", "--archived", "-o", "plain"]);
    assert_eq!(
        plain,
        "hotfix\tHotfix\tcustom\tno\tyes\nproduction\tProduction\tproduction\tyes\tno\n"
    );
    let table = t.ok(&["env", "list", "--archived"]);
    assert!(
        table.lines().nth(1).unwrap().contains("archived"),
        "{table}"
    );
}

#[test]
fn protect_and_unprotect() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let e: Env = t.json_as(&["env", "protect", "staging"]);
    assert!(e.protected);
    let err = fails_unchanged(&t, &["env", "remove", "staging"], 4);
    assert!(
        err.contains("environment `staging` in acme/shop is protected"),
        "{err}"
    );
    let e: Env = t.json_as(&["env", "unprotect", "staging"]);
    assert!(!e.protected);
    t.ok(&["env", "remove", "staging"]);
    let e: Env = t.json_as(&["env", "unprotect", "production"]);
    assert!(!e.protected);
    // Unprotected, production goes without --yes.
    t.ok(&["env", "remove", "production"]);
    assert!(env_slugs(&t, &[]).is_empty());
    fails_unchanged(&t, &["env", "protect", "nope"], 3);
}

#[test]
fn removing_a_protected_environment_needs_yes() {
    let t = TestEnv::with_shop();
    let err = fails_unchanged(&t, &["env", "remove", "production"], 4);
    assert_eq!(
        err,
        "error: environment `production` in acme/shop is protected\n\
         hint: pass --yes to remove it anyway, or `proj env unprotect production` first\n"
    );
    let e = json_error(&t, &["env", "rm", "production"], 4);
    assert_eq!(e["code"], "conflict");
    // --no-input does not change the answer; only --yes does.
    fails_unchanged(&t, &["env", "remove", "production", "--no-input"], 4);
    let e: Env = t.json_as(&["env", "remove", "production", "--yes"]);
    assert_eq!(e.slug, "production");
    assert!(env_slugs(&t, &[]).is_empty());
}

#[test]
fn removing_a_plain_environment_needs_no_confirmation() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let r = t.run(&["env", "remove", "staging"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("removed environment acme/shop/staging"),
        "{}",
        r.stderr
    );
    fails_unchanged(&t, &["env", "remove", "staging"], 3);
}

#[test]
fn env_commands_need_a_project() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    for args in [
        &["env", "list"][..],
        &["env", "add", "staging"][..],
        &["env", "show", "production"][..],
        &["env", "remove", "production", "--yes"][..],
        &["env", "archive", "production"][..],
        &["env", "protect", "production"][..],
    ] {
        let err = fails_unchanged(&t, args, 2);
        assert!(
            err.contains("error: no project selected"),
            "{args:?}: {err}"
        );
        assert!(err.contains("available: shop, web"), "{args:?}: {err}");
    }
}

#[test]
fn removing_an_environment_that_holds_resources_needs_yes() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    // A resource straight into the file; managing resources is not what this is about.
    t.sql(
        "INSERT INTO resources (environment_id, slug, type, created_at)
         SELECT id, 'api', 'app', '2026-11-27T09:14:03Z' FROM environments
         WHERE slug = 'staging'",
    );
    let err = fails_unchanged(&t, &["env", "remove", "staging"], 4);
    assert!(
        err.contains("environment `staging` in acme/shop holds 1 resource(s)"),
        "{err}"
    );
    assert!(err.contains("hint: pass --yes"), "{err}");
    t.ok(&["env", "remove", "staging", "--yes"]);
    let dump = t.dump();
    let resources = dump.split("== resources\n").nth(1).unwrap();
    assert!(resources.starts_with("== "), "the resource is gone: {dump}");
    // The removed resource is kept in the audit event.
    let e = &crate::helpers::events(&t)[0];
    assert_eq!(e["before"]["resources"][0]["slug"], "api");
}

#[test]
fn an_empty_display_name_gives_an_environment_its_default_back() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "--display-name", "Pre-release"]);
    let env = t.json(&["env", "rename", "staging", "--display-name", ""]);
    assert_eq!(env["display_name"], "Staging");
    // The default is the new slug's when the same rename changes the slug.
    t.ok(&["env", "rename", "staging", "--display-name", "Pre-release"]);
    let env = t.json(&["env", "rename", "staging", "qa", "--display-name", ""]);
    assert_eq!(env["display_name"], "Qa");
}

/// The one rule for kind and protection (`env rename --kind`, `apply`): protection that was
/// the kind's default follows the new kind's, one set apart stays, and a change of protection
/// is `env.protect`'s to allow.
#[test]
fn a_kind_change_moves_protection_by_one_rule_on_every_road() {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--role", "owner"]);
    t.ok(&["member", "add", "dev@acme.dev"]);
    t.ok(&[
        "member",
        "grant",
        "dev@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    for e in ["qa", "qb", "staging"] {
        t.ok(&["env", "add", e, "-p", "acme/shop", "--as", "ana@acme.dev"]);
    }
    t.ok(&[
        "env",
        "protect",
        "acme/shop/staging",
        "--as",
        "ana@acme.dev",
    ]);
    let applied = t.copy();

    // A developer may not protect, so may not make an environment production.
    let before = t.dump();
    let err = t.fails(
        &[
            "env",
            "rename",
            "acme/shop/qa",
            "--kind",
            "production",
            "--as",
            "dev@acme.dev",
        ],
        5,
    );
    assert!(err.contains("env.protect"), "{err}");
    assert_eq!(t.dump(), before);

    let rename = |env: &str, kind: &str| {
        kind_of(
            &t,
            &["env", "rename", env, "--kind", kind, "--as", "ana@acme.dev"],
        )
    };
    assert_eq!(
        rename("acme/shop/qa", "production"),
        ("production".into(), true)
    );
    assert_eq!(
        rename("acme/shop/production", "staging"),
        ("staging".into(), false)
    );
    // Protection set by hand stays.
    assert_eq!(
        rename("acme/shop/staging", "custom"),
        ("custom".into(), true)
    );
    let log = t.ok(&["log", "-n", "2", "-o", "plain", "--as", "ana@acme.dev"]);
    assert!(
        log.contains("env.unprotect"),
        "recorded as its own action: {log}"
    );

    // The same kinds through a layout file (no `protected` given) end the same.
    let layout = applied.path().join("kinds.toml");
    std::fs::write(
        &layout,
        r#"[[org]]
slug = "acme"

[[org.project]]
slug = "shop"

[[org.project.env]]
slug = "qa"
kind = "production"

[[org.project.env]]
slug = "production"
kind = "staging"

[[org.project.env]]
slug = "staging"
kind = "custom"
protected = true
"#,
    )
    .unwrap();
    applied.ok(&[
        "apply",
        layout.to_str().unwrap(),
        "--yes",
        "--as",
        "ana@acme.dev",
    ]);
    let list = |t: &TestEnv| {
        t.ok(&[
            "env",
            "list",
            "-p",
            "acme/shop",
            "-o",
            "plain",
            "--as",
            "ana@acme.dev",
        ])
    };
    assert_eq!(list(&applied), list(&t));
    // And what export writes of the result applies as no change.
    let export = t.ok(&["export", "--org", "acme", "--as", "ana@acme.dev"]);
    let file = t.path().join("again.toml");
    std::fs::write(&file, export).unwrap();
    let plan = t.ok(&[
        "apply",
        file.to_str().unwrap(),
        "--dry-run",
        "--as",
        "ana@acme.dev",
    ]);
    assert!(plan.starts_with("no changes"), "{plan}");
    // A file that leaves `protected` out declares the kind's default; the plan says so, with
    // how to keep the protection the CLI kept.
    let file = t.path().join("omitted.toml");
    std::fs::write(
        &file,
        "[[org]]\nslug = \"acme\"\n\n[[org.project]]\nslug = \"shop\"\n\n[[org.project.env]]\nslug = \"staging\"\nkind = \"custom\"\n",
    )
    .unwrap();
    let plan = t.ok(&[
        "apply",
        file.to_str().unwrap(),
        "--dry-run",
        "--as",
        "ana@acme.dev",
    ]);
    assert!(
        plan.contains("~ env acme/shop/staging: protected yes → no (the default of kind custom; write `protected = true` to keep it)"),
        "{plan}"
    );
}
