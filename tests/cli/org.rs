//! `proj org add|list|show|rename|remove|use` and their aliases.

use crate::helpers::{fails_unchanged, json_error, slugs};
use crate::json::Org;
use crate::support::{NOW, TestEnv};

#[test]
fn add_prints_the_new_organization() {
    let t = TestEnv::new();
    let org: Org = t.json_as(&["org", "add", "acme", "--display-name", "Acme Inc."]);
    assert_eq!(org.slug, "acme");
    assert_eq!(org.display_name.as_deref(), Some("Acme Inc."));
    assert!(org.projects.is_empty());
    assert_eq!(org.created_at, NOW);
}

#[test]
fn add_aliases_create_and_new() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "a"]);
    t.ok(&["org", "create", "b"]);
    t.ok(&["org", "new", "c"]);
    assert_eq!(slugs(&t.json(&["org", "list"])), ["a", "b", "c"]);
    assert_eq!(slugs(&t.json(&["org", "ls"])), ["a", "b", "c"]);
}

#[test]
fn add_twice_is_a_conflict_and_changes_nothing() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let err = fails_unchanged(&t, &["org", "add", "acme"], 4);
    assert!(
        err.contains("error: organization `acme` already exists"),
        "{err}"
    );
    let e = json_error(&t, &["org", "add", "acme"], 4);
    assert_eq!(e["code"], "conflict");
}

#[test]
fn list_is_alphabetical_and_names_projects() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "zeta"]);
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "web", "--org", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    let orgs: Vec<Org> = t.json_as(&["org", "list"]);
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0].slug, "acme");
    assert_eq!(orgs[0].projects, ["shop", "web"]);
    assert_eq!(orgs[1].slug, "zeta");
}

#[test]
fn list_of_nothing_is_an_empty_array_and_a_note() {
    let t = TestEnv::new();
    assert_eq!(t.json(&["org", "list"]), serde_json::json!([]));
    let r = t.run(&["org", "list"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("no organizations"), "{}", r.stderr);
}

#[test]
fn show_by_slug_or_from_context() {
    let t = TestEnv::with_shop();
    t.ok(&["org", "add", "other"]);
    let org: Org = t.json_as(&["org", "show", "acme"]);
    assert_eq!(org.projects, ["shop"]);
    let org: Org = t.json_as(&["org", "show", "--org", "other"]);
    assert_eq!(org.slug, "other");
    // Two organizations and none selected: the error names the flag and the choices.
    let err = t.fails(&["org", "show"], 2);
    assert!(err.contains("error: no organization selected"), "{err}");
    assert!(err.contains("--org"), "{err}");
    assert!(err.contains("available: acme, other"), "{err}");
}

#[test]
fn show_missing_is_not_found_with_the_choices() {
    let t = TestEnv::with_shop();
    let err = t.fails(&["org", "show", "nope"], 3);
    assert!(
        err.contains("error: organization `nope` not found"),
        "{err}"
    );
    assert!(err.contains("hint: available: acme"), "{err}");
    let e = json_error(&t, &["org", "show", "nope"], 3);
    assert_eq!(e["code"], "not_found");
}

#[test]
fn rename_changes_slug_and_display_name() {
    let t = TestEnv::with_shop();
    let org: Org = t.json_as(&[
        "org",
        "rename",
        "acme",
        "acme-corp",
        "--display-name",
        "Acme",
    ]);
    assert_eq!(org.slug, "acme-corp");
    assert_eq!(org.display_name.as_deref(), Some("Acme"));
    assert_eq!(org.projects, ["shop"]);
    t.fails(&["org", "show", "acme"], 3);
    t.ok(&["project", "show", "acme-corp/shop"]);
    // Only the display name; an empty one clears it.
    let org: Org = t.json_as(&["org", "rename", "acme-corp", "--display-name", ""]);
    assert_eq!(org.display_name, None);
}

#[test]
fn rename_failures_change_nothing() {
    let t = TestEnv::with_shop();
    t.ok(&["org", "add", "other"]);
    fails_unchanged(&t, &["org", "rename", "acme", "other"], 4);
    fails_unchanged(&t, &["org", "rename", "acme"], 2);
    fails_unchanged(&t, &["org", "rename", "acme", "Bad Name"], 2);
    fails_unchanged(&t, &["org", "rename", "nope", "fine"], 3);
}

#[test]
fn remove_an_empty_organization_needs_no_confirmation() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let org: Org = t.json_as(&["org", "remove", "acme"]);
    assert_eq!(org.slug, "acme");
    assert_eq!(t.json(&["org", "list"]), serde_json::json!([]));
}

#[test]
fn remove_with_projects_refuses_without_yes() {
    let t = TestEnv::with_shop();
    let err = fails_unchanged(&t, &["org", "remove", "acme"], 4);
    assert!(
        err.contains("organization `acme` has 1 project(s)"),
        "{err}"
    );
    assert!(err.contains("--yes"), "{err}");
    t.ok(&["org", "remove", "acme", "--yes"]);
    assert_eq!(t.json(&["org", "list"]), serde_json::json!([]));
    // Everything inside went with it.
    let dump = t.dump();
    let projects = dump.split("== projects\n").nth(1).unwrap();
    assert!(projects.starts_with("== "), "{dump}");
}

#[test]
fn remove_aliases_rm_and_delete() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "a"]);
    t.ok(&["org", "add", "b"]);
    t.ok(&["org", "rm", "a"]);
    t.ok(&["org", "delete", "b", "-y"]);
    assert_eq!(t.json(&["org", "list"]), serde_json::json!([]));
    fails_unchanged(&t, &["org", "rm", "a"], 3);
}

#[test]
fn use_saves_the_selection() {
    let t = TestEnv::with_shop();
    t.ok(&["org", "add", "other"]);
    t.ok(&["project", "add", "web", "--org", "other"]);
    t.fails(&["project", "list"], 2);
    let org: Org = t.json_as(&["org", "use", "other"]);
    assert_eq!(org.slug, "other");
    let projects = t.json(&["project", "list"]);
    assert_eq!(slugs(&projects), ["web"]);
    fails_unchanged(&t, &["org", "use", "nope"], 3);
}

#[test]
fn remove_with_members_only_refuses_without_yes() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.sql(
        "INSERT INTO members (org_id, email, role, created_at)
         SELECT id, 'tester@acme.dev', 'owner', '2026-11-27T09:14:03Z' FROM orgs",
    );
    let err = fails_unchanged(&t, &["org", "remove", "acme", "--as", "tester@acme.dev"], 4);
    assert!(err.contains("0 project(s) and 1 member(s)"), "{err}");
    t.ok(&["org", "remove", "acme", "--as", "tester@acme.dev", "--yes"]);
}

/// `org add --user EMAIL` makes EMAIL the first owner (and, on a file without an identity,
/// the person at the keyboard); an invalid email is bad input that changes nothing.
#[test]
fn add_with_user_makes_the_first_owner_and_checks_the_email() {
    let t = TestEnv::new();
    let err = fails_unchanged(&t, &["org", "add", "beta", "--user", "bad@@x"], 2);
    assert!(err.contains("invalid email `bad@@x`"), "{err}");
    t.ok(&[
        "org",
        "add",
        "acme",
        "--user",
        "ana@acme.dev",
        "--name",
        "Ana",
        "--as",
        "ana@acme.dev",
    ]);
    let ana = t.json(&[
        "member",
        "show",
        "ana@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(ana["role"], "owner", "{ana}");
    assert_eq!(ana["name"], "Ana", "{ana}");
}
