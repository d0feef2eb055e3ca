//! Members, grants and access boundaries: identity, owners, visibility, audit and JSON shapes.

use crate::support::{NOW, TestEnv};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Member {
    org: String,
    email: String,
    name: Option<String>,
    role: String,
    grants: Vec<MemberGrant>,
    teams: Vec<String>,
    access: Vec<EffectiveRole>,
    created_at: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct EffectiveRole {
    project: String,
    environment: String,
    role: String,
    via: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct MemberGrant {
    project: String,
    environment: Option<String>,
    role: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Grant {
    org: String,
    project: String,
    environment: Option<String>,
    email: String,
    role: String,
    created_at: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Check {
    email: String,
    action: String,
    target: String,
    allowed: bool,
    visible: bool,
    rule: String,
    reason: String,
    via: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Whoami {
    identity: String,
    source: String,
    name: Option<String>,
    org: Option<String>,
    role: Option<String>,
    memberships: Vec<Membership>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Membership {
    org: String,
    role: String,
}

#[derive(Debug, Deserialize)]
struct Event {
    actor: String,
    action: String,
    target: String,
}

#[derive(Debug, Deserialize)]
struct Slugged {
    slug: String,
    #[serde(default)]
    projects: Vec<String>,
}

/// acme with projects `shop` (staging + production) and `other`; ana the owner (the saved
/// identity); bo a member, developer on shop and viewer on shop's production; vi a viewer
/// with viewer on shop and on other.
fn team() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "other", "--org", "acme"]);
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "member",
        "add",
        "ana@acme.dev",
        "--name",
        "Ana",
        "--org",
        "acme",
    ]);
    t.ok(&["member", "add", "bo@acme.dev", "--org", "acme"]);
    t.ok(&[
        "member",
        "add",
        "vi@acme.dev",
        "--role",
        "viewer",
        "--org",
        "acme",
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
    let prod = [
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--env",
        "production",
    ];
    t.ok(&[&prod[..], &["--role", "viewer"]].concat());
    t.ok(&[
        "member",
        "grant",
        "vi@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&[
        "member",
        "grant",
        "vi@acme.dev",
        "-p",
        "acme/other",
        "--role",
        "viewer",
    ]);
    t
}

fn slugs(v: Vec<Slugged>) -> Vec<String> {
    v.into_iter().map(|s| s.slug).collect()
}

#[test]
fn the_first_member_becomes_owner_and_the_identity() {
    let t = TestEnv::with_shop();
    let r = t.run(&[
        "member",
        "add",
        "ana@acme.dev",
        "--name",
        "Ana",
        "--role",
        "viewer",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("first member of acme, so they are its owner"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--role viewer does not apply"),
        "{}",
        r.stderr
    );
    let ana: Member = t.json_as(&["member", "show", "ana@acme.dev"]);
    assert_eq!(ana.role, "owner");
    let me: Whoami = t.json_as(&["whoami"]);
    assert_eq!(
        me,
        Whoami {
            identity: "ana@acme.dev".into(),
            source: "saved".into(),
            name: Some("Ana".into()),
            org: Some("acme".into()),
            role: Some("owner".into()),
            memberships: vec![Membership {
                org: "acme".into(),
                role: "owner".into()
            }],
        }
    );
    // The second member gets the default role, and the identity stays.
    let bo: Member = t.json_as(&["member", "add", "bo@acme.dev"]);
    assert_eq!(bo.role, "member");
    let events: Vec<Event> = t.json_as(&["log"]);
    assert_eq!(events[0].action, "member.add");
    assert_eq!(events[0].actor, "ana@acme.dev");
    assert_eq!(events[0].target, "bo@acme.dev in acme");
    assert_eq!(
        events[1].actor, "ana@acme.dev",
        "the first member is who ran it"
    );
}

#[test]
fn the_last_owner_cannot_be_demoted_or_removed() {
    let t = team();
    let e = t.fails(&["member", "role", "ana@acme.dev", "admin"], 4);
    assert!(e.contains("last owner of `acme`"), "{e}");
    t.fails(&["member", "remove", "ana@acme.dev"], 4);
    t.fails(&["member", "rm", "ana@acme.dev", "--yes"], 4);
    // With a second owner, either may step down.
    t.ok(&["member", "role", "bo@acme.dev", "owner"]);
    t.ok(&["member", "role", "ana@acme.dev", "admin"]);
    t.fails(
        &["member", "remove", "bo@acme.dev", "--as", "bo@acme.dev"],
        4,
    );
    let members: Vec<Member> = t.json_as(&["member", "ls"]);
    let roles: Vec<_> = members
        .iter()
        .map(|m| (m.email.as_str(), m.role.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("ana@acme.dev", "admin"),
            ("bo@acme.dev", "owner"),
            ("vi@acme.dev", "viewer")
        ]
    );
}

#[test]
fn admins_cannot_change_owners() {
    let t = team();
    t.ok(&["member", "add", "ad@acme.dev", "--role", "admin"]);
    let admin = |args: &[&str], code: i32| {
        let r = t.run(&[args, &["--as", "ad@acme.dev"]].concat());
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        r.stderr
    };
    let e = admin(&["member", "role", "ana@acme.dev", "admin"], 5);
    assert!(
        e.contains("only an owner may change the role of the owner ana@acme.dev"),
        "{e}"
    );
    let e = admin(&["member", "remove", "ana@acme.dev"], 5);
    assert!(
        e.contains("only an owner may remove the owner ana@acme.dev"),
        "{e}"
    );
    let e = admin(&["member", "role", "bo@acme.dev", "owner"], 5);
    assert!(
        e.contains("only an owner may make bo@acme.dev an owner"),
        "{e}"
    );
    admin(&["member", "add", "cy@acme.dev", "--role", "owner"], 5);
    admin(&["org", "remove", "acme", "--yes"], 5);
    // Everything else is theirs.
    admin(&["member", "add", "cy@acme.dev", "--role", "admin"], 0);
    admin(&["member", "role", "cy@acme.dev", "member"], 0);
    admin(&["member", "remove", "cy@acme.dev"], 0);
    admin(&["env", "unprotect", "acme/shop/production"], 0);
    // The owner may.
    t.ok(&["member", "role", "bo@acme.dev", "owner"]);
    t.ok(&["member", "role", "bo@acme.dev", "member"]);
}

#[test]
fn projects_without_a_grant_do_not_exist_for_members_and_viewers() {
    let t = team();
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "site", "--org", "beta"]);
    t.ok(&["member", "add", "ana@acme.dev", "--org", "beta"]);
    // Every list leaves them out.
    let orgs: Vec<Slugged> = t.json_as(&["org", "list", "--as", "bo@acme.dev"]);
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].slug, "acme");
    assert_eq!(orgs[0].projects, ["shop"]);
    let org: Slugged = t.json_as(&["org", "show", "acme", "--as", "bo@acme.dev"]);
    assert_eq!(org.projects, ["shop"]);
    let projects: Vec<Slugged> =
        t.json_as(&["project", "list", "--org", "acme", "--as", "bo@acme.dev"]);
    assert_eq!(slugs(projects), ["shop"]);
    let all: Vec<Slugged> = t.json_as(&["project", "list", "--all", "--as", "bo@acme.dev"]);
    assert_eq!(slugs(all), ["shop"]);
    let vi: Vec<Slugged> = t.json_as(&["project", "list", "--org", "acme", "--as", "vi@acme.dev"]);
    assert_eq!(slugs(vi), ["other", "shop"]);
    let ana: Vec<Slugged> = t.json_as(&["project", "list", "--all"]);
    assert_eq!(slugs(ana), ["other", "shop", "site"]);
    // Every command on them is "not found", exactly like a project that does not exist.
    for args in [
        &["project", "show", "acme/other"][..],
        &["project", "use", "acme/other"],
        &["project", "rename", "acme/other", "--display-name", "X"],
        &["project", "remove", "acme/other", "--yes"],
        &["env", "list", "-p", "acme/other"],
        &["env", "show", "acme/other/production"],
        &["env", "add", "qa", "-p", "acme/other"],
        &["env", "remove", "acme/other/production", "--yes"],
        &["env", "protect", "acme/other/production"],
        &[
            "member",
            "grant",
            "bo@acme.dev",
            "-p",
            "acme/other",
            "--role",
            "admin",
        ],
        &["log", "-p", "acme/other"],
        &["org", "show", "beta"],
        &["project", "show", "beta/site"],
        &["project", "list", "--org", "beta"],
    ] {
        let as_bo = t.run(&[args, &["--as", "bo@acme.dev"]].concat());
        assert_eq!(as_bo.code, 3, "{args:?}: {}", as_bo.stderr);
    }
    let hidden = t.fails(&["project", "show", "acme/other", "--as", "bo@acme.dev"], 3);
    let missing = t.fails(&["project", "show", "acme/nope", "--as", "bo@acme.dev"], 3);
    assert_eq!(
        hidden.lines().next().unwrap().replace("other", "X"),
        missing.lines().next().unwrap().replace("nope", "X")
    );
    assert!(
        !hidden.contains("other,"),
        "the hint must not name hidden projects: {hidden}"
    );
    let e = t.fails(&["org", "show", "beta", "--as", "bo@acme.dev"], 3);
    assert!(e.contains("hint: available: acme\n"), "{e}");
    // The only organization bo can see is the one commands use.
    let me: Whoami = t.json_as(&["whoami", "--as", "bo@acme.dev"]);
    assert_eq!(me.org.as_deref(), Some("acme"));
    // A visible target they may not change is "permission denied".
    t.fails(
        &["env", "protect", "acme/shop/staging", "--as", "bo@acme.dev"],
        5,
    );
    t.fails(
        &[
            "project",
            "remove",
            "acme/shop",
            "--yes",
            "--as",
            "vi@acme.dev",
        ],
        5,
    );
    // Grants on hidden projects are left out of member views too.
    let vi: Member = t.json_as(&[
        "member",
        "show",
        "vi@acme.dev",
        "--org",
        "acme",
        "--as",
        "bo@acme.dev",
    ]);
    assert_eq!(vi.grants.len(), 1);
    assert_eq!(vi.grants[0].project, "shop");
    let vi: Member = t.json_as(&["member", "show", "vi@acme.dev", "--org", "acme"]);
    assert_eq!(vi.grants.len(), 2);
    // And so are their events.
    let all: Vec<Event> = t.json_as(&["log", "-n", "100"]);
    assert!(all.iter().any(|e| e.target.contains("acme/other")));
    assert!(all.iter().any(|e| e.target.starts_with("beta")));
    let seen: Vec<Event> = t.json_as(&["log", "-n", "100", "--as", "bo@acme.dev"]);
    assert!(!seen.is_empty());
    for e in &seen {
        assert!(
            !e.target.contains("acme/other") && !e.target.contains("beta"),
            "bo sees {e:?}"
        );
    }
}

#[test]
fn events_of_a_removed_project_are_for_owners_and_admins() {
    let t = team();
    t.ok(&["project", "remove", "acme/other", "--yes"]);
    let vi: Vec<Event> = t.json_as(&["log", "-n", "100", "--as", "vi@acme.dev"]);
    assert!(
        !vi.iter().any(|e| e.target.contains("acme/other")),
        "{vi:?}"
    );
    let ana: Vec<Event> = t.json_as(&["log", "-n", "100"]);
    assert_eq!(ana[0].action, "project.remove");
}

#[test]
fn an_unknown_identity_is_not_found() {
    let t = team();
    let e = t.fails(&["project", "list", "--as", "nobody@acme.dev"], 3);
    assert!(e.contains("no member `nobody@acme.dev`"), "{e}");
    let r = t
        .cmd()
        .env("PROJ_AS", "nobody@acme.dev")
        .args(["org", "list"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
    t.fails(&["whoami", "--as", "nobody@acme.dev"], 3);
    // A file without members has nobody to check against: everyone is its owner.
    let solo = TestEnv::with_shop();
    solo.ok(&[
        "env",
        "add",
        "qa",
        "-p",
        "acme/shop",
        "--as",
        "anyone@example.com",
    ]);
    let me: Whoami = solo.json_as(&["whoami"]);
    assert_eq!(
        (me.identity.as_str(), me.source.as_str()),
        ("tester", "os-user")
    );
    assert_eq!(me.role.as_deref(), Some("owner"));
}

#[test]
fn the_identity_is_the_actor_of_every_event() {
    let t = team();
    t.ok(&["env", "add", "qa", "-p", "acme/shop", "--as", "bo@acme.dev"]);
    t.ok(&["env", "add", "uat", "-p", "acme/shop"]);
    let r = t
        .cmd()
        .env("PROJ_AS", "bo@acme.dev")
        .args(["env", "rm", "acme/shop/uat"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    let events: Vec<Event> = t.json_as(&["log", "-n", "3"]);
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("bo@acme.dev", "env.remove", "acme/shop/uat"),
            ("ana@acme.dev", "env.add", "acme/shop/uat"),
            ("bo@acme.dev", "env.add", "acme/shop/qa"),
        ]
    );
}

#[test]
fn an_environment_grant_replaces_the_project_role_there_only() {
    let t = team();
    // bo: developer on acme/shop, viewer on production.
    t.ok(&[
        "env",
        "rename",
        "acme/shop/staging",
        "--display-name",
        "Stage",
        "--as",
        "bo@acme.dev",
    ]);
    let e = t.fails(
        &[
            "env",
            "rename",
            "acme/shop/production",
            "--display-name",
            "P",
            "--as",
            "bo@acme.dev",
        ],
        5,
    );
    assert!(
        e.contains("viewer on acme/shop/production (environment grant"),
        "{e}"
    );
    // Upwards too: admin on staging only lets vi protect staging, not production.
    // (--env also takes a path, like every environment argument.)
    t.ok(&[
        "member",
        "grant",
        "vi@acme.dev",
        "-e",
        "acme/shop/staging",
        "--role",
        "admin",
    ]);
    t.ok(&["env", "protect", "acme/shop/staging", "--as", "vi@acme.dev"]);
    t.fails(
        &[
            "env",
            "unprotect",
            "acme/shop/production",
            "--as",
            "vi@acme.dev",
        ],
        5,
    );
    t.fails(
        &["env", "add", "qa", "-p", "acme/shop", "--as", "vi@acme.dev"],
        5,
    );
    // Revoking the environment grant brings the project role back.
    let g: Grant = t.json_as(&[
        "member",
        "revoke",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--env",
        "production",
    ]);
    assert_eq!(
        g,
        Grant {
            org: "acme".into(),
            project: "shop".into(),
            environment: Some("production".into()),
            email: "bo@acme.dev".into(),
            role: "viewer".into(),
            created_at: NOW.into(),
        }
    );
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/production",
    ]);
    assert_eq!(c.rule, "protected-env");
    t.fails(
        &[
            "member",
            "revoke",
            "bo@acme.dev",
            "-p",
            "acme/shop",
            "--env",
            "production",
        ],
        3,
    );
    t.ok(&["member", "revoke", "bo@acme.dev", "-p", "acme/shop"]);
    t.fails(&["project", "show", "acme/shop", "--as", "bo@acme.dev"], 3);
}

#[test]
fn access_check_names_the_rule_in_text_and_json() {
    let t = team();
    let out = t.ok(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/staging",
    ]);
    assert_eq!(
        out,
        "allowed: developer on acme/shop\nrule: project-developer\n"
    );
    t.ok(&[
        "member",
        "revoke",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--env",
        "production",
    ]);
    let out = t.ok(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/production",
    ]);
    assert_eq!(
        out,
        "denied: developer on acme/shop, but production is protected (needs project admin)\nrule: protected-env\n"
    );
    let plain = t.ok(&[
        "access",
        "check",
        "bo@acme.dev",
        "read",
        "acme/other",
        "-o",
        "plain",
    ]);
    assert_eq!(
        plain,
        "denied\tno-grant\tmember of acme without a grant on acme/other\n"
    );
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.protect",
        "acme/shop/staging",
    ]);
    assert_eq!(
        c,
        Check {
            email: "bo@acme.dev".into(),
            action: "env.protect".into(),
            target: "acme/shop/staging".into(),
            allowed: false,
            visible: true,
            rule: "needs-project-admin".into(),
            reason: "developer on acme/shop, and env.protect needs project admin".into(),
            via: Some("member".into()),
        }
    );
    let c: Check = t.json_as(&["access", "check", "ana@acme.dev", "org.remove", "acme"]);
    assert_eq!((c.allowed, c.rule.as_str()), (true, "org-owner"));
    // An organization-level action on a deeper target is about the organization.
    let c: Check = t.json_as(&["access", "check", "bo@acme.dev", "member.add", "acme/shop"]);
    assert_eq!(
        (c.target.as_str(), c.rule.as_str()),
        ("acme", "needs-org-admin")
    );
    // Mistakes are usage errors or "not found".
    t.fails(&["access", "check", "bo@acme.dev", "env.update", "acme"], 2);
    t.fails(&["access", "check", "bo@acme.dev", "env.fly", "acme"], 2);
    t.fails(
        &["access", "check", "bo@acme.dev", "read", "acme/shop/nope"],
        3,
    );
    t.fails(&["access", "check", "zed@acme.dev", "read", "acme"], 3);
    // The caller cannot learn about projects hidden from them.
    t.fails(
        &[
            "access",
            "check",
            "vi@acme.dev",
            "read",
            "acme/other",
            "--as",
            "bo@acme.dev",
        ],
        3,
    );
    // Without members, everyone is the owner.
    let solo = TestEnv::with_shop();
    let c: Check = solo.json_as(&["access", "check", "x@y.dev", "org.remove", "acme"]);
    assert_eq!((c.allowed, c.rule.as_str()), (true, "no-members"));
}

#[test]
fn member_list_json_and_plain_are_pinned() {
    let t = team();
    let members: Vec<Member> = t.json_as(&["member", "list"]);
    assert_eq!(
        members[1],
        Member {
            org: "acme".into(),
            email: "bo@acme.dev".into(),
            name: None,
            role: "member".into(),
            grants: vec![
                MemberGrant {
                    project: "shop".into(),
                    environment: None,
                    role: "developer".into()
                },
                MemberGrant {
                    project: "shop".into(),
                    environment: Some("production".into()),
                    role: "viewer".into()
                },
            ],
            teams: vec![],
            access: vec![
                EffectiveRole {
                    project: "shop".into(),
                    environment: "staging".into(),
                    role: "developer".into(),
                    via: "member".into(),
                },
                EffectiveRole {
                    project: "shop".into(),
                    environment: "production".into(),
                    role: "viewer".into(),
                    via: "member".into(),
                },
            ],
            created_at: NOW.into(),
        }
    );
    let plain = t.ok(&["member", "list", "-o", "plain"]);
    assert_eq!(
        plain,
        "ana@acme.dev\tAna\towner\t-\n\
         bo@acme.dev\t-\tmember\tshop:developer,shop/production:viewer\n\
         vi@acme.dev\t-\tviewer\tother:viewer,shop:viewer\n"
    );
    assert_eq!(t.ok(&["member", "add", "cy@acme.dev", "-q"]), "");
    let g: Grant = t.json_as(&[
        "member",
        "grant",
        "cy@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "admin",
    ]);
    assert_eq!((g.environment, g.role.as_str()), (None, "admin"));
    t.fails(&["member", "add", "cy@acme.dev"], 4);
    t.fails(&["member", "add", "not-an-email"], 2);
    t.fails(&["member", "add", "dy@acme.dev", "--role", "boss"], 2);
    t.fails(
        &[
            "member",
            "grant",
            "cy@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "owner",
        ],
        2,
    );
    t.fails(&["member", "show", "zed@acme.dev"], 3);
    t.fails(
        &[
            "member",
            "grant",
            "zed@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "viewer",
        ],
        3,
    );
    t.fails(
        &[
            "member",
            "grant",
            "cy@acme.dev",
            "-p",
            "acme/shop",
            "--env",
            "nope",
            "--role",
            "viewer",
        ],
        3,
    );
}

#[test]
fn a_failed_member_command_changes_nothing() {
    let t = team();
    let before = t.dump();
    t.fails(&["member", "role", "ana@acme.dev", "viewer"], 4);
    t.fails(&["member", "add", "x@acme.dev", "--as", "vi@acme.dev"], 5);
    t.fails(
        &[
            "member",
            "grant",
            "vi@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "admin",
            "--as",
            "bo@acme.dev",
        ],
        5,
    );
    assert_eq!(before, t.dump());
}

#[test]
fn members_can_be_renamed_and_the_identity_follows() {
    let t = team();
    t.ok(&["member", "add", "ad@acme.dev", "--role", "admin"]);
    let m: Member = t.json_as(&[
        "member",
        "rename",
        "bo@acme.dev",
        "bob@acme.dev",
        "--name",
        "Bo",
    ]);
    assert_eq!(
        (m.email.as_str(), m.name.as_deref()),
        ("bob@acme.dev", Some("Bo"))
    );
    assert_eq!(m.grants.len(), 2, "grants stay with the member");
    t.fails(&["member", "rename", "bob@acme.dev", "vi@acme.dev"], 4);
    t.fails(
        &[
            "member",
            "rename",
            "ana@acme.dev",
            "--name",
            "A",
            "--as",
            "ad@acme.dev",
        ],
        5,
    );
    t.ok(&["member", "rename", "ana@acme.dev", "ana@acme.io"]);
    let me: Whoami = t.json_as(&["whoami"]);
    assert_eq!(me.identity, "ana@acme.io");
    assert_eq!(me.role.as_deref(), Some("owner"));
}

/// Commands that other parts of `proj` add (resources, tree) keep hidden projects hidden too;
/// checked when this build has them.
#[test]
fn resources_and_the_tree_keep_hidden_projects_hidden() {
    let t = team();
    let cli = proj::cli::command();
    if cli.find_subcommand("resource").is_some() {
        t.ok(&[
            "resource",
            "add",
            "api",
            "--type",
            "app",
            "--env",
            "production",
            "-p",
            "acme/other",
        ]);
        for args in [
            &["resource", "list", "-p", "acme/other"][..],
            &[
                "resource",
                "show",
                "api",
                "--env",
                "production",
                "-p",
                "acme/other",
            ],
            &[
                "resource",
                "remove",
                "api",
                "--env",
                "production",
                "-p",
                "acme/other",
                "--yes",
            ],
        ] {
            let r = t.run(&[args, &["--as", "bo@acme.dev"]].concat());
            assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        }
        let add = [
            "resource",
            "add",
            "db",
            "--type",
            "database",
            "--env",
            "production",
        ];
        t.fails(
            &[&add[..], &["-p", "acme/shop", "--as", "bo@acme.dev"]].concat(),
            5,
        );
        t.fails(
            &[&add[..], &["-p", "acme/shop", "--as", "vi@acme.dev"]].concat(),
            5,
        );
        t.ok(&[
            "resource",
            "add",
            "db",
            "--type",
            "database",
            "--env",
            "staging",
            "-p",
            "acme/shop",
            "--as",
            "bo@acme.dev",
        ]);
    }
    if cli.find_subcommand("tree").is_some() {
        let tree = t.ok(&["tree", "--as", "bo@acme.dev"]);
        assert!(tree.contains("shop") && !tree.contains("other"), "{tree}");
        let tree = t.ok(&["tree", "--json", "--as", "bo@acme.dev"]);
        assert!(!tree.contains("\"other\""), "{tree}");
    }
}
