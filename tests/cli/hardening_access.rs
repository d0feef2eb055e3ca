//! Hardening of the access model (issue 12): what the actor may not see reaches them by no
//! road (`log`, `restore`, conflicts, hints, exit codes); `restore` re-checks every action
//! it re-does and follows renames; a broken link file is reported, not skipped; a path with
//! an empty segment is usage.

use crate::support::TestEnv;
use serde_json::Value;
use std::path::Path;

const ANA: &str = "ana@acme.dev";
const BO: &str = "bo@acme.dev";
const CY: &str = "cy@acme.dev";
const DEV: &str = "dev@acme.dev";

/// acme: ana the owner (the saved identity); `shop` (production, staging) where bo is project
/// admin and dev developer; `secret` (staging) that only cy and ana see. cy is also a viewer
/// on shop.
fn world() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "project", "add", "secret", "--org", "acme", "--env", "staging",
    ]);
    t.ok(&["member", "add", ANA, "--org", "acme"]);
    for who in [BO, CY, DEV] {
        t.ok(&["member", "add", who, "--org", "acme"]);
    }
    grant(&t, BO, "acme/shop", None, "admin");
    grant(&t, DEV, "acme/shop", None, "developer");
    grant(&t, CY, "acme/shop", None, "viewer");
    grant(&t, CY, "acme/secret", None, "developer");
    t
}

fn grant(t: &TestEnv, who: &str, project: &str, env: Option<&str>, role: &str) {
    let mut args = vec!["member", "grant", who, "-p", project, "--role", role];
    if let Some(e) = env {
        args.extend(["--env", e]);
    }
    t.ok(&args);
}

/// The id of the newest event ana sees.
fn last_id(t: &TestEnv) -> String {
    t.json(&["log", "-n", "1", "--as", ANA])[0]["id"].to_string()
}

/// Every event `who` sees, as JSON text.
fn log_of(t: &TestEnv, who: &str) -> String {
    t.ok(&["log", "-n", "100000", "--as", who, "--json"])
}

#[test]
fn log_shows_no_part_of_a_hidden_project() {
    let t = world();
    t.ok(&[
        "resource",
        "add",
        "vault",
        "--type",
        "app",
        "--env",
        "acme/secret/staging",
    ]);
    t.ok(&["env", "clone", "acme/secret/staging", "qa", "--with-access"]);
    t.ok(&["env", "protect", "acme/secret/qa"]);
    grant(&t, CY, "acme/secret", Some("qa"), "admin");
    // Moved out of the hidden project into shop: the event is shop's, its `before` was not.
    t.ok(&[
        "resource",
        "move",
        "vault",
        "--env",
        "acme/secret/staging",
        "--to",
        "acme/shop/staging",
    ]);
    // Removing cy records their grants, on shop and on secret.
    t.ok(&["member", "remove", CY]);
    // The hidden project goes, and a new project takes its row id: the old events stay hidden.
    t.ok(&["project", "remove", "acme/secret", "--yes"]);
    t.ok(&["project", "add", "fresh", "--org", "acme"]);
    grant(&t, BO, "acme/fresh", None, "viewer");

    let everything = log_of(&t, ANA);
    assert!(
        everything.contains("secret"),
        "the owner sees it all: {everything}"
    );
    let bo = log_of(&t, BO);
    assert!(!bo.contains("secret"), "bo sees a hidden project: {bo}");
    let events: Vec<Value> = serde_json::from_str(&bo).unwrap();
    let action = |a: &str| events.iter().find(|e| e["action"] == a).cloned();
    // What bo may read stays: cy's grant on shop, the move's arrival in shop.
    let removal = action("member.remove").expect("bo sees cy leave");
    let grants = removal["before"]["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{removal}");
    assert_eq!(grants[0]["project"], "shop");
    let moved = action("resource.move").expect("bo sees vault arrive");
    assert_eq!(moved["after"]["project"], "shop");
    assert_eq!(moved["target"], "acme/shop/staging/vault");
    // The plain and table forms leave the same events out.
    let plain = t.ok(&["log", "-n", "100000", "--as", BO, "-o", "plain"]);
    assert!(!plain.contains("secret"), "{plain}");
}

#[test]
fn log_strips_hidden_projects_from_a_restored_organization() {
    // A file whose only members are globex's: its removal may be restored by anyone.
    let t = TestEnv::new();
    t.ok(&["org", "add", "globex"]);
    t.ok(&["project", "add", "site", "--org", "globex"]);
    t.ok(&["project", "add", "plans", "--org", "globex"]);
    t.ok(&["member", "add", ANA, "--org", "globex"]);
    t.ok(&["member", "add", BO, "--org", "globex"]);
    grant(&t, BO, "globex/site", None, "developer");
    t.ok(&["org", "remove", "globex", "--yes"]);
    let id = last_id(&t);
    t.ok(&["restore", &id, "--as", ANA]);
    let bo = log_of(&t, BO);
    assert!(!bo.contains("plans"), "bo sees a hidden project: {bo}");
    let events: Vec<Value> = serde_json::from_str(&bo).unwrap();
    let restored = events
        .iter()
        .find(|e| e["action"] == "org.restore")
        .unwrap();
    let projects = restored["after"]["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{restored}");
    assert!(log_of(&t, ANA).contains("plans"));
}

/// stderr with the event id replaced, to compare the shape of two answers.
fn shape(stderr: &str, id: &str) -> String {
    stderr.replace(id, "ID")
}

#[test]
fn restore_of_a_hidden_event_is_not_found_like_a_missing_one() {
    let t = world();
    let add = last_id(&t); // cy's grant on secret
    t.ok(&["env", "remove", "acme/secret/staging", "--yes"]);
    let removal = last_id(&t);
    let dump = t.dump();
    let missing = t.fails(&["restore", "999999", "--as", BO], 3);
    assert_eq!(
        missing,
        "error: event 999999 not found\nhint: `proj log` lists events with their ids\n"
    );
    for id in [&add, &removal] {
        let err = t.fails(&["restore", id, "--as", BO], 3);
        assert_eq!(shape(&err, id), shape(&missing, "999999"), "event {id}");
        assert!(!err.contains("secret"), "{err}");
        let json = t.fails(&["restore", id, "--as", BO, "--json"], 3);
        let missing_json = t.fails(&["restore", "999999", "--as", BO, "--json"], 3);
        assert_eq!(shape(&json, id), shape(&missing_json, "999999"));
    }
    assert_eq!(t.dump(), dump);
    // The same event is there for the one who may see it.
    let err = t.fails(&["restore", &add, "--as", CY], 2);
    assert!(err.contains("not a removal"), "{err}");
}

#[test]
fn a_hidden_name_is_not_available_without_being_confirmed() {
    let t = world();
    // bo administers shop and does not see secret.
    let dump = t.dump();
    let err = t.fails(&["project", "rename", "acme/shop", "secret", "--as", BO], 4);
    assert!(!err.contains("already exists"), "{err}");
    assert!(err.contains("`secret` is not available in acme"), "{err}");
    assert_eq!(t.dump(), dump);
    // A name bo can see is simply taken; a free one is free.
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    grant(&t, BO, "acme/blog", None, "viewer");
    let err = t.fails(&["project", "rename", "acme/shop", "blog", "--as", BO], 4);
    assert!(err.contains("project `acme/blog` already exists"), "{err}");
    // access check answers the hidden project like a missing one.
    let hidden = t.fails(
        &[
            "access",
            "check",
            BO,
            "project.update",
            "acme/secret",
            "--as",
            BO,
        ],
        3,
    );
    let missing = t.fails(
        &[
            "access",
            "check",
            BO,
            "project.update",
            "acme/nope",
            "--as",
            BO,
        ],
        3,
    );
    assert_eq!(
        hidden.lines().next().unwrap().replace("secret", "X"),
        missing.lines().next().unwrap().replace("nope", "X")
    );
    // Organizations are unique in the file: an outsider gets the same answer.
    t.ok(&["org", "add", "globex", "--as", ANA]);
    t.ok(&["member", "add", "gus@globex.dev", "--org", "globex"]);
    let err = t.fails(&["org", "add", "acme", "--as", "gus@globex.dev"], 4);
    assert!(err.contains("`acme` is not available"), "{err}");
    assert!(!err.contains("already exists"), "{err}");
    let err = t.fails(
        &["org", "rename", "globex", "acme", "--as", "gus@globex.dev"],
        4,
    );
    assert!(err.contains("`acme` is not available"), "{err}");
}

#[test]
fn restore_checks_every_grant_it_brings_back() {
    let t = world();
    grant(&t, CY, "acme/shop", Some("staging"), "admin");
    // dev, a developer, may remove an unprotected environment...
    t.ok(&["env", "remove", "acme/shop/staging", "--yes", "--as", DEV]);
    let id = last_id(&t);
    let dump = t.dump();
    // ...but not grant admin on it, so they may not bring that grant back either.
    let err = t.fails(&["restore", &id, "--as", DEV], 5);
    assert!(err.contains("permission denied"), "{err}");
    assert!(err.contains("member.grant"), "{err}");
    assert_eq!(t.dump(), dump, "a denied restore restores nothing");
    t.ok(&["restore", &id, "--as", BO]);
    let cy = t.json(&["member", "show", CY]);
    assert!(cy.to_string().contains("staging"), "{cy}");
}

#[test]
fn restore_checks_resources_in_a_protected_environment() {
    let t = world();
    t.ok(&[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--env",
        "acme/shop/production",
    ]);
    t.ok(&["env", "remove", "acme/shop/production", "--yes"]);
    let id = last_id(&t);
    let dump = t.dump();
    // A developer may add an environment but not resources in a protected one.
    let err = t.fails(&["restore", &id, "--as", DEV], 5);
    assert!(err.contains("protected"), "{err}");
    assert_eq!(t.dump(), dump);
    t.ok(&["restore", &id, "--as", BO]);
}

#[test]
fn restore_follows_renamed_parents() {
    let t = world();
    t.ok(&[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--env",
        "acme/shop/staging",
    ]);
    t.ok(&["env", "remove", "acme/shop/staging", "--yes"]);
    let env_removal = last_id(&t);
    t.ok(&["project", "rename", "acme/shop", "store"]);
    t.ok(&["org", "rename", "acme", "acme-inc"]);
    let out = t.json(&["restore", &env_removal]);
    assert_eq!(out["org"], "acme-inc");
    assert_eq!(out["project"], "store");
    t.ok(&["resource", "show", "api", "--env", "acme-inc/store/staging"]);

    t.ok(&["project", "remove", "acme-inc/secret", "--yes"]);
    let project_removal = last_id(&t);
    t.ok(&["org", "rename", "acme-inc", "acme"]);
    let out = t.json(&["restore", &project_removal]);
    assert_eq!(out["org"], "acme");
    assert_eq!(out["slug"], "secret");
}

#[test]
fn restore_into_a_removed_parent_names_its_removal_not_a_look_alike() {
    let t = world();
    t.ok(&["env", "remove", "acme/secret/staging", "--yes"]);
    let env_removal = last_id(&t);
    t.ok(&["project", "remove", "acme/secret", "--yes"]);
    let project_removal = last_id(&t);
    // A new project takes the removed one's row id; the environment must not land in it.
    t.ok(&["project", "add", "fresh", "--org", "acme", "--no-env"]);
    let dump = t.dump();
    let err = t.fails(&["restore", &env_removal], 3);
    assert!(err.contains("acme/secret"), "{err}");
    assert!(
        err.contains(&format!("proj restore {project_removal}")),
        "{err}"
    );
    assert_eq!(t.dump(), dump);
    t.ok(&["restore", &project_removal]);
    t.ok(&["restore", &env_removal]);
    t.ok(&["env", "show", "acme/secret/staging"]);
}

/// `dir/sub` with a good link file in `dir` and whatever `make` puts at `dir/sub/.proj.json`.
fn nested_link(t: &TestEnv, make: impl Fn(&Path)) -> std::path::PathBuf {
    let dir = t.path().join("work");
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    t.run_in(&dir, &["link", "acme/shop"]);
    assert!(dir.join(".proj.json").is_file());
    make(&sub.join(".proj.json"));
    sub
}

#[test]
fn a_malformed_link_file_is_reported_and_unlink_removes_only_it() {
    let t = world();
    let sub = nested_link(&t, |p| std::fs::write(p, "{not json").unwrap());
    let link = sub.join(".proj.json");
    let r = t.run_in(&sub, &["context"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&link.display().to_string()),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["context", "--json"]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["broken_link"]["path"], link.display().to_string());
    let r = t.run_in(&sub, &["tree"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["unlink"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!link.exists());
    assert!(
        sub.parent().unwrap().join(".proj.json").is_file(),
        "the parent's link stays"
    );
}

#[test]
fn a_directory_named_like_the_link_file_is_reported_and_never_reached_past() {
    let t = world();
    let sub = nested_link(&t, |p| std::fs::create_dir(p).unwrap());
    let link = sub.join(".proj.json");
    let r = t.run_in(&sub, &["context"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["tree"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = t.run_in(&sub, &["env", "list"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = t.run_in(&sub, &["unlink"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(link.is_dir(), "the directory stays");
    assert!(
        sub.parent().unwrap().join(".proj.json").is_file(),
        "the parent's link stays"
    );
}

#[test]
fn an_empty_path_segment_is_usage_for_every_path() {
    let t = world();
    let cases: &[&[&str]] = &[
        &["env", "show", "/staging"],
        &["env", "show", "acme/shop/"],
        &["env", "show", "acme//staging"],
        &["env", "show", "shop/"],
        &["project", "show", "acme/"],
        &["project", "show", "/shop"],
        &["project", "show", "acme/shop/production"],
        &["env", "list", "-p", "acme/"],
        &["env", "list", "-p", "/shop"],
        &["resource", "list", "--env", "/staging"],
        &[
            "member",
            "grant",
            BO,
            "-p",
            "acme/shop",
            "--env",
            "staging/",
            "--role",
            "viewer",
        ],
        &["access", "check", BO, "read", "acme/"],
        &["access", "check", BO, "read", "/shop"],
        &["link", "acme/"],
    ];
    let dump = t.dump();
    for args in cases {
        let err = t.fails(args, 2);
        assert!(err.starts_with("error: invalid "), "{args:?}: {err}");
        assert!(err.contains("hint: write "), "{args:?}: {err}");
    }
    let err = t.fails(&["env", "show", "/staging"], 2);
    assert_eq!(
        err,
        "error: invalid environment `/staging`: a name between slashes is empty\n\
         hint: write ENV, PROJECT/ENV or ORG/PROJECT/ENV\n"
    );
    assert_eq!(t.dump(), dump);
    assert!(!t.path().join(".proj.json").exists());
}

#[test]
fn a_removed_organization_is_for_those_who_were_its_owners_and_admins() {
    let t = world();
    // An organization with members: ana owns it, bo is a plain member.
    t.ok(&["org", "add", "labs"]);
    t.ok(&["member", "add", ANA, "--org", "labs"]);
    t.ok(&["member", "add", BO, "--org", "labs"]);
    t.ok(&["org", "remove", "labs", "--yes"]);
    let id = last_id(&t);
    // bo was only a member: the removal is not found for him, like an id nobody used.
    let e = t.fails(&["restore", &id, "--as", BO], 3);
    assert!(!e.contains("labs"), "{e}");
    assert!(!log_of(&t, BO).contains("labs"));
    t.ok(&["restore", &id, "--as", ANA]);
    // An organization that had no members had no boundaries: who removed it may restore it.
    t.ok(&["org", "add", "scratch", "--as", CY]);
    t.ok(&["org", "remove", "scratch", "--yes", "--as", CY]);
    let id = t.json(&["log", "-n", "1", "--as", CY])[0]["id"].to_string();
    t.ok(&["restore", &id, "--as", CY]);
    assert!(t.ok(&["org", "list", "--as", CY]).contains("scratch"));
}
